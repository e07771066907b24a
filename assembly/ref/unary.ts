// Scalar twins of kernels/unary.ts: the test oracle. Plain loops in f64 math, rounded to f32
// once, so they measure the fast kernels' approximation error. Never optimise these.
import { erf, hardSigmoid, sigmoid } from './common';

const SELU_ALPHA: f64 = 1.6732632423543772848170429916717;
const SELU_SCALE: f64 = 1.0507009873554804934193349852946;

function gelu(x: f64): f64 { return 0.5 * x * (1 + erf(x / Math.SQRT2)); }
function phi(x: f64): f64 { return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI); }
function softplus(x: f64): f64 { return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)); }
// the limits at +-inf (x * 0 would be NaN)
function silu(x: f64): f64 { return x == -Infinity ? -0.0 : x * sigmoid(x); }
function mish(x: f64): f64 { return x == -Infinity ? -0.0 : x * Math.tanh(softplus(x)); }
function softsign(x: f64): f64 { return Math.abs(x) == Infinity ? (x > 0 ? 1 : -1) : x / (1 + Math.abs(x)); }

function fwd(op: i32, x: f64): f64 {
  switch (op) {
    case 0: return x > 0 ? x : 0;
    case 1: return sigmoid(x);
    case 2: return Math.tanh(x);
    case 3: return gelu(x);
    case 4: return Math.exp(x);
    case 5: return Math.log(x);
    case 6: return softplus(x);
    case 7: return x > 0 ? x : Math.expm1(x);                             // elu
    case 8: return x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x);   // selu
    case 9: return silu(x);
    case 10: return x > 0 ? x : 0.2 * x;                                  // leakyRelu
    case 11: return Math.min(Math.max(x, 0), 6);                          // relu6
    case 12: return hardSigmoid(x);                                       // tfjs' clip(0.5 + 0.2 x, 0, 1)
    case 13: return Math.min(Math.max(x + 3, 0), 6) / 6;                  // Keras 3's hard sigmoid
    case 14: return softsign(x);
    case 15: return mish(x);
  }
  return NaN;
}

function bwd(op: i32, x: f64, y: f64, dy: f64): f64 {
  switch (op) {
    case 0: return x > 0 ? dy : 0;
    case 1: return dy * y * (1 - y);
    case 2: return dy * (1 - y * y);
    case 3: return dy * (0.5 * (1 + erf(x / Math.SQRT2)) + x * phi(x));
    case 4: return dy * y;
    case 5: return dy / x;
    case 6: return dy * sigmoid(x);
    case 7: return x > 0 ? dy : dy * Math.exp(x);
    case 8: return x > 0 ? dy * SELU_SCALE : dy * SELU_SCALE * SELU_ALPHA * Math.exp(x);
    case 9: {
      if (x != x) return NaN;
      if (Math.abs(x) == Infinity) return x > 0 ? dy : 0;
      return dy * sigmoid(x) * (1 + x * sigmoid(-x));
    }
    case 10: return x > 0 ? dy : 0.2 * dy;
    case 11: return x > 0 && x < 6 ? dy : 0;
    // the hard sigmoids' gradients from their output y: the slope strictly inside (0, 1)
    case 12: return y > 0 && y < 1 ? 0.2 * dy : 0;
    case 13: return y > 0 && y < 1 ? dy / 6 : 0;
    case 14: return dy / ((1 + Math.abs(x)) * (1 + Math.abs(x)));
    case 15: {
      if (x != x) return NaN;
      if (Math.abs(x) == Infinity) return x > 0 ? dy : 0;
      const t = Math.tanh(softplus(x));
      return dy * (t + x * sigmoid(x) * (1 - t * t));
    }
  }
  return NaN;
}

function mapFwd(op: i32, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    store<f32>(y + (<usize>i << 2), <f32>fwd(op, <f64>load<f32>(x + (<usize>i << 2))));
  }
}

function mapBwd(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, <f32>bwd(op, <f64>load<f32>(x + o), <f64>load<f32>(y + o), <f64>load<f32>(dy + o)));
  }
}

export function f32_relu_fwd(x: usize, y: usize, n: i32): void { mapFwd(0, x, y, n); }
export function f32_relu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(0, x, y, dy, dx, n); }
export function f32_sigmoid_fwd(x: usize, y: usize, n: i32): void { mapFwd(1, x, y, n); }
export function f32_sigmoid_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(1, x, y, dy, dx, n); }
export function f32_tanh_fwd(x: usize, y: usize, n: i32): void { mapFwd(2, x, y, n); }
export function f32_tanh_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(2, x, y, dy, dx, n); }
export function f32_gelu_fwd(x: usize, y: usize, n: i32): void { mapFwd(3, x, y, n); }
export function f32_gelu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(3, x, y, dy, dx, n); }
export function f32_exp_fwd(x: usize, y: usize, n: i32): void { mapFwd(4, x, y, n); }
export function f32_exp_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(4, x, y, dy, dx, n); }
export function f32_log_fwd(x: usize, y: usize, n: i32): void { mapFwd(5, x, y, n); }
export function f32_log_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(5, x, y, dy, dx, n); }
export function f32_softplus_fwd(x: usize, y: usize, n: i32): void { mapFwd(6, x, y, n); }
export function f32_softplus_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(6, x, y, dy, dx, n); }
export function f32_elu_fwd(x: usize, y: usize, n: i32): void { mapFwd(7, x, y, n); }
export function f32_elu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(7, x, y, dy, dx, n); }
export function f32_selu_fwd(x: usize, y: usize, n: i32): void { mapFwd(8, x, y, n); }
export function f32_selu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(8, x, y, dy, dx, n); }
export function f32_silu_fwd(x: usize, y: usize, n: i32): void { mapFwd(9, x, y, n); }
export function f32_silu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(9, x, y, dy, dx, n); }
export function f32_leaky_relu_fwd(x: usize, y: usize, n: i32): void { mapFwd(10, x, y, n); }
export function f32_leaky_relu_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(10, x, y, dy, dx, n); }
export function f32_relu6_fwd(x: usize, y: usize, n: i32): void { mapFwd(11, x, y, n); }
export function f32_relu6_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(11, x, y, dy, dx, n); }
export function f32_hard_sigmoid_fwd(x: usize, y: usize, n: i32): void { mapFwd(12, x, y, n); }
export function f32_hard_sigmoid_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(12, x, y, dy, dx, n); }
export function f32_hard_sigmoid_relu6_fwd(x: usize, y: usize, n: i32): void { mapFwd(13, x, y, n); }
export function f32_hard_sigmoid_relu6_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(13, x, y, dy, dx, n); }
export function f32_softsign_fwd(x: usize, y: usize, n: i32): void { mapFwd(14, x, y, n); }
export function f32_softsign_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(14, x, y, dy, dx, n); }
export function f32_mish_fwd(x: usize, y: usize, n: i32): void { mapFwd(15, x, y, n); }
export function f32_mish_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(15, x, y, dy, dx, n); }
