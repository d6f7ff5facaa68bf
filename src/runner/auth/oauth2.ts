// OAuth2 tokens for `{{$auth.token("id")}}` / `{{$auth.idToken("id")}}`, configured as JetBrains
// documents it: `"Security": {"Auth": {"id": {"Type": "OAuth2", "Grant Type": "Client Credentials",
// "Client ID": …, "Client Secret": …, "Token URL": …, "Scope": …}}}` in the environment (secrets
// usually in the private file). Client-credentials and password grants. The token request goes
// through the run's HttpEngine, so it is an exchange of its own on the timeline, on a tracked
// connection; a token is kept until it expires.

import type { ResolvedRequest } from '../../core/request';
import { WlError, type SourceLocation } from '../../core/errors';
import { authField, type AuthConfig } from '../../core/variables/asks';
import type { HttpEngine } from '../http/engine';

export interface OAuthToken {
  accessToken: string;
  idToken?: string;
  /** ms since epoch; Infinity when the server gave no `expires_in`. */
  expiresAt: number;
}

/** Renew this long before the server's expiry, so a token never expires in flight. */
const EXPIRY_MARGIN_MS = 5_000;

function grantOf(config: AuthConfig): 'client_credentials' | 'password' | string {
  const g = (authField(config, 'Grant Type') ?? '').toLowerCase().replace(/[\s_-]/g, '');
  if (g === 'clientcredentials') return 'client_credentials';
  if (g === 'password') return 'password';
  return g;
}

/** Tokens by environment and auth id, for as long as they are valid. */
export class OAuthTokens {
  private readonly cache = new Map<string, OAuthToken>();
  private readonly pending = new Map<string, Promise<OAuthToken>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The token for `id`: cached, or requested through `engine`. `config` holds the configuration's
   * values with variables already substituted.
   */
  async get(envName: string | undefined, id: string, config: AuthConfig, engine: HttpEngine, source: SourceLocation, signal?: AbortSignal): Promise<OAuthToken> {
    const key = `${envName ?? ''}\u0000${id}\u0000${JSON.stringify(config)}`;
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt - EXPIRY_MARGIN_MS > this.now()) return hit;
    let p = this.pending.get(key);
    if (!p) {
      p = requestToken(id, config, engine, source, signal, this.now).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    const token = await p;
    this.cache.set(key, token);
    return token;
  }
}

function form(fields: Array<[string, string | undefined]>): string {
  return fields
    .filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

async function requestToken(id: string, config: AuthConfig, engine: HttpEngine, source: SourceLocation, signal: AbortSignal | undefined, now: () => number): Promise<OAuthToken> {
  const fail = (message: string) => new WlError('WL_AUTH_TOKEN', `auth "${id}": ${message}`, { phase: 'resolve', source });
  const type = authField(config, 'Type');
  if (type && type.toLowerCase() !== 'oauth2') throw fail(`type "${type}" is not supported (only OAuth2)`);
  const url = authField(config, 'Token URL');
  if (!url) throw fail('"Token URL" is missing');
  const grant = grantOf(config);
  if (grant !== 'client_credentials' && grant !== 'password') {
    throw fail(`grant type "${authField(config, 'Grant Type') ?? ''}" is not supported: use "Client Credentials" or "Password" (an authorization-code grant needs a browser)`);
  }
  const clientId = authField(config, 'Client ID');
  const clientSecret = authField(config, 'Client Secret');
  // JetBrains' "Client Credentials": "basic" (default), "in body" or "none".
  const how = (authField(config, 'Client Credentials') ?? 'basic').toLowerCase().replace(/[\s_-]/g, '');
  const basic = how === 'basic' && clientId !== undefined && clientSecret !== undefined;
  const fields: Array<[string, string | undefined]> = [['grant_type', grant]];
  if (grant === 'password') {
    const user = authField(config, 'Username');
    if (!user) throw fail('the password grant needs "Username"');
    fields.push(['username', user], ['password', authField(config, 'Password') ?? '']);
  }
  fields.push(['scope', authField(config, 'Scope')], ['audience', authField(config, 'Audience')], ['resource', authField(config, 'Resource')]);
  if (!basic) fields.push(['client_id', clientId], ['client_secret', how === 'none' ? undefined : clientSecret]);
  const headers: Array<[string, string]> = [
    ['Content-Type', 'application/x-www-form-urlencoded'],
    ['Accept', 'application/json'],
  ];
  if (basic) headers.push(['Authorization', `Basic ${Buffer.from(`${encodeURIComponent(clientId!)}:${encodeURIComponent(clientSecret!)}`).toString('base64')}`]);
  let href: string;
  try {
    href = new URL(url).href;
  } catch {
    throw fail(`"Token URL" ${url} is not a valid URL`);
  }
  const secrets = [clientSecret, authField(config, 'Password')].filter((s): s is string => !!s);
  const req: ResolvedRequest = {
    kind: 'http',
    regionIndex: -1,
    name: `auth ${id}`,
    source,
    method: 'POST',
    url: href,
    headers,
    body: { kind: 'bytes', data: new TextEncoder().encode(form(fields)) },
    wsSteps: [],
    secrets,
  };
  const sent = await engine.send(req, { signal });
  const ex = sent.exchange;
  if (ex.error) throw new WlError(ex.error.code, `auth "${id}": the token request failed: ${ex.error.message}`, { phase: ex.error.phase, source });
  const text = sent.body?.toString('utf8') ?? ex.response?.body?.text ?? '';
  let data: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null) data = parsed as Record<string, unknown>;
  } catch {
    // reported below with the status
  }
  const status = ex.response?.status ?? 0;
  if (status < 200 || status > 299 || typeof data.access_token !== 'string') {
    const why = typeof data.error === 'string' ? `${data.error}${typeof data.error_description === 'string' ? `: ${data.error_description}` : ''}` : 'no access_token in the response';
    throw fail(`the token server answered ${status} (${why})`);
  }
  const expiresIn = Number(data.expires_in);
  return {
    accessToken: data.access_token,
    ...(typeof data.id_token === 'string' ? { idToken: data.id_token } : {}),
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? now() + expiresIn * 1000 : Infinity,
  };
}
