// Elementwise unary activations, forward and backward, over flat f32 arrays.
//   fwd: y = f(x)                 x, y are (n)
//   bwd: dx = dy * f'(x)          x, y, dy, dx are (n); y is the forward output
// Each op is a zero-size class whose inlined methods the generic drivers below specialise on,
// so one loop serves every op and every element goes through the same f32x4 arithmetic
// (tails included: see loadPartial). Threads split the elements in groups of 4.
import { partStart } from '../core/partition';
import { loadPartial, storePartial } from '../core/simd';
import { vexp, vlog, vsigmoid, vtanh, vnormcdf } from '../core/mathf';


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
