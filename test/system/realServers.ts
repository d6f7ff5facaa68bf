// Real servers from Debian's packages, each started in the foreground on 127.0.0.1 with a
// private configuration in a temporary directory and a free port, and stopped by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RealServer {
  name: string;
  /** Origin the requests go to (the proxy's target for squid). */
  url: string;
  /** The TCP port the capture filters on (the proxy's for squid). */
  port: number;
  dir: string;
  /** `--proxy` for the CLI, for squid. */
  proxy?: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Resolves once the port accepts connections (bounded: 200 tries, each waiting on the socket's own events). */
export async function waitListening(port: number, proc: ChildProcess, name: string, stderr: () => string = () => ''): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => setTimeout(() => resolve(false), 50));
    });
    if (ok) return;
  }
  throw new Error(`${name} did not start listening on ${port}: ${stderr()}`);
}

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wl-truth-${name}-`));
  // Servers that drop root privileges must still read their files.
  chmodSync(dir, 0o755);
  const www = join(dir, 'www');
  mkdirSync(www);
  chmodSync(www, 0o755);
  writeFileSync(join(www, 'a.txt'), 'hello from a real server\n');
  chmodSync(join(www, 'a.txt'), 0o644);
  return dir;
}

async function launch(name: string, port: number, dir: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, extraStop?: () => Promise<void>): Promise<RealServer> {
  const proc = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await extraStop?.();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitListening(port, proc, name, () => stderr);
  } catch (e) {
    await stop();
    throw e;
  }
  return { name, url: `http://127.0.0.1:${port}`, port, dir, stop };
}

/** A node origin behind haproxy and squid: answers `ok` with a length, keeps connections alive. */
async function nodeOrigin(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(`origin saw ${req.url}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const BINARIES: Record<string, string> = {
  apache2: '/usr/sbin/apache2',
  lighttpd: '/usr/sbin/lighttpd',
  haproxy: '/usr/sbin/haproxy',
  caddy: '/usr/bin/caddy',
  squid: '/usr/sbin/squid',
  'python-http1.0': 'python3',
  'python-keepalive': 'python3',
};

export function binaryPresent(name: string): boolean {
  const bin = BINARIES[name]!;
  if (bin.startsWith('/')) return existsSync(bin);
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, bin)));
}

/** Apache with keep-alive and at most 3 requests per connection. */
export async function startApache(): Promise<RealServer> {
  const dir = tempDir('apache2');
  const port = await freePort();
  const mods = '/usr/lib/apache2/modules';
  writeFileSync(
    join(dir, 'httpd.conf'),
    `ServerRoot ${dir}
LoadModule mpm_event_module ${mods}/mod_mpm_event.so
LoadModule authz_core_module ${mods}/mod_authz_core.so
LoadModule mime_module ${mods}/mod_mime.so
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
DefaultRuntimeDir ${dir}
Mutex file:${dir} default
ErrorLog ${dir}/error.log
User nobody
Group nogroup
DocumentRoot ${dir}/www
<Directory ${dir}/www>
  Require all granted
</Directory>
TypesConfig /etc/mime.types
KeepAlive On
MaxKeepAliveRequests 3
KeepAliveTimeout 5
`,
  );
  return launch('apache2', port, dir, BINARIES.apache2!, ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND']);
}

/** lighttpd with keep-alive and at most 3 requests per connection. */
export async function startLighttpd(): Promise<RealServer> {
  const dir = tempDir('lighttpd');
  const port = await freePort();
  writeFileSync(
    join(dir, 'lighttpd.conf'),
    `server.document-root = "${dir}/www"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${dir}/error.log"
server.max-keep-alive-requests = 3
server.max-keep-alive-idle = 5
mimetype.assign = (".txt" => "text/plain")
`,
  );
  return launch('lighttpd', port, dir, BINARIES.lighttpd!, ['-D', '-f', join(dir, 'lighttpd.conf')]);
}

/** HAProxy in HTTP mode in front of a node server; it keeps client connections alive. */
export async function startHaproxy(): Promise<RealServer> {
  const dir = tempDir('haproxy');
  const port = await freePort();
  const origin = await nodeOrigin();
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    `global
  maxconn 64
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 5s
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  server origin 127.0.0.1:${origin.port}
`,
  );
  return launch('haproxy', port, dir, BINARIES.haproxy!, ['-db', '-f', join(dir, 'haproxy.cfg')], process.env, () => origin.close());
}

/** Caddy over TLS with its internal CA (h2 by ALPN), logging each request's protocol and client port as JSON. */
export async function startCaddy(): Promise<RealServer & { accessLog: string }> {
  const dir = tempDir('caddy');
  const port = await freePort();
  const accessLog = join(dir, 'access.log');
  writeFileSync(
    join(dir, 'Caddyfile'),
    `{
  admin off
  auto_https disable_redirects
  skip_install_trust
  storage file_system ${dir}/data
}
https://127.0.0.1:${port} {
  tls internal
  log {
    output file ${accessLog}
    format json
  }
  respond "hello over h2" 200
}
`,
  );
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'xdg-data'), XDG_CONFIG_HOME: join(dir, 'xdg-config') };
  const s = await launch('caddy', port, dir, BINARIES.caddy!, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], env);
  return { ...s, url: `https://127.0.0.1:${port}`, accessLog };
}

/** Squid as a forward proxy to a node origin: the connections Wirelane makes are to squid. */
export async function startSquid(): Promise<RealServer> {
  const dir = tempDir('squid');
  const port = await freePort();
  const origin = await nodeOrigin();
  mkdirSync(join(dir, 'logs'));
  chmodSync(join(dir, 'logs'), 0o777);
  writeFileSync(
    join(dir, 'squid.conf'),
    `http_port 127.0.0.1:${port}
acl localnet src 127.0.0.1
http_access allow localnet
http_access deny all
cache deny all
pid_filename ${dir}/logs/squid.pid
cache_log ${dir}/logs/cache.log
access_log none
coredump_dir ${dir}/logs
shutdown_lifetime 0 seconds
client_persistent_connections on
`,
  );
  const s = await launch('squid', port, dir, BINARIES.squid!, ['-N', '-f', join(dir, 'squid.conf')], process.env, () => origin.close());
  return { ...s, url: `http://127.0.0.1:${origin.port}`, proxy: `http://127.0.0.1:${port}` };
}

/** `python3 -m http.server`: HTTP/1.0, one response per connection. */
export async function startPythonHttp10(): Promise<RealServer> {
  const dir = tempDir('python10');
  const port = await freePort();
  return launch('python-http1.0', port, dir, 'python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', join(dir, 'www')]);
}

/** Python's http.server speaking HTTP/1.1 (`protocol_version = "HTTP/1.1"`): persistent connections. */
export async function startPythonKeepAlive(): Promise<RealServer> {
  const dir = tempDir('python11');
  const port = await freePort();
  const script = `import functools, http.server
class H(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
handler = functools.partial(H, directory=${JSON.stringify(join(dir, 'www'))})
http.server.ThreadingHTTPServer(("127.0.0.1", ${port}), handler).serve_forever()
`;
  writeFileSync(join(dir, 'server.py'), script);
  return launch('python-keepalive', port, dir, 'python3', [join(dir, 'server.py')]);
}
