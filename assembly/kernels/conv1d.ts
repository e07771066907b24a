// 1-D convolution over time, channels last (Keras Conv1D), forward and backward.
//   x is (B, T, C), w is (K, C, F) (the Keras kernel layout), bias is (F) or 0, y is (B, Tout, F).
//   fwd: y[b,t,f] = act(sum_{k,c} xp[b, t*stride + k*dilation - padLeft, c] * w[k,c,f] + bias[f])
//        where xp is x with zeros outside [0, T): out-of-range taps are terms 0 * w, exactly as
//        with an explicitly zero-padded input. act: 0 linear, 1 relu (max(v, 0), as kernels/unary).
//   bwd: dy is the gradient at the pre-activation output (B, Tout, F).
//        dx[b,i,c] = sum over k = K-1 .. 0, f of dyu[b, i + padLeft - k*dilation, f] * w[k,c,f], where
//                    dyu is dy upsampled by stride (dyu[q] = dy[q / stride] when stride divides q and
//                    the row exists, else 0): the zero terms are kept, as in the forward pass.
//        dw[k,c,f] = sum over b, then t of xp[b, t*stride + k*dilation - padLeft, c] * dy[b,t,f]
//        dbias[f]  = sum over b, then t of dy[b,t,f]
//        dx, dw and dbias are overwritten; any of them may be 0 to skip it.
// Every output element is one sequential f32 sum (separate mul and add, in the order written above,
// starting from +0), so the scalar twin (assembly/ref/conv1d.ts) gives the same bits, whatever the
// tiling, path or thread count.
//
// Algorithm: a GEMM in disguise. Forward: output rows (b,t) are tiled 4 at a time against 8-filter
// panels of w packed (K*C, 8) per panel: a 4x8 register tile (8 f32x4 accumulators, x broadcast with
// load32_splat, two f32x4 of w per step), the k and c loops inside it. Each tile reads its 4 input
// rows through a table of K x 4 row pointers (the zero row of ws for padding), so padding, stride
// and dilation cost nothing in the inner loop; where the K rows of every tile row are contiguous in x
// (dilation 1, no padding) the K segments run as one loop of K*C. dx is the same tile over dy rows
// against w packed transposed ((K*F, 8) panels of 8 channels, k reversed so that stride 1 dilation 1
// runs as one segment too). dw = Xcolᵀ · dy as a GEMM: per block of NB rows of dy, dy is packed into
// 8-filter panels and, for each (k, 4 channels), the x values that tap reads (zeros for padding)
// 4-interleaved, then the same 4x8 register tile runs over them; the partial sums go through dw
// between blocks (f32 stores are exact). dbias sums the rows of dy into dbias, in order.
//
// Threads: fwd splits the output rows (b,t) in groups of 4; bwd splits dx rows (b,i) in groups of 4,
// the dw tiles (k, 4 channels, 8 filters) and dbias in groups of 4 filters. No sum is ever split.
// Each thread packs into its own part of ws: fwd needs conv1dFwdWsFloats(C, F, K) floats per thread
// and bwd conv1dBwdWsFloats(C, F, K) (src/kernels/conv1d.ts computes the same numbers).
import { partStart } from '../core/partition';
import { loadPartial, storePartial } from '../core/simd';
import { micro4x8 } from '../core/microkernel';

// @ts-ignore: decorator
@inline const MC: i32 = 32;       // rows per block of tiles (their pointer tables are built once)
// @ts-ignore: decorator
@inline const NB: i32 = 256;      // rows of dy per block of the dw sum (a packed block of dy sits in L2)

// Per-tile pointer table: a 16-byte header (i32: 1 when the K row segments are contiguous) and K x 4
// row pointers (k-major). Entries are usize (4 bytes).
// @ts-ignore: decorator
@inline
function tabBytes(K: i32): usize { return (<usize>K << 4) + 16; }

// @ts-ignore: decorator
@inline
function conv1dFwdWsFloats(C: i32, F: i32, K: i32): i32 {
  return (((F + 7) >> 3) * K * C * 8 + ((C + 3) & ~3) + (MC >> 2) * (K * 4 + 4) + 15) & ~15;
}

// @ts-ignore: decorator
@inline
function conv1dBwdWsFloats(C: i32, F: i32, K: i32): i32 {
  const dxPart = ((C + 7) >> 3) * K * F * 8 + (MC >> 2) * (K * 4 + 4);
  const dwPart = ((F + 7) >> 3) * NB * 8 + NB * 4 + 32;   // + dwMicro's 4 x 8 edge tile
  return (((max(C, F) + 3) & ~3) + max(dxPart, dwPart) + 15) & ~15;
}

// n (0..4) floats from p, zero-filled; the store of the first n lanes.
// @ts-ignore: decorator
@inline
function load4(p: usize, n: i32): v128 {
  return n >= 4 ? v128.load(p) : n > 0 ? loadPartial(p, n) : f32x4.splat(0);
}
// @ts-ignore: decorator
@inline
function store4(p: usize, v: v128, n: i32): void {
  if (n >= 4) v128.store(p, v);
  else if (n > 0) storePartial(p, v, n);
}

// Zero-fills n floats at p (n a multiple of 4).
function zeroFill(p: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(p + (<usize>i << 2), f32x4.splat(0));
}

// ---- packing ---------------------------------------------------------------------------------

// Forward panels: pw[p][j][0..8] = w[j, 8p .. 8p+8] over the K*C rows j of w (K*C, F), zero past F.
function packFwd(w: usize, pw: usize, rows: i32, F: i32): void {
  const ldw = <usize>F << 2;
  for (let f0 = 0; f0 < F; f0 += 8) {
    const nr = min(8, F - f0);
    let src = w + (<usize>f0 << 2);
    let dst = pw + (<usize>(f0 >> 3) * rows << 5);
    if (nr == 8) {
      for (let j = 0; j < rows; j++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += ldw;
        dst += 32;
      }
    } else {
      for (let j = 0; j < rows; j++) {
        v128.store(dst, load4(src, nr));
        v128.store(dst, load4(src + 16, nr - 4), 16);
        src += ldw;
        dst += 32;
      }
    }
  }
}

// dx panels: pw[p][kk][f][0..8] = w[K-1-kk, 8p .. 8p+8, f], zero past C.
function packBwd(w: usize, pw: usize, C: i32, F: i32, K: i32): void {
  for (let c0 = 0; c0 < C; c0 += 8) {
    const nc = min(8, C - c0);
    let dst = pw + (<usize>(c0 >> 3) * K * F << 5);
    for (let kk = 0; kk < K; kk++) {
      const src = w + ((<usize>(K - 1 - kk) * C + c0) * F << 2);
      const ld = <usize>F << 2;
      if (nc == 8) {
        for (let f = 0; f < F; f++) {
          const s = src + (<usize>f << 2);
          let v0 = f32x4.splat(0), v1 = v0;
          v0 = f32x4.replace_lane(v0, 0, load<f32>(s));
          v0 = f32x4.replace_lane(v0, 1, load<f32>(s + ld));
          v0 = f32x4.replace_lane(v0, 2, load<f32>(s + 2 * ld));
          v0 = f32x4.replace_lane(v0, 3, load<f32>(s + 3 * ld));
          v1 = f32x4.replace_lane(v1, 0, load<f32>(s + 4 * ld));
          v1 = f32x4.replace_lane(v1, 1, load<f32>(s + 5 * ld));
          v1 = f32x4.replace_lane(v1, 2, load<f32>(s + 6 * ld));
          v1 = f32x4.replace_lane(v1, 3, load<f32>(s + 7 * ld));
          v128.store(dst, v0);
          v128.store(dst, v1, 16);
          dst += 32;
        }
      } else {
        for (let f = 0; f < F; f++) {
          const s = src + (<usize>f << 2);
          v128.store(dst, f32x4.splat(0));
          v128.store(dst, f32x4.splat(0), 16);
          for (let q = 0; q < nc; q++) store<f32>(dst + (<usize>q << 2), load<f32>(s + <usize>q * ld));
          dst += 32;
        }
      }
    }
  }
}

// ---- the 4x8 tile ----------------------------------------------------------------------------

// C[r, 0..nr] for r < mr (rows ldc bytes apart, at cp) = epilogue(sum over segs segments s, and
// j < len, of A_r[s][j] * pb[s*len + j][0..8]), where A_r[s] starts at the pointer tab[s*4 + r].
// Epilogue: + bias[0..nr] when bias != 0, then relu when relu.
function tile4x8(tab: usize, segs: i32, len: i32, pb: usize, cp: usize, ldc: usize, mr: i32, nr: i32,
                 bias: usize, relu: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const step = <usize>len << 2;
  for (let s = 0; s < segs; s++) {
    let p0 = load<usize>(tab), p1 = load<usize>(tab, 4), p2 = load<usize>(tab, 8), p3 = load<usize>(tab, 12);
    tab += 16;
    const end = p0 + step;
    while (p0 < end) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      const a0 = v128.load32_splat(p0);
      c00 = f32x4.add(c00, f32x4.mul(a0, b0));
      c01 = f32x4.add(c01, f32x4.mul(a0, b1));
      const a1 = v128.load32_splat(p1);
      c10 = f32x4.add(c10, f32x4.mul(a1, b0));
      c11 = f32x4.add(c11, f32x4.mul(a1, b1));
      const a2 = v128.load32_splat(p2);
      c20 = f32x4.add(c20, f32x4.mul(a2, b0));
      c21 = f32x4.add(c21, f32x4.mul(a2, b1));
      const a3 = v128.load32_splat(p3);
      c30 = f32x4.add(c30, f32x4.mul(a3, b0));
      c31 = f32x4.add(c31, f32x4.mul(a3, b1));
      p0 += 4; p1 += 4; p2 += 4; p3 += 4;
      pb += 32;
    }
  }
  if (bias) {
    const bb0 = load4(bias, nr), bb1 = load4(bias + 16, nr - 4);
    c00 = f32x4.add(c00, bb0); c01 = f32x4.add(c01, bb1);
    c10 = f32x4.add(c10, bb0); c11 = f32x4.add(c11, bb1);
    c20 = f32x4.add(c20, bb0); c21 = f32x4.add(c21, bb1);
    c30 = f32x4.add(c30, bb0); c31 = f32x4.add(c31, bb1);
  }
  if (relu) {
    const z = f32x4.splat(0);
    c00 = f32x4.max(c00, z); c01 = f32x4.max(c01, z);
    c10 = f32x4.max(c10, z); c11 = f32x4.max(c11, z);
    c20 = f32x4.max(c20, z); c21 = f32x4.max(c21, z);
    c30 = f32x4.max(c30, z); c31 = f32x4.max(c31, z);
  }
  if (nr == 8 && mr == 4) {
    v128.store(cp, c00); v128.store(cp, c01, 16);
    v128.store(cp + ldc, c10); v128.store(cp + ldc, c11, 16);
    v128.store(cp + 2 * ldc, c20); v128.store(cp + 2 * ldc, c21, 16);
    v128.store(cp + 3 * ldc, c30); v128.store(cp + 3 * ldc, c31, 16);
    return;
  }
  store4(cp, c00, nr); store4(cp + 16, c01, nr - 4);
  if (mr > 1) { store4(cp + ldc, c10, nr); store4(cp + ldc + 16, c11, nr - 4); }
  if (mr > 2) { store4(cp + 2 * ldc, c20, nr); store4(cp + 2 * ldc + 16, c21, nr - 4); }
  if (mr > 3) { store4(cp + 3 * ldc, c30, nr); store4(cp + 3 * ldc + 16, c31, nr - 4); }
}

// Runs the tiles of rows [rb, re) (a multiple of 4 from rb, except at the end) against every panel.
// Tables were built for these tiles at tabs; row g of the output is at out + g * ldc.
function tileBlock(tabs: usize, K: i32, L: i32, pw: usize, panels: i32, width: i32, out: usize, ldc: usize,
                   rb: i32, re: i32, bias: usize, relu: bool): void {
  const tb = tabBytes(K);
  const panelBytes = <usize>K * L << 5;
  for (let p = 0; p < panels; p++) {
    const f0 = p << 3;
    const nr = min(8, width - f0);
    const pb = pw + <usize>p * panelBytes;
    const bp = bias ? bias + (<usize>f0 << 2) : 0;
    let tab = tabs;
    for (let g = rb; g < re; g += 4) {
      const contig = load<i32>(tab) != 0;
      tile4x8(tab + 16, contig ? 1 : K, contig ? K * L : L, pb, out + (<usize>g * ldc) + (<usize>f0 << 2), ldc,
              min(4, re - g), nr, bp, relu);
      tab += tb;
    }
  }
}

// ---- forward ---------------------------------------------------------------------------------

// Pointer table of the forward tile whose first output row is g0 (mr valid rows): the x row of
// every (k, r), or the zero row where the tap falls outside [0, T).
function fwdTable(tab: usize, x: usize, zero: usize, g0: i32, mr: i32, T: i32, C: i32, Tout: i32, K: i32,
                  stride: i32, dilation: i32, padLeft: i32): void {
  const rowBytes = <usize>C << 2;
  let contig = true;
  for (let r = 0; r < 4; r++) {
    let base: usize = 0, pos = 0;
    if (r < mr) {
      const g = g0 + r;
      const b = g / Tout;
      pos = (g - b * Tout) * stride - padLeft;
      base = x + (<usize>b * T * rowBytes);
    }
    let prev: usize = 0;
    for (let k = 0; k < K; k++) {
      const ok = r < mr && pos >= 0 && pos < T;
      const p = ok ? base + <usize>pos * rowBytes : zero;
      store<usize>(tab + 16 + (<usize>(k * 4 + r) << 2), p);
      if (!ok || (k > 0 && p != prev + rowBytes)) contig = false;
      prev = p;
      pos += dilation;
    }
  }
  store<i32>(tab, contig ? 1 : 0);
}

export function f32_conv1d_fwd(x: usize, w: usize, bias: usize, y: usize, B: i32, T: i32, C: i32, F: i32, K: i32,
                               stride: i32, dilation: i32, padLeft: i32, Tout: i32, act: i32, ws: usize,
                               ith: i32, nth: i32): void {
  const rows = B * Tout;
  if (rows <= 0 || F <= 0 || ith >= nth) return;
  const r0 = partStart(rows, 4, ith, nth), r1 = partStart(rows, 4, ith + 1, nth);
  if (r0 >= r1) return;
  const panels = (F + 7) >> 3;
  const pw = ws + (<usize>ith * conv1dFwdWsFloats(C, F, K) << 2);
  const zero = pw + (<usize>panels * K * C << 5);
  const tabs = zero + (<usize>((C + 3) & ~3) << 2);
  packFwd(w, pw, K * C, F);
  zeroFill(zero, (C + 3) & ~3);
  const tb = tabBytes(K);
  for (let rb = r0; rb < r1; rb += MC) {
    const re = min(rb + MC, r1);
    let tab = tabs;
    for (let g = rb; g < re; g += 4) {
      fwdTable(tab, x, zero, g, min(4, re - g), T, C, Tout, K, stride, dilation, padLeft);
      tab += tb;
    }
    tileBlock(tabs, K, C, pw, panels, F, y, <usize>F << 2, rb, re, bias, act == 1);
  }
}

// ---- backward --------------------------------------------------------------------------------

// Pointer table of the dx tile whose first row is g0 (rows (b, i) of dx): for kk = 0..K-1
// (k = K-1-kk) the dy row q / stride, q = i + padLeft - k*dilation, or the zero row where stride does
// not divide q or the row is outside [0, Tout).
function bwdTable(tab: usize, dy: usize, zero: usize, g0: i32, mr: i32, T: i32, F: i32, Tout: i32, K: i32,
                  stride: i32, dilation: i32, padLeft: i32): void {
  const rowBytes = <usize>F << 2;
  let contig = true;
  for (let r = 0; r < 4; r++) {
    let base: usize = 0, q = 0;
    if (r < mr) {
      const g = g0 + r;
      const b = g / T;
      q = (g - b * T) + padLeft - (K - 1) * dilation;
      base = dy + (<usize>b * Tout * rowBytes);
    }
    let prev: usize = 0;
    for (let kk = 0; kk < K; kk++) {
      const t = q / stride;
      const ok = r < mr && q >= 0 && t * stride == q && t < Tout;
      const p = ok ? base + <usize>t * rowBytes : zero;
      store<usize>(tab + 16 + (<usize>(kk * 4 + r) << 2), p);
      if (!ok || (kk > 0 && p != prev + rowBytes)) contig = false;
      prev = p;
      q += dilation;
    }
  }
  store<i32>(tab, contig ? 1 : 0);
}

// Packs dy rows [g0, g0+n) into panels of 8 filters: pd[p][j][0..8] = dy[g0 + j, 8p .. 8p+8], zero past
// F; panels are NB rows apart.
function packDy(dy: usize, pd: usize, F: i32, g0: i32, n: i32): void {
  const ldd = <usize>F << 2;
  for (let f0 = 0; f0 < F; f0 += 8) {
    const nr = min(8, F - f0);
    let src = dy + ((<usize>g0 * F + f0) << 2);
    let dst = pd + (<usize>(f0 >> 3) * NB << 5);
    if (nr == 8) {
      for (let j = 0; j < n; j++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += ldd;
        dst += 32;
      }
    } else {
      for (let j = 0; j < n; j++) {
        v128.store(dst, load4(src, nr));
        v128.store(dst, load4(src + 16, nr - 4), 16);
        src += ldd;
        dst += 32;
      }
    }
  }
}

// Packs the x values tap k reads for dy rows [g0, g0+n), channels c0 .. c0+mr:
// px[j][0..4] = xp[b, t*stride + k*dilation - padLeft, c0 .. c0+4] for row g0 + j = (b, t), zero
// outside [0, T) and past mr.
function packX(x: usize, px: usize, T: i32, C: i32, Tout: i32, k: i32, c0: i32, mr: i32,
               stride: i32, dilation: i32, padLeft: i32, g0: i32, n: i32): void {
  if (n <= 0) return;
  let b = g0 / Tout;
  let t = g0 - b * Tout;
  const off = k * dilation - padLeft;
  for (let j = 0; j < n; j++) {
    const pos = t * stride + off;
    let v = f32x4.splat(0);
    if (pos >= 0 && pos < T) {
      const p = x + ((<usize>b * T + pos) * C + c0 << 2);
      v = mr == 4 ? v128.load(p) : loadPartial(p, mr);
    }
    v128.store(px + (<usize>j << 4), v);
    if (++t == Tout) { t = 0; b++; }
  }
}

// dw[r, 0..nr] (rows ldc bytes apart at cp, r < mr) = (first ? 0 : dw) + sum over j < n of
// pa[j][r] * pb[j][0..8]: the shared 4x8 register tile over packed x (4 per row) and a packed dy
// panel. An edge tile (mr < 4 or nr < 8) goes through a full tile in scratch `edge` (4 x 8
// floats), so every element is the same sum in the same order whatever the tile.
function dwMicro(pa: usize, pb: usize, n: i32, cp: usize, ldc: usize, mr: i32, nr: i32, first: bool, edge: usize): void {
  if (mr == 4 && nr == 8) { micro4x8(pa, pb, n, cp, ldc, !first); return; }
  const z = f32x4.splat(0);
  for (let r = 0; r < 4; r++) {
    const src = cp + <usize>r * ldc, dst = edge + (<usize>r << 5);
    const live = r < mr && !first;
    v128.store(dst, live ? load4(src, nr) : z);
    v128.store(dst, live ? load4(src + 16, nr - 4) : z, 16);
  }
  micro4x8(pa, pb, n, edge, 32, true);
  for (let r = 0; r < mr; r++) {
    const src = edge + (<usize>r << 5), dst = cp + <usize>r * ldc;
    store4(dst, v128.load(src), nr);
    store4(dst + 16, v128.load(src, 16), nr - 4);
  }
}

export function f32_conv1d_bwd(x: usize, w: usize, dy: usize, dx: usize, dw: usize, dbias: usize,
                               B: i32, T: i32, C: i32, F: i32, K: i32, stride: i32, dilation: i32, padLeft: i32,
                               Tout: i32, ws: usize, ith: i32, nth: i32): void {
  if (ith >= nth) return;
  const rows = B * Tout;                  // rows of dy
  // this thread's ws: a zero row, then the dx part (packed w, tables) or, later, the dw part
  const zero = ws + (<usize>ith * conv1dBwdWsFloats(C, F, K) << 2);
  const zn = (max(C, F) + 3) & ~3;
  const region = zero + (<usize>zn << 2);
  const cPanels = (C + 7) >> 3;
  const tabs = region + (<usize>cPanels * K * F << 5);

  // dx: rows (b, i), groups of 4
  const xrows = B * T;
  if (dx && xrows > 0 && C > 0) {
    const r0 = partStart(xrows, 4, ith, nth), r1 = partStart(xrows, 4, ith + 1, nth);
    if (r0 < r1) {
      zeroFill(zero, zn);
      packBwd(w, region, C, F, K);
      const tb = tabBytes(K);
      for (let rb = r0; rb < r1; rb += MC) {
        const re = min(rb + MC, r1);
        let tab = tabs;
        for (let g = rb; g < re; g += 4) {
          bwdTable(tab, dy, zero, g, min(4, re - g), T, F, Tout, K, stride, dilation, padLeft);
          tab += tb;
        }
        tileBlock(tabs, K, F, region, cPanels, C, dx, <usize>C << 2, rb, re, 0, false);
      }
    }
  }

  // dw: tiles (k, 4 channels, 8 filters), summed over the rows of dy in blocks of NB: per block the
  // dy rows are packed into 8-filter panels, and the x values of each (k, 4 channels) once for its tiles
  if (dw && C > 0 && F > 0) {
    const cg = (C + 3) >> 2, fp = (F + 7) >> 3;
    const tiles = K * cg * fp;
    const t0 = partStart(tiles, 1, ith, nth), t1 = partStart(tiles, 1, ith + 1, nth);
    if (t0 < t1) {
      const pd = region;
      const px = pd + (<usize>fp * NB << 5);
      const edge = px + (<usize>NB << 4);
      let g0 = 0;
      do {
        const n = min(NB, rows - g0);
        packDy(dy, pd, F, g0, n);
        let packed = -1;
        for (let i = t0; i < t1; i++) {
          const kc = i / fp;                      // k * cg + channel group
          const p = i - kc * fp;
          const k = kc / cg;
          const c0 = (kc - k * cg) << 2;
          const mr = min(4, C - c0);
          if (kc != packed) {
            packX(x, px, T, C, Tout, k, c0, mr, stride, dilation, padLeft, g0, n);
            packed = kc;
          }
          dwMicro(px, pd + (<usize>p * NB << 5), n, dw + ((<usize>k * C + c0) * F + (p << 3) << 2), <usize>F << 2,
                  mr, min(8, F - (p << 3)), g0 == 0, edge);
        }
        g0 += n;
      } while (g0 < rows);
    }
  }

  // dbias: filters in groups of 4, rows summed in order through dbias
  if (dbias && F > 0) {
    const f0 = partStart(F, 4, ith, nth), f1 = partStart(F, 4, ith + 1, nth);
    if (f0 < f1) {
      const n = f1 - f0;
      const db = dbias + (<usize>f0 << 2);
      zeroFill(db, n & ~3);
      if (n & 3) storePartial(db + (<usize>(n & ~3) << 2), f32x4.splat(0), n & 3);
      let row = dy + (<usize>f0 << 2);
      const ldd = <usize>F << 2;
      for (let g = 0; g < rows; g++) {
        let f = 0;
        for (; f + 4 <= n; f += 4) {
          const o = <usize>f << 2;
          v128.store(db + o, f32x4.add(v128.load(db + o), v128.load(row + o)));
        }
        if (f < n) {
          const o = <usize>f << 2;
          storePartial(db + o, f32x4.add(loadPartial(db + o, n - f), loadPartial(row + o, n - f)), n - f);
        }
        row += ldd;
      }
    }
  }
}
