// Outline and navigation from the AST: code lenses, document symbols, folding ranges, document
// links for `< ./file`, go to definition, find references, rename of file variables and request names.
import {
  SymbolKind,
  type CodeLens,
  type DocumentLink,
  type DocumentSymbol,
  type FoldingRange,
  type Location,
  type Position,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { HttpFile, Region } from '../core/httpfile/ast';
import type { LoadedEnvironments } from '../core/variables/environments';
import { dirname, resolvePath } from '../core/variables/paths';
import { requestLenses } from '../protocol/lenses';
import { allRefs, contains, lineText, nameRangeOf, rangeOfLine, refAtCursor, regionAt, requestNameOf } from './text';
import { pathToUri } from './workspace';

export function codeLenses(uri: string, file: HttpFile, isCancelled: () => boolean): CodeLens[] {
  return requestLenses(uri, file, isCancelled).map((l) => ({ range: rangeOfLine(l.line, 0, 0), command: { title: l.title, command: l.command, arguments: l.arguments } }));
}

function requestLineRange(region: Region): Range | undefined {
  const req = region.request;
  if (!req) return undefined;
  return { start: req.methodRange.start, end: req.versionRange?.end ?? (req.url.range.start.line === req.methodRange.start.line ? req.url.range.end : req.methodRange.end) };
}

/**
 * VS Code rejects the whole answer if one symbol's selectionRange is not inside its range, so
 * every symbol is checked here: positions kept inside the document (lines end at \r\n, \n or a
 * lone \r, as in the parser) and the selection kept inside the range.
 */
export function documentSymbols(file: HttpFile, doc?: TextDocument): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const symbol = (s: DocumentSymbol): DocumentSymbol => {
    const range = ordered(doc ? inDocument(doc, s.range) : s.range);
    return { ...s, range, selectionRange: within(doc ? inDocument(doc, s.selectionRange) : s.selectionRange, range) };
  };
  for (const region of file.regions) {
    const req = region.request;
    const variables: DocumentSymbol[] = region.variables.map((v) =>
      symbol({
        name: `@${v.name}`,
        detail: v.value.text,
        kind: SymbolKind.Variable,
        range: v.range,
        selectionRange: v.nameRange,
      }),
    );
    if (!req) {
      if (region.title) {
        out.push(symbol({ name: region.title, kind: SymbolKind.Namespace, range: region.range, selectionRange: rangeOfLine(region.range.start.line, 0, 0), children: variables }));
      } else {
        out.push(...variables);
      }
      continue;
    }
    const requestLine = `${req.method} ${req.url.text}`;
    const label = region.name ?? region.title ?? requestLine;
    out.push(
      symbol({
        name: label.length > 0 ? label : req.method,
        detail: label === requestLine ? undefined : requestLine,
        kind: req.kind === 'websocket' ? SymbolKind.Event : SymbolKind.Method,
        range: region.range,
        selectionRange: requestLineRange(region) ?? region.range,
        children: variables,
      }),
    );
  }
  return out;
}

function notAfter(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

function ordered(r: Range): Range {
  return notAfter(r.start, r.end) ? r : { start: r.end, end: r.start };
}

/** `r` cut to `outer` (a selection that lies wholly outside becomes the start of `outer`). */
function within(r: Range, outer: Range): Range {
  const clamp = (p: Position) => (notAfter(p, outer.start) ? outer.start : notAfter(outer.end, p) ? outer.end : p);
  const start = clamp(r.start);
  const end = clamp(r.end);
  return notAfter(start, end) ? { start, end } : { start, end: start };
}

function inDocument(doc: TextDocument, r: Range): Range {
  const last = Math.max(0, doc.lineCount - 1);
  const clamp = (p: Position): Position => {
    const line = Math.min(Math.max(0, p.line), last);
    const character = Math.min(Math.max(0, p.character), lineText(doc, line).length);
    return line === p.line && character === p.character ? p : { line, character };
  };
  return { start: clamp(r.start), end: clamp(r.end) };
}

export function foldingRanges(doc: TextDocument, file: HttpFile): FoldingRange[] {
  const out: FoldingRange[] = [];
  for (const region of file.regions) {
    let end = region.range.end.line;
    // Keep the blank lines before the next `###` visible.
    while (end > region.range.start.line && lineText(doc, end).trim() === '') end--;
    if (end > region.range.start.line) out.push({ startLine: region.range.start.line, endLine: end, kind: 'region' });
    for (const s of region.request?.scripts ?? []) {
      if (s.range.end.line > s.range.start.line) out.push({ startLine: s.range.start.line, endLine: s.range.end.line });
    }
  }
  return out;
}

export function documentLinks(filePath: string, file: HttpFile): DocumentLink[] {
  const base = dirname(filePath);
  const out: DocumentLink[] = [];
  const link = (path: string, range: Range) => {
    const p = path.trim();
    if (p === '' || p.includes('{{')) return;
    out.push({ range, target: pathToUri(resolvePath(base, p)) });
  };
  for (const region of file.regions) {
    const req = region.request;
    if (!req) continue;
    for (const part of req.body?.parts ?? []) if (part.kind === 'file') link(part.path.text, part.path.range);
    for (const r of req.responseRefs) link(r.path, r.range);
    for (const s of req.scripts) if (s.file) link(s.file, s.range);
  }
  return out;
}

/** What the cursor is on, for definition / references / rename. */
export type Target = { kind: 'variable'; name: string; range: Range } | { kind: 'request'; name: string; range: Range };

export function targetAt(doc: TextDocument, file: HttpFile, position: Position): Target | undefined {
  const line = lineText(doc, position.line);
  const ref = refAtCursor(line, position.character);
  if (ref) {
    if (ref.kind === 'builtin') return undefined;
    const at = ref.start + ref.raw.indexOf(ref.name, 2);
    const reqName = ref.kind === 'request' ? requestNameOf(ref.name) : undefined;
    if (reqName) return { kind: 'request', name: reqName, range: rangeOfLine(position.line, at, at + reqName.length) };
    return { kind: 'variable', name: ref.name, range: rangeOfLine(position.line, at, at + ref.name.length) };
  }
  const region = regionAt(file, position.line);
  if (!region) return undefined;
  for (const v of region.variables) if (contains(v.nameRange, position)) return { kind: 'variable', name: v.name, range: bareName(v.nameRange, v.name) };
  if (region.name && region.nameRange && contains(region.nameRange, position)) return { kind: 'request', name: region.name, range: region.nameRange };
  return undefined;
}

/** A name range may include the `@`: point at the name itself. */
function bareName(r: Range, name: string): Range {
  const len = r.end.character - r.start.character;
  if (r.start.line === r.end.line && len === name.length + 1) return { start: { line: r.start.line, character: r.start.character + 1 }, end: r.end };
  return r;
}

export function definitions(uri: string, file: HttpFile, target: Target, env: LoadedEnvironments, envName: string | null, readFile: (p: string) => string | undefined): Location[] {
  if (target.kind === 'request') {
    return file.regions.filter((r) => r.name === target.name).map((r) => ({ uri, range: r.nameRange ?? r.range }));
  }
  const defs = file.variables.filter((v) => v.name === target.name).map((v) => ({ uri, range: bareName(v.nameRange, v.name) }));
  if (defs.length > 0) return defs;
  // Not a file variable: point into the environment file that defines it.
  const out: Location[] = [];
  for (const f of env.files) {
    for (const name of [envName, '$shared']) {
      if (!name || !f.environments[name] || !Object.prototype.hasOwnProperty.call(f.environments[name], target.name)) continue;
      const text = readFile(f.path);
      out.push({ uri: pathToUri(f.path), range: keyRange(text ?? '', name, target.name) });
    }
  }
  return out;
}

/** Line of `"key"` inside the `"env"` object of an env file (first match after the env's key). */
function keyRange(text: string, envName: string, key: string): Range {
  const envAt = text.indexOf(JSON.stringify(envName));
  const at = text.indexOf(JSON.stringify(key), envAt < 0 ? 0 : envAt);
  if (at < 0) return rangeOfLine(0, 0, 0);
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  const character = at - (before.lastIndexOf('\n') + 1);
  return rangeOfLine(line, character, character + key.length + 2);
}

export function references(uri: string, file: HttpFile, target: Target, includeDeclaration: boolean, isCancelled: () => boolean): Location[] {
  return occurrences(file, target, includeDeclaration, isCancelled).map((range) => ({ uri, range }));
}

function occurrences(file: HttpFile, target: Target, includeDeclaration: boolean, isCancelled: () => boolean): Range[] {
  const out: Range[] = [];
  if (includeDeclaration) {
    if (target.kind === 'variable') for (const v of file.variables) if (v.name === target.name) out.push(bareName(v.nameRange, v.name));
    if (target.kind === 'request') for (const r of file.regions) if (r.name === target.name && r.nameRange) out.push(r.nameRange);
  }
  let n = 0;
  for (const ref of allRefs(file)) {
    if ((++n & 4095) === 0 && isCancelled()) return [];
    if (target.kind === 'variable' && ref.kind === 'plain' && ref.name === target.name) out.push(nameRangeOf(ref));
    if (target.kind === 'request' && ref.kind === 'request' && requestNameOf(ref.name) === target.name) out.push(nameRangeOf(ref, target.name.length));
    // `{{$processEnv %name}}` names a variable too.
    if (target.kind === 'variable' && ref.kind === 'builtin') {
      const m = /^\$processEnv\s+%(\S+)/.exec(ref.name);
      if (m && m[1] === target.name) {
        const r = nameRangeOf(ref);
        const at = r.start.character + ref.name.indexOf(`%${m[1]}`) + 1;
        out.push(rangeOfLine(r.start.line, at, at + m[1].length));
      }
    }
  }
  return out;
}

const NAME_OK = /^[\p{L}\p{N}_.\-$]+$/u;

export function renameEdits(uri: string, file: HttpFile, target: Target, newName: string): WorkspaceEdit | { error: string } {
  if (!NAME_OK.test(newName) || newName.startsWith('$')) return { error: `${JSON.stringify(newName)} is not a valid name: use letters, digits, _ . - and no leading $` };
  if (target.kind === 'request' && newName.includes('.')) return { error: 'a request name cannot contain a dot (it would break {{name.response…}} references)' };
  if (target.kind === 'variable' && !file.variables.some((v) => v.name === target.name)) {
    return { error: `${target.name} is not a file variable (it comes from an environment): rename it in the environment file` };
  }
  if (target.kind === 'request' && !file.regions.some((r) => r.name === target.name)) return { error: `no request named ${target.name} in this file` };
  const edits: TextEdit[] = occurrences(file, target, true, () => false).map((range) => ({ range, newText: newName }));
  return { changes: { [uri]: edits } };
}
