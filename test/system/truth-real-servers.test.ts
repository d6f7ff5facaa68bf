// The truth suite: real servers from Debian's packages (and Python's http.server), the built
// CLI as a user runs it (`wirelane run … --har --html`, then `--json`), and a packet capture
// (`tcpdump -i lo`) as the ground truth. Every claim a view makes — which connection an
// exchange rode, new or reused, why a connection opened and closed, protocol and version,
// and the counts in the summaries — is checked against the capture: connections = SYNs per
// client port, who sent the first FIN, the status lines' versions, the requests per
// connection. The HTML report is read from its DOM in Chromium.
//
// Needs root for tcpdump (CI runs as root). A server whose binary is absent is skipped with
// the reason; the matrix of results is written to test-artifacts/truth/matrix.md.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { Har, HarEntry, WirelaneConnectionExt } from '../../src/core/har/types';
import { binaryPresent, freePort, startApache, startCaddy, startHaproxy, startLighttpd, startPythonHttp10, startPythonKeepAlive, startSquid, type RealServer } from './realServers';
import { flowsTo, readPcap, type Flow } from './pcap';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const ART = join(ROOT, 'test-artifacts', 'truth');
const CHROMIUM = '/usr/bin/chromium';
const TCPDUMP = ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].find((p) => existsSync(p));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const suiteSkip = !TCPDUMP
  ? 'tcpdump not installed (apt-get install tcpdump)'
  : process.getuid?.() !== 0
    ? 'tcpdump needs root to capture on lo (CI runs as root)'
    : !existsSync(CLI)
      ? 'dist/cli.js missing: run `npm run build` first'
      : !existsSync(CHROMIUM)
        ? `Chromium not found at ${CHROMIUM}`
        : false;

interface Case {
  name: string;
  start: () => Promise<RealServer & { accessLog?: string }>;
  /** Requests in the .http file (sequential). */
  requests: number;
  /** Plain HTTP on the captured port: request lines and status lines are readable in the capture. */
  plain: boolean;
  /** `--mode` for the CLI. */
  mode?: string;
  /** Put a request to a port nobody listens on in the middle. */
  refused?: boolean;
  /** What this server is known to do, checked on top of the capture (a wrong expectation fails too). */
  expect: { connections: number; version?: string; protocol: string; firstFin?: 'server' | 'client' };
}

const CASES: Case[] = [
  { name: 'apache2', start: startApache, requests: 5, plain: true, expect: { connections: 2, version: 'HTTP/1.1', protocol: 'http/1.1' } },
  { name: 'lighttpd', start: startLighttpd, requests: 5, plain: true, expect: { connections: 2, version: 'HTTP/1.1', protocol: 'http/1.1' } },
  { name: 'haproxy', start: startHaproxy, requests: 5, plain: true, expect: { connections: 1, version: 'HTTP/1.1', protocol: 'http/1.1', firstFin: 'client' } },
  { name: 'caddy', start: startCaddy, requests: 5, plain: false, mode: 'h2', expect: { connections: 1, protocol: 'h2', firstFin: 'client' } },
  { name: 'squid', start: startSquid, requests: 5, plain: true, expect: { connections: 1, version: 'HTTP/1.1', protocol: 'http/1.1', firstFin: 'client' } },
  { name: 'python-http1.0', start: startPythonHttp10, requests: 4, plain: true, refused: true, expect: { connections: 4, version: 'HTTP/1.0', protocol: 'http/1.0' } },
  { name: 'python-keepalive', start: startPythonKeepAlive, requests: 5, plain: true, expect: { connections: 1, version: 'HTTP/1.1', protocol: 'http/1.1', firstFin: 'client' } },
];

/** server × claim × result, for the report. */
const matrix: Array<{ server: string; claim: string; result: string }> = [];
function claim(server: string, name: string, check: () => void): void {
  try {
    check();
    matrix.push({ server, claim: name, result: 'agrees' });
  } catch (e) {
    matrix.push({ server, claim: name, result: `DISAGREES: ${(e as Error).message.split('\n')[0]}` });
    throw e;
  }
}

/**
 * Captures the connections to `port` (and to `deadPort`) while `work` runs. When it is done, a
 * marker connection attempt to a closed port is made and the capture is stopped only once
 * tcpdump has written it: everything before it is in the file.
 */
async function capture(port: number, deadPort: number | undefined, file: string, work: () => Promise<void>): Promise<Flow[]> {
  const marker = await freePort();
  const filter = [port, deadPort, marker]
    .filter((p) => p !== undefined)
    .map((p) => `tcp port ${p}`)
    .join(' or ');
  const proc = spawn(TCPDUMP!, ['-i', 'lo', '-nn', '-U', '--immediate-mode', '-s', '0', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolveListening, reject) => {
    proc.stderr!.on('data', (d) => {
      err += d;
      if (/listening on/.test(err)) resolveListening();
    });
    proc.once('exit', (code) => reject(new Error(`tcpdump exited ${code}: ${err}`)));
  });
  try {
    await work();
    await new Promise<void>((done) => {
      const seen = (): boolean => flowsTo(readPcap(file), marker).length > 0;
      const watcher = watch(file, () => {
        if (seen()) {
          watcher.close();
          done();
        }
      });
      const s = net.connect(marker, '127.0.0.1');
      s.on('error', () => {
        if (seen()) {
          watcher.close();
          done();
        }
      });
    });
  } finally {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGINT');
    await exited;
  }
  return flowsTo(readPcap(file), port);
}

function runCli(args: string[], command = 'run'): Promise<{ code: number | null; out: string; err: string }> {
  // Asynchronous: the origins behind haproxy and squid answer from this process.
  const proc = spawn(process.execPath, [CLI, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  return new Promise((r) => proc.once('close', (code) => r({ code, out, err })));
}

interface Claims {
  har: Har;
  entries: HarEntry[];
  conns: Map<string, WirelaneConnectionExt>;
}

const established = (c: WirelaneConnectionExt | undefined): c is WirelaneConnectionExt => c?.localPort !== undefined;

/** Who the capture must show sending the first FIN for this close reason (undefined: either). */
function finFor(c: WirelaneConnectionExt): 'server' | 'client' | undefined {
  switch (c.closeReason) {
    case 'server-closed':
      return 'server';
    case 'client-closed':
      return 'client';
    case 'idle-timeout':
      return /^server closed/.test(c.closeDetail ?? '') ? 'server' : 'client';
    default:
      return undefined;
  }
}

/** The HAR's claims against the capture. Returns what the capture says the summaries must show. */
function checkHar(server: string, c: Case, claims: Claims, flows: Flow[], accessLog: string | undefined, run: string): { connections: number; saved: number; exchanges: number } {
  const { entries, conns } = claims;
  const real = flows.filter((f) => f.established);
  const byPort = new Map(real.map((f) => [f.clientPort, f]));
  const used = [...new Set(entries.map((e) => e.connection).filter((id): id is string => !!id && established(conns.get(id))))];
  claim(server, `${run}: ` + 'connections = SYNs (one per client port)', () => {
    for (const f of real) assert.equal(f.syns, 1, `client port ${f.clientPort} sent ${f.syns} SYNs`);
    assert.equal(used.length, real.length, `HAR names ${used.length} connections, the capture has ${real.length}`);
    assert.equal(real.length, c.expect.connections, `${server} is expected to need ${c.expect.connections} connections`);
    const ports = used.map((id) => conns.get(id)!.localPort!);
    assert.equal(new Set(ports).size, ports.length, 'distinct connections have distinct local ports');
    for (const p of ports) assert.ok(byPort.has(p), `local port ${p} is a connection in the capture`);
  });
  claim(server, `${run}: ` + 'each exchange rode the connection it names', () => {
    for (const f of real) {
      const on = entries.filter((e) => conns.get(e.connection ?? '')?.localPort === f.clientPort);
      if (c.plain) assert.equal(on.length, f.requests, `client port ${f.clientPort}: ${f.requests} requests in the capture, ${on.length} in the HAR`);
      assert.ok(on.length > 0, `client port ${f.clientPort} carried an exchange`);
    }
    if (c.plain)
      assert.equal(
        real.reduce((n, f) => n + f.requests, 0),
        entries.filter((e) => established(conns.get(e.connection ?? ''))).length,
      );
  });
  claim(server, `${run}: ` + 'reused = not the first request on its connection', () => {
    const seen = new Set<string>();
    for (const e of [...entries].sort((a, b) => Date.parse(a.startedDateTime) - Date.parse(b.startedDateTime))) {
      const conn = conns.get(e.connection ?? '');
      if (!established(conn)) {
        assert.equal(e._wirelane?.reused, false, 'an exchange without a connection is not reused');
        continue;
      }
      assert.equal(e._wirelane?.reused, seen.has(conn.id), `${e.request.url} on ${conn.id}`);
      seen.add(conn.id);
    }
  });
  if (c.plain) {
    claim(server, `${run}: ` + 'status line version (HAR entry and connection protocol)', () => {
      for (const f of real) {
        const on = entries.filter((e) => conns.get(e.connection ?? '')?.localPort === f.clientPort).sort((a, b) => Date.parse(a.startedDateTime) - Date.parse(b.startedDateTime));
        assert.deepEqual(
          on.map((e) => e.response.httpVersion),
          f.statusVersions,
          `client port ${f.clientPort}`,
        );
        const conn = conns.get(on[0]!.connection!)!;
        assert.equal(conn.protocol, f.statusVersions.every((v) => v === 'HTTP/1.0') ? 'http/1.0' : 'http/1.1');
        if (c.expect.version) for (const v of f.statusVersions) assert.equal(v, c.expect.version);
      }
    });
  }
  if (accessLog) {
    claim(server, `${run}: ` + 'protocol (h2) against the server log', () => {
      const lines = readFileSync(accessLog, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { request: { proto: string; remote_port: string } });
      for (const id of used) {
        const conn = conns.get(id)!;
        const mine = lines.filter((l) => Number(l.request.remote_port) === conn.localPort);
        assert.ok(mine.length > 0, `caddy logged requests from port ${conn.localPort}`);
        for (const l of mine) assert.equal(l.request.proto, conn.protocol === 'h2' ? 'HTTP/2.0' : 'HTTP/1.1');
        assert.equal(conn.protocol, c.expect.protocol);
      }
    });
  }
  claim(server, `${run}: ` + 'close reason = who sent the first FIN', () => {
    for (const id of used) {
      const conn = conns.get(id)!;
      const f = byPort.get(conn.localPort!)!;
      assert.ok(f.firstFin, `client port ${f.clientPort} was closed in the capture`);
      const want = finFor(conn);
      if (want) assert.equal(f.firstFin, want, `${id} says ${conn.closeReason} (${conn.closeDetail}); the capture shows the ${f.firstFin}'s FIN first`);
      if (conn.closeReason === 'server-connection-close' && c.plain) {
        // The server announced the end: `Connection: close`, or an HTTP/1.0 response without keep-alive.
        const announced = /\r\nconnection:\s*close\r\n/i.test(f.serverText) || (f.statusVersions.at(-1) === 'HTTP/1.0' && !/\r\nconnection:\s*keep-alive\r\n/i.test(f.serverText));
        assert.ok(announced, `${id} says the server announced the end of the connection`);
      }
      if (c.expect.firstFin) assert.equal(f.firstFin, c.expect.firstFin, `${server}: first FIN on ${id}`);
    }
  });
  claim(server, `${run}: ` + 'open reason = what happened to the previous connection', () => {
    const ordered = used.map((id) => conns.get(id)!).sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt));
    ordered.forEach((conn, k) => {
      if (k === 0) return assert.equal(conn.openReason, 'first');
      const prev = byPort.get(ordered[k - 1]!.localPort!)!;
      if (conn.openReason === 'server-closed') {
        // The server closed the previous one, or announced its end (Connection: close, HTTP/1.0 without keep-alive).
        if (ordered[k - 1]!.closeReason !== 'server-connection-close') assert.equal(prev.firstFin, 'server', `${conn.id} says the server closed the previous connection`);
      } else if (conn.openReason === 'idle-timeout') assert.equal(prev.firstFin, finFor(ordered[k - 1]!), `${conn.id} says the previous one timed out`);
      else assert.fail(`${conn.id} opened because ${conn.openReason}: unexpected for sequential requests`);
    });
  });
  const saved = c.plain ? real.reduce((n, f) => n + f.requests - 1, 0) : entries.filter((e) => established(conns.get(e.connection ?? ''))).length - real.length;
  return { connections: real.length, saved, exchanges: entries.length };
}

function readClaims(file: string): Claims {
  const har = JSON.parse(readFileSync(file, 'utf8')) as Har;
  return { har, entries: har.log.entries, conns: new Map((har.log._wirelane?.connections ?? []).map((c) => [c.id, c])) };
}

describe('truth against real servers (packet capture as ground truth)', { skip: suiteSkip }, () => {
  let browser: Browser;
  before(async () => {
    mkdirSync(ART, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    const rows = matrix.map((m) => `| ${m.server} | ${m.claim} | ${m.result} |`);
    writeFileSync(join(ART, 'matrix.md'), ['| server | claim | result |', '|---|---|---|', ...rows, ''].join('\n'));
  });

  test(
    'compare (close vs keep-alive) with a refused request: --json and the HTML compare table agree with the capture',
    { skip: binaryPresent('python-keepalive') ? false : 'python3 is not installed' },
    async () => {
      const server = await startPythonKeepAlive();
      const dir = join(ART, 'compare');
      mkdirSync(dir, { recursive: true });
      try {
        const deadPort = await freePort();
        const httpFile = join(dir, 'requests.http');
        writeFileSync(httpFile, [1, 2, 3].map((i) => `### r${i}\nGET ${server.url}/a.txt?r=${i}\n`).join('\n') + `\n### refused\nGET http://127.0.0.1:${deadPort}/\n`);
        const html = join(dir, 'compare.html');
        const har = join(dir, 'compare.har');
        let r!: Awaited<ReturnType<typeof runCli>>;
        const flows = await capture(server.port, deadPort, join(dir, 'compare.pcap'), async () => {
          r = await runCli([httpFile, '--modes', 'close,keep-alive', '--json', '--har', har, '--html', html], 'compare');
        });
        assert.equal(r.code, 1, r.err);
        const json = JSON.parse(r.out) as { modes: Array<{ mode: string; exchanges: number; connections: number; handshakesSaved: number; handshakesPaid: number; failed: number; totalMs: number }> };
        const claims = readClaims(har);
        const real = flows.filter((f) => f.established);
        // Each capture flow belongs to the mode whose connection names its port.
        const modeOfPort = new Map<number, string>();
        for (const cn of claims.conns.values()) if (cn.localPort !== undefined) modeOfPort.set(cn.localPort, cn.mode ?? '');
        const truth = ['close', 'keep-alive'].map((mode) => {
          const mine = real.filter((f) => modeOfPort.get(f.clientPort) === mode);
          return { mode, connections: mine.length, saved: mine.reduce((n, f) => n + f.requests - 1, 0) };
        });
        assert.equal(real.length, truth[0]!.connections + truth[1]!.connections, 'every connection in the capture belongs to a mode');
        claim('compare', 'capture: close opens one connection per request, keep-alive one', () => {
          assert.deepEqual(
            truth.map((t) => [t.connections, t.saved]),
            [
              [3, 0],
              [1, 2],
            ],
          );
        });
        claim('compare', 'CLI compare --json per mode (the refused request saves nothing)', () => {
          assert.deepEqual(
            json.modes.map((m) => [m.mode, m.exchanges, m.connections, m.handshakesPaid, m.handshakesSaved, m.failed]),
            truth.map((t) => [t.mode, 4, t.connections, t.connections, t.saved, 1]),
          );
        });
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        try {
          await page.goto(pathToFileURL(html).href);
          await page.waitForSelector('html[data-wl-painted]');
          await page.screenshot({ path: join(dir, 'compare.png') });
          const rows = await page.$$eval('table.wl-compare tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent ?? '')));
          claim('compare', 'HTML compare table per mode', () => {
            // mode, exchanges, connections, handshakes paid, saved, total, median, failed
            assert.deepEqual(
              rows.map((x) => [x[0], x[1], x[2], x[3], x[4], x[7]]),
              truth.map((t) => [t.mode, '4', String(t.connections), String(t.connections), String(t.saved), '1']),
            );
          });
        } finally {
          await page.close();
        }
      } finally {
        await server.stop();
      }
    },
  );

  for (const c of CASES) {
    const skip = binaryPresent(c.name) ? false : `${c.name} is not installed (see .ci/run's Debian packages)`;
    test(`${c.name}: HAR, CLI table, --json and the HTML report agree with the capture`, { skip }, async () => {
      const server = await c.start();
      const dir = join(ART, c.name);
      mkdirSync(dir, { recursive: true });
      try {
        const deadPort = c.refused ? await freePort() : undefined;
        const lines: string[] = [];
        for (let i = 1; i <= c.requests; i++) {
          lines.push(`### r${i}\nGET ${server.url}/a.txt?r=${i}\n`);
          if (deadPort && i === 2) lines.push(`### refused\nGET http://127.0.0.1:${deadPort}/\n`);
        }
        const httpFile = join(dir, 'requests.http');
        writeFileSync(httpFile, lines.join('\n'));
        const extra = [...(c.mode ? ['--mode', c.mode] : []), ...(server.proxy ? ['--proxy', server.proxy] : []), ...(server.url.startsWith('https:') ? ['--insecure'] : [])];
        const failures = deadPort ? 1 : 0;

        // Run 1: the table, the HAR and the HTML report.
        const har1 = join(dir, 'run.har');
        const html1 = join(dir, 'report.html');
        let r1!: Awaited<ReturnType<typeof runCli>>;
        const flows1 = await capture(server.port, deadPort, join(dir, 'run.pcap'), async () => {
          r1 = await runCli([httpFile, '--har', har1, '--html', html1, ...extra]);
        });
        assert.equal(r1.code, failures ? 1 : 0, r1.err + r1.out);
        writeFileSync(join(dir, 'table.txt'), r1.out);
        const claims1 = readClaims(har1);
        const truth1 = checkHar(c.name, c, claims1, flows1, server.accessLog, 'table run, HAR');

        claim(c.name, 'CLI table: conn and new/reused per row, summary line', () => {
          const rows = r1.out.split('\n').filter((l) => /^\d+\s/.test(l) && !/^\d+ exchanges? on /.test(l));
          assert.equal(rows.length, claims1.entries.length);
          rows.forEach((row, i) => {
            const e = claims1.entries[i]!;
            const conn = claims1.conns.get(e.connection ?? '');
            const m = /\s(c\d+|–)\s+(new|reused|none)?\s+[\d.–s]+$/.exec(row);
            assert.ok(m, `row ${i + 1} has conn and reuse columns: ${row}`);
            assert.equal(m[1], e.connection ?? '–', `row ${i + 1}`);
            assert.equal(m[2], !established(conn) ? (e.connection ? 'none' : undefined) : e._wirelane?.reused ? 'reused' : 'new', `row ${i + 1}`);
          });
          const sum = new RegExp(`${truth1.exchanges} exchanges? on ${truth1.connections} connections?, ${truth1.saved} handshakes? saved by reuse`);
          assert.match(r1.out, sum);
        });

        // The HTML report, read back from its DOM in Chromium.
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        try {
          await page.goto(pathToFileURL(html1).href);
          await page.waitForSelector('html[data-wl-painted]');
          await page.screenshot({ path: join(dir, 'report.png') });
          const dom = await page.evaluate(() => ({
            bars: Array.from(document.querySelectorAll<HTMLElement>('[data-entry]')).map((e) => ({
              entry: Number(e.dataset.entry),
              lane: e.closest<HTMLElement>('[data-connection-id]')?.dataset.connectionId ?? null,
              cls: e.className,
            })),
            lanes: Array.from(document.querySelectorAll<HTMLElement>('[data-connection-id]')).map((l) => ({
              id: l.dataset.connectionId!,
              established: l.dataset.established,
              text: l.querySelector('.wl-l1')?.textContent ?? '',
            })),
            stats: Object.fromEntries(
              Array.from(document.querySelectorAll('.wl-stat')).map((s) => [s.querySelector('.wl-stat-label')?.textContent ?? '', s.querySelector('.wl-stat-value')?.textContent ?? '']),
            ),
          }));
          claim(c.name, 'HTML report: lanes, bars and summary', () => {
            assert.equal(dom.lanes.filter((l) => l.established === 'true').length, truth1.connections, 'established lanes = connections in the capture');
            for (const l of dom.lanes) {
              const conn = claims1.conns.get(l.id);
              assert.equal(l.established, String(established(conn)), `lane ${l.id}`);
              if (established(conn)) assert.match(l.text, new RegExp(`local :${conn.localPort}\\b`), `lane ${l.id} names its local port`);
              if (established(conn)) assert.match(l.text, new RegExp(conn.protocol.replace('/', '\\/')), `lane ${l.id} names its protocol`);
            }
            assert.equal(dom.bars.length, claims1.entries.length);
            for (const b of dom.bars) {
              const e = claims1.entries[b.entry]!;
              assert.equal(b.lane, e.connection ?? null, `bar ${b.entry} sits on its connection's lane`);
              const conn = claims1.conns.get(e.connection ?? '');
              const want = !established(conn) ? '' : e._wirelane?.reused ? 'reused' : 'new';
              const got = /\bnew\b/.test(b.cls) ? 'new' : /\breused\b/.test(b.cls) ? 'reused' : '';
              assert.equal(got, want, `bar ${b.entry} marker`);
            }
            assert.equal(dom.stats['TCP connections'], String(truth1.connections));
            assert.equal(dom.stats['handshakes saved'], String(truth1.saved));
            assert.equal(dom.stats['handshakes paid'], String(truth1.connections));
          });
        } finally {
          await page.close();
        }

        // Run 2: --json (its own HAR, its own capture).
        const har2 = join(dir, 'run-json.har');
        let r2!: Awaited<ReturnType<typeof runCli>>;
        const flows2 = await capture(server.port, deadPort, join(dir, 'run-json.pcap'), async () => {
          r2 = await runCli([httpFile, '--json', '--har', har2, ...extra]);
        });
        assert.equal(r2.code, failures ? 1 : 0, r2.err);
        const claims2 = readClaims(har2);
        const truth2 = checkHar(c.name, c, claims2, flows2, server.accessLog, '--json run, HAR');
        const json = JSON.parse(r2.out) as {
          summary: Record<string, number>;
          exchanges: Array<{ connection?: string; reused: boolean; localPort?: number }>;
          connections: Array<{ id: string; protocol: string; localPort?: number; openReason: string; closeReason: string }>;
        };
        claim(c.name, 'CLI --json: summary, exchanges and connections', () => {
          assert.equal(json.summary.connections, truth2.connections);
          assert.equal(json.summary.tcpHandshakes, truth2.connections);
          assert.equal(json.summary.handshakesSaved, truth2.saved);
          assert.equal(json.summary.reused, truth2.saved);
          assert.equal(json.summary.failed, failures);
          assert.equal(json.summary.tlsHandshakes, server.url.startsWith('https:') ? truth2.connections : 0);
          const ports = new Set(flows2.filter((f) => f.established).map((f) => f.clientPort));
          json.exchanges.forEach((x, i) => {
            const e = claims2.entries[i]!;
            assert.equal(x.connection, e.connection);
            assert.equal(x.reused, e._wirelane?.reused);
            if (x.localPort !== undefined) assert.ok(ports.has(x.localPort), `exchange ${i + 1}: port ${x.localPort} is in the capture`);
          });
          for (const jc of json.connections) {
            const hc = claims2.conns.get(jc.id)!;
            assert.deepEqual([jc.protocol, jc.localPort, jc.openReason, jc.closeReason], [hc.protocol, hc.localPort, hc.openReason, hc.closeReason], jc.id);
          }
        });
      } finally {
        await server.stop();
      }
    });
  }
});
