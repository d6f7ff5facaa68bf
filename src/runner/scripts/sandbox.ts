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
import type { QuickJSWASMModule, QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import type { ErrorInfo } from '../../core/errors';
import { ERROR_HINTS } from '../../core/errors';

interface QuickJsLib {
  newQuickJSWASMModuleFromVariant: typeof import('quickjs-emscripten-core').newQuickJSWASMModuleFromVariant;
  newVariant: typeof import('quickjs-emscripten-core').newVariant;
  RELEASE_SYNC: import('quickjs-emscripten-core').QuickJSSyncVariant;
}

let loading: Promise<QuickJSWASMModule> | undefined;

// The bundle is found at run time beside dist/*.js, so it is loaded with require, not import.
/* eslint-disable @typescript-eslint/no-require-imports */
function loadLib(): { lib: QuickJsLib; wasm: string } {
  const bundled = join(__dirname, 'quickjs.js');
  if (existsSync(bundled)) return { lib: require(bundled) as QuickJsLib, wasm: join(__dirname, 'quickjs.wasm') };
  // From source (tests, tsx): the packages themselves. The bundles mark them external.
  const core = require('quickjs-emscripten-core') as typeof import('quickjs-emscripten-core');
  const variant = require('@jitl/quickjs-wasmfile-release-sync') as { default: QuickJsLib['RELEASE_SYNC'] };
  return {
    lib: { newQuickJSWASMModuleFromVariant: core.newQuickJSWASMModuleFromVariant, newVariant: core.newVariant, RELEASE_SYNC: variant.default },
    wasm: require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'),
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

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

/**
 * The JetBrains HTTP Client API, written in the sandbox's own JavaScript over `__wl`. Evaluated
 * once per context; `__wirelaneBegin()` (first thing of every script) re-reads the request and
 * response from the host and puts fresh API objects in place, so a script that overwrote
 * `client` or `response` does not affect the next one.
 */
export const PRELUDE = `(function () {
  const host = globalThis.__wl;
  delete globalThis.__wl;
  const call = (op, ...args) => { const r = host(op, JSON.stringify(args)); return r === undefined ? undefined : JSON.parse(r); };
  const text = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const show = (v) => (typeof v === 'string' ? v : v instanceof Error ? String(v) : JSON.stringify(v) ?? String(v));
  const EXIT = { ${EXIT_MARK}: true };
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
  const makeCrypto = () => {
    const c = { hmac: {} };
    for (const a of ['md5', 'sha1', 'sha256', 'sha384', 'sha512']) { c[a] = () => builder(a); c.hmac[a] = () => hmac(a); }
    return c;
  };
  const makeClient = () => ({
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
  });
  globalThis.__wirelaneBegin = () => {
    const ctx = call('context');
    const rq = ctx.request || {};
    const client = makeClient();
    globalThis.client = client;
    globalThis.crypto = makeCrypto();
    globalThis.console = { log: client.log, info: client.log, warn: client.log, error: client.log, debug: client.log };
    globalThis.request = {
      method: rq.method, url: rq.url, body: rq.body,
      headers: headerApi(rq.headers || []),
      variables: {
        set(name, value) { call('var.set', String(name), text(value)); },
        get(name) { const v = call('var.get', String(name)); return v === undefined ? null : v; },
      },
      environment: { get(name) { const v = call('env.get', String(name)); return v === undefined ? null : v; } },
    };
    const r = ctx.response;
    globalThis.response = r
      ? { status: r.status, body: r.body, parsedBody: r.body, headers: headerApi(r.headers), contentType: { mimeType: r.mimeType, charset: r.charset } }
      : undefined;
  };
  globalThis.__wirelaneResult = (v) => { call('result', v === undefined ? null : v); };
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
 * One QuickJS runtime and context for the scripts of one run (creating a context costs about a
 * millisecond; a run may have hundreds of handlers). Each script runs in a function scope of its
 * own, with fresh API objects and its own deadline; after a timeout or running out of memory the
 * context is thrown away and the next script gets a new one.
 */
export class Sandbox {
  private rt: QuickJSRuntime | undefined;
  private vm: QuickJSContext | undefined;
  private host: HostCall = () => undefined;
  private deadline = 0;
  private timedOut = false;

  constructor(private readonly limits: ScriptLimits = {}) {}

  private open(quickjs: QuickJSWASMModule): QuickJSContext | ErrorInfo {
    const rt = (this.rt = quickjs.newRuntime());
    rt.setMemoryLimit(this.limits.memoryBytes ?? DEFAULT_MEMORY);
    rt.setMaxStackSize(1024 * 1024);
    rt.setInterruptHandler(() => {
      if (Date.now() > this.deadline) this.timedOut = true;
      return this.timedOut;
    });
    const vm = (this.vm = rt.newContext());
    const fn = vm.newFunction('__wl', (opH, argsH) => {
      const op = vm.getString(opH);
      const args = JSON.parse(vm.getString(argsH)) as unknown[];
      return toJs(vm, this.host(op, args));
    });
    vm.setProp(vm.global, '__wl', fn);
    fn.dispose();
    this.timedOut = false;
    this.deadline = Date.now() + DEFAULT_TIMEOUT_MS;
    const prelude = vm.evalCode(PRELUDE, 'wirelane:prelude');
    if (prelude.error) {
      const d = vm.dump(prelude.error) as Dumped;
      prelude.error.dispose();
      this.dispose();
      return { code: 'WL_INTERNAL', message: `script prelude failed: ${d?.message ?? String(d)}`, phase: 'script' };
    }
    prelude.value.dispose();
    return vm;
  }

  /**
   * Runs one script. `host` answers the prelude's calls (`context`, `test`, `log`,
   * `global.set`, …). Never throws for what the script does: errors come back as values.
   */
  async run(src: ScriptSource, host: HostCall): Promise<ScriptOutcome> {
    const quickjs = await loadQuickJs();
    const where = { file: src.file, line: src.line };
    const vm = this.vm ?? this.open(quickjs);
    if (!('evalCode' in vm)) return { error: { ...vm, source: where } };
    const timeoutMs = this.limits.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.host = host;
    this.timedOut = false;
    this.deadline = Date.now() + timeoutMs;
    try {
      // Leading line breaks make the engine's line numbers those of the file; the wrapper sits on
      // the script's first line so that it shifts none of them.
      const code = `${'\n'.repeat(Math.max(0, src.line - 1))}__wirelaneBegin();(function () {${src.code}\n})();`;
      const result = vm.evalCode(code, src.file);
      if (!result.error) {
        result.value.dispose();
        const jobs = this.rt!.executePendingJobs();
        if (!jobs.error) return {};
        return this.fail(vm.dump(jobs.error) as Dumped, jobs.error, src, timeoutMs);
      }
      return this.fail(vm.dump(result.error) as Dumped, result.error, src, timeoutMs);
    } finally {
      this.host = () => undefined;
    }
  }

  private fail(d: Dumped, handle: QuickJSHandle, src: ScriptSource, timeoutMs: number): ScriptOutcome {
    handle.dispose();
    const where = { file: src.file, line: src.line };
    if (d && typeof d === 'object' && d[EXIT_MARK]) return {};
    if (this.timedOut) {
      this.dispose();
      return { error: { code: 'WL_SCRIPT_TIMEOUT', message: `the script ran longer than ${timeoutMs} ms and was stopped`, phase: 'script', hint: ERROR_HINTS.WL_SCRIPT_TIMEOUT, source: where } };
    }
    // QuickJS has no error code for this; its message is the only signal it gives.
    if (d === null || (d && typeof d === 'object' && d.name === 'InternalError' && /out of memory/i.test(d.message ?? ''))) {
      this.dispose();
      return {
        error: {
          code: 'WL_SCRIPT_MEMORY',
          message: `the script used more than ${Math.round((this.limits.memoryBytes ?? DEFAULT_MEMORY) / 1048576)} MiB and was stopped`,
          phase: 'script',
          hint: ERROR_HINTS.WL_SCRIPT_MEMORY,
          source: where,
        },
      };
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

  dispose(): void {
    try {
      this.vm?.dispose();
      this.rt?.dispose();
    } catch {
      // A runtime that ran out of memory may not free cleanly: start from a new module next time.
      loading = undefined;
    }
    this.vm = undefined;
    this.rt = undefined;
  }
}

/** One script in a sandbox of its own. */
export async function runInSandbox(src: ScriptSource, host: HostCall, limits: ScriptLimits = {}): Promise<ScriptOutcome> {
  const sandbox = new Sandbox(limits);
  try {
    return await sandbox.run(src, host);
  } finally {
    sandbox.dispose();
  }
}
