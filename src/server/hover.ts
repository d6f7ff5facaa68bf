// Hover: what a `{{variable}}` resolves to and where that value comes from (file line,
// environment file, `.env`), private values masked; what a header, directive or method means;
// how a `$` built-in is written.
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { HttpFile } from '../core/httpfile/ast';
import { VariableResolver, type ResolveContext } from '../core/variables';
import { parseRequestRef, selectFromExchange } from '../core/variables/chaining';
import { lookupEnv, SHARED_ENV, type LoadedEnvironments } from '../core/variables/environments';
import { tokenizeArgs } from '../core/variables/builtins';
import { MASK } from './completion';
import { builtinInfo, directiveInfo, headerInfo, METHODS } from './knowledge';
import { lineText, rangeOfLine, refAtCursor, zoneOf } from './text';

export interface HoverInput {
  doc: TextDocument;
  position: Position;
  file: HttpFile;
  ctx: ResolveContext;
  env: LoadedEnvironments;
  dotenv(): Record<string, string>;
}

const code = (s: string) => `\`${s.replace(/`/g, 'ˋ')}\``;

function block(s: string): string {
  const fence = s.includes('```') ? '~~~' : '```';
  return `${fence}text\n${s.length > 2000 ? `${s.slice(0, 2000)}…` : s}\n${fence}`;
}

/** Replaces every private value inside a resolved text with the mask. */
function masked(value: string, secrets: Iterable<string>): string {
  let out = value;
  for (const s of secrets) if (s) out = out.split(s).join(MASK);
  return out;
}

export function hover(input: HoverInput): Hover | null {
  const { doc, position } = input;
  const line = lineText(doc, position.line);
  const ref = refAtCursor(line, position.character);
  if (ref) {
    const value = variableHover(input, ref.name);
    return value ? { contents: { kind: MarkupKind.Markdown, value }, range: rangeOfLine(position.line, ref.start, ref.end) } : null;
  }
  const directive = /^(\s*(?:#|\/\/)\s*@)([\w-]+)/.exec(line);
  if (directive && position.character >= directive[1].length - 1 && position.character <= directive[0].length) {
    const info = directiveInfo(directive[2]);
    if (!info) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: `**@${info.name}**${info.notExecuted ? ' _(parsed, not executed)_' : ''}\n\n${info.doc}` },
      range: rangeOfLine(position.line, directive[1].length - 1, directive[0].length),
    };
  }
  const header = /^(\s*)([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:/.exec(line);
  if (header && position.character >= header[1].length && position.character <= header[1].length + header[2].length) {
    const zone = zoneOf(doc, position.line);
    const info = headerInfo(header[2]);
    if (info && zone !== 'before-request') {
      return { contents: { kind: MarkupKind.Markdown, value: `**${info.name}**\n\n${info.doc}` }, range: rangeOfLine(position.line, header[1].length, header[1].length + header[2].length) };
    }
  }
  const method = /^(\s*)([A-Z]+)\s/.exec(line);
  if (method && position.character <= method[1].length + method[2].length) {
    const info = METHODS.find((m) => m.name === method[2]);
    const region = input.file.regions.find((r) => r.request && r.request.methodRange.start.line === position.line);
    if (info && region) return { contents: { kind: MarkupKind.Markdown, value: `**${info.name}**\n\n${info.doc}` } };
  }
  return null;
}

function variableHover(input: HoverInput, name: string): string | undefined {
  const { file, ctx, env } = input;
  if (name.startsWith('$')) {
    const info = builtinInfo(name);
    if (!info) return `${code(name)}: unknown built-in variable`;
    let text = `**${info.name}** — built-in\n\n${code(info.syntax)}\n\n${info.doc}`;
    const args = tokenizeArgs(name.slice(info.name.length));
    if (info.name === '$dotenv' && args[0]) {
      const v = input.dotenv()[args[0]];
      text += `\n\n${code(args[0])} from \`.env\`: ${v === undefined ? '_not set_' : `${code(MASK)} (${v.length} characters; .env values are not shown)`}`;
    } else if (info.name === '$processEnv' && args[0] && !args[0].startsWith('%')) {
      const v = ctx.processEnv[args[0]];
      text += `\n\n${code(args[0])} in the process environment: ${v === undefined ? '_not set_' : `set (${v.length} characters; not shown)`}`;
    }
    return text;
  }
  const chained = parseRequestRef(name);
  if (chained) {
    const region = file.regions.find((r) => r.name === chained.requestName);
    const where = region ? `request ${code(chained.requestName)} (line ${(region.nameRange ?? region.range).start.line + 1})` : `request ${code(chained.requestName)} (not in this file)`;
    const ex = ctx.named.get(chained.requestName);
    if (!ex) return `**${name}**\n\nfrom the ${chained.part} of ${where}: not sent yet. Sending a request that uses it sends ${code(chained.requestName)} first.`;
    const r = selectFromExchange(chained, ex);
    return `**${name}**\n\nfrom the ${chained.part} of ${where}\n\n${r.ok ? block(r.value) : `_${r.message}_`}`;
  }

  const res = new VariableResolver(file, ctx, env);
  const at = rangeOfLine(0, 0, 0);
  const hit = res.lookup(name, at);
  const value = hit.found ? hit.value : undefined;
  const shown = value === undefined ? undefined : masked(value, res.secrets);
  const origins: string[] = [];
  const defs = file.variables.filter((v) => v.name === name);
  if (defs.length > 0) {
    const last = defs[defs.length - 1];
    origins.push(`file variable, line ${last.nameRange.start.line + 1}: ${code(`@${name} = ${last.value.text}`)}${defs.length > 1 ? ` (defined ${defs.length} times; the last one wins)` : ''}`);
  } else {
    const envHit = ctx.envName ? lookupEnv(env, ctx.envName, name) : undefined;
    if (envHit) {
      origins.push(`environment ${code(ctx.envName ?? '')} in ${code(envHit.file)}${envHit.isPrivate ? ' (private: value hidden)' : ''}`);
    } else if (ctx.extraEnv && Object.prototype.hasOwnProperty.call(ctx.extraEnv, name)) {
      origins.push('editor settings (rest-client.environmentVariables)');
    } else {
      const shared = lookupEnv(env, SHARED_ENV, name);
      if (shared) origins.push(`environment ${code(SHARED_ENV)} in ${code(shared.file)}${shared.isPrivate ? ' (private: value hidden)' : ''}`);
    }
  }
  if (origins.length === 0) {
    const looked = ctx.envName ? `file variables, environment ${code(ctx.envName)}, ${code(SHARED_ENV)}` : `file variables and ${code(SHARED_ENV)} (no environment selected)`;
    return `**${name}** is not defined\n\nlooked in ${looked}`;
  }
  const problems = res.diagnostics.map((d) => `_${d.message}_`).join('\n\n');
  const valueText = shown === undefined ? problems || '_does not resolve_' : block(shown);
  return `**${name}**\n\n${valueText}\n\n${origins.join('\n\n')}`;
}
