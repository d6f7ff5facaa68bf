// `wirelane CMD --help`: what each command does and every option it takes, in one place.

const NETWORK = `  --network PRESET    simulate a link on every connection: a preset (slow-4g, 3g, desktop, …), RTT/DOWN/UP, or off
  --rtt MS            simulated round-trip time (sets or overrides the preset's)
  --down KBPS         simulated download bandwidth, kbit/s
  --up KBPS           simulated upload bandwidth, kbit/s`;

const SENDING = `  --env NAME          environment of http-client.env.json to use (a file with one environment uses it)
  --name NAME         only the request named NAME (repeatable); requests it refers to are sent first
  --insecure          do not verify TLS certificates (for servers you control)
  --proxy URL         forward proxy http://[user:pass@]host:port, or 'off'; default HTTPS_PROXY / HTTP_PROXY / NO_PROXY
  --timeout MS        time one request may take from start to last byte (default 30000)
  --var NAME=VALUE    a variable for this run (repeatable), above the environment
  --har PATH          record the run as HAR 1.2 with connection ids and reasons
  --keep-secrets      do not redact Authorization, Cookie and private environment values in the HAR
  --html PATH         draw the run as the connection timeline in one self-contained HTML file
  --json              print the result as JSON instead of a table
${NETWORK}`;

export const COMMAND_HELP: Record<string, string> = {
  check: `Usage: wirelane check FILE… [--env NAME] [--json]

Parses each .http file and resolves its variables without sending anything. Prints one line per
problem: file:line:col severity code message (1-based), or JSON with --json.

  --env NAME          check variables against this environment of http-client.env.json
  --json              print the problems as JSON

Exit codes: 0 no error, 1 an error in a file, 2 bad usage or an unreadable file.`,
  run: `Usage: wirelane run FILE [options]

Sends the file's requests and WebSocket scripts in order and prints one row per exchange: which
TCP connection it rode on, whether that connection was new or reused, and for each new one why
it opened (see docs/glossary.md).

  --mode MODE         keep-alive (default), close, pipeline:N or h2
${SENDING}
  --run-timeout MS    stop the whole run after MS
  --duration MS       keep WebSocket sessions open this long after their script

Exit codes: 0 done (any HTTP status counts as done), 1 a request or session failed, 2 bad usage or a parse error.`,
  compare: `Usage: wirelane compare FILE [--modes close,keep-alive,pipeline:4,h2] [options]

Runs the same requests once per connection mode and prints, side by side, the connections opened,
TCP and TLS handshakes, and the total and median time per mode.

  --modes LIST        comma-separated modes (default close,keep-alive,pipeline:4)
${SENDING}

Exit codes: 0 done, 1 a request failed in some mode, 2 bad usage or a parse error.`,
  report: `Usage: wirelane report HAR --html PATH

Draws any HAR (Wirelane's, a browser's, Playwright's) as the connection timeline in one
self-contained HTML file that needs no network.

  --html PATH         where to write the HTML file

Exit codes: 0 written, 1 the report assets are missing, 2 bad usage or not a HAR.`,
  demo: `Usage: wirelane demo [--out DIR] [--no-compare]

Starts local HTTP/1.1, HTTP/2 and WebSocket servers on 127.0.0.1, runs examples/demo.http against
them and compares the connection modes; writes demo.har, compare.har and demo.html to DIR.

  --out DIR           output folder (default demo-out)
  --no-compare        skip the comparison of modes
${NETWORK}`,
  test: `Usage: wirelane test FILE… [--env NAME] [--reporter junit|tap|json] [--output PATH] [options]

Runs the files' requests with their response handlers (client.test, client.assert) and ?? lines,
and reports every test: passed or failed, with the line that failed.

  --env NAME          environment of http-client.env.json to use
  --reporter NAME     junit, tap or json (default: text on the terminal)
  --output PATH       write the report to PATH instead of stdout
  --mode MODE         keep-alive (default), close, pipeline:N or h2
  --insecure          do not verify TLS certificates (for servers you control)
  --proxy URL         forward proxy http://[user:pass@]host:port, or 'off'
  --timeout MS        time one request may take from start to last byte (default 30000)
  --var NAME=VALUE    a variable for this run (repeatable), above the environment

Exit codes: 0 every test passed, 1 a test failed (client.test, ??, a script error), 2 bad usage or a parse error.`,
};

/** True when the arguments ask for help (before a `--`, which ends the options). */
export function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}
