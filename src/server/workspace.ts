// What the server knows about the world outside the document: the workspace root (from
// `initialize`), the selected environment (from `wirelane/selectEnvironment`), responses of named
// requests the extension reported, and file reads for the core (which does no I/O itself).
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadDotenv, loadEnvironments, loneEnvironment, type LoadedEnvironments } from '../core/variables/environments';
import type { NamedExchange } from '../core/variables/chaining';

interface CachedFile {
  mtimeMs: number;
  size: number;
  text: string | undefined;
}

const MAX_CACHED_BYTES = 256 * 1024;

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).toString();
}

export class Workspace {
  root: string | undefined;
  selectedEnv: string | null = null;
  extraEnv: Record<string, string> | undefined;
  /** Per document URI: responses of named requests sent from it. */
  readonly named = new Map<string, Map<string, NamedExchange>>();
  private readonly files = new Map<string, CachedFile>();

  /** Reads a file, re-reading only when its size or mtime changed (env files are read on every check). */
  readFile = (path: string): string | undefined => {
    let st: { mtimeMs: number; size: number } | undefined;
    try {
      const s = statSync(path, { throwIfNoEntry: false });
      st = s && s.isFile() ? { mtimeMs: s.mtimeMs, size: s.size } : undefined;
    } catch {
      st = undefined;
    }
    if (!st) {
      this.files.delete(path);
      return undefined;
    }
    const cached = this.files.get(path);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.text;
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      text = undefined;
    }
    // Env files are small and read on every check; a large `<@ body` file is read but not kept.
    if (st.size <= MAX_CACHED_BYTES) this.files.set(path, { ...st, text });
    return text;
  };

  environments(filePath: string): LoadedEnvironments {
    return loadEnvironments({ filePath, workspaceRoot: this.root, readFile: this.readFile });
  }

  /** The selected environment, else the only one the file's environment files define. */
  envFor(filePath: string): string | null {
    return this.selectedEnv ?? loneEnvironment(this.environments(filePath)) ?? null;
  }

  dotenv(filePath: string): Record<string, string> {
    return loadDotenv({ filePath, workspaceRoot: this.root, readFile: this.readFile }).values;
  }

  private readonly namedVersions = new Map<string, number>();

  setNamed(uri: string, name: string, exchange: NamedExchange): void {
    this.namedFor(uri).set(name, exchange);
    this.namedVersions.set(uri, this.namedVersion(uri) + 1);
  }

  namedVersion(uri: string): number {
    return this.namedVersions.get(uri) ?? 0;
  }

  namedFor(uri: string): Map<string, NamedExchange> {
    let m = this.named.get(uri);
    if (!m) {
      m = new Map();
      this.named.set(uri, m);
    }
    return m;
  }

  /** Untitled documents get a path in the workspace root so env files there still apply. */
  filePathOf(uri: string): string {
    return uriToPath(uri) ?? `${this.root ?? process.cwd()}/untitled.http`;
  }
}
