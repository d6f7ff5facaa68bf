// Loads syntaxes/http.tmLanguage.json into vscode-textmate with the real Oniguruma wasm, plus the
// JSON / JavaScript / XML / GraphQL grammars it embeds (from tm-grammars, the ones VS Code ships).
// Used by the grammar tests and by scripts/grammar-screenshot.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const require = createRequire(join(process.cwd(), 'package.json'));
const root = dirname(require.resolve('./package.json'));

const embedded: Record<string, string> = {
  'source.json': 'json.json',
  'source.js': 'javascript.json',
  'text.xml': 'xml.json',
  'source.graphql': 'graphql.json',
};

export interface LineToken {
  text: string;
  scopes: string[];
}

let registryPromise: Promise<textmate.Registry> | undefined;

export function registry(): Promise<textmate.Registry> {
  registryPromise ??= (async () => {
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
    return new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) => {
        if (scopeName === 'source.http') {
          const path = join(root, 'syntaxes/http.tmLanguage.json');
          return textmate.parseRawGrammar(readFileSync(path, 'utf8'), path);
        }
        const file = embedded[scopeName];
        if (!file) return null;
        const path = require.resolve(`tm-grammars/grammars/${file}`);
        return textmate.parseRawGrammar(readFileSync(path, 'utf8'), path);
      },
    });
  })();
  return registryPromise;
}

export async function loadHttpGrammar(): Promise<textmate.IGrammar> {
  const grammar = await (await registry()).loadGrammar('source.http');
  if (!grammar) throw new Error('source.http grammar did not load');
  return grammar;
}

/** Tokenises a whole document, line by line, carrying the rule stack like an editor does. */
export async function tokenize(text: string): Promise<LineToken[][]> {
  const grammar = await loadHttpGrammar();
  let stack = textmate.INITIAL;
  const out: LineToken[][] = [];
  for (const line of text.split(/\r?\n/)) {
    const res = grammar.tokenizeLine(line, stack, 1000);
    out.push(res.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes })));
    stack = res.ruleStack;
  }
  return out;
}
