// `# @import ./other.http` (JetBrains, httpYac) and Kulala's `import ./other.http`: the named
// requests and file variables of the imported file become available. `run #name` runs a named
// request (of this file or an import) at that point; `run ./file.http` runs all of a file's
// requests. File access is injected (core does no I/O); the runner and the language server
// share these rules and these diagnostic codes:
//
//   WL_IMPORT_NOT_FOUND  error    the imported file cannot be read
//   WL_IMPORT_CYCLE      warning  a file imports itself through others (the repeated import is skipped)
//   WL_RUN_UNKNOWN       error    `run #name`: no request of that name here or in an import
//   WL_RUN_NOT_FOUND     error    `run ./file.http`: the file cannot be read
//   WL_RUN_CYCLE         error    `run ./file.http` reaches a file that is already running (it would never end)

import type { Directive, HttpFile, ParseDiagnostic, Region } from '../httpfile/ast';
import { dirname, normalizePath, resolvePath } from './paths';

export interface ImportedFile {
  path: string;
  file: HttpFile;
}

export interface FileAccess {
  readFile(path: string): string | undefined;
  parse(text: string): HttpFile;
}

export type RunTarget = { kind: 'request'; name: string; overrides: Record<string, string> } | { kind: 'file'; path: string; overrides: Record<string, string> };

/** `#Request 1 (@host=example.com, @user=me)` or `./other.http (@host=…)`. */
export function parseRunTarget(value: string, fromFile: string): RunTarget | undefined {
  let v = value.trim();
  const overrides: Record<string, string> = {};
  const m = /\(\s*(@[^()]*)\)\s*$/.exec(v);
  if (m) {
    for (const part of m[1].split(',')) {
      const kv = /^\s*@([^=\s]+)\s*=\s*(.*?)\s*$/.exec(part);
      if (kv) overrides[kv[1]] = kv[2];
    }
    v = v.slice(0, m.index).trim();
  }
  if (!v) return undefined;
  if (v.startsWith('#')) {
    const name = v.slice(1).trim();
    return name ? { kind: 'request', name, overrides } : undefined;
  }
  return { kind: 'file', path: resolvePath(dirname(fromFile), v), overrides };
}

export function importDirectives(file: HttpFile): Directive[] {
  const out: Directive[] = [];
  for (const r of file.regions) for (const d of r.directives) if (d.name === 'import' && d.value) out.push(d);
  // A directive carried onto a request region is the same object as in its own region: once each.
  return [...new Set(out)];
}

/**
 * Every file `filePath` imports, directly or through its imports, nearest first, each once.
 * Diagnostics point at the import lines of `filePath` itself.
 */
export function loadImports(filePath: string, file: HttpFile, io: FileAccess): { files: ImportedFile[]; diagnostics: ParseDiagnostic[] } {
  const files: ImportedFile[] = [];
  const diagnostics: ParseDiagnostic[] = [];
  const seen = new Set<string>([normalizePath(filePath)]);
  const visit = (from: string, f: HttpFile, chain: string[], at: Directive | undefined) => {
    for (const d of importDirectives(f)) {
      const path = resolvePath(dirname(from), d.value.trim().replace(/^(["'])(.*)\1$/, '$2'));
      const where = at ?? d;
      if (chain.includes(path)) {
        diagnostics.push({
          range: where.valueRange ?? where.range,
          severity: 'warning',
          code: 'WL_IMPORT_CYCLE',
          message: `import cycle: ${[...chain, path].map(short).join(' → ')} (the repeated import is skipped)`,
        });
        continue;
      }
      if (seen.has(path)) continue;
      const text = io.readFile(path);
      if (text === undefined) {
        const via = at ? ` (imported by ${short(from)})` : '';
        diagnostics.push({
          range: where.valueRange ?? where.range,
          severity: 'error',
          code: 'WL_IMPORT_NOT_FOUND',
          message: `cannot import ${d.value.trim()}: no such file (looked at ${path})${via}`,
        });
        continue;
      }
      seen.add(path);
      const parsed = io.parse(text);
      files.push({ path, file: parsed });
      visit(path, parsed, [...chain, path], where);
    }
  };
  visit(filePath, file, [normalizePath(filePath)], undefined);
  return { files, diagnostics };
}

function short(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

/** The region a `run #name` means: `@name`, then a `###` title, then Kulala's `METHOD URL` form. */
export function findNamedRegion(file: HttpFile, name: string): number {
  const regions = file.regions;
  const by = (f: (r: Region) => boolean) => regions.findIndex((r) => r.request !== undefined && f(r));
  let i = by((r) => r.name === name);
  if (i < 0) i = by((r) => r.name === undefined && r.title === name);
  if (i < 0) i = by((r) => `${r.request!.method} ${r.request!.url.text}` === name);
  return i;
}

/** Whether a file has `import` or `run` lines at all (most do not: nothing to read then). */
export function usesImports(file: HttpFile): boolean {
  return file.regions.some((r) => r.directives.some((d) => d.name === 'import' || d.name === 'run'));
}

/** The imported files and the problems with `import` and `run` lines, for the editor and `wirelane check`. */
export function importDiagnostics(filePath: string, file: HttpFile, io: FileAccess): { files: ImportedFile[]; diagnostics: ParseDiagnostic[] } {
  if (!usesImports(file)) return { files: [], diagnostics: [] };
  const { files, diagnostics } = loadImports(filePath, file, io);
  for (const r of file.regions) {
    for (const d of r.directives) {
      if (d.name !== 'run') continue;
      const at = d.valueRange ?? d.range;
      const t = parseRunTarget(d.value, filePath);
      if (!t) {
        diagnostics.push({ range: at, severity: 'error', code: 'WL_RUN_UNKNOWN', message: '`run` needs `#request-name` or a file path: `run #login`, `run ./setup.http`' });
      } else if (t.kind === 'request') {
        if (findNamedRegion(file, t.name) < 0 && !files.some((f) => findNamedRegion(f.file, t.name) >= 0)) {
          const hint = files.length ? ` or in ${files.map((f) => short(f.path)).join(', ')}` : ' (import the file that defines it: `# @import ./other.http`)';
          diagnostics.push({ range: at, severity: 'error', code: 'WL_RUN_UNKNOWN', message: `run #${t.name}: no request named "${t.name}" in this file${hint}` });
        }
      } else if (normalizePath(t.path) === normalizePath(filePath)) {
        diagnostics.push({ range: at, severity: 'error', code: 'WL_RUN_CYCLE', message: `run ${d.value.trim()} runs this file from itself: it would never end` });
      } else if (io.readFile(t.path) === undefined) {
        diagnostics.push({ range: at, severity: 'error', code: 'WL_RUN_NOT_FOUND', message: `cannot run ${d.value.trim()}: no such file (looked at ${t.path})` });
      }
    }
  }
  return { files, diagnostics };
}
