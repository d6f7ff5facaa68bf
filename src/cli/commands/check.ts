// `wirelane check FILE… [--json] [--env NAME]`: parse each file and list its problems.
// Exit 0 when no file has an error, 1 when one has, 2 on bad usage or an unreadable file.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { parseHttpFile, type ParseDiagnostic } from '../../core/httpfile';
import { methodDiagnostics } from '../../core/httpfile/methods';

const USAGE = 'Usage: wirelane check FILE… [--json] [--env NAME]';

interface FileReport {
  file: string;
  diagnostics: Array<{ line: number; column: number; endLine: number; endColumn: number; severity: string; code: string; message: string }>;
}

export async function run(argv: string[]): Promise<number> {
  let values: { json?: boolean; env?: string; help?: boolean };
  let files: string[];
  try {
    const parsed = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, env: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    values = parsed.values;
    files = parsed.positionals;
  } catch (err) {
    process.stderr.write(`wirelane check: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(
      `${USAGE}\nPrints file:line:col severity code message for every problem (1-based), or JSON with --json.\n--env NAME checks variables against that environment of http-client.env.json.\n`,
    );
    return 0;
  }
  if (files.length === 0) {
    process.stderr.write(`wirelane check: no file given\n${USAGE}\n`);
    return 2;
  }

  const reports: FileReport[] = [];
  let unreadable = false;
  let anyError = false;
  for (const file of files) {
    let text: string;
    try {
      if (statSync(file).isDirectory()) throw new Error('is a folder; name the .http files in it');
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const why = err instanceof Error && 'code' in err && err.code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message.replace(/^[A-Z]+: /, '') : String(err);
      process.stderr.write(`wirelane check: cannot read ${file}: ${why}\n`);
      unreadable = true;
      continue;
    }
    // Editors hide the BOM, so columns on line 1 are counted without it.
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const ast = parseHttpFile(text);
    const vars = await variableProblems(ast, file, values.env);
    const diagnostics = [...ast.diagnostics, ...methodDiagnostics(ast), ...vars];
    diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    if (diagnostics.some((d) => d.severity === 'error')) anyError = true;
    reports.push({
      file,
      diagnostics: diagnostics.map((d) => ({
        line: d.range.start.line + 1,
        column: d.range.start.character + 1,
        endLine: d.range.end.line + 1,
        endColumn: d.range.end.character + 1,
        severity: d.severity,
        code: d.code,
        message: d.message,
      })),
    });
  }

  if (values.json) {
    process.stdout.write(JSON.stringify({ files: reports }, null, 2) + '\n');
  } else {
    const out: string[] = [];
    for (const r of reports) for (const d of r.diagnostics) out.push(`${r.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`);
    if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
  }
  if (unreadable) return 2;
  return anyError ? 1 : 0;
}

/** Unresolved variables and missing `< files`, when the resolver is there to ask. */
async function variableProblems(ast: ReturnType<typeof parseHttpFile>, file: string, envName: string | undefined): Promise<ParseDiagnostic[]> {
  let vars: typeof import('../../core/variables');
  try {
    vars = await import('../../core/variables');
  } catch {
    return [];
  }
  if (typeof vars.variableDiagnostics !== 'function') return [];
  const filePath = resolve(file);
  const cwd = process.cwd();
  const ctx = {
    filePath,
    workspaceRoot: filePath.startsWith(cwd + sep) ? cwd : undefined,
    envName,
    readFile: (p: string): string | undefined => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    fileExists: (p: string): boolean => existsSync(p),
    processEnv: process.env,
    named: new Map(),
  };
  try {
    const imported = vars.importDiagnostics(filePath, ast, { readFile: ctx.readFile, parse: parseHttpFile });
    const found = [...imported.diagnostics, ...vars.variableDiagnostics(ast, { ...ctx, imports: imported.files.map((f) => f.file) })];
    const env = vars.loadEnvironments(ctx);
    // With environments on disk but none chosen, an unknown variable may well live in one: say so, don't fail.
    const hasEnvironments = envName === undefined && vars.environmentNames(env).length > 0;
    if (!hasEnvironments) return found;
    return found.map((d) =>
      d.code === 'WL_VAR_UNRESOLVED' && d.severity === 'error' ? { ...d, severity: 'warning' as const, message: `${d.message}; pass --env NAME to check against an environment` } : d,
    );
  } catch (err) {
    const message = `variables were not checked: ${err instanceof Error ? err.message : String(err)}`;
    return [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'warning', code: 'WL_INTERNAL', message }];
  }
}
