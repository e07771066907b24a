// Vectorised f32 transcendental functions (4 lanes). Every kernel that needs exp, log, tanh,
// sigmoid or erf uses these, so an activation gives the same bits in a GEMM epilogue and an
// elementwise kernel (the recurrent cells use the gate forms below). Polynomials from Cephes
// (S. Moshier), range-reduced; the gate forms' polynomial is fitted by
// scripts/fit-gate-activations.py.
// Accuracy, measured against f64 in test/kernels/mathf.test.ts over 2^20 points per function:
//   vexp   max rel err  2 ulp (~2.4e-7)    flushes to 0 below -87.33, +inf above 88.72
//   vlog   max rel err  2 ulp              NaN for x < 0, -inf at 0
//   vtanh  max rel err  3 ulp              odd polynomial below |x| 0.625, exp form above
//   vsigmoid max rel err 3 ulp             e/(1+e) form for x < 0 keeps relative accuracy
//   verfcPos max rel err ~5e-7 (Numerical Recipes' erfcc fit, 1.2e-7, plus f32 rounding)
// The gate activations of the recurrent cells (kernels/lstm.ts, kernels/gru.ts, core/rnn.ts'
// SigmoidAct) are cheaper forms held to an ABSOLUTE bound, all their outputs feed products:
//   vsigmoidGate max abs err 9.5e-8        exactly 1 from x = 17, exactly 0 below -88.38
//   vtanhGate    max abs err 1.15e-7       exactly +-1 from |x| = 9.5, odd (-0 kept)
//   (every f32 input checked by scripts/fit-gate-activations.py --full; 2^20+ points in the test)
// Their relative error near 0 is not bounded (vtanhGate(1e-30) = 0): the elementwise kernels and
// GEMM epilogues keep vsigmoid / vtanh.

// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;
// @ts-ignore: decorator
@inline const EXP_HI: f32 = 88.72283;
// @ts-ignore: decorator
@inline const EXP_LO: f32 = -87.33654;

// 1.5 * 2^23: adding it to |m| < 2^22 rounds m to the nearest integer (ties to even, as
// f32x4.nearest) and leaves that integer in the low mantissa bits.
// @ts-ignore: decorator
@inline const ROUND_MAGIC: f32 = 12582912.0;

// e^x for x already known to be >= lo (lowCheck false) or <= hi (highCheck false): the shared body
// of vexp, vsigmoid and vtanh. Cheap forms with the same bits as the plain ones: pmin/pmax (one
// instruction each; they clamp like min/max here, NaN passes through either way), and rounding and
// the float-to-int conversion by the magic-number addition instead of nearest + trunc_sat.
// oneScale: 2^n as one factor, for callers that never need n = 128 (vsigmoid: x <= 0) or for
// which e^x = inf there gives the same result (vtanh: 2 / (inf + 1) = 0 as 2 / (2^128 y + 1)
// rounds to 1 - 0); a product by a power of two rounds at most once either way.
// @ts-ignore: decorator
@inline
function expCore(x: v128, lowCheck: bool, highCheck: bool, oneScale: bool): v128 {
  let xc = x;
  if (lowCheck) xc = f32x4.pmax(xc, f32x4.splat(EXP_LO));
  if (highCheck) xc = f32x4.pmin(xc, f32x4.splat(EXP_HI));
  // x = n ln2 + r, |r| <= ln2 / 2
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(ROUND_MAGIC));
  const n = f32x4.sub(t, f32x4.splat(ROUND_MAGIC));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const r2 = f32x4.mul(r, r);
  const y = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1.0));
  const ni = i32x4.sub(t, f32x4.splat(ROUND_MAGIC));
  let out: v128;
  if (oneScale) {
    out = f32x4.mul(y, i32x4.shl(i32x4.add(ni, i32x4.splat(127)), 23));
  } else {
    // 2^n built in two halves so that n = 128 (x near EXP_HI) does not overflow the exponent.
    const half = i32x4.shr_s(ni, 1);
    const s1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
    const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), i32x4.splat(127)), 23);
    out = f32x4.mul(f32x4.mul(y, s1), s2);
  }
  if (lowCheck) out = v128.andnot(out, f32x4.lt(x, f32x4.splat(EXP_LO)));
  if (highCheck) out = v128.bitselect(f32x4.splat(Infinity), out, f32x4.gt(x, f32x4.splat(EXP_HI)));
  // NaN in, NaN out (the clamps pass a NaN through).
  return out;
}

// e^x, lane by lane.
// @ts-ignore: decorator
@inline
export function vexp(x: v128): v128 {
  return expCore(x, true, true, false);
}

// Natural logarithm, lane by lane.
// @ts-ignore: decorator
@inline
export function vlog(x: v128): v128 {
  const bits = x;
  // x = m 2^e with m in [0.5, 1)
  let e = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126)));
  let m = v128.or(v128.and(bits, i32x4.splat(0x807fffff)), i32x4.splat(0x3f000000));
  // move m to [sqrt(1/2), sqrt(2)) and take f = m - 1
  const small = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = f32x4.sub(e, v128.and(f32x4.splat(1.0), small));
  const f = f32x4.sub(f32x4.add(m, v128.and(m, small)), f32x4.splat(1.0));
  const z = f32x4.mul(f, f);
  let y = f32x4.splat(7.0376836292e-2);
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(-1.1514610310e-1));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(1.1676998740e-1));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(-1.2420140846e-1));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(1.4249322787e-1));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(-1.6668057665e-1));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(2.0000714765e-1));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(-2.4999993993e-1));
  y = f32x4.add(f32x4.mul(y, f), f32x4.splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, f), z);
  y = f32x4.add(y, f32x4.mul(e, f32x4.splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  let out = f32x4.add(f32x4.add(f, y), f32x4.mul(e, f32x4.splat(LN2_HI)));
  // special values: log(0) = -inf, log(x<0) = NaN, log(inf) = inf, log(NaN) = NaN.
  // Subnormal inputs are treated as 0 (flush to zero).
  const isZero = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  out = v128.bitselect(f32x4.splat(-Infinity), out, v128.and(isZero, f32x4.ge(x, f32x4.splat(0))));
  out = v128.bitselect(f32x4.splat(NaN), out, v128.or(f32x4.lt(x, f32x4.splat(0)), f32x4.ne(x, x)));
  out = v128.bitselect(f32x4.splat(Infinity), out, f32x4.eq(x, f32x4.splat(Infinity)));
  return out;
}

// Logistic sigmoid 1 / (1 + e^-x), accurate in relative terms on both tails.
// @ts-ignore: decorator
@inline
export function vsigmoid(x: v128): v128 {
  const e = expCore(f32x4.neg(f32x4.abs(x)), true, false, true);   // e^-|x| in (0, 1]
  const pos = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e));
  const neg = f32x4.mul(e, pos);                          // e^x / (1 + e^x) for x < 0
  return v128.bitselect(neg, pos, f32x4.lt(x, f32x4.splat(0)));
}

// Hyperbolic tangent.
// @ts-ignore: decorator
@inline
export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  // small |x|: odd polynomial
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  // large |x|: 1 - 2 / (e^{2|x|} + 1), sign restored; saturates to 1 above |x| = 9
  const e2 = expCore(f32x4.add(ax, ax), false, true, true);
  const big = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e2, f32x4.splat(1.0))));
  const mag = f32x4.abs(v128.bitselect(small, big, f32x4.lt(ax, f32x4.splat(0.625))));
  // tanh is odd: the sign of x, -0 included
  return v128.or(mag, v128.and(x, i32x4.splat(0x80000000)));
}

// ---- gate activations (recurrent cells) -------------------------------------------------------
// e^-v = 2^n e^-s with n = round(-v log2 e), s = v + n ln2, for v in [-88.5, 20] (callers clamp).
// Cheaper than expCore where only ABSOLUTE accuracy of the sigmoid / tanh built on it counts:
// their outputs damp the relative error of e^-v (|d sigmoid / d ln e| <= 1/4, |d tanh / d ln e|
// <= 1/2, and tiny where |n| is large), so one f32 constant for ln2 (no Cody-Waite split) and a
// degree-5 polynomial suffice. The magic constant is 1.5 * 2^23 + 127: t's low bits hold n + 127,
// so t shifted left by 23 is 2^n as f32 bits (n = 128, v < -88.37, gives +inf). e^-s ~ q(s):
// minimax relative fit of e^r on |r| <= ln2/2 with p(0) = 1 (rel err 9.5e-8), q(s) = p(-s);
// coefficients from scripts/fit-gate-activations.py, which also checks both functions below.
// @ts-ignore: decorator
@inline const GATE_MAGIC: f32 = 12583039.0;
// @ts-ignore: decorator
@inline const GATE_LN2: f32 = 0.693147182;
// @ts-ignore: decorator
@inline
function expNegGate(v: v128): v128 {
  const t = f32x4.add(f32x4.mul(v, f32x4.splat(-LOG2E)), f32x4.splat(GATE_MAGIC));
  const n = f32x4.sub(t, f32x4.splat(GATE_MAGIC));
  const s = f32x4.add(v, f32x4.mul(n, f32x4.splat(GATE_LN2)));
  let q = f32x4.splat(-8.2898158580e-3);
  q = f32x4.add(f32x4.mul(q, s), f32x4.splat(4.1900631040e-2));
  q = f32x4.add(f32x4.mul(q, s), f32x4.splat(-1.6667659581e-1));
  q = f32x4.add(f32x4.mul(q, s), f32x4.splat(4.9999129772e-1));
  q = f32x4.add(f32x4.mul(q, s), f32x4.splat(-9.9999970198e-1));
  q = f32x4.add(f32x4.mul(q, s), f32x4.splat(1.0));
  return f32x4.mul(q, i32x4.shl(t, 23));
}

// Logistic sigmoid for gates: 1 / (1 + e^-x), x clamped to [-88.5, 20] (NaN passes through both
// clamps). Max abs err 9.5e-8; 1 exactly from x = 17, 0 exactly below -88.38 (e^-x = +inf).
// @ts-ignore: decorator
@inline
export function vsigmoidGate(x: v128): v128 {
  const v = f32x4.pmax(f32x4.pmin(x, f32x4.splat(20.0)), f32x4.splat(-88.5));
  return f32x4.div(f32x4.splat(1.0), f32x4.add(expNegGate(v), f32x4.splat(1.0)));
}

// Hyperbolic tangent for gates and tanh(c): sign(x) (1 - e) / (1 + e), e = e^-2|x| with 2|x|
// clamped to 19 (1 - e exact for e >= 0.5). Max abs err 1.15e-7; +-1 exactly from |x| = 9.5.
// @ts-ignore: decorator
@inline
export function vtanhGate(x: v128): v128 {
  const ax = f32x4.abs(x);
  const e = expNegGate(f32x4.pmin(f32x4.add(ax, ax), f32x4.splat(19.0)));
  const y = f32x4.div(f32x4.sub(f32x4.splat(1.0), e), f32x4.add(f32x4.splat(1.0), e));
  return v128.or(y, v128.and(x, i32x4.splat(0x80000000)));
}

// Complementary error function erfc(x) for x >= 0 (Numerical Recipes' erfcc, rel err < 1.2e-7).
// @ts-ignore: decorator
@inline
export function verfcPos(x: v128): v128 {
  const t = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), f32x4.mul(f32x4.splat(0.5), x)));
  let p = f32x4.splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.00002368));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.26551223));
  // e^{-x^2 + p} as e^{-xh^2} e^{(xh - x)(x + xh) + p}, xh = x with its low 12 bits cleared:
  // xh^2 is exact, so the large part of the exponent carries no rounding error.
  const xh = v128.and(x, i32x4.splat(0xfffff000));
  const big = vexp(f32x4.neg(f32x4.mul(xh, xh)));
  const rest = vexp(f32x4.add(f32x4.mul(f32x4.sub(xh, x), f32x4.add(x, xh)), p));
  return f32x4.mul(f32x4.mul(t, big), rest);
}

// Standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2, relative accuracy kept on both tails.
// @ts-ignore: decorator
@inline
export function vnormcdf(x: v128): v128 {
  const half = f32x4.mul(f32x4.splat(0.5), verfcPos(f32x4.mul(f32x4.abs(x), f32x4.splat(0.70710678118654752))));
  return v128.bitselect(half, f32x4.sub(f32x4.splat(1.0), half), f32x4.lt(x, f32x4.splat(0)));
}
