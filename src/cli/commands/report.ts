// `wirelane report HAR --html PATH`: draws any HAR (ours, Chrome's, Playwright's, Firefox's) as the
// connection timeline in one self-contained HTML file. Exit 2 for bad usage or a file that is not a HAR.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { formatError, WlError } from '../../core/errors';
import { readHar } from '../../core/har/read';
import { summarize } from '../../core/timeline/summary';
import { assertHarShape, writeReportHtml } from '../reportHtml';
import { describeNetwork, networkFromJson } from '../../core/network';

const USAGE = 'usage: wirelane report HAR --html PATH';

export async function run(argv: string[]): Promise<number> {
  let input: string | undefined;
  let out: string | undefined;
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--html') {
        out = argv[++i];
        if (!out || out.startsWith('--')) throw new WlError('WL_USAGE', `--html needs a path; ${USAGE}`);
      } else if (a.startsWith('--html=')) out = a.slice('--html='.length);
      else if (a === '--help' || a === '-h') {
        process.stdout.write(`${USAGE}\nDraws the HAR's connections and exchanges as a timeline in one HTML file.\n`);
        return 0;
      } else if (a.startsWith('-')) throw new WlError('WL_USAGE', `unknown option '${a}'; ${USAGE}`);
      else if (input === undefined) input = a;
      else throw new WlError('WL_USAGE', `only one HAR file, got '${input}' and '${a}'; ${USAGE}`);
    }
    if (!input) throw new WlError('WL_USAGE', `which HAR file? ${USAGE}`);
    if (!out) throw new WlError('WL_USAGE', `where to write the report? ${USAGE}`);

    let text: string;
    try {
      text = await readFile(input, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new WlError(code === 'ENOENT' ? 'WL_FILE_NOT_FOUND' : 'WL_HAR_INVALID', `${input}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? 'error'})`}`, {
        hint: 'Check the path of the HAR file.',
      });
    }
    let har: unknown;
    try {
      har = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (err) {
      throw new WlError('WL_HAR_INVALID', `${input}: not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    assertHarShape(har, input);
    await writeReportHtml(har, out, { title: basename(input) });
    const hasIds = har.log.entries.some((e) => e && typeof e === 'object' && e.connection !== undefined && e.connection !== '');
    // The same summary the report's own strip shows.
    const sum = summarize(readHar(har, input).run);
    process.stdout.write(`wrote ${out} (${har.log.entries.length} exchanges, ${hasIds ? `${sum.connections} connections` : 'no connection ids in this HAR'})\n`);
    const network = networkFromJson(har.log._wirelane?.network);
    if (network) process.stdout.write(`${describeNetwork(network)}: the recorded timings are of that simulated link\n`);
    return 0;
  } catch (err) {
    if (err instanceof WlError) {
      process.stderr.write(`wirelane report: ${formatError(err.toInfo())}\n`);
      return err.code === 'WL_REPORT_ASSETS' ? 1 : 2;
    }
    throw err;
  }
}
