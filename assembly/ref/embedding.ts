// Scalar twins of kernels/embedding.ts: the test oracle. Pure data movement and f32 adds, in the
// kernels' order (per element: ids in order from 0, one f32 operation at a time), so tests
// compare them bitwise. Never optimise these.

function id(ids: usize, k: i32): i32 { return load<i32>(ids + (<usize>k << 2)); }
function at(p: usize, row: i32, dim: i32, j: i32): usize { return p + ((<usize>row * dim + j) << 2); }

export function f32_embedding_fwd(table: usize, ids: usize, out: usize, n: i32, dim: i32): void {
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < dim; j++) store<f32>(at(out, t, dim, j), load<f32>(at(table, id(ids, t), dim, j)));
  }
}

export function f32_embedding_bwd(ids: usize, dout: usize, dtable: usize, n: i32, dim: i32): void {
  for (let t = 0; t < n; t++) {
    const row = id(ids, t);
    for (let j = 0; j < dim; j++) {
      const d = at(dtable, row, dim, j);
      store<f32>(d, load<f32>(d) + load<f32>(at(dout, t, dim, j)));
    }
  }
}

export function f32_embedding_bag_fwd(table: usize, ids: usize, offsets: usize, weights: usize, out: usize, bags: i32, dim: i32, mode: i32): void {
  for (let b = 0; b < bags; b++) {
    const k0 = id(offsets, b), k1 = id(offsets, b + 1);
    for (let j = 0; j < dim; j++) {
      let acc: f32 = 0;
      for (let k = k0; k < k1; k++) {
        const v = load<f32>(at(table, id(ids, k), dim, j));
        acc += weights ? load<f32>(weights + (<usize>k << 2)) * v : v;
      }
      if (mode == 1 && k1 > k0) acc /= <f32>(k1 - k0);
      store<f32>(at(out, b, dim, j), acc);
    }
  }
}

export function f32_embedding_bag_bwd(ids: usize, offsets: usize, weights: usize, dout: usize, dtable: usize, bags: i32, dim: i32, mode: i32): void {
  for (let b = 0; b < bags; b++) {
    const k0 = id(offsets, b), k1 = id(offsets, b + 1);
    for (let k = k0; k < k1; k++) {
      const row = id(ids, k);
      for (let j = 0; j < dim; j++) {
        let g = load<f32>(at(dout, b, dim, j));
        if (mode == 1) g /= <f32>(k1 - k0);
        if (weights) g = load<f32>(weights + (<usize>k << 2)) * g;
        const d = at(dtable, row, dim, j);
        store<f32>(d, load<f32>(d) + g);
      }
    }
  }
}

export function f32_embedding_rows_bwd(rows: usize, starts: usize, entries: usize, dout: usize, dtable: usize, nRows: i32, dim: i32, accumulate: i32): void {
  for (let u = 0; u < nRows; u++) {
    const row = id(rows, u);
    for (let j = 0; j < dim; j++) {
      const d = at(dtable, row, dim, j);
      let acc: f32 = accumulate ? load<f32>(d) : 0;
      for (let e = id(starts, u); e < id(starts, u + 1); e++) acc = acc + load<f32>(at(dout, id(entries, e), dim, j));
      store<f32>(d, acc);
    }
  }
}

export function f32_embedding_bag_rows_bwd(rows: usize, starts: usize, entries: usize, bagOf: usize, offsets: usize, weights: usize, dout: usize, dtable: usize,
  nRows: i32, dim: i32, mode: i32, accumulate: i32): void {
  for (let u = 0; u < nRows; u++) {
    const row = id(rows, u);
    for (let j = 0; j < dim; j++) {
      const d = at(dtable, row, dim, j);
      let acc: f32 = accumulate ? load<f32>(d) : 0;
      for (let e = id(starts, u); e < id(starts, u + 1); e++) {
        const k = id(entries, e);
        const b = id(bagOf, k);
        let g = load<f32>(at(dout, b, dim, j));
        if (mode == 1) g /= <f32>(id(offsets, b + 1) - id(offsets, b));
        if (weights) g = load<f32>(weights + (<usize>k << 2)) * g;
        acc = acc + g;
      }
      store<f32>(d, acc);
    }
  }
}
