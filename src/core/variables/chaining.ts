// Named-request references: `NAME.(request|response).(body|headers).(*|JSONPath|XPath|HeaderName)`.
// JSONPath through jsonpath-plus, XPath through xpath over @xmldom/xmldom.

import type * as xpath from 'xpath';
import { REQUEST_REF } from './scan';

// Loaded on first use (see selectors.ts).
let selectorLibs: typeof import('./selectors') | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (a bundle of its own), see scripts/build.mjs
const libs = (): typeof import('./selectors') => (selectorLibs ??= require('./selectors') as typeof import('./selectors'));

export interface NamedExchange {
  request: { url: string; method: string; headers: Array<[string, string]>; body?: string };
  response?: { status: number; headers: Array<[string, string]>; body?: string };
}

export interface RequestRef {
  requestName: string;
  part: 'request' | 'response';
  section: 'body' | 'headers';
  /** What follows `.body` / `.headers`: `''`, `*`, a JSONPath, an XPath, a header name. */
  selector: string;
}

export function parseRequestRef(name: string): RequestRef | undefined {
  const m = REQUEST_REF.exec(name);
  if (!m) return undefined;
  let selector = m[4];
  if (selector.startsWith('.')) selector = selector.slice(1);
  return { requestName: m[1], part: m[2] as RequestRef['part'], section: m[3] as RequestRef['section'], selector: selector.trim() };
}

export type ChainResult = { ok: true; value: string } | { ok: false; message: string };

function headerValue(headers: Array<[string, string]>, name: string): string | undefined {
  const want = name.toLowerCase();
  const values = headers.filter(([k]) => k.toLowerCase() === want).map(([, v]) => v);
  return values.length ? values.join(', ') : undefined;
}

/** `['Content-Type']`, `["Content-Type"]`, `[Content-Type]` or `Content-Type`. */
function headerName(selector: string): string {
  const m = /^\[\s*(?:'([^']*)'|"([^"]*)"|([^\]]*))\s*\]$/.exec(selector);
  return (m ? (m[1] ?? m[2] ?? m[3]) : selector).trim();
}

function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  return JSON.stringify(v);
}

function selectJson(body: string, path: string, what: string): ChainResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, message: `${what} is not JSON, so ${path} cannot select from it` };
  }
  let found: unknown[];
  try {
    found = libs().JSONPath({ path, json: json as object, wrap: true }) as unknown[];
  } catch (e) {
    return { ok: false, message: `${path} is not a valid JSONPath: ${(e as Error).message}` };
  }
  if (!Array.isArray(found) || found.length === 0) return { ok: false, message: `${path} matched nothing in ${what}` };
  return { ok: true, value: asText(found[0]) };
}

function selectXml(body: string, path: string, what: string): ChainResult {
  let doc: unknown;
  try {
    doc = new (libs().DOMParser)({ onError: () => undefined }).parseFromString(body, 'text/xml');
  } catch {
    return { ok: false, message: `${what} is not XML, so ${path} cannot select from it` };
  }
  let found: xpath.SelectReturnType;
  try {
    found = libs().xpathSelect(path, doc as Node);
  } catch (e) {
    return { ok: false, message: `${path} is not a valid XPath: ${(e as Error).message}` };
  }
  if (Array.isArray(found)) {
    if (found.length === 0) return { ok: false, message: `${path} matched nothing in ${what}` };
    const node = found[0] as { nodeValue?: string | null; textContent?: string | null };
    return { ok: true, value: node.textContent ?? node.nodeValue ?? '' };
  }
  return { ok: true, value: String(found) };
}

export function selectFromExchange(ref: RequestRef, ex: NamedExchange): ChainResult {
  const side = ref.part === 'request' ? ex.request : ex.response;
  const what = `${ref.requestName}'s ${ref.part} ${ref.section}`;
  if (!side) return { ok: false, message: `${ref.requestName} has no response (did it fail?)` };
  if (ref.section === 'headers') {
    if (ref.selector === '' || ref.selector === '*') return { ok: true, value: side.headers.map(([k, v]) => `${k}: ${v}`).join('\n') };
    const name = headerName(ref.selector);
    const v = headerValue(side.headers, name);
    return v === undefined ? { ok: false, message: `${what} have no ${name} header` } : { ok: true, value: v };
  }
  const body = side.body ?? '';
  const sel = ref.selector;
  if (sel === '' || sel === '*') return { ok: true, value: body };
  if (sel.startsWith('$')) return selectJson(body, sel, what);
  if (sel.startsWith('/')) return selectXml(body, sel, what);
  // Dotted paths without `$` (`data.id`, `items[0].id`, `['a b']`) are JSONPath under the root.
  return selectJson(body, sel.startsWith('[') ? `$${sel}` : `$.${sel}`, what);
}
