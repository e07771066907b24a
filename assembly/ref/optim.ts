// Scalar twins of kernels/optim.ts: the test oracle. The updates are pure f32 arithmetic in the
// same order as the fast kernels (compare bitwise); the sum of squares is a plain f64 loop
// (compare within one f32 rounding). Never optimise these.

function at(p: usize, i: i32): f32 { return load<f32>(p + (<usize>i << 2)); }
function put(p: usize, i: i32, v: f32): void { store<f32>(p + (<usize>i << 2), v); }

export function f32_sgd_update(p: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, nesterov: i32, weightDecay: f32, decoupled: i32): void {
  for (let i = 0; i < n; i++) {
    let pi = at(p, i);
    let gi = at(g, i);
    if (weightDecay != 0 && !decoupled) gi = gi + pi * weightDecay;
    if (weightDecay != 0 && decoupled) pi = pi - (pi * weightDecay) * lr;
    if (momentum == 0) {
      put(p, i, pi - gi * lr);
    } else {
      const vi = at(v, i) * momentum - gi * lr;
      put(v, i, vi);
      put(p, i, nesterov ? pi + (vi * momentum - gi * lr) : pi + vi);
    }
  }
}

export function f32_adam_update(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  eps: f32, bc1: f32, bc2: f32, weightDecay: f32, decoupled: i32): void {
  for (let i = 0; i < n; i++) {
    let pi = at(p, i);
    let gi = at(g, i);
    if (weightDecay != 0 && !decoupled) gi = gi + pi * weightDecay;
    const mi = at(m, i) * beta1 + gi * oneMinusBeta1;
    const vi = at(v, i) * beta2 + (gi * gi) * oneMinusBeta2;
    put(m, i, mi);
    put(v, i, vi);
    const mhat = mi / bc1;
    const vhat = vi / bc2;
    if (weightDecay != 0 && decoupled) pi = pi - (pi * weightDecay) * lr;
    put(p, i, pi - (mhat / (sqrt<f32>(vhat) + eps)) * lr);
  }
}

export function f32_rmsprop_update(p: usize, g: usize, ms: usize, mom: usize, n: i32, lr: f32, rho: f32, oneMinusRho: f32, eps: f32, momentum: f32,
  centered: i32, mg: usize): void {
  for (let i = 0; i < n; i++) {
    const gi = at(g, i);
    const msi = at(ms, i) * rho + (gi * gi) * oneMinusRho;
    put(ms, i, msi);
    let den: f32;
    if (centered) {
      const mgi = at(mg, i) * rho + gi * oneMinusRho;
      put(mg, i, mgi);
      den = sqrt<f32>((msi - mgi * mgi) + eps);
    } else {
      den = sqrt<f32>(msi + eps);
    }
    const inc = (gi * lr) / den;
    if (momentum != 0) {
      const mo = at(mom, i) * momentum + inc;
      put(mom, i, mo);
      put(p, i, at(p, i) - mo);
    } else {
      put(p, i, at(p, i) - inc);
    }
  }
}

export function f32_adagrad_update(p: usize, g: usize, acc: usize, n: i32, lr: f32, eps: f32): void {
  for (let i = 0; i < n; i++) {
    const gi = at(g, i);
    const a = at(acc, i) + gi * gi;
    put(acc, i, a);
    put(p, i, at(p, i) - (gi / sqrt<f32>(a + eps)) * lr);
  }
}

export function f32_sumsq_partial(x: usize, n: i32, partials: usize): void {
  const chunks = (n + 4095) / 4096;
  for (let k = 0; k < chunks; k++) {
    let s: f64 = 0;
    for (let i = k * 4096; i < min(n, k * 4096 + 4096); i++) {
      const v = <f64>at(x, i);
      s += v * v;
    }
    put(partials, k, <f32>s);
  }
}

export function f32_scale_fwd(x: usize, n: i32, s: f32): void {
  for (let i = 0; i < n; i++) put(x, i, at(x, i) * s);
}

function rowAt(p: usize, rows: usize, u: i32, dim: i32): usize { return p + ((<usize>load<i32>(rows + (<usize>u << 2)) * dim) << 2); }

export function f32_sgd_rows_update(p: usize, g: usize, v: usize, rows: usize, nRows: i32, dim: i32, lr: f32, momentum: f32, nesterov: i32, weightDecay: f32, decoupled: i32): void {
  for (let u = 0; u < nRows; u++) {
    f32_sgd_update(rowAt(p, rows, u, dim), rowAt(g, rows, u, dim), rowAt(v, rows, u, dim), dim, lr, momentum, nesterov, weightDecay, decoupled);
  }
}

export function f32_adam_rows_update(p: usize, g: usize, m: usize, v: usize, rows: usize, nRows: i32, dim: i32, lr: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  eps: f32, bc1: f32, bc2: f32, weightDecay: f32, decoupled: i32): void {
  for (let u = 0; u < nRows; u++) {
    f32_adam_update(rowAt(p, rows, u, dim), rowAt(g, rows, u, dim), rowAt(m, rows, u, dim), rowAt(v, rows, u, dim), dim,
      lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, bc1, bc2, weightDecay, decoupled);
  }
}

export function f32_rmsprop_rows_update(p: usize, g: usize, ms: usize, mom: usize, rows: usize, nRows: i32, dim: i32, lr: f32, rho: f32, oneMinusRho: f32, eps: f32, momentum: f32,
  centered: i32, mg: usize): void {
  for (let u = 0; u < nRows; u++) {
    f32_rmsprop_update(rowAt(p, rows, u, dim), rowAt(g, rows, u, dim), rowAt(ms, rows, u, dim), rowAt(mom, rows, u, dim), dim,
      lr, rho, oneMinusRho, eps, momentum, centered, rowAt(mg, rows, u, dim));
  }
}

export function f32_adagrad_rows_update(p: usize, g: usize, acc: usize, rows: usize, nRows: i32, dim: i32, lr: f32, eps: f32): void {
  for (let u = 0; u < nRows; u++) f32_adagrad_update(rowAt(p, rows, u, dim), rowAt(g, rows, u, dim), rowAt(acc, rows, u, dim), dim, lr, eps);
}

export function f32_sumsq_rows_partial(x: usize, rows: usize, nRows: i32, dim: i32, partials: usize): void {
  for (let u = 0; u < nRows; u++) {
    const r = rowAt(x, rows, u, dim);
    let s: f64 = 0;
    for (let i = 0; i < dim; i++) {
      const v = <f64>at(r, i);
      s += v * v;
    }
    put(partials, u, <f32>s);
  }
}

export function f32_scale_rows_fwd(x: usize, rows: usize, nRows: i32, dim: i32, s: f32): void {
  for (let u = 0; u < nRows; u++) f32_scale_fwd(rowAt(x, rows, u, dim), dim, s);
}

export function f32_fill_rows_fwd(x: usize, rows: usize, nRows: i32, dim: i32, value: f32): void {
  for (let u = 0; u < nRows; u++) for (let i = 0; i < dim; i++) put(rowAt(x, rows, u, dim), i, value);
}

export function f32_regularize_bwd(w: usize, g: usize, n: i32, l1: f32, l2x2: f32, partials: usize): void {
  const chunks = (n + 4095) / 4096;
  for (let k = 0; k < chunks; k++) {
    let sa: f64 = 0, ss: f64 = 0;
    for (let i = k * 4096; i < min(n, k * 4096 + 4096); i++) {
      const wi = at(w, i);
      sa += Math.abs(<f64>wi);
      ss += <f64>wi * <f64>wi;
      if (g != 0) {
        const s: f32 = wi > 0 ? 1 : wi < 0 ? -1 : 0;
        put(g, i, at(g, i) + (l1 * s + l2x2 * wi));
      }
    }
    put(partials, 2 * k, <f32>sa);
    put(partials, 2 * k + 1, <f32>ss);
  }
}
