// Errors that keep their advice apart from their facts. The library's fix names its own settings
// ("lower the learning rate, set clipNorm", "init({ maxMemoryBytes })"); a front end that offers
// other means (the CLI's --lr, --max-len, --batch-size) reads `advice` and says the fix its way,
// by kind, instead of matching the message's words.

export type AdviceKind =
  /** The loss became non-finite during training (TrainingDivergedError). */
  | 'diverged'
  /** A model holds non-finite weights and cannot be saved. */
  | 'non-finite-weights'
  /** A request would take linear memory past its ceiling (MemoryLimitError). */
  | 'memory'
  /** Rows of token ids of a set length would take more memory than allowed. */
  | 'row-length';

export interface Advice {
  kind: AdviceKind;
  /** What happened, a whole sentence or clause starting "wasmnn: ". */
  problem: string;
  /** What the library's user can do about it. */
  fix: string;
}

/** `error` with its message made of `problem`, `joiner` and `fix`, and the two kept as `advice`. */
export function advised<E extends Error>(error: E, kind: AdviceKind, problem: string, fix: string, joiner = ' '): E & { advice: Advice } {
  error.message = `${problem}${joiner}${fix}`;
  return Object.assign(error, { advice: { kind, problem, fix } });
}

/** The advice an error carries, or that of its cause (an error that wraps another), or null. */
export function adviceOf(e: unknown): Advice | null {
  if (!(e instanceof Error)) return null;
  const a = (e as { advice?: Advice }).advice;
  return a && typeof a.kind === 'string' && typeof a.problem === 'string' ? a : adviceOf(e.cause);
}

/** The loss became non-finite: which step, and the first layer whose output did. */
export class TrainingDivergedError extends Error {
  override readonly name = 'TrainingDivergedError';
  readonly advice: Advice;
  constructor(readonly loss: number, readonly epoch: number, readonly batch: number, readonly step: number, readonly where: string) {
    const problem = `wasmnn: the loss became ${loss} at epoch ${epoch + 1}, batch ${batch + 1} (training step ${step}); the first non-finite values appear in ${where}.`;
    const fix = 'Lower the learning rate, set clipNorm on the optimizer, or check the inputs.';
    super(`${problem} ${fix}`);
    this.advice = { kind: 'diverged', problem, fix };
  }
}
