// Scalar twins of kernels/unary.ts: the test oracle. Plain loops in f64 math, rounded to f32
// once, so they measure the fast kernels' approximation error. Never optimise these.
import { erf, sigmoid } from './common';

function gelu(x: f64): f64 { return 0.5 * x * (1 + erf(x / Math.SQRT2)); }
function phi(x: f64): f64 { return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI); }

function fwd(op: i32, x: f64): f64 {
  switch (op) {
    case 0: return x > 0 ? x : 0;
    case 1: return sigmoid(x);
    case 2: return Math.tanh(x);
    case 3: return gelu(x);
    case 4: return Math.exp(x);
    case 5: return Math.log(x);
    case 6: return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
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
