// Copy as cURL / Import from cURL. Pure (no vscode) so the conversion is easy to test.
import type { ResolvedRequest } from '../core/request';

/** POSIX shell single-quoting. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\-./:=@%+,]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function toCurl(req: ResolvedRequest): string {
  const parts = ['curl'];
  if (req.method !== 'GET' || req.body) parts.push('-X', req.method);
  parts.push(shellQuote(req.url));
  for (const [k, v] of req.headers) parts.push('-H', shellQuote(`${k}: ${v}`));
  const body = req.body;
  if (body?.kind === 'bytes') parts.push('--data-binary', shellQuote(Buffer.from(body.data).toString('utf8')));
  else if (body?.kind === 'file') parts.push('--data-binary', shellQuote(`@${body.path}`));
  else if (body?.kind === 'parts') {
    // Mixed text and files: curl cannot express it in one flag; the text parts are joined and files referenced.
    const text = body.parts.map((p) => (p.kind === 'bytes' ? Buffer.from(p.data).toString('utf8') : `<@${p.path}>`)).join('');
    parts.push('--data-binary', shellQuote(text));
  }
  if (req.insecure) parts.push('--insecure');
  if (req.httpVersion === 'HTTP/2') parts.push('--http2');
  if (req.httpVersion === 'HTTP/1.0') parts.push('--http1.0');
  if (!req.noRedirect) parts.push('-L');
  return parts.join(' ');
}

/** Splits a shell command line into words (quotes, backslash escapes, `\`-newline continuations). */
export function shellWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const s = cmd.replace(/\\\r?\n/g, ' ');
  while (i < s.length) {
    const c = s[i];
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated single quote');
      cur += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`\n'.includes(s[i + 1])) i++;
        cur += s[i++];
      }
      if (i >= s.length) throw new Error('unterminated double quote');
      i++;
      inWord = true;
    } else if (c === '$' && s[i + 1] === "'") {
      // ANSI-C quoting, as browsers' "Copy as cURL (bash)" writes it.
      i += 2;
      while (i < s.length && s[i] !== "'") {
        if (s[i] === '\\' && i + 1 < s.length) {
          const n = s[i + 1];
          cur += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
          i += 2;
        } else cur += s[i++];
      }
      i++;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[i + 1];
      i += 2;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** A curl command → a `.http` region. Throws with a clear message for what it cannot read. */
export function fromCurl(cmd: string): string {
  const words = shellWords(cmd.trim());
  if (words[0] !== 'curl') throw new Error('The text does not start with `curl`.');
  let method: string | undefined;
  let url: string | undefined;
  const headers: string[] = [];
  const data: string[] = [];
  const directives: string[] = [];
  let user: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    const next = () => {
      if (i + 1 >= words.length) throw new Error(`${w} needs a value`);
      return words[++i];
    };
    if (w === '-X' || w === '--request') method = next().toUpperCase();
    else if (w === '-H' || w === '--header') headers.push(next());
    else if (['-d', '--data', '--data-raw', '--data-binary', '--data-ascii', '--data-urlencode'].includes(w)) data.push(next());
    else if (w === '--json') {
      data.push(next());
      headers.push('Content-Type: application/json', 'Accept: application/json');
    } else if (w === '-u' || w === '--user') user = next();
    else if (w === '-A' || w === '--user-agent') headers.push(`User-Agent: ${next()}`);
    else if (w === '-b' || w === '--cookie') headers.push(`Cookie: ${next()}`);
    else if (w === '-e' || w === '--referer') headers.push(`Referer: ${next()}`);
    else if (w === '-k' || w === '--insecure') directives.push('# @insecure');
    else if (w === '-I' || w === '--head') method = 'HEAD';
    else if (w === '--url') url = next();
    else if (['-o', '--output', '-m', '--max-time', '--connect-timeout', '-w', '--write-out', '-x', '--proxy'].includes(w)) next();
    else if (w.startsWith('-'))
      continue; // flags without values (-s, -L, --compressed, -v …) change nothing in the request
    else url ??= w;
  }
  if (!url) throw new Error('No URL found in the curl command.');
  const body = data.length ? data.map((d) => (d.startsWith('@') ? `< ${d.slice(1)}` : d)).join('&') : undefined;
  method ??= body !== undefined ? 'POST' : 'GET';
  if (body !== undefined && !headers.some((h) => /^content-type\s*:/i.test(h)) && !body.startsWith('< ')) headers.push('Content-Type: application/x-www-form-urlencoded');
  if (user !== undefined) headers.push(`Authorization: Basic ${Buffer.from(user).toString('base64')}`);
  const lines = ['###', ...directives, `${method} ${url}`, ...headers];
  if (body !== undefined) lines.push('', body);
  return lines.join('\n') + '\n';
}
