// Runs the integration suite inside a real VS Code: code-server (Code 1.139) driven by headless
// Chromium through playwright-core. See /work/shared/REAL-VSCODE.md for why not @vscode/test-electron here.
// Runs the mocha suite twice — with "http.proxySupport": "off" and at its default — because the
// extension host patches node:http/https for proxy support and the suite must prove Wirelane's
// connection reuse is the same under both; then the person-level UI test.
// Usage: node --import tsx test/integration/runInCodeServer.ts [--only proxy-off|proxy-default|ui|vsix] [--grep TEXT] [--vsix FILE] [--keep]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { runPersonLevel } from './personLevel';

const repo = resolve(__dirname, '..', '..');
const artifacts = join(repo, 'test-artifacts', 'vscode');
const args = process.argv.slice(2);
const only = valueOf('--only');
const grep = valueOf('--grep');
const keep = args.includes('--keep');
const vsix = valueOf('--vsix');

function valueOf(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

interface Env {
  WIRELANE_CACHE: string;
  WIRELANE_NODE24: string;
  WIRELANE_CODE_SERVER: string;
  WIRELANE_TOOLS: string;
}

function setup(): Env {
  const out = execFileSync('bash', [join(repo, 'scripts', 'setup-code-server.sh'), '--print-env'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const env: Record<string, string> = {};
  for (const m of out.matchAll(/^export (\w+)='([^']*)'$/gm)) env[m[1]] = m[2];
  return env as unknown as Env;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export interface CodeServer {
  port: number;
  base: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export async function startCodeServer(env: Env, opts: { name: string; settings: Record<string, unknown>; workspace: string; extraEnv?: Record<string, string>; vsix?: string }): Promise<CodeServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `wl-cs-${opts.name}-`));
  mkdirSync(join(dataDir, 'user', 'User'), { recursive: true });
  const nodeEnv = { ...process.env, PATH: `${join(env.WIRELANE_NODE24, '..')}:${process.env.PATH}`, XDG_CONFIG_HOME: join(dataDir, 'xdg-config'), XDG_DATA_HOME: join(dataDir, 'xdg-data') };
  if (opts.vsix) {
    // What a user does with the .vsix: install it, then use it (no extensionDevelopmentPath).
    const out = execFileSync(env.WIRELANE_CODE_SERVER, ['--user-data-dir', join(dataDir, 'user'), '--extensions-dir', join(dataDir, 'ext'), '--install-extension', resolve(opts.vsix)], {
      encoding: 'utf8',
      env: nodeEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    console.log(
      out
        .trim()
        .split('\n')
        .filter((l) => /install/i.test(l))
        .join('\n'),
    );
  }
  writeFileSync(join(dataDir, 'user', 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, ...opts.settings }, null, 2));
  const port = await freePort();
  const log = createWriteStream(join(artifacts, `code-server-${opts.name}.log`));
  const proc = spawn(
    env.WIRELANE_CODE_SERVER,
    [
      '--user-data-dir',
      join(dataDir, 'user'),
      '--extensions-dir',
      join(dataDir, 'ext'),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--vscode-option',
      'enable-smoke-test-driver',
      opts.workspace,
    ],
    {
      // Its own process group, so the extension host and the other children die with it.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...nodeEnv,
        // The suite runs `wirelane run` in plain Node (this Node) to compare with what VS Code saw.
        WIRELANE_PLAIN_NODE: process.execPath,
        WIRELANE_REPO: repo,
        ...opts.extraEnv,
      },
    },
  );
  proc.stdout!.pipe(log);
  proc.stderr!.pipe(log);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`code-server (${opts.name}) did not start within 60 s; see test-artifacts/vscode/code-server-${opts.name}.log`)), 60_000);
    const onData = (b: Buffer) => {
      if (/HTTP server listening/i.test(b.toString())) {
        clearTimeout(timer);
        proc.stdout!.off('data', onData);
        proc.stderr!.off('data', onData);
        res();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`code-server (${opts.name}) exited with ${code}; see test-artifacts/vscode/code-server-${opts.name}.log`));
    });
  });
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    proc,
    async stop() {
      try {
        process.kill(-proc.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-proc.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(t);
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(env: Env): Promise<Browser> {
  let pw: typeof import('playwright-core');
  try {
    pw = await import('playwright-core');
  } catch {
    // The cached copy outside the repository, by path: only require() takes one under tsx.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pw = require(join(env.WIRELANE_TOOLS, 'playwright-core'));
  }
  return pw.chromium.launch({
    executablePath: process.env.WIRELANE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function workbenchUrl(cs: CodeServer, workspace: string, payload: Array<[string, string]>): string {
  const remote = (p: string) => `vscode-remote://127.0.0.1:${cs.port}${p}`;
  const pl = payload.map(([k, v]) => [k, k.endsWith('Path') ? remote(v) : v]);
  return `${cs.base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(pl))}`;
}

/**
 * Runs in the page before the workbench: notes the wall-clock time (Date.now(), the clock the
 * extension host shares) when the first code lens titled "Send" enters the DOM, then stops watching.
 */
function noteFirstSendLens(): void {
  const w = window as unknown as { __wirelaneLensDrawn?: number };
  const observer = new MutationObserver(() => {
    const found = document.querySelectorAll('.codelens-decoration a, .codelens-decoration span');
    for (let i = 0; i < found.length; i++) {
      if (found[i].textContent?.trim() !== 'Send') continue;
      w.__wirelaneLensDrawn = Date.now();
      observer.disconnect();
      return;
    }
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}

function pageConsoleTo(page: Page, file: string): void {
  const out = createWriteStream(file);
  // The extension host's console arrives with %c styling; drop the style arguments.
  page.on('console', (m) => out.write(`[${m.type()}] ${m.text().replace(/%c/g, '')}\n`));
}

function makeWorkspace(name: string): string {
  const ws = mkdtempSync(join(tmpdir(), `wl-ws-${name}-`));
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  return ws;
}

async function runSuite(env: Env, name: string, settings: Record<string, unknown>): Promise<number> {
  const workspace = makeWorkspace(name);
  const results = join(artifacts, `integration-${name}.txt`);
  // The activation test's cold start ends when the first "Send" lens is on the page, which only the
  // browser sees: the page notes the moment, this runner writes it to a file the test waits for.
  const lensDrawn = join(artifacts, `lens-drawn-${name}.txt`);
  rmSync(lensDrawn, { force: true });
  const cs = await startCodeServer(env, {
    name,
    settings,
    workspace,
    extraEnv: { WIRELANE_IT_RESULTS: results, WIRELANE_IT_VARIANT: name, WIRELANE_IT_LENS_DRAWN: lensDrawn, ...(grep ? { WIRELANE_IT_GREP: grep } : {}) },
  });
  const browser = await launchBrowser(env);
  const started = Date.now();
  try {
    const page = await browser.newPage();
    pageConsoleTo(page, join(artifacts, `page-console-${name}.log`));
    let exit: (code: number) => void = () => {};
    const exited = new Promise<number>((r) => (exit = r));
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    await page.addInitScript(noteFirstSendLens);
    await page.goto(
      workbenchUrl(cs, workspace, [
        ['extensionDevelopmentPath', repo],
        ['extensionTestsPath', join(repo, 'dist', 'test', 'integration', 'index.js')],
      ]),
    );
    void page
      .waitForFunction(() => (window as unknown as { __wirelaneLensDrawn?: number }).__wirelaneLensDrawn, undefined, { timeout: 240_000, polling: 100 })
      .then((h) => h.jsonValue())
      .then((at) => writeFileSync(lensDrawn, String(at)))
      .catch(() => undefined);
    const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(124), 240_000).unref()), new Promise<number>((r) => cs.proc.once('exit', () => r(125)))]);
    if (code !== 0) await page.screenshot({ path: join(artifacts, `failure-${name}.png`) }).catch(() => {});
    let summary = '';
    try {
      summary = readFileSync(results, 'utf8');
    } catch {
      summary = '(no results file: the suite did not start)\n';
    }
    process.stdout.write(`\n== integration suite [${name}] exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s ==\n${summary}`);
    if (code === 124) console.error(`suite [${name}] timed out`);
    return code;
  } finally {
    await browser.close().catch(() => {});
    await cs.stop();
    if (!keep) rmSync(workspace, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  mkdirSync(join(artifacts, 'vsix'), { recursive: true });
  const t0 = Date.now();
  const env = setup();
  console.log(`setup-code-server: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  let failed = 0;
  if (!only || only === 'proxy-off') failed += (await runSuite(env, 'proxy-off', { 'http.proxySupport': 'off' })) === 0 ? 0 : 1;
  if (!only || only === 'proxy-default') failed += (await runSuite(env, 'proxy-default', {})) === 0 ? 0 : 1;
  // `ui`: the person-level test on the development build; `vsix`: the same test on the installed .vsix.
  for (const phase of ['ui', 'vsix'] as const) {
    const wanted = phase === 'ui' ? !only || only === 'ui' : !!vsix && (!only || only === 'vsix');
    if (!wanted) continue;
    const workspace = makeWorkspace(phase);
    const cs = await startCodeServer(env, {
      name: phase,
      settings: { 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden' },
      workspace,
      vsix: phase === 'vsix' ? vsix : undefined,
    });
    const browser = await launchBrowser(env);
    try {
      const payload: Array<[string, string]> = phase === 'ui' ? [['extensionDevelopmentPath', repo]] : [];
      const code = await runPersonLevel({ browser, url: workbenchUrl(cs, workspace, payload), workspace, artifacts: phase === 'ui' ? artifacts : join(artifacts, 'vsix') });
      console.log(`\n== person-level UI test [${phase}] exit ${code} ==`);
      failed += code === 0 ? 0 : 1;
    } finally {
      await browser.close().catch(() => {});
      await cs.stop();
      if (!keep) rmSync(workspace, { recursive: true, force: true });
    }
  }
  return failed === 0 ? 0 : 1;
}

if (require.main === module || process.argv[1]?.endsWith('runInCodeServer.ts')) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
