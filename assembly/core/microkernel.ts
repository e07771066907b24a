// The register-tile micro-kernels: 4 x 8, shared by the GEMM (kernels/gemm.ts), conv1d and the
// recurrent kernels' per-step products (core/rnn.ts): 4 rows of a k-interleaved A block times one
// 8-column panel of B, 8 f32x4 accumulators; and 6 x 8 (12 accumulators), the GEMM's tile in the
// fma builds (see MR in kernels/gemm.ts). V8 gives wasm about 15 vector registers: 12 accumulators,
// two of B and one broadcast of A fit; wider tiles spill.
//
// Operands: pa holds kc x 4 floats (6 for micro6x8), the rows' values of one k side by side (pa[k * 4 + r]);
// pb holds kc x 8 floats (pb[k * 8 + q]). Every element of C is one sequential f32 sum in k order
// with separate mul and add, acc = init; acc = acc + a[k] * b[k], so whoever calls it (any
// blocking, any thread) gets the same bits as a plain loop. (The opt-in fma builds compute each
// step as madd(a[k], b[k], acc), core/madd.ts: still one sequential sum, its rounding the engine's.)

import { madd } from './madd';

// C[0..4, 0..8] (rows ldc bytes apart) = (loadC ? C : 0) + sum over k < kc of pa[k][r] * pb[k][q].
export function micro4x8(pa: usize, pb: usize, kc: i32, cp: usize, ldc: usize, loadC: bool): void {
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128;
  if (loadC) {
    c00 = v128.load(cp); c01 = v128.load(cp, 16);
    c10 = v128.load(cp + ldc); c11 = v128.load(cp + ldc, 16);
    c20 = v128.load(cp + 2 * ldc); c21 = v128.load(cp + 2 * ldc, 16);
    c30 = v128.load(cp + 3 * ldc); c31 = v128.load(cp + 3 * ldc, 16);
  } else {
    c00 = f32x4.splat(0); c01 = c00; c10 = c00; c11 = c00; c20 = c00; c21 = c00; c30 = c00; c31 = c00;
  }
  const end = pa + (<usize>kc << 4);
  while (pa < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(pa, 4);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(pa, 8);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(pa, 12);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    pa += 16;
    pb += 32;
  }
  v128.store(cp, c00); v128.store(cp, c01, 16);
  v128.store(cp + ldc, c10); v128.store(cp + ldc, c11, 16);
  v128.store(cp + 2 * ldc, c20); v128.store(cp + 2 * ldc, c21, 16);
  v128.store(cp + 3 * ldc, c30); v128.store(cp + 3 * ldc, c31, 16);
}

// C[0..6, 0..8] (rows ldc bytes apart) = (loadC ? C : 0) + sum over k < kc of pa[k][r] * pb[k][q],
// pa[k][r] at pa + (6 k + r) 4. The same sums, in the same order, as micro4x8 on each row.
export function micro6x8(pa: usize, pb: usize, kc: i32, cp: usize, ldc: usize, loadC: bool): void {
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128, c40: v128, c41: v128, c50: v128, c51: v128;
  if (loadC) {
    c00 = v128.load(cp); c01 = v128.load(cp, 16);
    c10 = v128.load(cp + ldc); c11 = v128.load(cp + ldc, 16);
    c20 = v128.load(cp + 2 * ldc); c21 = v128.load(cp + 2 * ldc, 16);
    c30 = v128.load(cp + 3 * ldc); c31 = v128.load(cp + 3 * ldc, 16);
    c40 = v128.load(cp + 4 * ldc); c41 = v128.load(cp + 4 * ldc, 16);
    c50 = v128.load(cp + 5 * ldc); c51 = v128.load(cp + 5 * ldc, 16);
  } else {
    c00 = f32x4.splat(0); c01 = c00; c10 = c00; c11 = c00; c20 = c00; c21 = c00; c30 = c00; c31 = c00;
    c40 = c00; c41 = c00; c50 = c00; c51 = c00;
  }
  const end = pa + <usize>kc * 24;
  while (pa < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(pa, 4);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(pa, 8);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(pa, 12);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    const a4 = v128.load32_splat(pa, 16);
    c40 = madd(a4, b0, c40);
    c41 = madd(a4, b1, c41);
    const a5 = v128.load32_splat(pa, 20);
    c50 = madd(a5, b0, c50);
    c51 = madd(a5, b1, c51);
    pa += 24;
    pb += 32;
  }
  v128.store(cp, c00); v128.store(cp, c01, 16);
  v128.store(cp + ldc, c10); v128.store(cp + ldc, c11, 16);
  v128.store(cp + 2 * ldc, c20); v128.store(cp + 2 * ldc, c21, 16);
  v128.store(cp + 3 * ldc, c30); v128.store(cp + 3 * ldc, c31, 16);
  v128.store(cp + 4 * ldc, c40); v128.store(cp + 4 * ldc, c41, 16);
  v128.store(cp + 5 * ldc, c50); v128.store(cp + 5 * ldc, c51, 16);
}
