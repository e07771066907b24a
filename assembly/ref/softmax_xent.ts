// Scalar twins of kernels/softmax_xent.ts: the test oracle. Plain loops in f64, rounded to f32
// once per output; f32_softmax_xent_bwd, pure arithmetic, repeats the kernel's f32 operations so
// tests compare it bitwise. Same special rows as the kernels (all -inf: softmax 0, log-softmax
// -inf, label loss +inf). Never optimise these.

function ld(p: usize, i: i32): f64 { return <f64>load<f32>(p + (<usize>i << 2)); }
function st(p: usize, i: i32, v: f64): void { store<f32>(p + (<usize>i << 2), <f32>v); }

function rowMax(x: usize, cols: i32): f64 {
  let m: f64 = -Infinity;
  for (let j = 0; j < cols; j++) {
    const v = ld(x, j);
    if (isNaN(v)) return NaN;
    if (v > m) m = v;
  }
  return m;
}

// sum of exp(x - m), m the row max (0 if the row is all -inf)
function sumExp(x: usize, cols: i32, m: f64): f64 {
  let s: f64 = 0;
  for (let j = 0; j < cols; j++) s += Math.exp(ld(x, j) - m);
  return s;
}

function shift(m: f64): f64 { return m == -Infinity ? 0 : m; }

export function f32_softmax_fwd(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * cols * 4, yr = y + <usize>r * cols * 4;
    const m = shift(rowMax(xr, cols));
    const s = sumExp(xr, cols, m);
    for (let j = 0; j < cols; j++) st(yr, j, s == 0 ? 0 : Math.exp(ld(xr, j) - m) / s);
  }
}

export function f32_softmax_bwd(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * cols * 4;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += ld(dy + o, j) * ld(y + o, j);
    for (let j = 0; j < cols; j++) st(dx + o, j, ld(y + o, j) * (ld(dy + o, j) - s));
  }
}

export function f32_log_softmax_fwd(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * cols * 4, yr = y + <usize>r * cols * 4;
    const m = shift(rowMax(xr, cols));
    const s = sumExp(xr, cols, m);
    const lse = m + Math.log(s);
    for (let j = 0; j < cols; j++) st(yr, j, s == 0 ? -Infinity : ld(xr, j) - lse);
  }
}

export function f32_log_softmax_bwd(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * cols * 4;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += ld(dy + o, j);
    for (let j = 0; j < cols; j++) st(dx + o, j, ld(dy + o, j) - Math.exp(ld(y + o, j)) * s);
  }
}

function weight(weights: usize, r: i32): f64 { return weights ? ld(weights, r) : 1; }

export function f32_softmax_xent_fwd(logits: usize, labels: usize, weights: usize, probs: usize, loss: usize, rows: i32, cols: i32): void {
  f32_softmax_fwd(logits, probs, rows, cols);
  for (let r = 0; r < rows; r++) {
    const xr = logits + <usize>r * cols * 4;
    const label = load<i32>(labels + (<usize>r << 2));
    const m = shift(rowMax(xr, cols));
    const s = sumExp(xr, cols, m);
    const ce = s == 0 ? Infinity : m + Math.log(s) - ld(xr, label);
    st(loss, r, weight(weights, r) * ce);
  }
}

export function f32_softmax_xent_bwd(probs: usize, labels: usize, weights: usize, dlogits: usize, rows: i32, cols: i32, scale: f32): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * cols * 4;
    const label = load<i32>(labels + (<usize>r << 2));
    const c: f32 = scale * (weights ? load<f32>(weights + (<usize>r << 2)) : <f32>1);
    for (let j = 0; j < cols; j++) {
      const p = load<f32>(probs + o + (<usize>j << 2));
      store<f32>(dlogits + o + (<usize>j << 2), c * (p - (j == label ? <f32>1 : <f32>0)));
    }
  }
}

export function f32_softmax_xent_onehot_fwd(logits: usize, targets: usize, weights: usize, probs: usize, loss: usize, rows: i32, cols: i32): void {
  f32_softmax_fwd(logits, probs, rows, cols);
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * cols * 4;
    const m = shift(rowMax(logits + o, cols));
    const s = sumExp(logits + o, cols, m);
    const lse = m + Math.log(s);
    let acc: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const t = ld(targets + o, j);
      if (t == 0) continue;
      const ls = s == 0 ? -Infinity : ld(logits + o, j) - lse;
      acc += t * ls;
    }
    st(loss, r, -weight(weights, r) * acc);
  }
}

export function f32_softmax_xent_onehot_bwd(probs: usize, targets: usize, weights: usize, dlogits: usize, rows: i32, cols: i32, scale: f32): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * cols * 4;
    let sumT: f64 = 0;
    for (let j = 0; j < cols; j++) sumT += ld(targets + o, j);
    const c = <f64>scale * weight(weights, r);
    for (let j = 0; j < cols; j++) st(dlogits + o, j, c * (ld(probs + o, j) * sumT - ld(targets + o, j)));
  }
}
