// Shared helpers of the scalar twins (not kernels: nothing here is exported by the ref build).

// erf to double precision (Abramowitz & Stegun 7.1.28 is too coarse; use the series / continued
// fraction split at |x| = 2.5).
export function erf(x: f64): f64 {
  const ax = Math.abs(x);
  let r: f64;
  if (ax < 2.5) {
    // Maclaurin series: erf x = 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax, sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      sum += term / (2 * n + 1);
    }
    r = sum * 2 / Math.sqrt(Math.PI);
  } else {
    // continued fraction for erfc
    let f: f64 = 0;
    for (let n = 60; n >= 1; n--) f = (<f64>n / 2) / (ax + f);
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  }
  return x < 0 ? -r : r;
}

export function sigmoid(x: f64): f64 { return 1 / (1 + Math.exp(-x)); }
export function hardSigmoid(x: f64): f64 { return Math.min(Math.max(0.5 + 0.2 * x, 0), 1); }
/** Recurrent activation 0 = sigmoid, 1 = hardSigmoid, and its derivative from its output y. */
export function recF(recAct: i32, x: f64): f64 { return recAct == 1 ? hardSigmoid(x) : sigmoid(x); }
export function recD(recAct: i32, y: f64): f64 { return recAct == 1 ? (y > 0 && y < 1 ? 0.2 : 0) : y * (1 - y); }

/** f32 element i of p, widened; and its store. */
export function f(p: usize, i: i64): f64 { return <f64>load<f32>(p + <usize>(i << 2)); }
export function put(p: usize, i: i64, v: f64): void { store<f32>(p + <usize>(i << 2), <f32>v); }
/** Whether step t of row b is taken under a (B, T) mask (0 = no mask). */
export function taken(mask: usize, T: i32, b: i32, t: i32): bool { return mask == 0 || f(mask, <i64>b * T + t) != 0; }
