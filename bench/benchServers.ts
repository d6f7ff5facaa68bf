// The servers the engine and network benchmarks send to: plain HTTP/1.1 and HTTP/2 over TLS
// (HTTP/1.1 too, by ALPN), each answering 256 bytes at once, in a child process so their work
// doesn't share the benchmark's event loop.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { selfSignedCert } from '../test/servers/certs';

const SERVER_JS = `
const http = require('node:http');
const http2 = require('node:http2');
const body = Buffer.from('x'.repeat(256));
const h = (req, res) => { req.resume(); req.on('end', () => { res.setHeader('Content-Type', 'text/plain'); res.end(body); }); };
const plain = http.createServer(h);
plain.keepAliveTimeout = 60000;
const tls = http2.createSecureServer({ key: process.env.WL_KEY, cert: process.env.WL_CERT, allowHTTP1: true }, h);
plain.listen(0, '127.0.0.1', () => tls.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ plain: plain.address().port, tls: tls.address().port }) + '\\n');
}));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

export interface BenchServers {
  /** http://127.0.0.1:PORT */
  plain: string;
  /** https://127.0.0.1:PORT (self-signed: send with insecure) */
  secure: string;
  stop(): void;
}

export async function startBenchServers(): Promise<BenchServers> {
  const cert = await selfSignedCert();
  const child = spawn(process.execPath, ['-e', SERVER_JS], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, WL_KEY: cert.key, WL_CERT: cert.cert } });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const ports = JSON.parse(line.toString()) as { plain: number; tls: number };
  return {
    plain: `http://127.0.0.1:${ports.plain}`,
    secure: `https://127.0.0.1:${ports.tls}`,
    stop: () => {
      child.stdin?.end();
      child.kill();
    },
  };
}
