// Recordings leave the machine (attached to bug reports, committed by mistake), so the
// values that grant access are replaced before anything is written.

export const REDACTED = '[redacted]';

/** Header names whose values are credentials whatever the environment says. */
export const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

export interface Redactor {
  /** Replaces every known secret value inside `text`. */
  text(text: string): string;
  header(name: string, value: string): string;
  readonly active: boolean;
  /** This redactor plus more secret values (an exchange's credentials); itself when there are none. */
  withSecrets?(values: Iterable<string>): Redactor;
}

const KEEP: Redactor = { text: (t) => t, header: (_n, v) => v, active: false, withSecrets: () => KEEP };

/** Request headers whose values grant access (Set-Cookie is a response header, read separately). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/**
 * The credentials an exchange carried, to scrub wherever they are repeated (a server that echoes
 * its request headers, as httpbin's /headers does; a token put in a URL or a WebSocket message):
 * the whole Authorization / Proxy-Authorization value, its credentials without the scheme (and a
 * Basic pair decoded), each Cookie value, and the value of each cookie set by the response.
 */
export function credentialValues(requestHeaders: ReadonlyArray<readonly [string, string]>, responseHeaders: ReadonlyArray<readonly [string, string]> = []): string[] {
  const out: string[] = [];
  for (const [rawName, value] of requestHeaders) {
    const name = rawName.toLowerCase();
    if (!CREDENTIAL_HEADERS.has(name) || typeof value !== 'string') continue;
    const v = value.trim();
    out.push(v);
    if (name === 'cookie') {
      for (const pair of v.split(';')) out.push(cookieValue(pair));
      continue;
    }
    const m = /^(\S+)\s+([\s\S]+)$/.exec(v);
    if (!m) continue;
    out.push(m[2]);
    if (m[1].toLowerCase() === 'basic') {
      const decoded = decodeBase64(m[2]);
      if (decoded !== undefined) out.push(decoded);
    }
  }
  for (const [name, value] of responseHeaders) {
    if (name.toLowerCase() === 'set-cookie' && typeof value === 'string') out.push(cookieValue(value.split(';')[0]));
  }
  // A cookie like `theme=dark` is no credential, and scrubbing every "dark" would ruin the recording.
  return out.filter((s) => s.length >= MIN_CREDENTIAL_LENGTH);
}

const MIN_CREDENTIAL_LENGTH = 6;

/** `name=value` → value (quotes removed, as a server echoing it would show it). */
function cookieValue(pair: string): string {
  const eq = pair.indexOf('=');
  const v = (eq < 0 ? pair : pair.slice(eq + 1)).trim();
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

function decodeBase64(s: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return undefined;
  try {
    const bytes = Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // Only a readable `user:password` is worth searching for.
    // eslint-disable-next-line no-control-regex -- a header line is text without control characters
    return /^[^\u0000-\u001f]*:[^\u0000-\u001f]*$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `secrets` are values from private environments. Very short values are skipped: replacing
 * every "1" in a recording would destroy it and protect nothing.
 */
export function createRedactor(secrets: Iterable<string>, keepSecrets = false): Redactor {
  if (keepSecrets) return KEEP;
  const given = [...secrets];
  const list = [...new Set(given.filter((s) => typeof s === 'string' && s.length >= 3))]
    // Longest first so a secret that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);
  const variants: string[] = [];
  for (const s of list) {
    variants.push(s);
    // Secrets also travel percent-encoded in URLs and query strings.
    const enc = encodeURIComponent(s);
    if (enc !== s) variants.push(enc);
  }
  const text = (t: string): string => {
    if (!t || variants.length === 0) return t;
    let out = t;
    for (const v of variants) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  };
  const self: Redactor = {
    active: true,
    text,
    header: (name, value) => (SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : text(value)),
    withSecrets: (values) => {
      const more = [...values].filter((v) => typeof v === 'string' && v.length >= 3 && !list.includes(v));
      return more.length === 0 ? self : createRedactor([...list, ...more]);
    },
  };
  return self;
}
