// Path arithmetic for both POSIX and Windows paths. Core does no I/O and must not
// depend on the host's `node:path` flavour: a Windows path can arrive on any machine
// (a recording, a test), so the separator is read from the path itself.

function isWindowsPath(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function separatorOf(p: string): string {
  return isWindowsPath(p) ? '\\' : '/';
}

export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || isWindowsPath(p);
}

/** Splits into a root (`/`, `C:\`, `\\server\`) and its segments, with `.` and `..` applied. */
function split(p: string): { root: string; segments: string[] } {
  let root = '';
  let rest = p;
  const drive = /^([A-Za-z]:)[\\/]/.exec(p);
  if (drive) {
    root = drive[1] + '\\';
    rest = p.slice(3);
  } else if (p.startsWith('\\\\')) {
    root = '\\\\';
    rest = p.slice(2);
  } else if (p.startsWith('/')) {
    root = '/';
    rest = p.slice(1);
  }
  const segments: string[] = [];
  for (const s of rest.split(/[\\/]+/)) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (segments.length > 0 && segments[segments.length - 1] !== '..') segments.pop();
      else if (!root) segments.push('..');
      continue;
    }
    segments.push(s);
  }
  return { root, segments };
}

export function normalizePath(p: string): string {
  const { root, segments } = split(p);
  const joined = segments.join(separatorOf(p));
  return root + joined || (root ? root : '.');
}

export function dirname(p: string): string {
  const { root, segments } = split(p);
  segments.pop();
  return root + segments.join(separatorOf(p)) || (root ? root : '.');
}

export function joinPath(dir: string, name: string): string {
  const sep = separatorOf(dir);
  return normalizePath(dir.endsWith('/') || dir.endsWith('\\') ? dir + name : dir + sep + name);
}

/** `target` relative to `baseDir` unless it is absolute already. */
export function resolvePath(baseDir: string, target: string): string {
  if (isAbsolutePath(target)) return normalizePath(target);
  return joinPath(baseDir, target);
}

function sameCase(p: string): string {
  return isWindowsPath(p) ? p.toLowerCase() : p;
}

/** Folders from `fromDir` up to and including `rootDir`; only `fromDir` when it is not inside `rootDir`. */
export function foldersUpTo(fromDir: string, rootDir: string | undefined): string[] {
  const from = normalizePath(fromDir);
  if (!rootDir) return [from];
  const root = normalizePath(rootDir);
  const rootKey = sameCase(root);
  const inside = sameCase(from) === rootKey || sameCase(from).startsWith(rootKey.endsWith(separatorOf(root)) ? rootKey : rootKey + separatorOf(root));
  if (!inside) return [from];
  const out: string[] = [];
  let dir = from;
  // Bounded by the depth of the path: each step removes one segment.
  for (let i = 0; i < 1000; i++) {
    out.push(dir);
    if (sameCase(dir) === rootKey) break;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return out;
}
