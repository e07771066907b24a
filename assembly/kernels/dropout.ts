// Inverted dropout (as Keras) with masks from the counter-based generator of core/rng.ts, and the
// generator's raw blocks for the host (initialisers, shuffling, tests).
//
// The random number of element i of a call is u_i = (w >>> 8) * 2^-24, a uniform f32 in [0, 1)
// with 24 bits, where w is word (j mod 4) of the Philox4x32-10 block with counter
// (floor(j / 4), 0, 0, 0) and key (seedLo, seedHi), and j = offset + i with offset read as an
// unsigned 32-bit number (j is exact up to 2^32 + 2^31). So the mask depends only on
// (seed, offset + i): never on the thread count or on which call came first, and the backward
// pass regenerates the forward's mask from the same (seed, offset) with no mask storage.
import { partStart } from '../core/partition';
import { loadPartial, storePartial } from '../core/simd';
import { philoxBlocks, rngOut0, rngOut1, rngOut2, rngOut3, uniform24 } from '../core/rng';

// y = keep ? x * scale : 0 for four elements with random words w, keep = u >= rate.
// scale = 1 / (1 - rate) in f32 (x * scale, as tf.nn.dropout; not x / (1 - rate)).
// @ts-ignore: decorator
@inline
function dropGroup(x: usize, y: usize, i: i32, i1: i32, w: v128, vrate: v128, vscale: v128): void {
  const keep = f32x4.ge(uniform24(w), vrate);
  const o = <usize>i << 2;
  if (i + 4 <= i1) {
    v128.store(y + o, v128.and(f32x4.mul(v128.load(x + o), vscale), keep));
  } else {
    const c = i1 - i;
    storePartial(y + o, v128.and(f32x4.mul(loadPartial(x + o, c), vscale), keep), c);
  }
}

// The four words of elements j0 .. j0+3 when j0 mod 4 = r: words r..3 of block `prev`, then
// words 0..r-1 of block `next`. m1 = byte iota + 4r, m2 = m1 - 16: swizzle gives 0 for byte
// indices >= 16, so each side contributes exactly its own lanes.
// @ts-ignore: decorator
@inline
function joinBlocks(prev: v128, next: v128, m1: v128, m2: v128): v128 {
  return v128.or(i8x16.swizzle(prev, m1), i8x16.swizzle(next, m2));
}

// x, y are (n); y may be x. Threads split the elements in groups of 4; each thread generates
// the blocks its share needs, so the mask is the same at any thread count.
// @ts-ignore: decorator
@inline
function dropout(x: usize, y: usize, n: i32, rate: f32, seedLo: i32, seedHi: i32, offset: i32, ith: i32, nth: i32): void {
  const i0 = partStart(n, 4, ith, nth);
  const i1 = partStart(n, 4, ith + 1, nth);
  if (i0 >= i1) return;
  const keepProb: f32 = <f32>1 - rate;
  const vrate = f32x4.splat(rate);
  const vscale = f32x4.splat(<f32>1 / keepProb);
  const k0 = <u32>seedLo, k1 = <u32>seedHi;
  const r = <u32>offset & 3;
  const m1 = i8x16.add(i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), i8x16.splat(<i8>(r << 2)));
  const m2 = i8x16.sub(m1, i8x16.splat(16));
  const zero = i32x4.splat(0);
  const iota = i32x4(0, 1, 2, 3);
  // block of the first element of the group at i0 (i0 is a multiple of 4)
  let b: u32 = (<u32>offset >>> 2) + (<u32>i0 >>> 2);
  philoxBlocks(i32x4.add(i32x4.splat(b), iota), zero, zero, zero, k0, k1);
  let prev = rngOut0;
  for (let i = i0; i < i1; i += 16) {
    // blocks b+1 .. b+4: the second half of the next four groups
    philoxBlocks(i32x4.add(i32x4.splat(b + 1), iota), zero, zero, zero, k0, k1);
    const n1 = rngOut0, n2 = rngOut1, n3 = rngOut2, n4 = rngOut3;
    dropGroup(x, y, i, i1, joinBlocks(prev, n1, m1, m2), vrate, vscale);
    if (i + 4 < i1) dropGroup(x, y, i + 4, i1, joinBlocks(n1, n2, m1, m2), vrate, vscale);
    if (i + 8 < i1) dropGroup(x, y, i + 8, i1, joinBlocks(n2, n3, m1, m2), vrate, vscale);
    if (i + 12 < i1) dropGroup(x, y, i + 12, i1, joinBlocks(n3, n4, m1, m2), vrate, vscale);
    prev = n4;
    b += 4;
  }
}

// y = x * mask / (1 - rate), mask_i = (u_i >= rate); rate in [0, 1) (the host checks), rate 0
// keeps every element (y = x * 1). x, y are (n).
export function f32_dropout_fwd(x: usize, y: usize, n: i32, rate: f32, seedLo: i32, seedHi: i32, offset: i32, ith: i32, nth: i32): void {
  dropout(x, y, n, rate, seedLo, seedHi, offset, ith, nth);
}

// dx = dy * mask / (1 - rate) with the forward's mask, regenerated from (seed, offset).
// dy, dx are (n); dx may be dy.
export function f32_dropout_bwd(dy: usize, dx: usize, n: i32, rate: f32, seedLo: i32, seedHi: i32, offset: i32, ith: i32, nth: i32): void {
  dropout(dy, dx, n, rate, seedLo, seedHi, offset, ith, nth);
}

// Raw Philox4x32-10 blocks: out is (nblocks, 4) words; block b has counter (lo, hi, c2, c3)
// with (hi, lo) = (c1, c0) + b as a 64-bit number (mod 2^64), key (k0, k1).
// Threads split the blocks in groups of 4.
export function i32_philox_fwd(out: usize, nblocks: i32, c0: i32, c1: i32, c2: i32, c3: i32, k0: i32, k1: i32, ith: i32, nth: i32): void {
  const b0 = partStart(nblocks, 4, ith, nth);
  const b1 = partStart(nblocks, 4, ith + 1, nth);
  const vc0 = i32x4.splat(c0), vc1 = i32x4.splat(c1), vc2 = i32x4.splat(c2), vc3 = i32x4.splat(c3);
  for (let b = b0; b < b1; b += 4) {
    const lo = i32x4.add(vc0, i32x4.add(i32x4.splat(b), i32x4(0, 1, 2, 3)));
    const carry = i32x4.lt_u(lo, vc0);               // all ones where c0 + b wrapped
    philoxBlocks(lo, i32x4.sub(vc1, carry), vc2, vc3, <u32>k0, <u32>k1);
    const p = out + (<usize>b << 4);
    v128.store(p, rngOut0);
    if (b + 1 < b1) v128.store(p, rngOut1, 16);
    if (b + 2 < b1) v128.store(p, rngOut2, 32);
    if (b + 3 < b1) v128.store(p, rngOut3, 48);
  }
}

// SpatialDropout1D's application of its per-channel mask (the mask itself is f32_dropout_fwd of
// ones (B, C): 1 / (1 - rate) where a channel is kept, 0 where it is dropped).
//   x, y are (B, T, C), m is (B, C): y[b,t,c] = m[b,c] != 0 ? x[b,t,c] * m[b,c] : 0 (a dropped
//   channel is 0 whatever x holds, as Dropout). The backward is the same map of dy with the same m.
// Threads split the rows (b, t); y may be x.
// @ts-ignore: decorator
@inline
function channelMask(x: usize, m: usize, y: usize, B: i32, T: i32, C: i32, ith: i32, nth: i32): void {
  const rows = B * T;
  const r1 = partStart(rows, 1, ith + 1, nth);
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const b = r / T;
    const xr = x + (<usize>r * C << 2), yr = y + (<usize>r * C << 2), mr = m + (<usize>b * C << 2);
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = <usize>c << 2;
      const mv = v128.load(mr + o);
      v128.store(yr + o, v128.and(f32x4.mul(v128.load(xr + o), mv), f32x4.ne(mv, f32x4.splat(0))));
    }
    if (c < C) {
      const o = <usize>c << 2;
      const mv = loadPartial(mr + o, C - c);
      storePartial(yr + o, v128.and(f32x4.mul(loadPartial(xr + o, C - c), mv), f32x4.ne(mv, f32x4.splat(0))), C - c);
    }
  }
}

export function f32_spatial_dropout_fwd(x: usize, m: usize, y: usize, B: i32, T: i32, C: i32, ith: i32, nth: i32): void {
  channelMask(x, m, y, B, T, C, ith, nth);
}

export function f32_spatial_dropout_bwd(dy: usize, m: usize, dx: usize, B: i32, T: i32, C: i32, ith: i32, nth: i32): void {
  channelMask(dy, m, dx, B, T, C, ith, nth);
}
