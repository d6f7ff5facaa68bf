// Substitutes `{{…}}` references. Lookup order, first hit wins: named-request chaining
// → variables set by scripts (`request.variables`, then `client.global`) → file variables → selected environment (private over public) → editor-supplied
// environment → `$shared` → built-in `$` variables (these start with `$`, so they never
// collide with the others).

import type { FileVariable, HttpFile, ParseDiagnostic, Position, Range, Severity, Text } from '../httpfile/ast';
import { evaluateBuiltin, type BuiltinEnv } from './builtins';
import { parseRequestRef, selectFromExchange, type NamedExchange } from './chaining';
import { loadDotenv, lookupEnv, SHARED_ENV, type LoadedEnvironments } from './environments';
import { scanRefs, type FoundRef } from './scan';
import { scanVariables } from '../httpfile/varRefs';
import { authBuiltin, authConfig, inputBuiltin, type Ask } from './asks';

export interface ResolveContext {
  /** Absolute path of the .http file. */
  filePath: string;
  /** Env files are searched from the file's folder up to here. */
  workspaceRoot?: string;
  /** Selected environment (a key of http-client.env.json). */
  envName?: string;
  /** Injected file access (core does no I/O); undefined when the file is missing. */
  readFile(path: string): string | undefined;
  processEnv: Record<string, string | undefined>;
  /** Responses of named requests seen so far. */
  named: Map<string, NamedExchange>;
  /** e.g. REST Client's `rest-client.environmentVariables` for the selected environment. */
  extraEnv?: Record<string, string>;
  /** Lets callers check `< file` bodies without reading them (they can be large). */
  fileExists?(path: string): boolean;
  /** Variables set by scripts at run time (`request.variables.set`, `client.global.set`): they win over file variables. */
  scriptVariable?(name: string): string | undefined;
  /** Environments loaded once by a caller resolving many regions (else loaded per call). */
  environments?: LoadedEnvironments;
  /** Clock and randomness, injectable for tests; default Date.now, Math.random, crypto.randomUUID. */
  now?(): number;
  random?(): number;
  uuid?(): string;
  /**
   * What the run answered so far, by Ask key (`prompt:NAME`, `token:ID`, `idToken:ID`): typed
   * values and OAuth2 tokens. See asks.ts.
   */
  asked?: Map<string, string>;
  /** Files brought in by `# @import` / `import` (nearest first): their file variables and named requests are visible. */
  imports?: HttpFile[];
}

type Lookup = { found: false } | { found: true; value: string | undefined };

export interface Substituted {
  text: string;
  /** False when some reference could not be resolved (a diagnostic says why, or `needs` names a request). */
  complete: boolean;
}

const MAX_DEPTH = 64;
const PLAIN_NAME = /^[\p{L}\p{N}_.\-$]+$/u;

export class VariableResolver {
  readonly diagnostics: ParseDiagnostic[] = [];
  readonly needs: string[] = [];
  /** Values the run must ask for (a prompt, a token) before this request can be built. */
  readonly asks: Ask[] = [];
  /** `# @prompt` names: defined, their value comes from the user. */
  readonly promptNames = new Set<string>();
  readonly secrets = new Set<string>();
  private readonly seen = new Set<string>();
  private readonly fileVars: Map<string, FileVariable>;
  private readonly needed = new Set<string>();
  private readonly fileVarValues = new Map<string, string | undefined>();
  private readonly stack: string[] = [];
  private readonly requestNames: Set<string>;
  private readonly scriptNames: Set<string>;
  private dotenvValues?: Record<string, string>;
  /** Editor and `check`: the parser's own diagnostics already cover malformed references. */
  quietOnParserErrors = false;

  constructor(
    private readonly file: HttpFile,
    private readonly ctx: ResolveContext,
    private readonly env: LoadedEnvironments,
    /** Name of the request being resolved: it cannot refer to its own response. */
    public currentRequest?: string,
  ) {
    const index = indexOf(file);
    this.fileVars = index.fileVars;
    this.requestNames = index.requestNames;
    this.scriptNames = index.scriptNames;
    if (ctx.imports?.length) {
      // The importing file's own definitions win over what it imports.
      this.fileVars = new Map(index.fileVars);
      this.requestNames = new Set(index.requestNames);
      for (const imported of ctx.imports) {
        const other = indexOf(imported);
        for (const [k, v] of other.fileVars) if (!index.fileVars.has(k)) this.fileVars.set(k, v);
        for (const n of other.requestNames) this.requestNames.add(n);
      }
    }
  }

  get context(): ResolveContext {
    return this.ctx;
  }

  report(range: Range, code: string, message: string, severity: Severity = 'error'): void {
    const key = `${range.start.line}:${range.start.character}:${code}:${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push({ range, severity, code, message });
  }

  /** Substitutes an AST text; diagnostics point at the references' own ranges. */
  substituteText(t: Text): Substituted {
    const found = scanRefs(t.text);
    if (found.length === 0) return { text: t.text, complete: true };
    let j = 0;
    const listed: Array<Range | undefined> = found.map((f) => {
      for (let k = j; k < t.variables.length; k++) {
        if (t.variables[k].raw === f.raw) {
          j = k + 1;
          return t.variables[k].range;
        }
      }
      return undefined;
    });
    // A reference the parser did not list is one it already reported as malformed.
    const skip = this.quietOnParserErrors ? (i: number) => !listed[i] : undefined;
    const used = new Set<ParseDiagnostic>();
    return this.substituteFound(t.text, found, (i) => listed[i] ?? this.unlistedRange(t, found, listed, i, used), skip);
  }

  /**
   * Where an unlisted reference is written. A URL's continuation lines are joined without a line
   * break, so its offset alone cannot tell the line: the listed references around it and the
   * parser's own diagnostic for it (every unlisted reference is one the parser reported) do.
   */
  private unlistedRange(t: Text, found: FoundRef[], listed: Array<Range | undefined>, i: number, used: Set<ParseDiagnostic>): Range {
    const f = found[i];
    const { start, end } = t.range;
    if (start.line === end.line || t.text.includes('\n')) return rangeAt(t, f);
    let p = i - 1;
    while (p >= 0 && !listed[p]) p--;
    let n = i + 1;
    while (n < found.length && !listed[n]) n++;
    const prev = p >= 0 ? listed[p] : undefined;
    const next = n < found.length ? listed[n] : undefined;
    /** Offset → character on a line whose start in the joined text is known. */
    const deltaOn = (line: number): number | undefined => {
      if (line === start.line) return start.character;
      if (line === end.line) return end.character - t.text.length;
      for (let k = 0; k < found.length; k++) {
        const r = listed[k];
        if (r && r.start.line === line) return r.start.character - found[k].start;
      }
      return undefined;
    };
    const onLine = (line: number, delta: number): Range => ({
      start: { line, character: f.start + delta },
      end: { line, character: f.end + delta },
    });
    // Between two listed references on one line, or before the first on the first line, or after the last on the last line.
    const around =
      prev && next
        ? prev.end.line === next.start.line
          ? next.start.line
          : undefined
        : next
          ? next.start.line === start.line
            ? start.line
            : undefined
          : prev?.end.line === end.line
            ? end.line
            : undefined;
    if (around !== undefined) {
      const delta = deltaOn(around);
      if (delta !== undefined) return onLine(around, delta);
    }
    const after = prev?.end ?? start;
    const before = next?.start ?? end;
    const diag = this.file.diagnostics.find(
      (d) => (d.code === 'WL_PARSE_VAR_SYNTAX' || d.code === 'WL_PARSE_VAR_UNCLOSED') && !used.has(d) && !isBefore(d.range.start, after) && !isBefore(before, d.range.start),
    );
    if (!diag) return { start: { ...start }, end: { ...end } };
    used.add(diag);
    const line = diag.range.start.line;
    // Unclosed on its line: the reference goes on past the line's end; point at its beginning.
    if (diag.code === 'WL_PARSE_VAR_UNCLOSED') return { start: { ...diag.range.start }, end: { ...diag.range.end } };
    const delta = deltaOn(line);
    if (delta !== undefined && f.start + delta >= 0) return onLine(line, delta);
    // The parser's diagnostic marks one character inside the reference: scanning the reference alone finds which.
    const own: ParseDiagnostic[] = [];
    scanVariables(f.raw, 0, 0, f.raw.length, [], own);
    const mark = own.find((d) => d.code === diag.code);
    const at = mark ? diag.range.start.character - mark.range.start.character : -1;
    if (at >= 0) return { start: { line, character: at }, end: { line, character: at + f.raw.length } };
    return { start: { ...diag.range.start }, end: { ...diag.range.end } };
  }

  /** Substitutes text that has no AST (env values, `<@` files); diagnostics point at `at`. */
  substituteString(s: string, at: Range): Substituted {
    return this.substituteFound(s, scanRefs(s), () => at);
  }

  private substituteFound(s: string, found: FoundRef[], rangeOf: (i: number) => Range, skip?: (i: number) => boolean): Substituted {
    let out = '';
    let last = 0;
    let complete = true;
    found.forEach((f, i) => {
      const v = skip?.(i) ? undefined : this.resolveRef(f, rangeOf(i));
      out += s.slice(last, f.start);
      if (v === undefined) {
        complete = false;
        out += f.raw;
      } else {
        const encoded = f.encode ? percentEncode(v) : v;
        if (encoded !== v) this.addEncodedSecrets(encoded);
        out += encoded;
      }
      last = f.end;
    });
    return { text: out + s.slice(last), complete };
  }

  /** A secret sent percent-encoded must be redacted in that form too. */
  private addEncodedSecrets(encoded: string): void {
    for (const secret of [...this.secrets]) {
      const e = percentEncode(secret);
      if (e !== secret && encoded.includes(e)) this.secrets.add(e);
    }
  }

  /** The value of one reference, or undefined after reporting why (or listing a needed request). */
  resolveRef(ref: Pick<FoundRef, 'name' | 'kind'>, range: Range): string | undefined {
    if (this.stack.length > MAX_DEPTH) {
      this.report(range, 'WL_VAR_CYCLE', `variables nest deeper than ${MAX_DEPTH} levels at ${ref.name}`);
      return undefined;
    }
    if (ref.name === '') {
      this.report(range, 'WL_VAR_UNRESOLVED', 'empty variable reference {{}}');
      return undefined;
    }
    if (ref.kind === 'builtin' || ref.name.startsWith('$')) {
      const ask = inputBuiltin(ref.name) ?? authBuiltin(ref.name);
      if (ask) return this.answer(ask, range);
      this.builtinRange = range;
      const r = evaluateBuiltin(ref.name, this.builtins);
      if (r.ok) return r.value;
      this.report(range, r.code, r.message);
      return undefined;
    }
    const chained = parseRequestRef(ref.name);
    if (chained) {
      if (chained.requestName === this.currentRequest) {
        this.report(range, 'WL_VAR_CYCLE', `{{${ref.name}}} refers to the response of its own request ${chained.requestName}`);
        return undefined;
      }
      const ex = this.ctx.named.get(chained.requestName);
      if (ex) {
        const r = selectFromExchange(chained, ex);
        if (r.ok) return r.value;
        this.report(range, 'WL_VAR_UNRESOLVED', `${ref.name}: ${r.message}`);
        return undefined;
      }
      if (this.requestNames.has(chained.requestName)) {
        if (!this.needed.has(chained.requestName)) {
          this.needed.add(chained.requestName);
          this.needs.push(chained.requestName);
        }
        return undefined;
      }
    }
    const hit = this.lookup(ref.name, range);
    if (hit.found) return hit.value;
    if (chained) {
      this.report(range, 'WL_VAR_UNRESOLVED', `${ref.name}: no request named ${chained.requestName} in this file (add "# @name ${chained.requestName}" above it)`);
    } else if (!PLAIN_NAME.test(ref.name)) {
      this.report(range, 'WL_VAR_UNSUPPORTED', `not supported: {{${ref.name}}} is an expression (httpYac evaluates JavaScript there), not a variable name`);
    } else if (this.scriptNames.has(ref.name)) {
      // Set by a script of this file at run time: only an error when the run reaches it unset.
      if (this.ctx.scriptVariable)
        this.report(
          range,
          'WL_VAR_UNRESOLVED',
          `variable ${ref.name} is set by a script in this file (client.global.set / request.variables.set), which has not set it: did that script fail or not run yet?`,
        );
    } else {
      const where = this.ctx.envName ? `in the file, environment "${this.ctx.envName}" or $shared` : 'in the file or $shared, and no environment is selected';
      this.report(range, 'WL_VAR_UNRESOLVED', `variable ${ref.name} is not defined ${where}`);
    }
    return undefined;
  }

  /** What the run answered for an ask, or undefined after listing it (or reporting why it cannot be asked). */
  private answer(ask: Ask, range: Range): string | undefined {
    const given = this.ctx.asked?.get(ask.key);
    if (given !== undefined) {
      if (ask.kind === 'token' || ask.secret) this.secrets.add(given);
      return given;
    }
    if (ask.kind === 'prompt') {
      const extra = this.ctx.extraEnv?.[ask.name];
      if (typeof extra === 'string') return extra;
    } else {
      const { config, known } = authConfig(this.env, this.ctx.envName, ask.id);
      if (!config) {
        const where = this.ctx.envName ? `environment "${this.ctx.envName}"` : 'any environment (none is selected)';
        const have = known.length ? ` (defined: ${known.join(', ')})` : '';
        this.report(range, 'WL_AUTH_UNKNOWN', `no auth configuration "${ask.id}" under Security.Auth in ${where}${have}`, this.quietOnParserErrors && !this.ctx.envName ? 'warning' : 'error');
        return undefined;
      }
    }
    if (!this.asks.some((a) => a.key === ask.key)) this.asks.push(ask);
    return undefined;
  }

  /** A plain name through file variables and environments, without reporting a miss. */
  lookup(name: string, range: Range): Lookup {
    const asked = this.ctx.asked?.get(`prompt:${name}`);
    if (asked !== undefined) return { found: true, value: asked };
    const scripted = this.ctx.scriptVariable?.(name);
    if (scripted !== undefined) return { found: true, value: scripted };
    const def = this.fileVars.get(name);
    const key = `file:${name}`;
    if (def && !this.stack.includes(key)) {
      if (this.fileVarValues.has(name)) return { found: true, value: this.fileVarValues.get(name) };
      this.stack.push(key);
      const r = this.substituteText(def.value);
      this.stack.pop();
      const value = r.complete ? r.text : undefined;
      this.fileVarValues.set(name, value);
      return { found: true, value };
    }
    // A file variable that refers to itself (`@host = {{host}}`) takes the environment's value.
    const fromEnv = this.lookupEnvironments(name, range);
    if (fromEnv.found) return fromEnv;
    // Asked for when the request is sent; nothing to report until then.
    if (this.promptNames.has(name)) return { found: true, value: undefined };
    if (def) {
      const cycle = [...this.stack.slice(this.stack.indexOf(key)).map((k) => k.replace(/^\w+:/, '')), name].join(' → ');
      this.report(range, 'WL_VAR_CYCLE', `variable cycle: ${cycle}`);
      return { found: true, value: undefined };
    }
    return { found: false };
  }

  private lookupEnvironments(name: string, range: Range): Lookup {
    const envName = this.ctx.envName;
    if (envName) {
      const hit = lookupEnv(this.env, envName, name);
      if (hit) return this.envValue(`env:${name}`, hit.value, hit.isPrivate, range);
    }
    const extra = this.ctx.extraEnv;
    // Settings arrive untyped from the editor: only string values count.
    if (extra && Object.prototype.hasOwnProperty.call(extra, name) && typeof extra[name] === 'string') return this.envValue(`extra:${name}`, extra[name], false, range);
    const shared = lookupEnv(this.env, SHARED_ENV, name);
    if (shared) return this.envValue(`shared:${name}`, shared.value, shared.isPrivate, range);
    return { found: false };
  }

  /** Environment values may reference other variables (`"url": "{{host}}/api"`). */
  private envValue(key: string, raw: string, isPrivate: boolean, range: Range): Lookup {
    if (this.stack.includes(key)) {
      this.report(range, 'WL_VAR_CYCLE', `variable cycle in environment values at ${key.replace(/^\w+:/, '')}`);
      return { found: true, value: undefined };
    }
    this.stack.push(key);
    const r = this.substituteString(raw, range);
    this.stack.pop();
    if (!r.complete) return { found: true, value: undefined };
    if (isPrivate && r.text !== '') this.secrets.add(r.text);
    return { found: true, value: r.text };
  }

  /** Where the built-in being evaluated stands, for problems found while evaluating it. */
  private builtinRange: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  private readonly builtins = this.builtinEnv();

  // Built once per resolver (field initialisers run before `ctx` is assigned, so read it late).
  private builtinEnv(): BuiltinEnv {
    const range = () => this.builtinRange;
    return {
      now: () => (this.ctx.now ? this.ctx.now() : Date.now()),
      random: () => (this.ctx.random ? this.ctx.random() : Math.random()),
      uuid: () => (this.ctx.uuid ? this.ctx.uuid() : globalThis.crypto.randomUUID()),
      processEnv: (n) => this.ctx.processEnv[n],
      dotenv: (n) => this.dotenv(range())[n],
      shared: (n) => {
        const hit = lookupEnv(this.env, SHARED_ENV, n);
        if (!hit) return undefined;
        const r = this.envValue(`shared:${n}`, hit.value, hit.isPrivate, range());
        return r.found ? r.value : undefined;
      },
      variable: (n) => {
        const r = this.lookup(n, range());
        return r.found ? r.value : undefined;
      },
    };
  }

  private dotenv(range: Range): Record<string, string> {
    if (!this.dotenvValues) {
      const { values, problems } = loadDotenv(this.ctx);
      for (const p of problems) this.report(range, p.code, p.message, 'warning');
      this.dotenvValues = values;
    }
    return this.dotenvValues;
  }
}

interface FileIndex {
  fileVars: Map<string, FileVariable>;
  requestNames: Set<string>;
  /** Names the file's scripts set (`client.global.set("x", …)`): defined at run time. */
  scriptNames: Set<string>;
}

// A runner resolves every region of one parsed file: index it once, not once per region.
const indexes = new WeakMap<HttpFile, FileIndex>();

/** `client.global.set("name"` / `request.variables.set('name'` in a JetBrains script. */
const SCRIPT_SET = /\b(?:client\.global|request\.variables)\.set\(\s*(["'`])([^"'`]+)\1/g;

function indexOf(file: HttpFile): FileIndex {
  let index = indexes.get(file);
  if (!index) {
    index = { fileVars: new Map(), requestNames: new Set(), scriptNames: new Set() };
    for (const v of file.variables) index.fileVars.set(v.name, v);
    // A `###` title names the request when it has no `@name` (HTTP-SYNTAX.md).
    for (const r of file.regions) {
      const name = r.request ? (r.name ?? r.title) : undefined;
      if (name) index.requestNames.add(name);
      for (const s of r.request?.scripts ?? []) {
        if (s.code === undefined || s.dialect === 'httpyac') continue;
        for (const m of s.code.matchAll(SCRIPT_SET)) index.scriptNames.add(m[2]);
      }
    }
    indexes.set(file, index);
  }
  return index;
}

function isBefore(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/** Position of a reference the parser did not list: counts lines inside the text. */
function rangeAt(t: Text, f: FoundRef): Range {
  const pos = (offset: number) => {
    const before = t.text.slice(0, offset);
    const nl = before.lastIndexOf('\n');
    const lines = before.split('\n').length - 1;
    return lines === 0 ? { line: t.range.start.line, character: t.range.start.character + offset } : { line: t.range.start.line + lines, character: offset - nl - 1 };
  };
  return { start: pos(f.start), end: pos(f.end) };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** encodeURIComponent throws on a lone surrogate (possible in any text a user pastes); send U+FFFD instead. */
function percentEncode(v: string): string {
  return encodeURIComponent(v.replace(LONE_SURROGATE, '\uFFFD'));
}
