// Checks `?? …` lines against a response and the connection it rode on. The forms are read by
// core/httpfile/assertions.ts; here they meet the exchange: status, headers, body (whole or by
// JSONPath/XPath), a JavaScript expression (in the sandbox), duration, and Wirelane's own
// connection facts: reused or new, protocol, TLS version, per-phase timings.

import type { ErrorInfo } from '../core/errors';
import { parseAssertion, type ParsedAssertion } from '../core/httpfile/assertions';
import type { Connection, Exchange } from '../core/timeline/model';
import { selectFromExchange } from '../core/variables/index';

export interface AssertionFacts {
  exchange: Exchange;
  connection?: Connection;
  /** The decoded response body, when it stayed in memory. */
  body?: string;
  /** Evaluates `?? js EXPR` (in the sandbox); line is the `??` line (1-based). */
  js?(expr: string, line: number): Promise<{ value?: unknown; error?: ErrorInfo }>;
}

export type AssertionOutcome = { passed: true } | { passed: false; code: 'WL_ASSERTION_FAILED' | 'WL_ASSERTION_INVALID' | string; message: string };

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : JSON.stringify(v));

/** The actual value an assertion's subject names, or a reason it has none. */
async function actualOf(a: ParsedAssertion, f: AssertionFacts, line: number): Promise<{ value: unknown; what: string } | { error: ErrorInfo | string }> {
  const ex = f.exchange;
  const res = ex.response;
  switch (a.subject) {
    case 'status':
      return res ? { value: res.status, what: 'status' } : { error: 'no response' };
    case 'header': {
      const name = (a.arg ?? '').toLowerCase();
      const values = (res?.headers ?? []).filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
      return { value: values.length ? values.join(', ') : undefined, what: `header ${a.arg}` };
    }
    case 'body': {
      if (f.body === undefined) return { error: 'the body is not in memory (larger than the body limit, or no response)' };
      if (!a.arg) return { value: f.body, what: 'body' };
      const r = selectFromExchange(
        { requestName: 'response', part: 'response', section: 'body', selector: a.arg },
        { request: { url: '', method: '', headers: [] }, response: { status: res?.status ?? 0, headers: res?.headers ?? [], body: f.body } },
      );
      return { value: r.ok ? r.value : undefined, what: `body ${a.arg}` };
    }
    case 'js': {
      if (!f.js) return { error: 'JavaScript is not available here' };
      const r = await f.js(a.arg ?? '', line);
      return r.error ? { error: r.error } : { value: r.value, what: a.arg ?? 'js' };
    }
    case 'duration':
      return ex.endedAt !== undefined ? { value: Math.round((ex.endedAt - ex.startedAt) * 100) / 100, what: 'duration (ms)' } : { error: 'the exchange did not finish' };
    case 'connection':
      return ex.connectionId ? { value: ex.reused ? 'reused' : 'new', what: `connection ${ex.connectionId}` } : { error: 'no connection was used' };
    case 'protocol': {
      const p = f.connection?.protocol ?? (res?.httpVersion ? res.httpVersion.toLowerCase() : undefined);
      return { value: p, what: 'protocol' };
    }
    case 'tls':
      return { value: f.connection?.tls?.version, what: 'TLS version' };
    case 'timing': {
      const phase = a.arg === 'tls' ? 'ssl' : (a.arg ?? 'total');
      if (phase === 'total') return ex.endedAt !== undefined ? { value: Math.round((ex.endedAt - ex.startedAt) * 100) / 100, what: 'total time (ms)' } : { error: 'the exchange did not finish' };
      const v = ex.timings[phase as keyof Exchange['timings']];
      // -1 (HAR: not applicable, e.g. no connect on a reused connection) took no time.
      return { value: v < 0 ? 0 : v, what: `${a.arg} time (ms)` };
    }
  }
}

function numeric(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** `==` compares as written: 200 == "200"; objects by their JSON; `true`/`null` literals too. */
function same(actual: unknown, expected: string): boolean {
  if (typeof actual === 'string') return actual === expected;
  if (actual === undefined) return false;
  try {
    return JSON.stringify(actual) === JSON.stringify(JSON.parse(expected));
  } catch {
    return String(actual) === expected;
  }
}

function compare(op: ParsedAssertion['op'], actual: unknown, expected: string | undefined): boolean | string {
  const e = expected ?? '';
  const text = typeof actual === 'string' ? actual : actual === undefined ? '' : JSON.stringify(actual);
  switch (op) {
    case '==':
    case '===':
      return same(actual, e);
    case '!=':
    case '!==':
      return !same(actual, e);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const a = numeric(actual);
      const b = numeric(e);
      if (a === undefined || b === undefined) return `${op} compares numbers`;
      return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
    }
    case 'includes':
    case 'contains':
      return actual !== undefined && text.includes(e);
    case 'notIncludes':
      return !text.includes(e);
    case 'startsWith':
      return actual !== undefined && text.startsWith(e);
    case 'endsWith':
      return actual !== undefined && text.endsWith(e);
    case 'matches':
      try {
        const m = /^\/(.*)\/([a-z]*)$/s.exec(e);
        return actual !== undefined && (m ? new RegExp(m[1], m[2]) : new RegExp(e)).test(text);
      } catch {
        return `not a regular expression: ${e}`;
      }
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'isTrue':
      return actual === true || actual === 'true';
    case 'isFalse':
      return actual === false || actual === 'false';
    case 'isNumber':
      return numeric(actual) !== undefined;
    case 'isString':
      return typeof actual === 'string';
    case 'isBoolean':
      return typeof actual === 'boolean' || actual === 'true' || actual === 'false';
    case 'isArray':
      return Array.isArray(actual) || (typeof actual === 'string' && actual.trim().startsWith('['));
  }
}

/** Checks one `??` line (the text after `??`). */
export async function evaluateAssertion(text: string, facts: AssertionFacts, line: number): Promise<AssertionOutcome> {
  const parsed = parseAssertion(text);
  if (!parsed.ok) return { passed: false, code: 'WL_ASSERTION_INVALID', message: parsed.message };
  const a = parsed.assertion;
  const actual = await actualOf(a, facts, line);
  if ('error' in actual) {
    if (typeof actual.error === 'string') return { passed: false, code: 'WL_ASSERTION_FAILED', message: `?? ${text}: ${actual.error}` };
    return { passed: false, code: actual.error.code, message: actual.error.message };
  }
  const ok = compare(a.op, actual.value, a.expected);
  if (typeof ok === 'string') return { passed: false, code: 'WL_ASSERTION_INVALID', message: `?? ${text}: ${ok}` };
  if (ok) return { passed: true };
  const wanted = a.expected === undefined ? a.op : `${a.op} ${a.expected}`;
  return { passed: false, code: 'WL_ASSERTION_FAILED', message: `expected ${actual.what} ${wanted}, got ${show(actual.value)}` };
}
