// A sandbox for `.http` scripts: QuickJS compiled to WebAssembly (quickjs-emscripten). A script
// sees only what the prelude defines (the JetBrains `client` / `request` / `response` /
// `crypto` objects) and reaches the host through one function that takes and returns JSON:
// there is no `require`, `process`, file system, network or timer inside. Every script gets a
// fresh runtime with a memory limit and a deadline; a script that never ends is interrupted and
// fails with WL_SCRIPT_TIMEOUT, one that allocates without end with WL_SCRIPT_MEMORY.
//
// The engine is loaded lazily, on the first script of a process: from dist/quickjs.js and
// dist/quickjs.wasm when running from the bundle, from node_modules when running from source.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QuickJSWASMModule, QuickJSContext, QuickJSHandle } from 'quickjs-emscripten-core';
import type { ErrorInfo } from '../../core/errors';
import { ERROR_HINTS } from '../../core/errors';

interface QuickJsLib {
  newQuickJSWASMModuleFromVariant: typeof import('quickjs-emscripten-core').newQuickJSWASMModuleFromVariant;
  newVariant: typeof import('quickjs-emscripten-core').newVariant;
  RELEASE_SYNC: import('quickjs-emscripten-core').QuickJSSyncVariant;
}

let loading: Promise<QuickJSWASMModule> | undefined;

function loadLib(): { lib: QuickJsLib; wasm: string } {
  const bundled = join(__dirname, 'quickjs.js');
  if (existsSync(bundled)) return { lib: require(bundled) as QuickJsLib, wasm: join(__dirname, 'quickjs.wasm') };
  // From source (tests, tsx): the packages themselves. The bundles mark them external.
  const core = require('quickjs-emscripten-core') as typeof import('quickjs-emscripten-core');
  const variant = require('@jitl/quickjs-wasmfile-release-sync') as { default: QuickJsLib['RELEASE_SYNC'] };
  return { lib: { newQuickJSWASMModuleFromVariant: core.newQuickJSWASMModuleFromVariant, newVariant: core.newVariant, RELEASE_SYNC: variant.default }, wasm: require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm') };
}

/** The QuickJS module, compiled once per process on first use. */
export function loadQuickJs(): Promise<QuickJSWASMModule> {
  loading ??= (async () => {
    const { lib, wasm } = loadLib();
    const bytes = readFileSync(wasm);
    const binary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    return lib.newQuickJSWASMModuleFromVariant(lib.newVariant(lib.RELEASE_SYNC, { wasmBinary: binary }));
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

export interface ScriptLimits {
  /** Wall-clock time a script may run (default 2000 ms). */
  timeoutMs?: number;
  /** Heap a script may allocate (default 32 MiB). */
  memoryBytes?: number;
}

export interface ScriptSource {
  code: string;
  /** Shown in errors and stack traces: the .http file, or the handler's .js file. */
  file: string;
  /** 1-based line of the code's first line in `file`. */
  line: number;
}

/** What the prelude asks of the host: `op` and JSON-able arguments, a JSON-able answer. */
export type HostCall = (op: string, args: unknown[]) => unknown;

export interface ScriptOutcome {
  /** Set when the script threw, timed out or ran out of memory (client.exit() is not an error). */
  error?: ErrorInfo;
  /** The thrown value was a failed `client.assert` outside `client.test`. */
  assertion?: boolean;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_MEMORY = 32 * 1024 * 1024;
const EXIT_MARK = '__wirelaneExit';

/** The JetBrains HTTP Client API, written in the sandbox's own JavaScript over `__wl`. */
export const PRELUDE = `(function () {
  const host = globalThis.__wl;
  delete globalThis.__wl;
  const call = (op, ...args) => { const r = host(op, JSON.stringify(args)); return r === undefined ? undefined : JSON.parse(r); };
  const ctx = call('context');
  const text = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const show = (v) => (typeof v === 'string' ? v : v instanceof Error ? String(v) : JSON.stringify(v) ?? String(v));
  const EXIT = { ${EXIT_MARK}: true };
  const client = {
    global: {
      set(name, value) { call('global.set', String(name), text(value)); },
      get(name) { const v = call('global.get', String(name)); return v === undefined ? null : v; },
      isEmpty() { return call('global.isEmpty'); },
      clear(name) { call('global.clear', String(name)); },
      clearAll() { call('global.clearAll'); },
    },
    test(name, fn) {
      const at = String(new Error().stack || '');
      try {
        fn();
        call('test', String(name), true, '', '', at);
      } catch (e) {
        if (e === EXIT) { call('test', String(name), true, '', '', at); throw e; }
        call('test', String(name), false, e instanceof Error ? e.message : show(e), e instanceof Error ? String(e.stack || '') : '', at);
      }
    },
    assert(condition, message) {
      if (!condition) { const e = new Error(message === undefined ? 'assertion failed' : String(message)); e.name = 'AssertionError'; throw e; }
    },
    log(...args) { call('log', args.map(show).join(' ')); },
    exit() { throw EXIT; },
  };
  const headerApi = (list) => ({
    valueOf(name) { const n = String(name).toLowerCase(); const h = list.find((x) => x[0].toLowerCase() === n); return h ? h[1] : null; },
    valuesOf(name) { const n = String(name).toLowerCase(); return list.filter((x) => x[0].toLowerCase() === n).map((x) => x[1]); },
    all() { return list.map((x) => ({ name: x[0], value: x[1] })); },
  });
  const builder = (alg, key) => {
    const parts = [];
    const b = {
      updateWithText(t) { parts.push(['text', String(t)]); return b; },
      updateWithHex(h) { parts.push(['hex', String(h)]); return b; },
      updateWithBase64(s) { parts.push(['base64', String(s)]); return b; },
      digest() {
        const d = call('digest', alg, key === undefined ? null : key, parts);
        return { toHex() { return d.hex; }, toBase64(urlSafe) { return urlSafe ? d.base64url : d.base64; } };
      },
    };
    return b;
  };
  const hmac = (alg) => ({
    withTextSecret(s) { return builder(alg, ['text', String(s)]); },
    withHexSecret(s) { return builder(alg, ['hex', String(s)]); },
    withBase64Secret(s) { return builder(alg, ['base64', String(s)]); },
  });
  const ALGS = ['md5', 'sha1', 'sha256', 'sha384', 'sha512'];
  const cryptoApi = { hmac: {} };
  for (const a of ALGS) { cryptoApi[a] = () => builder(a); cryptoApi.hmac[a] = () => hmac(a); }
  const rq = ctx.request || {};
  const request = {
    method: rq.method, url: rq.url, body: rq.body,
    headers: headerApi(rq.headers || []),
    variables: {
      set(name, value) { call('var.set', String(name), text(value)); },
      get(name) { const v = call('var.get', String(name)); return v === undefined ? null : v; },
    },
    environment: { get(name) { const v = call('env.get', String(name)); return v === undefined ? null : v; } },
  };
  globalThis.client = client;
  globalThis.__wirelaneResult = (v) => { call('result', v === undefined ? null : v); };
  globalThis.request = request;
  globalThis.crypto = cryptoApi;
  globalThis.console = { log: client.log, info: client.log, warn: client.log, error: client.log, debug: client.log };
  if (ctx.response) {
    const r = ctx.response;
    globalThis.response = {
      status: r.status, body: r.body, parsedBody: r.body, headers: headerApi(r.headers),
      contentType: { mimeType: r.mimeType, charset: r.charset },
    };
  }
})();`;

/** `at f (file:12:5)` → 12: the first frame in the script's own file. */
export function lineFromStack(stack: string | undefined, file: string): number | undefined {
  if (!stack) return undefined;
  for (const m of stack.matchAll(/\(([^()]*?):(\d+)(?::\d+)?\)/g)) if (m[1] === file) return Number(m[2]);
  return undefined;
}

interface Dumped {
  name?: string;
  message?: string;
  stack?: string;
  [EXIT_MARK]?: boolean;
}

function toJs(vm: QuickJSContext, value: unknown): QuickJSHandle {
  return value === undefined ? vm.undefined : vm.newString(JSON.stringify(value));
}

/**
 * Runs one script in a fresh runtime. `host` answers the prelude's calls (`context`, `test`,
 * `log`, `global.set`, …). Never throws for what the script does: errors come back as values.
 */
export async function runInSandbox(src: ScriptSource, host: HostCall, limits: ScriptLimits = {}): Promise<ScriptOutcome> {
  const quickjs = await loadQuickJs();
  const timeoutMs = limits.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const rt = quickjs.newRuntime();
  rt.setMemoryLimit(limits.memoryBytes ?? DEFAULT_MEMORY);
  rt.setMaxStackSize(1024 * 1024);
  let timedOut = false;
  const deadline = Date.now() + timeoutMs;
  rt.setInterruptHandler(() => {
    if (Date.now() > deadline) timedOut = true;
    return timedOut;
  });
  const vm = rt.newContext();
  const where = { file: src.file, line: src.line };
  try {
    const fn = vm.newFunction('__wl', (opH, argsH) => {
      const op = vm.getString(opH);
      const args = JSON.parse(vm.getString(argsH)) as unknown[];
      return toJs(vm, host(op, args));
    });
    vm.setProp(vm.global, '__wl', fn);
    fn.dispose();
    const prelude = vm.evalCode(PRELUDE, 'wirelane:prelude');
    if (prelude.error) {
      const d = vm.dump(prelude.error) as Dumped;
      prelude.error.dispose();
      return { error: { code: 'WL_INTERNAL', message: `script prelude failed: ${d?.message ?? String(d)}`, phase: 'script', source: where } };
    }
    prelude.value.dispose();
    // Leading line breaks make the engine's line numbers those of the file.
    const result = vm.evalCode('\n'.repeat(Math.max(0, src.line - 1)) + src.code, src.file);
    if (!result.error) {
      result.value.dispose();
      const jobs = rt.executePendingJobs();
      if (!jobs.error) return {};
      return fail(vm.dump(jobs.error) as Dumped, jobs.error);
    }
    return fail(vm.dump(result.error) as Dumped, result.error);
  } finally {
    try {
      vm.dispose();
      rt.dispose();
    } catch {
      // A runtime that ran out of memory may not free cleanly: start from a new module next time.
      loading = undefined;
    }
  }

  function fail(d: Dumped, handle: QuickJSHandle): ScriptOutcome {
    handle.dispose();
    if (d && typeof d === 'object' && d[EXIT_MARK]) return {};
    if (timedOut) {
      return { error: { code: 'WL_SCRIPT_TIMEOUT', message: `the script ran longer than ${timeoutMs} ms and was stopped`, phase: 'script', hint: ERROR_HINTS.WL_SCRIPT_TIMEOUT, source: where } };
    }
    // QuickJS has no error code for this; its message is the only signal it gives.
    if (d === null || (d && typeof d === 'object' && d.name === 'InternalError' && /out of memory/i.test(d.message ?? ''))) {
      return { error: { code: 'WL_SCRIPT_MEMORY', message: `the script used more than ${Math.round((limits.memoryBytes ?? DEFAULT_MEMORY) / 1048576)} MiB and was stopped`, phase: 'script', hint: ERROR_HINTS.WL_SCRIPT_MEMORY, source: where } };
    }
    const isObj = d && typeof d === 'object';
    const message = isObj ? `${d.name ?? 'Error'}: ${d.message ?? JSON.stringify(d)}` : `uncaught ${JSON.stringify(d)}`;
    const line = isObj ? lineFromStack(d.stack, src.file) : undefined;
    const source = { file: src.file, line: line ?? src.line };
    if (isObj && d.name === 'AssertionError') {
      return { assertion: true, error: { code: 'WL_ASSERTION_FAILED', message: d.message ?? 'assertion failed', phase: 'script', hint: ERROR_HINTS.WL_ASSERTION_FAILED, source } };
    }
    return { error: { code: 'WL_SCRIPT_ERROR', message, phase: 'script', hint: ERROR_HINTS.WL_SCRIPT_ERROR, source } };
  }
}
