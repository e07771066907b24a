// Learning-rate schedules: a function of the optimizer's step (0-based count of updates done).
// A "dynamic learning rate" is one of these, or a LearningRateScheduler callback per epoch.
// Every parameter is checked when the schedule is made, naming the option: a bad one would
// otherwise surface only at the step where it bites, as "the learning rate at step N is NaN".
import { checkBool, checkOptions, describe, optionNames } from '../options.js';

export interface Schedule {
  (step: number): number;
  readonly config: { name: string; [k: string]: unknown };
}

function make(config: Schedule['config'], fn: (step: number) => number): Schedule {
  return Object.assign((step: number) => fn(step), { config });
}

function pos(name: string, what: string, v: unknown, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (allowZero ? v < 0 : v <= 0)) {
    throw new RangeError(`wasmnn: ${name}: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${describe(v)}`);
  }
  return v;
}

/** An optional option: the default when undefined, else a finite number in [lo, hi]. */
function optionalIn(name: string, what: string, v: unknown, dflt: number, lo: number, hi: number): number {
  if (v === undefined || v === null) return dflt;   // null: not given (Keras' None)
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    const range = hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi}]`;
    throw new RangeError(`wasmnn: ${name}: ${what} must be a finite number ${range}, got ${describe(v)}`);
  }
  return v;
}


/** Checks a schedule's options object: an object with only the names it takes (checkOptions). */
function options<T>(name: string, o: T, known: readonly string[]): T {
  if (o === undefined) throw new TypeError(`wasmnn: ${name}: needs an options object { ${known.join(', ')} }`);
  return checkOptions(name, o, known);
}

export interface ExponentialDecayArgs { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }
const EXPONENTIAL_DECAY_OPTIONS = optionNames<ExponentialDecayArgs>({ initialLearningRate: true, decaySteps: true, decayRate: true, staircase: true });

/** lr = initial * decayRate^(step / decaySteps) (floored with staircase), as Keras ExponentialDecay. */
export function exponentialDecay(o: ExponentialDecayArgs): Schedule {
  options('exponentialDecay', o, EXPONENTIAL_DECAY_OPTIONS);
  const lr0 = pos('exponentialDecay', 'initialLearningRate', o.initialLearningRate, true);
  const steps = pos('exponentialDecay', 'decaySteps', o.decaySteps);
  const rate = pos('exponentialDecay', 'decayRate', o.decayRate);
  // a truthy string such as 'no' would otherwise turn the staircase on
  const staircase = checkBool('exponentialDecay', 'staircase', o.staircase ?? undefined, false);
  return make({ name: 'exponentialDecay', ...o }, (s) => {
    const p = s / steps;
    return lr0 * Math.pow(rate, staircase ? Math.floor(p) : p);
  });
}

export interface StepDecayArgs { initialLearningRate: number; every: number; factor: number }
const STEP_DECAY_OPTIONS = optionNames<StepDecayArgs>({ initialLearningRate: true, every: true, factor: true });

/** Step decay: lr = initial * factor^floor(step / every). */
export function stepDecay(o: StepDecayArgs): Schedule {
  options('stepDecay', o, STEP_DECAY_OPTIONS);
  const lr0 = pos('stepDecay', 'initialLearningRate', o.initialLearningRate, true);
  const every = pos('stepDecay', 'every', o.every);
  const factor = pos('stepDecay', 'factor', o.factor);
  return make({ name: 'stepDecay', ...o }, (s) => lr0 * Math.pow(factor, Math.floor(s / every)));
}

export interface PiecewiseConstantArgs { boundaries: number[]; values: number[] }
const PIECEWISE_CONSTANT_OPTIONS = optionNames<PiecewiseConstantArgs>({ boundaries: true, values: true });

/**
 * Piecewise constant, as Keras PiecewiseConstantDecay: values[0] while step <= boundaries[0],
 * values[i] while boundaries[i-1] < step <= boundaries[i], values.at(-1) once step > the last
 * boundary (so the rate changes at the step after each boundary).
 */
export function piecewiseConstant(o: PiecewiseConstantArgs): Schedule {
  options('piecewiseConstant', o, PIECEWISE_CONSTANT_OPTIONS);
  if (!Array.isArray(o.boundaries)) throw new TypeError(`wasmnn: piecewiseConstant: boundaries must be an array of steps such as [100, 200], got ${describe(o.boundaries)}`);
  if (!Array.isArray(o.values)) throw new TypeError(`wasmnn: piecewiseConstant: values must be an array of learning rates such as [0.1, 0.01, 0.001], got ${describe(o.values)}`);
  if (o.values.length !== o.boundaries.length + 1) {
    throw new RangeError(`wasmnn: piecewiseConstant: values must have one more entry than boundaries (one rate before each boundary and one after the last), got ${o.values.length} values for ${o.boundaries.length} boundaries`);
  }
  // numbers only: NaN never compares (the rate would never switch), and strings compare as text ('10' < '9')
  o.boundaries.forEach((b: unknown, i) => {
    if (typeof b !== 'number' || !Number.isFinite(b)) throw new RangeError(`wasmnn: piecewiseConstant: boundaries[${i}] must be a finite number (a step), got ${describe(b)}`);
    if (i > 0 && !(b > o.boundaries[i - 1])) throw new RangeError(`wasmnn: piecewiseConstant: boundaries must increase strictly, but boundaries[${i}] (${b}) is not above boundaries[${i - 1}] (${o.boundaries[i - 1]})`);
  });
  o.values.forEach((v: unknown, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`wasmnn: piecewiseConstant: values[${i}] must be a learning rate (a finite number >= 0), got ${describe(v)}`);
  });
  // copies: a later change to the caller's arrays does not change the schedule
  const boundaries = [...o.boundaries], values = [...o.values];
  return make({ name: 'piecewiseConstant', boundaries, values }, (s) => {
    let i = 0;
    while (i < boundaries.length && s > boundaries[i]) i++;
    return values[i];
  });
}

export interface CosineDecayArgs { initialLearningRate: number; decaySteps: number; alpha?: number; warmupSteps?: number; warmupTarget?: number }
const COSINE_DECAY_OPTIONS = optionNames<CosineDecayArgs>({ initialLearningRate: true, decaySteps: true, alpha: true, warmupSteps: true, warmupTarget: true });

/**
 * Cosine decay from initial to initial * alpha over decaySteps (Keras CosineDecay), with optional
 * linear warmup first: from initialLearningRate at step 0 to warmupTarget at step warmupSteps,
 * lr = initial + (target - initial) * step / warmupSteps, then the decay from warmupTarget.
 */
export function cosineDecay(o: CosineDecayArgs): Schedule {
  options('cosineDecay', o, COSINE_DECAY_OPTIONS);
  const lr0 = pos('cosineDecay', 'initialLearningRate', o.initialLearningRate, true);
  const steps = pos('cosineDecay', 'decaySteps', o.decaySteps);
  // alpha is the final rate as a fraction of the peak: outside [0, 1] the rate would go negative
  // or rise while "decaying"
  const alpha = optionalIn('cosineDecay', 'alpha', o.alpha, 0, 0, 1);
  const warm = optionalIn('cosineDecay', 'warmupSteps', o.warmupSteps, 0, 0, Infinity);
  const peak = optionalIn('cosineDecay', 'warmupTarget', o.warmupTarget, lr0, 0, Infinity);
  return make({ name: 'cosineDecay', ...o }, (s) => {
    if (warm > 0 && s < warm) return lr0 + (peak - lr0) * (s / warm);
    const p = Math.min(s - warm, steps) / steps;
    const cos = 0.5 * (1 + Math.cos(Math.PI * p));
    return peak * ((1 - alpha) * cos + alpha);
  });
}

export interface LinearWarmupArgs { warmupSteps: number; after: Schedule | number }
const LINEAR_WARMUP_OPTIONS = optionNames<LinearWarmupArgs>({ warmupSteps: true, after: true });

/**
 * Linear warmup from 0 to the wrapped schedule's first value over warmupSteps, then the schedule
 * (shifted): lr = after(0) * step / warmupSteps while step < warmupSteps, then after(step -
 * warmupSteps). As Keras CosineDecay's warmup from initialLearningRate 0: 0 at step 0, the full
 * rate first at step warmupSteps.
 */
export function linearWarmup(o: LinearWarmupArgs): Schedule {
  options('linearWarmup', o, LINEAR_WARMUP_OPTIONS);
  const warm = pos('linearWarmup', 'warmupSteps', o.warmupSteps);
  const after = o.after;
  if (typeof after === 'number') pos('linearWarmup', 'after', after, true);
  else if (typeof after !== 'function') throw new TypeError(`wasmnn: linearWarmup: after must be a learning rate (a number) or a schedule such as cosineDecay({ ... }), got ${after === null ? 'null' : typeof after}`);
  const at = (s: number) => (typeof after === 'number' ? after : after(s));
  return make({ name: 'linearWarmup', warmupSteps: warm, after: typeof after === 'number' ? after : after.config }, (s) =>
    s < warm ? at(0) * (s / warm) : at(s - warm));
}

export type LearningRate = number | Schedule;

export function lrAt(lr: LearningRate, step: number): number {
  const v = typeof lr === 'number' ? lr : lr(step);
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`wasmnn: the learning rate at step ${step} is ${v}; it must be a finite number >= 0`);
  return v;
}
