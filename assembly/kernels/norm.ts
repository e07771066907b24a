// Layer normalisation over the last axis (Keras LayerNormalization(axis=-1), biased variance).
//   fwd: x, y are (rows, cols); gamma, beta are (cols); mean, rstd are (rows), saved for bwd.
//        mean = sum(x) / cols, var = sum((x - mean)^2) / cols (two passes),
//        rstd = 1 / sqrt(var + eps), y = ((x - mean) * rstd) * gamma + beta.
//   bwd: xhat = (x - mean) * rstd, g = dy * gamma,
//        dx = ((g - sum(g) / cols) - xhat * (sum(g * xhat) / cols)) * rstd,
//        dgamma = sum over rows of dy * xhat, dbeta = sum over rows of dy (both OVERWRITTEN).
// Row sums run in f32x4 lanes (tail lanes zero-filled or masked), then hsum: the order depends
// on cols only. Threads split rows for y, mean, rstd and dx; for dgamma and dbeta they split
// columns (groups of 4) and every thread adds the rows in order 0..rows-1, so every output is
// computed by the same operations at any thread count.
import { partStart } from '../core/partition';
import { hsum, loadPartial, storePartial } from '../core/simd';

// Lanes [0, count) all ones, the rest zero.
// @ts-ignore: decorator
@inline
function laneMask(count: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(count));
}

export function f32_layernorm_fwd(x: usize, gamma: usize, beta: usize, y: usize, mean: usize, rstd: usize, rows: i32, cols: i32, eps: f32, ith: i32, nth: i32): void {
  const r0 = partStart(rows, 1, ith, nth);
  const r1 = partStart(rows, 1, ith + 1, nth);
  const body = cols & ~3;
  const tail = cols - body;
  const tmask = laneMask(tail);
  const fcols = <f32>cols;
  const tb = <usize>body << 2;
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * <usize>cols * 4;
    const yr = y + <usize>r * <usize>cols * 4;
    let acc = f32x4.splat(0);
    for (let c = 0; c < body; c += 4) acc = f32x4.add(acc, v128.load(xr + (<usize>c << 2)));
    if (tail) acc = f32x4.add(acc, loadPartial(xr + tb, tail));
    const mu: f32 = hsum(acc) / fcols;
    const vmu = f32x4.splat(mu);
    acc = f32x4.splat(0);
    for (let c = 0; c < body; c += 4) {
      const d = f32x4.sub(v128.load(xr + (<usize>c << 2)), vmu);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    if (tail) {
      const d = v128.and(f32x4.sub(loadPartial(xr + tb, tail), vmu), tmask);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    const rs: f32 = <f32>1 / sqrt<f32>(hsum(acc) / fcols + eps);
    store<f32>(mean + (<usize>r << 2), mu);
    store<f32>(rstd + (<usize>r << 2), rs);
    const vrs = f32x4.splat(rs);
    for (let c = 0; c < body; c += 4) {
      const o = <usize>c << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), vmu), vrs);
      v128.store(yr + o, f32x4.add(f32x4.mul(xh, v128.load(gamma + o)), v128.load(beta + o)));
    }
    if (tail) {
      const xh = f32x4.mul(f32x4.sub(loadPartial(xr + tb, tail), vmu), vrs);
      storePartial(yr + tb, f32x4.add(f32x4.mul(xh, loadPartial(gamma + tb, tail)), loadPartial(beta + tb, tail)), tail);
    }
  }
}

// x, dy, dx are (rows, cols); gamma, dgamma, dbeta are (cols); mean, rstd are (rows) from fwd.
export function f32_layernorm_bwd(x: usize, gamma: usize, mean: usize, rstd: usize, dy: usize, dx: usize, dgamma: usize, dbeta: usize, rows: i32, cols: i32, ith: i32, nth: i32): void {
  const body = cols & ~3;
  const tail = cols - body;
  const tmask = laneMask(tail);
  const fcols = <f32>cols;
  const tb = <usize>body << 2;

  // dx: this thread's rows
  const r0 = partStart(rows, 1, ith, nth);
  const r1 = partStart(rows, 1, ith + 1, nth);
  for (let r = r0; r < r1; r++) {
    const ro = <usize>r * <usize>cols * 4;
    const xr = x + ro, dyr = dy + ro, dxr = dx + ro;
    const vmu = f32x4.splat(load<f32>(mean + (<usize>r << 2)));
    const vrs = f32x4.splat(load<f32>(rstd + (<usize>r << 2)));
    let a1 = f32x4.splat(0), a2 = f32x4.splat(0);
    for (let c = 0; c < body; c += 4) {
      const o = <usize>c << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), vmu), vrs);
      const g = f32x4.mul(v128.load(dyr + o), v128.load(gamma + o));
      a1 = f32x4.add(a1, g);
      a2 = f32x4.add(a2, f32x4.mul(g, xh));
    }
    if (tail) {
      const xh = f32x4.mul(f32x4.sub(loadPartial(xr + tb, tail), vmu), vrs);
      const g = f32x4.mul(loadPartial(dyr + tb, tail), loadPartial(gamma + tb, tail));
      a1 = f32x4.add(a1, g);
      a2 = f32x4.add(a2, v128.and(f32x4.mul(g, xh), tmask));
    }
    const c1 = f32x4.splat(hsum(a1) / fcols);
    const c2 = f32x4.splat(hsum(a2) / fcols);
    for (let c = 0; c < body; c += 4) {
      const o = <usize>c << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), vmu), vrs);
      const g = f32x4.mul(v128.load(dyr + o), v128.load(gamma + o));
      v128.store(dxr + o, f32x4.mul(f32x4.sub(f32x4.sub(g, c1), f32x4.mul(xh, c2)), vrs));
    }
    if (tail) {
      const xh = f32x4.mul(f32x4.sub(loadPartial(xr + tb, tail), vmu), vrs);
      const g = f32x4.mul(loadPartial(dyr + tb, tail), loadPartial(gamma + tb, tail));
      storePartial(dxr + tb, f32x4.mul(f32x4.sub(f32x4.sub(g, c1), f32x4.mul(xh, c2)), vrs), tail);
    }
  }

  // dgamma, dbeta: this thread's columns [k0, k1), rows added in order
  const k0 = partStart(cols, 4, ith, nth);
  const k1 = partStart(cols, 4, ith + 1, nth);
  if (k0 >= k1) return;
  const kbody = k0 + ((k1 - k0) & ~3);
  const ktail = k1 - kbody;
  const kt = <usize>kbody << 2;
  for (let c = k0; c < kbody; c += 4) {
    v128.store(dgamma + (<usize>c << 2), f32x4.splat(0));
    v128.store(dbeta + (<usize>c << 2), f32x4.splat(0));
  }
  if (ktail) {
    storePartial(dgamma + kt, f32x4.splat(0), ktail);
    storePartial(dbeta + kt, f32x4.splat(0), ktail);
  }
  for (let r = 0; r < rows; r++) {
    const ro = <usize>r * <usize>cols * 4;
    const xr = x + ro, dyr = dy + ro;
    const vmu = f32x4.splat(load<f32>(mean + (<usize>r << 2)));
    const vrs = f32x4.splat(load<f32>(rstd + (<usize>r << 2)));
    for (let c = k0; c < kbody; c += 4) {
      const o = <usize>c << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), vmu), vrs);
      const d = v128.load(dyr + o);
      v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, xh)));
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
    }
    if (ktail) {
      const xh = f32x4.mul(f32x4.sub(loadPartial(xr + kt, ktail), vmu), vrs);
      const d = loadPartial(dyr + kt, ktail);
      storePartial(dgamma + kt, f32x4.add(loadPartial(dgamma + kt, ktail), f32x4.mul(d, xh)), ktail);
      storePartial(dbeta + kt, f32x4.add(loadPartial(dbeta + kt, ktail), d), ktail);
    }
  }
}
