// `# @prompt` / `{{$input}}` in the CLI: asked on the terminal when stdin is one; secrets are
// not echoed. Without a terminal (CI, a pipe) there is no prompt at all: the runner reports a
// WL_VAR_PROMPT error that names the variable and `--var`, instead of waiting forever.

import { createInterface } from 'node:readline';
import type { PromptFn } from '../runner/asks';

export function terminalPrompt(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): PromptFn | undefined {
  if (!input.isTTY) return undefined;
  // One question at a time, even when concurrent modes ask for two values at once.
  let queue: Promise<unknown> = Promise.resolve();
  return (name, description, { secret }) => {
    const ask = () =>
      new Promise<string | undefined>((resolve) => {
        const rl = createInterface({ input, output, terminal: true });
        let muted = false;
        if (secret) {
          // readline echoes what is typed through _writeToOutput; for a secret, echo nothing.
          const internal = rl as unknown as { _writeToOutput(s: string): void };
          const write = internal._writeToOutput.bind(rl);
          internal._writeToOutput = (s: string) => {
            if (!muted) write(s);
          };
        }
        let answered = false;
        rl.on('close', () => {
          if (!answered) output.write('\n');
          resolve(answered ? value : undefined);
        });
        let value = '';
        rl.question(`${description ? `${description} ` : ''}(${name})${secret ? ' [hidden]' : ''}: `, (v) => {
          answered = true;
          value = v;
          if (secret) output.write('\n');
          rl.close();
        });
        muted = secret;
      });
    const p = queue.then(ask, ask);
    queue = p;
    return p;
  };
}
