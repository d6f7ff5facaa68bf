// Problems a newcomer makes within a few keystrokes of the right thing, and their fixes as code
// actions: a method the dialect does not know (`GTE`), a variable spelt close to a defined one
// (`{{hots}}` for `{{host}}`), and a variable that exists only in an environment nobody selected.
import { distance } from 'fastest-levenshtein';
import { CodeActionKind, DiagnosticSeverity, type CodeAction, type Diagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { HttpFile } from '../core/httpfile/ast';
import { KNOWN_METHODS } from '../core/httpfile/parser';
import { SHARED_ENV, type LoadedEnvironments } from '../core/variables/environments';

/** Stable code: a request method outside the dialect's list. Sent as written, so a warning, not an error. */
export const METHOD_UNKNOWN = 'WL_METHOD_UNKNOWN';
const VAR_UNRESOLVED = 'WL_VAR_UNRESOLVED';
const PLAIN_NAME = /^[\p{L}\p{N}_.-]+$/u;

/** The closest names to `typed`, nearest first: close enough to be a slip, never `typed` itself. */
export function nearest(typed: string, candidates: Iterable<string>, max = 3): string[] {
  // Two edits catch a swapped pair (`hots`, `GTE`); for one- and two-letter names only one.
  const limit = typed.length <= 2 ? 1 : 2;
  const scored: Array<[string, number]> = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (c === typed || seen.has(c)) continue;
    seen.add(c);
    const d = distance(typed.toLowerCase(), c.toLowerCase());
    if (d <= limit) scored.push([c, d]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([c]) => c);
}

/** Request lines whose method the dialect does not know (HTTP-SYNTAX.md: any token parses; beyond the list, we warn). */
export function methodDiagnostics(file: HttpFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of file.regions) {
    const req = r.request;
    if (!req || req.kind !== 'http' || KNOWN_METHODS.has(req.method.toUpperCase())) continue;
    const near = nearest(req.method.toUpperCase(), KNOWN_METHODS, 1);
    out.push({
      range: req.methodRange,
      severity: DiagnosticSeverity.Warning,
      code: METHOD_UNKNOWN,
      source: 'wirelane',
      message: `unknown method ${req.method}: it is sent as written${near.length ? `; did you mean ${near[0]}?` : ''}`,
    });
  }
  return out;
}

export interface QuickFixInput {
  doc: TextDocument;
  file: HttpFile;
  diagnostics: Diagnostic[];
  env: LoadedEnvironments;
  /** The environment in use (selected, or the only one); null when none. */
  envName: string | null;
  extraEnv?: Record<string, string>;
}

export function quickFixes(input: QuickFixInput): CodeAction[] {
  const actions: CodeAction[] = [];
  const { doc } = input;
  for (const d of input.diagnostics) {
    if (d.code === METHOD_UNKNOWN) {
      const typed = doc.getText(d.range);
      nearest(typed.toUpperCase(), KNOWN_METHODS).forEach((m, i) => actions.push(replace(doc.uri, d, d.range, m, `Change to ${m}`, i === 0)));
    } else if (d.code === VAR_UNRESOLVED) {
      const raw = doc.getText(d.range);
      const m = /^\{\{\s*%?\s*([^{}\s]+)\s*\}\}$/.exec(raw);
      if (!m || !PLAIN_NAME.test(m[1]) || m[1].startsWith('$')) continue;
      const name = m[1];
      const at = raw.indexOf(name, 2);
      const nameRange = { start: { line: d.range.start.line, character: d.range.start.character + at }, end: { line: d.range.start.line, character: d.range.start.character + at + name.length } };
      nearest(name, known(input)).forEach((c, i) => actions.push(replace(doc.uri, d, nameRange, c, `Did you mean ${c}?`, i === 0)));
      if (!input.envName) {
        const defining = envsDefining(input.env, name);
        if (defining.length) {
          actions.push({
            title: `Select an environment (${name} is defined in ${defining.join(', ')})`,
            kind: CodeActionKind.QuickFix,
            diagnostics: [d],
            command: { title: 'Select Environment', command: 'wirelane.selectEnvironment' },
          });
        }
      }
    }
  }
  return actions;
}

/** Names a plain `{{…}}` can resolve to here: file variables, the environment in use, $shared, editor settings. */
function known(input: QuickFixInput): string[] {
  const names = input.file.variables.map((v) => v.name);
  for (const f of input.env.files) {
    for (const env of [input.envName, SHARED_ENV]) if (env) names.push(...Object.keys(f.environments[env] ?? {}));
  }
  names.push(...Object.keys(input.extraEnv ?? {}));
  return names;
}

function envsDefining(env: LoadedEnvironments, key: string): string[] {
  const out = new Set<string>();
  for (const f of env.files) for (const [name, vars] of Object.entries(f.environments)) if (name !== SHARED_ENV && Object.prototype.hasOwnProperty.call(vars, key)) out.add(name);
  return [...out];
}

function replace(uri: string, d: Diagnostic, range: Diagnostic['range'], newText: string, title: string, preferred: boolean): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: preferred, edit: { changes: { [uri]: [{ range, newText }] } } };
}
