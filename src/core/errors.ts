// Errors are values with stable codes. The transport never decides how to show them.

export type Phase = 'parse' | 'resolve' | 'dns' | 'connect' | 'tls' | 'send' | 'wait' | 'receive' | 'websocket' | 'script';

export interface SourceLocation {
  file: string;
  /** 1-based line, as people read it. */
  line: number;
}

/** What an error looks like in the timeline model, HAR and protocol messages. */
export interface ErrorInfo {
  code: string;
  message: string;
  phase?: Phase;
  hint?: string;
  source?: SourceLocation;
}

/** Every code Wirelane emits, with the hint shown when the thrower has no better one. */
export const ERROR_HINTS: Record<string, string> = {
  WL_USAGE: 'Run `wirelane --help` for the commands and their options.',
  WL_FILE_NOT_FOUND: 'Check the path; relative paths are resolved from the .http file’s folder.',
  WL_PARSE: 'Fix the line shown; `wirelane check FILE` lists every problem.',
  WL_VAR_UNRESOLVED: 'Define it with `@name = value`, in http-client.env.json for the selected environment, or in .env.',
  WL_VAR_CYCLE: 'Variables refer to each other in a loop; give one of them a plain value.',
  WL_VAR_UNSUPPORTED: 'Wirelane does not evaluate this; replace it with a file or environment variable.',
  WL_VAR_BUILTIN: 'Check the built-in’s arguments against the table of variables in the docs (e.g. `{{$timestamp -1 d}}`).',
  WL_ENV_INVALID: 'Fix the JSON of the environment file: `{"dev": {"host": "localhost:8080"}}`.',
  WL_ENV_UNKNOWN: 'Pick an environment defined in http-client.env.json (or http-client.private.env.json).',
  WL_RESOLVE_URL: 'Write a full URL, or give a path-only target a `Host:` header or a `@host = …` variable.',
  WL_RESOLVE_UNSUPPORTED: 'Wirelane parses this but cannot send it.',
  WL_GRAPHQL_VARIABLES: 'After the query and a blank line, GraphQL variables must be one JSON object.',
  WL_DNS: 'The host name did not resolve. Check the spelling, or use an IP address.',
  WL_CONNECT_REFUSED: 'Nothing is listening on that host and port. Is the server running?',
  WL_PROXY: 'The proxy could not carry the request. Check the proxy URL (http://user:pass@host:port), its credentials, and NO_PROXY.',
  WL_CONNECT_TIMEOUT: 'The TCP connection did not complete in time. Check host, port and firewalls.',
  WL_TLS_CERT: 'The server’s certificate is not trusted. Use `# @insecure` (or --insecure) only for a server you control.',
  WL_TLS_HOSTNAME: 'The certificate does not name this host. Use the host name the certificate was issued for.',
  WL_TLS: 'The TLS handshake failed. Check that the server speaks TLS on this port.',
  WL_TLS_CLIENT_CERT: 'Check the paths under SSLConfiguration in http-client.private.env.json (relative to that file).',
  WL_VAR_PROMPT: 'Pass the value with `--var NAME=VALUE`, or run in a terminal to be asked.',
  WL_AUTH_UNKNOWN: 'Define the id under "Security": {"Auth": {…}} of the selected environment in http-client.env.json.',
  WL_AUTH_TOKEN: 'Check the Token URL, grant type and credentials of the auth configuration; the token exchange is on the timeline.',
  WL_IMPORT_NOT_FOUND: 'Check the path after `@import` / `import`; it is relative to the .http file’s folder.',
  WL_IMPORT_CYCLE: 'Files import each other in a loop; the repeated import is skipped.',
  WL_RUN_UNKNOWN: 'Name a request of this file or of an imported one: `run #login`, after `# @import ./auth.http`.',
  WL_RUN_NOT_FOUND: 'Check the path after `run`; it is relative to the .http file’s folder.',
  WL_RUN_CYCLE: 'A `run ./file.http` leads back to a file that is already running; remove one of the `run` lines.',
  WL_RESET: 'The server reset the connection. Check its logs; retrying may help.',
  WL_CLOSED: 'The server closed the connection before the response was complete.',
  WL_TIMEOUT: 'No answer in time. Raise `# @timeout MS` or --timeout if the server is just slow.',
  WL_PROTOCOL: 'The server sent something that is not valid HTTP.',
  WL_CANCELLED: 'The run was cancelled.',
  WL_REQUEST_INVALID: 'A header name or value, the method or the URL has characters HTTP does not allow.',
  WL_BODY_TOO_LARGE: 'The body was larger than the limit; it was saved to a file instead.',
  WL_WS_UPGRADE_REFUSED: 'The server did not accept the WebSocket upgrade. Check the URL, headers and authentication.',
  WL_WS_TIMEOUT: 'The server sent no message in time for `=== wait-for-server`.',
  WL_WS_CLOSED: 'The WebSocket closed before the script finished.',
  WL_SCRIPT_ERROR: 'The script threw an exception at the line shown; fix it, or log values with client.log(…).',
  WL_SCRIPT_TIMEOUT: 'The script did not finish in time (a loop that never ends?). Scripts are stopped after a fixed limit.',
  WL_SCRIPT_MEMORY: 'The script allocated more memory than scripts may use.',
  WL_SCRIPT_FILE: 'The handler file could not be read; paths are relative to the .http file’s folder.',
  WL_SCRIPTS_UNTRUSTED: 'Scripts do not run in an untrusted workspace. Trust the workspace to run them.',
  WL_ASSERTION_FAILED: 'The response did not meet the assertion shown (`??` line or client.assert / client.test).',
  WL_ASSERTION_INVALID:
    'Write `?? status == 200`, `?? header NAME OP VALUE`, `?? body [PATH] OP VALUE`, `?? js EXPR OP VALUE`, `?? duration < MS`, `?? connection reused|new`, `?? protocol h2`, `?? tls TLSv1.3` or `?? timing PHASE < MS`.',
  WL_HAR_ERROR: 'The recording says this request failed; the tool that wrote it gave no code.',
  WL_HAR_INVALID: 'The file is not a HAR this reader understands.',
  WL_INTERNAL: 'This is a bug in Wirelane. Please report it with the steps that led here.',
};

export class WlError extends Error {
  readonly code: string;
  readonly phase?: Phase;
  readonly hint: string;
  readonly source?: SourceLocation;

  constructor(code: string, message: string, opts: { phase?: Phase; hint?: string; source?: SourceLocation; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WlError';
    this.code = code;
    this.phase = opts.phase;
    this.hint = opts.hint ?? ERROR_HINTS[code] ?? '';
    this.source = opts.source;
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message, phase: this.phase, hint: this.hint || undefined, source: this.source };
  }
}

/** One line for a terminal or a notification: `WL_CONNECT_REFUSED (connect) api.http:12: … — hint`. */
export function formatError(e: ErrorInfo): string {
  const where = e.source ? ` ${e.source.file}:${e.source.line}` : '';
  const phase = e.phase ? ` (${e.phase})` : '';
  const hint = e.hint ? ` — ${e.hint}` : '';
  return `${e.code}${phase}${where}: ${e.message}${hint}`;
}
