// Softmax, log-softmax and fused softmax-cross-entropy over the rows of a (rows, cols) tensor.
// Threads split the rows; each row is computed by one thread with one fixed sequence of f32x4
// operations (row max, then e = exp(x - max) summed lane by lane and folded by hsum), so the
// results are bitwise identical at any thread count. Tails load with padding that contributes
// nothing (-inf to the max and to exp, 0 to sums) and go through the same arithmetic.
//
// Numerics: every row is shifted by its max m before exp, so logits of any finite magnitude
// (1e4, 1e30) give exact 0/1 limits instead of overflow; sum >= 1 whenever m is finite.
// exp and log are vexp / vlog of core/mathf.ts (2 ulp each); x - m rounds once in f32, so the
// error grows with |x - m|. Measured against the f64 twins for x in [-10, 10], up to 4099 cols:
// softmax max rel err 2.2e-6, log-softmax (and the losses) max abs err 1.9e-6.
// Special rows (the host does not filter them, the layers report NaN):
//   -inf entries         probability 0, log-probability -inf, gradient 0 there
//   every entry -inf     softmax gives all 0 (no mass anywhere), log-softmax all -inf, the
//                        integer-label loss +inf (the label has probability 0), dlogits finite
//   NaN or +inf entry    the row's outputs and its loss are NaN
import { partStart } from '../core/partition';
import { loadPartial, storePartial, hsum, hmax } from '../core/simd';
import { vexp, vlog } from '../core/mathf';

// Lanes [0, count) from p (count in 1..3), the others `fill`.
// @ts-ignore: decorator
@inline
function loadFill(p: usize, count: i32, fill: f32): v128 {
  let v = f32x4.splat(fill);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// @ts-ignore: decorator
@inline
function scalarLog(x: f32): f32 { return f32x4.extract_lane(vlog(f32x4.splat(x)), 0); }

// Max of one row of n values (-inf for n = 0; NaN if any entry is NaN).
// @ts-ignore: decorator
@inline
function rowMax(x: usize, n: i32): f32 {
  let vm = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= n; j += 4) vm = f32x4.max(vm, v128.load(x + (<usize>j << 2)));
  if (j < n) vm = f32x4.max(vm, loadFill(x + (<usize>j << 2), n - j, -Infinity));
  return hmax(vm);
}

// The shift a row uses: its max, or 0 for a row of all -inf (then every exp is 0 and sum is 0).
// @ts-ignore: decorator
@inline
function shiftOf(m: f32): f32 { return m == -Infinity ? 0 : m; }

// @ts-ignore: decorator
@inline
function fillRow(y: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(y + (<usize>j << 2), v);
  if (j < n) storePartial(y + (<usize>j << 2), v, n - j);
}

// sum of exp(x - m) over a row; stores the exps to e unless e is 0.
// @ts-ignore: decorator
@inline
function expSum(x: usize, e: usize, n: i32, m: f32): f32 {
  const vm = f32x4.splat(m);
  let vs = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const ev = vexp(f32x4.sub(v128.load(x + o), vm));
    if (e) v128.store(e + o, ev);
    vs = f32x4.add(vs, ev);
  }
  if (j < n) {
    const o = <usize>j << 2;
    const ev = vexp(f32x4.sub(loadFill(x + o, n - j, -Infinity), vm));
    if (e) storePartial(e + o, ev, n - j);
    vs = f32x4.add(vs, ev);
  }
  return hsum(vs);
}

// y = y / sum over a row; a row whose sum is 0 (all -inf) becomes all 0.
// @ts-ignore: decorator
@inline
function normalise(y: usize, n: i32, sum: f32): void {
  if (sum == 0) { fillRow(y, n, 0); return; }
  const vs = f32x4.splat(sum);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(y + o, f32x4.div(v128.load(y + o), vs));
  }
  if (j < n) {
    const o = <usize>j << 2;
    storePartial(y + o, f32x4.div(loadPartial(y + o, n - j), vs), n - j);
  }
}

// softmax of one row into y; returns the sum of exps (0 for an all -inf row).
// @ts-ignore: decorator
@inline
function softmaxRow(x: usize, y: usize, n: i32, m: f32): f32 {
  const sum = expSum(x, y, n, m);
  normalise(y, n, sum);
  return sum;
}

// x is (rows, cols), y is (rows, cols): y = exp(x - max) / sum exp(x - max), row by row.
// y may be x (in place).
export function f32_softmax_fwd(x: usize, y: usize, rows: i32, cols: i32, ith: i32, nth: i32): void {
  const r1 = partStart(rows, 1, ith + 1, nth);
  const rowBytes = <usize>cols << 2;
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const o = <usize>r * rowBytes;
    softmaxRow(x + o, y + o, cols, shiftOf(rowMax(x + o, cols)));
  }
}

// y, dy, dx are (rows, cols), y the forward output: dx = y * (dy - sum(dy * y)), row by row.
// dx may be y or dy.
export function f32_softmax_bwd(y: usize, dy: usize, dx: usize, rows: i32, cols: i32, ith: i32, nth: i32): void {
  const r1 = partStart(rows, 1, ith + 1, nth);
  const rowBytes = <usize>cols << 2;
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const ro = <usize>r * rowBytes;
    const yr = y + ro, dyr = dy + ro, dxr = dx + ro;
    let vs = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      vs = f32x4.add(vs, f32x4.mul(v128.load(dyr + o), v128.load(yr + o)));
    }
    if (j < cols) {
      const o = <usize>j << 2;
      vs = f32x4.add(vs, f32x4.mul(loadPartial(dyr + o, cols - j), loadPartial(yr + o, cols - j)));
    }
    const s = f32x4.splat(hsum(vs));
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(dxr + o, f32x4.mul(v128.load(yr + o), f32x4.sub(v128.load(dyr + o), s)));
    }
    if (j < cols) {
      const o = <usize>j << 2;
      const c = cols - j;
      storePartial(dxr + o, f32x4.mul(loadPartial(yr + o, c), f32x4.sub(loadPartial(dyr + o, c), s)), c);
    }
  }
}

// x is (rows, cols), y is (rows, cols): y = (x - max) - log(sum exp(x - max)), row by row.
// A row of all -inf gives all -inf. y may be x (in place).
export function f32_log_softmax_fwd(x: usize, y: usize, rows: i32, cols: i32, ith: i32, nth: i32): void {
  const r1 = partStart(rows, 1, ith + 1, nth);
  const rowBytes = <usize>cols << 2;
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const ro = <usize>r * rowBytes;
    const xr = x + ro, yr = y + ro;
    const m = shiftOf(rowMax(xr, cols));
    const sum = expSum(xr, 0, cols, m);
    if (sum == 0) { fillRow(yr, cols, -Infinity); continue; }
    const vm = f32x4.splat(m);
    const vl = f32x4.splat(scalarLog(sum));
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(yr + o, f32x4.sub(f32x4.sub(v128.load(xr + o), vm), vl));
    }
    if (j < cols) {
      const o = <usize>j << 2;
      const c = cols - j;
      storePartial(yr + o, f32x4.sub(f32x4.sub(loadPartial(xr + o, c), vm), vl), c);
    }
  }
}

// y, dy, dx are (rows, cols), y the forward output: dx = dy - exp(y) * sum(dy), row by row.
// dx may be y or dy.
export function f32_log_softmax_bwd(y: usize, dy: usize, dx: usize, rows: i32, cols: i32, ith: i32, nth: i32): void {
  const r1 = partStart(rows, 1, ith + 1, nth);
  const rowBytes = <usize>cols << 2;
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const ro = <usize>r * rowBytes;
    const yr = y + ro, dyr = dy + ro, dxr = dx + ro;
    let vs = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) vs = f32x4.add(vs, v128.load(dyr + (<usize>j << 2)));
    if (j < cols) vs = f32x4.add(vs, loadPartial(dyr + (<usize>j << 2), cols - j));
    const s = f32x4.splat(hsum(vs));
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(dxr + o, f32x4.sub(v128.load(dyr + o), f32x4.mul(vexp(v128.load(yr + o)), s)));
    }
    if (j < cols) {
      const o = <usize>j << 2;
      const c = cols - j;
      storePartial(dxr + o, f32x4.sub(loadPartial(dyr + o, c), f32x4.mul(vexp(loadPartial(yr + o, c)), s)), c);
    }
  }
}

// @ts-ignore: decorator
@inline
function weightOf(weights: usize, r: i32): f32 { return weights ? load<f32>(weights + (<usize>r << 2)) : 1; }

// Integer labels. logits, probs are (rows, cols); labels i32 (rows), each in [0, cols) (checked
// by the host); weights (rows) per-sample weights, or 0 for all 1; loss is (rows).
//   probs = softmax(logits)                 (the same bits as f32_softmax_fwd)
//   loss  = weight * ((max - logit[label]) + log(sum exp(logits - max)))
// i.e. weight * (logsumexp - logit[label]) with both terms >= 0, so no cancellation. A label
// whose logit is -inf has loss +inf, an all -inf row included. probs must not alias logits.
export function f32_softmax_xent_fwd(logits: usize, labels: usize, weights: usize, probs: usize, loss: usize, rows: i32, cols: i32, ith: i32, nth: i32): void {
  const r1 = partStart(rows, 1, ith + 1, nth);
  const rowBytes = <usize>cols << 2;
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const ro = <usize>r * rowBytes;
    const xr = logits + ro;
    const xl = load<f32>(xr + (<usize>load<i32>(labels + (<usize>r << 2)) << 2));
    const m = shiftOf(rowMax(xr, cols));
    const sum = softmaxRow(xr, probs + ro, cols, m);
    const ce: f32 = sum == 0 ? Infinity : (m - xl) + scalarLog(sum);
    store<f32>(loss + (<usize>r << 2), weightOf(weights, r) * ce);
  }
}

// probs (rows, cols) from the forward, labels i32 (rows), weights (rows) or 0, dlogits (rows, cols):
//   dlogits = (scale * weight) * (probs - onehot(label))
// scale is e.g. 1 / rows for a mean loss. dlogits may be probs (in place).
export function f32_softmax_xent_bwd(probs: usize, labels: usize, weights: usize, dlogits: usize, rows: i32, cols: i32, scale: f32, ith: i32, nth: i32): void {
  const r1 = partStart(rows, 1, ith + 1, nth);
  const rowBytes = <usize>cols << 2;
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const ro = <usize>r * rowBytes;
    const pr = probs + ro, dr = dlogits + ro;
    const lo = <usize>load<i32>(labels + (<usize>r << 2)) << 2;
    const pl = load<f32>(pr + lo);
    const c = scale * weightOf(weights, r);
    const vc = f32x4.splat(c);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(dr + o, f32x4.mul(vc, v128.load(pr + o)));
    }
    if (j < cols) {
      const o = <usize>j << 2;
      storePartial(dr + o, f32x4.mul(vc, loadPartial(pr + o, cols - j)), cols - j);
    }
    // p - 0 is p exactly, so only the label's element differs from c * p
    store<f32>(dr + lo, c * (pl - 1));
  }
}

// Soft or one-hot targets. logits, targets, probs are (rows, cols); weights (rows) or 0; loss (rows).
//   probs = softmax(logits)                 (the same bits as f32_softmax_fwd)
//   loss  = -weight * sum_j t_j * log_softmax_j, log_softmax_j = (x_j - max) - log(sum exp)
// Terms with t_j = 0 count 0 even where log_softmax_j is -inf; t_j > 0 on a -inf logit gives +inf.
// probs must not alias logits.
export function f32_softmax_xent_onehot_fwd(logits: usize, targets: usize, weights: usize, probs: usize, loss: usize, rows: i32, cols: i32, ith: i32, nth: i32): void {
  const r1 = partStart(rows, 1, ith + 1, nth);
  const rowBytes = <usize>cols << 2;
  const zero = f32x4.splat(0);
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const ro = <usize>r * rowBytes;
    const xr = logits + ro, tr = targets + ro;
    const m = shiftOf(rowMax(xr, cols));
    const sum = softmaxRow(xr, probs + ro, cols, m);
    const vm = f32x4.splat(m);
    const vl = f32x4.splat(scalarLog(sum));
    // an all -inf row: every log-probability is -inf (not (-inf - 0) - -inf = NaN)
    const allInf = sum == 0 ? i32x4.splat(-1) : i32x4.splat(0);
    const negInf = f32x4.splat(-Infinity);
    let acc = zero;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      const t = v128.load(tr + o);
      const ls = v128.bitselect(negInf, f32x4.sub(f32x4.sub(v128.load(xr + o), vm), vl), allInf);
      acc = f32x4.add(acc, v128.and(f32x4.mul(t, ls), f32x4.ne(t, zero)));
    }
    if (j < cols) {
      const o = <usize>j << 2;
      const c = cols - j;
      const t = loadPartial(tr + o, c);
      const ls = v128.bitselect(negInf, f32x4.sub(f32x4.sub(loadPartial(xr + o, c), vm), vl), allInf);
      acc = f32x4.add(acc, v128.and(f32x4.mul(t, ls), f32x4.ne(t, zero)));
    }
    store<f32>(loss + (<usize>r << 2), weightOf(weights, r) * -hsum(acc));
  }
}

// probs, targets, dlogits are (rows, cols); weights (rows) or 0:
//   dlogits = (scale * weight) * (probs * sum_j t_j - targets)
// (probs - targets when each target row sums to 1). dlogits may be probs or targets (in place).
export function f32_softmax_xent_onehot_bwd(probs: usize, targets: usize, weights: usize, dlogits: usize, rows: i32, cols: i32, scale: f32, ith: i32, nth: i32): void {
  const r1 = partStart(rows, 1, ith + 1, nth);
  const rowBytes = <usize>cols << 2;
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const ro = <usize>r * rowBytes;
    const pr = probs + ro, tr = targets + ro, dr = dlogits + ro;
    let vs = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) vs = f32x4.add(vs, v128.load(tr + (<usize>j << 2)));
    if (j < cols) vs = f32x4.add(vs, loadPartial(tr + (<usize>j << 2), cols - j));
    const st = f32x4.splat(hsum(vs));
    const vc = f32x4.splat(scale * weightOf(weights, r));
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(dr + o, f32x4.mul(vc, f32x4.sub(f32x4.mul(v128.load(pr + o), st), v128.load(tr + o))));
    }
    if (j < cols) {
      const o = <usize>j << 2;
      const c = cols - j;
      storePartial(dr + o, f32x4.mul(vc, f32x4.sub(f32x4.mul(loadPartial(pr + o, c), st), loadPartial(tr + o, c))), c);
    }
  }
}
