// Every handler runs through `runSafe`: an exception becomes a logged error and the empty answer,
// and a cancelled request answers the LSP "request cancelled" error, so a bug in one feature never
// takes the server (and every other feature) down. Modelled on VS Code's json-language-features runner.
import { LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';

export interface Logger {
  error(message: string): void;
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.message}\n${err.stack ?? ''}`;
  return String(err);
}

function cancelled<T>(): ResponseError<T> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
}

export function runSafe<T, E>(log: Logger, what: string, token: CancellationToken | undefined, empty: T, fn: () => T): T | ResponseError<E> {
  if (token?.isCancellationRequested) return cancelled();
  try {
    const result = fn();
    if (token?.isCancellationRequested) return cancelled();
    return result;
  } catch (err) {
    log.error(`${what} failed: ${describe(err)}`);
    return empty;
  }
}

export async function runSafeAsync<T, E>(log: Logger, what: string, token: CancellationToken | undefined, empty: T, fn: () => Promise<T>): Promise<T | ResponseError<E>> {
  if (token?.isCancellationRequested) return cancelled();
  try {
    const result = await fn();
    if (token?.isCancellationRequested) return cancelled();
    return result;
  } catch (err) {
    log.error(`${what} failed: ${describe(err)}`);
    return empty;
  }
}

/** For notifications: there is no answer, only the log line. */
export function runSafeVoid(log: Logger, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log.error(`${what} failed: ${describe(err)}`);
  }
}
