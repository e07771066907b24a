// Scalar twin of kernels/simple_rnn.ts: the test oracle. Same names and arguments minus (ith, nth);
// plain loops, every product and activation in f64, rounded to f32 only where a value is stored
// (hs, dz, dh0, du). Never optimise this.
// ws: scratch of at least 2 B H f64 (16 B H bytes) for the backward's carried gradient (the forward
// does not use it); sync is ignored. act 0 tanh, 1 relu, 2 linear.
import { f, put, taken } from './common';

function hprev(hs: usize, h0: usize, T: i32, H: i32, b: i32, s: i32, j: i32): f64 {
  if (s > 0) return f(hs, (<i64>b * T + s - 1) * H + j);
  return h0 ? f(h0, <i64>b * H + j) : 0;
}
function act(a: i32, x: f64): f64 { return a == 0 ? Math.tanh(x) : a == 1 ? (x > 0 ? x : (x == x ? 0 : x)) : x; }
/** The derivative from the output y. */
function actD(a: i32, y: f64): f64 { return a == 0 ? 1 - y * y : a == 1 ? (y > 0 ? 1 : 0) : 1; }
function gd(p: usize, e: i64): f64 { return load<f64>(p + <usize>(e << 3)); }
function sd(p: usize, e: i64, v: f64): void { store<f64>(p + <usize>(e << 3), v); }

// xwRows (i32 (B,T)) or 0: row b's projection at step t is row xwRows[b T + t] of xw, else row b T + t.
export function f32_simple_rnn_seq_fwd(xw: usize, u: usize, h0: usize, mask: usize, hs: usize, ws: usize, sync: usize,
                                       B: i32, T: i32, H: i32, reverse: i32, a: i32, xwRows: usize): void {
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const xr = (xwRows ? <i64>load<i32>(xwRows + ((<usize>b * T + t) << 2)) : <i64>b * T + t) * H;
      const hr = (<i64>b * T + s) * H;
      const on = taken(mask, T, b, t);
      for (let j = 0; j < H; j++) {
        let z = f(xw, xr + j);
        for (let k = 0; k < H; k++) z += hprev(hs, h0, T, H, b, s, k) * f(u, <i64>k * H + j);
        put(hs, hr + j, on ? act(a, z) : hprev(hs, h0, T, H, b, s, j));
      }
    }
  }
}

export function f32_simple_rnn_seq_bwd(u: usize, h0: usize, mask: usize, hs: usize, dhs: usize, dhT: usize, dz: usize, dh0: usize, du: usize,
                                       ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, a: i32): void {
  const n = <i64>B * H;
  // ws as f64: dh (carried), dh_new
  const dhc = ws, dhn = ws + <usize>(n << 3);
  for (let e: i64 = 0; e < n; e++) sd(dhc, e, dhT ? f(dhT, e) : 0);
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const on = taken(mask, T, b, t);
      const zr = (<i64>b * T + t) * H;
      const hr = (<i64>b * T + s) * H;
      for (let j = 0; j < H; j++) {
        const e = <i64>b * H + j;
        const dh = gd(dhc, e) + (dhs ? f(dhs, hr + j) : 0);
        sd(dhc, e, dh);
        put(dz, zr + j, on ? dh * actD(a, f(hs, hr + j)) : 0);
      }
      for (let k = 0; k < H; k++) {
        const e = <i64>b * H + k;
        if (!on) { sd(dhn, e, gd(dhc, e)); continue; }
        let v: f64 = 0;
        for (let j = 0; j < H; j++) v += f(dz, zr + j) * f(u, <i64>k * H + j);
        sd(dhn, e, v);
      }
    }
    for (let e: i64 = 0; e < n; e++) sd(dhc, e, gd(dhn, e));
  }
  if (dh0) for (let e: i64 = 0; e < n; e++) put(dh0, e, gd(dhc, e));
  if (du) {
    // dU[k, j] = sum over steps and rows of h_{s-1}[b, k] dz_t[b, j]
    for (let k = 0; k < H; k++) {
      for (let j = 0; j < H; j++) {
        let v: f64 = 0;
        for (let s = 0; s < T; s++) {
          const t = reverse ? T - 1 - s : s;
          for (let b = 0; b < B; b++) v += hprev(hs, h0, T, H, b, s, k) * f(dz, (<i64>b * T + t) * H + j);
        }
        put(du, <i64>k * H + j, v);
      }
    }
  }
}
