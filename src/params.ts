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
      w.param!.value.set(initialize(w.initializer, w.shape, new Random(deriveSeed(seed, w.name))));
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
    this.writes++;
    this.values.set(s);
  }

  /** Weight values by name, copied out. */
  getWeights(): { name: string; shape: number[]; values: Float32Array }[] {
    return this.weights.map((w) => ({ name: w.name, shape: [...w.shape], values: w.param!.value.f32().slice() }));
  }

  setWeight(name: string, values: ArrayLike<number>): void {
    const w = this.weights.find((x) => x.name === name);
    if (!w) throw new Error(`wasmnn: no weight named ${name}; the model has ${this.weights.map((x) => x.name).join(', ')}`);
    if (values.length !== size(w)) throw new RangeError(`wasmnn: weight ${name} has ${size(w)} values (shape (${w.shape.join(', ')})), got ${values.length}`);
    this.writes++;
    w.param!.value.set(values);
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
