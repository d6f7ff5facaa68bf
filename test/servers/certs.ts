// A self-signed certificate for 127.0.0.1 / localhost, made when a test server starts.
import { generate } from 'selfsigned';

export interface TestCert {
  key: string;
  cert: string;
}

let cached: Promise<TestCert> | undefined;

/** One certificate per process: generating an RSA key costs ~100 ms on a busy machine. */
export function selfSignedCert(): Promise<TestCert> {
  cached ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  } as never).then((p) => ({ key: p.private, cert: p.cert }));
  return cached;
}

const named = new Map<string, Promise<TestCert>>();

/** A self-signed certificate naming only `dnsName` (for hostname-mismatch tests, trusted via `ca`). */
export function selfSignedCertFor(dnsName: string): Promise<TestCert> {
  let p = named.get(dnsName);
  if (!p) {
    p = generate([{ name: 'commonName', value: dnsName }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: dnsName }] },
      ],
    } as never).then((g) => ({ key: g.private, cert: g.cert }));
    named.set(dnsName, p);
  }
  return p;
}
