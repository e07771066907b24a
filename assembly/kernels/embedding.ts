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
