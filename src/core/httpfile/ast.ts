// The AST of a `.http` / `.rest` file. Every node carries an exact range so the
// language server, the CLI and the runner can point at the text the user wrote.
// Positions are 0-based (line, character in UTF-16 code units), exactly as LSP.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** A problem found while parsing or resolving. `code` is stable (`WL_PARSE_…`, `WL_VAR_…`). */
export interface ParseDiagnostic {
  range: Range;
  severity: Severity;
  code: string;
  message: string;
}

/** A `{{…}}` reference inside some text. */
export interface VariableRef {
  /** What stands between the braces, trimmed, without a leading `%`. */
  name: string;
  /** The whole reference as written, braces included. */
  raw: string;
  range: Range;
  /** `{{%name}}`: percent-encode the value. */
  encode: boolean;
  /** `$uuid…` built-ins, `login.response…` named-request references, or plain variables. */
  kind: 'plain' | 'builtin' | 'request';
}

/** Text as written, with the variable references found in it. */
export interface Text {
  text: string;
  range: Range;
  variables: VariableRef[];
}

export interface FileVariable {
  name: string;
  nameRange: Range;
  value: Text;
  range: Range;
}

/** `# @name value`, `// @timeout 5000`, `# @no-redirect`. `name` has no `@`. */
export interface Directive {
  name: string;
  value: string;
  range: Range;
  nameRange: Range;
  valueRange?: Range;
}

export interface Header {
  name: string;
  nameRange: Range;
  value: Text;
  range: Range;
}

/** A body is text and file inclusions in order (`< ./a.json` alone, or inside multipart parts). */
export type BodyPart = { kind: 'text'; text: Text } | { kind: 'file'; path: Text; substitute: boolean; range: Range };

export interface Body {
  range: Range;
  parts: BodyPart[];
}

export interface ScriptBlock {
  /** `> {% … %}` / `> file.js` after a request, `< {% … %}` before it. */
  kind: 'response-handler' | 'pre-request';
  code?: string;
  file?: string;
  range: Range;
  /** Whose script language this is: JetBrains `{% %}` / `> file.js` (default), or httpYac `{{ … }}` blocks. */
  dialect?: 'jetbrains' | 'httpyac';
}

/** `?? status == 200` (httpYac). Kept, not executed yet. */
export interface Assertion {
  text: string;
  range: Range;
}

/** One step of a WebSocket script: a message to send, or `=== wait-for-server`. */
export type WsStep = { kind: 'send'; text: Text; range: Range } | { kind: 'wait'; range: Range };

export interface RequestNode {
  kind: 'http' | 'websocket';
  range: Range;
  method: string;
  methodRange: Range;
  /** The URL with `?`/`&` continuation lines joined (no added whitespace). */
  url: Text;
  /** How the target was written: `https://…`, `/path` (needs a Host header or `host` variable), `localhost:8080/x` (means http://), `{{base}}/x`, `*`. */
  target?: 'absolute' | 'path' | 'no-scheme' | 'variable' | 'asterisk';
  httpVersion?: 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2';
  versionRange?: Range;
  headers: Header[];
  body?: Body;
  /** WebSocket regions: the message script. Empty for http. */
  wsSteps: WsStep[];
  scripts: ScriptBlock[];
  assertions: Assertion[];
  /** `<> ./previous-response.json` */
  responseRefs: { path: string; range: Range }[];
  /** `HTTP/1.1 200 OK` blocks written after the request (httpYac saved responses). */
  savedResponses: Range[];
}

export interface Region {
  /** From the `###` line (or file start) to the line before the next `###`. */
  range: Range;
  /** Text after `###` on the separator line, trimmed (banners like `====` are dropped). */
  title?: string;
  /** `@name` directive value, else undefined. */
  name?: string;
  nameRange?: Range;
  directives: Directive[];
  variables: FileVariable[];
  request?: RequestNode;
}

export interface HttpFile {
  regions: Region[];
  /** All file variables in document order (later definitions win). */
  variables: FileVariable[];
  diagnostics: ParseDiagnostic[];
  lineCount: number;
}
