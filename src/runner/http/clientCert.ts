// Client certificates from the environment, as JetBrains writes them in
// `http-client.private.env.json`:
//   "SSLConfiguration": {"clientCertificate": {"path": "cert.pem"}, "clientCertificateKey": {"path": "key.pem"},
//                        "hasCertificatePassphrase": true, "verifyHostCertificate": false}
// Paths are relative to the env file. A PKCS#12 bundle (`.p12`/`.pfx`) is passed as `pfx`.

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { WlError } from '../../core/errors';
import { environmentObject } from '../../core/variables/asks';
import type { LoadedEnvironments } from '../../core/variables/environments';
import type { PromptFn } from '../asks';

export interface ClientCert {
  cert?: Buffer;
  key?: Buffer;
  pfx?: Buffer;
  passphrase?: string;
  /** The file the configuration came from (for messages). */
  from: string;
}

export interface TlsFromEnvironment {
  clientCert?: ClientCert;
  /** `"verifyHostCertificate": false`. */
  insecure?: boolean;
}

function pathOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { path?: unknown }).path === 'string') return (v as { path: string }).path;
  return undefined;
}

/** The selected environment's SSLConfiguration, files read; a coded error when one cannot be read. */
export async function tlsFromEnvironment(env: LoadedEnvironments, envName: string | undefined, prompt?: PromptFn): Promise<TlsFromEnvironment> {
  const found = environmentObject(env, envName, 'SSLConfiguration');
  if (!found) return {};
  const ssl = found.value;
  const from = found.privateFile ?? found.files[0];
  const base = dirname(from);
  const read = (what: string, p: string): Buffer => {
    const full = isAbsolute(p) ? p : resolve(base, p);
    try {
      return readFileSync(full);
    } catch (err) {
      throw new WlError('WL_TLS_CLIENT_CERT', `SSLConfiguration in ${from}: cannot read the ${what} ${full} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { phase: 'tls' });
    }
  };
  const out: TlsFromEnvironment = {};
  if (ssl.verifyHostCertificate === false) out.insecure = true;
  const certPath = pathOf(ssl.clientCertificate);
  if (!certPath) return out;
  const cert: ClientCert = { from };
  if (/\.(p12|pfx)$/i.test(certPath)) cert.pfx = read('client certificate', certPath);
  else cert.cert = read('client certificate', certPath);
  const keyPath = pathOf(ssl.clientCertificateKey);
  if (keyPath) cert.key = read('client certificate key', keyPath);
  if (ssl.hasCertificatePassphrase === true) {
    if (!prompt) throw new WlError('WL_VAR_PROMPT', `SSLConfiguration in ${from} says the certificate has a passphrase, and there is no terminal to ask for it`, { phase: 'tls' });
    const pass = await prompt('certificate passphrase', `passphrase of ${certPath}`, { secret: true });
    if (pass === undefined) throw new WlError('WL_CANCELLED', 'not sent: no certificate passphrase was given', { phase: 'tls' });
    cert.passphrase = pass;
  }
  out.clientCert = cert;
  return out;
}
