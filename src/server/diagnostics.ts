// Diagnostics on open and on every change: parser problems plus the resolver's (unresolved
// variables, missing files, not-supported notes). Runs are debounced per document; a run whose
// document changed while it worked is dropped (superseded) instead of publishing stale results.
import { getHeapStatistics } from 'node:v8';
import { DiagnosticSeverity, type Connection, type Diagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ParseDiagnostic, Severity } from '../core/httpfile/ast';
import { importDiagnostics, type ResolveContext } from '../core/variables';
import { parseHttpFile } from '../core/httpfile';
import type { Analyses } from './analysis';
import type { Logger } from './safe';
import { methodDiagnostics } from '../core/httpfile/methods';
import { VariableDiagnosticsCache } from './variableCache';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: ParseDiagnostic): Diagnostic {
  return { range: d.range, severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error, code: d.code, source: 'wirelane', message: d.message };
}

/**
 * A document at least this long (UTF-16 code units) is checked top first when opened: the
 * problems of its first HEAD_CHARS are published before the whole file is parsed, then the
 * parse problems of the whole file, then everything (variables resolved). The editor shows the
 * top of a file just opened; the rest follows within the second.
 */
export const LARGE_DOCUMENT_CHARS = 256 * 1024;
export const HEAD_CHARS = 32 * 1024;

/** Parse problems that depend on the rest of the file (`@host` may be defined further down). */
function headOnly(d: ParseDiagnostic): boolean {
  return d.code !== 'WL_PARSE_URL_NO_HOST';
}

export interface DiagnosticsDeps {
  connection: Connection;
  analyses: Analyses;
  log: Logger;
  document(uri: string): TextDocument | undefined;
  resolveContext(uri: string): ResolveContext;
  /** Changes whenever something outside the text and the env files changed (named responses). */
  contextVersion(uri: string): string;
  /** When set, each run reports how long parsing and resolving took (benchmarks). */
  trace?(message: string): void;
}

export class DiagnosticsScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Bumped per schedule: a run compares its ticket with the latest before publishing. */
  private readonly tickets = new Map<string, number>();
  private readonly caches = new Map<string, VariableDiagnosticsCache>();
  private readonly lastStart = new Map<string, number>();
  /** Documents whose top was published on open, with that version: a run of the same version publishes parse problems before resolving. */
  private readonly topFirst = new Map<string, number>();
  /** For benchmarks and tests: how many runs were dropped because the document changed under them. */
  superseded = 0;

  constructor(
    private readonly deps: DiagnosticsDeps,
    public delayMs: number,
  ) {}

  /**
   * Leading-edge debounce: the first change after a quiet spell is checked at once (a keystroke
   * gets its diagnostics without waiting); changes that follow within `delayMs` of a run or of
   * each other are coalesced into one trailing run.
   */
  schedule(uri: string, delayMs = this.delayMs): void {
    const ticket = (this.tickets.get(uri) ?? 0) + 1;
    this.tickets.set(uri, ticket);
    const pending = this.timers.get(uri);
    if (pending) clearTimeout(pending);
    const quiet = performance.now() - (this.lastStart.get(uri) ?? Number.NEGATIVE_INFINITY) >= this.delayMs;
    const wait = !pending && quiet ? 0 : delayMs;
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        void this.run(uri, ticket);
      }, wait),
    );
  }

  /**
   * A document was opened. A large one gets the parse problems of its top published at once,
   * in this turn: the editor's next requests (code lenses, symbols, folding) parse the whole file
   * before the scheduled run would get to it. Then the run is scheduled as for any change.
   */
  opened(uri: string): void {
    const doc = this.deps.document(uri);
    if (doc && !this.caches.has(uri) && doc.getText().length >= LARGE_DOCUMENT_CHARS) {
      const th = performance.now();
      const head = this.deps.analyses.head(doc, HEAD_CHARS);
      if (head) {
        this.topFirst.set(uri, doc.version);
        this.deps.trace?.(`diagnostics v${doc.version} (top of the file): parse ${(performance.now() - th).toFixed(1)} ms, ${head.regions.length} regions`);
        void this.deps.connection
          .sendDiagnostics({ uri, version: doc.version, diagnostics: head.diagnostics.filter(headOnly).map(toLspDiagnostic) })
          .catch((err: unknown) => this.deps.log.error(`diagnostics for ${uri} failed: ${String(err)}`));
      }
    }
    this.schedule(uri, 0);
  }

  cancel(uri: string): void {
    this.topFirst.delete(uri);
    const old = this.timers.get(uri);
    if (old) clearTimeout(old);
    this.timers.delete(uri);
    this.tickets.set(uri, (this.tickets.get(uri) ?? 0) + 1);
    this.caches.delete(uri);
    this.lastStart.delete(uri);
  }

  /** Files on disk changed (env files, `.env`, `< file` targets): resolve every request again. */
  resetCaches(): void {
    for (const c of this.caches.values()) c.reset();
  }

  /** Requests re-resolved by the last run for `uri` (tests, benchmarks). */
  lastResolved(uri: string): number | undefined {
    return this.caches.get(uri)?.lastResolved;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private current(uri: string, ticket: number): boolean {
    return this.tickets.get(uri) === ticket;
  }

  private async run(uri: string, ticket: number): Promise<void> {
    const { analyses, connection, log } = this.deps;
    this.lastStart.set(uri, performance.now());
    try {
      const doc = this.deps.document(uri);
      if (!doc) return;
      // The run of the version whose top was published on open: parse problems of the whole file
      // next. An edit since then is answered once, as any edit.
      const large = this.topFirst.get(uri) === doc.version;
      this.topFirst.delete(uri);
      if (large) {
        // The connection writes on a later turn (setImmediate) and this timer can fire first: let
        // the top's publication go out before the whole file is parsed.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const t0 = performance.now();
      const analysis = analyses.get(doc);
      const t1 = performance.now();
      if (large && this.current(uri, ticket)) {
        // Every request is resolved next (hundreds of ms in a cold server): the parse problems first.
        this.deps.trace?.(`diagnostics v${analysis.version} (parse only): parse ${(t1 - t0).toFixed(1)} ms`);
        await connection.sendDiagnostics({ uri, version: analysis.version, diagnostics: analysis.file.diagnostics.map(toLspDiagnostic) });
      }
      // Let a newer didChange that arrived during the parse be handled before the resolver pass:
      // the reader queues it with setImmediate during the poll phase, so it runs before our second turn.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!this.current(uri, ticket) || this.deps.document(uri)?.version !== analysis.version) {
        this.superseded++;
        return;
      }
      let cache = this.caches.get(uri);
      if (!cache) {
        cache = new VariableDiagnosticsCache();
        this.caches.set(uri, cache);
      }
      const t2 = performance.now();
      const ctx = this.deps.resolveContext(uri);
      // `# @import` files lend their variables and named requests; `import`/`run` lines are checked.
      const imported = importDiagnostics(ctx.filePath, analysis.file, { readFile: ctx.readFile, parse: parseHttpFile });
      if (imported.files.length) ctx.imports = imported.files.map((f) => f.file);
      const problems = [...analysis.file.diagnostics, ...imported.diagnostics, ...cache.compute(analysis.file, ctx, this.deps.contextVersion(uri))];
      const t3 = performance.now();
      if (!this.current(uri, ticket)) {
        this.superseded++;
        return;
      }
      // Traced before publishing, so a client sees the timing before the diagnostics it explains.
      this.deps.trace?.(
        `diagnostics v${analysis.version}: parse ${(t1 - t0).toFixed(1)} ms, resolve ${(t3 - t2).toFixed(1)} ms (${cache.lastResolved} requests re-resolved), heap ${(getHeapStatistics().used_heap_size / 1048576).toFixed(1)} MB`,
      );
      await connection.sendDiagnostics({ uri, version: analysis.version, diagnostics: [...problems.map(toLspDiagnostic), ...methodDiagnostics(analysis.file).map(toLspDiagnostic)] });
    } catch (err) {
      log.error(`diagnostics for ${uri} failed: ${err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err)}`);
    }
  }
}
