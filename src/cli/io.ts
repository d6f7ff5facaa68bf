// Where the run/compare/demo commands print. Tests swap `io.out` to read what a person would
// see without touching process.stdout (which node's test runner itself reports through).

export interface CliOutput {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly columns: number | undefined;
}

export const io: { out: CliOutput } = {
  out: {
    write: (text) => void process.stdout.write(text),
    get isTTY() {
      return Boolean(process.stdout.isTTY);
    },
    get columns() {
      return process.stdout.columns;
    },
  },
};
