// CLI errors: a message a person can act on and the exit code (2: usage, 1: data or model problems).
import { editDistance } from '../options.js';
import { adviceOf, type Advice } from '../advice.js';

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
 * The fix of a library error that carries advice (src/advice.ts), in the CLI's words: its options
 * instead of API settings (clipNorm, init({ maxMemoryBytes }), "transform the texts in batches").
 * `command` picks the options that apply. Null: the library's fix stands.
 */
function cliFix(advice: Advice, command: string): string | null {
  const train = command === 'train';
  switch (advice.kind) {
    case 'diverged': return train ? 'Lower --lr (the learning rate), or check the data.' : 'Lower the learning rate, or check the data.';
    case 'non-finite-weights': return train ? '(training diverged: lower --lr)' : '(training diverged)';
    case 'row-length': return train ? 'use a smaller --max-len' : 'use a smaller --batch-size';
    case 'memory': return train
      ? 'Make the model or the batches smaller: fewer --buckets (the bag model has a table row of 32 floats per word and bucket), a smaller --vocab-size, --max-len or --batch-size.'
      : 'Use a smaller --batch-size.';
    default: return null;
  }
}

/** A library error's message with its advice in the CLI's words (as it is if it carries none). */
export function cliMessage(e: unknown, command: string): string {
  const advice = adviceOf(e);
  const fix = advice && cliFix(advice, command);
  return fix ? `${advice.problem} ${fix}` : e instanceof Error ? e.message : String(e);
}

/** A library error with advice in the CLI's words (a data error, exit 1, as before), else as it is. */
export function translateError(e: unknown, command: string): unknown {
  if (!(e instanceof Error) || e instanceof CliError) return e;
  const advice = adviceOf(e);
  const fix = advice && cliFix(advice, command);
  return fix ? dataError(`${advice.problem} ${fix}`) : e;
}
