// Broadcast elementwise add, sub, mul, div, forward and backward.
//   a, c, dc, da are (rows, cols); b and db are shaped by bcast:
//     0: (rows, cols)  elementwise
//     1: (cols)        one value per column: a row vector applied to every row (a bias)
//     2: (rows)        one value per row: a column vector
//     3: (1)           a scalar
//   fwd: c = a op b. c may be a, or b when bcast = 0 (in place); no other overlap.
//   bwd: da = dc * ∂c/∂a, db = the sum of dc * ∂c/∂b over the broadcast dimensions. Either of da,
//        db may be 0 to skip it. da and db overlap no input and not each other.
//     add: da = dc       db = sum dc
//     sub: da = dc       db = sum -dc
//     mul: da = dc * b   db = sum dc * a
//     div: da = dc / b   db = sum -(dc * c) / b, with c = a / b recomputed (the forward's bits);
//          this form never forms b * b, which overflows above |b| = 1.8e19 and underflows below 1e-19.
// Threads. c and da: the output is one list of (row, 4-column group) tasks split evenly, so every
// shape balances; bcast 0 and 3 see the data as one row. Elementwise lanes are independent, so
// where a share ends changes nothing. db sums in an order fixed by the shape alone:
//   bcast 0: elementwise, in the same pass as da.
//   bcast 1: each thread owns a range of columns (16 at a time) and sums rows top to bottom, one
//            f32 add per row starting from row 0's term: bitwise the plain scalar loop. The rows
//            stream through a 4 KiB tile of db.
//   bcast 2: each thread owns rows; a row sums in SIMD lanes (sumTerms).
//   bcast 3: thread 0 sums all rows * cols terms as one row (sumTerms); when nth > 1 the other
//            threads split da so that thread 0 does not do both.
// sumTerms order: 4 vector accumulators over 16-term blocks combined (s0 + s1) + (s2 + s3), then
// the remaining groups of 4 and the masked tail added to that, then hsum: (v0 + v2) + (v1 + v3).
import { partStart } from '../core/partition';
import { hsum, loadPartial, storePartial } from '../core/simd';

// Op interface: fwd(a, b) = c; da(dc, b) = dc * ∂c/∂a; db(a, b, dc) = one term of db;
// reads(): whether da and db read a and b at all (add and sub do not: their loads are skipped).

// @ts-ignore: decorator
@final @unmanaged class Add {
  // @ts-ignore: decorator
  @inline reads(): bool { return false; }
  // @ts-ignore: decorator
  @inline fwd(a: v128, b: v128): v128 { return f32x4.add(a, b); }
  // @ts-ignore: decorator
  @inline da(dc: v128, b: v128): v128 { return dc; }
  // @ts-ignore: decorator
  @inline db(a: v128, b: v128, dc: v128): v128 { return dc; }
}

// @ts-ignore: decorator
@final @unmanaged class Sub {
  // @ts-ignore: decorator
  @inline reads(): bool { return false; }
  // @ts-ignore: decorator
  @inline fwd(a: v128, b: v128): v128 { return f32x4.sub(a, b); }
  // @ts-ignore: decorator
  @inline da(dc: v128, b: v128): v128 { return dc; }
  // @ts-ignore: decorator
  @inline db(a: v128, b: v128, dc: v128): v128 { return f32x4.neg(dc); }
}

// @ts-ignore: decorator
@final @unmanaged class Mul {
  // @ts-ignore: decorator
  @inline reads(): bool { return true; }
  // @ts-ignore: decorator
  @inline fwd(a: v128, b: v128): v128 { return f32x4.mul(a, b); }
  // @ts-ignore: decorator
  @inline da(dc: v128, b: v128): v128 { return f32x4.mul(dc, b); }
  // @ts-ignore: decorator
  @inline db(a: v128, b: v128, dc: v128): v128 { return f32x4.mul(dc, a); }
}

// @ts-ignore: decorator
@final @unmanaged class Div {
  // @ts-ignore: decorator
  @inline reads(): bool { return true; }
  // @ts-ignore: decorator
  @inline fwd(a: v128, b: v128): v128 { return f32x4.div(a, b); }
  // @ts-ignore: decorator
  @inline da(dc: v128, b: v128): v128 { return f32x4.div(dc, b); }
  // -(dc * (a / b)) / b
  // @ts-ignore: decorator
  @inline db(a: v128, b: v128, dc: v128): v128 { return f32x4.neg(f32x4.div(f32x4.mul(dc, f32x4.div(a, b)), b)); }
}

// A vector of a or b for the gradients, loaded only when the op reads it.
// @ts-ignore: decorator
@inline
function gl<Op>(p: usize): v128 { return changetype<Op>(0).reads() ? v128.load(p) : f32x4.splat(0); }

// @ts-ignore: decorator
@inline
function glp<Op>(p: usize, count: i32): v128 { return changetype<Op>(0).reads() ? loadPartial(p, count) : f32x4.splat(0); }

// Lanes [0, count) set, count in 0..4.
// @ts-ignore: decorator
@inline
function laneMask(count: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(count));
}

// ---- elementwise runs: n values from a row ------------------------------------------------------

// c[0, n) = a op b, b a vector run (bcast 0, 1).
// @ts-ignore: decorator
@inline
function fwdVec<Op>(a: usize, b: usize, c: usize, n: i32): void {
  const op = changetype<Op>(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(c + o, op.fwd(v128.load(a + o), v128.load(b + o)));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storePartial(c + o, op.fwd(loadPartial(a + o, n - i), loadPartial(b + o, n - i)), n - i);
  }
}

// c[0, n) = a op bv, bv one value in every lane (bcast 2, 3).
// @ts-ignore: decorator
@inline
function fwdSplat<Op>(a: usize, bv: v128, c: usize, n: i32): void {
  const op = changetype<Op>(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(c + o, op.fwd(v128.load(a + o), bv));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storePartial(c + o, op.fwd(loadPartial(a + o, n - i), bv), n - i);
  }
}

// da[0, n) from dc and a vector run of b.
// @ts-ignore: decorator
@inline
function daVec<Op>(b: usize, dc: usize, da: usize, n: i32): void {
  const op = changetype<Op>(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(da + o, op.da(v128.load(dc + o), gl<Op>(b + o)));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storePartial(da + o, op.da(loadPartial(dc + o, n - i), glp<Op>(b + o, n - i)), n - i);
  }
}

// da[0, n) from dc and one b value in every lane.
// @ts-ignore: decorator
@inline
function daSplat<Op>(bv: v128, dc: usize, da: usize, n: i32): void {
  const op = changetype<Op>(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(da + o, op.da(v128.load(dc + o), bv));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storePartial(da + o, op.da(loadPartial(dc + o, n - i), bv), n - i);
  }
}

// bcast 0: da and db of n elements in one pass (either pointer may be 0).
// @ts-ignore: decorator
@inline
function bwdElementwise<Op>(a: usize, b: usize, dc: usize, da: usize, db: usize, n: i32): void {
  const op = changetype<Op>(0);
  if (da != 0 && db != 0) {
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const bv = gl<Op>(b + o), dcv = v128.load(dc + o);
      v128.store(da + o, op.da(dcv, bv));
      v128.store(db + o, op.db(gl<Op>(a + o), bv, dcv));
    }
    if (i < n) {
      const o = <usize>i << 2;
      const k = n - i;
      const bv = glp<Op>(b + o, k), dcv = loadPartial(dc + o, k);
      storePartial(da + o, op.da(dcv, bv), k);
      storePartial(db + o, op.db(glp<Op>(a + o, k), bv, dcv), k);
    }
  } else if (da != 0) {
    daVec<Op>(b, dc, da, n);
  } else if (db != 0) {
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(db + o, op.db(gl<Op>(a + o), gl<Op>(b + o), v128.load(dc + o)));
    }
    if (i < n) {
      const o = <usize>i << 2;
      const k = n - i;
      storePartial(db + o, op.db(glp<Op>(a + o, k), glp<Op>(b + o, k), loadPartial(dc + o, k)), k);
    }
  }
}

// Sum of the n terms op.db(a[j], bv, dc[j]) in the fixed lane order described at the top.
// @ts-ignore: decorator
@inline
function sumTerms<Op>(a: usize, bv: v128, dc: usize, n: i32): f32 {
  const op = changetype<Op>(0);
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    s0 = f32x4.add(s0, op.db(gl<Op>(a + o), bv, v128.load(dc + o)));
    s1 = f32x4.add(s1, op.db(gl<Op>(a + o + 16), bv, v128.load(dc + o, 16)));
    s2 = f32x4.add(s2, op.db(gl<Op>(a + o + 32), bv, v128.load(dc + o, 32)));
    s3 = f32x4.add(s3, op.db(gl<Op>(a + o + 48), bv, v128.load(dc + o, 48)));
  }
  let s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    s = f32x4.add(s, op.db(gl<Op>(a + o), bv, v128.load(dc + o)));
  }
  if (i < n) {
    // padding lanes would give 0/0 for div: mask them to +0
    const o = <usize>i << 2;
    const t = op.db(glp<Op>(a + o, n - i), bv, loadPartial(dc + o, n - i));
    s = f32x4.add(s, v128.and(t, laneMask(n - i)));
  }
  return hsum(s);
}

// bcast 1: db[c0, c1) = column sums over the rows, top to bottom, starting from row 0's term.
// Lanes are columns, so each column is the plain sequential f32 sum. The rows stream through a
// tile of db (in L1) rather than walking down each column.
// @ts-ignore: decorator
@inline
function columnSums<Op>(a: usize, b: usize, dc: usize, db: usize, rows: i32, cols: i32, c0: i32, c1: i32): void {
  const stride = <usize>cols << 2;
  if (rows == 0) {
    for (let c = c0; c < c1; c++) store<f32>(db + (<usize>c << 2), 0);
    return;
  }
  for (let t0 = c0; t0 < c1; t0 += COL_TILE) {
    const n = min(t0 + COL_TILE, c1) - t0;
    const o = <usize>t0 << 2;
    columnRow<Op>(a + o, b + o, dc + o, db + o, n, true);
    for (let r = 1; r < rows; r++) {
      const ro = <usize>r * stride + o;
      columnRow<Op>(a + ro, b + o, dc + ro, db + o, n, false);
    }
  }
}

// One row's terms into the db tile: db = term (first row) or db + term.
// @ts-ignore: decorator
@inline
function columnRow<Op>(a: usize, b: usize, dc: usize, db: usize, n: i32, first: bool): void {
  const op = changetype<Op>(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const t = op.db(gl<Op>(a + o), gl<Op>(b + o), v128.load(dc + o));
    v128.store(db + o, first ? t : f32x4.add(v128.load(db + o), t));
  }
  if (i < n) {
    const o = <usize>i << 2;
    const k = n - i;
    const t = op.db(glp<Op>(a + o, k), glp<Op>(b + o, k), loadPartial(dc + o, k));
    storePartial(db + o, first ? t : f32x4.add(loadPartial(db + o, k), t), k);
  }
}

// Columns of db kept in L1 while the rows stream by: 4 KiB.
// @ts-ignore: decorator
@inline const COL_TILE = 1024;

// ---- drivers ----------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function binaryFwd<Op>(a: usize, b: usize, c: usize, rows: i32, cols: i32, bcast: i32, ith: i32, nth: i32): void {
  if (bcast == 0 || bcast == 3) { cols = rows * cols; rows = 1; }
  const G = (cols + 3) >> 2;
  const t1 = partStart(rows * G, 1, ith + 1, nth);
  let t = partStart(rows * G, 1, ith, nth);
  while (t < t1) {
    const r = t / G;
    const g = t - r * G;
    const ge = min(G, g + (t1 - t));
    const c0 = g << 2;
    const n = min(ge << 2, cols) - c0;
    const o = (<usize>r * <usize>cols + <usize>c0) << 2;
    if (bcast == 0) fwdVec<Op>(a + o, b + o, c + o, n);
    else if (bcast == 1) fwdVec<Op>(a + o, b + (<usize>c0 << 2), c + o, n);
    else if (bcast == 2) fwdSplat<Op>(a + o, v128.load32_splat(b + (<usize>r << 2)), c + o, n);
    else fwdSplat<Op>(a + o, v128.load32_splat(b), c + o, n);
    t += ge - g;
  }
}

// @ts-ignore: decorator
@inline
function binaryBwd<Op>(a: usize, b: usize, dc: usize, da: usize, db: usize, rows: i32, cols: i32, bcast: i32, ith: i32, nth: i32): void {
  if (bcast == 0) {
    const n = rows * cols;
    const i1 = partStart(n, 4, ith + 1, nth);
    const i0 = partStart(n, 4, ith, nth);
    const o = <usize>i0 << 2;
    bwdElementwise<Op>(a + o, b + o, dc + o, da != 0 ? da + o : 0, db != 0 ? db + o : 0, i1 - i0);
    return;
  }
  if (da != 0) {
    // bcast 3 with several threads: thread 0 sums db, the others split da
    let dith = ith, dnth = nth;
    if (bcast == 3 && db != 0 && nth > 1) { dith = ith - 1; dnth = nth - 1; }
    if (dith >= 0) {
      let R = rows, C = cols;
      if (bcast == 3) { C = rows * cols; R = 1; }
      const G = (C + 3) >> 2;
      const t1 = partStart(R * G, 1, dith + 1, dnth);
      let t = partStart(R * G, 1, dith, dnth);
      while (t < t1) {
        const r = t / G;
        const g = t - r * G;
        const ge = min(G, g + (t1 - t));
        const c0 = g << 2;
        const n = min(ge << 2, C) - c0;
        const o = (<usize>r * <usize>C + <usize>c0) << 2;
        if (bcast == 1) daVec<Op>(b + (<usize>c0 << 2), dc + o, da + o, n);
        else if (bcast == 2) daSplat<Op>(v128.load32_splat(b + (<usize>r << 2)), dc + o, da + o, n);
        else daSplat<Op>(v128.load32_splat(b), dc + o, da + o, n);
        t += ge - g;
      }
    }
  }
  if (db != 0) {
    if (bcast == 1) {
      columnSums<Op>(a, b, dc, db, rows, cols, partStart(cols, 16, ith, nth), partStart(cols, 16, ith + 1, nth));
    } else if (bcast == 2) {
      const r1 = partStart(rows, 1, ith + 1, nth);
      for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
        const o = <usize>r * <usize>cols << 2;
        store<f32>(db + (<usize>r << 2), sumTerms<Op>(a + o, v128.load32_splat(b + (<usize>r << 2)), dc + o, cols));
      }
    } else if (ith == 0) {
      store<f32>(db, sumTerms<Op>(a, v128.load32_splat(b), dc, rows * cols));
    }
  }
}

export function f32_add_fwd(a: usize, b: usize, c: usize, rows: i32, cols: i32, bcast: i32, ith: i32, nth: i32): void { binaryFwd<Add>(a, b, c, rows, cols, bcast, ith, nth); }
export function f32_sub_fwd(a: usize, b: usize, c: usize, rows: i32, cols: i32, bcast: i32, ith: i32, nth: i32): void { binaryFwd<Sub>(a, b, c, rows, cols, bcast, ith, nth); }
export function f32_mul_fwd(a: usize, b: usize, c: usize, rows: i32, cols: i32, bcast: i32, ith: i32, nth: i32): void { binaryFwd<Mul>(a, b, c, rows, cols, bcast, ith, nth); }
export function f32_div_fwd(a: usize, b: usize, c: usize, rows: i32, cols: i32, bcast: i32, ith: i32, nth: i32): void { binaryFwd<Div>(a, b, c, rows, cols, bcast, ith, nth); }
export function f32_add_bwd(a: usize, b: usize, dc: usize, da: usize, db: usize, rows: i32, cols: i32, bcast: i32, ith: i32, nth: i32): void { binaryBwd<Add>(a, b, dc, da, db, rows, cols, bcast, ith, nth); }
export function f32_sub_bwd(a: usize, b: usize, dc: usize, da: usize, db: usize, rows: i32, cols: i32, bcast: i32, ith: i32, nth: i32): void { binaryBwd<Sub>(a, b, dc, da, db, rows, cols, bcast, ith, nth); }
export function f32_mul_bwd(a: usize, b: usize, dc: usize, da: usize, db: usize, rows: i32, cols: i32, bcast: i32, ith: i32, nth: i32): void { binaryBwd<Mul>(a, b, dc, da, db, rows, cols, bcast, ith, nth); }
export function f32_div_bwd(a: usize, b: usize, dc: usize, da: usize, db: usize, rows: i32, cols: i32, bcast: i32, ith: i32, nth: i32): void { binaryBwd<Div>(a, b, dc, da, db, rows, cols, bcast, ith, nth); }
