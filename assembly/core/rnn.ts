// Shared pieces of the whole-sequence recurrent kernels (kernels/lstm.ts, kernels/gru.ts):
// recurrent activations, weight packing, the per-step products and the weight-gradient update.
//
// Layout. H units are taken in groups of 8 ("unit groups", NG = ceil(H / 8) of them). A gate's 8
// columns of one unit group form a panel: a weight panel holds K rows of 8 floats (zero past the
// last unit), so every product runs on whole f32x4 pairs and an element never depends on where a
// thread's share of units ends. Threads own whole unit groups. Panels are numbered gate-major,
// P = g * NG + u, and per-step scratch ("tiles") has one row of NP * 8 floats per batch row, panel
// P at floats P*8 .. P*8+7, so a thread reads and writes only the tile columns of its own panels.
//
// Every product element is one sequential f32 sum, acc = init; for k in order: acc = acc + a[k] *
// w[k] (separate mul and add), whichever micro-kernel computes it (4 rows x 8 columns, 1 x 32 or
// 1 x 8): results are the same bits at any batch size split and any thread count. The products'
// multiply-adds go through core/madd.ts (fused where the opt-in fma builds allow).
import { loadPartial, storePartial } from './simd';
import { vsigmoidGate } from './mathf';
import { micro4x8 } from './microkernel';
import { madd } from './madd';

// ---- recurrent activations -------------------------------------------------------------------

// Keras' sigmoid: 1 / (1 + e^-x) (core/mathf.ts' vsigmoidGate, abs err < 1e-7). d(y) is the
// derivative from the output y.
// @ts-ignore: decorator
@final @unmanaged export class SigmoidAct {
  // @ts-ignore: decorator
  @inline f(x: v128): v128 { return vsigmoidGate(x); }
  // @ts-ignore: decorator
  @inline d(y: v128): v128 { return f32x4.mul(y, f32x4.sub(f32x4.splat(1), y)); }
}

// tfjs-layers' hardSigmoid: clip(0.5 + 0.2 x, 0, 1) in f32 (tfjs' default recurrent activation).
// Its derivative is 0.2 where the output is strictly inside (0, 1), else 0.
// @ts-ignore: decorator
@final @unmanaged export class HardSigmoidAct {
  // @ts-ignore: decorator
  @inline f(x: v128): v128 {
    const y = f32x4.add(f32x4.splat(0.5), f32x4.mul(f32x4.splat(0.2), x));
    return f32x4.min(f32x4.max(y, f32x4.splat(0)), f32x4.splat(1));
  }
  // @ts-ignore: decorator
  @inline d(y: v128): v128 {
    const inside = v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.lt(y, f32x4.splat(1)));
    return v128.and(f32x4.splat(0.2), inside);
  }
}

// ---- partial vectors ---------------------------------------------------------------------------

// n (>= 1) floats from p, at most 4, zero-filled past n; and the store of the first min(n, 4) lanes.
// @ts-ignore: decorator
@inline
export function ld4(p: usize, n: i32): v128 { return n >= 4 ? v128.load(p) : loadPartial(p, n); }
// @ts-ignore: decorator
@inline
export function st4(p: usize, v: v128, n: i32): void { if (n >= 4) v128.store(p, v); else storePartial(p, v, n); }

// ---- packing ------------------------------------------------------------------------------------

// A column panel of a row-major matrix: dst[k][q] = src[k * ld + q] for q < n (1..8), 0 beyond;
// k < K. ld in bytes.
export function packCols(src: usize, ld: usize, n: i32, K: i32, dst: usize): void {
  if (n == 8) {
    for (let k = 0; k < K; k++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      src += ld;
      dst += 32;
    }
    return;
  }
  for (let k = 0; k < K; k++) {
    v128.store(dst, f32x4.splat(0));
    v128.store(dst, f32x4.splat(0), 16);
    for (let q = 0; q < n; q++) store<f32>(dst + (<usize>q << 2), load<f32>(src + (<usize>q << 2)));
    src += ld;
    dst += 32;
  }
}

// 4x4 transpose of r0..r3 into dst, dst + 32, dst + 64, dst + 96 (four panel rows).
// @ts-ignore: decorator
@inline
function transpose4to(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
  v128.store(dst, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
  v128.store(dst, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
}

// A row panel, transposed: dst[k][q] = src[q * ld + k] for q < n (1..8), 0 beyond; k < K.
export function packRows(src: usize, ld: usize, n: i32, K: i32, dst: usize): void {
  let k = 0;
  if (n == 8) {
    for (; k + 4 <= K; k += 4) {
      const s = src + (<usize>k << 2);
      const d = dst + (<usize>k << 5);
      transpose4to(v128.load(s), v128.load(s + ld), v128.load(s + 2 * ld), v128.load(s + 3 * ld), d);
      const s4 = s + 4 * ld;
      transpose4to(v128.load(s4), v128.load(s4 + ld), v128.load(s4 + 2 * ld), v128.load(s4 + 3 * ld), d + 16);
    }
  }
  for (; k < K; k++) {
    const d = dst + (<usize>k << 5);
    v128.store(d, f32x4.splat(0));
    v128.store(d, f32x4.splat(0), 16);
    for (let q = 0; q < n; q++) store<f32>(d + (<usize>q << 2), load<f32>(src + <usize>q * ld + (<usize>k << 2)));
  }
}

// ---- micro-kernels: tile += rows of A x a weight panel -------------------------------------------

// c[r][0..8] (rows ldc bytes apart) += sum over k < K of a_r[k] * p[k][0..8], r = 0..3, k in order.
// a0..a3 point at four rows of A (K contiguous floats each); p is a K x 8 panel.
function mk4x8(a0: usize, a1: usize, a2: usize, a3: usize, p: usize, K: i32, c: usize, ldc: usize): void {
  let c00 = v128.load(c), c01 = v128.load(c, 16);
  let c10 = v128.load(c + ldc), c11 = v128.load(c + ldc, 16);
  let c20 = v128.load(c + 2 * ldc), c21 = v128.load(c + 2 * ldc, 16);
  let c30 = v128.load(c + 3 * ldc), c31 = v128.load(c + 3 * ldc, 16);
  const end = <usize>K << 2;
  for (let o: usize = 0; o < end; o += 4) {
    const b0 = v128.load(p);
    const b1 = v128.load(p, 16);
    const x0 = v128.load32_splat(a0 + o);
    c00 = madd(x0, b0, c00);
    c01 = madd(x0, b1, c01);
    const x1 = v128.load32_splat(a1 + o);
    c10 = madd(x1, b0, c10);
    c11 = madd(x1, b1, c11);
    const x2 = v128.load32_splat(a2 + o);
    c20 = madd(x2, b0, c20);
    c21 = madd(x2, b1, c21);
    const x3 = v128.load32_splat(a3 + o);
    c30 = madd(x3, b0, c30);
    c31 = madd(x3, b1, c31);
    p += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

// One row against four panels (ps bytes apart): c[0..32] += sum over k of a[k] * panel_i[k][0..8].
function mk1x32(a: usize, p: usize, ps: usize, K: i32, c: usize): void {
  let c0 = v128.load(c), c1 = v128.load(c, 16), c2 = v128.load(c, 32), c3 = v128.load(c, 48);
  let c4 = v128.load(c, 64), c5 = v128.load(c, 80), c6 = v128.load(c, 96), c7 = v128.load(c, 112);
  const p1 = p + ps, p2 = p + 2 * ps, p3 = p + 3 * ps;
  const end = <usize>K << 2;
  for (let o: usize = 0; o < end; o += 4) {
    const x = v128.load32_splat(a + o);
    const q = o << 3;
    c0 = madd(x, v128.load(p + q), c0);
    c1 = madd(x, v128.load(p + q, 16), c1);
    c2 = madd(x, v128.load(p1 + q), c2);
    c3 = madd(x, v128.load(p1 + q, 16), c3);
    c4 = madd(x, v128.load(p2 + q), c4);
    c5 = madd(x, v128.load(p2 + q, 16), c5);
    c6 = madd(x, v128.load(p3 + q), c6);
    c7 = madd(x, v128.load(p3 + q, 16), c7);
  }
  v128.store(c, c0); v128.store(c, c1, 16); v128.store(c, c2, 32); v128.store(c, c3, 48);
  v128.store(c, c4, 64); v128.store(c, c5, 80); v128.store(c, c6, 96); v128.store(c, c7, 112);
}

// One row against one panel: c[0..8] += sum over k of a[k] * p[k][0..8].
function mk1x8(a: usize, p: usize, K: i32, c: usize): void {
  let c0 = v128.load(c), c1 = v128.load(c, 16);
  const end = <usize>K << 2;
  for (let o: usize = 0; o < end; o += 4) {
    const x = v128.load32_splat(a + o);
    c0 = madd(x, v128.load(p), c0);
    c1 = madd(x, v128.load(p, 16), c1);
    p += 32;
  }
  v128.store(c, c0); v128.store(c, c1, 16);
}

// tile[b][P*8 + q] += sum over k < K of A_b[k] * panel_P[k][q], for batch rows b < B and panels
// P in [p0, p1). Row b of A is at a + b * as (bytes); panel P at pw + P * pb (bytes); tile rows
// are ts bytes apart. Panels outer so one panel stays in L1 while the rows stream past it.
export function panelProduct(a: usize, as: usize, B: i32, K: i32, pw: usize, pb: usize, p0: i32, p1: i32, tile: usize, ts: usize): void {
  if (K <= 0 || p0 >= p1 || B <= 0) return;
  const B4 = B & ~3;
  for (let P = p0; P < p1; P++) {
    const pp = pw + <usize>P * pb;
    const tp = tile + (<usize>P << 5);
    for (let b = 0; b < B4; b += 4) {
      const a0 = a + <usize>b * as;
      mk4x8(a0, a0 + as, a0 + 2 * as, a0 + 3 * as, pp, K, tp + <usize>b * ts, ts);
    }
  }
  for (let b = B4; b < B; b++) {
    const ab = a + <usize>b * as;
    const tb = tile + <usize>b * ts;
    let P = p0;
    for (; P + 4 <= p1; P += 4) mk1x32(ab, pw + <usize>P * pb, pb, K, tb + (<usize>P << 5));
    for (; P < p1; P++) mk1x8(ab, pw + <usize>P * pb, K, tb + (<usize>P << 5));
  }
}

// ---- packed rows: the per-step products' left operand in 4-row blocks ----------------------------
// Rows of A in whole blocks of 4 are kept k-interleaved, the 4 values of one k side by side:
// row b, column k at pk + (b >> 2) * bs + k * 16 + (b & 3) * 4 (bs: bytes per block). The thread
// that computes a value of A also stores it there, so the product reads one pointer per block.

// Stores lanes [0, n) of v (row b, columns k .. k+n-1) into a packed buffer (b in a whole block).
// @ts-ignore: decorator
@inline
export function packLanes(pk: usize, bs: usize, b: i32, k: i32, v: v128, n: i32): void {
  const p = pk + <usize>(b >> 2) * bs + (<usize>k << 4) + (<usize>(b & 3) << 2);
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 16);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 32);
  if (n > 3) store<f32>(p, f32x4.extract_lane(v, 3), 48);
}

// Copies columns [c0, c1) of the 4 rows b0 .. b0+3 (b0 a multiple of 4) of a row-major matrix
// (row b at src + b * ss bytes) into a packed buffer, 4 columns at a time by a 4x4 transpose:
// the values packLanes would store one by one, written by whole f32x4.
export function packBlock(src: usize, ss: usize, pk: usize, bs: usize, b0: i32, c0: i32, c1: i32): void {
  const r0 = src + <usize>b0 * ss, r1 = r0 + ss, r2 = r1 + ss, r3 = r2 + ss;
  const dst = pk + <usize>(b0 >> 2) * bs;
  let c = c0;
  for (; c + 4 <= c1; c += 4) {
    const o = <usize>c << 2;
    const v0 = v128.load(r0 + o), v1 = v128.load(r1 + o), v2 = v128.load(r2 + o), v3 = v128.load(r3 + o);
    const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
    const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
    const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
    const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
    const d = dst + (<usize>c << 4);
    v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
    v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 16);
    v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 32);
    v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 48);
  }
  for (; c < c1; c++) {
    const o = <usize>c << 2;
    const d = dst + (<usize>c << 4);
    store<f32>(d, load<f32>(r0 + o));
    store<f32>(d, load<f32>(r1 + o), 4);
    store<f32>(d, load<f32>(r2 + o), 8);
    store<f32>(d, load<f32>(r3 + o), 12);
  }
}

// panelProduct with the whole blocks of 4 rows read from a packed buffer pk (bs bytes per block,
// K columns from its start); the last B % 4 rows are read from a + b * as as before. overwrite:
// tile = the product (each sum starts from 0) instead of tile += the product.
export function packedProduct(pk: usize, bs: usize, a: usize, as: usize, B: i32, K: i32, pw: usize, pb: usize, p0: i32, p1: i32,
                              tile: usize, ts: usize, overwrite: bool): void {
  if (K <= 0 || p0 >= p1 || B <= 0) return;
  const B4 = B & ~3;
  for (let P = p0; P < p1; P++) {
    const pp = pw + <usize>P * pb;
    const tp = tile + (<usize>P << 5);
    for (let b = 0; b < B4; b += 4) micro4x8(pk + <usize>(b >> 2) * bs, pp, K, tp + <usize>b * ts, ts, !overwrite);
  }
  if (overwrite) zeroTile(tile + <usize>B4 * ts, ts, B - B4, p0, p1);
  for (let b = B4; b < B; b++) {
    const ab = a + <usize>b * as;
    const tb = tile + <usize>b * ts;
    let P = p0;
    for (; P + 4 <= p1; P += 4) mk1x32(ab, pw + <usize>P * pb, pb, K, tb + (<usize>P << 5));
    for (; P < p1; P++) mk1x8(ab, pw + <usize>P * pb, K, tb + (<usize>P << 5));
  }
}

// tile[b][P*8 .. P*8+8] = 0 for b < B, P in [p0, p1).
export function zeroTile(tile: usize, ts: usize, B: i32, p0: i32, p1: i32): void {
  for (let b = 0; b < B; b++) {
    const row = tile + <usize>b * ts;
    for (let P = p0; P < p1; P++) {
      const tp = row + (<usize>P << 5);
      v128.store(tp, f32x4.splat(0));
      v128.store(tp, f32x4.splat(0), 16);
    }
  }
}

// tile[b][(g*NG + u)*8 + q] = src_b[g*H + u*8 + q] for units u*8+q < H, 0 beyond; for b < B,
// gates g in [g0, g1), own groups u in [u0, u1). Row b of src at src + b * ss (bytes); or, with
// rows (i32, rs bytes apart), at src + rows[b] * ss (a table's row, ss bytes each).
export function loadTile(src: usize, ss: usize, rows: usize, rs: usize, B: i32, H: i32, NG: i32, g0: i32, g1: i32, u0: i32, u1: i32, tile: usize, ts: usize): void {
  for (let b = 0; b < B; b++) {
    const sr = src + (rows ? <usize>load<i32>(rows + <usize>b * rs) : <usize>b) * ss;
    const tr = tile + <usize>b * ts;
    for (let g = g0; g < g1; g++) {
      for (let u = u0; u < u1; u++) {
        const j = u << 3;
        const n = min(8, H - j);
        const sp = sr + (<usize>(g * H + j) << 2);
        const tp = tr + (<usize>(g * NG + u) << 5);
        if (n == 8) {
          v128.store(tp, v128.load(sp));
          v128.store(tp, v128.load(sp, 16), 16);
        } else {
          v128.store(tp, ld4(sp, n));
          v128.store(tp, n > 4 ? loadPartial(sp + 16, n - 4) : f32x4.splat(0), 16);
        }
      }
    }
  }
}

// ---- the recurrent weight gradient ---------------------------------------------------------------

// c[k][0..8] (rows k = 0..kn-1, ldc bytes apart) += sum over b < B of L_b[k] * D_b[0..8], b in
// order. L_b = l + b * ls (kn = 1..4 floats read), D_b = d + b * ds (8 floats).
function mkRank(l: usize, ls: usize, kn: i32, d: usize, ds: usize, B: i32, c: usize, ldc: usize): void {
  let c00 = v128.load(c), c01 = v128.load(c, 16);
  let c10 = v128.load(c + ldc), c11 = v128.load(c + ldc, 16);
  let c20 = v128.load(c + 2 * ldc), c21 = v128.load(c + 2 * ldc, 16);
  let c30 = v128.load(c + 3 * ldc), c31 = v128.load(c + 3 * ldc, 16);
  if (kn == 4) {
    for (let b = 0; b < B; b++) {
      const d0 = v128.load(d), d1 = v128.load(d, 16);
      const x0 = v128.load32_splat(l);
      c00 = madd(x0, d0, c00);
      c01 = madd(x0, d1, c01);
      const x1 = v128.load32_splat(l, 4);
      c10 = madd(x1, d0, c10);
      c11 = madd(x1, d1, c11);
      const x2 = v128.load32_splat(l, 8);
      c20 = madd(x2, d0, c20);
      c21 = madd(x2, d1, c21);
      const x3 = v128.load32_splat(l, 12);
      c30 = madd(x3, d0, c30);
      c31 = madd(x3, d1, c31);
      l += ls;
      d += ds;
    }
  } else {
    // the last rows of an H that is not a multiple of 4: the same products, rows past kn are padding
    for (let b = 0; b < B; b++) {
      const d0 = v128.load(d), d1 = v128.load(d, 16);
      const lv = loadPartial(l, kn);
      const x0 = v128.shuffle<f32>(lv, lv, 0, 0, 0, 0);
      c00 = madd(x0, d0, c00);
      c01 = madd(x0, d1, c01);
      const x1 = v128.shuffle<f32>(lv, lv, 1, 1, 1, 1);
      c10 = madd(x1, d0, c10);
      c11 = madd(x1, d1, c11);
      const x2 = v128.shuffle<f32>(lv, lv, 2, 2, 2, 2);
      c20 = madd(x2, d0, c20);
      c21 = madd(x2, d1, c21);
      const x3 = v128.shuffle<f32>(lv, lv, 3, 3, 3, 3);
      c30 = madd(x3, d0, c30);
      c31 = madd(x3, d1, c31);
      l += ls;
      d += ds;
    }
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

// acc[k][P*8 + q] += sum over b < B of L_b[k] * D_b[P*8 + q] for k < H and panels P in [p0, p1):
// one step's share of dU = sum_t L_tᵀ · dZ_t. Row b of L at l + b * ls, of D at d + b * ds; acc
// has ceil(H/4)*4 rows of accLd bytes.
export function rankUpdate(l: usize, ls: usize, B: i32, H: i32, d: usize, ds: usize, p0: i32, p1: i32, acc: usize, accLd: usize): void {
  for (let P = p0; P < p1; P++) {
    const dp = d + (<usize>P << 5);
    const cp = acc + (<usize>P << 5);
    for (let k = 0; k < H; k += 4) {
      mkRank(l + (<usize>k << 2), ls, min(4, H - k), dp, ds, B, cp + <usize>k * accLd, accLd);
    }
  }
}
