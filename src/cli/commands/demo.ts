// `wirelane demo [--out DIR]`: starts the embedded demo servers on 127.0.0.1, runs
// examples/demo.http against them, then compares the connection modes on examples/compare.http
// (one HTTPS origin that speaks HTTP/1.1 and HTTP/2), and writes the recordings. Everything a new user needs to see the point in one command.

import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { WlError } from '../../core/errors';
import { RunRecorder } from '../../core/timeline/recorder';
import type { Run } from '../../core/timeline/model';
import { startDemoServers, type DemoServers } from '../../runner/demo/servers';
import { runFile } from '../../runner/fileRunner';
import { HarFileWriter } from '../../runner/harFile';
import { renderRunTable, styleFor, summaryLine } from '../table';
import { writeHtmlReport } from '../htmlReport';
import { io } from '../io';
import { cancelOnSigint, exitCodeFor, networkLine, networkOption, parseCli, skippedLines } from './run';
import { compareModes, DEFAULT_MODES, renderCompare } from './compare';

/** examples/NAME next to the running code (dist/cli.js or src/cli/commands/demo.ts) or in the current folder. */
export function findExample(name: string): string | undefined {
  const candidates = [join(__dirname, '..', 'examples', name), join(__dirname, '..', '..', '..', 'examples', name), resolvePath('examples', name)];
  return candidates.find((p) => existsSync(p));
}

/**
 * The servers saw each request on some client port; the recording says which local port each
 * exchange used. In a sequential run both lists are in the same order, so they must match.
 */
export function groundTruth(run: Run, servers: DemoServers): { matched: number; total: number } {
  const seen = servers.seen.filter((s) => s.server !== 'ws');
  const ports = new Map(run.connections.map((c) => [c.id, c.localPort]));
  const exchanges = run.exchanges.filter((x) => x.response && !x.sessionId);
  let matched = 0;
  exchanges.forEach((x, i) => {
    if (seen[i] && x.connectionId && ports.get(x.connectionId) === seen[i].remotePort) matched++;
  });
  const ws = servers.seen.filter((s) => s.server === 'ws');
  const wsEx = run.exchanges.filter((x) => x.sessionId && x.response?.status === 101);
  wsEx.forEach((x, i) => {
    if (ws[i] && x.connectionId && ports.get(x.connectionId) === ws[i].remotePort) matched++;
  });
  return { matched, total: exchanges.length + wsEx.length };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, {
    out: { type: 'string' },
    'no-compare': { type: 'boolean' },
    network: { type: 'string' },
    rtt: { type: 'string' },
    down: { type: 'string' },
    up: { type: 'string' },
  });
  const network = networkOption(values);
  if (positionals.length) throw new WlError('WL_USAGE', `demo takes no file (got ${positionals[0]}); it runs examples/demo.http`);
  const demoFile = findExample('demo.http');
  // The modes are compared on one HTTPS origin that speaks both HTTP/1.1 and HTTP/2, so every
  // mode can do its best with the same requests.
  const compareFile = findExample('compare.http');
  if (!demoFile || !compareFile) throw new WlError('WL_FILE_NOT_FOUND', 'examples/demo.http and examples/compare.http were not found next to the CLI or in the current folder');
  const outDir = resolvePath(values.out ?? 'demo-out');
  mkdirSync(outDir, { recursive: true });
  const style = styleFor(io.out);
  const say = (s = '') => io.out.write(s + '\n');

  const servers = await startDemoServers();
  const sigint = cancelOnSigint();
  try {
    say(style.bold('Demo servers on 127.0.0.1'));
    say(`  HTTP/1.1  ${servers.http}   (keep-alive, 3 requests per connection, /close, /slow, /login → /me)`);
    say(`  HTTP/2    ${servers.h2}  (TLS with a certificate made just now; HTTP/1.1 too, by ALPN)`);
    say(`  WebSocket ${servers.ws}     (/chat: the server speaks first, /echo)`);
    say();

    const harPath = join(outDir, 'demo.har');
    const har = new HarFileWriter({ path: harPath });
    const recorder = new RunRecorder({ mode: 'keep-alive', label: 'demo' });
    har.attach(recorder);
    const result = await runFile({
      file: demoFile,
      mode: 'keep-alive',
      // The demo's own certificate is self-signed; nothing else is contacted.
      insecure: true,
      network,
      extraEnv: servers.variables,
      recorder,
      signal: sigint.signal,
      keepOpenMs: 0,
      onEvent: (e) => {
        if (e.type === 'resolved') har.addSecrets(e.request.secrets);
        if (e.type === 'secrets') har.addSecrets(e.values);
      },
    });
    har.close();
    say(style.bold(`wirelane run examples/demo.http`));
    say(renderRunTable(result.run, { style, width: io.out.columns || 120 }));
    for (const l of skippedLines(result.skipped, style)) say(l);
    say();
    say(summaryLine(result.run, style));
    for (const l of networkLine(network, style)) say(l);
    const truth = groundTruth(result.run, servers);
    say(style.dim(`server-side check: ${truth.matched} of ${truth.total} exchanges were on the client port the server saw`));
    say();

    const written = [harPath];
    const htmlPath = join(outDir, 'demo.html');
    const runs: Run[] = [result.run];
    let compareFailed = false;
    if (!values['no-compare'] && !sigint.signal.aborted) {
      say(style.bold(`wirelane compare examples/compare.http --modes ${DEFAULT_MODES.join(',')} --insecure`));
      const compareHarPath = join(outDir, 'compare.har');
      const compareHar = new HarFileWriter({ path: compareHarPath });
      const results = await compareModes({ file: compareFile, modes: DEFAULT_MODES, insecure: true, network, extraEnv: servers.variables, signal: sigint.signal, har: compareHar });
      compareHar.close();
      say(renderCompare(results, style));
      say();
      written.push(compareHarPath);
      runs.push(...results.map((r) => r.result.run));
      compareFailed = results.some((r) => r.result.failed);
    }
    if (await writeHtmlReport(runs, htmlPath, { title: 'demo' })) written.push(htmlPath);
    say(style.bold('Wrote'));
    for (const w of written) say(`  ${w}`);
    say(style.dim(`Open ${written.includes(htmlPath) ? htmlPath + ' in a browser, or ' : ''}a .har in Chrome DevTools (Network → Import) or the Wirelane timeline in VS Code.`));
    const code = exitCodeFor(result);
    return code || (compareFailed ? 1 : 0);
  } finally {
    sigint.dispose();
    await servers.close();
  }
}
