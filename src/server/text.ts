// Small helpers over the document text and the AST that several features share.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { HttpFile, Position, Range, Region, Text, VariableRef } from '../core/httpfile/ast';
import { scanRefs, type FoundRef } from '../core/variables/scan';

export function lineText(doc: TextDocument, line: number): string {
  if (line < 0 || line >= doc.lineCount) return '';
  // The same line ends as the parser and LSP: \r\n, \n and a lone \r.
  return doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/(?:\r\n|\n|\r)$/, '');
}

export function contains(r: Range, p: Position): boolean {
  if (p.line < r.start.line || p.line > r.end.line) return false;
  if (p.line === r.start.line && p.character < r.start.character) return false;
  if (p.line === r.end.line && p.character > r.end.character) return false;
  return true;
}

/** Index of the region holding `line` (regions are in document order), or -1. */
export function regionIndexAt(file: HttpFile, line: number): number {
  const regions = file.regions;
  let lo = 0;
  let hi = regions.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (regions[mid].range.start.line <= line) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found >= 0 && regions[found].range.end.line < line) return -1;
  return found;
}

export function regionAt(file: HttpFile, line: number): Region | undefined {
  const i = regionIndexAt(file, line);
  return i >= 0 ? file.regions[i] : undefined;
}

/** The `{{…}}` reference under the cursor on this line, found from the text (works on stale ASTs too). */
export function refAtCursor(line: string, character: number): FoundRef | undefined {
  return scanRefs(line).find((r) => r.start <= character && character <= r.end);
}

/** Range of the name inside a reference (`{{ %name }}` → `name`). */
export function nameRangeOf(ref: VariableRef, length = ref.name.length): Range {
  const at = ref.raw.indexOf(ref.name, 2);
  const start = ref.range.start.character + (at < 0 ? 2 : at);
  return { start: { line: ref.range.start.line, character: start }, end: { line: ref.range.start.line, character: start + length } };
}

/** Every text with `{{…}}` references in the file, in document order. */
export function* allTexts(file: HttpFile): Generator<Text> {
  const seen = new Set<Text>();
  for (const region of file.regions) {
    for (const v of region.variables) {
      seen.add(v.value);
      yield v.value;
    }
    const req = region.request;
    if (!req) continue;
    yield req.url;
    for (const h of req.headers) yield h.value;
    for (const part of req.body?.parts ?? []) yield part.kind === 'text' ? part.text : part.path;
    for (const s of req.wsSteps) if (s.kind === 'send') yield s.text;
  }
  // File variables outside any region (should not happen, but the AST allows it).
  for (const v of file.variables) if (!seen.has(v.value)) yield v.value;
}

export function* allRefs(file: HttpFile): Generator<VariableRef> {
  for (const t of allTexts(file)) yield* t.variables;
}

/** The request name a chained reference points at: `login.response.body.$.id` → `login`. */
export function requestNameOf(refName: string): string | undefined {
  const m = /^([^\s.{}[\]]+)\.(?:request|response)(?:\.|$)/.exec(refName);
  return m?.[1];
}

export function rangeOfLine(line: number, from: number, to: number): Range {
  return { start: { line, character: from }, end: { line, character: to } };
}

const SEPARATOR = /^\s*#{3,}/;
const COMMENT = /^\s*(#|\/\/)/;
const FILE_VARIABLE = /^\s*@[^\s=]+\s*=/;
const REQUEST_LINE = /^\s*(?:[A-Z][A-Z0-9_-]*[ \t]+\S|(?:[A-Za-z][\w+.-]*:\/\/|localhost\b|\d{1,3}(?:\.\d{1,3}){3}|\{\{))/;

export type LineZone = 'before-request' | 'headers' | 'body';

/**
 * Where a line sits in its region, from the text alone: completion runs on every keystroke and
 * must not wait for a parse of a 10,000-request file. Looks back at most `limit` lines.
 */
export function zoneOf(doc: TextDocument, line: number, limit = 5000): LineZone {
  let sawBlank = false;
  for (let l = line - 1; l >= 0 && l >= line - limit; l--) {
    const t = lineText(doc, l);
    if (SEPARATOR.test(t)) return 'before-request';
    if (t.trim() === '') {
      sawBlank = true;
      continue;
    }
    if (COMMENT.test(t) || FILE_VARIABLE.test(t)) continue;
    if (REQUEST_LINE.test(t) && !/^\s*[?&]/.test(t)) {
      // Only a request line if nothing before it (up to the separator) was a request line or body.
      if (isRequestLineAt(doc, l, limit)) return sawBlank ? 'body' : 'headers';
    }
  }
  return 'before-request';
}

function isRequestLineAt(doc: TextDocument, line: number, limit: number): boolean {
  for (let l = line - 1; l >= 0 && l >= line - limit; l--) {
    const t = lineText(doc, l);
    if (SEPARATOR.test(t)) return true;
    if (t.trim() === '' || COMMENT.test(t) || FILE_VARIABLE.test(t)) continue;
    return false;
  }
  return true;
}
