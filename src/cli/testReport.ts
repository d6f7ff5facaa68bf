// What `wirelane test` reports: the tests of each file, grouped per request (`client.test`
// blocks, `??` lines, failed scripts), in four forms: text for people, JUnit XML and TAP for CI
// systems, and JSON for scripts.

import type { HttpFile } from '../core/httpfile/ast';
import { formatError, type ErrorInfo, type SourceLocation } from '../core/errors';
import type { FileRunResult } from '../runner/fileRunner';
import { ScriptHost, type CheckResult } from '../runner/scripts/host';
import type { Style } from './table';

export interface TestCase {
  name: string;
  kind: CheckResult['kind'] | 'request';
  passed: boolean;
  source: SourceLocation;
  error?: ErrorInfo;
}

export interface RequestTests {
  /** `@name`, `###` title, or `METHOD URL`. */
  name: string;
  source: SourceLocation;
  /** Time from the request's start to its response's end, ms. */
  timeMs?: number;
  status?: number;
  logs: string[];
  tests: TestCase[];
}

export interface FileTests {
  file: string;
  requests: RequestTests[];
  /** The file could not be run at all (unreadable, bad usage). */
  error?: ErrorInfo;
}

export interface TestSummary {
  files: FileTests[];
  tests: number;
  passed: number;
  failed: number;
}

/** The requests of one run that have tests, with their outcomes; a request that could not be sent fails its tests. */
export function collectTests(shownFile: string, file: HttpFile, result: FileRunResult): FileTests {
  const requests: RequestTests[] = [];
  file.regions.forEach((region, i) => {
    const req = region.request;
    if (!req) return;
    const r = result.results.find((x) => x.regionIndex === i);
    const skipped = result.skipped.find((x) => x.regionIndex === i);
    const hasChecks = ScriptHost.hasChecks(region);
    const ran = r?.checks ?? [];
    if (!hasChecks && ran.length === 0) return;
    const source = { file: shownFile, line: req.range.start.line + 1 };
    const name = region.name ?? region.title ?? `${req.method} ${req.url.text}`;
    const tests: TestCase[] = ran.map((c) => ({ name: c.name, kind: c.kind, passed: c.passed, source: c.source, error: c.error }));
    const notSent = r?.error ?? skipped?.error ?? (!r ? { code: 'WL_CANCELLED', message: 'not sent' } : undefined);
    if (notSent) tests.unshift({ name: 'request', kind: 'request', passed: false, source, error: notSent });
    const ex = r?.exchange;
    requests.push({
      name,
      source,
      timeMs: ex?.endedAt !== undefined ? Math.round((ex.endedAt - ex.startedAt) * 10) / 10 : undefined,
      status: ex?.response?.status,
      logs: r?.logs ?? [],
      tests,
    });
  });
  return { file: shownFile, requests };
}

export function summarize(files: FileTests[]): TestSummary {
  let tests = 0;
  let passed = 0;
  for (const f of files) {
    if (f.error) tests++;
    for (const r of f.requests)
      for (const t of r.tests) {
        tests++;
        if (t.passed) passed++;
      }
  }
  return { files, tests, passed, failed: tests - passed };
}

const xmlEscape = (s: string) =>
  // Characters XML 1.0 cannot carry at all are dropped; the rest escaped.
  s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);

const errorText = (e: ErrorInfo) => formatError(e);

/** JUnit XML: a testsuite per request, a testcase per test. */
export function toJUnit(s: TestSummary): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="wirelane" tests="${s.tests}" failures="${s.failed}">`];
  for (const f of s.files) {
    if (f.error) {
      out.push(`  <testsuite name="${xmlEscape(f.file)}" tests="1" failures="0" errors="1">`);
      out.push(
        `    <testcase name="run" classname="${xmlEscape(f.file)}"><error message="${xmlEscape(f.error.message)}" type="${xmlEscape(f.error.code)}">${xmlEscape(errorText(f.error))}</error></testcase>`,
      );
      out.push('  </testsuite>');
      continue;
    }
    for (const r of f.requests) {
      const failures = r.tests.filter((t) => !t.passed).length;
      const time = r.timeMs !== undefined ? ` time="${(r.timeMs / 1000).toFixed(3)}"` : '';
      out.push(`  <testsuite name="${xmlEscape(`${f.file} › ${r.name}`)}" tests="${r.tests.length}" failures="${failures}" errors="0"${time} file="${xmlEscape(f.file)}">`);
      for (const t of r.tests) {
        const open = `    <testcase name="${xmlEscape(t.name)}" classname="${xmlEscape(`${f.file}.${r.name}`)}" file="${xmlEscape(t.source.file)}" line="${t.source.line}"`;
        if (t.passed) out.push(`${open}/>`);
        else {
          const e = t.error ?? { code: 'WL_ASSERTION_FAILED', message: 'failed' };
          out.push(`${open}>`, `      <failure message="${xmlEscape(e.message)}" type="${xmlEscape(e.code)}">${xmlEscape(errorText(e))}</failure>`, '    </testcase>');
        }
      }
      if (r.logs.length) out.push(`    <system-out>${xmlEscape(r.logs.join('\n'))}</system-out>`);
      out.push('  </testsuite>');
    }
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** TAP version 13, one line per test, a YAML block under each failure. */
export function toTap(s: TestSummary): string {
  const out = ['TAP version 13', `1..${s.tests}`];
  let n = 0;
  const yaml = (e: ErrorInfo) => [
    '  ---',
    `  code: ${e.code}`,
    `  message: ${JSON.stringify(e.message)}`,
    ...(e.source ? [`  at: ${JSON.stringify(`${e.source.file}:${e.source.line}`)}`] : []),
    '  ...',
  ];
  for (const f of s.files) {
    if (f.error) {
      out.push(`not ok ${++n} - ${f.file}`, ...yaml(f.error));
      continue;
    }
    for (const r of f.requests) {
      for (const t of r.tests) {
        const title = `${f.file} › ${r.name} › ${t.name}`.replace(/#/g, '\\#');
        if (t.passed) out.push(`ok ${++n} - ${title}`);
        else out.push(`not ok ${++n} - ${title}`, ...yaml(t.error ?? { code: 'WL_ASSERTION_FAILED', message: 'failed', source: t.source }));
      }
    }
  }
  return out.join('\n') + '\n';
}

export function toJson(s: TestSummary): string {
  return JSON.stringify({ tests: s.tests, passed: s.passed, failed: s.failed, files: s.files }, null, 2) + '\n';
}

/** For people: ✓ / ✗ per test, the failure's message and place, a summary. */
export function toText(s: TestSummary, style: Style): string {
  const out: string[] = [];
  for (const f of s.files) {
    if (f.error) {
      out.push(`${style.red('✗')} ${f.file}: ${errorText(f.error)}`);
      continue;
    }
    if (f.requests.length === 0) out.push(style.dim(`${f.file}: no tests (no request has \`> {% %}\` or \`??\` lines)`));
    for (const r of f.requests) {
      out.push(`${f.file}:${r.source.line} ${r.name}${r.status !== undefined ? style.dim(` ${r.status}`) : ''}`);
      for (const t of r.tests) {
        if (t.passed) out.push(`  ${style.green('✓')} ${t.name}`);
        else {
          const e = t.error;
          out.push(`  ${style.red('✗')} ${t.name}`);
          if (e) out.push(`      ${e.code} ${e.source ? `${e.source.file}:${e.source.line} ` : ''}${e.message}`);
        }
      }
      for (const l of r.logs) out.push(style.dim(`  log: ${l}`));
    }
  }
  out.push('', `${s.passed} passed, ${s.failed} failed${s.failed ? '' : ''}`);
  return out.join('\n') + '\n';
}
