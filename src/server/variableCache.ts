// Variable diagnostics per request, cached across keystrokes. The incremental parser hands back
// the same RequestNode object for a region whose text did not change (shifted if it moved), so
// only edited requests go through the resolver again; anything that can change every request's
// result (file variables, request names, environments, the selected environment) resets the cache.
import type { HttpFile, ParseDiagnostic, Region, RequestNode, Text } from '../core/httpfile/ast';
import { variableDiagnostics, type ResolveContext } from '../core/variables';
import { loadEnvironments } from '../core/variables/environments';

interface Cached {
  baseLine: number;
  diagnostics: ParseDiagnostic[];
  /** First segments of dotted references in the request (`login` of `login.response.body.$`). */
  refNames: string[];
}

function addRefNames(t: Text, into: string[]): void {
  for (const v of t.variables) {
    if (v.kind === 'builtin') continue;
    const dot = v.name.indexOf('.');
    if (dot > 0) into.push(v.name.slice(0, dot));
  }
}

function requestRefNames(req: RequestNode): string[] {
  const out: string[] = [];
  addRefNames(req.url, out);
  for (const h of req.headers) addRefNames(h.value, out);
  for (const part of req.body?.parts ?? []) addRefNames(part.kind === 'text' ? part.text : part.path, out);
  for (const step of req.wsSteps) if (step.kind === 'send') addRefNames(step.text, out);
  return out;
}

function shifted(d: ParseDiagnostic, delta: number): ParseDiagnostic {
  if (delta === 0) return d;
  return {
    ...d,
    range: {
      start: { line: d.range.start.line + delta, character: d.range.start.character },
      end: { line: d.range.end.line + delta, character: d.range.end.character },
    },
  };
}

function copy(d: ParseDiagnostic): ParseDiagnostic {
  return { ...d, range: { start: { ...d.range.start }, end: { ...d.range.end } } };
}

/** Environment problems are reported at the top of the file, not at any request. */
function isFileWide(d: ParseDiagnostic): boolean {
  const r = d.range;
  return d.code.startsWith('WL_ENV') && r.start.line === 0 && r.end.line === 0 && r.start.character === 0 && r.end.character === 0;
}

export class VariableDiagnosticsCache {
  private signature = '';
  /** Bumped when the signature changes: results of an older generation are stale. */
  private generation = 0;
  /** Keyed by the parser's RequestNode objects; entries of requests that were edited away are collected with them. */
  private perRequest = new WeakMap<RequestNode, Cached & { generation: number }>();
  /** How many requests the last run re-resolved (for tests and benchmarks). */
  lastResolved = 0;

  /** `extra` covers what the context cannot show (e.g. responses of named requests changed). */
  compute(file: HttpFile, ctx: ResolveContext, extra: string): ParseDiagnostic[] {
    const env = loadEnvironments(ctx);
    // One pass over the requests: what is cached (from this generation), what must be resolved,
    // and which request names are referenced. Request names (an `@name`, else the `###` title)
    // decide whether chained references resolve; only names some reference uses can change a
    // result, so typing in a title stays incremental.
    const referenced = new Set<string>();
    const changed: Region[] = [];
    const changedNames: string[][] = [];
    const reused: Array<[RequestNode, Cached]> = [];
    for (const region of file.regions) {
      const req = region.request;
      if (!req) continue;
      const hit = this.perRequest.get(req);
      if (hit && hit.generation === this.generation) {
        reused.push([req, hit]);
        for (const n of hit.refNames) referenced.add(n);
      } else {
        const names = requestRefNames(req);
        changed.push(region);
        changedNames.push(names);
        for (const n of names) referenced.add(n);
      }
    }
    const varRefs: string[] = [];
    for (const v of file.variables) addRefNames(v.value, varRefs);
    for (const n of varRefs) referenced.add(n);
    const usedName = (r: Region) => r.request !== undefined && ((r.name !== undefined && referenced.has(r.name)) || (r.title !== undefined && referenced.has(r.title)));
    const signature = [
      extra,
      ctx.envName ?? '',
      JSON.stringify(ctx.extraEnv ?? {}),
      JSON.stringify(env),
      // Which referenced names exist (an `@name` or a title): cheap, as few names are referenced.
      file.regions
        .filter(usedName)
        .map((r) => `${r.name ?? ''}|${r.title ?? ''}`)
        .join('\n'),
      file.variables.map((v) => `${v.name}=${v.value.text}`).join('\n'),
      // Prompted names count as defined everywhere; imports lend variables and request names.
      file.regions.flatMap((r) => r.directives.filter((d) => d.name === 'prompt').map((d) => d.value)).join('\n'),
      (ctx.imports ?? []).map((f) => f.variables.map((v) => `${v.name}=${v.value.text}`).join('\n') + f.regions.map((r) => `${r.name ?? ''}|${r.title ?? ''}`).join('\n')).join('\u0001'),
    ].join('\u0000');
    const fresh = signature !== this.signature;
    if (fresh) {
      this.signature = signature;
      this.generation++;
      const namesOf = new Map<RequestNode, string[]>();
      changed.forEach((r, i) => namesOf.set(r.request!, changedNames[i]));
      for (const [req, c] of reused) namesOf.set(req, c.refNames);
      changed.length = 0;
      changedNames.length = 0;
      reused.length = 0;
      for (const r of file.regions) {
        if (!r.request) continue;
        changed.push(r);
        changedNames.push(namesOf.get(r.request) ?? []);
      }
    }
    this.lastResolved = changed.length;

    // Always run, even with no request changed: file-wide problems are recomputed from the current parse.
    // Regions that were not edited still lend their names (chained references resolve against
    // them) through stand-ins whose request has nothing to substitute.
    const changedSet = new Set(changed);
    const hasPrompt = (r: Region) => r.directives.some((d) => d.name === 'prompt');
    const stubs: Region[] = fresh ? [] : file.regions.filter((r) => (usedName(r) || hasPrompt(r)) && !changedSet.has(r)).map((r) => this.stub(r));
    const sub: HttpFile = fresh ? file : { ...file, regions: [...changed, ...stubs] };
    const all = variableDiagnostics(sub, ctx);
    const varLines = new Set(file.variables.map((v) => v.range.start.line));
    const owner = (line: number): number => {
      let lo = 0;
      let hi = changed.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const r = changed[mid].range;
        if (line < r.start.line) hi = mid - 1;
        else if (line > r.end.line) lo = mid + 1;
        else return mid;
      }
      return -1;
    };
    const resolved: Array<Cached & { generation: number }> = changed.map((r, i) => ({
      baseLine: r.request!.range.start.line,
      diagnostics: [],
      refNames: changedNames[i],
      generation: this.generation,
    }));
    const global: ParseDiagnostic[] = [];
    for (const d of all) {
      const line = d.range.start.line;
      if (varLines.has(line) || isFileWide(d)) {
        global.push(d);
        continue;
      }
      const i = owner(line);
      // Copied: the resolver reports with the AST's own Range objects, which the incremental parser shifts in place.
      if (i >= 0 && changed[i].request) resolved[i].diagnostics.push(copy(d));
      // Anything else was said about a stand-in: the cached result of its request already has it.
      else if (fresh) global.push(d);
    }
    changed.forEach((r, i) => this.perRequest.set(r.request!, resolved[i]));

    const out: ParseDiagnostic[] = [...global];
    for (const c of resolved) for (const d of c.diagnostics) out.push(d);
    for (const [req, c] of reused) {
      if (c.diagnostics.length === 0) continue;
      const delta = req.range.start.line - c.baseLine;
      for (const d of c.diagnostics) out.push(shifted(d, delta));
    }
    return out;
  }

  private readonly stubs = new WeakMap<RequestNode, Region>();

  private stub(r: Region): Region {
    const req = r.request!;
    let stub = this.stubs.get(req);
    if (!stub || stub.name !== r.name || stub.title !== r.title) {
      const empty = { text: '', range: req.url.range, variables: [] };
      stub = {
        range: r.range,
        name: r.name,
        title: r.title,
        // Its `@prompt` names stay defined for the requests that are resolved again.
        directives: r.directives.filter((d) => d.name === 'prompt'),
        variables: [],
        request: { ...req, url: empty, headers: [], body: undefined, wsSteps: [], scripts: [], assertions: [], responseRefs: [], savedResponses: [] },
      };
      this.stubs.set(req, stub);
    }
    return stub;
  }

  reset(): void {
    this.signature = '';
    this.generation++;
  }
}
