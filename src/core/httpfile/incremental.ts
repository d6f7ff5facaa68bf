// Re-parsing for the language server, which parses on every keystroke. Regions are parsed
// independently, so a region whose text did not change is taken from the cache (the very same
// RequestNode object, which callers may use as a cache key); if it moved up or down, its ranges
// are shifted in place instead of re-parsed. Region boundaries are found by scanning the text,
// so unchanged regions are never split into lines.

import type { Directive, HttpFile, ParseDiagnostic, Range, Region, Text } from './ast';
import { assemble, parseRegion, regionBounds, splitLines, type RegionParse } from './parser';

export interface IncrementalParser {
  /** Same result as parseHttpFile(text). Nodes of earlier results may be reused and shifted: use only the latest result. */
  parse(text: string): HttpFile;
  /** How many regions the last parse took from the cache (for benchmarks and tests). */
  readonly lastReused: number;
}

interface Slice {
  startLine: number;
  endLine: number;
  startPos: number;
  endPos: number;
  sep: boolean;
}

function isBlankChar(c: number): boolean {
  return c === 32 || c === 9 || c === 0xfeff || c === 0xa0 || c === 0x3000 || c === 11 || c === 12 || c === 13;
}

/** Region boundaries straight from the text; undefined when it has lone CRs (then lines are split first). */
function scanRegions(text: string): { slices: Slice[]; lineCount: number } | undefined {
  if (text.indexOf('\r') >= 0 && /\r(?!\n)/.test(text)) return undefined;
  const slices: Slice[] = [];
  let line = 0;
  let pos = 0;
  let start = 0;
  let startLine = 0;
  let sep = false;
  let preambleHasText = false;
  const n = text.length;
  // Bounded: pos strictly increases each turn, or the loop breaks.
  for (;;) {
    let i = pos;
    while (i < n && isBlankChar(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === 35 && text.charCodeAt(i + 1) === 35 && text.charCodeAt(i + 2) === 35) {
      if (sep || preambleHasText) slices.push({ startLine, endLine: line, startPos: start, endPos: pos, sep });
      start = pos;
      startLine = line;
      sep = true;
    } else if (!sep && !preambleHasText && i < n && text.charCodeAt(i) !== 10) {
      preambleHasText = true;
    }
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    pos = nl + 1;
    line++;
  }
  if (sep || preambleHasText) slices.push({ startLine, endLine: line + 1, startPos: start, endPos: n, sep });
  return { slices, lineCount: line + 1 };
}

interface Kept {
  key: string;
  parse: RegionParse;
  used: boolean;
}

export function createIncrementalParser(): IncrementalParser {
  // The last parse's regions in order: after a typical edit, region i of the new text is region i
  // of the old one (compared by text, no hashing). Only when that fails is the map by text built.
  let previous: Kept[] = [];
  let cache: Map<string, Kept[]> | undefined;
  let lastReused = 0;

  function lookup(key: string): Kept[] | undefined {
    if (!cache) {
      cache = new Map();
      for (const k of previous) {
        if (k.used) continue;
        const list = cache.get(k.key);
        if (list) list.push(k);
        else cache.set(k.key, [k]);
      }
    }
    return cache.get(key);
  }

  function adopt(k: Kept, startLine: number): RegionParse {
    k.used = true;
    const p = k.parse;
    if (p.baseLine !== startLine) shiftParse(p, startLine - p.baseLine);
    lastReused++;
    return p;
  }

  function take(key: string, index: number, startLine: number): RegionParse | undefined {
    const same = previous[index];
    if (same && !same.used && same.key === key) return adopt(same, startLine);
    const candidates = lookup(key);
    if (!candidates || candidates.length === 0) return undefined;
    // Identical regions (copy-pasted requests) each need their own parse: take an unused one, prefer one in place.
    let best: Kept | undefined;
    for (const c of candidates) if (!c.used && (!best || c.parse.baseLine === startLine)) best = c;
    return best ? adopt(best, startLine) : undefined;
  }

  return {
    get lastReused() {
      return lastReused;
    },
    parse(text: string): HttpFile {
      lastReused = 0;
      cache = undefined;
      const next: Kept[] = [];
      const parses: RegionParse[] = [];
      const keep = (key: string, p: RegionParse): void => {
        parses.push(p);
        next.push({ key, parse: p, used: false });
      };
      const scanned = scanRegions(text);
      let lineCount: number;
      if (scanned) {
        lineCount = scanned.lineCount;
        for (const s of scanned.slices) {
          // Without the line break that ends it, so a region's key is its lines whether or not it is last.
          let endPos = s.endPos;
          if (endPos < text.length) endPos -= text.charCodeAt(endPos - 2) === 13 ? 2 : 1;
          const key = text.slice(s.startPos, endPos);
          let p = take(key, next.length, s.startLine);
          if (!p) {
            const local = splitLines(key).lines;
            p = parseRegion(local, 0, local.length, s.sep);
            if (s.startLine !== 0) shiftParse(p, s.startLine);
          }
          keep(key, p);
        }
      } else {
        const { lines } = splitLines(text);
        lineCount = lines.length;
        for (const [s, e, sep] of regionBounds(lines)) {
          const key = lines.slice(s, e).join('\n');
          keep(key, take(key, next.length, s) ?? parseRegion(lines, s, e, sep));
        }
      }
      previous = next;
      cache = undefined;
      return assemble(parses, lineCount);
    },
  };
}

// Every Position object in a region parse is its own (the parser never shares them), so each moves once.
function r(x: Range | undefined, d: number): void {
  if (!x) return;
  x.start.line += d;
  x.end.line += d;
}

function t(x: Text, d: number): void {
  r(x.range, d);
  for (const v of x.variables) r(v.range, d);
}

function directives(ds: Directive[], d: number): void {
  for (const x of ds) {
    r(x.range, d);
    r(x.nameRange, d);
    r(x.valueRange, d);
  }
}

function region(g: Region, d: number): void {
  r(g.range, d);
  r(g.nameRange, d);
  directives(g.directives, d);
  for (const v of g.variables) {
    r(v.range, d);
    r(v.nameRange, d);
    t(v.value, d);
  }
  const q = g.request;
  if (!q) return;
  r(q.range, d);
  r(q.methodRange, d);
  r(q.versionRange, d);
  t(q.url, d);
  for (const h of q.headers) {
    r(h.range, d);
    r(h.nameRange, d);
    t(h.value, d);
  }
  if (q.body) {
    r(q.body.range, d);
    for (const p of q.body.parts) {
      if (p.kind === 'text') t(p.text, d);
      else {
        r(p.range, d);
        t(p.path, d);
      }
    }
  }
  for (const s of q.wsSteps) {
    r(s.range, d);
    if (s.kind === 'send') t(s.text, d);
  }
  for (const s of q.scripts) r(s.range, d);
  for (const a of q.assertions) r(a.range, d);
  for (const x of q.responseRefs) r(x.range, d);
  for (const x of q.savedResponses) r(x, d);
}

function shiftParse(p: RegionParse, delta: number): void {
  region(p.region, delta);
  for (const x of p.diagnostics as ParseDiagnostic[]) r(x.range, delta);
  directives(p.carry, delta);
  p.baseLine += delta;
}
