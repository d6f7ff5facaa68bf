// Every {start, end} range found anywhere in an AST or LSP answer (fuzz checks walk them all).
import type { Range } from '../../src/core/httpfile';

export function* rangesOf(node: unknown): Generator<Range> {
  if (Array.isArray(node)) {
    for (const x of node) yield* rangesOf(x);
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const s = o.start as { line?: unknown } | undefined;
    if (s && typeof s.line === 'number' && o.end) yield o as unknown as Range;
    for (const k of Object.keys(o)) if (k !== 'start' && k !== 'end') yield* rangesOf(o[k]);
  }
}
