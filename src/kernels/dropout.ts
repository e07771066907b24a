// Host side of kernels/dropout.ts: inverted dropout with masks from Philox4x32-10, and the raw
// generator blocks. Element i of a call draws from counter offset + i of the stream `seed`, so
// the caller advances `offset` (by at least n) between calls that need different masks, and
// passes the same (seed, offset) to the backward pass.
import { threaded } from './spec.js';
import { live, noOverlap, sameShape } from './check.js';
import { checkOptions, optionNames } from '../options.js';
import { fmtShape, type Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const dropoutKernels = threaded('f32_dropout_fwd', 'f32_dropout_bwd', 'i32_philox_fwd', 'f32_spatial_dropout_fwd', 'f32_spatial_dropout_bwd');

// rough cost per element (a Philox block is about 100 integer ops for 4 elements)
const DROPOUT_COST = 30;
const PHILOX_COST = 100;

export interface DropoutOptions {
  /** Fraction of elements dropped, in [0, 1). 0 is the identity. */
  rate: number;
  /** 64-bit stream seed: a whole number from 0 to 2^53 - 1, or a bigint below 2^64. */
  seed: number | bigint;
  /** Counter of the first element: a whole number from 0 to 2^32 - 1 (default 0). */
  offset?: number;
}

/** The two 32-bit halves (lo, hi) of a 64-bit seed, as i32 kernel arguments. */
export function seedWords(op: string, seed: number | bigint): [number, number] {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= 1n << 64n) throw new RangeError(`wasmnn: ${op}: seed ${seed} is outside 0 .. 2^64 - 1; pass a smaller seed`);
    return [Number(seed & 0xffffffffn) | 0, Number(seed >> 32n) | 0];
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`wasmnn: ${op}: seed must be a whole number from 0 to 2^53 - 1 (or a bigint below 2^64), got ${seed}`);
  }
  return [seed % 2 ** 32 | 0, Math.floor(seed / 2 ** 32) | 0];
}

const DROPOUT_OPTIONS = optionNames<DropoutOptions>({ rate: true, seed: true, offset: true });
const DROPOUT_ALIASES = { p: 'rate', dropout: 'rate', dropoutRate: 'rate', counter: 'offset' };

function dropoutArgs(op: string, o: DropoutOptions): [number, number, number, number] {
  if (o === null || typeof o !== 'object') throw new TypeError(`wasmnn: ${op}: options must be an object { rate, seed, offset }`);
  checkOptions(op, o, DROPOUT_OPTIONS, DROPOUT_ALIASES);
  const { rate } = o;
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new RangeError(`wasmnn: ${op}: rate must be a number in [0, 1), got ${rate}; rate is the fraction of elements dropped`);
  }
  // the kernel compares against rate in f32: a rate that rounds up to 1 would drop everything
  if (Math.fround(rate) >= 1) throw new RangeError(`wasmnn: ${op}: rate ${rate} rounds to 1 in f32; use a rate below 1 - 2^-25`);
  const offset = o.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset >= 2 ** 32) {
    throw new RangeError(`wasmnn: ${op}: offset must be a whole number from 0 to 2^32 - 1, got ${offset}`);
  }
  const [lo, hi] = seedWords(op, o.seed);
  return [rate, lo, hi, offset | 0];
}

/** y = x * mask / (1 - rate), mask_i = (u_i >= rate) with u_i uniform in [0, 1). y may be x. */
export function dropout(rt: Runtime, x: Tensor, y: Tensor, options: DropoutOptions): void {
  const [rate, lo, hi, offset] = dropoutArgs('dropout', options);
  live(rt, 'x', x); live(rt, 'y', y);
  sameShape('dropout', ['x', 'y'], [x, y]);
  noOverlap('dropout', 'x', x, 'y', y);
  rt.run('f32_dropout_fwd', x.size * DROPOUT_COST, [x.ptr, y.ptr, x.size, rate, lo, hi, offset]);
}

/** dx = dy * mask / (1 - rate) with the mask of the forward call with the same options. dx may be dy. */
export function dropoutBackward(rt: Runtime, dy: Tensor, dx: Tensor, options: DropoutOptions): void {
  const [rate, lo, hi, offset] = dropoutArgs('dropout backward', options);
  live(rt, 'dy', dy); live(rt, 'dx', dx);
  sameShape('dropout backward', ['dy', 'dx'], [dy, dx]);
  noOverlap('dropout backward', 'dy', dy, 'dx', dx);
  rt.run('f32_dropout_bwd', dy.size * DROPOUT_COST, [dy.ptr, dx.ptr, dy.size, rate, lo, hi, offset]);
}

/**
 * SpatialDropout1D's mask applied over time: y[b,t,c] = x[b,t,c] * m[b,c] where m[b,c] != 0, else
 * 0; x, y (B, T, C), m (B, C) (from dropout() of ones: 1 / (1 - rate) or 0). y may be x. The
 * backward is the same call on dy with the same m.
 */
export function spatialDropout(rt: Runtime, x: Tensor, m: Tensor, y: Tensor, backward = false): void {
  const op = backward ? 'spatialDropout backward' : 'spatialDropout';
  live(rt, 'x', x); live(rt, 'm', m); live(rt, 'y', y);
  sameShape(op, ['x', 'y'], [x, y]);
  if (x.rank !== 3) throw new RangeError(`wasmnn: ${op}: x must have rank 3 (batch, steps, channels), got shape ${fmtShape(x.shape)}`);
  const [B, T, C] = x.shape;
  if (m.rank !== 2 || m.shape[0] !== B || m.shape[1] !== C) throw new RangeError(`wasmnn: ${op}: m must have shape ${fmtShape([B, C])} (batch, channels), got ${fmtShape(m.shape)}`);
  noOverlap(op, 'x', x, 'y', y);
  if (m.size && y.size && m.ptr < y.ptr + y.bytes && y.ptr < m.ptr + m.bytes) throw new RangeError(`wasmnn: ${op}: y overlaps m in memory; give y its own tensor`);
  rt.run(backward ? 'f32_spatial_dropout_bwd' : 'f32_spatial_dropout_fwd', x.size, [x.ptr, m.ptr, y.ptr, B, T, C]);
}

export interface PhiloxOptions {
  /** 128-bit counter of the first block as four 32-bit words (c0 lowest); block b adds b to (c1, c0). */
  counter: readonly [number, number, number, number];
  /** 64-bit key as two 32-bit words (k0, k1). */
  key: readonly [number, number];
}

const PHILOX_OPTIONS = optionNames<PhiloxOptions>({ counter: true, key: true });

function word(op: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 32) {
    throw new RangeError(`wasmnn: ${op}: ${name} must be a 32-bit whole number, got ${v}`);
  }
  return v | 0;
}

/**
 * Raw Philox4x32-10 blocks into `out`, an i32 tensor of shape (nblocks, 4): block b has counter
 * ((c1, c0) + b mod 2^64, c2, c3) and the given key. Words are unsigned bits in i32 lanes.
 */
export function philox(rt: Runtime, out: Tensor, options: PhiloxOptions): void {
  const op = 'philox';
  live(rt, 'out', out, 'i32');
  if (out.rank !== 2 || out.shape[1] !== 4) {
    throw new RangeError(`wasmnn: ${op}: out must have shape (nblocks, 4), one row of four words per block, got ${fmtShape(out.shape)}`);
  }
  checkOptions(op, options, PHILOX_OPTIONS);
  const c = options?.counter, k = options?.key;
  if (!Array.isArray(c) || c.length !== 4) throw new TypeError(`wasmnn: ${op}: counter must be an array of four 32-bit words`);
  if (!Array.isArray(k) || k.length !== 2) throw new TypeError(`wasmnn: ${op}: key must be an array of two 32-bit words`);
  const args = [...c.map((v, i) => word(op, `counter[${i}]`, v)), ...k.map((v, i) => word(op, `key[${i}]`, v))];
  const nblocks = out.shape[0];
  rt.run('i32_philox_fwd', nblocks * PHILOX_COST, [out.ptr, nblocks, ...args]);
}
