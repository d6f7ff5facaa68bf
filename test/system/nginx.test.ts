// A real nginx from Debian with `keepalive_requests 3`: seven sequential requests group 3+3+1,
// as nginx's own `$remote_port` and curl -v show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpEngine } from '../../src/runner/http/engine';
import { RunRecorder } from '../../src/core/timeline/recorder';
import { request } from '../unit/engineHelpers';
import { freePort, waitListening } from './realServers';

const NGINX = '/usr/sbin/nginx';

async function startNginx(): Promise<{ url: string; dir: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'wl-nginx-'));
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'tmp'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 64; }
http {
  log_format wl '$remote_port $connection $connection_requests $request_uri';
  access_log ${dir}/logs/access.log wl;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests 3;
  keepalive_timeout 30s;
  server {
    listen 127.0.0.1:${port};
    location / { default_type text/plain; return 200 "$remote_port"; }
  }
}
`,
  );
  const proc = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs/error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  try {
    await waitListening(port, proc, 'nginx');
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${(e as Error).message}: ${stderr}`, { cause: e });
  }
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function groups(ports: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < ports.length; i++) {
    if (i > 0 && ports[i] === ports[i - 1]) out[out.length - 1]++;
    else out.push(1);
  }
  return out;
}

test('nginx keepalive_requests 3: seven sequential requests group 3+3+1', { skip: existsSync(NGINX) ? false : `nginx not installed at ${NGINX} (apt-get install nginx-light)` }, async () => {
  const nginx = await startNginx();
  const recorder = new RunRecorder();
  const engine = new HttpEngine({ recorder, mode: 'keep-alive' });
  const bodies: number[] = [];
  let curlGroups: number[] | undefined;
  try {
    for (let i = 1; i <= 7; i++) {
      const r = await engine.send(request(`${nginx.url}/r${i}`));
      assert.equal(r.exchange.error, undefined, JSON.stringify(r.exchange.error));
      bodies.push(Number(r.body?.toString()));
    }
    // curl -v over the same seven requests: nginx's $remote_port is curl's own local port, and curl
    // logs each new connection ("Connected to") and each reuse.
    const curl = spawnSync('curl', ['-sv', '-w', ' %{local_port}\n', ...[1, 2, 3, 4, 5, 6, 7].map((i) => `${nginx.url}/curl${i}`)], { encoding: 'utf8', timeout: 10_000 });
    if (curl.status === 0) {
      const lines = curl.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ').map(Number));
      for (const [seen, local] of lines) assert.equal(seen, local, 'nginx saw curl’s local port');
      curlGroups = groups(lines.map(([seen]) => seen));
      assert.equal((curl.stderr.match(/Connected to /g) ?? []).length, 3, 'curl -v opened three connections');
    }
  } finally {
    await engine.close();
    await nginx.stop();
  }
  const run = recorder.finish();
  // Ground truth: nginx's $remote_port for each request is the local port of the connection we name.
  for (const [i, ex] of run.exchanges.entries()) {
    const c = run.connections.find((x) => x.id === ex.connectionId);
    assert.equal(c?.localPort, bodies[i], `request ${i + 1}`);
  }
  assert.deepEqual(groups(bodies), [3, 3, 1]);
  assert.deepEqual(
    run.exchanges.map((e) => e.connectionId),
    ['c1', 'c1', 'c1', 'c2', 'c2', 'c2', 'c3'],
  );
  assert.deepEqual(
    run.exchanges.map((e) => e.reused),
    [false, true, true, false, true, true, false],
  );
  assert.deepEqual(
    run.connections.map((c) => c.openReason),
    ['first', 'server-closed', 'server-closed'],
  );
  assert.deepEqual(
    run.connections.map((c) => c.closeReason),
    ['server-connection-close', 'server-connection-close', 'client-closed'],
  );
  if (curlGroups) assert.deepEqual(curlGroups, [3, 3, 1], 'curl sees the same grouping');
});
