// Completion works from the current line and a short look upwards, plus the last parse for the
// file's variable and request names, so it answers at once even in a 10,000-request file.
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Position, type Range } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { HttpFile } from '../core/httpfile/ast';
import { lookupEnv, type LoadedEnvironments } from '../core/variables/environments';
import { BUILTINS, DIRECTIVES, HEADERS, METHODS, directiveInfo, headerInfo } from './knowledge';
import { lineText, zoneOf } from './text';

export const MASK = '••••';

export interface CompletionInput {
  doc: TextDocument;
  position: Position;
  /** The latest parse (may be one edit behind). */
  file: HttpFile | undefined;
  env: LoadedEnvironments;
  envName: string | null;
  extraEnv?: Record<string, string>;
  /** Response headers of named requests already sent, for `name.response.headers.` */
  namedHeaders(name: string): string[];
  /** The client takes snippets (`snippetSupport`); without it every item is plain text. Default true. */
  snippets?: boolean;
}

function range(line: number, from: number, to: number): Range {
  return { start: { line, character: from }, end: { line, character: to } };
}

export function complete(input: CompletionInput): CompletionItem[] {
  const items = completeItems(input);
  return input.snippets === false ? items.map(plainItem) : items;
}

/** The same item as plain text: `${1:x}` → `x`, `${1|a,b|}` → `a`, `\$` → `$`. */
function plainItem(item: CompletionItem): CompletionItem {
  if (item.insertTextFormat !== InsertTextFormat.Snippet) return item;
  const plain = (s: string) =>
    s
      .replace(/\$\{\d+\|([^,|}]*)[^}]*\|\}/g, '$1')
      .replace(/\$\{\d+:([^}]*)\}/g, '$1')
      .replace(/\$\{?\d+\}?/g, '')
      .replace(/\\([$}\\])/g, '$1');
  const out: CompletionItem = { ...item, insertTextFormat: InsertTextFormat.PlainText };
  if (item.insertText !== undefined) out.insertText = plain(item.insertText);
  if (item.textEdit) out.textEdit = { ...item.textEdit, newText: plain(item.textEdit.newText) };
  return out;
}

function completeItems(input: CompletionInput): CompletionItem[] {
  const { doc, position } = input;
  const line = lineText(doc, position.line);
  const before = line.slice(0, position.character);
  const after = line.slice(position.character);

  const inVar = /\{\{\s*%?\s*([^{}]*)$/.exec(before);
  // Braces the editor already closed (`{{|}}` after auto-closing, or a lone `}`) are replaced
  // together with the name, so the result always ends in exactly one `}}`.
  if (inVar) return variableItems(input, inVar[1], position, /^\}{0,2}/.exec(after)![0].length);

  const dirValue = /^\s*(?:#|\/\/)\s*@([\w-]+)\s*=?\s*([\w-]*)$/.exec(before);
  if (dirValue && before.match(/@[\w-]+\s/)) {
    const info = directiveInfo(dirValue[1]);
    const from = position.character - dirValue[2].length;
    return (info?.values ?? []).map((v) => ({ label: v, kind: CompletionItemKind.Value, textEdit: { range: range(position.line, from, position.character), newText: v } }));
  }
  const dir = /^\s*(?:#|\/\/)\s*@([\w-]*)$/.exec(before);
  if (dir) {
    const from = position.character - dir[1].length;
    return DIRECTIVES.map((d) => ({
      label: d.name,
      kind: CompletionItemKind.Keyword,
      detail: d.notExecuted ? 'parsed, not executed' : 'directive',
      documentation: { kind: MarkupKind.Markdown, value: d.doc },
      textEdit: { range: range(position.line, from, position.character), newText: d.values || d.name === 'name' || d.name === 'timeout' ? `${d.name} ` : d.name },
    }));
  }

  const zone = zoneOf(doc, position.line);
  if (zone === 'headers') {
    const value = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*)$/.exec(before);
    if (value) {
      const info = headerInfo(value[1]);
      const from = position.character - value[2].length;
      return (info?.values ?? []).map((v, i) => ({
        label: v,
        kind: CompletionItemKind.Value,
        sortText: String(i).padStart(3, '0'),
        textEdit: { range: range(position.line, from, position.character), newText: v },
      }));
    }
    const name = /^\s*([A-Za-z0-9-]*)$/.exec(before);
    if (name) {
      const from = position.character - name[1].length;
      return HEADERS.map((h) => ({
        label: h.name,
        kind: CompletionItemKind.Field,
        documentation: { kind: MarkupKind.Markdown, value: h.doc },
        textEdit: { range: range(position.line, from, position.character), newText: `${h.name}: ` },
        command: h.values ? { title: 'values', command: 'editor.action.triggerSuggest' } : undefined,
      }));
    }
    return [];
  }
  if (zone === 'before-request') {
    const word = /^\s*([A-Za-z]*)$/.exec(before);
    if (word && !/^\s*\S/.test(after)) {
      const from = position.character - word[1].length;
      return METHODS.map((m, i) => ({
        label: m.name,
        kind: CompletionItemKind.Keyword,
        sortText: String(i).padStart(3, '0'),
        documentation: { kind: MarkupKind.Markdown, value: m.doc },
        insertTextFormat: InsertTextFormat.Snippet,
        textEdit: { range: range(position.line, from, position.character), newText: `${m.name} \${1:${m.name === 'WEBSOCKET' ? 'ws' : 'http'}://localhost:8080/}` },
      }));
    }
  }
  return [];
}

function variableItems(input: CompletionInput, typed: string, position: Position, closers: number): CompletionItem[] {
  const from = position.character - typed.length;
  const edit = (newText: string) => ({ range: range(position.line, from, position.character + closers), newText: `${newText}}}` });
  const items: CompletionItem[] = [];

  // `login.response.headers.` → header names; `login.` → request/response; `login.response.` → body/headers.
  const chain = /^([^\s.{}[\]]+)\.(?:(request|response)\.(?:(body|headers)\.?)?)?/.exec(typed);
  const names = new Map<string, number>();
  for (const r of input.file?.regions ?? []) if (r.name) names.set(r.name, (r.nameRange ?? r.range).start.line);
  if (chain && names.has(chain[1]) && typed.includes('.')) {
    const name = chain[1];
    if (chain[3] === 'headers') {
      const seen = new Set<string>();
      for (const h of [...input.namedHeaders(name), ...HEADERS.map((x) => x.name)]) {
        if (seen.has(h.toLowerCase())) continue;
        seen.add(h.toLowerCase());
        items.push({ label: `${name}.${chain[2]}.headers.${h}`, kind: CompletionItemKind.Property, textEdit: edit(`${name}.${chain[2]}.headers.${h}`) });
      }
      return items;
    }
    for (const part of ['response', 'request']) {
      items.push(
        {
          label: `${name}.${part}.body.$`,
          kind: CompletionItemKind.Property,
          detail: 'JSONPath into the body (`$.token`), or XPath (`//id`), or `*` for all',
          textEdit: edit(`${name}.${part}.body.$`),
        },
        { label: `${name}.${part}.body.*`, kind: CompletionItemKind.Property, detail: 'the whole body', textEdit: edit(`${name}.${part}.body.*`) },
        { label: `${name}.${part}.headers.`, kind: CompletionItemKind.Property, detail: 'a header by name', textEdit: edit(`${name}.${part}.headers.`) },
      );
    }
    return items;
  }

  const fileVars = new Map<string, { value: string; line: number }>();
  for (const v of input.file?.variables ?? []) fileVars.set(v.name, { value: v.value.text, line: v.nameRange.start.line });
  for (const [name, v] of fileVars) {
    items.push({
      label: name,
      kind: CompletionItemKind.Variable,
      detail: v.value,
      documentation: `file variable, line ${v.line + 1}`,
      sortText: `0${name}`,
      textEdit: edit(name),
    });
  }
  const envKeys = new Map<string, string>();
  const addEnv = (envName: string, origin: string) => {
    for (const f of input.env.files) {
      for (const key of Object.keys(f.environments[envName] ?? {})) {
        if (fileVars.has(key) || envKeys.has(key)) continue;
        const hit = lookupEnv(input.env, envName, key);
        envKeys.set(key, `${origin}: ${hit?.isPrivate ? MASK : (hit?.value ?? '')}`);
      }
    }
  };
  if (input.envName) addEnv(input.envName, `environment ${input.envName}`);
  for (const [k, v] of Object.entries(input.extraEnv ?? {})) if (!fileVars.has(k) && !envKeys.has(k)) envKeys.set(k, `editor settings: ${v}`);
  addEnv('$shared', '$shared');
  for (const [key, detail] of envKeys) items.push({ label: key, kind: CompletionItemKind.Variable, detail, sortText: `1${key}`, textEdit: edit(key) });
  for (const [name, line] of names) {
    items.push({
      label: `${name}.response.body.$`,
      kind: CompletionItemKind.Reference,
      detail: `response of request ${name} (line ${line + 1})`,
      sortText: `2${name}`,
      textEdit: edit(`${name}.response.body.$`),
    });
  }
  for (const b of BUILTINS) {
    items.push({
      label: b.name,
      kind: CompletionItemKind.Function,
      detail: b.syntax,
      documentation: { kind: MarkupKind.Markdown, value: b.doc },
      sortText: `3${b.name}`,
      filterText: b.name,
      insertTextFormat: InsertTextFormat.Snippet,
      textEdit: edit(b.snippet),
    });
  }
  return items;
}
