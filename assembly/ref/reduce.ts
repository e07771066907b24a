// Scalar twins of kernels/reduce.ts: the test oracle. Plain loops, never optimise these.
// Sums in f64, rounded once (mean divides the f64 sum by the count). max, argmax and every
// backward are exact, so they compare bitwise.

// x[i, j] of the reduced line k: axis 1 walks row k, axis 0 walks column k.
function at(x: usize, k: i32, i: i32, rows: i32, cols: i32, axis: i32): f32 {
  const o = axis == 1 ? <usize>k * <usize>cols + <usize>i : <usize>i * <usize>cols + <usize>k;
  return load<f32>(x + (o << 2));
}

function reduceSum(x: usize, y: usize, rows: i32, cols: i32, axis: i32, mean: bool): void {
  const lines = axis == 1 ? rows : cols, len = axis == 1 ? cols : rows;
  for (let k = 0; k < lines; k++) {
    let s: f64 = 0;
    for (let i = 0; i < len; i++) s += <f64>at(x, k, i, rows, cols, axis);
    store<f32>(y + (<usize>k << 2), <f32>(mean ? s / <f64>len : s));
  }
}

// The index of the maximum of line k: first maximum, first NaN if any; -1 when empty.
function argmaxLine(x: usize, k: i32, rows: i32, cols: i32, axis: i32): i32 {
  const len = axis == 1 ? cols : rows;
  let best: i32 = -1;
  let m: f32 = 0;
  for (let i = 0; i < len; i++) {
    const v = at(x, k, i, rows, cols, axis);
    if (best < 0 || (m == m && (v > m || v != v))) { best = i; m = v; }
  }
  return best;
}

export function f32_sum_fwd(x: usize, y: usize, rows: i32, cols: i32, axis: i32): void { reduceSum(x, y, rows, cols, axis, false); }
export function f32_mean_fwd(x: usize, y: usize, rows: i32, cols: i32, axis: i32): void { reduceSum(x, y, rows, cols, axis, true); }

export function f32_max_fwd(x: usize, y: usize, rows: i32, cols: i32, axis: i32): void {
  const lines = axis == 1 ? rows : cols, len = axis == 1 ? cols : rows;
  for (let k = 0; k < lines; k++) {
    let m: f32 = -Infinity;
    for (let i = 0; i < len; i++) m = max<f32>(m, at(x, k, i, rows, cols, axis));
    store<f32>(y + (<usize>k << 2), m != m ? NaN : m);
  }
}

export function f32_argmax_fwd(x: usize, y: usize, rows: i32, cols: i32, axis: i32): void {
  const lines = axis == 1 ? rows : cols;
  for (let k = 0; k < lines; k++) store<i32>(y + (<usize>k << 2), argmaxLine(x, k, rows, cols, axis));
}

function broadcastBack(dy: usize, dx: usize, rows: i32, cols: i32, axis: i32, mean: bool): void {
  const count = <f32>(axis == 1 ? cols : rows);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const g = load<f32>(dy + (<usize>(axis == 1 ? r : j) << 2));
      store<f32>(dx + ((<usize>r * <usize>cols + <usize>j) << 2), mean ? g / count : g);
    }
  }
}

export function f32_sum_bwd(dy: usize, dx: usize, rows: i32, cols: i32, axis: i32): void { broadcastBack(dy, dx, rows, cols, axis, false); }
export function f32_mean_bwd(dy: usize, dx: usize, rows: i32, cols: i32, axis: i32): void { broadcastBack(dy, dx, rows, cols, axis, true); }

export function f32_max_bwd(x: usize, y: usize, dy: usize, dx: usize, rows: i32, cols: i32, axis: i32): void {
  for (let i = 0; i < rows * cols; i++) store<f32>(dx + (<usize>i << 2), 0);
  const lines = axis == 1 ? rows : cols, len = axis == 1 ? cols : rows;
  for (let k = 0; k < lines; k++) {
    const m = load<f32>(y + (<usize>k << 2));
    for (let i = 0; i < len; i++) {
      const v = at(x, k, i, rows, cols, axis);
      if (v == m || (v != v && m != m)) {
        const o = axis == 1 ? <usize>k * <usize>cols + <usize>i : <usize>i * <usize>cols + <usize>k;
        store<f32>(dx + (o << 2), load<f32>(dy + (<usize>k << 2)));
        break;
      }
    }
  }
}
