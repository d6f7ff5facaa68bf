// The `wirelane` command. Each subcommand lives in src/cli/commands/<name>.ts and exports
// `run(argv): Promise<number>` returning the exit code (0 done, 1 a failure, 2 bad usage).

import { formatError, WlError } from '../core/errors';
import { NETWORK_PRESETS } from '../core/network';
import { COMMAND_HELP, wantsHelp } from './help';

const COMMANDS: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  check: () => import('./commands/check'),
  run: () => import('./commands/run'),
  compare: () => import('./commands/compare'),
  report: () => import('./commands/report'),
  demo: () => import('./commands/demo'),
  test: () => import('./commands/test'),
};

const USAGE = `wirelane — run .http files and see the TCP connections they rode on

Usage:
  wirelane check FILE… [--json]
  wirelane run FILE [--env NAME] [--name NAME]… [--mode MODE] [--insecure] [--proxy URL] [--network PRESET] [--rtt MS] [--down KBPS] [--up KBPS] [--timeout MS] [--har PATH] [--html PATH] [--json]
  wirelane compare FILE [--modes close,keep-alive,pipeline:4,h2] [--proxy URL] [--network PRESET] [--rtt MS] [--down KBPS] [--up KBPS] [--json] [--html PATH]
  wirelane test FILE… [--env NAME] [--reporter junit|tap|json] [--output PATH]
  wirelane report HAR --html PATH
  wirelane demo [--out DIR] [--network PRESET] [--rtt MS]

MODE is keep-alive (default), close, pipeline:N or h2.
--proxy http://[user:pass@]host:port (or 'off'); without it HTTPS_PROXY / HTTP_PROXY / NO_PROXY apply.
--network simulates a link on every connection: ${NETWORK_PRESETS.map((p) => p.preset).join(', ')}, RTT/DOWN/UP or off;
  --rtt (ms), --down and --up (kbit/s) set or override its figures.
Exit codes: 0 done, 1 a request or session failed, 2 bad usage or a parse error.
test: 0 every test passed, 1 a test failed (client.test, ??, a script error), 2 bad usage or a parse error.
'wirelane CMD --help' explains a command and every option it takes.`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'help' && rest[0] && COMMAND_HELP[rest[0]]) {
    process.stdout.write(`${COMMAND_HELP[rest[0]]}\n`);
    return 0;
  }
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return cmd ? 0 : 2;
  }
  if (cmd === '--version' || cmd === '-v') {
    process.stdout.write(`${process.env.WIRELANE_VERSION ?? '0.1.0'}\n`);
    return 0;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    process.stderr.write(`wirelane: unknown command '${cmd}'\n\n${USAGE}\n`);
    return 2;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(`${COMMAND_HELP[cmd]}\n`);
    return 0;
  }
  try {
    const mod = await load();
    return await mod.run(rest);
  } catch (err) {
    if (err instanceof WlError) {
      process.stderr.write(`wirelane: ${formatError(err.toInfo())}\n`);
      return err.code === 'WL_USAGE' || err.code.startsWith('WL_PARSE') ? 2 : 1;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`wirelane: internal error: ${msg}\n${err instanceof Error && process.env.WIRELANE_DEBUG ? err.stack + '\n' : ''}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  );
}
