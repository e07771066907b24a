// A model's parameter slab: every weight's values in one heap block, trainable ones first, and
// their gradients in a second block of the trainable size. Optimizers update the whole trainable
// region with one kernel call. Each weight starts on a 64-byte boundary; the padding between
// weights stays zero in both blocks, so slab-wide updates leave it alone. Each Param knows its
// offset in the slab (slabOffset, in floats), so an optimizer can update one weight, or some rows
// of it, with the state at the same offset.
// `version` changes on every write to the values (initialize, the optimizer's updates, setWeight,
// restore), so caches derived from the weights (the folded embedding projections of
// src/folded_projection.ts, kept here with derived()) know when they are stale.
import { Param } from './autograd.js';
import { initialize } from './initializers.js';
import { Random, deriveSeed } from './random.js';
import { Tensor } from './tensor.js';
import { firstNonFinite } from './io/checks.js';
import { describe } from './options.js';
import type { Weight } from './layers/layer.js';
import type { Runtime } from './runtime/runtime.js';

const ALIGN_FLOATS = 16;

/** Something derived from the weights that holds memory of its own. */
export interface Derived { free(): void }

const owners = new WeakMap<Param, ParamStore>();

/** The store whose slab holds p (null for a Param made elsewhere). */
export function storeOf(p: Param): ParamStore | null { return owners.get(p) ?? null; }

export class ParamStore {
  /** Every weight, trainable first (the slab order). */
  readonly weights: Weight[];
  readonly values: Tensor;
  /** Gradients of the trainable region (same offsets as values). */
  readonly grads: Tensor;
  /** Floats in the trainable region, padding included. */
  readonly trainableFloats: number;
  private readonly offsets: number[] = [];
  private freed = false;
  private writes = 0;
  private readonly caches = new Map<object, Derived | null>();

  constructor(readonly rt: Runtime, weights: readonly Weight[]) {
    this.weights = [...weights.filter((w) => w.trainable), ...weights.filter((w) => !w.trainable)];
    let off = 0;
    let trainableEnd = 0;
    for (const w of this.weights) {
      this.offsets.push(off);
      off += Math.ceil(size(w) / ALIGN_FLOATS) * ALIGN_FLOATS;
      if (w.trainable) trainableEnd = off;
    }
    this.trainableFloats = trainableEnd;
    this.values = rt.alloc([Math.max(off, 1)]).fill(0);
    this.grads = rt.alloc([Math.max(trainableEnd, 1)]).fill(0);
    this.weights.forEach((w, i) => {
      const value = this.values.view(w.shape, this.offsets[i]);
      const grad = w.trainable ? this.grads.view(w.shape, this.offsets[i]) : null;
      w.param = new Param(value, grad as Tensor, w.name, w.trainable, this.offsets[i]);
      owners.set(w.param, this);
    });
  }

  /** Changes on every write to the values: compare it to know whether something derived from them is stale. */
  get version(): number { return this.writes; }

  /**
   * The cache of `key` (made by make() on first use; null: none for this key), owned by the store:
   * freed with it. The cache compares `version` itself.
   */
  derived<T extends Derived>(key: object, make: () => T | null): T | null {
    if (this.freed) return null;
    if (!this.caches.has(key)) this.caches.set(key, make());
    return this.caches.get(key) as T | null;
  }

  /** Fills every weight from its initializer; weight `name` draws from its own stream of `seed`. */
  initialize(seed: number): void {
    this.writes++;
    for (const w of this.weights) {
      const v = initialize(w.initializer, w.shape, new Random(deriveSeed(seed, w.name)), `weight ${w.name}`);
      // a NaN or infinity here would surface only as NaN predictions, far from its cause
      const i = firstNonFinite(v);
      if (i >= 0) {
        throw new RangeError(`wasmnn: weight ${w.name}: its initializer ${typeof w.initializer === 'function' ? 'function' : describe(w.initializer)} gave ${v[i]} at index ${i}; ` +
          'weights must be finite: use initializer options that keep float32 values finite');
      }
      w.param!.value.set(v);
    }
  }

  /** The trainable weights' Params, in slab order. */
  trainableParams(): Param[] { return this.weights.filter((w) => w.trainable).map((w) => w.param!); }

  /** The trainable values as one tensor, for the optimizer to update in place: counts as a write. */
  trainableValues(): Tensor {
    this.writes++;
    return this.values.view([this.trainableFloats]);
  }
  trainableGrads(): Tensor { return this.grads.view([this.trainableFloats]); }

  /** A copy of every value (for restoreBestWeights and checkpoints). */
  snapshot(): Float32Array { return this.values.f32().slice(); }
  restore(s: Float32Array): void {
    const n = this.values.size;
    const v = weightValues(s, n, 'restoreWeights: the model', `${n} values (restore what its snapshotWeights() returned)`);
    const i = firstNonFinite(v);
    if (i >= 0) {
      const at = this.weights.findIndex((w, k) => i >= this.offsets[k] && i < this.offsets[k] + size(w));
      const where = at >= 0 ? ` (weight ${this.weights[at].name}, index ${i - this.offsets[at]})` : '';
      throw new RangeError(`wasmnn: restoreWeights: value ${i}${where} is ${v[i]}; weights must be finite numbers, so restore a snapshot taken before training diverged`);
    }
    this.writes++;
    this.values.set(v);
  }

  /** Weight values by name, copied out. */
  getWeights(): { name: string; shape: number[]; values: Float32Array }[] {
    return this.weights.map((w) => ({ name: w.name, shape: [...w.shape], values: w.param!.value.f32().slice() }));
  }

  setWeight(name: string, values: ArrayLike<number>): void {
    const [w, v] = this.checkWeight(name, values);
    this.writes++;
    w.param!.value.set(v);
  }

  /**
   * setWeight for each { name, values } of a list, every entry checked before any is written: a
   * bad entry leaves the model as it was.
   */
  setWeights(ws: readonly ({ name: string; values: ArrayLike<number> } | WeightArray)[]): void {
    if (!Array.isArray(ws)) throw new TypeError(`wasmnn: setWeights takes an array of { name, values } (as getWeights() returns), got ${describe(ws)}`);
    if (ws.length && ws.every(isWeightArray)) {
      // Keras' and tfjs' form: one array per weight, in getWeights() order, nested or flat
      if (ws.length !== this.weights.length) {
        throw new RangeError(`wasmnn: setWeights: ${ws.length} arrays for the model's ${this.weights.length} weights (${this.weights.map((w) => w.name).join(', ')}); ` +
          'give one per weight in getWeights() order, or { name, values } entries to set some by name');
      }
      const checked = ws.map((v, i) => this.checkWeight(this.weights[i].name, flatWeight(v, this.weights[i])));
      this.writes++;
      for (const [w, v] of checked) w.param!.value.set(v);
      return;
    }
    const checked = ws.map((e, i) => {
      if (!e || typeof e !== 'object') throw new TypeError(`wasmnn: setWeights: entry ${i} must be a { name, values } object, got ${describe(e)}`);
      return this.checkWeight(e.name, e.values);
    });
    this.writes++;
    for (const [w, v] of checked) w.param!.value.set(v);
  }

  /** The weight named `name` and `values` as float32, checked: a number per value of its shape, every one finite. */
  private checkWeight(name: unknown, values: unknown): [Weight, ArrayLike<number>] {
    const names = () => this.weights.map((x) => x.name).join(', ');
    if (typeof name !== 'string') throw new TypeError(`wasmnn: setWeights: a weight's name must be a string, got ${describe(name)}; the model has ${names()}`);
    const w = this.weights.find((x) => x.name === name);
    if (!w) throw new Error(`wasmnn: no weight named ${name}; the model has ${names()}`);
    const n = size(w);
    const v = weightValues(values, n, `weight ${name}`, `${n} values (shape (${w.shape.join(', ')}))`);
    const i = firstNonFinite(v);
    if (i >= 0) {
      const given = (values as ArrayLike<number>)[i];
      throw new RangeError(`wasmnn: weight ${name}: value ${i} is ${given}${Number.isFinite(given) ? ', beyond the range of float32' : ''}; weights must be finite numbers`);
    }
    return [w, v];
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const c of this.caches.values()) c?.free();
    this.caches.clear();
    this.rt.free(this.values);
    this.rt.free(this.grads);
  }
}

const size = (w: Weight) => w.shape.reduce((a, b) => a * b, 1);

/** A weight's values given by position (Keras' set_weights): a typed array, or an array of numbers, nested or flat. */
export type WeightArray = ArrayLike<number> | readonly unknown[];
const isWeightArray = (v: unknown): v is WeightArray => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** A nested array (a (64, 256) kernel as 64 rows) flattened, if its nesting is the weight's shape. */
function flatWeight(v: WeightArray, w: Weight): unknown {
  if (!Array.isArray(v) || !Array.isArray(v[0])) return v;
  const shape: number[] = [];
  for (let a: unknown = v; Array.isArray(a); a = a[0]) shape.push(a.length);
  if (shape.length !== w.shape.length || shape.some((d, i) => d !== w.shape[i])) {
    throw new RangeError(`wasmnn: setWeights: weight ${w.name} has shape (${w.shape.join(', ')}), got nested arrays of shape (${shape.join(', ')})`);
  }
  return (v as unknown[]).flat(shape.length - 1);
}

/**
 * `values` as float32 when it is a Float32Array, another numeric typed array or an array of numbers
 * of length n, else an error naming what it got: `<what> has <sizeText>, got ...`. Arrays and
 * typed arrays other than Float32Array are copied (a value beyond float32's range becomes an
 * infinity, so callers check finiteness on the result); a string or null entry is refused, not
 * coerced to a number.
 */
function weightValues(values: unknown, n: number, what: string, sizeText: string): Float32Array {
  const typed = ArrayBuffer.isView(values) && !(values instanceof DataView) && !(values instanceof BigInt64Array) && !(values instanceof BigUint64Array);
  if (!typed && !Array.isArray(values)) throw new TypeError(`wasmnn: ${what} has ${sizeText}: pass them as a Float32Array or an array of numbers, got ${describe(values)}`);
  const a = values as ArrayLike<unknown>;
  if (a.length !== n) throw new RangeError(`wasmnn: ${what} has ${sizeText}, got ${a.length}`);
  if (values instanceof Float32Array) return values;
  if (!typed) {
    for (let i = 0; i < n; i++) {
      if (typeof a[i] !== 'number') throw new TypeError(`wasmnn: ${what}: value ${i} is ${describe(a[i])}, not a number; pass the ${sizeText} as a Float32Array or an array of numbers`);
    }
  }
  return Float32Array.from(a as ArrayLike<number>);
}
