// General matrix multiply with a fused epilogue.
//   f32_gemm_fwd: C = act(op(A) · op(B) + bias)
//   op(A) is (M,K): A is stored (M,K) row-major, or (K,M) when transA = 1.
//   op(B) is (K,N): B is stored (K,N), or (N,K) when transB = 1.
//   C is (M,N) row-major; bias is (N) or 0 for none; act: 0 linear, 1 relu, 2 sigmoid, 3 tanh, 4 gelu.
// Every element is one sequential sum in f32 with separate mul and add:
//   acc = accumulate ? C[i,j] : 0;  for k = 0..K-1: acc = acc + A[i,k] * B[k,j];
//   then acc + bias[j] (when there is a bias), then the activation.
// K blocks carry the running sum through C exactly, so the result is the same bits as the scalar
// twin (assembly/ref/gemm.ts) whatever the blocking, path or thread count. (In the opt-in fma
// builds each acc + A * B is core/madd.ts's relaxed multiply-add: the same order, the engine's rounding.) The activations are the
// formulas of kernels/unary.ts on the same vector math (core/mathf.ts), so a fused epilogue gives
// the same bits as the separate unary kernel (sigmoid/tanh ~3 ulp, gelu ~1e-6 rel vs f64).
//
// Algorithm (GotoBLAS loop order): for each NC-column block of the thread's share and each KC
// block of K, B is packed into KC x 8 panels (zero-padded past column N) and A in groups of 4
// rows, k-interleaved (4 values per k, zero-padded past row M). A 4x8 register tile runs over each
// panel (core/microkernel.ts: per k the 4 A values broadcast, two f32x4 of B, 8 f32x4 accumulators).
// The fma builds use groups of 6 rows and a 6x8 tile instead (MR below).
// With at most MC rows per thread, B is packed one panel at a time and used by every row group
// while in L1; with more, a whole KC x NC block is packed and shared by MC-row blocks of A.
// Tiles at the edges of C run the same micro-kernel on an MR x 8 buffer in the workspace.
// One to three rows (M <= 3) with B not transposed take a GEMV path that reads B in place, as
// rank-4 updates of the row of C (packing B would cost as much as the product), once B holds at
// least GEMV_MIN_B values. A smaller B takes the packed path: microseconds either way, and a small
// model's first prediction then compiles one GEMM path instead of two (the engine compiles each
// wasm function on its first call).
//
// Threads: a static 2-D grid over C (blocks of MR rows x 8-column panels), the shape chosen to
// balance the work; K is never split. Each thread packs into its own part of ws:
// gemmWsFloats(M, N, K) floats each (the host computes the same in gemmWorkspaceBytes).
import { partStart } from '../core/partition';
import { loadPartial, storePartial } from '../core/simd';
import { vsigmoid, vtanh, vnormcdf } from '../core/mathf';
import { micro4x8, micro6x8 } from '../core/microkernel';
import { madd } from '../core/madd';

// @ts-ignore: decorator
@inline const KC: i32 = 256;      // K block: a 4 x KC group of packed A (4 KiB) and a KC x 8 B panel (8 KiB) sit in L1
// @ts-ignore: decorator
@inline const NC: i32 = 256;      // N block (multiple of 8): a KC x NC packed B block (256 KiB) sits in L2
// @ts-ignore: decorator
@inline const MC: i32 = ASC_FEATURE_RELAXED_SIMD ? 120 : 128;   // M block (multiple of MR): an MC x KC packed A block (~128 KiB)
// Rows of the register tile. Default builds: 4 (8 accumulators; a step is a multiply then an add,
// and 8 independent sums keep the core's two vector pipes busy). fma builds: 6 (12 accumulators):
// a fused multiply-add retires two a cycle with 4 cycles of latency, so 8 sums only just feed it
// and the loads and loop overhead show; in an L1-resident loop on this machine the 6-row tile ran
// 1.14-1.16x the 4-row one with relaxed_madd (and the same with mul + add). Every element is the
// same sequential sum whatever MR, so results do not change with it.
// @ts-ignore: decorator
@inline const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
// @ts-ignore: decorator
@inline const GEMV_NC: i32 = 2048; // GEMV: columns of C (8 KiB) accumulated in L1 at a time
// @ts-ignore: decorator
@inline const GEMV_MIN_B: i32 = 4096; // GEMV only when B (K x N) has at least this many values

// ---- activations (the same formulas as kernels/unary.ts) -------------------------------------

// @ts-ignore: decorator
@final @unmanaged class Linear {
  // @ts-ignore: decorator
  @inline f(x: v128): v128 { return x; }
}
// @ts-ignore: decorator
@final @unmanaged class Relu {
  // @ts-ignore: decorator
  @inline f(x: v128): v128 { return f32x4.max(x, f32x4.splat(0)); }
}
// @ts-ignore: decorator
@final @unmanaged class Sigmoid {
  // @ts-ignore: decorator
  @inline f(x: v128): v128 { return vsigmoid(x); }
}
// @ts-ignore: decorator
@final @unmanaged class Tanh {
  // @ts-ignore: decorator
  @inline f(x: v128): v128 { return vtanh(x); }
}
// @ts-ignore: decorator
@final @unmanaged class Gelu {
  // @ts-ignore: decorator
  @inline f(x: v128): v128 { return f32x4.mul(x, vnormcdf(x)); }
}

// ---- workspace -------------------------------------------------------------------------------

// Floats of scratch one thread needs: a KC x NC packed B block, a packed A block of up to MC rows
// (whole groups of MR) by KC and an MR x 8 edge tile, rounded up to 64 bytes. The A block and tile
// get room for either tile height (4 rows and MC 128, or 6 rows and MC 120), so that the host need
// not know the build. Must equal gemmWorkspaceBytes / nth in src/kernels/gemm.ts.
// @ts-ignore: decorator
@inline
function gemmWsFloats(M: i32, N: i32, K: i32): i32 {
  const kc = min(max(K, 1), KC);
  const nc = min((N + 7) & ~7, NC);
  return (kc * nc + packedRowsA(M) * kc + 48 + 15) & ~15;
}

// Rows of the packed A block's room in the workspace: enough for either tile height.
// @ts-ignore: decorator
@inline
function packedRowsA(M: i32): i32 {
  return max(min((M + 3) & ~3, 128), min((M + 5) / 6 * 6, 120));
}

// ---- packing ---------------------------------------------------------------------------------

// 4x4 transpose of rows r0..r3 stored to dst, dst + stride, dst + 2 stride, dst + 3 stride.
// @ts-ignore: decorator
@inline
function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

// Packs op(B)[pc .. pc+kc, jc .. jc+nc] into panels of 8 columns: panel p holds kc rows of 8 floats,
// pb[p * kc * 8 + k * 8 + c] = op(B)[pc + k, jc + 8p + c], zero past column N.
function packB(b: usize, pb: usize, transB: i32, N: i32, K: i32, pc: i32, kc: i32, jc: i32, nc: i32): void {
  for (let jr = 0; jr < nc; jr += 8) {
    const nr = min(8, nc - jr);
    const dst = pb + (<usize>(jr * kc) << 2);
    const j = jc + jr;
    if (!transB) {
      // B is (K,N): rows of op(B) are rows of B
      let src = b + ((<usize>pc * N + j) << 2);
      const ld = <usize>N << 2;
      if (nr == 8) {
        for (let k = 0; k < kc; k++) {
          const d = dst + (<usize>k << 5);
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
          src += ld;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const d = dst + (<usize>k << 5);
          v128.store(d, f32x4.splat(0));
          v128.store(d, f32x4.splat(0), 16);
          for (let c = 0; c < nr; c++) store<f32>(d + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
          src += ld;
        }
      }
    } else {
      // B is (N,K): column j of op(B) is row j of B; transpose 4x4 blocks
      const ld = <usize>K << 2;
      const src = b + ((<usize>j * K + pc) << 2);
      if (nr == 8) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const s = src + (<usize>k << 2);
          const d = dst + (<usize>k << 5);
          transpose4(v128.load(s), v128.load(s + ld), v128.load(s + 2 * ld), v128.load(s + 3 * ld), d, 32);
          const s4 = s + 4 * ld;
          transpose4(v128.load(s4), v128.load(s4 + ld), v128.load(s4 + 2 * ld), v128.load(s4 + 3 * ld), d + 16, 32);
        }
        for (; k < kc; k++) {
          const d = dst + (<usize>k << 5);
          for (let c = 0; c < 8; c++) store<f32>(d + (<usize>c << 2), load<f32>(src + <usize>c * ld + (<usize>k << 2)));
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const d = dst + (<usize>k << 5);
          v128.store(d, f32x4.splat(0));
          v128.store(d, f32x4.splat(0), 16);
          for (let c = 0; c < nr; c++) store<f32>(d + (<usize>c << 2), load<f32>(src + <usize>c * ld + (<usize>k << 2)));
        }
      }
    }
  }
}

// Packs op(A)[ic .. ic+mc, pc .. pc+kc] in groups of MR rows, each k-interleaved:
// pa[g * kc * MR + k * MR + r] = op(A)[ic + MR g + r, pc + k], zero for rows past ic + mc.
function packA(a: usize, pa: usize, transA: i32, M: i32, K: i32, ic: i32, mc: i32, pc: i32, kc: i32): void {
  const kbytes = <usize>MR << 2;           // one k of a group
  const gbytes = <usize>kc * kbytes;       // one group
  if (!transA) {
    // A is (M,K): row i of op(A) is row i of A; transpose 4x4 blocks (rows 4 and 5 of a 6-row
    // group interleaved in pairs)
    const ld = <usize>K << 2;
    for (let g = 0; g < mc; g += MR) {
      const mr = min(MR, mc - g);
      const src = a + ((<usize>(ic + g) * K + pc) << 2);
      const dst = pa + <usize>(g / MR) * gbytes;
      if (mr == MR) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const s = src + (<usize>k << 2);
          const d = dst + <usize>k * kbytes;
          transpose4(v128.load(s), v128.load(s + ld), v128.load(s + 2 * ld), v128.load(s + 3 * ld), d, kbytes);
          if (MR == 6) {
            const r4 = v128.load(s + 4 * ld), r5 = v128.load(s + 5 * ld);
            const lo = v128.shuffle<f32>(r4, r5, 0, 4, 1, 5);   // (row 4, row 5) at k, k + 1
            const hi = v128.shuffle<f32>(r4, r5, 2, 6, 3, 7);   // at k + 2, k + 3
            store<i64>(d, i64x2.extract_lane(lo, 0), 16);
            store<i64>(d + kbytes, i64x2.extract_lane(lo, 1), 16);
            store<i64>(d + 2 * kbytes, i64x2.extract_lane(hi, 0), 16);
            store<i64>(d + 3 * kbytes, i64x2.extract_lane(hi, 1), 16);
          }
        }
        for (; k < kc; k++) {
          const d = dst + <usize>k * kbytes;
          for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), load<f32>(src + <usize>r * ld + (<usize>k << 2)));
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const d = dst + <usize>k * kbytes;
          for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), r < mr ? load<f32>(src + <usize>r * ld + (<usize>k << 2)) : 0);
        }
      }
    }
  } else {
    // A is (K,M): row k of A holds op(A)[., k] contiguously; copy MR rows of op(A) at a time
    const full = mc - mc % MR;
    for (let k = 0; k < kc; k++) {
      const src = a + ((<usize>(pc + k) * M + ic) << 2);
      let d = pa + <usize>k * kbytes;
      let g = 0;
      for (; g < full; g += MR) {
        const s = src + (<usize>g << 2);
        v128.store(d, v128.load(s));
        if (MR == 6) store<i64>(d, load<i64>(s, 16), 16);
        d += gbytes;
      }
      if (g < mc) {
        for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), g + r < mc ? load<f32>(src + (<usize>(g + r) << 2)) : 0);
      }
    }
  }
}

// n (1..4) floats from p, zero-filled; and the store of the first n lanes.
// @ts-ignore: decorator
@inline
function load4(p: usize, n: i32): v128 { return n == 4 ? v128.load(p) : loadPartial(p, n); }
// @ts-ignore: decorator
@inline
function store4(p: usize, v: v128, n: i32): void { if (n == 4) v128.store(p, v); else storePartial(p, v, n); }

// ---- epilogue --------------------------------------------------------------------------------

// C[i, j0 .. j1] = act(C[i, j] + bias[j]) for rows i0 .. i1, in f32x4 groups (the last one partial).
// Not inlined: an instantiation per activation, each compiled by the engine only when it first
// runs (a linear layer's first call then compiles ~0.8 KB of epilogue, not 7 KB). gemvRow stays
// inlined: as a call it made the 1 x 512 x 512 GEMV 6-12% slower, and small models, whose first
// prediction this is about, no longer take the GEMV path (GEMV_MIN_B).
function epilogueRows<Act>(c: usize, bias: usize, N: i32, i0: i32, i1: i32, j0: i32, j1: i32): void {
  const act = changetype<Act>(0);
  for (let i = i0; i < i1; i++) {
    const row = c + (<usize>i * N << 2);
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const p = row + (<usize>j << 2);
      let x = v128.load(p);
      if (bias) x = f32x4.add(x, v128.load(bias + (<usize>j << 2)));
      v128.store(p, act.f(x));
    }
    if (j < j1) {
      const n = j1 - j;
      const p = row + (<usize>j << 2);
      let x = loadPartial(p, n);
      if (bias) x = f32x4.add(x, loadPartial(bias + (<usize>j << 2), n));
      storePartial(p, act.f(x), n);
    }
  }
}

function epilogue(c: usize, bias: usize, N: i32, act: i32, i0: i32, i1: i32, j0: i32, j1: i32): void {
  switch (act) {
    case 1: epilogueRows<Relu>(c, bias, N, i0, i1, j0, j1); break;
    case 2: epilogueRows<Sigmoid>(c, bias, N, i0, i1, j0, j1); break;
    case 3: epilogueRows<Tanh>(c, bias, N, i0, i1, j0, j1); break;
    case 4: epilogueRows<Gelu>(c, bias, N, i0, i1, j0, j1); break;
    default: epilogueRows<Linear>(c, bias, N, i0, i1, j0, j1);
  }
}

// ---- GEMM path -------------------------------------------------------------------------------

// The build's micro-kernel: MR rows of packed A times one 8-column panel of B.
// @ts-ignore: decorator
@inline
function microMRx8(pa: usize, pb: usize, kc: i32, cp: usize, ldc: usize, loadC: bool): void {
  if (MR == 6) micro6x8(pa, pb, kc, cp, ldc, loadC);
  else micro4x8(pa, pb, kc, cp, ldc, loadC);
}

// One mr x nr (at most MR x 8) tile of C at cp: the micro-kernel in place when the tile is whole,
// else on the MR x 8 buffer `tile` with the valid part of C copied in (when it is read) and out.
function tileMRx8(pa: usize, pb: usize, kc: i32, cp: usize, ldc: usize, mr: i32, nr: i32, loadC: bool, tile: usize): void {
  if (mr == MR && nr == 8) {
    microMRx8(pa, pb, kc, cp, ldc, loadC);
    return;
  }
  if (loadC) {
    for (let r = 0; r < mr; r++) {
      for (let q = 0; q < nr; q++) store<f32>(tile + (<usize>(r * 8 + q) << 2), load<f32>(cp + <usize>r * ldc + (<usize>q << 2)));
    }
  }
  microMRx8(pa, pb, kc, tile, 32, loadC);
  for (let r = 0; r < mr; r++) {
    for (let q = 0; q < nr; q++) store<f32>(cp + <usize>r * ldc + (<usize>q << 2), load<f32>(tile + (<usize>(r * 8 + q) << 2)));
  }
}

// C[m0 .. m1, n0 .. n1] for one thread.
function gemmBlock(a: usize, b: usize, c: usize, bias: usize, wsT: usize, M: i32, N: i32, K: i32,
                   transA: i32, transB: i32, accumulate: i32, act: i32, m0: i32, m1: i32, n0: i32, n1: i32): void {
  const kcMax = min(max(K, 1), KC);
  const ncMax = min((N + 7) & ~7, NC);
  const mcMax = packedRowsA(M);
  const pB = wsT;
  const pA = pB + (<usize>(kcMax * ncMax) << 2);
  const tile = pA + (<usize>(mcMax * kcMax) << 2);
  const ldc = <usize>N << 2;
  const epi = bias != 0 || act != 0;
  // At most MC rows: A is packed once per K block and B one panel at a time, used by every row
  // group while it is in L1. More rows: B is packed a block at a time, shared by MC-row blocks of A.
  const fewRows = m1 - m0 <= MC;
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = min(NC, n1 - jc);
    let pc = 0;
    do {
      const kc = min(KC, K - pc);
      const loadC = pc > 0 || accumulate != 0;
      const last = pc + kc >= K;
      const gbytes = <usize>(kc * MR) << 2;   // one packed group of MR rows
      if (fewRows) {
        const mc = m1 - m0;
        packA(a, pA, transA, M, K, m0, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += 8) {
          const nr = min(8, nc - jr);
          packB(b, pB, transB, N, K, pc, kc, jc + jr, nr);
          for (let ir = 0; ir < mc; ir += MR) {
            tileMRx8(pA + <usize>(ir / MR) * gbytes, pB, kc, c + ((<usize>(m0 + ir) * N + jc + jr) << 2), ldc, min(MR, mc - ir), nr, loadC, tile);
          }
        }
        if (last && epi) epilogue(c, bias, N, act, m0, m1, jc, jc + nc);
      } else {
        packB(b, pB, transB, N, K, pc, kc, jc, nc);
        for (let ic = m0; ic < m1; ic += MC) {
          const mc = min(MC, m1 - ic);
          packA(a, pA, transA, M, K, ic, mc, pc, kc);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pa = pA + <usize>(ir / MR) * gbytes;
            for (let jr = 0; jr < nc; jr += 8) {
              tileMRx8(pa, pB + (<usize>(jr * kc) << 2), kc, c + ((<usize>(ic + ir) * N + jc + jr) << 2), ldc, mr, min(8, nc - jr), loadC, tile);
            }
            // bias and activation while these rows are still in L1
            if (last && epi) epilogue(c, bias, N, act, ic + ir, ic + ir + mr, jc, jc + nc);
          }
        }
      }
      pc += kc;
    } while (pc < K);
  }
}

// ---- GEMV path (M <= 3, B not transposed) -----------------------------------------------------

// One row of C, C[i, j0 .. j1], accumulated in place: for k in steps of 4, C[i, j] += a_k B[k, j]
// + ... + a_k+3 B[k+3, j], one f32x4 of columns at a time, each element's sum still in k order.
// B is read as 4 contiguous row streams and the row of C stays in L1 (GEMV_NC columns at a time).
// arow: row i of op(A), its elements astride bytes apart.
// @ts-ignore: decorator
@inline
function gemvRow<Act>(arow: usize, astride: usize, b: usize, crow: usize, bias: usize, N: i32, K: i32,
                      accumulate: i32, epi: bool, j0: i32, j1: i32): void {
  const act = changetype<Act>(0);
  const ldb = <usize>N << 2;
  for (let jc = j0; jc < j1; jc += GEMV_NC) {
    const je = min(jc + GEMV_NC, j1);
    const c0 = crow + (<usize>jc << 2);
    const cFull = c0 + (<usize>((je - jc) & ~3) << 2);   // end of the whole f32x4 groups
    const rem = (je - jc) & 3;
    if (!accumulate) {
      for (let cp = c0; cp < cFull; cp += 16) v128.store(cp, f32x4.splat(0));
      if (rem) storePartial(cFull, f32x4.splat(0), rem);
    }
    let ap = arow;
    let brow = b + (<usize>jc << 2);
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const a0 = v128.load32_splat(ap), a1 = v128.load32_splat(ap + astride);
      const a2 = v128.load32_splat(ap + 2 * astride), a3 = v128.load32_splat(ap + 3 * astride);
      let bp = brow;
      for (let cp = c0; cp < cFull; cp += 16) {
        let x = v128.load(cp);
        x = madd(a0, v128.load(bp), x);
        x = madd(a1, v128.load(bp + ldb), x);
        x = madd(a2, v128.load(bp + 2 * ldb), x);
        x = madd(a3, v128.load(bp + 3 * ldb), x);
        v128.store(cp, x);
        bp += 16;
      }
      if (rem) {
        let x = loadPartial(cFull, rem);
        x = madd(a0, loadPartial(bp, rem), x);
        x = madd(a1, loadPartial(bp + ldb, rem), x);
        x = madd(a2, loadPartial(bp + 2 * ldb, rem), x);
        x = madd(a3, loadPartial(bp + 3 * ldb, rem), x);
        storePartial(cFull, x, rem);
      }
      ap += 4 * astride;
      brow += 4 * ldb;
    }
    for (; k < K; k++) {
      const a0 = v128.load32_splat(ap);
      let bp = brow;
      for (let cp = c0; cp < cFull; cp += 16) {
        v128.store(cp, madd(a0, v128.load(bp), v128.load(cp)));
        bp += 16;
      }
      if (rem) storePartial(cFull, madd(a0, loadPartial(bp, rem), loadPartial(cFull, rem)), rem);
      ap += astride;
      brow += ldb;
    }
    if (epi) {
      let bb = bias + (<usize>jc << 2);
      for (let cp = c0; cp < cFull; cp += 16) {
        let x = v128.load(cp);
        if (bias) x = f32x4.add(x, v128.load(bb));
        v128.store(cp, act.f(x));
        bb += 16;
      }
      if (rem) {
        let x = loadPartial(cFull, rem);
        if (bias) x = f32x4.add(x, loadPartial(bb, rem));
        storePartial(cFull, act.f(x), rem);
      }
    }
  }
}

function gemvRows(a: usize, b: usize, c: usize, bias: usize, M: i32, N: i32, K: i32,
                  transA: i32, accumulate: i32, act: i32, n0: i32, n1: i32): void {
  for (let i = 0; i < M; i++) {
    // row i of op(A): A[i, k] at a + (i K + k) 4, or A stored (K,M): a + (k M + i) 4
    const arow = transA ? a + (<usize>i << 2) : a + (<usize>i * K << 2);
    const astride: usize = transA ? <usize>M << 2 : 4;
    const crow = c + (<usize>i * N << 2);
    const epi = bias != 0 || act != 0;
    switch (act) {
      case 1: gemvRow<Relu>(arow, astride, b, crow, bias, N, K, accumulate, epi, n0, n1); break;
      case 2: gemvRow<Sigmoid>(arow, astride, b, crow, bias, N, K, accumulate, epi, n0, n1); break;
      case 3: gemvRow<Tanh>(arow, astride, b, crow, bias, N, K, accumulate, epi, n0, n1); break;
      case 4: gemvRow<Gelu>(arow, astride, b, crow, bias, N, K, accumulate, epi, n0, n1); break;
      default: gemvRow<Linear>(arow, astride, b, crow, bias, N, K, accumulate, epi, n0, n1);
    }
  }
}

// ---- the kernel ------------------------------------------------------------------------------

// a is op(A) (M,K) as stored (see transA), b is op(B) (K,N) as stored (see transB), c is (M,N),
// bias is (N) or 0, ws holds nth x gemmWsFloats(M, N, K) floats (64-byte aligned).
export function f32_gemm_fwd(a: usize, b: usize, c: usize, bias: usize, ws: usize, M: i32, N: i32, K: i32,
                             transA: i32, transB: i32, accumulate: i32, act: i32, ith: i32, nth: i32): void {
  if (M <= 0 || N <= 0 || ith >= nth) return;
  if (M <= 3 && !transB && <i64>N * K >= GEMV_MIN_B) {
    // few rows: split the columns only, in 16-column groups (whole cache lines of C)
    const n0 = partStart(N, 16, ith, nth), n1 = partStart(N, 16, ith + 1, nth);
    if (n0 < n1) gemvRows(a, b, c, bias, M, N, K, transA, accumulate, act, n0, n1);
    return;
  }
  // the thread grid tm x tn = nth that minimises the largest share: per step of k, rows x cols
  // multiply-adds, plus packing cols values of B and rows values of A per block of NC columns
  // (a packed value costs about two multiply-adds)
  const mu = (M + MR - 1) / MR, nu = (N + 7) >> 3;
  let tm = 1, best: i64 = i64.MAX_VALUE;
  for (let t = 1; t <= nth; t++) {
    if (nth % t) continue;
    const tnn = nth / t;
    const rows = <i64>((mu + t - 1) / t) * MR;
    const cols = <i64>((nu + tnn - 1) / tnn) * 8;
    const blocks = (cols + NC - 1) / NC;
    const cost = rows * cols + 2 * (cols + rows * blocks);
    if (cost < best) { best = cost; tm = t; }
  }
  const tn = nth / tm;
  const im = ith / tn, jn = ith % tn;
  const m0 = partStart(M, MR, im, tm), m1 = partStart(M, MR, im + 1, tm);
  const n0 = partStart(N, 8, jn, tn), n1 = partStart(N, 8, jn + 1, tn);
  if (m0 >= m1 || n0 >= n1) return;
  const wsT = ws + (<usize>ith * gemmWsFloats(M, N, K) << 2);
  gemmBlock(a, b, c, bias, wsT, M, N, K, transA, transB, accumulate, act, m0, m1, n0, n1);
}
