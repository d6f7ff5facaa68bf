// Values that only the run can supply: what the user types (`# @prompt name`, `{{$input label}}`,
// `{{$password label}}`) and OAuth2 tokens (`{{$auth.token("id")}}`, `{{$auth.idToken("id")}}`).
// The resolver is synchronous, so it does not wait for them: it lists what it is missing as
// Asks (as it lists `needs` for chaining), the runner answers them (a prompt, a token request)
// into `ResolveContext.asked` and resolves again.

import type { Directive } from '../httpfile/ast';
import { SHARED_ENV, type LoadedEnvironments } from './environments';

export type Ask =
  /** A value the user types; `secret` ones are masked and never recorded. */
  | { kind: 'prompt'; key: string; name: string; description?: string; secret: boolean }
  /** An OAuth2 token of an auth configuration in the environment's `Security.Auth`. */
  | { kind: 'token'; key: string; id: string; which: 'token' | 'idToken' };

/** Names that hold secrets (httpYac and JetBrains mask prompts like these). */
const SECRET_NAME = /pass(word)?|passwd|pwd|secret|token|otp|pin\b|api[-_]?key|credential/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `# @prompt name [description…]` → the ask (undefined for a prompt without a name). */
export function promptDirective(d: Directive): Extract<Ask, { kind: 'prompt' }> | undefined {
  const m = /^(\S+)(?:\s+(.*))?$/.exec(d.value.trim());
  if (!m) return undefined;
  const description = m[2]?.trim();
  return { kind: 'prompt', key: `prompt:${m[1]}`, name: m[1], ...(description ? { description } : {}), secret: isSecretName(m[1]) };
}

/**
 * `$input label`, `$password label` (httpYac) or `$prompt label` (REST Client's form of the
 * same): the ask, keyed by the label as written so `--var label=value` answers it.
 */
export function inputBuiltin(name: string): Extract<Ask, { kind: 'prompt' }> | undefined {
  const m = /^\$(input|password|prompt)(?:\s+([\s\S]*))?$/.exec(name);
  if (!m) return undefined;
  const label = (m[2] ?? '').trim().replace(/^(["'])([\s\S]*)\1$/, '$2') || m[1];
  return { kind: 'prompt', key: `prompt:${label}`, name: label, secret: m[1] === 'password' || isSecretName(label) };
}

/** `$auth.token("id")` / `$auth.idToken('id')` / `$auth.token(id)`. */
export function authBuiltin(name: string): Extract<Ask, { kind: 'token' }> | undefined {
  const m = /^\$auth\.(token|idToken)\s*\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)$/.exec(name);
  if (!m) return undefined;
  const id = m[2] ?? m[3] ?? m[4] ?? '';
  const which = m[1] as 'token' | 'idToken';
  return { kind: 'token', key: `${which}:${id}`, id, which };
}

/** JetBrains' `Security.Auth` entry for one id, as written (values may hold `{{…}}`). */
export type AuthConfig = Record<string, string>;

function asObject(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An object-valued key of the selected environment (`Security`, `SSLConfiguration`) merged over
 * every env file: the private file's fields win, so secrets can live there and the rest in the
 * public file, as JetBrains documents.
 */
export function environmentObject(env: LoadedEnvironments, envName: string | undefined, key: string): { value: Record<string, unknown>; privateFile?: string; files: string[] } | undefined {
  const layers: Array<{ value: Record<string, unknown>; file: string; isPrivate: boolean }> = [];
  for (const name of envName ? [envName, SHARED_ENV] : [SHARED_ENV]) {
    for (const f of env.files) {
      const values = f.environments[name];
      if (!values || !Object.prototype.hasOwnProperty.call(values, key)) continue;
      const obj = asObject(values[key]);
      if (obj) layers.push({ value: obj, file: f.path, isPrivate: f.isPrivate });
    }
  }
  if (layers.length === 0) return undefined;
  // env.files lists private files first: merge from the last layer up so earlier ones win.
  let merged: Record<string, unknown> = {};
  for (let i = layers.length - 1; i >= 0; i--) merged = deepMerge(merged, layers[i].value);
  const priv = layers.find((l) => l.isPrivate);
  return { value: merged, ...(priv ? { privateFile: priv.file } : {}), files: layers.map((l) => l.file) };
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `Security.Auth[id]` with string values, or the ids that exist (for the diagnostic). */
export function authConfig(env: LoadedEnvironments, envName: string | undefined, id: string): { config?: AuthConfig; known: string[] } {
  const sec = environmentObject(env, envName, 'Security')?.value;
  const auth = sec && isPlain(sec.Auth) ? sec.Auth : undefined;
  const known = auth ? Object.keys(auth) : [];
  const entry = auth?.[id];
  if (!isPlain(entry)) return { known };
  const config: AuthConfig = {};
  for (const [k, v] of Object.entries(entry)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') config[k] = String(v);
  return { config, known };
}

/** Looks a key of an auth configuration up without caring about case or spacing (`Client ID`, `client-id`). */
export function authField(config: AuthConfig, ...names: string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[\s_-]/g, '');
  for (const name of names) {
    const want = norm(name);
    for (const [k, v] of Object.entries(config)) if (norm(k) === want) return v;
  }
  return undefined;
}
