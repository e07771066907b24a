// CLI errors: a message a person can act on and the exit code (2: usage, 1: data or model problems).
import { editDistance } from '../options.js';
import { MemoryLimitError } from '../runtime/memory.js';

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

/**
 * Library advice the CLI cannot follow, in the CLI's words: its options instead of API settings
 * (clipNorm, init({ maxMemoryBytes }), "transform the texts in batches"). `command` picks the
 * options that apply.
 */
export function cliWords(message: string, command: string): string {
  const train = command === 'train';
  return message
    .replace('Lower the learning rate, set clipNorm on the optimizer, or check the inputs.', train ? 'Lower --lr (the learning rate), or check the data.' : 'Lower the learning rate, or check the data.')
    .replace('(training diverged: lower the learning rate or set clipNorm)', train ? '(training diverged: lower --lr)' : '(training diverged)')
    .replace('use a smaller row length or transform the texts in batches', train ? 'use a smaller --max-len' : 'use a smaller --batch-size')
    // MemoryLimitError's fix: the CLI has no init({ maxMemoryBytes }) and its models are made by options
    .replace(/ (Raise it with init\(|That is more than the 4 GiB|That is already the largest limit).*$/s, ` ${train
      ? 'Make the model or the batches smaller: fewer --buckets (the bag model has a table row of 32 floats per word and bucket), a smaller --vocab-size, --max-len or --batch-size.'
      : 'Use a smaller --batch-size.'}`);
}

/** An error from the library with advice in the CLI's words (a data error, exit 1, as before), else as it is. */
export function translateError(e: unknown, command: string): unknown {
  if (!(e instanceof Error) || e instanceof CliError) return e;
  const m = cliWords(e.message, command);
  if (m === e.message && !(e instanceof MemoryLimitError)) return e;
  return dataError(m);
}
