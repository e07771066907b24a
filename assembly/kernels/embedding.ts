// Embedding lookups: gather rows of a (vocab, dim) table, scatter-add gradients back, and
// embedding bags (sum or mean of the rows of each bag, fastText style) with optional per-id
// weights. Every id is in [0, vocab) and every offset list is valid: the host checks them.
// Pure data movement and adds, no approximation. The backward kernels split the dim COLUMNS
// across threads and walk every id in order, so each dtable element receives its additions in
// one fixed order (repeated ids included) and the result is bitwise identical at any thread
// count. Columns go in groups of 4; only the global tail of a row is partial, and it goes
// through the same f32x4 arithmetic (loadPartial / storePartial).
import { partStart } from '../core/partition';
import { loadPartial, storePartial } from '../core/simd';

// @ts-ignore: decorator
@inline
function idAt(ids: usize, k: i32): i32 { return load<i32>(ids + (<usize>k << 2)); }

// @ts-ignore: decorator
@inline
function rowPtr(base: usize, row: i32, dim: i32): usize { return base + ((<usize>row * <usize>dim) << 2); }

// table is (vocab, dim), ids i32 (n), out (n, dim): out[t] = table[ids[t]]. Threads split the n rows.
export function f32_embedding_fwd(table: usize, ids: usize, out: usize, n: i32, dim: i32, ith: i32, nth: i32): void {
  const t1 = partStart(n, 1, ith + 1, nth);
  for (let t = partStart(n, 1, ith, nth); t < t1; t++) {
    const src = rowPtr(table, idAt(ids, t), dim);
    const dst = rowPtr(out, t, dim);
    let j = 0;
    for (; j + 4 <= dim; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, v128.load(src + o));
    }
    if (j < dim) {
      const o = <usize>j << 2;
      storePartial(dst + o, loadPartial(src + o, dim - j), dim - j);
    }
  }
}

// ids i32 (n), dout (n, dim), dtable (vocab, dim): dtable[ids[t]] += dout[t] for t = 0 .. n-1 in
// order. Accumulates: the caller zeroes dtable when it wants a fresh gradient.
// Threads split the dim columns; each walks every id.
export function f32_embedding_bwd(ids: usize, dout: usize, dtable: usize, n: i32, dim: i32, ith: i32, nth: i32): void {
  const j0 = partStart(dim, 4, ith, nth), j1 = partStart(dim, 4, ith + 1, nth);
  if (j0 >= j1) return;
  const full = j0 + ((j1 - j0) & ~3);
  const tail = j1 - full;
  for (let t = 0; t < n; t++) {
    const g = rowPtr(dout, t, dim);
    const d = rowPtr(dtable, idAt(ids, t), dim);
    for (let j = j0; j < full; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(g + o)));
    }
    if (tail) {
      const o = <usize>full << 2;
      storePartial(d + o, f32x4.add(loadPartial(d + o, tail), loadPartial(g + o, tail)), tail);
    }
  }
}

// One group of 4 columns (lanes < 4: the row's tail) of a bag, at byte offset o in a row:
// acc = 0 + w[k0] * table[ids[k0]] + ... in k order (no multiply when there are no weights).
// @ts-ignore: decorator
@inline
function bagGroup(table: usize, ids: usize, weights: usize, dim: i32, k0: i32, k1: i32, o: usize, lanes: i32): v128 {
  let acc = f32x4.splat(0);
  for (let k = k0; k < k1; k++) {
    const row = rowPtr(table, idAt(ids, k), dim) + o;
    const v = lanes < 4 ? loadPartial(row, lanes) : v128.load(row);
    acc = f32x4.add(acc, weights ? f32x4.mul(f32x4.splat(load<f32>(weights + (<usize>k << 2))), v) : v);
  }
  return acc;
}

// table is (vocab, dim); ids i32 (nIds); offsets i32 (bags + 1), non-decreasing from 0 to nIds:
// bag b covers ids[offsets[b] .. offsets[b+1]); weights (nIds) per-id weights or 0 for none;
// out (bags, dim). mode 0 = sum, 1 = mean:
//   out[b] = sum_k w[k] * table[ids[k]]   (k in bag order, from 0)      mode 0
//   out[b] = (sum_k w[k] * table[ids[k]]) / count                       mode 1
// An empty bag gives zeros in both modes. Threads split the bags.
export function f32_embedding_bag_fwd(table: usize, ids: usize, offsets: usize, weights: usize, out: usize, bags: i32, dim: i32, mode: i32, ith: i32, nth: i32): void {
  const b1 = partStart(bags, 1, ith + 1, nth);
  for (let b = partStart(bags, 1, ith, nth); b < b1; b++) {
    const k0 = idAt(offsets, b), k1 = idAt(offsets, b + 1);
    const cnt = k1 - k0;
    const vn = f32x4.splat(<f32>cnt);
    const mean = mode == 1 && cnt > 0;
    const dst = rowPtr(out, b, dim);
    let j = 0;
    for (; j + 4 <= dim; j += 4) {
      const o = <usize>j << 2;
      const acc = bagGroup(table, ids, weights, dim, k0, k1, o, 4);
      v128.store(dst + o, mean ? f32x4.div(acc, vn) : acc);
    }
    if (j < dim) {
      const o = <usize>j << 2;
      const acc = bagGroup(table, ids, weights, dim, k0, k1, o, dim - j);
      storePartial(dst + o, mean ? f32x4.div(acc, vn) : acc, dim - j);
    }
  }
}

// ids, offsets, weights as in the forward; dout (bags, dim); dtable (vocab, dim):
//   g = dout[b] (mode 1: dout[b] / count), then dtable[ids[k]] += w[k] * g (or += g unweighted)
// for bags b = 0 .. bags-1 in order and k in bag order. Accumulates into dtable.
// Threads split the dim columns; each walks every bag.
export function f32_embedding_bag_bwd(ids: usize, offsets: usize, weights: usize, dout: usize, dtable: usize, bags: i32, dim: i32, mode: i32, ith: i32, nth: i32): void {
  const j0 = partStart(dim, 4, ith, nth), j1 = partStart(dim, 4, ith + 1, nth);
  if (j0 >= j1) return;
  const full = j0 + ((j1 - j0) & ~3);
  const tail = j1 - full;
  for (let b = 0; b < bags; b++) {
    const k0 = idAt(offsets, b), k1 = idAt(offsets, b + 1);
    const cnt = k1 - k0;
    if (cnt <= 0) continue;
    const vn = f32x4.splat(<f32>cnt);
    const mean = mode == 1;
    const gb = rowPtr(dout, b, dim);
    for (let j = j0; j < full; j += 4) {
      const o = <usize>j << 2;
      let g = v128.load(gb + o);
      if (mean) g = f32x4.div(g, vn);
      for (let k = k0; k < k1; k++) {
        const d = rowPtr(dtable, idAt(ids, k), dim) + o;
        const c = weights ? f32x4.mul(f32x4.splat(load<f32>(weights + (<usize>k << 2))), g) : g;
        v128.store(d, f32x4.add(v128.load(d), c));
      }
    }
    if (tail) {
      const o = <usize>full << 2;
      let g = loadPartial(gb + o, tail);
      if (mean) g = f32x4.div(g, vn);
      for (let k = k0; k < k1; k++) {
        const d = rowPtr(dtable, idAt(ids, k), dim) + o;
        const c = weights ? f32x4.mul(f32x4.splat(load<f32>(weights + (<usize>k << 2))), g) : g;
        storePartial(d, f32x4.add(loadPartial(d, tail), c), tail);
      }
    }
  }
}

// ---- row-sparse backward ------------------------------------------------------------------------
// The same gradients as the backward kernels above, computed per distinct table row: the host
// lists the rows a batch touches (rows, each once) and, for each, its contributions in increasing
// position order (a CSR list: row u's are entries[starts[u] .. starts[u+1])). Each row is written
// by one thread, its additions in the same order and with the same f32 operations as the dense
// kernels on a zeroed dtable, so results are bitwise equal to them at any thread count; rows
// that no entry names are not touched (no full-table zeroing). accumulate != 0 adds to the rows'
// current values instead of starting from 0. Threads split the rows.

// One group of 4 columns (lanes < 4: the row's tail) of one row of f32_embedding_rows_bwd.
// @ts-ignore: decorator
@inline
function rowsGroup(entries: usize, dout: usize, d: usize, dim: i32, e0: i32, e1: i32, o: usize, lanes: i32, accumulate: i32): void {
  let acc = accumulate ? (lanes < 4 ? loadPartial(d, lanes) : v128.load(d)) : f32x4.splat(0);
  for (let e = e0; e < e1; e++) {
    const g = rowPtr(dout, idAt(entries, e), dim) + o;
    acc = f32x4.add(acc, lanes < 4 ? loadPartial(g, lanes) : v128.load(g));
  }
  if (lanes < 4) storePartial(d, acc, lanes);
  else v128.store(d, acc);
}

// rows i32 (nRows) distinct ids in [0, vocab); starts i32 (nRows + 1) from 0; entries i32: the
// positions t (increasing per row) with ids[t] = rows[u]; dout (n, dim); dtable (vocab, dim):
//   dtable[rows[u]] = (accumulate ? dtable[rows[u]] : 0) + dout[t0] + dout[t1] + ...
export function f32_embedding_rows_bwd(rows: usize, starts: usize, entries: usize, dout: usize, dtable: usize, nRows: i32, dim: i32, accumulate: i32, ith: i32, nth: i32): void {
  const u1 = partStart(nRows, 1, ith + 1, nth);
  for (let u = partStart(nRows, 1, ith, nth); u < u1; u++) {
    const d = rowPtr(dtable, idAt(rows, u), dim);
    const e0 = idAt(starts, u), e1 = idAt(starts, u + 1);
    let j = 0;
    for (; j + 4 <= dim; j += 4) rowsGroup(entries, dout, d + (<usize>j << 2), dim, e0, e1, <usize>j << 2, 4, accumulate);
    if (j < dim) rowsGroup(entries, dout, d + (<usize>j << 2), dim, e0, e1, <usize>j << 2, dim - j, accumulate);
  }
}

// One group of 4 columns of one row of f32_embedding_bag_rows_bwd.
// @ts-ignore: decorator
@inline
function bagRowsGroup(entries: usize, bagOf: usize, offsets: usize, weights: usize, dout: usize, d: usize, dim: i32, mode: i32,
  e0: i32, e1: i32, o: usize, lanes: i32, accumulate: i32): void {
  let acc = accumulate ? (lanes < 4 ? loadPartial(d, lanes) : v128.load(d)) : f32x4.splat(0);
  for (let e = e0; e < e1; e++) {
    const k = idAt(entries, e);
    const b = idAt(bagOf, k);
    const gp = rowPtr(dout, b, dim) + o;
    let g = lanes < 4 ? loadPartial(gp, lanes) : v128.load(gp);
    if (mode == 1) g = f32x4.div(g, f32x4.splat(<f32>(idAt(offsets, b + 1) - idAt(offsets, b))));
    acc = f32x4.add(acc, weights ? f32x4.mul(f32x4.splat(load<f32>(weights + (<usize>k << 2))), g) : g);
  }
  if (lanes < 4) storePartial(d, acc, lanes);
  else v128.store(d, acc);
}

// The row-sparse f32_embedding_bag_bwd. rows, starts as above; entries i32: the indices k into
// ids (increasing per row) with ids[k] = rows[u]; bagOf i32 (nIds): the bag of id k; offsets,
// weights (or 0), dout (bags, dim), mode as the dense kernel:
//   dtable[rows[u]] = (accumulate ? dtable[rows[u]] : 0) + sum over its k of w[k] * g(bagOf[k])
// with g(b) = dout[b] (mode 1: dout[b] / count of bag b), k in increasing order.
export function f32_embedding_bag_rows_bwd(rows: usize, starts: usize, entries: usize, bagOf: usize, offsets: usize, weights: usize, dout: usize, dtable: usize,
  nRows: i32, dim: i32, mode: i32, accumulate: i32, ith: i32, nth: i32): void {
  const u1 = partStart(nRows, 1, ith + 1, nth);
  for (let u = partStart(nRows, 1, ith, nth); u < u1; u++) {
    const d = rowPtr(dtable, idAt(rows, u), dim);
    const e0 = idAt(starts, u), e1 = idAt(starts, u + 1);
    let j = 0;
    for (; j + 4 <= dim; j += 4) bagRowsGroup(entries, bagOf, offsets, weights, dout, d + (<usize>j << 2), dim, mode, e0, e1, <usize>j << 2, 4, accumulate);
    if (j < dim) bagRowsGroup(entries, bagOf, offsets, weights, dout, d + (<usize>j << 2), dim, mode, e0, e1, <usize>j << 2, dim - j, accumulate);
  }
}
