// What the server knows about HTTP itself: methods, standard request headers (IANA registry, RFC 9110
// and friends) with a one-line meaning and common values, the `$` built-ins of HTTP-SYNTAX.md with
// their arguments, and the `# @` directives. Curated here because no maintained package carries
// descriptions and value lists for request headers.

export interface MethodInfo {
  name: string;
  doc: string;
}

export const METHODS: MethodInfo[] = [
  { name: 'GET', doc: 'Retrieve a representation of the target resource.' },
  { name: 'POST', doc: 'Send data for the target resource to process.' },
  { name: 'PUT', doc: 'Replace the target resource with the request body.' },
  { name: 'PATCH', doc: 'Apply a partial modification to the target resource (RFC 5789).' },
  { name: 'DELETE', doc: 'Remove the target resource.' },
  { name: 'HEAD', doc: 'Like GET, but the response has no body.' },
  { name: 'OPTIONS', doc: 'Ask which methods and options the target supports (CORS preflight).' },
  { name: 'TRACE', doc: 'Echo the request back (loop-back test).' },
  { name: 'CONNECT', doc: 'Open a tunnel to the server named by the target (proxies).' },
  { name: 'QUERY', doc: 'Safe, idempotent query with a body (draft). Parsed; sent as written.' },
  { name: 'WEBSOCKET', doc: 'Open a WebSocket session; messages follow the headers, separated by `===`.' },
];

export interface HeaderInfo {
  name: string;
  doc: string;
  values?: string[];
}

const MEDIA_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=boundary',
  'text/plain',
  'text/html',
  'application/xml',
  'text/xml',
  'application/graphql',
  'application/octet-stream',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/problem+json',
  'application/ld+json',
  'application/x-ndjson',
  'text/csv',
];

export const HEADERS: HeaderInfo[] = [
  { name: 'Accept', doc: 'Media types the client can handle in the response, with optional q-weights.', values: ['*/*', ...MEDIA_TYPES] },
  { name: 'Accept-Charset', doc: 'Character encodings the client prefers (mostly obsolete; UTF-8 is assumed).', values: ['utf-8'] },
  { name: 'Accept-Encoding', doc: 'Content codings the client can decode (compression).', values: ['gzip, deflate, br', 'gzip', 'br', 'zstd', 'identity'] },
  { name: 'Accept-Language', doc: 'Natural languages the client prefers.', values: ['en-US,en;q=0.9', 'en', 'de', 'fr', 'ko', 'ja', 'zh-CN'] },
  { name: 'Access-Control-Request-Headers', doc: 'CORS preflight: headers the real request will carry.' },
  { name: 'Access-Control-Request-Method', doc: 'CORS preflight: method the real request will use.', values: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
  {
    name: 'Authorization',
    doc: 'Credentials for the server. Wirelane encodes `Basic user pass` to Base64 and answers `Digest user pass` challenges.',
    values: ['Basic ', 'Bearer ', 'Digest ', 'Negotiate ', 'AWS4-HMAC-SHA256 '],
  },
  { name: 'Cache-Control', doc: 'Caching directives for this request.', values: ['no-cache', 'no-store', 'max-age=0', 'only-if-cached', 'no-transform'] },
  {
    name: 'Connection',
    doc: 'Whether the TCP connection stays open after this exchange. `close` ends it after the response; `keep-alive` asks HTTP/1.0 servers to keep it. Hop-by-hop; not sent over HTTP/2.',
    values: ['keep-alive', 'close', 'upgrade'],
  },
  {
    name: 'Content-Disposition',
    doc: 'In multipart parts: the form field name and file name.',
    values: ['form-data; name="field"', 'form-data; name="file"; filename="file.txt"', 'attachment; filename="file.txt"'],
  },
  { name: 'Content-Encoding', doc: 'Coding applied to the request body.', values: ['gzip', 'deflate', 'br', 'zstd'] },
  { name: 'Content-Language', doc: 'Natural language of the body.' },
  { name: 'Content-Length', doc: 'Size of the body in bytes. Wirelane computes it; set it only to test a server.' },
  { name: 'Content-MD5', doc: 'Base64 MD5 digest of the body (obsolete).' },
  { name: 'Content-Type', doc: 'Media type of the request body.', values: MEDIA_TYPES },
  { name: 'Cookie', doc: 'Cookies for the server. The cookie jar adds stored cookies unless `# @no-cookie-jar`.' },
  { name: 'Date', doc: 'When the message was sent (HTTP-date).' },
  { name: 'DNT', doc: 'Do Not Track preference (deprecated).', values: ['1', '0'] },
  { name: 'Early-Data', doc: 'The request was sent in TLS 1.3 early data.', values: ['1'] },
  { name: 'Expect', doc: 'Expectations the server must meet; `100-continue` waits before sending the body.', values: ['100-continue'] },
  { name: 'Forwarded', doc: 'Client and proxy information lost by proxies (RFC 7239).', values: ['for=127.0.0.1;proto=http'] },
  { name: 'From', doc: 'E-mail address of the human controlling the client.' },
  { name: 'Host', doc: 'Host and port of the target. A path-only request line (`GET /x`) is sent to this host.', values: ['localhost:8080', '127.0.0.1'] },
  { name: 'If-Match', doc: "Only act if the resource's ETag matches (optimistic locking).", values: ['*'] },
  { name: 'If-Modified-Since', doc: 'Only send the body if the resource changed after this date.' },
  { name: 'If-None-Match', doc: 'Only send the body if no listed ETag matches (cache revalidation).', values: ['*'] },
  { name: 'If-Range', doc: 'Send the range only if the resource is unchanged, else the whole body.' },
  { name: 'If-Unmodified-Since', doc: 'Only act if the resource did not change after this date.' },
  { name: 'Keep-Alive', doc: 'HTTP/1.x idle timeout and request limit hints for a persistent connection.', values: ['timeout=5, max=100'] },
  { name: 'Max-Forwards', doc: 'Hop limit for TRACE and OPTIONS.' },
  { name: 'Origin', doc: 'Origin that caused the request (CORS, WebSocket).', values: ['http://localhost:3000'] },
  { name: 'Pragma', doc: 'HTTP/1.0 cache control.', values: ['no-cache'] },
  { name: 'Prefer', doc: 'Preferences for how the server handles the request (RFC 7240).', values: ['return=minimal', 'return=representation', 'respond-async', 'wait=10'] },
  { name: 'Priority', doc: 'Urgency and incremental hints (RFC 9218).', values: ['u=0', 'u=3', 'u=7, i'] },
  { name: 'Proxy-Authorization', doc: 'Credentials for a proxy.', values: ['Basic ', 'Bearer '] },
  { name: 'Range', doc: 'Ask for part of the representation.', values: ['bytes=0-1023', 'bytes=-500'] },
  { name: 'Referer', doc: 'Address of the page the request came from.' },
  { name: 'Sec-WebSocket-Extensions', doc: 'WebSocket extensions the client offers.', values: ['permessage-deflate', 'permessage-deflate; client_max_window_bits'] },
  { name: 'Sec-WebSocket-Key', doc: 'WebSocket handshake nonce. Generated for you; set it only to test a server.' },
  { name: 'Sec-WebSocket-Protocol', doc: 'WebSocket subprotocols the client offers, in preference order.', values: ['chat', 'graphql-ws', 'graphql-transport-ws', 'mqtt', 'wamp.2.json'] },
  { name: 'Sec-WebSocket-Version', doc: 'WebSocket protocol version.', values: ['13'] },
  { name: 'TE', doc: 'Transfer codings the client accepts; `trailers` for trailer fields (allowed over HTTP/2).', values: ['trailers', 'gzip'] },
  { name: 'Trailer', doc: 'Header fields that will follow a chunked body.' },
  { name: 'Transfer-Encoding', doc: 'Transfer coding of the body (HTTP/1.1 hop-by-hop).', values: ['chunked'] },
  { name: 'Upgrade', doc: 'Ask to switch protocols on this connection.', values: ['websocket', 'h2c'] },
  { name: 'Upgrade-Insecure-Requests', doc: 'The client prefers an encrypted, authenticated response.', values: ['1'] },
  { name: 'User-Agent', doc: 'Software that sends the request.', values: ['wirelane', 'curl/8.0'] },
  { name: 'Via', doc: 'Proxies the request passed through.' },
  { name: 'X-Api-Key', doc: 'API key (a common, non-standard convention).' },
  { name: 'X-Correlation-ID', doc: 'Identifier that ties log lines of one request together (non-standard).', values: ['{{$uuid}}'] },
  { name: 'X-Forwarded-For', doc: 'Client address as seen by proxies (de-facto standard).', values: ['127.0.0.1'] },
  { name: 'X-Forwarded-Host', doc: 'Original Host requested by the client (de-facto standard).' },
  { name: 'X-Forwarded-Proto', doc: 'Original scheme used by the client (de-facto standard).', values: ['https', 'http'] },
  { name: 'X-Request-ID', doc: 'Identifier of this request for tracing (non-standard).', values: ['{{$uuid}}'] },
  { name: 'X-Request-Type', doc: 'REST Client: `GraphQL` turns the body (query, blank line, variables JSON) into a GraphQL request.', values: ['GraphQL'] },
  { name: 'X-Requested-With', doc: 'Marks an AJAX request (non-standard).', values: ['XMLHttpRequest'] },
];

const byLowerName = new Map(HEADERS.map((h) => [h.name.toLowerCase(), h]));
export function headerInfo(name: string): HeaderInfo | undefined {
  return byLowerName.get(name.toLowerCase());
}

export interface BuiltinInfo {
  name: string;
  /** How it is written, with its arguments. */
  syntax: string;
  doc: string;
  /** LSP snippet inserted after `{{`. */
  snippet: string;
}

const OFFSET = 'optional offset: a number and a unit `y M w d h m s ms`, e.g. `-1 d`';

export const BUILTINS: BuiltinInfo[] = [
  { name: '$uuid', syntax: '{{$uuid}}', doc: 'A random UUID v4.', snippet: '\\$uuid' },
  { name: '$guid', syntax: '{{$guid}}', doc: 'A random UUID v4 (REST Client name).', snippet: '\\$guid' },
  { name: '$random.uuid', syntax: '{{$random.uuid}}', doc: 'A random UUID v4 (JetBrains name).', snippet: '\\$random.uuid' },
  { name: '$timestamp', syntax: '{{$timestamp [offset unit]}}', doc: `Unix time in seconds; ${OFFSET}.`, snippet: '\\$timestamp${1: -1 d}' },
  { name: '$isoTimestamp', syntax: '{{$isoTimestamp}}', doc: 'The current time in ISO-8601 (UTC).', snippet: '\\$isoTimestamp' },
  {
    name: '$datetime',
    syntax: '{{$datetime iso8601|rfc1123|"format" [offset unit]}}',
    doc: `The current UTC time as ISO-8601, RFC 1123 or a day.js format in quotes; ${OFFSET}.`,
    snippet: '\\$datetime ${1|iso8601,rfc1123,"YYYY-MM-DD"|}',
  },
  {
    name: '$localDatetime',
    syntax: '{{$localDatetime iso8601|rfc1123|"format" [offset unit]}}',
    doc: `Like \`$datetime\`, in the machine's time zone; ${OFFSET}.`,
    snippet: '\\$localDatetime ${1|iso8601,rfc1123,"YYYY-MM-DD"|}',
  },
  { name: '$randomInt', syntax: '{{$randomInt [min max]}}', doc: 'A random integer in [min, max) (default 0–1000).', snippet: '\\$randomInt ${1:0} ${2:100}' },
  { name: '$random.integer', syntax: '{{$random.integer(min, max)}}', doc: 'A random integer in [min, max) (JetBrains form).', snippet: '\\$random.integer(${1:0}, ${2:100})' },
  { name: '$random.alphanumeric', syntax: '{{$random.alphanumeric(length)}}', doc: 'Random letters and digits of the given length.', snippet: '\\$random.alphanumeric(${1:10})' },
  {
    name: '$processEnv',
    syntax: '{{$processEnv NAME}} / {{$processEnv %NAME}}',
    doc: 'A process environment variable. With `%`, NAME is itself a variable whose value is the name to read.',
    snippet: '\\$processEnv ${1:NAME}',
  },
  { name: '$input', syntax: '{{$input label}}', doc: 'A value typed when the request is sent (an input box; `--var label=value` in the CLI).', snippet: '\\$input ${1:label}' },
  { name: '$password', syntax: '{{$password label}}', doc: 'Like `$input`, masked and never recorded.', snippet: '\\$password ${1:label}' },
  {
    name: '$auth.token',
    syntax: '{{$auth.token("id")}}',
    doc: 'An OAuth2 access token of the auth configuration `id` under `Security.Auth` in the environment (client-credentials or password grant).',
    snippet: '\\$auth.token("${1:id}")',
  },
  { name: '$auth.idToken', syntax: '{{$auth.idToken("id")}}', doc: 'The OpenID `id_token` of the auth configuration `id`.', snippet: '\\$auth.idToken("${1:id}")' },
  { name: '$dotenv', syntax: '{{$dotenv NAME}}', doc: "A value from `.env` beside the file, else from the workspace root's `.env`.", snippet: '\\$dotenv ${1:NAME}' },
];

export function builtinInfo(name: string): BuiltinInfo | undefined {
  const head = /^\$[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/.exec(name)?.[0];
  return head ? BUILTINS.find((b) => b.name === head) : undefined;
}

export interface DirectiveInfo {
  name: string;
  doc: string;
  values?: string[];
  /** Parsed and kept, but Wirelane does not act on it. */
  notExecuted?: boolean;
}

export const DIRECTIVES: DirectiveInfo[] = [
  { name: 'name', doc: "The request's name, for chaining (`{{name.response.body.$.id}}`), the timeline and `wirelane run --name`." },
  {
    name: 'connection',
    doc: '`new`: open a fresh TCP connection; `close`: send `Connection: close` so the connection ends after this response; `reuse`: reuse an idle connection to the same origin (default).',
    values: ['new', 'close', 'reuse'],
  },
  { name: 'timeout', doc: 'Whole-exchange timeout in milliseconds.', values: ['5000', '30000'] },
  { name: 'no-redirect', doc: 'Do not follow redirects (REST Client).' },
  { name: 'no-cookie-jar', doc: 'Neither send nor store cookies for this request (REST Client).' },
  { name: 'insecure', doc: 'Skip TLS certificate verification for this request (never the default).' },
  { name: 'note', doc: 'Ask before sending (REST Client).' },
  { name: 'keep-open', doc: 'WebSocket: keep the session open after its script ends (CLI waits until stopped).' },
  { name: 'title', doc: 'A title for the request (httpYac). Parsed, not used.', notExecuted: true },
  { name: 'ref', doc: 'Run another named request first (httpYac). Parsed, not executed.', notExecuted: true },
  { name: 'import', doc: 'Import another .http file: its file variables and named requests become available here (`run #name` sends one).' },
  { name: 'loop', doc: 'Repeat the request (httpYac). Parsed, not executed.', notExecuted: true },
  {
    name: 'prompt',
    doc: "`# @prompt name [description]`: ask for the variable's value when the request is sent (an input box; `--var name=value` in the CLI). Names like password, secret or token are masked and never recorded.",
  },
];

export function directiveInfo(name: string): DirectiveInfo | undefined {
  return DIRECTIVES.find((d) => d.name === name);
}
