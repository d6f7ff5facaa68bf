// OAuth2 `{{$auth.token("id")}}` against a local token server that checks the grant, an API
// server that checks the bearer; client certificates from SSLConfiguration against an https
// server that asks for one and records whose it got.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { WebSocketServer } from 'ws';
import { runFile } from '../../src/runner/fileRunner';
import { OAuthTokens } from '../../src/runner/auth/oauth2';
import { RunRecorder } from '../../src/core/timeline/recorder';
import { toHar } from '../../src/core/har/write';
import { selfSignedCert } from '../servers/certs';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function json(res: ServerResponse, status: number, data: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(data));
}

interface TokenLog {
  grant: string;
  basic?: string;
  form: Record<string, string>;
}

async function oauthServers() {
  const grants: TokenLog[] = [];
  const issued = new Map<string, string>();
  let n = 0;
  const token = await serve((req, body, res) => {
    const form = Object.fromEntries(new URLSearchParams(body));
    const auth = req.headers.authorization;
    const basic = auth?.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : undefined;
    grants.push({ grant: form.grant_type, basic, form });
    if (form.grant_type === 'client_credentials') {
      if (basic !== 'orders:cc-secret') return json(res, 401, { error: 'invalid_client', error_description: 'bad client secret' });
      const t = `cc-${++n}`;
      issued.set(t, `orders ${form.scope}`);
      return json(res, 200, { access_token: t, token_type: 'Bearer', expires_in: 60 });
    }
    if (form.grant_type === 'password') {
      if (form.username !== 'ada' || form.password !== 'pw-ada' || form.client_id !== 'web') return json(res, 400, { error: 'invalid_grant' });
      const t = `pw-${++n}`;
      issued.set(t, 'ada');
      return json(res, 200, { access_token: t, id_token: `id-${n}`, token_type: 'Bearer' });
    }
    json(res, 400, { error: 'unsupported_grant_type' });
  });
  const seen: Array<[string, string | undefined]> = [];
  const api = await serve((req, _body, res) => {
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    const who = bearer ? issued.get(bearer) : undefined;
    seen.push([req.url ?? '', who ?? (req.headers['x-id-token'] as string | undefined)]);
    json(res, who || req.headers['x-id-token'] ? 200 : 401, { who });
  });
  return { token, api, grants, seen };
}

function envDir(tokenUrl: string, secret = 'cc-secret'): string {
  const dir = mkdtempSync(join(tmpdir(), 'wl-auth-'));
  writeFileSync(
    join(dir, 'http-client.env.json'),
    JSON.stringify({
      dev: {
        tokenHost: tokenUrl,
        Security: {
          Auth: {
            'orders-service': { Type: 'OAuth2', 'Grant Type': 'Client Credentials', 'Client ID': 'orders', 'Token URL': '{{tokenHost}}/token', Scope: 'orders:read' },
            'user-login': { Type: 'OAuth2', 'Grant Type': 'Password', 'Client ID': 'web', 'Client Credentials': 'none', 'Token URL': '{{tokenHost}}/token', Username: 'ada' },
          },
        },
      },
    }),
  );
  writeFileSync(
    join(dir, 'http-client.private.env.json'),
    JSON.stringify({
      dev: { Security: { Auth: { 'orders-service': { 'Client Secret': secret }, 'user-login': { Password: 'pw-ada' } } } },
    }),
  );
  return dir;
}

const AUTH_FILE = (api: string) => `### orders
GET ${api}/orders
Authorization: Bearer {{$auth.token("orders-service")}}

### orders again
GET ${api}/orders?page=2
Authorization: Bearer {{$auth.token("orders-service")}}

### me
GET ${api}/me
Authorization: Bearer {{$auth.token("user-login")}}

### id token
GET ${api}/id
X-Id-Token: {{$auth.idToken("user-login")}}
`;

test('OAuth2: client-credentials and password grants; the bearer reaches the API; the token exchange is on the timeline; cached until expiry', async () => {
  const { token, api, grants, seen } = await oauthServers();
  const dir = envDir(token.url);
  try {
    writeFileSync(join(dir, 'a.http'), AUTH_FILE(api.url));
    let clock = 1_000_000;
    const tokens = new OAuthTokens(() => clock);
    const recorder = new RunRecorder({ mode: 'keep-alive' });
    const r = await runFile({ file: join(dir, 'a.http'), envName: 'dev', mode: 'keep-alive', recorder, tokens });
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(seen, [
      ['/orders', 'orders orders:read'],
      ['/orders?page=2', 'orders orders:read'],
      ['/me', 'ada'],
      ['/id', 'id-2'],
    ]);
    // One token request per configuration: the second orders request used the cached token.
    assert.deepEqual(
      grants.map((g) => [g.grant, g.basic, g.form.client_id, g.form.scope]),
      [
        ['client_credentials', 'orders:cc-secret', undefined, 'orders:read'],
        ['password', undefined, 'web', undefined],
      ],
    );
    // Each token request is an exchange of its own, on a tracked connection of its own origin.
    const auth = r.run.exchanges.filter((x) => x.name?.startsWith('auth '));
    assert.deepEqual(
      auth.map((x) => [x.name, x.request.method, x.response?.status]),
      [
        ['auth orders-service', 'POST', 200],
        ['auth user-login', 'POST', 200],
      ],
    );
    const tokenConn = r.run.connections.find((c) => c.id === auth[0].connectionId);
    assert.ok(tokenConn, 'the token request has a connection');
    assert.equal(tokenConn.remotePort, Number(new URL(token.url).port));
    // Secrets, tokens and the typed password never reach the recording.
    const har = JSON.stringify(toHar(r.run, { secrets: r.secrets }));
    for (const secret of ['cc-secret', 'pw-ada', 'cc-1', 'pw-2', 'id-2']) assert.ok(!har.includes(secret), `${secret} is redacted`);

    // Same tokens object, later run: cached while valid, requested again once expired.
    await runFile({ file: join(dir, 'a.http'), envName: 'dev', names: ['orders'], mode: 'keep-alive', recorder: new RunRecorder({ mode: 'keep-alive' }), tokens });
    assert.equal(grants.length, 2);
    clock += 61_000;
    await runFile({ file: join(dir, 'a.http'), envName: 'dev', names: ['orders'], mode: 'keep-alive', recorder: new RunRecorder({ mode: 'keep-alive' }), tokens });
    assert.equal(grants.length, 3);
    assert.equal(seen[seen.length - 1][1], 'orders orders:read');
  } finally {
    await token.close();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OAuth2: a refused grant and an unknown auth id are coded errors; nothing is sent without a token', async () => {
  const { token, api, grants, seen } = await oauthServers();
  const dir = envDir(token.url, 'wrong-secret');
  try {
    writeFileSync(join(dir, 'a.http'), `GET ${api.url}/orders\nAuthorization: Bearer {{$auth.token("orders-service")}}\n\n###\nGET ${api.url}/x\nAuthorization: Bearer {{$auth.token("nope")}}\n`);
    const r = await runFile({ file: join(dir, 'a.http'), envName: 'dev', mode: 'keep-alive', recorder: new RunRecorder({ mode: 'keep-alive' }) });
    assert.deepEqual(
      r.skipped.map((s) => s.error.code),
      ['WL_AUTH_TOKEN', 'WL_AUTH_UNKNOWN'],
    );
    assert.match(r.skipped[0].error.message, /auth "orders-service": the token server answered 401 \(invalid_client: bad client secret\)/);
    assert.match(r.skipped[1].error.message, /no auth configuration "nope" .*\(defined: orders-service, user-login\)/);
    assert.equal(grants.length, 1);
    assert.deepEqual(seen, []);
    assert.equal(r.failed, true);
  } finally {
    await token.close();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('client certificate from SSLConfiguration: the server that asks for one gets it; without the environment it gets none', async () => {
  const serverCert = await selfSignedCert();
  const client = await (generate([{ name: 'commonName', value: 'wirelane-test-client' }], { keyType: 'ec', algorithm: 'sha256' } as never) as unknown as Promise<{ private: string; cert: string }>);
  const subjects: Array<string | undefined> = [];
  const server = createHttpsServer({ key: serverCert.key, cert: serverCert.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    subjects.push(peer && peer.subject ? String(peer.subject.CN) : undefined);
    res.end('ok');
  });
  // wss:// on the same server: the upgrade's TLS connection must present the certificate too.
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    ws.send(`ws:${peer && peer.subject ? String(peer.subject.CN) : 'none'}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'wl-mtls-'));
  try {
    writeFileSync(join(dir, 'client.pem'), client.cert);
    writeFileSync(join(dir, 'client-key.pem'), client.private);
    writeFileSync(join(dir, 'http-client.env.json'), JSON.stringify({ dev: { secureHost: `127.0.0.1:${port}` } }));
    writeFileSync(
      join(dir, 'http-client.private.env.json'),
      JSON.stringify({
        dev: { SSLConfiguration: { clientCertificate: { path: 'client.pem' }, clientCertificateKey: { path: 'client-key.pem' }, hasCertificatePassphrase: false, verifyHostCertificate: false } },
      }),
    );
    writeFileSync(join(dir, 'a.http'), `GET https://{{secureHost}}/whoami\n\n###\nGET https://127.0.0.1:${port}/again\n\n###\nGET https://127.0.0.1:${port}/old HTTP/1.0\n`);
    writeFileSync(join(dir, 'ws.http'), `WEBSOCKET wss://{{secureHost}}/ws\n\n=== wait-for-server\n`);
    const r = await runFile({ file: join(dir, 'a.http'), envName: 'dev', mode: 'keep-alive', recorder: new RunRecorder({ mode: 'keep-alive' }) });
    assert.deepEqual(r.skipped, []);
    assert.ok(
      r.results.every((x) => !x.error),
      JSON.stringify(r.results.map((x) => x.error)),
    );
    // HTTP/1.0 has its own socket code; it presents the certificate too.
    assert.deepEqual(subjects, ['wirelane-test-client', 'wirelane-test-client', 'wirelane-test-client']);
    const w = await runFile({ file: join(dir, 'ws.http'), envName: 'dev', mode: 'keep-alive', recorder: new RunRecorder({ mode: 'keep-alive' }) });
    assert.equal(w.results[0].error, undefined, JSON.stringify(w.results[0].error));
    assert.deepEqual(
      w.results[0].session?.frames.filter((f) => f.dir === 'receive' && f.opcode === 1).map((f) => f.data),
      ['ws:wirelane-test-client'],
    );
    // No environment: no client certificate (and the self-signed server needs --insecure).
    await runFile({ file: join(dir, 'a.http'), names: [], mode: 'keep-alive', insecure: true, extraEnv: { secureHost: `127.0.0.1:${port}` }, recorder: new RunRecorder({ mode: 'keep-alive' }) });
    assert.deepEqual(subjects.slice(3), [undefined, undefined, undefined]);

    // A certificate path that does not exist is a coded error before anything is sent.
    writeFileSync(join(dir, 'http-client.private.env.json'), JSON.stringify({ dev: { SSLConfiguration: { clientCertificate: { path: 'missing.pem' } } } }));
    await assert.rejects(
      runFile({ file: join(dir, 'a.http'), envName: 'dev', mode: 'keep-alive', recorder: new RunRecorder({ mode: 'keep-alive' }) }),
      (e: Error & { code?: string }) => e.code === 'WL_TLS_CLIENT_CERT' && /missing\.pem/.test(e.message),
    );
    assert.equal(subjects.length, 6);
  } finally {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});
