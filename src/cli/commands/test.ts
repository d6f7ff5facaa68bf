// `wirelane test FILE… [--env NAME] [--reporter junit|tap|json] [--output PATH]`: runs each file's
// requests in order and reports their tests (`client.test` blocks, `??` lines, scripts that
// failed), grouped per request. Exit 0 when every test passed, 1 when any failed, 2 for bad
// usage or a file that does not parse. Scripts run: this is the user's own command on their
// own files (the editor asks for workspace trust instead).

import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { WlError } from '../../core/errors';
import { parseHttpFile } from '../../core/httpfile/index';
import { RunRecorder } from '../../core/timeline/recorder';
import { displayPath, runFile } from '../../runner/fileRunner';
import { io } from '../io';
import { styleFor } from '../table';
import { collectTests, summarize, toJUnit, toJson, toTap, toText, type FileTests } from '../testReport';
import { cancelOnSigint, parseCli, parseMode, parseMs, parseVars, proxyOption } from './run';

const REPORTERS = ['junit', 'tap', 'json'] as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, {
    env: { type: 'string' },
    reporter: { type: 'string' },
    output: { type: 'string' },
    mode: { type: 'string' },
    insecure: { type: 'boolean' },
    proxy: { type: 'string' },
    timeout: { type: 'string' },
    var: { type: 'string', multiple: true },
  });
  if (positionals.length === 0) throw new WlError('WL_USAGE', 'expected one or more .http files');
  const reporter = values.reporter;
  if (reporter !== undefined && !(REPORTERS as readonly string[]).includes(reporter)) throw new WlError('WL_USAGE', `unknown reporter '${reporter}': use junit, tap or json`);
  const files = positionals.map((p) => {
    const f = resolvePath(p);
    if (!existsSync(f)) throw new WlError('WL_USAGE', `no such file: ${p}`);
    return f;
  });
  const mode = parseMode(values.mode);
  const timeoutMs = parseMs(values.timeout, '--timeout');
  const extraEnv = parseVars(values.var);
  const proxy = proxyOption(values.proxy);

  const results: FileTests[] = [];
  let parseFailed = false;
  const sigint = cancelOnSigint();
  try {
    for (const file of files) {
      const shown = displayPath(file);
      const text = readFileSync(file, 'utf8');
      const parsed = parseHttpFile(text);
      try {
        const result = await runFile({
          file,
          text,
          envName: values.env,
          mode,
          insecure: values.insecure,
          proxy,
          timeoutMs,
          extraEnv,
          recorder: new RunRecorder({ mode, environment: values.env }),
          signal: sigint.signal,
        });
        if (result.parseFailed) parseFailed = true;
        results.push(collectTests(shown, parsed, result));
      } catch (err) {
        if (!(err instanceof WlError)) throw err;
        if (err.code === 'WL_USAGE' || err.code.startsWith('WL_PARSE') || err.code === 'WL_ENV_UNKNOWN') parseFailed = true;
        results.push({ file: shown, requests: [], error: err.toInfo() });
      }
    }
  } finally {
    sigint.dispose();
  }

  const summary = summarize(results);
  const style = styleFor(io.out);
  const report = reporter === 'junit' ? toJUnit(summary) : reporter === 'tap' ? toTap(summary) : reporter === 'json' ? toJson(summary) : undefined;
  if (values.output) {
    try {
      writeFileSync(resolvePath(values.output), report ?? toText(summary, styleFor({ isTTY: false })));
    } catch (e) {
      throw new WlError('WL_USAGE', `cannot write ${values.output}: ${e instanceof Error ? e.message : String(e)}`);
    }
    io.out.write(toText(summary, style) + style.dim(`report written to ${values.output}\n`));
  } else {
    io.out.write(report ?? toText(summary, style));
  }
  if (parseFailed) return 2;
  return summary.failed > 0 ? 1 : 0;
}
