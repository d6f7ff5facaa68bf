// Runs a request's scripts and assertions: `< {% %}` pre-request scripts before it is resolved,
// `> {% %}` / `> file.js` response handlers and `??` lines after its response. The host side of
// the JetBrains API lives here (globals, request variables, environment, log, tests, hashes by
// node:crypto); the script itself runs in the QuickJS sandbox (sandbox.ts).

import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { Region, ScriptBlock } from '../../core/httpfile/ast';
import type { ErrorInfo, SourceLocation } from '../../core/errors';
import { ERROR_HINTS } from '../../core/errors';
import type { Connection, Exchange } from '../../core/timeline/model';
import { evaluateAssertion, type AssertionFacts } from '../assertions';
import { loadEnvironments, lookupEnv, SHARED_ENV, type LoadedEnvironments } from '../../core/variables/environments';
import type { ResolveContext } from '../../core/variables/index';
import { lineFromStack, Sandbox, type ScriptLimits } from './sandbox';

/** One test outcome: a `client.test`, a `??` line, a failed `client.assert`, or a script that failed. */
export interface CheckResult {
  /** What people read: the client.test name, the `??` text, or "script". */
  name: string;
  kind: 'test' | 'assertion' | 'script';
  passed: boolean;
  /** Where it is written (1-based line). */
  source: SourceLocation;
  error?: ErrorInfo;
}

export interface RegionChecks {
  checks: CheckResult[];
  logs: string[];
}

export interface ScriptHostOptions {
  /** The .http file as shown to people (relative when below the current folder). */
  shownFile: string;
  /** Absolute path of the .http file: `> file.js` is relative to its folder. */
  filePath: string;
  /** The file's lines, to place inline scripts at their line. */
  lines: string[];
  /** `client.global`: shared by the requests of a run (and across runs when the caller keeps it). */
  globals: Map<string, string>;
  /** `request.environment.get`. */
  envGet(name: string): string | undefined;
  limits?: ScriptLimits;
  /** False in an untrusted workspace: scripts and `?? js` lines are reported as not run. */
  allowScripts: boolean;
}

export interface ResponseFacts {
  exchange: Exchange;
  connection?: Connection;
  body?: string;
}

type Json = unknown;

function parseBody(body: string | undefined, mimeType: string | undefined): Json {
  if (body === undefined) return null;
  if (mimeType && /[/+]json\b/i.test(mimeType)) {
    try {
      return JSON.parse(body);
    } catch {
      return body;
    }
  }
  return body;
}

function contentType(headers: Array<[string, string]>): { mimeType?: string; charset?: string } {
  const v = headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (!v) return {};
  const [mime, ...params] = v.split(';');
  const charset = params.map((p) => /^\s*charset\s*=\s*"?([^";]+)"?/i.exec(p)?.[1]).find(Boolean);
  return { mimeType: mime.trim(), charset };
}

function bytesOf(part: unknown): Buffer {
  if (!Array.isArray(part) || typeof part[1] !== 'string') return Buffer.alloc(0);
  const [enc, value] = part as [string, string];
  return Buffer.from(value, enc === 'hex' ? 'hex' : enc === 'base64' ? 'base64' : 'utf8');
}

const HASHES = new Set(['md5', 'sha1', 'sha256', 'sha384', 'sha512']);

/** `crypto.sha256().updateWithText(…).digest()` and `crypto.hmac.…` answered by node:crypto. */
function digest(alg: unknown, key: unknown, parts: unknown): { hex: string; base64: string; base64url: string } {
  const name = String(alg);
  if (!HASHES.has(name)) throw new Error(`unknown hash ${name}`);
  const h = key === null || key === undefined ? createHash(name) : createHmac(name, bytesOf(key));
  for (const p of Array.isArray(parts) ? parts : []) h.update(bytesOf(p));
  const out = h.digest();
  return { hex: out.toString('hex'), base64: out.toString('base64'), base64url: out.toString('base64url') };
}

/** `request.environment.get(name)`: the selected environment, then `$shared`, then editor-supplied values (files read on first use). */
export function environmentGetter(ctx: ResolveContext): (name: string) => string | undefined {
  let env: LoadedEnvironments | undefined;
  return (name) => {
    env ??= ctx.environments ?? loadEnvironments(ctx);
    const hit = (ctx.envName ? lookupEnv(env, ctx.envName, name) : undefined) ?? lookupEnv(env, SHARED_ENV, name);
    return hit?.value ?? ctx.extraEnv?.[name];
  };
}

export class ScriptHost {
  /** One sandbox for the scripts of this host (a run, or one editor send); created on the first script. */
  private readonly sandbox: Sandbox;

  constructor(private readonly opts: ScriptHostOptions) {
    this.sandbox = new Sandbox(opts.limits);
  }

  dispose(): void {
    this.sandbox.dispose();
  }

  /** Does this region have anything to run or check? */
  static hasChecks(region: Region): boolean {
    const r = region.request;
    return !!r && r.kind === 'http' && (r.assertions.length > 0 || r.scripts.some((s) => s.dialect !== 'httpyac'));
  }

  /** `< {% %}` scripts: run before the request is resolved; they may set request variables. */
  async preRequest(region: Region, requestVars: Map<string, string>): Promise<RegionChecks> {
    const out: RegionChecks = { checks: [], logs: [] };
    for (const s of region.request?.scripts ?? []) {
      if (s.kind !== 'pre-request' || s.dialect === 'httpyac') continue;
      await this.runOne(s, { request: { method: region.request?.method, url: region.request?.url.text, headers: [] } }, requestVars, out);
    }
    return out;
  }

  /** `> {% %}` handlers, then `??` lines, on a request's response. */
  async afterResponse(region: Region, facts: ResponseFacts, requestVars: Map<string, string>): Promise<RegionChecks> {
    const out: RegionChecks = { checks: [], logs: [] };
    const node = region.request;
    if (!node || !ScriptHost.hasChecks(region)) return out;
    const ex = facts.exchange;
    const res = ex.response;
    const ct = contentType(res?.headers ?? []);
    const parsed = parseBody(facts.body, ct.mimeType);
    const context = {
      request: { method: ex.request.method, url: ex.request.url, headers: ex.request.headers },
      response: res ? { status: res.status, headers: res.headers, body: parsed, mimeType: ct.mimeType ?? null, charset: ct.charset ?? null } : undefined,
    };
    for (const s of node.scripts) {
      if (s.kind !== 'response-handler' || s.dialect === 'httpyac') continue;
      await this.runOne(s, context, requestVars, out);
    }
    const assertionFacts: AssertionFacts = {
      exchange: ex,
      connection: facts.connection,
      body: facts.body,
      js: (expr, line) => this.evalJs(expr, line, context),
    };
    for (const a of node.assertions) {
      const source = { file: this.opts.shownFile, line: a.range.start.line + 1 };
      const name = `?? ${a.text}`;
      if (!this.opts.allowScripts && /^js\b/.test(a.text)) {
        out.checks.push({ name, kind: 'assertion', passed: false, source, error: untrusted(source) });
        continue;
      }
      const r = await evaluateAssertion(a.text, assertionFacts, source.line);
      out.checks.push({ name, kind: 'assertion', passed: r.passed, source, error: r.passed ? undefined : { code: r.code, message: r.message, phase: 'script', hint: ERROR_HINTS[r.code], source } });
    }
    return out;
  }

  /** `?? js EXPR`: the expression's value (JSON), evaluated with `response` and `request` in scope. */
  private async evalJs(expr: string, line: number, context: unknown): Promise<{ value?: Json; error?: ErrorInfo }> {
    let value: Json;
    const where = { file: this.opts.shownFile, line };
    const outcome = await this.sandbox.run({ code: `__wirelaneResult((${expr}));`, ...where }, (op, args) => {
      if (op !== 'result') return this.answer(op, args, context, new Map(), { checks: [], logs: [] }, where);
      value = args[0];
      return undefined;
    });
    return outcome.error ? { error: outcome.error } : { value };
  }

  private async runOne(s: ScriptBlock, context: unknown, requestVars: Map<string, string>, out: RegionChecks): Promise<void> {
    const shown = this.opts.shownFile;
    let src: { code: string; file: string; line: number };
    if (s.file !== undefined) {
      const path = isAbsolute(s.file) ? s.file : resolvePath(this.opts.filePath, '..', s.file);
      try {
        src = { code: readFileSync(path, 'utf8'), file: s.file, line: 1 };
      } catch {
        const source = { file: shown, line: s.range.start.line + 1 };
        out.checks.push({
          name: `script ${s.file}`,
          kind: 'script',
          passed: false,
          source,
          error: { code: 'WL_SCRIPT_FILE', message: `cannot read the handler ${s.file}`, phase: 'script', hint: ERROR_HINTS.WL_SCRIPT_FILE, source },
        });
        return;
      }
    } else {
      const first = this.opts.lines[s.range.start.line] ?? '';
      const afterOpen = first.slice(first.indexOf('{%') + 2);
      // The parser drops a blank remainder of the `{%` line: the code then starts below it.
      const line = s.range.start.line + 1 + (afterOpen.includes('%}') || afterOpen.trim() !== '' ? 0 : 1);
      src = { code: s.code ?? '', file: shown, line };
    }
    const scriptSource = { file: src.file, line: src.line };
    if (!this.opts.allowScripts) {
      out.checks.push({ name: 'script', kind: 'script', passed: false, source: scriptSource, error: untrusted(scriptSource) });
      return;
    }
    const outcome = await this.sandbox.run(src, (op, args) => this.answer(op, args, context, requestVars, out, scriptSource));
    if (outcome.error) {
      const source = outcome.error.source ?? scriptSource;
      out.checks.push({ name: outcome.assertion ? outcome.error.message : 'script', kind: outcome.assertion ? 'test' : 'script', passed: false, source, error: outcome.error });
    }
  }

  /** The host half of the prelude's calls. */
  private answer(op: string, args: unknown[], context: unknown, requestVars: Map<string, string>, out: RegionChecks, where: SourceLocation): unknown {
    const g = this.opts.globals;
    const str = (i: number) => String(args[i] ?? '');
    switch (op) {
      case 'context':
        return context;
      case 'global.set':
        g.set(str(0), str(1));
        return undefined;
      case 'global.get':
        return g.get(str(0));
      case 'global.isEmpty':
        return g.size === 0;
      case 'global.clear':
        g.delete(str(0));
        return undefined;
      case 'global.clearAll':
        g.clear();
        return undefined;
      case 'var.set':
        requestVars.set(str(0), str(1));
        return undefined;
      case 'var.get':
        return requestVars.get(str(0)) ?? g.get(str(0));
      case 'env.get':
        return this.opts.envGet(str(0));
      case 'log':
        out.logs.push(str(0));
        return undefined;
      case 'test': {
        const passed = args[1] === true;
        const name = str(0);
        // The test is where `client.test` is called; its failure where the throw happened.
        const lineOf = (i: number) => lineFromStack(typeof args[i] === 'string' ? (args[i] as string) : undefined, where.file);
        const calledAt = lineOf(4);
        const source = calledAt ? { file: where.file, line: calledAt } : where;
        const failedAt = lineOf(3);
        out.checks.push({
          name,
          kind: 'test',
          passed,
          source,
          error: passed
            ? undefined
            : {
                code: 'WL_ASSERTION_FAILED',
                message: str(2) || 'the test failed',
                phase: 'script',
                hint: ERROR_HINTS.WL_ASSERTION_FAILED,
                source: failedAt ? { file: where.file, line: failedAt } : source,
              },
        });
        return undefined;
      }
      case 'digest':
        try {
          return digest(args[0], args[1], args[2]);
        } catch {
          return { hex: '', base64: '', base64url: '' };
        }
      default:
        return undefined;
    }
  }
}

function untrusted(source: SourceLocation): ErrorInfo {
  return { code: 'WL_SCRIPTS_UNTRUSTED', message: 'not run: scripts do not run in an untrusted workspace', phase: 'script', hint: ERROR_HINTS.WL_SCRIPTS_UNTRUSTED, source };
}
