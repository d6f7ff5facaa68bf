// `?? …` assertion lines (httpYac's form, plus Wirelane's own on connection facts), read into
// a subject, an operator and an expected value. Pure: the runner evaluates them.
//
//   ?? status == 200                 ?? header content-type includes json
//   ?? body includes "ok"            ?? body $.items.length > 0
//   ?? js response.parsedBody.id == 7
//   ?? duration < 500
//   ?? connection reused             ?? connection new
//   ?? protocol h2                   ?? tls TLSv1.3
//   ?? timing connect < 50           (blocked dns connect ssl|tls send wait receive total)

export type AssertionSubject = 'status' | 'header' | 'body' | 'js' | 'duration' | 'connection' | 'protocol' | 'tls' | 'timing';

export const BINARY_OPERATORS = ['==', '!=', '===', '!==', '<', '<=', '>', '>=', 'includes', 'contains', 'startsWith', 'endsWith', 'matches', 'notIncludes'] as const;
export const UNARY_OPERATORS = ['exists', 'isTrue', 'isFalse', 'isNumber', 'isString', 'isBoolean', 'isArray'] as const;
export type AssertionOperator = (typeof BINARY_OPERATORS)[number] | (typeof UNARY_OPERATORS)[number];

export const TIMING_PHASES = ['blocked', 'dns', 'connect', 'ssl', 'tls', 'send', 'wait', 'receive', 'total'] as const;

export interface ParsedAssertion {
  subject: AssertionSubject;
  /** Header name, body path, JavaScript expression or timing phase. */
  arg?: string;
  op: AssertionOperator;
  expected?: string;
}

export type AssertionParse = { ok: true; assertion: ParsedAssertion } | { ok: false; message: string };

const SUBJECTS: readonly string[] = ['status', 'header', 'body', 'js', 'duration', 'connection', 'protocol', 'tls', 'timing'];
const isOp = (w: string): w is AssertionOperator => (BINARY_OPERATORS as readonly string[]).includes(w) || (UNARY_OPERATORS as readonly string[]).includes(w);
const isUnary = (w: string) => (UNARY_OPERATORS as readonly string[]).includes(w);

/** `"quoted"` → quoted; anything else as written. */
function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && ((t[0] === '"' && t.endsWith('"')) || (t[0] === "'" && t.endsWith("'")))) return t.slice(1, -1);
  return t;
}

/** Reads the text after `??`. */
export function parseAssertion(text: string): AssertionParse {
  const t = text.trim();
  const m = /^(\S+)\s*(.*)$/s.exec(t);
  if (!m || !SUBJECTS.includes(m[1])) {
    return { ok: false, message: `unknown assertion \`?? ${t}\`: it starts with status, header, body, js, duration, connection, protocol, tls or timing` };
  }
  const subject = m[1] as AssertionSubject;
  const rest = m[2].trim();
  // Words separated by blanks; the first operator word splits the left side from the expected value.
  const words = rest.length ? rest.split(/\s+/) : [];
  const opAt = words.findIndex(isOp);
  const left = opAt >= 0 ? words.slice(0, opAt).join(' ') : words.join(' ');
  const op = opAt >= 0 ? (words[opAt] as AssertionOperator) : undefined;
  const right = opAt >= 0 ? rest.slice(indexOfWord(rest, opAt) + words[opAt].length).trim() : '';
  const bad = (why: string): AssertionParse => ({ ok: false, message: `\`?? ${t}\`: ${why}` });

  if (op && isUnary(op) && right) return bad(`\`${op}\` takes no value`);
  if (op && !isUnary(op) && !right) return bad(`\`${op}\` needs a value to compare with`);
  const done = (arg: string | undefined, o: AssertionOperator, expected?: string): AssertionParse => ({
    ok: true,
    assertion: { subject, arg: arg || undefined, op: o, expected: expected === undefined || expected === '' ? undefined : unquote(expected) },
  });

  switch (subject) {
    case 'status':
    case 'duration':
      if (left) return bad(`${subject} takes no argument before the operator`);
      if (!op) return bad(`write \`?? ${subject} == VALUE\` (or <, <=, >, >=, !=)`);
      return done(undefined, op, right);
    case 'header':
      if (!left || left.includes(' ')) return bad('write `?? header NAME OP VALUE`');
      if (!op) return done(left, 'exists');
      return done(left, op, right);
    case 'body':
      if (!op) return left ? done(left, 'exists') : bad('write `?? body OP VALUE` or `?? body $.path OP VALUE`');
      return done(left, op, right);
    case 'js':
      if (!left) return bad('write `?? js EXPRESSION [OP VALUE]`');
      return op ? done(left, op, right) : done(left, 'isTrue');
    case 'timing': {
      const phase = left.toLowerCase();
      if (!(TIMING_PHASES as readonly string[]).includes(phase)) return bad(`timing needs a phase: ${TIMING_PHASES.join(', ')}`);
      if (!op || isUnary(op)) return bad('write `?? timing PHASE < MS`');
      return done(phase, op, right);
    }
    case 'connection':
    case 'protocol':
    case 'tls': {
      // `?? connection reused` reads as `?? connection == reused`.
      const value = op ? right : left;
      if (!value) return bad(`write \`?? ${subject} VALUE\``);
      if (op && left) return bad(`${subject} takes no argument before the operator`);
      if (subject === 'connection' && !/^(reused|new)$/.test(unquote(value))) return bad('connection is `reused` or `new`');
      return done(undefined, op ?? '==', value);
    }
  }
}

/** Offset of the n-th blank-separated word in `s`. */
function indexOfWord(s: string, n: number): number {
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  let i = 0;
  while ((m = re.exec(s))) {
    if (i++ === n) return m.index;
  }
  return s.length;
}
