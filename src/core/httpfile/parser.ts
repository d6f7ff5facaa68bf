// The `.http` / `.rest` parser: text → HttpFile (see ast.ts, and /shared/HTTP-SYNTAX.md for the dialect).
//
// It never throws: whatever the input, it returns regions plus diagnostics. Diagnostic codes are
// stable; tools and tests match on them, so add new ones, never rename:
//
//   WL_PARSE_HEADER_NAME      error    a line in the header block is not a valid `Name: value` header; when it
//                                      looks like body text the message says a blank line is needed between
//                                      headers and body (reported on the body's first line)
//   WL_PARSE_VAR_UNCLOSED     error    `{{` without `}}` on the same line
//   WL_PARSE_VAR_SYNTAX       error    bad character inside `{{…}}` (points at the character), or `{{}}`
//   WL_PARSE_URL_NO_HOST      (retired) a path-only target (`GET /x`) without a host is the resolver's
//                                      WL_VAR_UNRESOLVED naming `host` (the host often comes from an environment)
//   WL_PARSE_URL_MISSING      error    a method alone on a line, no URL after it
//   WL_PARSE_SCRIPT_UNCLOSED  error    `{%` without `%}`, or an httpYac `{{` block without its `}}` line
//   WL_PARSE_FILE_PATH        error    `<`, `<@` or `<>` with no path after it
//   WL_PARSE_COMMENT_UNCLOSED warning  `/*` or `<!--` never closed in its region (the rest of the region is a comment)
//   WL_PARSE_HEADER_COMMENT   warning  `X: y // note`: the value is kept as written, comment included
//   WL_PARSE_VERSION          warning  `HTTP/x` on the request line other than HTTP/1.0, HTTP/1.1, HTTP/2
//   WL_PARSE_DIRECTIVE        warning  known directive with a bad or missing value (`@timeout soon`)
//                             info     unknown directive, ignored
//   WL_PARSE_NOT_SUPPORTED    info     "not supported: …": constructs kept in the AST but not executed
//                                      (httpYac script blocks, `#if`, GRPC, …)
//   WL_ASSERTION_INVALID      warning  a `??` line that is not a form Wirelane checks (it fails when run)
//   WL_PARSE_TEXT             info     a line before the request that is not a request (prose); ignored
//   WL_PARSE_INTERNAL         error    a parser bug caught at the region boundary (never expected; please report)
//
// Text conventions: a body text part holds whole lines joined with "\n" (CRLF is normalised) and
// no blank lines at its edges; parts stand on their own lines, so the line breaks between two
// parts (one, plus one per blank line, which matters in multipart) follow from their ranges.
// Ranges index into the text as given (a BOM counts as one character on line 0).

import type { Assertion, Body, BodyPart, Directive, FileVariable, Header, HttpFile, ParseDiagnostic, Position, Range, Region, RequestNode, ScriptBlock, Text, VariableRef, WsStep } from './ast';
import { scanVariables } from './varRefs';
import { parseAssertion } from './assertions';

// Positions are most of the AST (a 10,000-request file has ~240,000) and every object it holds is
// work for the garbage collector on each full parse. Within one region, equal positions on a line
// are one shared object (a header's range and its name's range start at the same one). Nothing may
// mutate a position except the incremental parser's shift, which moves each distinct one once.
let posLine = -1;
let posCount = 0;
/** Added to every line: a region split into lines of its own is parsed where it stands in the file. */
let posBase = 0;
const POS_SLOTS = 16;
const posSeen: Position[] = new Array<Position>(POS_SLOTS);

/** Forgets the shared positions: each region parse owns its own (regions move independently). */
function resetPositions(base: number): void {
  posLine = -1;
  posCount = 0;
  posBase = base;
}

function pos(line: number, character: number): Position {
  if (line === posLine) {
    for (let i = 0; i < posCount; i++) {
      const p = posSeen[i];
      if (p.character === character) return p;
    }
  } else {
    posLine = line;
    posCount = 0;
  }
  const p: Position = { line: line + posBase, character };
  if (posCount < POS_SLOTS) posSeen[posCount++] = p;
  return p;
}

export function rangeOf(l1: number, c1: number, l2: number, c2: number): Range {
  return { start: pos(l1, c1), end: pos(l2, c2) };
}

/** A range of its own (for diagnostics built outside a region parse). */
function copyRange(r: Range): Range {
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

/** Lines without their terminators (LF, CRLF or a lone CR, as LSP counts them). */
export interface Lines {
  lines: string[];
}

export function splitLines(text: string): Lines {
  // The native split is several times faster than any loop in JS; CR is the rare case.
  if (text.indexOf('\r') < 0) return { lines: text.split('\n') };
  if (/\r(?!\n)/.test(text)) return { lines: text.split(/\r\n|\r|\n/) };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1);
  }
  return { lines };
}

/** A line of three or more `#` first (after indentation) separates regions; `## x` is a comment. */
export function isSeparator(line: string): boolean {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9 || line.charCodeAt(i) === 0xfeff)) i++;
  return line.charCodeAt(i) === 35 && line.charCodeAt(i + 1) === 35 && line.charCodeAt(i + 2) === 35;
}

/** [start, end, hasSeparator] of every region. A blank preamble before the first `###` is no region. */
export function regionBounds(lines: string[]): Array<[number, number, boolean]> {
  const out: Array<[number, number, boolean]> = [];
  let start = 0;
  let sep = false;
  let preambleHasText = false;
  for (let l = 0; l < lines.length; l++) {
    const c = lines[l].charCodeAt(0);
    // Most lines start with neither `#` nor a blank: one look decides them.
    if (c !== 35 && !isWs(c)) {
      if (!sep && !preambleHasText && lines[l].length > 0) preambleHasText = true;
      continue;
    }
    if (isSeparator(lines[l])) {
      if (sep || preambleHasText) out.push([start, l, sep]);
      start = l;
      sep = true;
    } else if (!sep && !preambleHasText && leadOf(lines[l]) < lines[l].length) {
      preambleHasText = true;
    }
  }
  if (sep || preambleHasText) out.push([start, lines.length, sep]);
  return out;
}

function isBlankChar(c: number): boolean {
  return c === 32 || c === 9 || c === 0xfeff || c === 0xa0 || c === 0x3000 || c === 11 || c === 12 || c === 13;
}

/** The regions of a text: each one's text without the line break that ends it (its cache key), first line and separator. */
export interface Scan {
  keys: string[];
  startLines: number[];
  seps: boolean[];
  lineCount: number;
}

/** Region boundaries straight from the text; undefined when it has lone CRs (then lines are split first). */
export function scanRegions(text: string): Scan | undefined {
  if (text.indexOf('\r') >= 0 && /\r(?!\n)/.test(text)) return undefined;
  const out: Scan = { keys: [], startLines: [], seps: [], lineCount: 0 };
  const n = text.length;
  const push = (from: number, to: number, line: number, sep: boolean): void => {
    // Without the line break that ends it, so a region's key is its lines whether or not it is last.
    let end = to;
    if (end < n) end -= text.charCodeAt(end - 2) === 13 ? 2 : 1;
    out.keys.push(text.slice(from, end));
    out.startLines.push(line);
    out.seps.push(sep);
  };
  let line = 0;
  let pos = 0;
  let start = 0;
  let startLine = 0;
  let sep = false;
  let preambleHasText = false;
  // Bounded: pos strictly increases each turn, or the loop breaks.
  for (;;) {
    const c = text.charCodeAt(pos);
    // Most lines start with neither a blank nor `#`: one look decides them.
    if (c === 35 || isBlankChar(c)) {
      // As isSeparator: only spaces, tabs and a BOM may stand before `###`.
      let i = pos;
      while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 0xfeff)) i++;
      if (text.charCodeAt(i) === 35 && text.charCodeAt(i + 1) === 35 && text.charCodeAt(i + 2) === 35) {
        if (sep || preambleHasText) push(start, pos, startLine, sep);
        start = pos;
        startLine = line;
        sep = true;
      } else if (!sep && !preambleHasText) {
        // As leadOf: text is anything but isWs blanks (and the CR of a CRLF).
        while (i < n && isBlankChar(text.charCodeAt(i))) i++;
        if (i < n && text.charCodeAt(i) !== 10) preambleHasText = true;
      }
    } else if (!sep && pos < n && c !== 10) {
      preambleHasText = true;
    }
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    pos = nl + 1;
    line++;
  }
  if (sep || preambleHasText) push(start, n, startLine, sep);
  out.lineCount = line + 1;
  return out;
}

/** The parse of one region; cached by the incremental parser, keyed by the region's text. */
export interface RegionParse {
  region: Region;
  diagnostics: ParseDiagnostic[];
  /** Directives after the request (`# @name next` just above the next `###`): they belong to the request that follows. */
  carry: Directive[];
  /** The line the region started on when its ranges were computed. */
  baseLine: number;
  /** Every distinct position of the parse (region, carry, diagnostics), gathered when it first moves. */
  positions?: Position[];
}

export const KNOWN_METHODS = new Set([
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'QUERY',
  'GRAPHQL',
  'GRPC',
  'WEBSOCKET',
  'WS',
  'WSS',
  'SSE',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'SEARCH',
  'PURGE',
  'LINK',
  'UNLINK',
  'REPORT',
  'MKCALENDAR',
  'MQTT',
  'AMQP',
]);
const WS_METHODS = new Set(['WEBSOCKET', 'WS', 'WSS']);
const UNSUPPORTED_METHODS = new Set(['GRPC', 'SSE', 'MQTT', 'AMQP']);

const SCHEME = /^[A-Za-z][A-Za-z0-9+.\-]*:\/\//;
// A URL-only line (no method) must look like one; prose at the top of a file must not become a GET.
const URL_ONLY = /^(?:[A-Za-z][A-Za-z0-9+.\-]*:\/\/\S|localhost(?:[:/?#]|$)|\d{1,3}(?:\.\d{1,3}){3}(?:[:/?#]|$)|\[[0-9A-Fa-f:.]+\]|\{\{)/;
// After a custom (unknown) method, a target must look like one too: `TODO fix this` is prose.
const TARGET = /^(?:\/|\*$|\*\s|\{\{|\[|[A-Za-z][A-Za-z0-9+.\-]*:\/\/|localhost\b|\d{1,3}(?:\.\d{1,3}){3}|[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:[/?#\s]|$)|[\w-]+:\d+(?:[/?#\s]|$))/;
// Matched by hand in methodLineBlanks (kept here as its definition): /^([A-Za-z][A-Za-z0-9_\-]*)([ \t]+)(\S.*)$/
const VERSION_SUFFIX = /[ \t]+HTTP\/(\d+(?:\.\d+)?)[ \t]*$/i;
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIRECTIVE = /^(\s*)(?:#|\/\/)\s*@([A-Za-z][\w.\-]*)(.*)$/;
const FILE_VARIABLE = /^(\s*)@([^\s=]+)\s*=\s?(.*)$/;
// `< ./file`, `<@ ./file`, `<@latin1 ./file`; not `<a href=…>` in an HTML body.
const FILE_LINE = /^<(?:@[\w-]*)?\s+\S/;
const SAVED_RESPONSE = /^\s*HTTP\/\d(?:\.\d)?\s+\d{3}(?:\s|$)/;
const HTTPYAC_BLOCK = /^\s*\{\{[@+]?[\w\-]*\s*$/;
const TEMPLATE_LINE = /^\s*#(if|else|elif|endif|region|endregion|define|undef)\b/;
const KULALA_LINE = /^\s*(import|run)\s+\S/;

const DIRECTIVES_KNOWN = new Set(['name', 'no-redirect', 'no-cookie-jar', 'timeout', 'connection', 'insecure', 'note', 'keep-open', 'title', 'description', 'import', 'prompt', 'run']);
const DIRECTIVES_KEPT = new Set([
  'ref',
  'forceRef',
  'loop',
  'sleep',
  'disabled',
  'jwt',
  'no-log',
  'save',
  'openWith',
  'extension',
  'verbose',
  'debug',
  'no-reject-unauthorized',
  'noRejectUnauthorized',
  'injectVariables',
  'keepStreaming',
  'ratelimit',
  'no-response-view',
  'no-client-cert',
  'proxy',
  'use',
  'responseRef',
  'connection-timeout',
  'no-auto-encoding',
  'grpc-reflection',
  'documentation',
  'summary',
  'tags',
  'curl',
  'graphql',
  'env',
  'output',
]);

interface Ctx {
  lines: string[];
  diags: ParseDiagnostic[];
}

function diag(ctx: Ctx, range: Range, severity: ParseDiagnostic['severity'], code: string, message: string): void {
  ctx.diags.push({ range, severity, code, message });
}

// Hot paths scan char codes instead of trimming: the language server parses on every keystroke
// and each trimmed copy is garbage.
function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 0xfeff || c === 0xa0 || c === 0x3000 || c === 11 || c === 12;
}

/** Index of the first non-blank character (line.length when blank). */
export function leadOf(line: string): number {
  let i = 0;
  while (i < line.length && isWs(line.charCodeAt(i))) i++;
  return i;
}

/** Length without trailing blanks. */
export function endOf(line: string): number {
  let i = line.length;
  while (i > 0 && isWs(line.charCodeAt(i - 1))) i--;
  return i;
}

/** What String.prototype.trim removes (WhiteSpace and LineTerminator), so hand-made trims agree with it. */
function isJsWs(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** line.length - line.trimStart().length, without the copy. */
function jsLeadOf(line: string): number {
  let i = 0;
  while (i < line.length && isJsWs(line.charCodeAt(i))) i++;
  return i;
}

/** line.trimEnd().length, without the copy. */
function jsEndOf(line: string): number {
  let i = line.length;
  while (i > 0 && isJsWs(line.charCodeAt(i - 1))) i--;
  return i;
}

function lineRange(ctx: Ctx, l: number): Range {
  const line = ctx.lines[l];
  return rangeOf(l, leadOf(line), l, endOf(line));
}

function isBlank(s: string): boolean {
  return leadOf(s) === s.length;
}

function isCommentAt(line: string, i: number): boolean {
  const c = line.charCodeAt(i);
  return c === 35 || (c === 47 && line.charCodeAt(i + 1) === 47);
}

function makeText(ctx: Ctx, first: number, last: number, trimFirstLead = false): Text {
  if (first === last) {
    const line = ctx.lines[first];
    return inlineText(ctx, first, trimFirstLead ? leadOf(line) : 0, line.length);
  }
  const mark = VARS.length;
  const parts: string[] = [];
  let startCol = 0;
  for (let l = first; l <= last; l++) {
    const line = ctx.lines[l];
    let from = 0;
    if (l === first && trimFirstLead) {
      from = line.length - line.trimStart().length;
      startCol = from;
    }
    parts.push(from ? line.slice(from) : line);
    if (line.indexOf('{{', from) >= 0) scanVariables(line, l, from, line.length, VARS, ctx.diags, pos);
  }
  return { text: parts.join('\n'), range: rangeOf(first, startCol, last, ctx.lines[last].length), variables: takeSince(VARS, mark) };
}

/** Text on one line between two columns. */
function inlineText(ctx: Ctx, l: number, from: number, to: number): Text {
  const line = ctx.lines[l];
  let variables: VariableRef[] = NO_VARIABLES;
  const open = line.indexOf('{{', from);
  const range = rangeOf(l, from, l, to);
  if (open >= 0 && open < to) {
    const mark = VARS.length;
    scanVariables(line, l, from, to, VARS, ctx.diags, pos);
    variables = takeSince(VARS, mark);
  }
  return { text: line.slice(from, to), range, variables };
}

// Empty lists are one shared frozen array: a 10,000-request file has ~100,000 of them, and every
// object the AST holds is work for the garbage collector on each keystroke. Never push to AST lists.
const EMPTY: readonly never[] = Object.freeze([]);
const NO_VARIABLES = EMPTY as unknown as VariableRef[];

function none<T>(): T[] {
  return EMPTY as unknown as T[];
}

/** The list itself, or a fresh one in place of the shared empty list. */
function own<T>(a: T[]): T[] {
  return (a as unknown) === EMPTY ? [] : a;
}

// The most numerous lists (variable references, headers) are collected at the end of a reused
// scratch array and copied out at their exact size, so they leave no garbage either. The scratch
// arrays keep a base of placeholders: truncating back to it never shrinks their storage.
const SCRATCH_BASE = 64;
const VARS: VariableRef[] = new Array<VariableRef>(SCRATCH_BASE).fill(undefined as unknown as VariableRef);
const HEADERS: Header[] = new Array<Header>(SCRATCH_BASE).fill(undefined as unknown as Header);

/** The items pushed onto `scratch` since it had length `mark`, as a list of their own; truncates back to `mark`. */
function takeSince<T>(scratch: T[], mark: number): T[] {
  if (scratch.length === mark) return none();
  const out = scratch.slice(mark);
  scratch.length = mark;
  return out;
}

/**
 * The list to keep in the AST: the shared empty list, or an exact-size copy. A list grown by push
 * keeps spare room (17 slots for one element); the copy is young garbage, the spare room would be
 * old and copied by every garbage collection that moves the AST.
 */
function fit<T>(a: T[]): T[] {
  return a.length === 0 ? none() : a.slice();
}

function parseTitle(line: string): string | undefined {
  // `### login`, `###login`, `### ==== Users ====`, `### ── Section ──`, `### Title ###`, `#########`
  // The bounds of line.trim().replace(/^#+/, '').replace(/#+$/, '').trim(), found without copies.
  let i = jsLeadOf(line);
  let j = jsEndOf(line);
  while (i < j && line.charCodeAt(i) === 35) i++;
  while (j > i && line.charCodeAt(j - 1) === 35) j--;
  while (i < j && isJsWs(line.charCodeAt(i))) i++;
  while (j > i && isJsWs(line.charCodeAt(j - 1))) j--;
  let plain = true;
  for (let k = i; k < j && plain; k++) {
    const c = line.charCodeAt(k);
    // [\w ()'",]
    plain = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 32 || c === 40 || c === 41 || c === 39 || c === 34 || c === 44;
  }
  if (plain) return j > i ? line.slice(i, j) : undefined;
  const t = line.slice(i, j);
  const cleaned = t
    .replace(/^[\s=\-–—_*~+─━═│┃|<>.:·•#]+/u, '')
    .replace(/[\s=\-–—_*~+─━═│┃|<>.:·•#]+$/u, '')
    .trim();
  return cleaned.length > 0 ? cleaned : undefined;
}

function parseDirective(ctx: Ctx, l: number, out: Directive[]): boolean {
  const line = ctx.lines[l];
  const m = DIRECTIVE.exec(line);
  if (!m) return false;
  const name = m[2];
  const nameStart = line.indexOf('@', m[1].length) + 1;
  const nameRange = rangeOf(l, nameStart, l, nameStart + name.length);
  let rest = m[3];
  let valueStart = nameStart + name.length;
  // `@name = login` and `@name login` both mean the same.
  const lead = rest.length - rest.trimStart().length;
  rest = rest.slice(lead);
  valueStart += lead;
  if (rest.startsWith('=')) {
    const after = rest.slice(1);
    const lead2 = after.length - after.trimStart().length;
    rest = after.slice(lead2);
    valueStart += 1 + lead2;
  }
  const value = rest.trimEnd();
  const d: Directive = { name, value, range: lineRange(ctx, l), nameRange };
  if (value.length > 0) d.valueRange = rangeOf(l, valueStart, l, valueStart + value.length);
  out.push(d);
  checkDirective(ctx, d);
  return true;
}

function checkDirective(ctx: Ctx, d: Directive): void {
  const r = copyRange(d.range);
  if (DIRECTIVES_KNOWN.has(d.name)) {
    if (d.name === 'name' && !d.value) diag(ctx, r, 'warning', 'WL_PARSE_DIRECTIVE', '`@name` needs a value: `# @name login`');
    else if (d.name === 'name' && /\s/.test(d.value))
      diag(ctx, r, 'warning', 'WL_PARSE_DIRECTIVE', `request name "${d.value}" has spaces; chaining refers to names like \`{{${d.value.split(/\s/)[0]}.response.body.$}}\``);
    else if (d.name === 'timeout' && !/^\d+(?:\s*(?:ms|s|m))?$/.test(d.value))
      diag(ctx, r, 'warning', 'WL_PARSE_DIRECTIVE', `\`@timeout\` needs milliseconds, e.g. \`# @timeout 5000\` (got "${d.value}")`);
    else if (d.name === 'connection' && !/^(new|close|reuse)$/.test(d.value)) diag(ctx, r, 'warning', 'WL_PARSE_DIRECTIVE', `\`@connection\` is new, close or reuse (got "${d.value}")`);
  } else if (DIRECTIVES_KEPT.has(d.name)) {
    diag(ctx, r, 'info', 'WL_PARSE_NOT_SUPPORTED', `not supported: directive \`@${d.name}\` is kept but has no effect`);
  } else {
    diag(ctx, r, 'info', 'WL_PARSE_DIRECTIVE', `unknown directive \`@${d.name}\`: ignored`);
  }
}

/** `/* … *\/` or `<!-- … -->` starting on line l: returns the line after the block. */
function skipBlockComment(ctx: Ctx, l: number, end: number, close: string): number {
  const first = ctx.lines[l];
  const open = first.trimStart().startsWith('/*') ? '/*' : '<!--';
  if (first.indexOf(close, first.indexOf(open) + open.length) >= 0) return l + 1;
  for (let k = l + 1; k < end; k++) if (ctx.lines[k].indexOf(close) >= 0) return k + 1;
  diag(ctx, lineRange(ctx, l), 'warning', 'WL_PARSE_COMMENT_UNCLOSED', `\`${open}\` is not closed by \`${close}\` before the next \`###\`: the rest of the region is a comment`);
  return end;
}

/** `{% … %}` starting at (l, col of `{%`): the script and the line after it. */
function readScript(ctx: Ctx, l: number, open: number, end: number, kind: ScriptBlock['kind']): { script: ScriptBlock; next: number } {
  const first = ctx.lines[l];
  const startCol = first.length - first.trimStart().length;
  const sameLine = first.indexOf('%}', open + 2);
  if (sameLine >= 0) {
    return { script: { kind, code: first.slice(open + 2, sameLine).trim(), range: rangeOf(l, startCol, l, sameLine + 2) }, next: l + 1 };
  }
  const code: string[] = [first.slice(open + 2)];
  for (let k = l + 1; k < end; k++) {
    const line = ctx.lines[k];
    const close = line.indexOf('%}');
    if (close >= 0) {
      code.push(line.slice(0, close));
      return { script: { kind, code: trimLines(code.join('\n')), range: rangeOf(l, startCol, k, close + 2) }, next: k + 1 };
    }
    code.push(line);
  }
  diag(ctx, rangeOf(l, open, l, open + 2), 'error', 'WL_PARSE_SCRIPT_UNCLOSED', '`{%` is not closed: `%}` is missing before the next `###`');
  const last = end - 1;
  return { script: { kind, code: trimLines(code.join('\n')), range: rangeOf(l, startCol, last, ctx.lines[last].length) }, next: end };
}

/** httpYac `{{` … `}}` block (each on its own line). */
function readHttpyacBlock(ctx: Ctx, l: number, end: number, kind: ScriptBlock['kind']): { script: ScriptBlock; next: number } {
  const startCol = ctx.lines[l].length - ctx.lines[l].trimStart().length;
  const code: string[] = [];
  for (let k = l + 1; k < end; k++) {
    if (ctx.lines[k].trim() === '}}') {
      diag(ctx, rangeOf(l, startCol, l, ctx.lines[l].trimEnd().length), 'info', 'WL_PARSE_NOT_SUPPORTED', 'not supported: httpYac script block `{{ … }}` is kept but not run');
      return { script: { kind, code: code.join('\n'), range: rangeOf(l, startCol, k, ctx.lines[k].trimEnd().length), dialect: 'httpyac' }, next: k + 1 };
    }
    code.push(ctx.lines[k]);
  }
  diag(ctx, lineRange(ctx, l), 'error', 'WL_PARSE_SCRIPT_UNCLOSED', 'script block `{{` is not closed: a line with `}}` is missing before the next `###`');
  const last = end - 1;
  return { script: { kind, code: code.join('\n'), range: rangeOf(l, startCol, last, ctx.lines[last].length), dialect: 'httpyac' }, next: end };
}

/** The script between `{%` and `%}` without the empty first and last lines those leave. */
function trimLines(s: string): string {
  return s.replace(/^[ \t]*\n/, '').replace(/\n[ \t]*$/, '');
}

interface RequestLine {
  method: string;
  methodRange: Range;
  urlFrom: number;
  urlTo: number;
  version?: RequestNode['httpVersion'];
  versionRange?: Range;
  websocket: boolean;
}

/** Splits a trailing ` HTTP/1.1` off [from, to) of line l. Returns the new `to`. */
function stripVersion(ctx: Ctx, l: number, from: number, to: number, into: RequestLine): number {
  const line = ctx.lines[l];
  // VERSION_SUFFIX ends in a digit and optional spaces or tabs: most lines are out at a glance.
  let last = to - 1;
  while (last >= from && (line.charCodeAt(last) === 32 || line.charCodeAt(last) === 9)) last--;
  const d = line.charCodeAt(last);
  if (last < from || d < 48 || d > 57) return to;
  const m = VERSION_SUFFIX.exec(line.slice(from, to));
  if (!m) return to;
  const vStart = from + m.index + (m[0].length - m[0].trimStart().length);
  const vText = m[0].trim();
  const vEnd = vStart + vText.length;
  const num = m[1];
  if (num === '1.0') into.version = 'HTTP/1.0';
  else if (num === '1.1') into.version = 'HTTP/1.1';
  else if (num === '2' || num === '2.0') into.version = 'HTTP/2';
  else diag(ctx, rangeOf(l, vStart, l, vEnd), 'warning', 'WL_PARSE_VERSION', `${vText} is not supported; use HTTP/1.0, HTTP/1.1 or HTTP/2 (the version is ignored)`);
  if (into.version) into.versionRange = rangeOf(l, vStart, l, vEnd);
  return from + m.index;
}

/** The request line on line l, or undefined when the line is something else (prose). */
function matchRequestLine(ctx: Ctx, l: number): RequestLine | 'no-url' | undefined {
  const line = ctx.lines[l];
  const lead = jsLeadOf(line);
  const end = Math.max(lead, jsEndOf(line));
  if (end === lead) return undefined;
  const t = line.slice(lead, end);
  if (URL_ONLY.test(t)) {
    const ws = /^wss?:\/\//i.test(t);
    const rl: RequestLine = { method: ws ? 'WEBSOCKET' : 'GET', methodRange: rangeOf(l, lead, l, lead), urlFrom: lead, urlTo: end, websocket: ws };
    rl.urlTo = stripVersion(ctx, l, lead, end, rl);
    return rl;
  }
  // METHOD_LINE by hand: one request line per region, and exec's match array and groups are garbage.
  const blanks = methodLineBlanks(t);
  if (blanks < 0) {
    if (KNOWN_METHODS.has(t)) return 'no-url';
    return undefined;
  }
  const method = t.slice(0, blanks);
  const upper = method.toUpperCase();
  let restFrom = blanks;
  while (t.charCodeAt(restFrom) === 32 || t.charCodeAt(restFrom) === 9) restFrom++;
  const known = KNOWN_METHODS.has(upper);
  const isUpper = method === upper;
  const ok = (known && isUpper) || ((known || (isUpper && method.length >= 2)) && TARGET.test(t.slice(restFrom)));
  if (!ok) return undefined;
  const urlFrom = lead + restFrom;
  const rl: RequestLine = {
    method: isUpper ? method : upper,
    methodRange: rangeOf(l, lead, l, lead + method.length),
    urlFrom,
    urlTo: end,
    websocket: WS_METHODS.has(upper),
  };
  rl.urlTo = stripVersion(ctx, l, urlFrom, end, rl);
  if (rl.urlTo <= urlFrom) return 'no-url';
  return rl;
}

/** Where METHOD_LINE's method ends in t (its blanks start), or -1 when t does not match METHOD_LINE. */
function methodLineBlanks(t: string): number {
  const n = t.length;
  let c = t.charCodeAt(0);
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return -1;
  let k = 1;
  for (; k < n; k++) {
    c = t.charCodeAt(k);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45)) break;
  }
  const blanks = k;
  while (k < n && (t.charCodeAt(k) === 32 || t.charCodeAt(k) === 9)) k++;
  // ([ \t]+)(\S.*)$: at least one blank, then a non-blank, then no line terminator up to the end.
  if (k === blanks || k >= n || isJsWs(t.charCodeAt(k))) return -1;
  for (; k < n; k++) {
    c = t.charCodeAt(k);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return -1;
  }
  return blanks;
}

function targetKind(url: string): RequestNode['target'] {
  if (SCHEME.test(url)) return 'absolute';
  if (url.startsWith('/')) return 'path';
  if (url.startsWith('{{')) return 'variable';
  if (url === '*') return 'asterisk';
  return 'no-scheme';
}

/** Body-side lines that may follow the headers without a blank line. */
function isAfterRequestLine(line: string, lead: number): boolean {
  const c = line.charCodeAt(lead);
  if (c !== 62 && c !== 60 && c !== 63 && c !== 61 && c !== 72 && c !== 123) return false;
  const t = line.slice(lead);
  if (c === 62 /* > */) return true; // `> {% %}`, `> file.js`, `>> out.json`
  if (c === 60 /* < */) return t.startsWith('<>') || FILE_LINE.test(t); // `<> ref`, `< file`, `<@ file`
  if (c === 63 && t.charCodeAt(1) === 63) return true; // `??`
  if (c === 61 && t.startsWith('===')) return true;
  return SAVED_RESPONSE.test(t) || HTTPYAC_BLOCK.test(t);
}

function looksLikeBodyText(t: string, name: string): boolean {
  return /^[{["'<\d-]/.test(t) || /["{}[\]]/.test(name);
}

/**
 * Parses lines [start, end) of `lines` as one region. With `lineOffset`, line l of `lines` is line
 * l + lineOffset of the file (a region split into lines of its own).
 */
export function parseRegion(lines: string[], start: number, end: number, hasSeparator: boolean, lineOffset = 0): RegionParse {
  resetPositions(lineOffset);
  // After an internal error a list may have been left half collected.
  if (VARS.length > SCRATCH_BASE) VARS.length = SCRATCH_BASE;
  if (HEADERS.length > SCRATCH_BASE) HEADERS.length = SCRATCH_BASE;
  const ctx: Ctx = { lines, diags: [] };
  const directives: Directive[] = [];
  const variables: FileVariable[] = [];
  const pending: ScriptBlock[] = [];
  const region: Region = {
    range: rangeOf(start, 0, Math.max(start, end - 1), lines[Math.max(start, end - 1)]?.length ?? 0),
    directives,
    variables,
  };
  const result: RegionParse = { region, diagnostics: ctx.diags, carry: none(), baseLine: start + lineOffset, positions: undefined };
  try {
    let l = start;
    if (hasSeparator) {
      const title = parseTitle(lines[start]);
      if (title !== undefined) region.title = title;
      l++;
    }
    let req: RequestLine | undefined;
    for (; l < end; l++) {
      const line = lines[l];
      const lead = leadOf(line);
      if (lead === line.length) continue;
      if (line.startsWith('/*', lead)) {
        l = skipBlockComment(ctx, l, end, '*/') - 1;
        continue;
      }
      if (line.startsWith('<!--', lead)) {
        l = skipBlockComment(ctx, l, end, '-->') - 1;
        continue;
      }
      if (isCommentAt(line, lead)) {
        if (line.charCodeAt(lead) === 35 && TEMPLATE_LINE.test(line)) {
          const t = line.trim();
          diag(ctx, lineRange(ctx, l), 'info', 'WL_PARSE_NOT_SUPPORTED', `not supported: template line \`${t.split(/\s/)[0]}\` is read as a comment (both branches are parsed)`);
        } else parseDirective(ctx, l, directives);
        continue;
      }
      // The trimmed line is copied only for the rare lines that need it (not the request line).
      const tEnd = endOf(line);
      const c = line.charCodeAt(lead);
      if (c === 64 /* @ */) {
        const m = FILE_VARIABLE.exec(line);
        if (m) {
          const nameStart = m[1].length + 1;
          const value = m[3].trimEnd();
          const valueStart = value.length === 0 ? line.trimEnd().length : line.length - m[3].length;
          const v: FileVariable = {
            name: m[2],
            nameRange: rangeOf(l, nameStart, l, nameStart + m[2].length),
            value: inlineText(ctx, l, valueStart, valueStart + value.length),
            range: lineRange(ctx, l),
          };
          variables.push(v);
          continue;
        }
      }
      if (c === 60 && /^<\s*\{%/.test(line.slice(lead, tEnd))) {
        const { script, next } = readScript(ctx, l, line.indexOf('{%'), end, 'pre-request');
        pending.push(script);
        l = next - 1;
        continue;
      }
      if (c === 60 && /^<\s+\S/.test(line.slice(lead, tEnd))) {
        const from = line.indexOf('<') + 1;
        const file = line.slice(from).trim();
        pending.push({ kind: 'pre-request', file, range: lineRange(ctx, l) });
        continue;
      }
      // The regular expressions below can only match after a `{`, `i`, `r` or a blank that isWs does not trim.
      const rare = isJsWs(c);
      if ((c === 123 || rare) && HTTPYAC_BLOCK.test(line.slice(lead, tEnd))) {
        const { script, next } = readHttpyacBlock(ctx, l, end, 'pre-request');
        pending.push(script);
        l = next - 1;
        continue;
      }
      if ((c === 105 || c === 114 || rare) && KULALA_LINE.test(line.slice(lead, tEnd))) {
        // Kulala's `import ./a.http` / `run #name`: kept as the `@import` / `@run` directives they mean.
        const km = /^(\s*)(import|run)(\s+)/.exec(line.slice(lead, tEnd))!;
        const from = lead + km[1].length;
        const vs = from + km[2].length + km[3].length;
        directives.push({ name: km[2], value: line.slice(vs, tEnd), range: lineRange(ctx, l), nameRange: rangeOf(l, from, l, from + km[2].length), valueRange: rangeOf(l, vs, l, tEnd) });
        continue;
      }
      const m = matchRequestLine(ctx, l);
      if (m === 'no-url') {
        const t = line.slice(lead, tEnd);
        diag(ctx, lineRange(ctx, l), 'error', 'WL_PARSE_URL_MISSING', `\`${t}\` has no URL: write \`${t} https://host/path\``);
        continue;
      }
      if (m) {
        req = m;
        break;
      }
      diag(ctx, lineRange(ctx, l), 'info', 'WL_PARSE_TEXT', 'text ignored: not a request line (a line with only a URL needs a scheme, localhost, an IP address or a {{variable}} first)');
    }
    if (!req) {
      for (const s of pending) if (!s.dialect) diag(ctx, copyRange(s.range), 'info', 'WL_PARSE_NOT_SUPPORTED', 'pre-request script with no request after it in this region: ignored');
      return result;
    }
    region.request = parseRequest(ctx, req, l, end, pending, result);
    const nameDirective = lastName(directives);
    if (nameDirective?.valueRange) {
      region.name = nameDirective.value;
      region.nameRange = nameDirective.valueRange;
    }
  } catch (err) {
    // Defence in depth: the parser must never throw, whatever a fuzzer finds.
    diag(ctx, rangeOf(start, 0, start, 0), 'error', 'WL_PARSE_INTERNAL', `internal parser error in this region: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    region.directives = fit(directives);
    region.variables = fit(variables);
    result.diagnostics = fit(ctx.diags);
    resetPositions(0);
  }
  return result;
}

function lastName(ds: Directive[]): Directive | undefined {
  for (let i = ds.length - 1; i >= 0; i--) if (ds[i].name === 'name' && ds[i].value) return ds[i];
  return undefined;
}

function parseRequest(ctx: Ctx, rl: RequestLine, reqLine: number, end: number, pending: ScriptBlock[], result: RegionParse): RequestNode {
  const lines = ctx.lines;
  // Trailing comment lines after a blank line belong to what follows (`# @name next` above `###`).
  let contentEnd = end;
  while (contentEnd > reqLine + 1 && isBlank(lines[contentEnd - 1])) contentEnd--;
  let tail = contentEnd;
  while (tail > reqLine + 1 && isCommentAt(lines[tail - 1], leadOf(lines[tail - 1]))) tail--;
  if (tail < contentEnd && tail > reqLine + 1 && isBlank(lines[tail - 1]) && !insideScript(lines, reqLine, tail)) {
    const carry: Directive[] = [];
    for (let k = tail; k < contentEnd; k++) parseDirective(ctx, k, carry);
    if (carry.length > 0) result.carry = fit(carry);
    contentEnd = tail;
    while (contentEnd > reqLine + 1 && isBlank(lines[contentEnd - 1])) contentEnd--;
  }

  // URL, with `?` / `&` continuation lines joined.
  const urlMark = VARS.length;
  const line0 = lines[reqLine];
  let urlText = line0.slice(rl.urlFrom, rl.urlTo);
  const urlStart = pos(reqLine, rl.urlFrom);
  if (urlText.indexOf('{{') >= 0) scanVariables(line0, reqLine, rl.urlFrom, rl.urlTo, VARS, ctx.diags, pos);
  let urlEnd = pos(reqLine, rl.urlTo);
  let l = reqLine + 1;
  while (l < contentEnd) {
    const line = lines[l];
    const from = leadOf(line);
    const c0 = line.charCodeAt(from);
    if (!((c0 === 63 && line.charCodeAt(from + 1) !== 63) || c0 === 38)) break;
    let to = endOf(line);
    if (!rl.version) to = stripVersion(ctx, l, from, to, rl);
    urlText += line.slice(from, to);
    if (line.indexOf('{{', from) >= 0) scanVariables(line, l, from, to, VARS, ctx.diags, pos);
    urlEnd = pos(l, to);
    l++;
  }
  const url: Text = { text: urlText, range: { start: urlStart, end: urlEnd }, variables: takeSince(VARS, urlMark) };
  const node: RequestNode = {
    kind: rl.websocket ? 'websocket' : 'http',
    range: rangeOf(reqLine, leadOf(lines[reqLine]), Math.max(reqLine, contentEnd - 1), lines[Math.max(reqLine, contentEnd - 1)].length),
    method: rl.method,
    methodRange: rl.methodRange,
    url,
    target: targetKind(urlText),
    headers: none(),
    wsSteps: none(),
    scripts: pending.length > 0 ? pending : none(),
    assertions: none(),
    responseRefs: none(),
    savedResponses: none(),
  };
  if (rl.version) {
    node.httpVersion = rl.version;
    node.versionRange = rl.versionRange;
  }
  if (UNSUPPORTED_METHODS.has(rl.method.toUpperCase())) {
    diag(ctx, copyRange(rl.methodRange), 'info', 'WL_PARSE_NOT_SUPPORTED', `not supported: ${rl.method} requests are parsed but not sent`);
  }

  // Headers until the first blank line.
  const headerMark = HEADERS.length;
  let bodyStart = -1;
  for (; l < contentEnd; l++) {
    const line = lines[l];
    const lead = leadOf(line);
    if (lead === line.length) {
      l++;
      break;
    }
    if (isCommentAt(line, lead)) continue;
    // A `/* … */` note right under the headers is a comment, as it is above the request line.
    if (line.startsWith('/*', lead)) {
      l = skipBlockComment(ctx, l, contentEnd, '*/') - 1;
      continue;
    }
    if (isAfterRequestLine(line, lead)) {
      bodyStart = l;
      break;
    }
    const colon = line.indexOf(':', lead);
    let nameEnd = colon;
    while (nameEnd > lead && isWs(line.charCodeAt(nameEnd - 1))) nameEnd--;
    const name = colon >= 0 ? line.slice(lead, nameEnd) : '';
    if (colon > lead && HEADER_TOKEN.test(name.indexOf('{') >= 0 ? name.replace(/\{\{[^}]*\}\}/g, 'x') : name)) {
      let vFrom = colon + 1;
      while (vFrom < line.length && isWs(line.charCodeAt(vFrom))) vFrom++;
      const vTo = Math.max(vFrom, endOf(line));
      const header: Header = {
        name,
        nameRange: rangeOf(l, lead, l, lead + name.length),
        value: inlineText(ctx, l, vFrom, vTo),
        range: rangeOf(l, lead, l, vTo),
      };
      HEADERS.push(header);
      const cm = line.indexOf('//', vFrom) >= 0 || line.indexOf('#', vFrom) >= 0 ? /\s(\/\/|#)\s/.exec(line.slice(vFrom, vTo)) : null;
      if (cm) {
        const at = vFrom + cm.index + 1;
        diag(ctx, rangeOf(l, at, l, vTo), 'warning', 'WL_PARSE_HEADER_COMMENT', `\`${cm[1]}\` after a header value is not a comment: the value is sent as written, "${line.slice(vFrom, vTo)}"`);
      }
      continue;
    }
    const r = lineRange(ctx, l);
    const t = line.slice(lead, endOf(line));
    if (colon < 0 || looksLikeBodyText(t, name)) {
      diag(ctx, r, 'error', 'WL_PARSE_HEADER_NAME', `"${clip(t)}" is not a header (it looks like the body): a blank line is needed between headers and body`);
      bodyStart = l;
      break;
    }
    diag(ctx, r, 'error', 'WL_PARSE_HEADER_NAME', `invalid header name "${clip(name)}": a header name is letters, digits and !#$%&'*+-.^_\`|~ without spaces`);
  }
  node.headers = takeSince(HEADERS, headerMark);
  if (bodyStart < 0) bodyStart = l;
  while (bodyStart < contentEnd && isBlank(lines[bodyStart])) bodyStart++;
  if (bodyStart < contentEnd) parseBody(ctx, node, bodyStart, contentEnd);
  node.wsSteps = fit(node.wsSteps);
  node.scripts = fit(node.scripts);
  node.assertions = fit(node.assertions);
  node.responseRefs = fit(node.responseRefs);
  node.savedResponses = fit(node.savedResponses);
  return node;
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}

function insideScript(lines: string[], from: number, to: number): boolean {
  let open = false;
  for (let k = from; k < to; k++) {
    const line = lines[k];
    const o = line.lastIndexOf('{%');
    const c = line.lastIndexOf('%}');
    if (o >= 0 && o > c) open = true;
    else if (c >= 0) open = false;
  }
  return open;
}

interface BodyState {
  ctx: Ctx;
  node: RequestNode;
  parts: BodyPart[];
  ws: boolean;
  chunk: number;
  chunkLast: number;
}

function flush(st: BodyState): void {
  if (st.chunk < 0) return;
  if (st.ws) {
    const text = makeText(st.ctx, st.chunk, st.chunkLast);
    (st.node.wsSteps = own(st.node.wsSteps)).push({ kind: 'send', text, range: text.range });
  } else {
    st.parts.push({ kind: 'text', text: makeText(st.ctx, st.chunk, st.chunkLast) });
  }
  st.chunk = -1;
  st.chunkLast = -1;
}

function parseBody(ctx: Ctx, node: RequestNode, from: number, end: number): void {
  const lines = ctx.lines;
  const parts: BodyPart[] = [];
  const ws = node.kind === 'websocket';
  // chunk: first line of the text being collected (-1: none); chunkLast: its last non-blank line.
  const st: BodyState = { ctx, node, parts, ws, chunk: -1, chunkLast: -1 };
  for (let l = from; l < end; l++) {
    const line = lines[l];
    const lead = leadOf(line);
    const c = lead < line.length ? line.charCodeAt(lead) : -1;
    // Only lines starting with = > < ? { H can be anything but body text.
    const special = c === 61 || c === 62 || c === 60 || c === 63 || c === 123 || c === 72;
    const t = special ? line.slice(lead, endOf(line)) : '';
    if (ws && c === 61 && t.startsWith('===')) {
      flush(st);
      const rest = t.slice(3).trim();
      const r = lineRange(ctx, l);
      if (rest === 'wait-for-server') (node.wsSteps = own(node.wsSteps)).push({ kind: 'wait', range: r } as WsStep);
      else if (rest !== '') diag(ctx, r, 'warning', 'WL_PARSE_DIRECTIVE', `unknown WebSocket step "${clip(t)}": use \`===\` or \`=== wait-for-server\``);
      continue;
    }
    if (c === 62 /* > */) {
      flush(st);
      if (t.startsWith('>>')) {
        diag(ctx, lineRange(ctx, l), 'info', 'WL_PARSE_NOT_SUPPORTED', 'not supported: `>>` response output to a file is kept but not written');
        continue;
      }
      const open = line.indexOf('{%');
      if (open >= 0 && /^>\s*\{%/.test(t)) {
        const { script, next } = readScript(ctx, l, open, end, 'response-handler');
        (node.scripts = own(node.scripts)).push(script);
        l = next - 1;
      } else {
        const file = t.slice(1).trim();
        (node.scripts = own(node.scripts)).push({ kind: 'response-handler', file, range: lineRange(ctx, l) });
      }
      continue;
    }
    if (c === 60 /* < */ && t.startsWith('<>')) {
      flush(st);
      const path = t.slice(2).trim();
      if (!path) diag(ctx, lineRange(ctx, l), 'error', 'WL_PARSE_FILE_PATH', '`<>` needs the path of a saved response');
      else (node.responseRefs = own(node.responseRefs)).push({ path, range: lineRange(ctx, l) });
      continue;
    }
    if (c === 60 && (t === '<' || t === '<@' || FILE_LINE.test(t)) && !ws) {
      flush(st);
      const lt = line.indexOf('<');
      const substitute = line.charCodeAt(lt + 1) === 64;
      let p = lt + 1;
      while (p < line.length && !/\s/.test(line.charAt(p))) p++;
      while (p < line.length && /\s/.test(line.charAt(p))) p++;
      const pEnd = line.trimEnd().length;
      if (p >= pEnd) {
        diag(ctx, lineRange(ctx, l), 'error', 'WL_PARSE_FILE_PATH', '`<` needs a file path: `< ./body.json`');
        continue;
      }
      parts.push({ kind: 'file', path: inlineText(ctx, l, p, pEnd), substitute, range: lineRange(ctx, l) });
      continue;
    }
    if (c === 63 && t.charCodeAt(1) === 63) {
      flush(st);
      const a: Assertion = { text: t.slice(2).trim(), range: lineRange(ctx, l) };
      (node.assertions = own(node.assertions)).push(a);
      const checked = parseAssertion(a.text);
      if (!checked.ok) diag(ctx, copyRange(a.range), 'warning', 'WL_ASSERTION_INVALID', checked.message);
      continue;
    }
    if (c === 123 && HTTPYAC_BLOCK.test(t)) {
      flush(st);
      const { script, next } = readHttpyacBlock(ctx, l, end, 'response-handler');
      (node.scripts = own(node.scripts)).push(script);
      l = next - 1;
      continue;
    }
    if (c === 72 /* H */ && SAVED_RESPONSE.test(t)) {
      flush(st);
      let k = l + 1;
      while (k < end && !SAVED_RESPONSE.test(lines[k])) k++;
      let last = k - 1;
      while (last > l && isBlank(lines[last])) last--;
      (node.savedResponses = own(node.savedResponses)).push(rangeOf(l, lines[l].length - lines[l].trimStart().length, last, lines[last].length));
      l = k - 1;
      continue;
    }
    if (st.chunk < 0) {
      if (c < 0) continue;
      st.chunk = l;
    }
    if (c >= 0) st.chunkLast = l;
  }
  flush(st);
  if (ws || parts.length === 0) return;
  const startRange = parts[0].kind === 'text' ? parts[0].text.range : parts[0].range;
  const endPart = parts[parts.length - 1];
  const endRange = endPart.kind === 'text' ? endPart.text.range : endPart.range;
  const body: Body = { range: parts.length === 1 ? startRange : { start: startRange.start, end: endRange.end }, parts: fit(parts) };
  node.body = body;
}

/** Joins region parses into a file; applies what depends on neighbours (carried names, Host checks). */
export function assemble(parses: RegionParse[], lineCount: number): HttpFile {
  // Runs on every keystroke over every region: only flags and lengths are read per region.
  const regions: Region[] = new Array<Region>(parses.length);
  const variables: FileVariable[] = [];
  const diagnostics: ParseDiagnostic[] = [];
  let carry: Directive[] = none();
  for (let i = 0; i < parses.length; i++) {
    const p = parses[i];
    const vs = p.region.variables;
    for (let k = 0; k < vs.length; k++) variables.push(vs[k]);
    const ds = p.diagnostics;
    for (let k = 0; k < ds.length; k++) diagnostics.push(ds[k]);
    // Cached regions are handed out as they are; only one that receives carried directives is copied.
    let reg: Region = p.region;
    if (reg.request) {
      if (carry.length > 0) {
        reg = { ...p.region };
        reg.directives = [...carry, ...p.region.directives];
        if (reg.name === undefined) {
          const nd = lastName(carry);
          if (nd?.valueRange) {
            reg.name = nd.value;
            reg.nameRange = copyRange(nd.valueRange);
          }
        }
      }
      carry = p.carry;
    } else if (p.region.directives.length > 0) {
      carry = carry.concat(p.region.directives.filter((d) => d.name !== 'import' && d.name !== 'run'));
    }
    regions[i] = reg;
  }
  if (diagnostics.length > 1) diagnostics.sort(byStart);
  return { regions, variables, diagnostics, lineCount };
}

function byStart(a: ParseDiagnostic, b: ParseDiagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
}

/** Parses a whole file. Never throws. */
export function parseHttpFile(text: string): HttpFile {
  try {
    const source = typeof text === 'string' ? text : String(text);
    const scan = scanRegions(source);
    if (scan) {
      // Region by region, each split into lines of its own: the lines die young instead of
      // living (and being copied by the garbage collector) for the whole parse.
      const parses = new Array<RegionParse>(scan.keys.length);
      for (let i = 0; i < parses.length; i++) {
        const local = splitLines(scan.keys[i]).lines;
        parses[i] = parseRegion(local, 0, local.length, scan.seps[i], scan.startLines[i]);
      }
      return assemble(parses, scan.lineCount);
    }
    const { lines } = splitLines(source);
    const parses = regionBounds(lines).map(([s, e, sep]) => parseRegion(lines, s, e, sep));
    return assemble(parses, lines.length);
  } catch (err) {
    return {
      regions: [],
      variables: [],
      diagnostics: [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          severity: 'error',
          code: 'WL_PARSE_INTERNAL',
          message: `internal parser error: ${err instanceof Error ? err.message : String(err)}`,
        },
      ],
      lineCount: 1,
    };
  }
}
