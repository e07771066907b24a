// Scalar twins of kernels/norm.ts: the test oracle. f64 arithmetic, each output rounded to f32
// once. The backward takes the f32 mean and rstd it is given (the exact gradient for those saved
// statistics). Never optimise these.

function at(p: usize, i: i32): f64 { return <f64>load<f32>(p + (<usize>i << 2)); }
function put(p: usize, i: i32, v: f64): void { store<f32>(p + (<usize>i << 2), <f32>v); }

export function f32_layernorm_fwd(x: usize, gamma: usize, beta: usize, y: usize, mean: usize, rstd: usize, rows: i32, cols: i32, eps: f32): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s: f64 = 0;
    for (let c = 0; c < cols; c++) s += at(x, base + c);
    const mu = s / cols;
    let v: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const d = at(x, base + c) - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / cols + <f64>eps);
    put(mean, r, mu);
    put(rstd, r, rs);
    for (let c = 0; c < cols; c++) put(y, base + c, (at(x, base + c) - mu) * rs * at(gamma, c) + at(beta, c));
  }
}

export function f32_layernorm_bwd(x: usize, gamma: usize, mean: usize, rstd: usize, dy: usize, dx: usize, dgamma: usize, dbeta: usize, rows: i32, cols: i32): void {
  for (let c = 0; c < cols; c++) {
    let sg: f64 = 0, sb: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const xh = (at(x, r * cols + c) - at(mean, r)) * at(rstd, r);
      sg += at(dy, r * cols + c) * xh;
      sb += at(dy, r * cols + c);
    }
    put(dgamma, c, sg);
    put(dbeta, c, sb);
  }
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const mu = at(mean, r), rs = at(rstd, r);
    let s1: f64 = 0, s2: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const g = at(dy, base + c) * at(gamma, c);
      s1 += g;
      s2 += g * (at(x, base + c) - mu) * rs;
    }
    for (let c = 0; c < cols; c++) {
      const g = at(dy, base + c) * at(gamma, c);
      const xh = (at(x, base + c) - mu) * rs;
      put(dx, base + c, (g - s1 / cols - xh * s2 / cols) * rs);
    }
  }
}
