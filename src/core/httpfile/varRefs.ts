// Finding `{{…}}` references inside one line of text. Kept apart from the parser so the
// language server can reuse it for completion and hover on a single line.

import type { ParseDiagnostic, Position, Range, VariableRef } from './ast';

function ownPosition(line: number, character: number): Position {
  return { line, character };
}

function rangeAt(makePosition: (line: number, character: number) => Position, line: number, from: number, to: number): Range {
  return { start: makePosition(line, from), end: makePosition(line, to) };
}

// A plain name: letters of any script, digits, `_`, `.`, `-`, `$` (`@Catalog.API_HostAddress`, `{{webdav-door}}`).
const PLAIN_NAME = /^[\p{L}\p{N}_.\-$]+$/u;
const PLAIN_CHAR = /[\p{L}\p{N}_.\-$]/u;
// `login.response.body.$.token`, `r.response.headers['Content-Type']`, `login.request.headers.X`.
const REQUEST_REF = /^[\p{L}\p{N}_\-]+\.(?:request|response)(?:\.|$)/u;
// `$uuid`, `$random.integer`, `$random.alphanumeric`; what follows must be the end, a space or `(`.
const BUILTIN_HEAD = /^\$[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*/;

/**
 * Appends every `{{…}}` of `text[from, to)` (which lies on `line`) to `out`, and problems to `diags`.
 * Columns are those of the line, so ranges point at what the user wrote.
 */
export function scanVariables(
  text: string,
  line: number,
  from: number,
  to: number,
  out: VariableRef[],
  diags: ParseDiagnostic[],
  /** Makes the positions of the ranges; the parser passes one that shares equal positions. */
  makePosition: (line: number, character: number) => Position = ownPosition,
): void {
  let i = text.indexOf('{{', from);
  // Bounded by the line length: each turn moves i forward.
  while (i >= 0 && i < to - 1) {
    const close = text.indexOf('}}', i + 2);
    if (close < 0 || close + 2 > to) {
      diags.push({
        range: rangeAt(makePosition, line, i, to),
        severity: 'error',
        code: 'WL_PARSE_VAR_UNCLOSED',
        message: `\`}}\` is missing: the variable reference \`${text.slice(i, Math.min(to, i + 40))}\` is not closed on this line`,
      });
      return;
    }
    // `{{{x}}}`: the reference is the innermost `{{`.
    let open = i;
    while (text.charCodeAt(open + 2) === 123 /* { */ && open + 2 < close) open++;
    const raw = text.slice(open, close + 2);
    // The name is the inside trimmed; found by bounds, so the common `{{host}}` makes no extra copies.
    let a = open + 2;
    let b = close;
    while (a < b && isJsWs(text.charCodeAt(a))) a++;
    while (b > a && isJsWs(text.charCodeAt(b - 1))) b--;
    let name = text.slice(a, b);
    let nameStart = a;
    let encode = false;
    if (name.charCodeAt(0) === 37 /* % */) {
      const inner = text.slice(open + 2, close);
      encode = true;
      name = name.slice(1).trimStart();
      nameStart = open + 2 + inner.indexOf(name, a - open - 2 + 1);
    }
    const r = rangeAt(makePosition, line, open, close + 2);
    if (name.length === 0) {
      diags.push({ range: r, severity: 'error', code: 'WL_PARSE_VAR_SYNTAX', message: `empty variable reference \`${raw}\`: write a name between the braces` });
    } else if (name.charCodeAt(0) === 36 /* $ */) {
      const head = BUILTIN_HEAD.exec(name);
      const next = head ? name.charAt(head[0].length) : name.charAt(1);
      if (!head || (next !== '' && next !== ' ' && next !== '\t' && next !== '(')) {
        const at = nameStart + (head ? head[0].length : 1);
        diags.push({
          range: rangeAt(makePosition, line, at, at + 1),
          severity: 'error',
          code: 'WL_PARSE_VAR_SYNTAX',
          message: `unexpected \`${text.charAt(at)}\` in \`${raw}\`: a built-in is \`{{$name}}\` or \`{{$name arguments}}\``,
        });
      } else {
        out.push({ name, raw, range: r, encode, kind: 'builtin' });
      }
    } else if (isAsciiName(name) || (!REQUEST_REF.test(name) && PLAIN_NAME.test(name))) {
      out.push({ name, raw, range: r, encode, kind: isRequestRef(name) ? 'request' : 'plain' });
    } else if (REQUEST_REF.test(name)) {
      out.push({ name, raw, range: r, encode, kind: 'request' });
    } else if (looksLikeExpression(name)) {
      // httpYac evaluates JavaScript between the braces; we keep the reference and say we don't.
      out.push({ name, raw, range: r, encode, kind: 'plain' });
      diags.push({
        range: rangeAt(makePosition, line, open, close + 2),
        severity: 'info',
        code: 'WL_PARSE_NOT_SUPPORTED',
        message: `not supported: JavaScript expression \`${raw}\` (httpYac); it is kept but not evaluated`,
      });
    } else {
      let k = 0;
      while (k < name.length && PLAIN_CHAR.test(name.charAt(k))) k++;
      const at = nameStart + k;
      diags.push({
        range: rangeAt(makePosition, line, at, at + 1),
        severity: 'error',
        code: 'WL_PARSE_VAR_SYNTAX',
        message: `unexpected \`${text.charAt(at)}\` in \`${raw}\`: a variable name has letters, digits, \`_\`, \`.\` and \`-\``,
      });
    }
    i = text.indexOf('{{', close + 2);
  }
}

/** What String.prototype.trim removes. */
function isJsWs(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

// The common case without the cost of a Unicode regex: [A-Za-z0-9_.$-]+.
function isAsciiName(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45 || c === 36)) return false;
  }
  return s.length > 0;
}

function isRequestRef(s: string): boolean {
  return (s.indexOf('.response') > 0 || s.indexOf('.request') > 0) && REQUEST_REF.test(s);
}

/** Balanced brackets and quotes plus a call, index or operator: an expression, not a typo. */
function looksLikeExpression(s: string): boolean {
  if (!/[()[\]+*/?:<>=!&|'"` ]/.test(s)) return false;
  const stack: string[] = [];
  let quote = '';
  for (let k = 0; k < s.length; k++) {
    const c = s.charAt(k);
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[') stack.push(c);
    else if (c === ')' || c === ']') {
      const want = c === ')' ? '(' : '[';
      if (stack.pop() !== want) return false;
    }
  }
  return quote === '' && stack.length === 0 && /[\p{L}_$][\p{L}\p{N}_$]*\s*(\(|\[|\.|\s*[-+*/?:<>=!&|])/u.test(s);
}
