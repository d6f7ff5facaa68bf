// Environments: `http-client.env.json` and `http-client.private.env.json` (JetBrains),
// searched from the .http file's folder up to the workspace root, and `.env` files for
// `{{$dotenv NAME}}`. Every read goes through the injected `readFile`.

import { parse as parseDotenv } from 'dotenv';
import { dirname, foldersUpTo, joinPath, normalizePath } from './paths';

export const PUBLIC_ENV_FILE = 'http-client.env.json';
export const PRIVATE_ENV_FILE = 'http-client.private.env.json';
export const SHARED_ENV = '$shared';

export interface EnvFile {
  path: string;
  isPrivate: boolean;
  environments: Record<string, Record<string, string>>;
}

export interface EnvProblem {
  code: string;
  message: string;
}

/**
 * Lookup order for one key: every private file (closest folder first), then every public
 * file (closest first). Private beats public even from a farther folder, because a private
 * file exists to override what is committed.
 */
export interface LoadedEnvironments {
  files: EnvFile[];
  problems: EnvProblem[];
}

export interface EnvSource {
  filePath: string;
  workspaceRoot?: string;
  readFile(path: string): string | undefined;
}

function stringValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function parseEnvFile(path: string, text: string, isPrivate: boolean): EnvFile | EnvProblem {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return { code: 'WL_ENV_INVALID', message: `${path} is not valid JSON: ${(e as Error).message}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { code: 'WL_ENV_INVALID', message: `${path} must hold an object of environments, like {"dev": {"host": "localhost:8080"}}` };
  }
  const environments: EnvFile['environments'] = {};
  for (const [envName, vars] of Object.entries(data as Record<string, unknown>)) {
    if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) continue;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(vars as Record<string, unknown>)) values[k] = stringValue(v);
    environments[envName] = values;
  }
  return { path, isPrivate, environments };
}

export function loadEnvironments(src: EnvSource): LoadedEnvironments {
  const folders = foldersUpTo(dirname(src.filePath), src.workspaceRoot);
  const files: EnvFile[] = [];
  const problems: EnvProblem[] = [];
  for (const isPrivate of [true, false]) {
    for (const folder of folders) {
      const path = joinPath(folder, isPrivate ? PRIVATE_ENV_FILE : PUBLIC_ENV_FILE);
      const text = src.readFile(path);
      if (text === undefined) continue;
      const parsed = parseEnvFile(path, text, isPrivate);
      if ('environments' in parsed) files.push(parsed);
      else problems.push(parsed);
    }
  }
  return { files, problems };
}

/** Environment names for a picker, `$shared` left out, in first-seen order. */
export function environmentNames(env: LoadedEnvironments): string[] {
  const names = new Set<string>();
  for (const f of env.files) for (const n of Object.keys(f.environments)) if (n !== SHARED_ENV) names.add(n);
  return [...names];
}

/**
 * The environment a file uses when none is selected: the only one its environment files define
 * (a newcomer with one `dev` environment should not have to pick it), else none.
 */
export function loneEnvironment(env: LoadedEnvironments): string | undefined {
  const names = environmentNames(env);
  return names.length === 1 ? names[0] : undefined;
}

export interface EnvHit {
  value: string;
  isPrivate: boolean;
  file: string;
}

export function lookupEnv(env: LoadedEnvironments, envName: string, key: string): EnvHit | undefined {
  for (const f of env.files) {
    const values = f.environments[envName];
    if (values && Object.prototype.hasOwnProperty.call(values, key)) return { value: values[key], isPrivate: f.isPrivate, file: f.path };
  }
  return undefined;
}

/** `.env` beside the file first, then the workspace root's. */
export function loadDotenv(src: EnvSource): { values: Record<string, string>; problems: EnvProblem[] } {
  const folders = [dirname(src.filePath)];
  if (src.workspaceRoot && folders[0] !== normalizePath(src.workspaceRoot)) folders.push(normalizePath(src.workspaceRoot));
  const values: Record<string, string> = {};
  const problems: EnvProblem[] = [];
  for (const folder of folders) {
    const path = joinPath(folder, '.env');
    const text = src.readFile(path);
    if (text === undefined) continue;
    try {
      for (const [k, v] of Object.entries(parseDotenv(text))) if (!(k in values)) values[k] = v;
    } catch (e) {
      problems.push({ code: 'WL_ENV_INVALID', message: `${path} could not be read as a .env file: ${(e as Error).message}` });
    }
  }
  return { values, problems };
}

/**
 * REST Client's `rest-client.environmentVariables` setting (`{"$shared": {...}, "local": {...}}`)
 * as the flat `extraEnv` of the resolver: the selected environment over its `$shared`.
 */
export function flattenRestClientSettings(settings: unknown, envName: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof settings !== 'object' || settings === null) return out;
  const all = settings as Record<string, unknown>;
  for (const key of [SHARED_ENV, envName]) {
    const values = key === undefined ? undefined : all[key];
    if (typeof values !== 'object' || values === null || Array.isArray(values)) continue;
    for (const [k, v] of Object.entries(values as Record<string, unknown>)) out[k] = stringValue(v);
  }
  return out;
}
