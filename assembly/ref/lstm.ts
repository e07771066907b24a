// Scalar twins of kernels/lstm.ts: the test oracle. Same names and arguments minus (ith, nth);
// plain loops, every gate, product and state update in f64, rounded to f32 only where a value is
// stored (hs, cs, gates, dz, ...). Never optimise these.
// ws: scratch of at least 3 B H f64 (24 B H bytes) for the backward's carried gradients (the
// forward does not use it); sync is ignored.
import { recF, recD, f, put, taken } from './common';



// previous state of row b before processing step s: slot s-1 of seq, or init (or 0)
function prev(seq: usize, init: usize, T: i32, H: i32, b: i32, s: i32, j: i32): f64 {
  if (s > 0) return f(seq, (<i64>b * T + s - 1) * H + j);
  return init ? f(init, <i64>b * H + j) : 0;
}

// the recurrent dropout factor of unit k of row b: rdMask[b, k], or 1 without a mask
function rdm(rdMask: usize, H: i32, b: i32, k: i32): f64 { return rdMask ? f(rdMask, <i64>b * H + k) : 1; }

// xwRows (i32 (B,T)) or 0: row b's projections at step t are row xwRows[b T + t] of xw, else row b T + t.
// rdMask (B,H) or 0: recurrent dropout (Keras' recurrent_dropout): z = (h_{s-1} ⊙ rdMask) · U + xw,
// the same mask at every step; hs keeps the unmasked h.
export function f32_lstm_seq_fwd(xw: usize, u: usize, h0: usize, c0: usize, mask: usize, hs: usize, cs: usize, gates: usize,
                                 ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32, xwRows: usize, rdMask: usize): void {
  const G = 4 * H;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const on = taken(mask, T, b, t);
      const xr = (xwRows ? <i64>load<i32>(xwRows + ((<usize>b * T + t) << 2)) : <i64>b * T + t) * G;
      const gr = (<i64>b * T + s) * G;
      const hr = (<i64>b * T + s) * H;
      for (let j = 0; j < H; j++) {
        let zi: f64 = 0, zf: f64 = 0, zc: f64 = 0, zo: f64 = 0;
        for (let k = 0; k < H; k++) {
          const hk = prev(hs, h0, T, H, b, s, k) * rdm(rdMask, H, b, k);
          const ur = <i64>k * G;
          zi += hk * f(u, ur + j);
          zf += hk * f(u, ur + H + j);
          zc += hk * f(u, ur + 2 * H + j);
          zo += hk * f(u, ur + 3 * H + j);
        }
        zi += f(xw, xr + j); zf += f(xw, xr + H + j); zc += f(xw, xr + 2 * H + j); zo += f(xw, xr + 3 * H + j);
        const i = recF(recAct, zi), fg = recF(recAct, zf), g = Math.tanh(zc), o = recF(recAct, zo);
        const cprev = prev(cs, c0, T, H, b, s, j);
        let c = fg * cprev + i * g;
        let h = o * Math.tanh(c);
        if (!on) {
          c = cprev;
          h = prev(hs, h0, T, H, b, s, j);
        }
        if (gates) {
          put(gates, gr + j, i);
          put(gates, gr + H + j, fg);
          put(gates, gr + 2 * H + j, g);
          put(gates, gr + 3 * H + j, o);
        }
        put(cs, hr + j, c);
        put(hs, hr + j, h);
      }
    }
  }
}

export function f32_lstm_seq_bwd(u: usize, c0: usize, mask: usize, cs: usize, gates: usize,
                                 dhs: usize, dhT: usize, dcT: usize, dz: usize, dh0: usize, dc0: usize,
                                 ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32, rdMask: usize): void {
  const G = 4 * H;
  const n = <i64>B * H;
  // ws as f64: dh (carried), dc (carried), dh_new
  const dhc = ws, dcc = ws + <usize>(n << 3), dhn = ws + <usize>(n << 4);
  for (let e: i64 = 0; e < n; e++) {
    store<f64>(dhc + <usize>(e << 3), dhT ? f(dhT, e) : 0);
    store<f64>(dcc + <usize>(e << 3), dcT ? f(dcT, e) : 0);
  }
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const on = taken(mask, T, b, t);
      const gr = (<i64>b * T + s) * G;
      const zr = (<i64>b * T + t) * G;
      const hr = (<i64>b * T + s) * H;
      for (let j = 0; j < H; j++) {
        const e = <i64>b * H + j;
        const dh = load<f64>(dhc + <usize>(e << 3)) + (dhs ? f(dhs, hr + j) : 0);
        store<f64>(dhc + <usize>(e << 3), dh);
        if (!on) {
          put(dz, zr + j, 0); put(dz, zr + H + j, 0); put(dz, zr + 2 * H + j, 0); put(dz, zr + 3 * H + j, 0);
          continue;
        }
        const i = f(gates, gr + j), fg = f(gates, gr + H + j), g = f(gates, gr + 2 * H + j), o = f(gates, gr + 3 * H + j);
        const tc = Math.tanh(f(cs, hr + j));
        const cprev = prev(cs, c0, T, H, b, s, j);
        const dc = load<f64>(dcc + <usize>(e << 3)) + dh * o * (1 - tc * tc);
        put(dz, zr + j, dc * g * recD(recAct, i));
        put(dz, zr + H + j, dc * cprev * recD(recAct, fg));
        put(dz, zr + 2 * H + j, dc * i * (1 - g * g));
        put(dz, zr + 3 * H + j, dh * tc * recD(recAct, o));
        store<f64>(dcc + <usize>(e << 3), dc * fg);
      }
    }
    // dh_{s-1} = dz_t · Uᵀ (times rdMask with recurrent dropout) on rows that took the step, dh_s
    // carried on the others
    for (let b = 0; b < B; b++) {
      const on = taken(mask, T, b, t);
      const zr = (<i64>b * T + t) * G;
      for (let k = 0; k < H; k++) {
        const e = <i64>b * H + k;
        let v: f64 = 0;
        if (on) {
          for (let col = 0; col < G; col++) v += f(dz, zr + col) * f(u, <i64>k * G + col);
          v *= rdm(rdMask, H, b, k);
        } else {
          v = load<f64>(dhc + <usize>(e << 3));
        }
        store<f64>(dhn + <usize>(e << 3), v);
      }
    }
    for (let e: i64 = 0; e < n; e++) store<f64>(dhc + <usize>(e << 3), load<f64>(dhn + <usize>(e << 3)));
  }
  for (let e: i64 = 0; e < n; e++) {
    if (dh0) put(dh0, e, load<f64>(dhc + <usize>(e << 3)));
    if (dc0) put(dc0, e, load<f64>(dcc + <usize>(e << 3)));
  }
}
