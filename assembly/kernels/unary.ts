// Elementwise unary activations, forward and backward, over flat f32 arrays.
//   fwd: y = f(x)                 x, y are (n)
//   bwd: dx = dy * f'(x)          x, y, dy, dx are (n); y is the forward output
// Each op is a zero-size class whose inlined methods the generic drivers below specialise on,
// so one loop serves every op and every element goes through the same f32x4 arithmetic
// (tails included: see loadPartial). Threads split the elements in groups of 4.
import { partStart } from '../core/partition';
import { loadPartial, storePartial } from '../core/simd';
import { vexp, vlog, vsigmoid, vtanh, vnormcdf } from '../core/mathf';
import { HardSigmoidAct } from '../core/rnn';


// @ts-ignore: decorator
@final @unmanaged class Relu {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 { return f32x4.max(x, f32x4.splat(0)); }
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 { return v128.and(dy, f32x4.gt(x, f32x4.splat(0))); }
}

// @ts-ignore: decorator
@final @unmanaged class Sigmoid {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 { return vsigmoid(x); }
  // dx = dy * y * (1 - y)
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 { return f32x4.mul(dy, f32x4.mul(y, f32x4.sub(f32x4.splat(1), y))); }
}

// @ts-ignore: decorator
@final @unmanaged class Tanh {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 { return vtanh(x); }
  // dx = dy * (1 - y^2)
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 { return f32x4.mul(dy, f32x4.sub(f32x4.splat(1), f32x4.mul(y, y))); }
}

// GELU, exact form (Keras' default, approximate=False): x * Phi(x).
// @ts-ignore: decorator
@final @unmanaged class Gelu {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 { return f32x4.mul(x, vnormcdf(x)); }
  // dx = dy * (Phi(x) + x * phi(x)), phi(x) = e^{-x^2/2} / sqrt(2 pi)
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 {
    const pdf = f32x4.mul(vexp(f32x4.mul(f32x4.splat(-0.5), f32x4.mul(x, x))), f32x4.splat(0.3989422804014327));
    return f32x4.mul(dy, f32x4.add(vnormcdf(x), f32x4.mul(x, pdf)));
  }
}

// @ts-ignore: decorator
@final @unmanaged class Exp {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 { return vexp(x); }
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 { return f32x4.mul(dy, y); }
}

// @ts-ignore: decorator
@final @unmanaged class Log {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 { return vlog(x); }
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 { return f32x4.div(dy, x); }
}

// softplus(x) = max(x, 0) + log1p(e^-|x|); log1p(u) = log(1 + u) * u / ((1 + u) - 1) keeps
// relative accuracy for tiny u (Goldberg's trick), and is u itself where 1 + u rounds to 1.
// @ts-ignore: decorator
@final @unmanaged class Softplus {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 {
    const u = vexp(f32x4.neg(f32x4.abs(x)));
    const w = f32x4.add(f32x4.splat(1), u);
    const wm1 = f32x4.sub(w, f32x4.splat(1));
    const l = f32x4.div(f32x4.mul(vlog(w), u), wm1);
    const log1p = v128.bitselect(u, l, f32x4.eq(wm1, f32x4.splat(0)));
    return f32x4.add(f32x4.max(x, f32x4.splat(0)), log1p);
  }
  // dx = dy * sigmoid(x)
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 { return f32x4.mul(dy, vsigmoid(x)); }
}

// ---- Keras' other activations ------------------------------------------------------------------
// Max relative error against the f64 twins (assembly/ref/unary.ts), measured over 2^20 points
// each: elu 1.3e-7, selu 1.6e-7, silu 2.4e-7, leakyRelu 1.2e-7 (0.2 as f32), relu6 exact,
// hardSigmoidRelu6 1.2e-7, softsign 1.2e-7, mish 2.9e-7; hardSigmoid is tfjs' f32 formula (see
// below). The backwards are as accurate except near a derivative's zero (silu's at x = -1.28,
// mish's at -1.19), where the error is ~3e-9 absolute.
// Special values, for every op below: NaN in gives NaN out (forward); the backward of the
// piecewise-linear ones (relu6, leakyRelu, hardSigmoid, hardSigmoidRelu6) takes the slope of the
// branch their comparison picks for a NaN (0, or leakyRelu's 0.2), as relu's does, and the smooth
// ones give NaN. +-inf give the limits (silu(-inf) = mish(-inf) = -0, softsign(+-inf) = +-1,
// elu(-inf) = -1), and their gradients the limits too.

// e^x - 1 for the negative branch of elu / selu, accurate in relative terms near 0: above
// x = -0.7 the Taylor series of (e^x - 1) / x to x^9 / 10! (truncation < 1e-9 relative) times x,
// below it e^x - 1 (where e^x <= 0.5, so the subtraction loses at most one bit). -0 gives -0.
// Meant for x <= 0 only: positive x also take the series, which is wrong for x > 0.7; the callers
// select x itself there.
// @ts-ignore: decorator
@inline
function vexpm1Neg(x: v128): v128 {
  let q = f32x4.splat(2.7557319223985893e-7);
  q = f32x4.add(f32x4.mul(q, x), f32x4.splat(2.7557319223985893e-6));
  q = f32x4.add(f32x4.mul(q, x), f32x4.splat(2.48015873015873e-5));
  q = f32x4.add(f32x4.mul(q, x), f32x4.splat(1.984126984126984e-4));
  q = f32x4.add(f32x4.mul(q, x), f32x4.splat(1.388888888888889e-3));
  q = f32x4.add(f32x4.mul(q, x), f32x4.splat(8.333333333333333e-3));
  q = f32x4.add(f32x4.mul(q, x), f32x4.splat(4.1666666666666664e-2));
  q = f32x4.add(f32x4.mul(q, x), f32x4.splat(0.16666666666666666));
  q = f32x4.add(f32x4.mul(q, x), f32x4.splat(0.5));
  q = f32x4.add(f32x4.mul(q, x), f32x4.splat(1.0));
  const near = f32x4.mul(x, q);
  const far = f32x4.sub(vexp(x), f32x4.splat(1.0));
  return v128.bitselect(near, far, f32x4.gt(x, f32x4.splat(-0.7)));
}

// ELU, alpha 1 (Keras' default): x for x > 0, e^x - 1 otherwise.
// @ts-ignore: decorator
@final @unmanaged class Elu {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 { return v128.bitselect(x, vexpm1Neg(x), f32x4.gt(x, f32x4.splat(0))); }
  // dx = dy for x > 0, else dy * e^x (from x: y + 1 would lose e^x's digits where y is near -1)
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 {
    return f32x4.mul(dy, v128.bitselect(f32x4.splat(1), vexp(x), f32x4.gt(x, f32x4.splat(0))));
  }
}

// SELU, Keras' constants: scale * x for x > 0, scale * alpha * (e^x - 1) otherwise, with
// alpha = 1.6732632423543772, scale = 1.0507009873554805 (scale * alpha = 1.7580993408473766).
// @ts-ignore: decorator
@inline const SELU_SCALE: f32 = 1.0507009873554805;
// @ts-ignore: decorator
@inline const SELU_SCALE_ALPHA: f32 = 1.7580993408473766;
// @ts-ignore: decorator
@final @unmanaged class Selu {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 {
    return v128.bitselect(f32x4.mul(x, f32x4.splat(SELU_SCALE)), f32x4.mul(vexpm1Neg(x), f32x4.splat(SELU_SCALE_ALPHA)), f32x4.gt(x, f32x4.splat(0)));
  }
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 {
    const pos = f32x4.gt(x, f32x4.splat(0));
    return f32x4.mul(dy, v128.bitselect(f32x4.splat(SELU_SCALE), f32x4.mul(vexp(x), f32x4.splat(SELU_SCALE_ALPHA)), pos));
  }
}

// SiLU / swish: x * sigmoid(x). Where sigmoid(x) is 0 (x below -87.3, e^x flushed, |y| < 6e-37,
// and x = -inf, whose product would be NaN) the output is -0.
// @ts-ignore: decorator
@final @unmanaged class Silu {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 {
    const s = vsigmoid(x);
    return v128.bitselect(f32x4.splat(-0.0), f32x4.mul(x, s), f32x4.eq(s, f32x4.splat(0)));
  }
  // dx = dy * s * (1 + x (1 - s)), s = sigmoid(x), with s and 1 - s each from e^-|x| (1 - s is
  // not formed by a subtraction); x clamped to [-100, 100], where the derivative is 0 and 1 in f32
  // (so +-inf give the limits, not inf * 0).
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 {
    const xc = f32x4.max(f32x4.min(x, f32x4.splat(100)), f32x4.splat(-100));
    const e = vexp(f32x4.neg(f32x4.abs(xc)));
    const p = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
    const q = f32x4.mul(e, p);
    const neg = f32x4.lt(xc, f32x4.splat(0));
    const s = v128.bitselect(q, p, neg);
    const c = v128.bitselect(p, q, neg);
    return f32x4.mul(dy, f32x4.mul(s, f32x4.add(f32x4.splat(1), f32x4.mul(xc, c))));
  }
}

// Leaky ReLU with Keras 3's default negative_slope 0.2 (keras.activations.leaky_relu; tf.nn.leaky_relu's
// alpha): x for x > 0, 0.2 x otherwise. (Keras' and tfjs' LeakyReLU *layer* default to 0.3.)
// @ts-ignore: decorator
@final @unmanaged class LeakyRelu {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 { return v128.bitselect(x, f32x4.mul(x, f32x4.splat(0.2)), f32x4.gt(x, f32x4.splat(0))); }
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 {
    return v128.bitselect(dy, f32x4.mul(dy, f32x4.splat(0.2)), f32x4.gt(x, f32x4.splat(0)));
  }
}

// min(max(x, 0), 6); the gradient passes where 0 < x < 6 (TensorFlow's Relu6Grad).
// @ts-ignore: decorator
@final @unmanaged class Relu6 {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 { return f32x4.min(f32x4.max(x, f32x4.splat(0)), f32x4.splat(6)); }
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 {
    return v128.and(dy, v128.and(f32x4.gt(x, f32x4.splat(0)), f32x4.lt(x, f32x4.splat(6))));
  }
}

// tfjs-layers' (and Keras 2's) hard sigmoid: clip(0.5 + 0.2 x, 0, 1), the same f32 operations in
// the same order as tfjs (so the same bits) and as the recurrent cells' HardSigmoidAct; the
// gradient is 0.2 where the output is strictly inside (0, 1).
// @ts-ignore: decorator
@final @unmanaged class HardSigmoid {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 { return changetype<HardSigmoidAct>(0).f(x); }
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 { return f32x4.mul(dy, changetype<HardSigmoidAct>(0).d(y)); }
}

// Keras 3's (and PyTorch's, JAX's) hard sigmoid: relu6(x + 3) / 6; gradient 1/6 where the output
// is strictly inside (0, 1), i.e. -3 < x < 3.
// @ts-ignore: decorator
@final @unmanaged class HardSigmoidRelu6 {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 {
    const r = f32x4.min(f32x4.max(f32x4.add(x, f32x4.splat(3)), f32x4.splat(0)), f32x4.splat(6));
    return f32x4.div(r, f32x4.splat(6));
  }
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 {
    const inside = v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.lt(y, f32x4.splat(1)));
    return f32x4.div(v128.and(dy, inside), f32x4.splat(6));
  }
}

// softsign: x / (1 + |x|); +-inf give +-1.
// @ts-ignore: decorator
@final @unmanaged class Softsign {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 {
    const ax = f32x4.abs(x);
    const y = f32x4.div(x, f32x4.add(f32x4.splat(1), ax));
    const one = v128.or(f32x4.splat(1), v128.and(x, i32x4.splat(0x80000000)));
    return v128.bitselect(one, y, f32x4.eq(ax, f32x4.splat(Infinity)));
  }
  // dx = dy / (1 + |x|)^2, as dy t t with t = 1 / (1 + |x|) (no overflow for large |x|)
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 {
    const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.abs(x)));
    return f32x4.mul(f32x4.mul(dy, t), t);
  }
}

// mish: x * tanh(softplus(x)) = x * n / (n + 2), n = e^x (e^x + 2) (tanh(log(1 + u)) =
// ((1 + u)^2 - 1) / ((1 + u)^2 + 1)): no tanh, no log, relative accuracy kept for x << 0 where
// the factor is ~e^x. e^x is taken at min(x, 20), where the factor is already 1 in f32 (from
// x ~ 9), so n never overflows. Where the factor is 0 (x below -87.3, |y| < 6e-37, and -inf) the
// output is -0.
// @ts-ignore: decorator
@inline
function mishN(x: v128): v128 {
  const u = vexp(f32x4.pmin(x, f32x4.splat(20)));
  return f32x4.mul(u, f32x4.add(u, f32x4.splat(2)));
}
// @ts-ignore: decorator
@final @unmanaged class Mish {
  // @ts-ignore: decorator
  @inline fwd(x: v128): v128 {
    const n = mishN(x);
    const f = f32x4.div(n, f32x4.add(n, f32x4.splat(2)));
    return v128.bitselect(f32x4.splat(-0.0), f32x4.mul(x, f), f32x4.eq(f, f32x4.splat(0)));
  }
  // dx = dy * (t + x sigmoid(x) (1 - t^2)), t = n / (n + 2), 1 - t^2 = 4 (n + 1) / (n + 2)^2;
  // x clamped to [-100, 20], where the derivative is 0 and 1 in f32 (so +-inf give the limits).
  // @ts-ignore: decorator
  @inline bwd(x: v128, y: v128, dy: v128): v128 {
    const xc = f32x4.max(f32x4.min(x, f32x4.splat(20)), f32x4.splat(-100));
    const n = mishN(xc);
    const d = f32x4.add(n, f32x4.splat(2));
    const t = f32x4.div(n, d);
    const g = f32x4.div(f32x4.mul(f32x4.splat(4), f32x4.add(n, f32x4.splat(1))), f32x4.mul(d, d));
    return f32x4.mul(dy, f32x4.add(t, f32x4.mul(f32x4.mul(xc, vsigmoid(xc)), g)));
  }
}

// @ts-ignore: decorator
@inline
function unaryFwd<Op>(x: usize, y: usize, n: i32, ith: i32, nth: i32): void {
  const op = changetype<Op>(0);
  const i1 = partStart(n, 4, ith + 1, nth);
  let i = partStart(n, 4, ith, nth);
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, op.fwd(v128.load(x + o)));
  }
  if (i < i1) {
    const o = <usize>i << 2;
    storePartial(y + o, op.fwd(loadPartial(x + o, i1 - i)), i1 - i);
  }
}

// @ts-ignore: decorator
@inline
function unaryBwd<Op>(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void {
  const op = changetype<Op>(0);
  const i1 = partStart(n, 4, ith + 1, nth);
  let i = partStart(n, 4, ith, nth);
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, op.bwd(v128.load(x + o), v128.load(y + o), v128.load(dy + o)));
  }
  if (i < i1) {
    const o = <usize>i << 2;
    const c = i1 - i;
    storePartial(dx + o, op.bwd(loadPartial(x + o, c), loadPartial(y + o, c), loadPartial(dy + o, c)), c);
  }
}

export function f32_relu_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Relu>(x, y, n, ith, nth); }
export function f32_relu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Relu>(x, y, dy, dx, n, ith, nth); }
export function f32_sigmoid_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Sigmoid>(x, y, n, ith, nth); }
export function f32_sigmoid_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Sigmoid>(x, y, dy, dx, n, ith, nth); }
export function f32_tanh_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Tanh>(x, y, n, ith, nth); }
export function f32_tanh_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Tanh>(x, y, dy, dx, n, ith, nth); }
export function f32_gelu_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Gelu>(x, y, n, ith, nth); }
export function f32_gelu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Gelu>(x, y, dy, dx, n, ith, nth); }
export function f32_exp_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Exp>(x, y, n, ith, nth); }
export function f32_exp_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Exp>(x, y, dy, dx, n, ith, nth); }
export function f32_log_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Log>(x, y, n, ith, nth); }
export function f32_log_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Log>(x, y, dy, dx, n, ith, nth); }
export function f32_softplus_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Softplus>(x, y, n, ith, nth); }
export function f32_softplus_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Softplus>(x, y, dy, dx, n, ith, nth); }
export function f32_elu_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Elu>(x, y, n, ith, nth); }
export function f32_elu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Elu>(x, y, dy, dx, n, ith, nth); }
export function f32_selu_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Selu>(x, y, n, ith, nth); }
export function f32_selu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Selu>(x, y, dy, dx, n, ith, nth); }
export function f32_silu_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Silu>(x, y, n, ith, nth); }
export function f32_silu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Silu>(x, y, dy, dx, n, ith, nth); }
export function f32_leaky_relu_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<LeakyRelu>(x, y, n, ith, nth); }
export function f32_leaky_relu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<LeakyRelu>(x, y, dy, dx, n, ith, nth); }
export function f32_relu6_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Relu6>(x, y, n, ith, nth); }
export function f32_relu6_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Relu6>(x, y, dy, dx, n, ith, nth); }
export function f32_hard_sigmoid_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<HardSigmoid>(x, y, n, ith, nth); }
export function f32_hard_sigmoid_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<HardSigmoid>(x, y, dy, dx, n, ith, nth); }
export function f32_hard_sigmoid_relu6_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<HardSigmoidRelu6>(x, y, n, ith, nth); }
export function f32_hard_sigmoid_relu6_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<HardSigmoidRelu6>(x, y, dy, dx, n, ith, nth); }
export function f32_softsign_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Softsign>(x, y, n, ith, nth); }
export function f32_softsign_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Softsign>(x, y, dy, dx, n, ith, nth); }
export function f32_mish_fwd(x: usize, y: usize, n: i32, ith: i32, nth: i32): void { unaryFwd<Mish>(x, y, n, ith, nth); }
export function f32_mish_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, ith: i32, nth: i32): void { unaryBwd<Mish>(x, y, dy, dx, n, ith, nth); }
