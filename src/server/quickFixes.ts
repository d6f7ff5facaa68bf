// Problems a newcomer makes within a few keystrokes of the right thing, and their fixes as code
// actions: a method the dialect does not know (`GTE`), a variable spelt close to a defined one
// (`{{hots}}` for `{{host}}`), and a variable that exists only in an environment nobody selected.
// The method warning itself is core's (src/core/httpfile/methods.ts), so `wirelane check` reports it too.
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { HttpFile } from '../core/httpfile/ast';
import { KNOWN_METHODS } from '../core/httpfile/parser';
import { METHOD_UNKNOWN, nearest } from '../core/httpfile/methods';
import { SHARED_ENV, type LoadedEnvironments } from '../core/variables/environments';

const VAR_UNRESOLVED = 'WL_VAR_UNRESOLVED';
const PLAIN_NAME = /^[\p{L}\p{N}_.-]+$/u;

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
