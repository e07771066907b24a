// Seeded random numbers for initialisers and shuffling, identical on every JavaScript host:
// xoshiro128** (integer arithmetic only) for uniforms; Box-Muller for normals. Kernels that need
// randomness (dropout) use the counter-based Philox in wasm instead.
import { describe } from './options.js';

/** The largest seed: seeds are 32-bit unsigned, [0, 2^32). */
export const MAX_SEED = 0xffffffff;

/**
 * A seed option: undefined (or null: not given), else a whole number in [0, 2^32), what the
 * seeded streams take. `op` names the caller in the message ('' for none).
 */
export function checkSeed(op: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_SEED) {
    throw new RangeError(`wasmnn: ${op ? `${op}: ` : ''}seed must be a whole number in [0, 2^32), got ${describe(v)}`);
  }
  return v;
}

export class Random {
  private s0: number; private s1: number; private s2: number; private s3: number;

  constructor(seed: number) {
    // SplitMix32 to spread the seed over the state
    let x = (seed >>> 0) ^ 0x9e3779b9;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number { return this.nextU32() / 4294967296; }

  /** Standard normal (Box-Muller; one value per call, the twin discarded for simplicity). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Integer in [0, n). */
  below(n: number): number { return Math.floor(this.uniform() * n); }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: any }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }
}

function rotl(x: number, k: number): number { return ((x << k) | (x >>> (32 - k))) >>> 0; }

/** A fresh seed derived from a seed and a stream name: independent streams per layer and purpose. */
export function deriveSeed(seed: number, stream: string): number {
  let h = (seed >>> 0) ^ 0x811c9dc5;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
