// Renders a sample .http file through syntaxes/http.tmLanguage.json with VS Code's own
// tokenizer (vscode-textmate + Oniguruma) and theme resolution (Dark+ colours), writes the HTML
// and a PNG made by headless Chromium: test-artifacts/grammar.html and test-artifacts/grammar.png.
// Tokens left in the default colour are listed, so a construct the grammar misses is visible.
//   node --import tsx scripts/grammar-screenshot.ts [file.http]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as textmate from 'vscode-textmate';
import { chromium } from 'playwright-core';
import { registry } from '../test/unit/grammarSupport';

const SAMPLE = `@host = localhost:8080
@base = http://{{host}}/api
// Comments start with # or //

### Log in
# @name login
# @timeout 5000
POST {{base}}/login?debug=1&id={{$uuid}} HTTP/1.1
Content-Type: application/json
Authorization: Basic {{user}} {{password}}

{"user": "{{user}}", "remember": true, "ttl": 3600}

> {%
  client.global.set("token", response.body.token);
%}
?? status == 200

### Items, page by page
# @connection new
GET /items
  ?page=1
  &size={{%size}}
Host: {{host}}
Authorization: Bearer {{login.response.body.$.token}}
X-Time: {{$timestamp -1 d}} {{$datetime iso8601 1 h}} {{$randomInt 1 10}}

### Upload
POST http://localhost/upload
Content-Type: multipart/form-data; boundary=abc

--abc
Content-Disposition: form-data; name="file"; filename="a.json"

< ./a.json
--abc--

### XML
POST http://localhost/xml
Content-Type: application/xml

<?xml version="1.0"?>
<order id="{{$randomInt 1 99}}"><item>tea</item></order>

### GraphQL
POST http://localhost/graphql
X-Request-Type: GraphQL

query User($id: ID!) { user(id: $id) { name } }

{"id": "{{userId}}"}

### Chat
WEBSOCKET ws://localhost:8080/chat
Sec-WebSocket-Protocol: chat.v1

{"hello": 1}
===
{"second": 2}
=== wait-for-server
=== wait-for-server

### Saved response
GET http://localhost/x

HTTP/1.1 200 OK
Content-Type: text/plain

hello
<> ./previous-response.json
`;

const require = createRequire(join(process.cwd(), 'package.json'));

interface Theme {
  colors: Record<string, string>;
  tokenColors: Array<{ scope?: string | string[]; settings: { foreground?: string; background?: string; fontStyle?: string } }>;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

async function main(): Promise<void> {
  const input = process.argv[2];
  // VS Code keeps a BOM out of the text it tokenizes; do the same.
  const text = (input ? readFileSync(input, 'utf8') : SAMPLE).replace(/^\uFEFF/, '');
  const theme = JSON.parse(readFileSync(require.resolve('tm-themes/themes/dark-plus.json'), 'utf8')) as Theme;
  const background = theme.colors['editor.background'] ?? '#1E1E1E';
  const foreground = theme.colors['editor.foreground'] ?? '#D4D4D4';
  const reg = await registry();
  reg.setTheme({ name: 'dark-plus', settings: [{ settings: { foreground, background } }, ...theme.tokenColors] } as textmate.IRawTheme);
  const colorMap = reg.getColorMap();
  const grammar = await reg.loadGrammar('source.http');
  if (!grammar) throw new Error('source.http did not load');

  let stack = textmate.INITIAL;
  const rows: string[] = [];
  const uncoloured: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const res = grammar.tokenizeLine2(line, stack, 1000);
    const scoped = grammar.tokenizeLine(line, stack, 1000);
    stack = res.ruleStack;
    const spans: string[] = [];
    const n = res.tokens.length / 2;
    for (let k = 0; k < n; k++) {
      const start = res.tokens[2 * k];
      const end = k + 1 < n ? res.tokens[2 * k + 2] : line.length;
      const meta = res.tokens[2 * k + 1];
      // vscode-textmate's encoded token metadata: font style in bits 11–14, foreground index in bits 15–23.
      const fg = colorMap[(meta >>> 15) & 0x1ff];
      const style = (meta >>> 11) & 0xf;
      const css = [`color:${fg}`];
      if (style & 2) css.push('font-weight:bold');
      if (style & 1) css.push('font-style:italic');
      if (style & 4) css.push('text-decoration:underline');
      const piece = line.slice(start, end);
      spans.push(`<span style="${css.join(';')}">${escapeHtml(piece)}</span>`);
      if (piece.trim() !== '' && fg.toUpperCase() === foreground.toUpperCase()) {
        const t = scoped.tokens.find((x) => x.startIndex <= start && start < x.endIndex);
        uncoloured.push(`${i + 1}: ${JSON.stringify(piece)}  ${t?.scopes.slice(1).join(' ') ?? ''}`);
      }
    }
    rows.push(`<div class="row"><span class="ln">${i + 1}</span><span class="code">${spans.join('') || ' '}</span></div>`);
  });

  const html = `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; background: ${background}; }
pre { margin: 0; padding: 12px 16px; font: 14px/20px "DejaVu Sans Mono", "Liberation Mono", monospace; color: ${foreground}; }
.row { display: flex; white-space: pre; }
.ln { width: 3em; color: #858585; text-align: right; padding-right: 1.5em; user-select: none; }
</style></head><body><pre>${rows.join('')}</pre></body></html>`;
  mkdirSync('test-artifacts', { recursive: true });
  const htmlPath = resolve('test-artifacts/grammar.html');
  writeFileSync(htmlPath, html);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 400 } });
    await page.goto(pathToFileURL(htmlPath).toString());
    await page.screenshot({ path: 'test-artifacts/grammar.png', fullPage: true });
  } finally {
    await browser.close();
  }
  console.log('wrote test-artifacts/grammar.html and test-artifacts/grammar.png');
  console.log(uncoloured.length ? `tokens in the default colour (${uncoloured.length}):\n${uncoloured.join('\n')}` : 'every non-blank token is coloured');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
