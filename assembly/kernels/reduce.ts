// Reductions over one axis of x (rows, cols), forward and backward.
//   axis 1: y is (rows), y[r] reduces x[r, :]        axis 0: y is (cols), y[c] reduces x[:, c]
//   sum
//   mean    sum / count, count as f32 (exact up to 2^24)
//   max     NaN if any element is NaN (always the canonical NaN 0x7fc00000); max(-0, +0) = +0
//   argmax  i32 index of the first maximum (-0 and +0 are equal), or of the first NaN if there is
//           one: argmax points at the element max returns. Over an empty axis: -1.
//   Over an empty axis sum gives 0, mean NaN, max -inf (the host refuses mean, max and argmax there).
//   sum_bwd:  dx = dy broadcast back along the axis     mean_bwd: dx = dy / count
//   max_bwd:  dx is dy at the first position of each row (axis 1) or column (axis 0) whose value
//             equals y (or is NaN when y is NaN), 0 elsewhere; 0 everywhere if none equals y.
// Sum order, fixed by the shape alone (never by nth):
//   axis 1: 4 vector accumulators over 16-element blocks combined (s0 + s1) + (s2 + s3), then the
//           remaining groups of 4 and the zero-padded tail added to that, then hsum (v0+v2)+(v1+v3).
//   axis 0: each column top to bottom, one f32 add per row starting from row 0: the plain loop.
// Threads: axis 1 splits rows; axis 0 splits columns 16 at a time (one cache line of a row), and
// the rows stream through a 4 KiB tile of the output (never a walk down each column, whose loads
// cross a page per row and defeat the prefetchers); sum_bwd and mean_bwd split dx as one list of
// (row, 4-column group) tasks.
import { partStart } from '../core/partition';
import { hmax, hsum, loadPartial, storePartial } from '../core/simd';

// Op interface for sum, mean, max: combine two vectors, the padding value of a partial group,
// horizontal combine, and the final scaling by the count.

// @ts-ignore: decorator
@final @unmanaged class Sum {
  // @ts-ignore: decorator
  @inline step(s: v128, v: v128): v128 { return f32x4.add(s, v); }
  // @ts-ignore: decorator
  @inline pad(): v128 { return f32x4.splat(0); }
  // @ts-ignore: decorator
  @inline horiz(v: v128): f32 { return hsum(v); }
  // @ts-ignore: decorator
  @inline finish(s: v128, count: i32): v128 { return s; }
  // @ts-ignore: decorator
  @inline finish1(s: f32, count: i32): f32 { return s; }
}

// @ts-ignore: decorator
@final @unmanaged class Mean {
  // @ts-ignore: decorator
  @inline step(s: v128, v: v128): v128 { return f32x4.add(s, v); }
  // @ts-ignore: decorator
  @inline pad(): v128 { return f32x4.splat(0); }
  // @ts-ignore: decorator
  @inline horiz(v: v128): f32 { return hsum(v); }
  // @ts-ignore: decorator
  @inline finish(s: v128, count: i32): v128 { return f32x4.div(s, f32x4.splat(<f32>count)); }
  // @ts-ignore: decorator
  @inline finish1(s: f32, count: i32): f32 { return s / <f32>count; }
}

// @ts-ignore: decorator
@final @unmanaged class Max {
  // @ts-ignore: decorator
  @inline step(s: v128, v: v128): v128 { return f32x4.max(s, v); }
  // @ts-ignore: decorator
  @inline pad(): v128 { return f32x4.splat(-Infinity); }
  // @ts-ignore: decorator
  @inline horiz(v: v128): f32 { return hmax(v); }
  // NaN made canonical (0x7fc00000): wasm leaves the sign and payload of max's NaN to the engine
  // @ts-ignore: decorator
  @inline finish(s: v128, count: i32): v128 { return v128.bitselect(f32x4.splat(NaN), s, f32x4.ne(s, s)); }
  // @ts-ignore: decorator
  @inline finish1(s: f32, count: i32): f32 { return s != s ? NaN : s; }
}

// Columns of y (axis 0) or db kept in L1 while the rows stream by: 4 KiB.
// @ts-ignore: decorator
@inline const COL_TILE = 1024;

// Lanes [0, count) set, count in 0..4.
// @ts-ignore: decorator
@inline
function laneMask(count: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(count));
}

// Reduction of n contiguous values (before finish1), in the axis-1 order described at the top.
// @ts-ignore: decorator
@inline
function reduceRun<Op>(p: usize, n: i32): f32 {
  const op = changetype<Op>(0);
  let s0 = op.pad(), s1 = op.pad(), s2 = op.pad(), s3 = op.pad();
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const q = p + (<usize>i << 2);
    s0 = op.step(s0, v128.load(q));
    s1 = op.step(s1, v128.load(q, 16));
    s2 = op.step(s2, v128.load(q, 32));
    s3 = op.step(s3, v128.load(q, 48));
  }
  let s = op.step(op.step(s0, s1), op.step(s2, s3));
  for (; i + 4 <= n; i += 4) s = op.step(s, v128.load(p + (<usize>i << 2)));
  if (i < n) s = op.step(s, v128.bitselect(loadPartial(p + (<usize>i << 2), n - i), op.pad(), laneMask(n - i)));
  return op.horiz(s);
}

// Index of the first of the n values at p equal to m (or NaN when m is NaN); -1 if none.
// @ts-ignore: decorator
@inline
function findFirst(p: usize, n: i32, m: f32): i32 {
  const mv = f32x4.splat(m);
  const nan = m != m;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    const hit = nan ? f32x4.ne(v, v) : f32x4.eq(v, mv);
    if (v128.any_true(hit)) return i + ctz(i32x4.bitmask(hit));
  }
  if (i < n) {
    const v = loadPartial(p + (<usize>i << 2), n - i);
    const hit = v128.and(nan ? f32x4.ne(v, v) : f32x4.eq(v, mv), laneMask(n - i));
    if (v128.any_true(hit)) return i + ctz(i32x4.bitmask(hit));
  }
  return -1;
}

// axis 1: y[r] for the thread's rows.
// @ts-ignore: decorator
@inline
function reduceRows<Op>(x: usize, y: usize, rows: i32, cols: i32, ith: i32, nth: i32): void {
  const op = changetype<Op>(0);
  const r1 = partStart(rows, 1, ith + 1, nth);
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    store<f32>(y + (<usize>r << 2), op.finish1(reduceRun<Op>(x + (<usize>r * <usize>cols << 2), cols), cols));
  }
}

// axis 0: y[c] for the thread's columns, each column top to bottom. The rows stream through a
// tile of y (in L1), so the long dependency chain of f32x4.max never stalls the loads.
// @ts-ignore: decorator
@inline
function reduceCols<Op>(x: usize, y: usize, rows: i32, cols: i32, ith: i32, nth: i32): void {
  const op = changetype<Op>(0);
  const c1 = partStart(cols, 16, ith + 1, nth);
  const c0 = partStart(cols, 16, ith, nth);
  const stride = <usize>cols << 2;
  if (rows == 0) {
    for (let c = c0; c < c1; c++) store<f32>(y + (<usize>c << 2), op.finish1(op.horiz(op.pad()), 0));
    return;
  }
  for (let t0 = c0; t0 < c1; t0 += COL_TILE) {
    const t1 = min(t0 + COL_TILE, c1);
    const q = y + (<usize>t0 << 2);
    const n = t1 - t0;
    // row 0 initialises, rows 1.. combine, then finish
    let p = x + (<usize>t0 << 2);
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(q + (<usize>i << 2), v128.load(p + (<usize>i << 2)));
    if (i < n) storePartial(q + (<usize>i << 2), loadPartial(p + (<usize>i << 2), n - i), n - i);
    for (let r = 1; r < rows; r++) {
      p += stride;
      i = 0;
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(q + o, op.step(v128.load(q + o), v128.load(p + o)));
      }
      if (i < n) {
        const o = <usize>i << 2;
        storePartial(q + o, op.step(loadPartial(q + o, n - i), loadPartial(p + o, n - i)), n - i);
      }
    }
    i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(q + o, op.finish(v128.load(q + o), rows));
    }
    if (i < n) {
      const o = <usize>i << 2;
      storePartial(q + o, op.finish(loadPartial(q + o, n - i), rows), n - i);
    }
  }
}

// @ts-ignore: decorator
@inline
function reduceFwd<Op>(x: usize, y: usize, rows: i32, cols: i32, axis: i32, ith: i32, nth: i32): void {
  if (axis == 1) reduceRows<Op>(x, y, rows, cols, ith, nth);
  else reduceCols<Op>(x, y, rows, cols, ith, nth);
}

// argmax, axis 0 step: take v where it beats best, or is the first NaN.
// @ts-ignore: decorator
@inline
function beats(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
}

// x is (rows, cols), y (rows) or (cols) of i32.
export function f32_argmax_fwd(x: usize, y: usize, rows: i32, cols: i32, axis: i32, ith: i32, nth: i32): void {
  if (axis == 1) {
    const r1 = partStart(rows, 1, ith + 1, nth);
    for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
      const p = x + (<usize>r * <usize>cols << 2);
      store<i32>(y + (<usize>r << 2), cols > 0 ? findFirst(p, cols, reduceRun<Max>(p, cols)) : -1);
    }
    return;
  }
  // axis 0: the rows stream through a tile of y, which holds each column's best row so far; the
  // best value is read back from x at that row (a gather), so no scratch is needed.
  const c1 = partStart(cols, 16, ith + 1, nth);
  const c0 = partStart(cols, 16, ith, nth);
  const stride = <usize>cols << 2;
  if (rows == 0) {
    for (let c = c0; c < c1; c++) store<i32>(y + (<usize>c << 2), -1);
    return;
  }
  for (let t0 = c0; t0 < c1; t0 += COL_TILE) {
    const n = min(t0 + COL_TILE, c1) - t0;
    const q = y + (<usize>t0 << 2);
    const xt = x + (<usize>t0 << 2);
    for (let i = 0; i < n; i++) store<i32>(q + (<usize>i << 2), 0);
    for (let r = 1; r < rows; r++) {
      const p = xt + <usize>r * stride;
      const rv = i32x4.splat(r);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        const idx = v128.load(q + o);
        const t = beats(v128.load(p + o), gatherRows(xt + o, idx, stride, 4));
        v128.store(q + o, v128.bitselect(rv, idx, t));
      }
      if (i < n) {
        const o = <usize>i << 2;
        const k = n - i;
        const idx = loadPartialI32(q + o, k);
        const t = beats(loadPartial(p + o, k), gatherRows(xt + o, idx, stride, k));
        const w = v128.bitselect(rv, idx, t);
        store<i32>(q + o, i32x4.extract_lane(w, 0));
        if (k > 1) store<i32>(q + o, i32x4.extract_lane(w, 1), 4);
        if (k > 2) store<i32>(q + o, i32x4.extract_lane(w, 2), 8);
      }
    }
  }
}

// i32 lanes [0, count) from p, count in 1..3; the rest 0.
// @ts-ignore: decorator
@inline
function loadPartialI32(p: usize, count: i32): v128 {
  let v = i32x4.splat(0);
  v = i32x4.replace_lane(v, 0, load<i32>(p));
  if (count > 1) v = i32x4.replace_lane(v, 1, load<i32>(p, 4));
  if (count > 2) v = i32x4.replace_lane(v, 2, load<i32>(p, 8));
  return v;
}

// Lane j (j < count): the f32 at p + 4j in row idx[j], rows `stride` bytes apart; other lanes 0.
// @ts-ignore: decorator
@inline
function gatherRows(p: usize, idx: v128, stride: usize, count: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p + <usize>i32x4.extract_lane(idx, 0) * stride));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p + <usize>i32x4.extract_lane(idx, 1) * stride, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p + <usize>i32x4.extract_lane(idx, 2) * stride, 8));
  if (count > 3) v = f32x4.replace_lane(v, 3, load<f32>(p + <usize>i32x4.extract_lane(idx, 3) * stride, 12));
  return v;
}

export function f32_sum_fwd(x: usize, y: usize, rows: i32, cols: i32, axis: i32, ith: i32, nth: i32): void { reduceFwd<Sum>(x, y, rows, cols, axis, ith, nth); }
export function f32_mean_fwd(x: usize, y: usize, rows: i32, cols: i32, axis: i32, ith: i32, nth: i32): void { reduceFwd<Mean>(x, y, rows, cols, axis, ith, nth); }
export function f32_max_fwd(x: usize, y: usize, rows: i32, cols: i32, axis: i32, ith: i32, nth: i32): void { reduceFwd<Max>(x, y, rows, cols, axis, ith, nth); }

// ---- backward ---------------------------------------------------------------------------------

// dx (rows, cols) = dy broadcast along the axis, divided by the count when mean.
// @ts-ignore: decorator
@inline
function broadcastBack(dy: usize, dx: usize, rows: i32, cols: i32, axis: i32, mean: bool, ith: i32, nth: i32): void {
  const G = (cols + 3) >> 2;
  const t1 = partStart(rows * G, 1, ith + 1, nth);
  let t = partStart(rows * G, 1, ith, nth);
  const count = f32x4.splat(<f32>(axis == 1 ? cols : rows));
  while (t < t1) {
    const r = t / G;
    const g = t - r * G;
    const ge = min(G, g + (t1 - t));
    const c0 = g << 2;
    const n = min(ge << 2, cols) - c0;
    const q = dx + ((<usize>r * <usize>cols + <usize>c0) << 2);
    let i = 0;
    if (axis == 1) {
      let v = v128.load32_splat(dy + (<usize>r << 2));
      if (mean) v = f32x4.div(v, count);
      for (; i + 4 <= n; i += 4) v128.store(q + (<usize>i << 2), v);
      if (i < n) storePartial(q + (<usize>i << 2), v, n - i);
    } else {
      const p = dy + (<usize>c0 << 2);
      for (; i + 4 <= n; i += 4) {
        let v = v128.load(p + (<usize>i << 2));
        if (mean) v = f32x4.div(v, count);
        v128.store(q + (<usize>i << 2), v);
      }
      if (i < n) {
        let v = loadPartial(p + (<usize>i << 2), n - i);
        if (mean) v = f32x4.div(v, count);
        storePartial(q + (<usize>i << 2), v, n - i);
      }
    }
    t += ge - g;
  }
}

// dy is (rows) for axis 1, (cols) for axis 0; dx is (rows, cols).
export function f32_sum_bwd(dy: usize, dx: usize, rows: i32, cols: i32, axis: i32, ith: i32, nth: i32): void { broadcastBack(dy, dx, rows, cols, axis, false, ith, nth); }
export function f32_mean_bwd(dy: usize, dx: usize, rows: i32, cols: i32, axis: i32, ith: i32, nth: i32): void { broadcastBack(dy, dx, rows, cols, axis, true, ith, nth); }

// x, dx are (rows, cols); y, dy are (rows) for axis 1, (cols) for axis 0.
export function f32_max_bwd(x: usize, y: usize, dy: usize, dx: usize, rows: i32, cols: i32, axis: i32, ith: i32, nth: i32): void {
  const stride = <usize>cols << 2;
  if (axis == 1) {
    const r1 = partStart(rows, 1, ith + 1, nth);
    for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
      const p = x + (<usize>r * stride);
      const q = dx + (<usize>r * stride);
      const j = findFirst(p, cols, load<f32>(y + (<usize>r << 2)));
      const z = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= cols; i += 4) v128.store(q + (<usize>i << 2), z);
      if (i < cols) storePartial(q + (<usize>i << 2), z, cols - i);
      if (j >= 0) store<f32>(q + (<usize>j << 2), load<f32>(dy + (<usize>r << 2)));
    }
    return;
  }
  // axis 0, a tile of columns at a time, the rows streaming by: row 0 of dx first holds each
  // column's first matching row (i32, -1 until found), then the rows are written, row 0 last.
  if (rows == 0) return;
  const c1 = partStart(cols, 16, ith + 1, nth);
  const c0 = partStart(cols, 16, ith, nth);
  const none = i32x4.splat(-1);
  for (let t0 = c0; t0 < c1; t0 += COL_TILE) {
    const n = min(t0 + COL_TILE, c1) - t0;
    const o0 = <usize>t0 << 2;
    const q = dx + o0;                 // the i32 indices, in dx's row 0
    const yt = y + o0, dyt = dy + o0;
    for (let i = 0; i < n; i++) store<i32>(q + (<usize>i << 2), -1);
    for (let r = 0; r < rows; r++) {
      const p = x + o0 + <usize>r * stride;
      const rv = i32x4.splat(r);
      let missing = i32x4.splat(0);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        const v = v128.load(p + o), yv = v128.load(yt + o);
        const hit = v128.or(f32x4.eq(v, yv), v128.and(f32x4.ne(v, v), f32x4.ne(yv, yv)));
        const idx = v128.load(q + o);
        const open = i32x4.eq(idx, none);
        v128.store(q + o, v128.bitselect(rv, idx, v128.and(hit, open)));
        missing = v128.or(missing, v128.andnot(open, hit));
      }
      if (i < n) {
        const o = <usize>i << 2;
        const k = n - i;
        const v = loadPartial(p + o, k), yv = loadPartial(yt + o, k);
        const hit = v128.or(f32x4.eq(v, yv), v128.and(f32x4.ne(v, v), f32x4.ne(yv, yv)));
        const idx = loadPartialI32(q + o, k);
        const open = v128.and(i32x4.eq(idx, none), laneMask(k));
        const w = v128.bitselect(rv, idx, v128.and(hit, open));
        store<i32>(q + o, i32x4.extract_lane(w, 0));
        if (k > 1) store<i32>(q + o, i32x4.extract_lane(w, 1), 4);
        if (k > 2) store<i32>(q + o, i32x4.extract_lane(w, 2), 8);
        missing = v128.or(missing, v128.andnot(open, hit));
      }
      // every column found: stop scanning
      if (!v128.any_true(missing)) break;
    }
    for (let r = rows - 1; r >= 0; r--) {
      const d = dx + o0 + <usize>r * stride;
      const rv = i32x4.splat(r);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(d + o, v128.and(v128.load(dyt + o), i32x4.eq(v128.load(q + o), rv)));
      }
      if (i < n) {
        const o = <usize>i << 2;
        const k = n - i;
        storePartial(d + o, v128.and(loadPartial(dyt + o, k), i32x4.eq(loadPartialI32(q + o, k), rv)), k);
      }
    }
  }
}
