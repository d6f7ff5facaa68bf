// Runs the wirelane CLI inside the test process and captures what it prints.
import { main } from '../../src/cli/main';
import { io } from '../../src/cli/io';

export async function cli(args: string[], columns = 160): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = io.out;
  const ew = process.stderr.write.bind(process.stderr);
  io.out = { write: (t) => void out.push(t), isTTY: false, columns };
  // stderr is free to borrow: node's test runner reports through stdout.
  process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    io.out = saved;
    process.stderr.write = ew;
  }
}
