// Placeholder until its issue lands: says so instead of pretending.
import { WlError } from '../../core/errors';

export async function run(_argv: string[]): Promise<number> {
  throw new WlError('WL_USAGE', "'report' is not implemented yet");
}
