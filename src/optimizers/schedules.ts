// Learning-rate schedules: a function of the optimizer's step (0-based count of updates done).
// A "dynamic learning rate" is one of these, or a LearningRateScheduler callback per epoch.

export interface Schedule {
  (step: number): number;
  readonly config: { name: string; [k: string]: unknown };
}

function make(config: Schedule['config'], fn: (step: number) => number): Schedule {
  return Object.assign((step: number) => fn(step), { config });
}

function pos(name: string, what: string, v: unknown, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (allowZero ? v < 0 : v <= 0)) {
    throw new RangeError(`wasmnn: ${name}: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(v)}`);
  }
  return v;
}

/** lr = initial * decayRate^(step / decaySteps) (floored with staircase), as Keras ExponentialDecay. */
export function exponentialDecay(o: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }): Schedule {
  const lr0 = pos('exponentialDecay', 'initialLearningRate', o.initialLearningRate, true);
  const steps = pos('exponentialDecay', 'decaySteps', o.decaySteps);
  const rate = pos('exponentialDecay', 'decayRate', o.decayRate);
  return make({ name: 'exponentialDecay', ...o }, (s) => {
    const p = s / steps;
    return lr0 * Math.pow(rate, o.staircase ? Math.floor(p) : p);
  });
}

/** Step decay: lr = initial * factor^floor(step / every). */
export function stepDecay(o: { initialLearningRate: number; every: number; factor: number }): Schedule {
  const lr0 = pos('stepDecay', 'initialLearningRate', o.initialLearningRate, true);
  const every = pos('stepDecay', 'every', o.every);
  const factor = pos('stepDecay', 'factor', o.factor);
  return make({ name: 'stepDecay', ...o }, (s) => lr0 * Math.pow(factor, Math.floor(s / every)));
}

/** Piecewise constant: values[i] while step < boundaries[i], values.at(-1) after the last boundary. */
export function piecewiseConstant(o: { boundaries: number[]; values: number[] }): Schedule {
  if (!Array.isArray(o.boundaries) || !Array.isArray(o.values) || o.values.length !== o.boundaries.length + 1) {
    throw new RangeError('wasmnn: piecewiseConstant: values must have one more entry than boundaries');
  }
  for (let i = 1; i < o.boundaries.length; i++) {
    if (!(o.boundaries[i] > o.boundaries[i - 1])) throw new RangeError('wasmnn: piecewiseConstant: boundaries must increase');
  }
  return make({ name: 'piecewiseConstant', ...o }, (s) => {
    let i = 0;
    while (i < o.boundaries.length && s >= o.boundaries[i]) i++;
    return o.values[i];
  });
}

/** Cosine decay from initial to initial * alpha over decaySteps (Keras CosineDecay), with optional linear warmup first. */
export function cosineDecay(o: { initialLearningRate: number; decaySteps: number; alpha?: number; warmupSteps?: number; warmupTarget?: number }): Schedule {
  const lr0 = pos('cosineDecay', 'initialLearningRate', o.initialLearningRate, true);
  const steps = pos('cosineDecay', 'decaySteps', o.decaySteps);
  const alpha = o.alpha ?? 0;
  const warm = o.warmupSteps ?? 0;
  const peak = o.warmupTarget ?? lr0;
  return make({ name: 'cosineDecay', ...o }, (s) => {
    if (warm > 0 && s < warm) return lr0 + (peak - lr0) * (s / warm);
    const p = Math.min(s - warm, steps) / steps;
    const cos = 0.5 * (1 + Math.cos(Math.PI * p));
    return peak * ((1 - alpha) * cos + alpha);
  });
}

/** Linear warmup from 0 to the wrapped schedule's value over warmupSteps, then the schedule (shifted). */
export function linearWarmup(o: { warmupSteps: number; after: Schedule | number }): Schedule {
  const warm = pos('linearWarmup', 'warmupSteps', o.warmupSteps);
  const after = o.after;
  const at = (s: number) => (typeof after === 'number' ? after : after(s));
  return make({ name: 'linearWarmup', warmupSteps: warm, after: typeof after === 'number' ? after : after.config }, (s) =>
    s < warm ? at(0) * ((s + 1) / warm) : at(s - warm));
}

export type LearningRate = number | Schedule;

export function lrAt(lr: LearningRate, step: number): number {
  const v = typeof lr === 'number' ? lr : lr(step);
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`wasmnn: the learning rate at step ${step} is ${v}; it must be a finite number >= 0`);
  return v;
}
