// Optimizer updates over a flat parameter slab, in place, and global-norm clipping.
// p (parameters), g (gradients) and every state array are (n). Threads split the elements in
// groups of 4; an element's update is the same f32 operations whatever the thread count (tails
// go through the same f32x4 arithmetic), and the same operations, in the same order, as the
// scalar twins in assembly/ref/optim.ts, so tests compare bitwise. No FMA: mul, then add.
// Formulas follow tfjs-core 4.22 (adam_optimizer.ts, rmsprop_optimizer.ts, adagrad_optimizer.ts)
// operation by operation, and Keras for SGD with momentum; hyper-parameters that tfjs computes
// in f64 (1 - beta, bias corrections) arrive precomputed from the host.
import { partStart } from '../core/partition';
import { loadPartial, storePartial } from '../core/simd';

// count == 4 is a whole group; the @inline callers pass a constant 4 in the body loop, so the
// branch folds away there.
// @ts-ignore: decorator
@inline
function ld(p: usize, count: i32): v128 { return count == 4 ? v128.load(p) : loadPartial(p, count); }

// @ts-ignore: decorator
@inline
function st(p: usize, v: v128, count: i32): void {
  if (count == 4) v128.store(p, v);
  else storePartial(p, v, count);
}

// ---- weight decay variants -------------------------------------------------------------------

// @ts-ignore: decorator
@final @unmanaged class NoDecay {
  // @ts-ignore: decorator
  @inline grad(g: v128, p: v128, wd: v128): v128 { return g; }
  // @ts-ignore: decorator
  @inline pre(p: v128, wd: v128, lr: v128): v128 { return p; }
}

// L2: the gradient becomes g + p * wd.
// @ts-ignore: decorator
@final @unmanaged class L2Decay {
  // @ts-ignore: decorator
  @inline grad(g: v128, p: v128, wd: v128): v128 { return f32x4.add(g, f32x4.mul(p, wd)); }
  // @ts-ignore: decorator
  @inline pre(p: v128, wd: v128, lr: v128): v128 { return p; }
}

// Decoupled (AdamW, as Keras): p = p - (p * wd) * lr before the update, from the old p.
// @ts-ignore: decorator
@final @unmanaged class DecoupledDecay {
  // @ts-ignore: decorator
  @inline grad(g: v128, p: v128, wd: v128): v128 { return g; }
  // @ts-ignore: decorator
  @inline pre(p: v128, wd: v128, lr: v128): v128 { return f32x4.sub(p, f32x4.mul(f32x4.mul(p, wd), lr)); }
}

// ---- SGD (Keras) -----------------------------------------------------------------------------

// p = p - g * lr
// @ts-ignore: decorator
@final @unmanaged class SgdPlain {
  // @ts-ignore: decorator
  @inline step(p: usize, v: usize, pv: v128, gv: v128, c: i32, lr: v128, mom: v128): void {
    st(p, f32x4.sub(pv, f32x4.mul(gv, lr)), c);
  }
}

// v = v * momentum - g * lr; p = p + v
// @ts-ignore: decorator
@final @unmanaged class SgdMomentum {
  // @ts-ignore: decorator
  @inline step(p: usize, v: usize, pv: v128, gv: v128, c: i32, lr: v128, mom: v128): void {
    const vv = f32x4.sub(f32x4.mul(ld(v, c), mom), f32x4.mul(gv, lr));
    st(v, vv, c);
    st(p, f32x4.add(pv, vv), c);
  }
}

// v = v * momentum - g * lr; p = p + (v * momentum - g * lr)
// @ts-ignore: decorator
@final @unmanaged class SgdNesterov {
  // @ts-ignore: decorator
  @inline step(p: usize, v: usize, pv: v128, gv: v128, c: i32, lr: v128, mom: v128): void {
    const gl = f32x4.mul(gv, lr);
    const vv = f32x4.sub(f32x4.mul(ld(v, c), mom), gl);
    st(v, vv, c);
    st(p, f32x4.add(pv, f32x4.sub(f32x4.mul(vv, mom), gl)), c);
  }
}

// @ts-ignore: decorator
@inline
function sgdAt<D, M>(p: usize, g: usize, v: usize, c: i32, lr: v128, mom: v128, wd: v128): void {
  const d = changetype<D>(0);
  const pv = ld(p, c);
  const gv = d.grad(ld(g, c), pv, wd);
  changetype<M>(0).step(p, v, d.pre(pv, wd, lr), gv, c, lr, mom);
}

// @ts-ignore: decorator
@inline
function sgdLoop<D, M>(p: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, wd: f32, ith: i32, nth: i32): void {
  const i1 = partStart(n, 4, ith + 1, nth);
  let i = partStart(n, 4, ith, nth);
  const vlr = f32x4.splat(lr), vmom = f32x4.splat(momentum), vwd = f32x4.splat(wd);
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    sgdAt<D, M>(p + o, g + o, v + o, 4, vlr, vmom, vwd);
  }
  if (i < i1) {
    const o = <usize>i << 2;
    sgdAt<D, M>(p + o, g + o, v + o, i1 - i, vlr, vmom, vwd);
  }
}

// @ts-ignore: decorator
@inline
function sgdDecay<D>(p: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, nesterov: i32, wd: f32, ith: i32, nth: i32): void {
  if (momentum == 0) sgdLoop<D, SgdPlain>(p, g, v, n, lr, momentum, wd, ith, nth);
  else if (nesterov) sgdLoop<D, SgdNesterov>(p, g, v, n, lr, momentum, wd, ith, nth);
  else sgdLoop<D, SgdMomentum>(p, g, v, n, lr, momentum, wd, ith, nth);
}

// Keras SGD. momentum 0: p = p - g * lr (v is not touched and may be 0). Otherwise
// v = v * momentum - g * lr, then p = p + v, or with nesterov != 0 p = p + (v * momentum - g * lr).
// weightDecay != 0: decoupled != 0 is Keras' weight decay, p = p - (p * weightDecay) * lr first,
// then the update of the decayed p; else L2: g is replaced by g + p * weightDecay (p before the update).
export function f32_sgd_update(p: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, nesterov: i32, weightDecay: f32, decoupled: i32, ith: i32, nth: i32): void {
  if (weightDecay == 0) sgdDecay<NoDecay>(p, g, v, n, lr, momentum, nesterov, weightDecay, ith, nth);
  else if (decoupled) sgdDecay<DecoupledDecay>(p, g, v, n, lr, momentum, nesterov, weightDecay, ith, nth);
  else sgdDecay<L2Decay>(p, g, v, n, lr, momentum, nesterov, weightDecay, ith, nth);
}

// ---- Adam / AdamW (tfjs-core AdamOptimizer) --------------------------------------------------

// @ts-ignore: decorator
@inline
function adamAt<D>(p: usize, g: usize, m: usize, v: usize, c: i32, lr: v128, b1: v128, omb1: v128, b2: v128, omb2: v128,
  eps: v128, bc1: v128, bc2: v128, wd: v128): void {
  const d = changetype<D>(0);
  const pv = ld(p, c);
  const gv = d.grad(ld(g, c), pv, wd);
  const mv = f32x4.add(f32x4.mul(ld(m, c), b1), f32x4.mul(gv, omb1));
  const vv = f32x4.add(f32x4.mul(ld(v, c), b2), f32x4.mul(f32x4.mul(gv, gv), omb2));
  st(m, mv, c);
  st(v, vv, c);
  const q = f32x4.div(f32x4.div(mv, bc1), f32x4.add(f32x4.sqrt(f32x4.div(vv, bc2)), eps));
  st(p, f32x4.sub(d.pre(pv, wd, lr), f32x4.mul(q, lr)), c);
}

// @ts-ignore: decorator
@inline
function adamLoop<D>(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  eps: f32, bc1: f32, bc2: f32, wd: f32, ith: i32, nth: i32): void {
  const i1 = partStart(n, 4, ith + 1, nth);
  let i = partStart(n, 4, ith, nth);
  const vlr = f32x4.splat(lr), vb1 = f32x4.splat(beta1), vomb1 = f32x4.splat(oneMinusBeta1);
  const vb2 = f32x4.splat(beta2), vomb2 = f32x4.splat(oneMinusBeta2), veps = f32x4.splat(eps);
  const vbc1 = f32x4.splat(bc1), vbc2 = f32x4.splat(bc2), vwd = f32x4.splat(wd);
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    adamAt<D>(p + o, g + o, m + o, v + o, 4, vlr, vb1, vomb1, vb2, vomb2, veps, vbc1, vbc2, vwd);
  }
  if (i < i1) {
    const o = <usize>i << 2;
    adamAt<D>(p + o, g + o, m + o, v + o, i1 - i, vlr, vb1, vomb1, vb2, vomb2, veps, vbc1, vbc2, vwd);
  }
}

// tfjs-core Adam, operation for operation:
//   m = m * beta1 + g * oneMinusBeta1;  v = v * beta2 + (g * g) * oneMinusBeta2
//   p = p - ((m / bc1) / (sqrt(v / bc2) + eps)) * lr
// The host passes oneMinusBeta = 1 - beta and the bias corrections bc1 = 1 - beta1^step,
// bc2 = 1 - beta2^step (step 1-based), each computed once per step and rounded to f32.
// Note eps is added to the bias-corrected sqrt(v / bc2), as tfjs does (not lr_t-style Keras).
// weightDecay != 0: decoupled != 0 is AdamW, p = p - (p * weightDecay) * lr first (Keras); else
// L2, g is replaced by g + p * weightDecay.
export function f32_adam_update(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  eps: f32, bc1: f32, bc2: f32, weightDecay: f32, decoupled: i32, ith: i32, nth: i32): void {
  if (weightDecay == 0) adamLoop<NoDecay>(p, g, m, v, n, lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, bc1, bc2, weightDecay, ith, nth);
  else if (decoupled) adamLoop<DecoupledDecay>(p, g, m, v, n, lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, bc1, bc2, weightDecay, ith, nth);
  else adamLoop<L2Decay>(p, g, m, v, n, lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, bc1, bc2, weightDecay, ith, nth);
}

// ---- RMSprop (tfjs-core RMSPropOptimizer; centered as TensorFlow) -----------------------------

// ms = ms * rho + (g * g) * oneMinusRho; returns sqrt(ms + eps)
// @ts-ignore: decorator
@final @unmanaged class RmsPlain {
  // @ts-ignore: decorator
  @inline denom(ms: usize, mg: usize, gv: v128, c: i32, rho: v128, omr: v128, eps: v128): v128 {
    const msv = f32x4.add(f32x4.mul(ld(ms, c), rho), f32x4.mul(f32x4.mul(gv, gv), omr));
    st(ms, msv, c);
    return f32x4.sqrt(f32x4.add(msv, eps));
  }
}

// also mg = mg * rho + g * oneMinusRho; returns sqrt((ms - mg * mg) + eps)
// @ts-ignore: decorator
@final @unmanaged class RmsCentered {
  // @ts-ignore: decorator
  @inline denom(ms: usize, mg: usize, gv: v128, c: i32, rho: v128, omr: v128, eps: v128): v128 {
    const msv = f32x4.add(f32x4.mul(ld(ms, c), rho), f32x4.mul(f32x4.mul(gv, gv), omr));
    const mgv = f32x4.add(f32x4.mul(ld(mg, c), rho), f32x4.mul(gv, omr));
    st(ms, msv, c);
    st(mg, mgv, c);
    return f32x4.sqrt(f32x4.add(f32x4.sub(msv, f32x4.mul(mgv, mgv)), eps));
  }
}

// p = p - inc
// @ts-ignore: decorator
@final @unmanaged class RmsNoMomentum {
  // @ts-ignore: decorator
  @inline apply(p: usize, mom: usize, pv: v128, inc: v128, c: i32, momentum: v128): void {
    st(p, f32x4.sub(pv, inc), c);
  }
}

// mom = mom * momentum + inc; p = p - mom
// @ts-ignore: decorator
@final @unmanaged class RmsMomentum {
  // @ts-ignore: decorator
  @inline apply(p: usize, mom: usize, pv: v128, inc: v128, c: i32, momentum: v128): void {
    const mv = f32x4.add(f32x4.mul(ld(mom, c), momentum), inc);
    st(mom, mv, c);
    st(p, f32x4.sub(pv, mv), c);
  }
}

// @ts-ignore: decorator
@inline
function rmsAt<C, M>(p: usize, g: usize, ms: usize, mom: usize, mg: usize, c: i32, lr: v128, rho: v128, omr: v128, eps: v128, momentum: v128): void {
  const gv = ld(g, c);
  const den = changetype<C>(0).denom(ms, mg, gv, c, rho, omr, eps);
  const inc = f32x4.div(f32x4.mul(gv, lr), den);
  changetype<M>(0).apply(p, mom, ld(p, c), inc, c, momentum);
}

// @ts-ignore: decorator
@inline
function rmsLoop<C, M>(p: usize, g: usize, ms: usize, mom: usize, mg: usize, n: i32, lr: f32, rho: f32, oneMinusRho: f32, eps: f32, momentum: f32, ith: i32, nth: i32): void {
  const i1 = partStart(n, 4, ith + 1, nth);
  let i = partStart(n, 4, ith, nth);
  const vlr = f32x4.splat(lr), vrho = f32x4.splat(rho), vomr = f32x4.splat(oneMinusRho);
  const veps = f32x4.splat(eps), vmom = f32x4.splat(momentum);
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    rmsAt<C, M>(p + o, g + o, ms + o, mom + o, mg + o, 4, vlr, vrho, vomr, veps, vmom);
  }
  if (i < i1) {
    const o = <usize>i << 2;
    rmsAt<C, M>(p + o, g + o, ms + o, mom + o, mg + o, i1 - i, vlr, vrho, vomr, veps, vmom);
  }
}

// RMSprop: ms = ms * rho + (g * g) * oneMinusRho (oneMinusRho = 1 - rho from the host);
//   plain:    inc = (g * lr) / sqrt(ms + eps)
//   centered: mg = mg * rho + g * oneMinusRho; inc = (g * lr) / sqrt((ms - mg * mg) + eps)
//   momentum != 0: mom = mom * momentum + inc; p = p - mom.  momentum 0: p = p - inc.
// tfjs-core always keeps mom (mom * 0 + inc is inc: same p); here mom is untouched and may be 0
// when momentum is 0, and mg when centered is 0. Centered follows TensorFlow's and Keras'
// sqrt(ms - mg^2 + eps): tfjs-core 4.22 computes sqrt(ms - (mg^2 + eps)), which is NaN whenever
// the variance estimate is below eps (e.g. every |g| < 1e-3 on the first step).
export function f32_rmsprop_update(p: usize, g: usize, ms: usize, mom: usize, n: i32, lr: f32, rho: f32, oneMinusRho: f32, eps: f32, momentum: f32,
  centered: i32, mg: usize, ith: i32, nth: i32): void {
  if (centered) {
    if (momentum != 0) rmsLoop<RmsCentered, RmsMomentum>(p, g, ms, mom, mg, n, lr, rho, oneMinusRho, eps, momentum, ith, nth);
    else rmsLoop<RmsCentered, RmsNoMomentum>(p, g, ms, mom, mg, n, lr, rho, oneMinusRho, eps, momentum, ith, nth);
  } else {
    if (momentum != 0) rmsLoop<RmsPlain, RmsMomentum>(p, g, ms, mom, mg, n, lr, rho, oneMinusRho, eps, momentum, ith, nth);
    else rmsLoop<RmsPlain, RmsNoMomentum>(p, g, ms, mom, mg, n, lr, rho, oneMinusRho, eps, momentum, ith, nth);
  }
}

// ---- Adagrad (tfjs-core AdagradOptimizer) ----------------------------------------------------

// @ts-ignore: decorator
@inline
function adagradAt(p: usize, g: usize, acc: usize, c: i32, lr: v128, eps: v128): void {
  const gv = ld(g, c);
  const av = f32x4.add(ld(acc, c), f32x4.mul(gv, gv));
  st(acc, av, c);
  st(p, f32x4.sub(ld(p, c), f32x4.mul(f32x4.div(gv, f32x4.sqrt(f32x4.add(av, eps))), lr)), c);
}

// acc = acc + g * g; p = p - (g / sqrt(acc + eps)) * lr. The accumulator's initial value
// (tfjs: 0.1) is the host's business.
export function f32_adagrad_update(p: usize, g: usize, acc: usize, n: i32, lr: f32, eps: f32, ith: i32, nth: i32): void {
  const i1 = partStart(n, 4, ith + 1, nth);
  let i = partStart(n, 4, ith, nth);
  const vlr = f32x4.splat(lr), veps = f32x4.splat(eps);
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    adagradAt(p + o, g + o, acc + o, 4, vlr, veps);
  }
  if (i < i1) {
    const o = <usize>i << 2;
    adagradAt(p + o, g + o, acc + o, i1 - i, vlr, veps);
  }
}

// ---- global-norm clipping --------------------------------------------------------------------

// Sum of squares of the n floats at p in f64: two f64x2 accumulators (lanes 0-1 and 2-3 of each
// f32x4), the tail through loadPartial, lanes added as (lo0 + lo1) + (hi0 + hi1). Shared by the
// dense and the row partials, so both give the same bits for the same values.
// @ts-ignore: decorator
@inline
function sumSquaresF64(p: usize, n: i32): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    const a = f64x2.promote_low_f32x4(v);
    const b = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
    lo = f64x2.add(lo, f64x2.mul(a, a));
    hi = f64x2.add(hi, f64x2.mul(b, b));
  }
  if (i < n) {
    const v = loadPartial(p + (<usize>i << 2), n - i);
    const a = f64x2.promote_low_f32x4(v);
    const b = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
    lo = f64x2.add(lo, f64x2.mul(a, a));
    hi = f64x2.add(hi, f64x2.mul(b, b));
  }
  return (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1)) + (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1));
}

// Sum of squares of each chunk of 4096 elements: x is (n), partials is (ceil(n / 4096)).
// The chunking does not depend on nth; threads take whole chunks. Within a chunk the squares
// are summed in f64 (exact squares of f32 values, two f64x2 accumulators, lanes added as
// (a0 + a1) + (b0 + b1)), then rounded to f32 once: relative error about 6e-8 per partial.
// The host adds the partials of every tensor in order in f64.
export function f32_sumsq_partial(x: usize, n: i32, partials: usize, ith: i32, nth: i32): void {
  const chunks = (n + 4095) >> 12;
  const k1 = partStart(chunks, 1, ith + 1, nth);
  for (let k = partStart(chunks, 1, ith, nth); k < k1; k++) {
    const start = k << 12;
    const end = min(n, start + 4096);
    store<f32>(partials + (<usize>k << 2), <f32>sumSquaresF64(x + (<usize>start << 2), end - start));
  }
}

// x = x * s, in place; x is (n).
export function f32_scale_fwd(x: usize, n: i32, s: f32, ith: i32, nth: i32): void {
  const i1 = partStart(n, 4, ith + 1, nth);
  let i = partStart(n, 4, ith, nth);
  const vs = f32x4.splat(s);
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.mul(v128.load(x + o), vs));
  }
  if (i < i1) {
    const o = <usize>i << 2;
    storePartial(x + o, f32x4.mul(loadPartial(x + o, i1 - i), vs), i1 - i);
  }
}

// ---- row-sparse updates ----------------------------------------------------------------------
// The same updates restricted to some rows of a (vocab, dim) table: p, g and the state arrays
// are whole tables (row r at byte offset r * dim * 4); rows i32 (nRows) lists distinct rows.
// Each listed row gets exactly the dense update of its dim elements (same f32 operations, so
// bitwise what the slab-wide kernel gives those elements); other rows are not touched. Where
// a zero gradient leaves p and the state unchanged (plain SGD without weight decay, Adagrad)
// this is the dense update; elsewhere it is the "lazy" update (state of unlisted rows does not
// decay). Threads split the rows.

// @ts-ignore: decorator
@inline
function rowOffset(rows: usize, u: i32, dim: i32): usize { return (<usize>load<i32>(rows + (<usize>u << 2)) * <usize>dim) << 2; }

export function f32_sgd_rows_update(p: usize, g: usize, v: usize, rows: usize, nRows: i32, dim: i32, lr: f32, momentum: f32, nesterov: i32, weightDecay: f32, decoupled: i32, ith: i32, nth: i32): void {
  const u1 = partStart(nRows, 1, ith + 1, nth);
  for (let u = partStart(nRows, 1, ith, nth); u < u1; u++) {
    const o = rowOffset(rows, u, dim);
    f32_sgd_update(p + o, g + o, v + o, dim, lr, momentum, nesterov, weightDecay, decoupled, 0, 1);
  }
}

export function f32_adam_rows_update(p: usize, g: usize, m: usize, v: usize, rows: usize, nRows: i32, dim: i32, lr: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  eps: f32, bc1: f32, bc2: f32, weightDecay: f32, decoupled: i32, ith: i32, nth: i32): void {
  const u1 = partStart(nRows, 1, ith + 1, nth);
  for (let u = partStart(nRows, 1, ith, nth); u < u1; u++) {
    const o = rowOffset(rows, u, dim);
    f32_adam_update(p + o, g + o, m + o, v + o, dim, lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, bc1, bc2, weightDecay, decoupled, 0, 1);
  }
}

export function f32_rmsprop_rows_update(p: usize, g: usize, ms: usize, mom: usize, rows: usize, nRows: i32, dim: i32, lr: f32, rho: f32, oneMinusRho: f32, eps: f32, momentum: f32,
  centered: i32, mg: usize, ith: i32, nth: i32): void {
  const u1 = partStart(nRows, 1, ith + 1, nth);
  for (let u = partStart(nRows, 1, ith, nth); u < u1; u++) {
    const o = rowOffset(rows, u, dim);
    f32_rmsprop_update(p + o, g + o, ms + o, mom + o, dim, lr, rho, oneMinusRho, eps, momentum, centered, mg + o, 0, 1);
  }
}

export function f32_adagrad_rows_update(p: usize, g: usize, acc: usize, rows: usize, nRows: i32, dim: i32, lr: f32, eps: f32, ith: i32, nth: i32): void {
  const u1 = partStart(nRows, 1, ith + 1, nth);
  for (let u = partStart(nRows, 1, ith, nth); u < u1; u++) {
    const o = rowOffset(rows, u, dim);
    f32_adagrad_update(p + o, g + o, acc + o, dim, lr, eps, 0, 1);
  }
}

// Sum of squares of each listed row of x (vocab, dim): partials (nRows), partials[u] the sum
// over row rows[u], in f64 as f32_sumsq_partial (two f64x2 accumulators), rounded to f32 once.
// The host adds the partials in order in f64. Rows of more than 4096 elements are summed whole.
export function f32_sumsq_rows_partial(x: usize, rows: usize, nRows: i32, dim: i32, partials: usize, ith: i32, nth: i32): void {
  const u1 = partStart(nRows, 1, ith + 1, nth);
  for (let u = partStart(nRows, 1, ith, nth); u < u1; u++) {
    store<f32>(partials + (<usize>u << 2), <f32>sumSquaresF64(x + rowOffset(rows, u, dim), dim));
  }
}

// x[rows[u]] *= s for every listed row, in place; x is (vocab, dim).
export function f32_scale_rows_fwd(x: usize, rows: usize, nRows: i32, dim: i32, s: f32, ith: i32, nth: i32): void {
  const u1 = partStart(nRows, 1, ith + 1, nth);
  for (let u = partStart(nRows, 1, ith, nth); u < u1; u++) f32_scale_fwd(x + rowOffset(rows, u, dim), dim, s, 0, 1);
}

// x[rows[u]] = value for the listed rows u < nRows of dim values each: the rows a row-sparse
// gradient left non-zero, zeroed before the next step writes its own (src/autograd.ts), one call
// instead of a JS fill per row.
export function f32_fill_rows_fwd(x: usize, rows: usize, nRows: i32, dim: i32, value: f32, ith: i32, nth: i32): void {
  const u1 = partStart(nRows, 1, ith + 1, nth);
  const v = f32x4.splat(value);
  for (let u = partStart(nRows, 1, ith, nth); u < u1; u++) {
    const r = x + rowOffset(rows, u, dim);
    let i = 0;
    for (; i + 4 <= dim; i += 4) v128.store(r + (<usize>i << 2), v);
    for (; i < dim; i++) store<f32>(r + (<usize>i << 2), value);
  }
}

// ---- weight regularization (Keras' L1L2) -----------------------------------------------------
// A weight w (n) with the penalty l1 * sum(|w|) + l2 * sum(w^2): its gradient g (n) gets
// g + (l1 * sign(w) + l2x2 * w) (l2x2 = 2 * l2, exact in f32; sign(0) = 0, as tf.sign), unless g
// is 0 (the penalty alone: evaluate). partials (2 * ceil(n / 4096)) gets, per chunk of 4096
// elements, sum(|w|) then sum(w^2), each summed in f64 as f32_sumsq_partial and rounded to f32
// once; the host forms l1 * sum + l2 * sum from them in order in f64. Threads take whole chunks,
// so the gradient (elementwise) and the partials are the same at any thread count.
export function f32_regularize_bwd(w: usize, g: usize, n: i32, l1: f32, l2x2: f32, partials: usize, ith: i32, nth: i32): void {
  const chunks = (n + 4095) >> 12;
  const k1 = partStart(chunks, 1, ith + 1, nth);
  const vl1 = f32x4.splat(l1), vl2 = f32x4.splat(l2x2), one = f32x4.splat(1), zero = f32x4.splat(0);
  for (let k = partStart(chunks, 1, ith, nth); k < k1; k++) {
    const start = k << 12;
    const end = min(n, start + 4096);
    let absLo = f64x2.splat(0), absHi = f64x2.splat(0);
    for (let i = start; i < end; i += 4) {
      const count = min(4, end - i);
      const o = <usize>i << 2;
      const v = ld(w + o, count);
      const a = f64x2.promote_low_f32x4(v);
      const b = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
      absLo = f64x2.add(absLo, f64x2.abs(a));
      absHi = f64x2.add(absHi, f64x2.abs(b));
      if (g != 0) {
        const sign = f32x4.sub(v128.and(f32x4.gt(v, zero), one), v128.and(f32x4.lt(v, zero), one));
        st(g + o, f32x4.add(ld(g + o, count), f32x4.add(f32x4.mul(vl1, sign), f32x4.mul(vl2, v))), count);
      }
    }
    const p = partials + (<usize>k << 3);
    store<f32>(p, <f32>((f64x2.extract_lane(absLo, 0) + f64x2.extract_lane(absLo, 1)) + (f64x2.extract_lane(absHi, 0) + f64x2.extract_lane(absHi, 1))));
    store<f32>(p + 4, <f32>sumSquaresF64(w + (<usize>start << 2), end - start));
  }
}
