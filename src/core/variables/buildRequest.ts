// Turns one parsed region into the ResolvedRequest the runner sends.

import type { BodyPart, HttpFile, ParseDiagnostic, Range, RequestNode, Text } from '../httpfile/ast';
import { WlError } from '../errors';
import type { ConnectionDirective, RequestBody, ResolvedRequest, WsScriptStep } from '../request';
import { environmentNames, loadEnvironments, type LoadedEnvironments } from './environments';
import { dirname, resolvePath } from './paths';
import { VariableResolver, type ResolveContext } from './resolver';
import { promptDirective, type Ask } from './asks';

export interface ResolveResult {
  /** Undefined when a diagnostic is an error or `needs` is not empty. */
  request?: ResolvedRequest;
  diagnostics: ParseDiagnostic[];
  /** Named requests that must run first (their responses feed this one); resolve again after. */
  needs: string[];
  /** Values to ask for (prompts, OAuth2 tokens) into `ctx.asked`; resolve again after. */
  asks: Ask[];
}

const encoder = new TextEncoder();
const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function reportEnvironmentProblems(res: VariableResolver, env: LoadedEnvironments, ctx: ResolveContext, at: Range): void {
  for (const p of env.problems) res.report(at, p.code, p.message, 'warning');
  if (ctx.envName && env.files.length > 0 && !environmentNames(env).includes(ctx.envName)) {
    res.report(at, 'WL_ENV_UNKNOWN', `environment "${ctx.envName}" is not defined in ${env.files.map((f) => f.path).join(', ')}`, 'warning');
  }
  if (ctx.envName && env.files.length === 0 && !ctx.extraEnv) {
    res.report(at, 'WL_ENV_UNKNOWN', `environment "${ctx.envName}" was selected but no http-client.env.json was found from the file's folder up to the workspace root`, 'warning');
  }
}

function base64(bytes: Uint8Array): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += chars[(n >> 18) & 63] + chars[(n >> 12) & 63];
    out += i + 1 < bytes.length ? chars[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? chars[n & 63] : '=';
  }
  return out;
}

function headerIndex(headers: Array<[string, string]>, name: string): number {
  const want = name.toLowerCase();
  return headers.findIndex(([k]) => k.toLowerCase() === want);
}

function hasScheme(url: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url);
}

const AUTH_TOKEN = String.raw`((?:\{\{[\s\S]*?\}\}|\S)+)`;
const TWO_TOKENS = new RegExp(String.raw`^(Basic|Digest)\s+` + AUTH_TOKEN + String.raw`\s+` + AUTH_TOKEN + String.raw`\s*$`, 'i');

/**
 * User and password as written (`Basic {{user}} {{password}}`), each substituted on its
 * own, so a password with a space in it stays one password.
 */
function credentialsAsWritten(t: Text, res: VariableResolver): { scheme: string; user: string; password: string } | undefined {
  const m = TWO_TOKENS.exec(t.text.trim());
  if (!m) return undefined;
  const sub = (s: string) => res.substituteText({ text: s, range: t.range, variables: t.variables.filter((v) => s.includes(v.raw)) }).text;
  return { scheme: m[1].toLowerCase(), user: sub(m[2]), password: sub(m[3]) };
}

/** `Authorization: Basic user pass` → Base64; `Digest user pass` → answered by the engine. */
function applyAuthorization(req: RequestNode, headers: Array<[string, string]>, res: VariableResolver): ResolvedRequest['digestAuth'] {
  const i = headerIndex(headers, 'authorization');
  if (i < 0) return undefined;
  const value = headers[i][1];
  const node = req.headers.find((h) => h.name.toLowerCase() === 'authorization');
  const written = node ? credentialsAsWritten(node.value, res) : undefined;
  // Else the pair may come from one variable (`Basic {{credentials}}`): split the value.
  const pair =
    written ??
    (() => {
      const m = /^(Basic|Digest)\s+(\S+)\s+(\S+)\s*$/i.exec(value);
      return m ? { scheme: m[1].toLowerCase(), user: m[2], password: m[3] } : undefined;
    })();
  const colon = /^Basic\s+(\S*:\S*)\s*$/i.exec(value);
  if (pair?.scheme === 'basic' || colon) {
    const plain = pair ? `${pair.user}:${pair.password}` : colon![1];
    const token = base64(encoder.encode(plain));
    headers[i] = [headers[i][0], `Basic ${token}`];
    // The encoded form reveals a private password just as well as the password itself.
    if ([...res.secrets].some((s) => plain.includes(s))) res.secrets.add(token);
    return undefined;
  }
  if (pair?.scheme === 'digest') {
    headers.splice(i, 1);
    return { user: pair.user, password: pair.password };
  }
  return undefined;
}

interface BodyContext {
  res: VariableResolver;
  ctx: ResolveContext;
  baseDir: string;
}

type Piece = ({ kind: 'bytes'; text: string } | { kind: 'file'; path: string }) & { firstLine: number; lastLine: number };

function bodyPieces(parts: BodyPart[], b: BodyContext): Piece[] {
  const pieces: Piece[] = [];
  for (const part of parts) {
    if (part.kind === 'text') {
      const r = part.text.range;
      pieces.push({ kind: 'bytes', text: b.res.substituteText(part.text).text, firstLine: r.start.line, lastLine: r.end.line });
      continue;
    }
    const lines = { firstLine: part.range.start.line, lastLine: part.range.end.line };
    const written = b.res.substituteText(part.path);
    if (!written.complete) continue;
    const rel = written.text.trim();
    const path = resolvePath(b.baseDir, rel);
    if (part.substitute) {
      const content = b.ctx.readFile(path);
      if (content === undefined) {
        b.res.report(part.range, 'WL_FILE_NOT_FOUND', `file ${rel} not found (looked at ${path})`);
        continue;
      }
      pieces.push({ kind: 'bytes', text: b.res.substituteString(content.replace(/^\uFEFF/, ''), part.range).text, ...lines });
    } else {
      if (b.ctx.fileExists && !b.ctx.fileExists(path)) b.res.report(part.range, 'WL_FILE_NOT_FOUND', `file ${rel} not found (looked at ${path})`);
      pieces.push({ kind: 'file', path, ...lines });
    }
  }
  return pieces;
}

/**
 * Parts stand on their own lines and text parts hold no line end at their edges, so the
 * line breaks between two parts (one, plus one per blank line) come back from their line
 * numbers. Multipart wants CRLF throughout.
 */
function joinPieces(pieces: Piece[], crlf: boolean): Array<{ kind: 'text'; text: string } | { kind: 'file'; path: string }> {
  const out: Array<{ kind: 'text'; text: string } | { kind: 'file'; path: string }> = [];
  let text: string | undefined;
  pieces.forEach((p, i) => {
    const prev = pieces[i - 1];
    const gap = prev ? '\n'.repeat(Math.max(1, p.firstLine - prev.lastLine)) : '';
    if (p.kind === 'bytes') {
      text = (text ?? '') + gap + p.text;
      return;
    }
    if (gap || text !== undefined) out.push({ kind: 'text', text: (text ?? '') + gap });
    text = undefined;
    out.push(p);
  });
  if (text !== undefined) out.push({ kind: 'text', text });
  return crlf ? out.map((p) => (p.kind === 'text' ? { kind: 'text', text: p.text.replace(/\r?\n/g, '\r\n') } : p)) : out;
}

/** REST Client's GraphQL: the query, then a blank line, then the variables as JSON. */
function graphqlBody(text: string, res: VariableResolver, at: Range): string | undefined {
  const normalized = text.replace(/\r\n/g, '\n');
  const blank = /\n[ \t]*\n/g;
  let query = normalized.trim();
  let variables: unknown;
  const splits: number[] = [];
  let m: RegExpExecArray | null;
  while ((m = blank.exec(normalized)) !== null) splits.push(m.index, m.index + m[0].length);
  // The last blank line followed by a JSON object separates the variables; a query may hold blank lines.
  for (let k = splits.length - 2; k >= 0; k -= 2) {
    const tail = normalized.slice(splits[k + 1]).trim();
    if (!tail.startsWith('{')) continue;
    try {
      variables = JSON.parse(tail);
      query = normalized.slice(0, splits[k]).trim();
      break;
    } catch {
      if (k === splits.length - 2) {
        res.report(at, 'WL_GRAPHQL_VARIABLES', 'the GraphQL variables after the blank line are not valid JSON');
        return undefined;
      }
    }
  }
  const ops = [...query.matchAll(/(?:^|[\s}])(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g)].map((x) => x[1]);
  const body: Record<string, unknown> = { query };
  if (ops.length === 1) body.operationName = ops[0];
  if (variables !== undefined) body.variables = variables;
  return JSON.stringify(body);
}

function toRequestBody(joined: ReturnType<typeof joinPieces>): RequestBody | undefined {
  if (joined.length === 0) return undefined;
  if (joined.length === 1) {
    const only = joined[0];
    return only.kind === 'file' ? { kind: 'file', path: only.path } : { kind: 'bytes', data: encoder.encode(only.text) };
  }
  return { kind: 'parts', parts: joined.map((p) => (p.kind === 'file' ? p : { kind: 'bytes', data: encoder.encode(p.text) })) };
}

/**
 * A path-only target (`GET /json`) takes its host from the author's environment (httpYac's
 * convention), so a missing host is a variable question, asked like any `{{host}}`.
 */
function reportNoHost(req: RequestNode, res: VariableResolver): void {
  const ctx = res.context;
  const where = ctx.envName ? `in the file, environment "${ctx.envName}" or $shared` : 'in the file or $shared, and no environment is selected';
  res.report(
    req.url.range,
    'WL_VAR_UNRESOLVED',
    `variable host is not defined ${where}: "${req.url.text}" is a path only; define host (e.g. "@host = localhost:8080" or in http-client.env.json), add a Host header, or write the full URL`,
  );
}

/** Scheme defaults to http:// (ws:// for WebSocket); a path-only target takes the Host header or `{{host}}`. */
function completeUrl(url: string, req: RequestNode, headers: Array<[string, string]>, res: VariableResolver): string | undefined {
  const scheme = req.kind === 'websocket' ? 'ws://' : 'http://';
  if (url === '') {
    res.report(req.url.range, 'WL_RESOLVE_URL', 'the request has no URL');
    return undefined;
  }
  let full = url;
  if (url.startsWith('/')) {
    const h = headerIndex(headers, 'host');
    const host =
      h >= 0
        ? headers[h][1].trim()
        : (() => {
            const v = res.lookup('host', req.url.range);
            return v.found ? v.value : undefined;
          })();
    if (!host) {
      reportNoHost(req, res);
      return undefined;
    }
    full = (hasScheme(host) ? host : scheme + host).replace(/\/+$/, '') + url;
  } else if (!hasScheme(url)) {
    full = scheme + url;
  }
  try {
    return new URL(full).href;
  } catch {
    res.report(req.url.range, 'WL_RESOLVE_URL', `${full} is not a valid URL`);
    return undefined;
  }
}

function applyDirectives(region: HttpFile['regions'][number], out: ResolvedRequest, res: VariableResolver): void {
  for (const d of region.directives) {
    const value = d.value.includes('{{') ? res.substituteString(d.value, d.valueRange ?? d.range).text.trim() : d.value.trim();
    const at = d.valueRange ?? d.range;
    switch (d.name) {
      case 'timeout': {
        const m = /^(\d+)\s*(ms|s)?$/.exec(value);
        if (!m) res.report(at, 'WL_PARSE_DIRECTIVE', `@timeout needs milliseconds, got "${value}"`, 'warning');
        else out.timeoutMs = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
        break;
      }
      case 'connection':
        if (value === 'new' || value === 'close' || value === 'reuse') out.connection = value as ConnectionDirective;
        else res.report(at, 'WL_PARSE_DIRECTIVE', `@connection takes new, close or reuse, got "${value}"`, 'warning');
        break;
      case 'insecure':
        out.insecure = true;
        break;
      case 'no-redirect':
        out.noRedirect = true;
        break;
      case 'no-cookie-jar':
        out.noCookieJar = true;
        break;
      case 'keep-open':
        out.keepOpen = true;
        break;
      default:
        // @name, @title, @note, @ref … are read elsewhere or only by the editor.
        break;
    }
  }
}

export function resolveRegion(file: HttpFile, regionIndex: number, ctx: ResolveContext): ResolveResult {
  const region = file.regions[regionIndex];
  if (!region) {
    return { diagnostics: [{ range: ZERO, severity: 'error', code: 'WL_RESOLVE', message: `there is no request region ${regionIndex}` }], needs: [], asks: [] };
  }
  const req = region.request;
  if (!req) {
    return { diagnostics: [{ range: region.range, severity: 'info', code: 'WL_RESOLVE_NO_REQUEST', message: 'this region has no request line' }], needs: [], asks: [] };
  }
  const env = ctx.environments ?? loadEnvironments(ctx);
  const res = new VariableResolver(file, ctx, env, region.name ?? region.title);
  reportEnvironmentProblems(res, env, ctx, req.methodRange);
  askPrompts(region.directives, res);

  const method = req.method.toUpperCase();
  if (method === 'GRPC') res.report(req.methodRange, 'WL_RESOLVE_UNSUPPORTED', 'not supported: gRPC requests');

  const headers: Array<[string, string]> = req.headers.map((h) => [h.name.includes('{{') ? res.substituteString(h.name, h.nameRange).text.trim() : h.name, res.substituteText(h.value).text.trim()]);
  const target = res.substituteText(req.url);
  // An unresolved reference is reported already; don't add "not a valid URL" on top of it.
  const url = target.complete ? completeUrl(target.text.trim(), req, headers, res) : target.text.trim();

  const out: ResolvedRequest = {
    kind: req.kind,
    regionIndex,
    name: region.name,
    title: region.title,
    source: { file: ctx.filePath, line: req.methodRange.start.line + 1 },
    method: req.kind === 'websocket' ? 'GET' : method === 'GRAPHQL' ? 'POST' : req.method,
    url: url ?? '',
    httpVersion: req.httpVersion,
    headers,
    wsSteps: [],
    secrets: [],
  };
  applyDirectives(region, out, res);
  out.digestAuth = applyAuthorization(req, headers, res);
  if (out.digestAuth === undefined) delete out.digestAuth;

  const ct = headerIndex(headers, 'content-type');
  const contentType = ct >= 0 ? headers[ct][1].toLowerCase() : '';
  const gq = headerIndex(headers, 'x-request-type');
  const isGraphql = method === 'GRAPHQL' || (gq >= 0 && headers[gq][1].trim().toLowerCase() === 'graphql');
  if (gq >= 0 && isGraphql) headers.splice(gq, 1);

  if (req.body && req.kind === 'http') {
    const b: BodyContext = { res, ctx, baseDir: dirname(ctx.filePath) };
    const pieces = bodyPieces(req.body.parts, b);
    if (isGraphql) {
      if (pieces.some((p) => p.kind === 'file')) res.report(req.body.range, 'WL_RESOLVE_UNSUPPORTED', 'not supported: a file inside a GraphQL body');
      const text = joinPieces(
        pieces.filter((p) => p.kind === 'bytes'),
        false,
      )
        .map((p) => (p.kind === 'text' ? p.text : ''))
        .join('');
      const json = graphqlBody(text, res, req.body.range);
      if (json !== undefined) out.body = { kind: 'bytes', data: encoder.encode(json) };
      if (ct < 0) headers.push(['Content-Type', 'application/json']);
    } else {
      let joined = joinPieces(pieces, contentType.startsWith('multipart/'));
      if (contentType.startsWith('application/x-www-form-urlencoded')) {
        // REST Client lets a form body continue on lines that start with `&`.
        joined = joined.map((p) => (p.kind === 'text' ? { kind: 'text', text: p.text.replace(/\r?\n[ \t]*(?=&)/g, '') } : p));
      }
      out.body = toRequestBody(joined);
    }
  }

  if (req.kind === 'websocket') {
    out.wsSteps = req.wsSteps.map((s): WsScriptStep =>
      s.kind === 'send' ? { kind: 'send', data: res.substituteText(s.text).text, line: s.range.start.line + 1 } : { kind: 'wait', line: s.range.start.line + 1 },
    );
  }

  out.secrets = [...res.secrets];
  const failed = res.diagnostics.some((d) => d.severity === 'error') || res.needs.length > 0 || res.asks.length > 0;
  return { request: failed ? undefined : out, diagnostics: byPosition(res.diagnostics), needs: res.needs, asks: res.asks };
}

/** `# @prompt name` asks for name unless the file, an environment or `--var` defines it. */
function askPrompts(directives: HttpFile['regions'][number]['directives'], res: VariableResolver): void {
  for (const d of directives) {
    if (d.name !== 'prompt') continue;
    const ask = promptDirective(d);
    if (!ask) {
      res.report(d.range, 'WL_PARSE_DIRECTIVE', '`@prompt` needs a variable name: `# @prompt password Your password`', 'warning');
      continue;
    }
    // The file, an environment or `--var` (extraEnv) may define it: then nothing is asked.
    if (res.lookup(ask.name, d.range).found) continue;
    res.promptNames.add(ask.name);
    if (!res.asks.some((a) => a.key === ask.key)) res.asks.push(ask);
  }
}

/** Every problem with variables in the file, for the editor and `wirelane check`. */
export function variableDiagnostics(file: HttpFile, ctx: ResolveContext): ParseDiagnostic[] {
  const env = ctx.environments ?? loadEnvironments(ctx);
  const res = new VariableResolver(file, ctx, env);
  res.quietOnParserErrors = true;
  reportEnvironmentProblems(res, env, ctx, ZERO);
  // A prompted name is defined: its value is typed when the request is sent.
  for (const region of file.regions)
    for (const d of region.directives)
      if (d.name === 'prompt') {
        const p = promptDirective(d);
        if (p) res.promptNames.add(p.name);
      }
  for (const v of file.variables) res.substituteText(v.value);
  const baseDir = dirname(ctx.filePath);
  file.regions.forEach((region) => {
    const req = region.request;
    if (!req) return;
    res.currentRequest = region.name ?? region.title;
    res.substituteText(req.url);
    if (req.target === 'path' && !req.headers.some((h) => h.name.toLowerCase() === 'host') && !res.lookup('host', req.url.range).found) reportNoHost(req, res);
    for (const h of req.headers) res.substituteText(h.value);
    for (const part of req.body?.parts ?? []) {
      if (part.kind === 'text') {
        res.substituteText(part.text);
        continue;
      }
      const r = res.substituteText(part.path);
      if (!r.complete) continue;
      const path = resolvePath(baseDir, r.text.trim());
      const exists = ctx.fileExists ? ctx.fileExists(path) : part.substitute ? ctx.readFile(path) !== undefined : true;
      if (!exists) res.report(part.range, 'WL_FILE_NOT_FOUND', `file ${r.text.trim()} not found (looked at ${path})`);
    }
    for (const s of req.wsSteps) if (s.kind === 'send') res.substituteText(s.text);
  });
  return byPosition(res.diagnostics);
}

function byPosition(diags: ParseDiagnostic[]): ParseDiagnostic[] {
  return diags.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** A resolve diagnostic as the coded error the runner records and the CLI prints (`file:line`). */
export function diagnosticToError(d: ParseDiagnostic, filePath: string): WlError {
  return new WlError(d.code, d.message, { phase: 'resolve', source: { file: filePath, line: d.range.start.line + 1 } });
}
