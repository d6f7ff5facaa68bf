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
}

const KEEP: Redactor = { text: (t) => t, header: (_n, v) => v, active: false };

/**
 * `secrets` are values from private environments. Very short values are skipped: replacing
 * every "1" in a recording would destroy it and protect nothing.
 */
export function createRedactor(secrets: Iterable<string>, keepSecrets = false): Redactor {
  if (keepSecrets) return KEEP;
  const list = [...new Set([...secrets].filter((s) => typeof s === 'string' && s.length >= 3))]
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
  return {
    active: true,
    text,
    header: (name, value) => (SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : text(value)),
  };
}
