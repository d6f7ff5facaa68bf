// HTTP Digest access authentication (RFC 7616, with RFC 2617's MD5 servers): answers one
// `WWW-Authenticate: Digest …` challenge. Small enough to own, and core to sending requests
// the way REST Client users write them (`Authorization: Digest user pass`).

import { createHash, randomBytes } from 'node:crypto';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop?: string;
  algorithm: string;
  opaque?: string;
  userhash?: boolean;
}

/** Splits `Digest a="b", c=d` into its parameters; undefined when it isn't a Digest challenge. */
export function parseDigestChallenge(header: string): DigestChallenge | undefined {
  const m = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!m) return undefined;
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[1])) !== null) {
    params.set(p[1].toLowerCase(), p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]);
  }
  const nonce = params.get('nonce');
  if (nonce === undefined) return undefined;
  return {
    realm: params.get('realm') ?? '',
    nonce,
    qop: params.get('qop'),
    algorithm: params.get('algorithm') ?? 'MD5',
    opaque: params.get('opaque'),
    userhash: params.get('userhash')?.toLowerCase() === 'true',
  };
}

const HASHES: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

/** True when this challenge names an algorithm we can answer. */
export function canAnswer(c: DigestChallenge): boolean {
  return HASHES[c.algorithm.toUpperCase().replace(/-SESS$/, '')] !== undefined;
}

/** The `Authorization` value answering `c` for `method uri`; `nc` counts uses of this nonce. */
export function digestAuthorization(c: DigestChallenge, user: string, password: string, method: string, uri: string, nc = 1, cnonce = randomBytes(16).toString('hex')): string {
  const alg = c.algorithm.toUpperCase();
  const sess = alg.endsWith('-SESS');
  const hashName = HASHES[alg.replace(/-SESS$/, '')] ?? 'md5';
  const H = (s: string): string => createHash(hashName).update(s, 'utf8').digest('hex');
  const qop = c.qop
    ?.split(',')
    .map((q) => q.trim())
    .find((q) => q === 'auth');
  const ncHex = nc.toString(16).padStart(8, '0');
  let ha1 = H(`${user}:${c.realm}:${password}`);
  if (sess) ha1 = H(`${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = H(`${method}:${uri}`);
  const response = qop ? H(`${ha1}:${c.nonce}:${ncHex}:${cnonce}:${qop}:${ha2}`) : H(`${ha1}:${c.nonce}:${ha2}`);
  const quote = (s: string): string => `"${s.replace(/(["\\])/g, '\\$1')}"`;
  const username = c.userhash ? H(`${user}:${c.realm}`) : user;
  const parts = [`username=${quote(username)}`, `realm=${quote(c.realm)}`, `nonce=${quote(c.nonce)}`, `uri=${quote(uri)}`, `algorithm=${c.algorithm}`, `response=${quote(response)}`];
  if (qop) parts.push(`qop=${qop}`, `nc=${ncHex}`, `cnonce=${quote(cnonce)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  if (c.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}
