// Re-parsing for the language server, which parses on every keystroke. Regions are parsed
// independently, so a region whose text did not change is taken from the cache (the very same
// RequestNode object, which callers may use as a cache key); if it moved up or down, its ranges
// are shifted in place instead of re-parsed. Region boundaries are found by scanning the text,
// so unchanged regions are never split into lines. Per keystroke the cost is one scan of the text,
// one comparison per region, one addition per position of each region that moved, and assemble().

import type { Directive, HttpFile, Position, Range, Region, Text } from './ast';
import { assemble, parseRegion, regionBounds, scanRegions, splitLines, type RegionParse, type Scan } from './parser';

export interface IncrementalParser {
  /** Same result as parseHttpFile(text). Nodes of earlier results may be reused and shifted: use only the latest result. */
  parse(text: string): HttpFile;
  /** How many regions the last parse took from the cache (for benchmarks and tests). */
  readonly lastReused: number;
}

export function createIncrementalParser(): IncrementalParser {
  // The last parse's regions in order, by text. After a typical edit the regions before and after
  // the edit are the same texts in the same order (compared from both ends, no hashing); only the
  // few in between are looked up by text, or parsed.
  let previousKeys: string[] = [];
  let previous: RegionParse[] = [];
  let lastReused = 0;

  function adopt(p: RegionParse, startLine: number): RegionParse {
    if (p.baseLine !== startLine) shiftParse(p, startLine - p.baseLine);
    lastReused++;
    return p;
  }

  function fresh(key: string, startLine: number, sep: boolean): RegionParse {
    const local = splitLines(key).lines;
    return parseRegion(local, 0, local.length, sep, startLine);
  }

  /** Parses regions [from, to) of the new text, reusing the old regions [oldFrom, oldTo) whose text is identical. */
  function middle(scan: Scan, from: number, to: number, oldFrom: number, oldTo: number, into: RegionParse[]): void {
    const byKey = new Map<string, RegionParse[]>();
    for (let k = oldFrom; k < oldTo; k++) {
      const list = byKey.get(previousKeys[k]);
      if (list) list.push(previous[k]);
      else byKey.set(previousKeys[k], [previous[k]]);
    }
    for (let i = from; i < to; i++) {
      const key = scan.keys[i];
      const startLine = scan.startLines[i];
      const candidates = byKey.get(key);
      let p: RegionParse | undefined;
      if (candidates && candidates.length > 0) {
        // Identical regions (copy-pasted requests) each need their own parse: prefer one already in place.
        let at = candidates.length - 1;
        for (let k = 0; k < candidates.length; k++) if (candidates[k].baseLine === startLine) at = k;
        p = adopt(candidates.splice(at, 1)[0], startLine);
      }
      into[i] = p ?? fresh(key, startLine, scan.seps[i]);
    }
  }

  return {
    get lastReused() {
      return lastReused;
    },
    parse(text: string): HttpFile {
      lastReused = 0;
      let scan = scanRegions(text);
      if (!scan) {
        // Lone CRs: split first, as the full parse does.
        const lines = splitLines(text).lines;
        scan = { keys: [], startLines: [], seps: [], lineCount: lines.length };
        for (const [s, e, sep] of regionBounds(lines)) {
          scan.keys.push(lines.slice(s, e).join('\n'));
          scan.startLines.push(s);
          scan.seps.push(sep);
        }
      }
      const keys = scan.keys;
      const n = keys.length;
      const old = previous.length;
      const parses = new Array<RegionParse>(n);
      let head = 0;
      while (head < n && head < old && previousKeys[head] === keys[head]) {
        parses[head] = adopt(previous[head], scan.startLines[head]);
        head++;
      }
      let tail = 0;
      while (tail < n - head && tail < old - head && previousKeys[old - 1 - tail] === keys[n - 1 - tail]) {
        parses[n - 1 - tail] = adopt(previous[old - 1 - tail], scan.startLines[n - 1 - tail]);
        tail++;
      }
      if (head + tail < n) middle(scan, head, n - tail, head, old - tail, parses);
      previousKeys = keys;
      previous = parses;
      return assemble(parses, scan.lineCount);
    },
  };
}

// A region parse shares equal positions between its ranges, so moving it moves each distinct
// position once. The list of them is gathered on the first move (most regions never move) and
// kept: after that a moved region costs one addition per position, however deep its tree.
function gather(p: RegionParse): Position[] {
  const seen: Position[] = [];
  // Each distinct position once, without a Set: a visited one has its line flipped to ~line
  // (negative; lines never are) until the walk ends.
  const add = (x: Position): void => {
    if (x.line < 0) return;
    x.line = ~x.line;
    seen.push(x);
  };
  const r = (x: Range | undefined): void => {
    if (!x) return;
    add(x.start);
    add(x.end);
  };
  const t = (x: Text): void => {
    r(x.range);
    for (const v of x.variables) r(v.range);
  };
  const directives = (ds: Directive[]): void => {
    for (const x of ds) {
      r(x.range);
      r(x.nameRange);
      r(x.valueRange);
    }
  };
  const g: Region = p.region;
  r(g.range);
  r(g.nameRange);
  directives(g.directives);
  for (const v of g.variables) {
    r(v.range);
    r(v.nameRange);
    t(v.value);
  }
  const q = g.request;
  if (q) {
    r(q.range);
    r(q.methodRange);
    r(q.versionRange);
    t(q.url);
    for (const h of q.headers) {
      r(h.range);
      r(h.nameRange);
      t(h.value);
    }
    if (q.body) {
      r(q.body.range);
      for (const b of q.body.parts) {
        if (b.kind === 'text') t(b.text);
        else {
          r(b.range);
          t(b.path);
        }
      }
    }
    for (const s of q.wsSteps) {
      r(s.range);
      if (s.kind === 'send') t(s.text);
    }
    for (const s of q.scripts) r(s.range);
    for (const a of q.assertions) r(a.range);
    for (const x of q.responseRefs) r(x.range);
    for (const x of q.savedResponses) r(x);
  }
  for (const x of p.diagnostics) r(x.range);
  directives(p.carry);
  for (let i = 0; i < seen.length; i++) seen[i].line = ~seen[i].line;
  return seen;
}

function shiftParse(p: RegionParse, delta: number): void {
  const positions = (p.positions ??= gather(p));
  for (let i = 0; i < positions.length; i++) positions[i].line += delta;
  p.baseLine += delta;
}
