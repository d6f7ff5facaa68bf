// `--html PATH` for run, compare and demo: the runs as a HAR (secrets redacted as in the
// recording) drawn by the timeline report of src/cli/reportHtml.ts.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatError, WlError } from '../core/errors';
import type { Run } from '../core/timeline/model';
import { toHar } from '../core/har/write';
import { writeReportHtml } from './reportHtml';

/** True when written; false (with a message on stderr) when the report could not be made. */
export async function writeHtmlReport(runs: Run[], outPath: string, opts: { secrets?: string[]; keepSecrets?: boolean; title?: string } = {}): Promise<boolean> {
  try {
    mkdirSync(dirname(outPath), { recursive: true });
    await writeReportHtml(toHar(runs, { secrets: opts.secrets, keepSecrets: opts.keepSecrets }), outPath, { title: opts.title });
    return true;
  } catch (err) {
    const msg = err instanceof WlError ? formatError(err.toInfo()) : err instanceof Error ? err.message : String(err);
    process.stderr.write(`wirelane: no HTML report: ${msg}\n`);
    return false;
  }
}
