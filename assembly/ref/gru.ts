// Scalar twins of kernels/gru.ts: the test oracle. Same names and arguments minus (ith, nth);
// plain loops, every gate, product and state update in f64, rounded to f32 only where a value is
// stored (hs, gates, rh, dz, ...). Never optimise these.
// ws: scratch of at least 3 B H f64 (24 B H bytes) for the backward (the forward does not use it);
// sync is ignored.
import { recF, recD, f, put, taken } from './common';


function hprev(hs: usize, h0: usize, T: i32, H: i32, b: i32, s: i32, j: i32): f64 {
  if (s > 0) return f(hs, (<i64>b * T + s - 1) * H + j);
  return h0 ? f(h0, <i64>b * H + j) : 0;
}
function gd(p: usize, e: i64): f64 { return load<f64>(p + <usize>(e << 3)); }
function sd(p: usize, e: i64, v: f64): void { store<f64>(p + <usize>(e << 3), v); }

// xwRows (i32 (B,T)) or 0: row b's projections at step t are row xwRows[b T + t] of xw, else row b T + t.
export function f32_gru_seq_fwd(xw: usize, u: usize, h0: usize, mask: usize, hs: usize, gates: usize, rh: usize,
                                ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32, xwRows: usize): void {
  const G = 3 * H;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const xr = (xwRows ? <i64>load<i32>(xwRows + ((<usize>b * T + t) << 2)) : <i64>b * T + t) * G;
      const gr = (<i64>b * T + s) * G;
      const hr = (<i64>b * T + s) * H;
      // z, r and r h_{s-1} for every unit first: the candidate needs all of r h_{s-1}
      for (let j = 0; j < H; j++) {
        let az = f(xw, xr + j), ar = f(xw, xr + H + j);
        for (let k = 0; k < H; k++) {
          const hk = hprev(hs, h0, T, H, b, s, k);
          az += hk * f(u, <i64>k * G + j);
          ar += hk * f(u, <i64>k * G + H + j);
        }
        const r = recF(recAct, ar);
        put(gates, gr + j, recF(recAct, az));
        put(gates, gr + H + j, r);
        put(rh, hr + j, r * hprev(hs, h0, T, H, b, s, j));
      }
      for (let j = 0; j < H; j++) {
        let ah = f(xw, xr + 2 * H + j);
        for (let k = 0; k < H; k++) ah += f(rh, hr + k) * f(u, <i64>k * G + 2 * H + j);
        const hh = Math.tanh(ah);
        const z = f(gates, gr + j);
        const hp = hprev(hs, h0, T, H, b, s, j);
        put(gates, gr + 2 * H + j, hh);
        put(hs, hr + j, taken(mask, T, b, t) ? z * hp + (1 - z) * hh : hp);
      }
    }
  }
}

export function f32_gru_seq_bwd(u: usize, h0: usize, mask: usize, hs: usize, gates: usize, rh: usize,
                                dhs: usize, dhT: usize, dz: usize, dh0: usize, du: usize,
                                ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32): void {
  const G = 3 * H;
  const n = <i64>B * H;
  // ws as f64: dh (carried), drh, dh_new
  const dhc = ws, drh = ws + <usize>(n << 3), dhn = ws + <usize>(n << 4);
  for (let e: i64 = 0; e < n; e++) sd(dhc, e, dhT ? f(dhT, e) : 0);
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const on = taken(mask, T, b, t);
      const gr = (<i64>b * T + s) * G;
      const zr = (<i64>b * T + t) * G;
      const hr = (<i64>b * T + s) * H;
      for (let j = 0; j < H; j++) {
        const e = <i64>b * H + j;
        const dh = gd(dhc, e) + (dhs ? f(dhs, hr + j) : 0);
        sd(dhc, e, dh);
        if (!on) {
          put(dz, zr + j, 0); put(dz, zr + 2 * H + j, 0);
          continue;
        }
        const z = f(gates, gr + j), hh = f(gates, gr + 2 * H + j);
        put(dz, zr + 2 * H + j, dh * (1 - z) * (1 - hh * hh));
        put(dz, zr + j, dh * (hprev(hs, h0, T, H, b, s, j) - hh) * recD(recAct, z));
      }
      for (let j = 0; j < H; j++) {
        if (!on) { put(dz, zr + H + j, 0); continue; }
        let v: f64 = 0;
        for (let k = 0; k < H; k++) v += f(dz, zr + 2 * H + k) * f(u, <i64>j * G + 2 * H + k);
        sd(drh, <i64>b * H + j, v);
        put(dz, zr + H + j, v * hprev(hs, h0, T, H, b, s, j) * recD(recAct, f(gates, gr + H + j)));
      }
      for (let k = 0; k < H; k++) {
        const e = <i64>b * H + k;
        if (!on) { sd(dhn, e, gd(dhc, e)); continue; }
        let v: f64 = 0;
        for (let col = 0; col < 2 * H; col++) v += f(dz, zr + col) * f(u, <i64>k * G + col);
        v += gd(dhc, e) * f(gates, gr + k) + gd(drh, e) * f(gates, gr + H + k);
        sd(dhn, e, v);
      }
    }
    for (let e: i64 = 0; e < n; e++) sd(dhc, e, gd(dhn, e));
  }
  if (dh0) for (let e: i64 = 0; e < n; e++) put(dh0, e, gd(dhc, e));
  if (du) {
    // dU_zr[k, col] = sum of h_{s-1}[b, k] dz_t[b, col]; dU_h[k, col] = sum of rh_s[b, k] dz_t[b, col]
    for (let k = 0; k < H; k++) {
      for (let col = 0; col < G; col++) {
        let v: f64 = 0;
        for (let s = 0; s < T; s++) {
          const t = reverse ? T - 1 - s : s;
          for (let b = 0; b < B; b++) {
            const left = col < 2 * H ? hprev(hs, h0, T, H, b, s, k) : f(rh, (<i64>b * T + s) * H + k);
            v += left * f(dz, (<i64>b * T + t) * G + col);
          }
        }
        put(du, <i64>k * G + col, v);
      }
    }
  }
}

// ---- resetAfter true (Keras 2/3's default GRU, the CuDNN form) ---------------------------------
// rb (3H) the recurrent bias or 0; ih (B,T,H) in processing order: h_{s-1} · U_h + rb_h.
//   z = σ(xw_z + h_{s-1} · U_z + rb_z), r = σ(xw_r + h_{s-1} · U_r + rb_r)
//   hh = tanh(xw_h + r ⊙ ih),  h_s = z h_{s-1} + (1 - z) hh;  masked: h_s = h_{s-1}.
export function f32_gru_seq_reset_after_fwd(xw: usize, u: usize, rb: usize, h0: usize, mask: usize, hs: usize, gates: usize, ih: usize,
                                            ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32, xwRows: usize): void {
  const G = 3 * H;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const xr = (xwRows ? <i64>load<i32>(xwRows + ((<usize>b * T + t) << 2)) : <i64>b * T + t) * G;
      const gr = (<i64>b * T + s) * G;
      const hr = (<i64>b * T + s) * H;
      // every unit's recurrent sums first: h_s overwrites nothing this step reads (hs row s)
      for (let j = 0; j < H; j++) {
        let az: f64 = rb ? f(rb, j) : 0, ar: f64 = rb ? f(rb, H + j) : 0, ah: f64 = rb ? f(rb, 2 * H + j) : 0;
        for (let k = 0; k < H; k++) {
          const hk = hprev(hs, h0, T, H, b, s, k);
          az += hk * f(u, <i64>k * G + j);
          ar += hk * f(u, <i64>k * G + H + j);
          ah += hk * f(u, <i64>k * G + 2 * H + j);
        }
        const z = recF(recAct, f(xw, xr + j) + az);
        const r = recF(recAct, f(xw, xr + H + j) + ar);
        const hh = Math.tanh(f(xw, xr + 2 * H + j) + r * ah);
        const hp = hprev(hs, h0, T, H, b, s, j);
        put(gates, gr + j, z);
        put(gates, gr + H + j, r);
        put(gates, gr + 2 * H + j, hh);
        put(ih, hr + j, ah);
        put(hs, hr + j, taken(mask, T, b, t) ? z * hp + (1 - z) * hh : hp);
      }
    }
  }
}

// The backward of the above. dz (B,T,3H), time order: the gradient w.r.t. xw (x · W + b_in); the
// recurrent pre-activations' gradient is g = [dz_z, dz_r, dz_h ⊙ r]: dU = Σ h_{s-1}ᵀ g, drb = Σ g
// (3H, or 0 to skip), dh_{s-1} = g · Uᵀ + dh z on rows that took the step.
//   dz_h = dh (1 - z)(1 - hh²),  dz_z = dh (h_{s-1} - hh) σ'(z),  dz_r = dz_h ih σ'(r)
// ws: at least 2 B H f64 (16 B H bytes).
export function f32_gru_seq_reset_after_bwd(u: usize, h0: usize, mask: usize, hs: usize, gates: usize, ih: usize,
                                            dhs: usize, dhT: usize, dz: usize, dh0: usize, du: usize, drb: usize,
                                            ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32): void {
  const G = 3 * H;
  const n = <i64>B * H;
  const dhc = ws, dhn = ws + <usize>(n << 3);
  for (let e: i64 = 0; e < n; e++) sd(dhc, e, dhT ? f(dhT, e) : 0);
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const on = taken(mask, T, b, t);
      const gr = (<i64>b * T + s) * G;
      const zr = (<i64>b * T + t) * G;
      const hr = (<i64>b * T + s) * H;
      for (let j = 0; j < H; j++) {
        const e = <i64>b * H + j;
        const dh = gd(dhc, e) + (dhs ? f(dhs, hr + j) : 0);
        sd(dhc, e, dh);
        if (!on) { put(dz, zr + j, 0); put(dz, zr + H + j, 0); put(dz, zr + 2 * H + j, 0); continue; }
        const z = f(gates, gr + j), r = f(gates, gr + H + j), hh = f(gates, gr + 2 * H + j);
        const dzh = dh * (1 - z) * (1 - hh * hh);
        put(dz, zr + 2 * H + j, dzh);
        put(dz, zr + j, dh * (hprev(hs, h0, T, H, b, s, j) - hh) * recD(recAct, z));
        put(dz, zr + H + j, dzh * f(ih, hr + j) * recD(recAct, r));
      }
      for (let k = 0; k < H; k++) {
        const e = <i64>b * H + k;
        if (!on) { sd(dhn, e, gd(dhc, e)); continue; }
        let v: f64 = 0;
        for (let col = 0; col < G; col++) v += gRec(dz, gates, zr, gr, H, col) * f(u, <i64>k * G + col);
        sd(dhn, e, v + gd(dhc, e) * f(gates, gr + k));
      }
    }
    for (let e: i64 = 0; e < n; e++) sd(dhc, e, gd(dhn, e));
  }
  if (dh0) for (let e: i64 = 0; e < n; e++) put(dh0, e, gd(dhc, e));
  for (let col = 0; col < G; col++) {
    let vb: f64 = 0;
    const K = du ? H : 0;
    for (let k = 0; k < K; k++) {
      let v: f64 = 0;
      for (let s = 0; s < T; s++) {
        const t = reverse ? T - 1 - s : s;
        for (let b = 0; b < B; b++) v += hprev(hs, h0, T, H, b, s, k) * gRec(dz, gates, (<i64>b * T + t) * G, (<i64>b * T + s) * G, H, col);
      }
      put(du, <i64>k * G + col, v);
    }
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      for (let b = 0; b < B; b++) vb += gRec(dz, gates, (<i64>b * T + t) * G, (<i64>b * T + s) * G, H, col);
    }
    if (drb) put(drb, col, vb);
  }
}

// Column col of the recurrent pre-activations' gradient g = [dz_z, dz_r, dz_h r] (dz row zr, gates row gr).
function gRec(dz: usize, gates: usize, zr: i64, gr: i64, H: i32, col: i32): f64 {
  const d = f(dz, zr + col);
  return col < 2 * H ? d : d * f(gates, gr + col - H);
}
