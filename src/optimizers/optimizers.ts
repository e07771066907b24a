// Optimizers: hyper-parameters plus state slabs shaped like the model's trainable region; one
// fused kernel call updates every parameter. Keras' names and defaults; tfjs-core's formulas
// (see src/kernels/optim.ts). `weightDecay` (SGD, Adam, AdamW) is Keras 3's: decoupled, applied to
// the weights before each update (p -= lr * weightDecay * p), not added to the gradient; so
// Adam({ weightDecay }) and AdamW({ weightDecay }) are the same update. `clipNorm` clips the
// global norm of all the gradients together (Keras' `global_clipnorm`; Keras' own `clipnorm`
// clips each weight's gradient on its own).
//
// Row-sparse updates: an embedding table whose gradient arrived row by row (Param.stepRows, see
// Graph.addRowGrad) is updated only in those rows when that is exact, i.e. when a zero gradient
// leaves weights and state unchanged: plain SGD without weight decay, and Adagrad. For Adam,
// AdamW, RMSprop and SGD with momentum or weight decay it is not exact (the moments of the other
// rows would decay, their weights would move) and the update stays dense unless the layer asks
// for `sparse: true`: then those optimizers do the "lazy" update of TensorFlow's LazyAdam and
// PyTorch's SparseAdam (rows without a gradient keep their moments and weights that step).
// The rest of the slab gets one dense update per contiguous stretch between such tables.
import { adagradUpdate, adamUpdate, clipByGlobalNorm, rmspropUpdate, sgdUpdate, type RowSelection, type TableRows } from '../kernels/optim.js';
import type { ParamStore } from '../params.js';
import { Tensor } from '../tensor.js';
import { lrAt, type LearningRate } from './schedules.js';
import { checkOptions, describe as describeValue, optionNames, type OptionNames } from '../options.js';

export interface OptimizerArgs {
  learningRate?: LearningRate;
  /** Clip the global norm of all the gradients together to this value before each update
   *  (Keras' `global_clipnorm`, not its per-weight `clipnorm`). */
  clipNorm?: number;
}

const OPTIMIZER_ARGS: OptionNames<OptimizerArgs> = { learningRate: true, clipNorm: true };

export abstract class Optimizer {
  abstract readonly className: string;
  learningRate: LearningRate;
  readonly clipNorm?: number;
  /** Updates done so far. */
  iterations = 0;
  protected state: Tensor[] = [];
  protected store: ParamStore | null = null;

  /**
   * kind names the optimizer in error messages (its className; the subclasses pass it because
   * className is not set yet while this runs). The subclasses check their options' names
   * (checkOptions) before they call this.
   */
  constructor(args: OptimizerArgs, defaultLr: number, kind: string = this.constructor.name) {
    const lr = args.learningRate ?? defaultLr;
    if (typeof lr === 'number') {
      if (!(Number.isFinite(lr) && lr >= 0)) throw new RangeError(`wasmnn: ${kind}: learningRate must be a finite number >= 0, got ${lr}`);
    } else if (typeof lr !== 'function') {
      throw new TypeError(`wasmnn: ${kind}: learningRate must be a number or a schedule such as exponentialDecay({ ... }), got ${describe(lr)}`);
    }
    this.learningRate = lr;
    if (args.clipNorm !== undefined && !(typeof args.clipNorm === 'number' && Number.isFinite(args.clipNorm) && args.clipNorm > 0)) {
      throw new RangeError(`wasmnn: ${kind}: clipNorm must be a positive number, got ${describe(args.clipNorm)}`);
    }
    this.clipNorm = args.clipNorm;
  }

  /** Names of the state slabs this optimizer keeps per parameter. */
  protected abstract slots(): string[];

  /** The value state slab i starts from. */
  protected initialState(_slot: number): number { return 0; }

  /** Where each trainable weight's state sits in the slabs (name -> [offset, size]), for attach. */
  private layout = new Map<string, [number, number]>();

  /**
   * Binds to a model's parameters, allocating the state. Rebound to another layout of the same
   * model's weights (compile again after a change of `trainable`), it keeps the state, and the
   * update count, of every weight that stays trainable, as Keras keeps an optimizer's variables
   * across compiles; a weight that starts training starts from zero. First bound (or after
   * release), everything starts from zero.
   */
  attach(store: ParamStore): void {
    if (this.store === store) return;
    const rt = store.rt;
    const old = this.store?.rt === rt ? { state: this.state, layout: this.layout } : null;
    if (old) this.state = [];   // kept from release(): copied below, then freed
    this.release();
    this.store = store;
    this.state = this.slots().map((_, i) => rt.alloc([store.trainableFloats || 1]).fill(this.initialState(i)));
    this.layout = new Map(store.trainableParams().map((q) => [q.name, [q.slabOffset, q.gradSlot.size]]));
    if (!old) { this.iterations = 0; return; }
    for (const [name, [offset, size]] of this.layout) {
      const was = old.layout.get(name);
      if (!was || was[1] !== size) continue;
      this.state.forEach((t, i) => t.f32().set(old.state[i].f32().subarray(was[0], was[0] + size), offset));
    }
    for (const t of old.state) rt.free(t);
  }

  /** The learning rate the next update will use. */
  currentLearningRate(): number { return lrAt(this.learningRate, this.iterations); }

  /** Whether a zero gradient leaves weights and state unchanged, so row-sparse updates are exact. */
  abstract zeroGradIsIdentity(): boolean;

  /** Clips (if asked) and applies one update from the store's gradients. Returns the gradient norm when clipping. */
  step(): number | null {
    const store = this.store;
    if (!store) throw new Error('wasmnn: optimizer is not attached to a model; call model.compile()');
    if (store.trainableFloats === 0) { this.iterations++; return null; }
    const rt = store.rt;
    const exact = this.zeroGradIsIdentity();
    const sparse = store.trainableParams().filter((q) => q.stepRows !== null && (exact || q.lazyRows));
    // the slab as dense stretches and row-sparse tables, in slab order
    const parts: SlabPart[] = [];
    let at = 0;
    for (const q of sparse) {
      if (q.slabOffset > at) parts.push({ offset: at, size: q.slabOffset - at });
      const rows = q.stepRows!;
      if (rows.length) parts.push({ offset: q.slabOffset, size: q.gradSlot.size, rows: { rows: rt.temp([rows.length], 'i32').set(rows), dim: q.rowDim } });
      at = q.slabOffset + q.gradSlot.size;
    }
    if (at < store.trainableFloats) parts.push({ offset: at, size: store.trainableFloats - at });
    const g = store.trainableGrads();
    let norm: number | null = null;
    if (this.clipNorm !== undefined) {
      const dense = parts.filter((x) => !x.rows).map((x) => slice(g, x));
      const rows: TableRows[] = parts.filter((x) => x.rows).map((x) => ({ table: slice(g, x), ...x.rows! }));
      norm = clipByGlobalNorm(rt, dense, this.clipNorm, rows);
    }
    const lr = this.currentLearningRate();
    this.iterations++;
    const p = store.trainableValues();
    for (const x of parts) this.update(slice(p, x), slice(g, x), this.state.map((t) => slice(t, x)), lr, x.rows);
    return norm;
  }

  /** Updates p from g with the state views given (all the same size); rows: only those rows of the (rows, dim) table. */
  protected abstract update(p: Tensor, g: Tensor, state: Tensor[], lr: number, rows?: RowSelection): void;

  /** Names of the state slabs, in slot order (checkpoints name them in errors). */
  slotNames(): string[] { return this.slots(); }

  /** Optimizer state (for checkpoints): iterations and every slab. */
  getState(): { iterations: number; slots: Float32Array[] } {
    return { iterations: this.iterations, slots: this.state.map((t) => t.f32().slice()) };
  }

  setState(s: { iterations: number; slots: Float32Array[] }): void {
    if (s.slots.length !== this.state.length) throw new Error(`wasmnn: ${this.className} state has ${this.state.length} slots, got ${s.slots.length}`);
    this.iterations = s.iterations;
    s.slots.forEach((v, i) => this.state[i].set(v));
  }

  getConfig(): Record<string, unknown> {
    const lr = this.learningRate;
    const c: Record<string, unknown> = { learningRate: typeof lr === 'number' ? lr : lr.config };
    if (this.clipNorm !== undefined) c.clipNorm = this.clipNorm;
    return c;
  }

  release(): void {
    if (this.store) for (const t of this.state) this.store.rt.free(t);
    this.state = [];
    this.store = null;
    this.layout = new Map();
  }
}

export interface SGDArgs extends OptimizerArgs { momentum?: number; nesterov?: boolean; weightDecay?: number }

const SGD_OPTIONS = optionNames<SGDArgs>({ ...OPTIMIZER_ARGS, momentum: true, nesterov: true, weightDecay: true });

export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  constructor(args: SGDArgs = {}) {
    super(checkOptions('SGD', args, SGD_OPTIONS), 0.01, 'SGD');
    // Keras' SGD takes momentum in [0, 1], and nesterov also without momentum (then plain SGD)
    this.momentum = inRange('SGD', 'momentum', args.momentum, 0, 0, 1, true, true);
    this.nesterov = boolArg('SGD', 'nesterov', args.nesterov, false);
    this.weightDecay = nonNegative('SGD', 'weightDecay', args.weightDecay, 0);
  }
  protected slots() { return this.momentum ? ['velocity'] : []; }
  zeroGradIsIdentity(): boolean { return this.momentum === 0 && this.weightDecay === 0; }
  protected update(p: Tensor, g: Tensor, state: Tensor[], lr: number, rows?: RowSelection): void {
    // weightDecay as Keras applies it for every optimizer: decoupled (p -= lr * weightDecay * p, then the update)
    sgdUpdate(this.store!.rt, p, g, this.momentum ? state[0] : null, { learningRate: lr, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay, decoupled: true }, rows);
  }
  getConfig() { return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay }; }
}

export interface AdamArgs extends OptimizerArgs { beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number }

const ADAM_OPTIONS = optionNames<AdamArgs>({ ...OPTIMIZER_ARGS, beta1: true, beta2: true, epsilon: true, weightDecay: true });

export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** kind: the name in error messages ('AdamW' passes its own). */
  constructor(args: AdamArgs = {}, kind = 'Adam') {
    super(checkOptions(kind, args, ADAM_OPTIONS), 0.001, kind);
    this.beta1 = inRange(kind, 'beta1', args.beta1, 0.9, 0, 1, true, false);
    this.beta2 = inRange(kind, 'beta2', args.beta2, 0.999, 0, 1, true, false);
    this.epsilon = epsilonArg(kind, 'epsilon', args.epsilon, 1e-7);
    this.weightDecay = nonNegative(kind, 'weightDecay', args.weightDecay, 0);
  }
  protected slots() { return ['m', 'v']; }
  zeroGradIsIdentity(): boolean { return false; }
  protected update(p: Tensor, g: Tensor, state: Tensor[], lr: number, rows?: RowSelection): void {
    adamUpdate(this.store!.rt, p, g, state[0], state[1], {
      learningRate: lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, step: this.iterations,
      // weightDecay as Keras applies it for every optimizer: decoupled, so Adam({ weightDecay }) is AdamW
      weightDecay: this.weightDecay, decoupled: true,
    }, rows);
  }
  getConfig() { return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay }; }
}

/** Adam with decoupled weight decay, by default 0.004 (Keras AdamW; Adam({ weightDecay }) decays the same way). */
export class AdamW extends Adam {
  readonly className = 'AdamW';
  constructor(args: AdamArgs = {}) { super({ weightDecay: 0.004, ...checkOptions('AdamW', args, ADAM_OPTIONS) }, 'AdamW'); }
}

export interface RMSpropArgs extends OptimizerArgs { rho?: number; momentum?: number; epsilon?: number; centered?: boolean }

const RMSPROP_OPTIONS = optionNames<RMSpropArgs>({ ...OPTIMIZER_ARGS, rho: true, momentum: true, epsilon: true, centered: true });

export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  constructor(args: RMSpropArgs = {}) {
    super(checkOptions('RMSprop', args, RMSPROP_OPTIONS), 0.001, 'RMSprop');
    this.rho = inRange('RMSprop', 'rho', args.rho, 0.9, 0, 1, true, false);
    this.momentum = inRange('RMSprop', 'momentum', args.momentum, 0, 0, 1, true, true);
    this.epsilon = epsilonArg('RMSprop', 'epsilon', args.epsilon, 1e-7);
    this.centered = boolArg('RMSprop', 'centered', args.centered, false);
  }
  protected slots() { return ['ms', 'mom', 'mg']; }
  zeroGradIsIdentity(): boolean { return false; }
  protected update(p: Tensor, g: Tensor, state: Tensor[], lr: number, rows?: RowSelection): void {
    rmspropUpdate(this.store!.rt, p, g, state[0], this.momentum ? state[1] : null, this.centered ? state[2] : null, {
      learningRate: lr, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered,
    }, rows);
  }
  getConfig() { return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered }; }
}

export interface AdagradArgs extends OptimizerArgs { initialAccumulatorValue?: number; epsilon?: number }

const ADAGRAD_OPTIONS = optionNames<AdagradArgs>({ ...OPTIMIZER_ARGS, initialAccumulatorValue: true, epsilon: true });

export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(args: AdagradArgs = {}) {
    super(checkOptions('Adagrad', args, ADAGRAD_OPTIONS), 0.001, 'Adagrad');
    this.initialAccumulatorValue = nonNegative('Adagrad', 'initialAccumulatorValue', args.initialAccumulatorValue, 0.1);
    this.epsilon = epsilonArg('Adagrad', 'epsilon', args.epsilon, 1e-7);
  }
  protected slots() { return ['accumulator']; }
  protected override initialState(): number { return this.initialAccumulatorValue; }
  zeroGradIsIdentity(): boolean { return true; }
  protected update(p: Tensor, g: Tensor, state: Tensor[], lr: number, rows?: RowSelection): void {
    adagradUpdate(this.store!.rt, p, g, state[0], { learningRate: lr, epsilon: this.epsilon }, rows);
  }
  getConfig() { return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon }; }
}

export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';

export function optimizerFrom(o: Optimizer | OptimizerName | undefined): Optimizer {
  if (o instanceof Optimizer) return o;
  // names as Keras takes them: any case ('Adam', 'RMSprop'), as a class name is spelled
  switch (typeof o === 'string' ? o.toLowerCase() : o ?? 'adam') {
    case 'sgd': return new SGD();
    case 'adam': return new Adam();
    case 'adamw': return new AdamW();
    case 'rmsprop': return new RMSprop();
    case 'adagrad': return new Adagrad();
  }
  // the class itself (optimizer: Adam) is an easy slip: say so, rather than print its source
  const v = o as unknown;
  if (typeof v === 'function' && (v === Optimizer || (v as { prototype: unknown }).prototype instanceof Optimizer)) {
    const name = (v as { name: string }).name;
    throw new TypeError(`wasmnn: compile: optimizer is the class ${name}, not an optimizer; pass an instance, new ${name}({ ... }), or a name such as '${name.toLowerCase()}'`);
  }
  const shown = typeof v === 'string' ? `'${(v as string).length > 40 ? (v as string).slice(0, 40) + '…' : v}'` : describeValue(v);
  throw new RangeError(`wasmnn: unknown optimizer ${shown}; pass an Optimizer instance or one of sgd, adam, adamw, rmsprop, adagrad`);
}

// ---- hyper-parameter checks: `wasmnn: <Optimizer>: <name> must be ..., got <value>` ----------------

function describe(v: unknown): string {
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : typeof v === 'function' ? 'a function' : Array.isArray(v) ? 'an array' : String(v);
}

/** A number in [lo, hi] (hi excluded unless hiClosed), or the default when undefined. */
function inRange(kind: string, name: string, v: unknown, dflt: number, lo: number, hi: number, loClosed: boolean, hiClosed: boolean): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || (loClosed ? v < lo : v <= lo) || (hiClosed ? v > hi : v >= hi)) {
    throw new RangeError(`wasmnn: ${kind}: ${name} must be a number in ${loClosed ? '[' : '('}${lo}, ${hi}${hiClosed ? ']' : ')'}, got ${describe(v)}`);
  }
  return v;
}

function positive(kind: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`wasmnn: ${kind}: ${name} must be a finite number > 0, got ${describe(v)}`);
  return v;
}

/**
 * An epsilon: a finite number > 0 that stays > 0 as a float32, as the update kernels require
 * (they take it as f32 and refuse one that rounds to 0, e.g. 1e-300): refused here, at
 * construction, not at the first training step.
 */
function epsilonArg(kind: string, name: string, v: unknown, dflt: number): number {
  const e = positive(kind, name, v, dflt);
  if (!(Math.fround(e) > 0)) throw new RangeError(`wasmnn: ${kind}: ${name} must be a finite number > 0 that float32 can hold (at least about 1.4e-45), got ${describe(v)}`);
  return e;
}

function nonNegative(kind: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`wasmnn: ${kind}: ${name} must be a finite number >= 0, got ${describe(v)}`);
  return v;
}

function boolArg(kind: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`wasmnn: ${kind}: ${name} must be true or false, got ${describe(v)}`);
  return v;
}

/** A stretch of the trainable slab (floats), updated densely or, with rows, in those rows only. */
interface SlabPart { offset: number; size: number; rows?: RowSelection }

function slice(t: Tensor, x: SlabPart): Tensor { return t.view([x.size], x.offset); }
