// Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random
// numbers: as easy as 1, 2, 3", SC11; constants and round order of the Random123 distribution).
// A block is a pure function of a 128-bit counter (c0, c1, c2, c3) and a 64-bit key (k0, k1):
// four 32-bit words. No state, so the value for an element depends only on (key, counter), never
// on the thread that computes it or on call order. Known-answer vectors: test/kernels/dropout.test.ts.
//
// philox4() computes four blocks at once, one per lane, with 32x32->64 products from
// i64x2.extmul. Results go to the globals below (a wasm global is per instance, and every pool
// thread has its own instance, so this is thread-safe and allocates nothing).

// @ts-ignore: decorator
@inline export const PHILOX_M0: u32 = 0xD2511F53;
// @ts-ignore: decorator
@inline export const PHILOX_M1: u32 = 0xCD9E8D57;
// @ts-ignore: decorator
@inline export const PHILOX_W0: u32 = 0x9E3779B9;
// @ts-ignore: decorator
@inline export const PHILOX_W1: u32 = 0xBB67AE85;

// 2^-24: a word's top 24 bits times this is a uniform f32 in [0, 1), exactly.
// @ts-ignore: decorator
@inline export const U24: f32 = 5.9604644775390625e-8;

// Output of philox4 / philoxBlocks (see there).
export let rngOut0: v128 = i32x4.splat(0);
export let rngOut1: v128 = i32x4.splat(0);
export let rngOut2: v128 = i32x4.splat(0);
export let rngOut3: v128 = i32x4.splat(0);

// High 32 bits of the unsigned 64-bit products a[k] * m[k], lane by lane.
// @ts-ignore: decorator
@inline
function mulhi(a: v128, m: v128): v128 {
  return i32x4.shuffle(i64x2.extmul_low_i32x4_u(a, m), i64x2.extmul_high_i32x4_u(a, m), 1, 3, 5, 7);
}

// Philox4x32-10 of four counters, one per lane: lane k's counter is (c0[k], c1[k], c2[k], c3[k]),
// the key (k0, k1) is shared. Sets rngOut<w> lane k = word w of lane k's block (word-major).
// @ts-ignore: decorator
@inline
export function philox4(c0: v128, c1: v128, c2: v128, c3: v128, k0: u32, k1: u32): void {
  const m0 = i32x4.splat(PHILOX_M0);
  const m1 = i32x4.splat(PHILOX_M1);
  let x0 = c0, x1 = c1, x2 = c2, x3 = c3;
  let ka = k0, kb = k1;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(x0, m0);
    const lo0 = i32x4.mul(x0, m0);
    const hi1 = mulhi(x2, m1);
    const lo1 = i32x4.mul(x2, m1);
    x0 = v128.xor(v128.xor(hi1, x1), i32x4.splat(ka));
    x1 = lo1;
    x2 = v128.xor(v128.xor(hi0, x3), i32x4.splat(kb));
    x3 = lo0;
    // key schedule: bumped between rounds (the bump after the last round is unused)
    ka += PHILOX_W0;
    kb += PHILOX_W1;
  }
  rngOut0 = x0;
  rngOut1 = x1;
  rngOut2 = x2;
  rngOut3 = x3;
}

// Like philox4, then transposed: rngOut<k> = the four words (w0, w1, w2, w3) of lane k's block,
// ready to store as one block or to use as four consecutive random words.
// @ts-ignore: decorator
@inline
export function philoxBlocks(c0: v128, c1: v128, c2: v128, c3: v128, k0: u32, k1: u32): void {
  philox4(c0, c1, c2, c3, k0, k1);
  const t0 = i32x4.shuffle(rngOut0, rngOut1, 0, 4, 1, 5);   // b0w0 b0w1 b1w0 b1w1
  const t1 = i32x4.shuffle(rngOut0, rngOut1, 2, 6, 3, 7);   // b2w0 b2w1 b3w0 b3w1
  const t2 = i32x4.shuffle(rngOut2, rngOut3, 0, 4, 1, 5);   // b0w2 b0w3 b1w2 b1w3
  const t3 = i32x4.shuffle(rngOut2, rngOut3, 2, 6, 3, 7);   // b2w2 b2w3 b3w2 b3w3
  rngOut0 = i32x4.shuffle(t0, t2, 0, 1, 4, 5);
  rngOut1 = i32x4.shuffle(t0, t2, 2, 3, 6, 7);
  rngOut2 = i32x4.shuffle(t1, t3, 0, 1, 4, 5);
  rngOut3 = i32x4.shuffle(t1, t3, 2, 3, 6, 7);
}

// Uniform f32 in [0, 1) from random words, lane by lane: (w >>> 8) * 2^-24 (24 bits, exact).
// @ts-ignore: decorator
@inline
export function uniform24(w: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(w, 8)), f32x4.splat(U24));
}
