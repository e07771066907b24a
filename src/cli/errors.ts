// CLI errors: a message a person can act on and the exit code (2: usage, 1: data or model problems).
import { editDistance } from '../options.js';

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode: 1 | 2) {
    super(message.startsWith('wasmnn: ') ? message : `wasmnn: ${message}`);
  }
}

/** A mistake in the command line (exit code 2). */
export const usageError = (message: string) => new CliError(message, 2);

/** A problem with a data or model file (exit code 1). */
export const dataError = (message: string) => new CliError(message, 1);

/** The closest candidate to `word`, if it is close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null, bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) { bestD = d; best = c; }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}
