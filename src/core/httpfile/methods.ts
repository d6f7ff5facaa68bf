// Request methods: the dialect parses any token as a method and sends it as written; one outside the
// list of known methods is a warning with the nearest known one (`GTE` → `GET`). The language server
// and `wirelane check` both report it from here; the server also offers the fix.
import { distance } from 'fastest-levenshtein';
import type { HttpFile, ParseDiagnostic } from './ast';
import { KNOWN_METHODS } from './parser';

/** Stable code: a request method outside the dialect's list. Sent as written, so a warning, not an error. */
export const METHOD_UNKNOWN = 'WL_METHOD_UNKNOWN';

/** The closest names to `typed`, nearest first: close enough to be a slip, never `typed` itself. */
export function nearest(typed: string, candidates: Iterable<string>, max = 3): string[] {
  // Two edits catch a swapped pair (`hots`, `GTE`); for one- and two-letter names only one.
  const limit = typed.length <= 2 ? 1 : 2;
  const scored: Array<[string, number]> = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (c === typed || seen.has(c)) continue;
    seen.add(c);
    const d = distance(typed.toLowerCase(), c.toLowerCase());
    if (d <= limit) scored.push([c, d]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([c]) => c);
}

/** Request lines whose method the dialect does not know (HTTP-SYNTAX.md: any token parses; beyond the list, we warn). */
export function methodDiagnostics(file: HttpFile): ParseDiagnostic[] {
  const out: ParseDiagnostic[] = [];
  for (const r of file.regions) {
    const req = r.request;
    if (!req || req.kind !== 'http' || KNOWN_METHODS.has(req.method.toUpperCase())) continue;
    const near = nearest(req.method.toUpperCase(), KNOWN_METHODS, 1);
    out.push({
      range: req.methodRange,
      severity: 'warning',
      code: METHOD_UNKNOWN,
      message: `unknown method ${req.method}: it is sent as written${near.length ? `; did you mean ${near[0]}?` : ''}`,
    });
  }
  return out;
}
