// Finds `{{…}}` references in any string: AST text, environment values, files sent
// with `<@`. The parser records references with ranges; this scanner is what the
// resolver substitutes with, so text that never went through the parser (an env
// value, an included file) behaves exactly like text in the .http file.

import type { VariableRef } from '../httpfile/ast';

export interface FoundRef {
  /** Offset of `{{` in the scanned string. */
  start: number;
  /** Offset just after `}}`. */
  end: number;
  raw: string;
  /** Trimmed inner text without a leading `%`. */
  name: string;
  encode: boolean;
  kind: VariableRef['kind'];
}

/** `login.response.body.$.token`, `r.response.headers['Content-Type']`, `register.response.body.data.id` */
export const REQUEST_REF = /^([^\s.{}[\]]+)\.(request|response)\.(body|headers)((?:[.[][\s\S]*)?)$/;

export function classify(name: string): VariableRef['kind'] {
  if (name.startsWith('$')) return 'builtin';
  if (REQUEST_REF.test(name)) return 'request';
  return 'plain';
}

export function scanRefs(text: string): FoundRef[] {
  const out: FoundRef[] = [];
  let from = 0;
  // Each pass moves `from` forward, so the loop ends after at most text.length passes.
  while (from < text.length) {
    const open = text.indexOf('{{', from);
    if (open < 0) break;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) break;
    const nextOpen = text.indexOf('{{', open + 2);
    if (nextOpen >= 0 && nextOpen < close) {
      // `{{ {{x}}`: the first pair is a stray; the inner one is the reference.
      from = nextOpen;
      continue;
    }
    let inner = text.slice(open + 2, close).trim();
    let encode = false;
    if (inner.startsWith('%')) {
      encode = true;
      inner = inner.slice(1).trim();
    }
    out.push({ start: open, end: close + 2, raw: text.slice(open, close + 2), name: inner, encode, kind: classify(inner) });
    from = close + 2;
  }
  return out;
}
