// Whole-sequence SimpleRNN (Keras / tfjs-layers 4.22's SimpleRNNCell), forward and backward through
// time. The host computes the input projection of every step first (xw = x · W + b, one GEMM);
// these kernels run only the recurrence, every step in one call.
//
// Shapes (B batch, T steps, H units):
//   xw (B, T, H) in time order; or, with xwRows (i32 (B, T)), a table whose row xwRows[b, t] holds
//   row b's projection at step t (the folded embedding projection at inference, read in place);
//   u (H, H) the recurrent kernel; h0 (B, H) or 0 for zeros;
//   mask (B, T) or 0: a step is taken where mask != 0 (tfjs casts the mask to bool);
//   hs (B, T, H): h after every step, in processing order (slot s); xw, mask and dz in time order
//   (t = s, or t = T-1-s with reverse: goBackwards, whose outputs tfjs returns in processing order).
// Step s, per batch row:
//   h_s = act(xw_t + h_{s-1} · U)      (the product a sequential f32 sum over k starting from xw)
//   masked row: h_s = h_{s-1} (h_{-1} = h0), as tfjs-layers' rnn().
// act: 0 tanh, 1 relu, 2 linear: the Keras activations of kernels/unary.ts (f32_tanh_fwd: core/mathf.ts'
// vtanh, 3 ulp; f32_relu_fwd: max(x, 0)), called on the step's tile rather than inlined, so the
// inference build carries no second copy of them (its size counts). h_s is the layer's output, not a
// gate, so it gets the activation's relative accuracy rather than the gates' absolute bound.
//
// Threads own whole groups of 8 units (see core/rnn.ts). No value of a step depends on another
// unit's value of the same step, so threads meet once per step (after h_s); h is packed into two
// buffers alternating by step, so a thread writing h_s never overwrites the h_{s-1} a slower thread
// is still reading. Every value is computed by one thread with the same operations whatever nth is.
//
// Backward (BPTT), from dhs (B, T, H) (processing order; 0 for none) and dhT (B, H) (0 for none):
//   dh = the total gradient of h_s; on a row that took the step dz = dh act'(h_s) (from the output:
//   tanh 1 - h², relu [h > 0], linear 1) and dh_{s-1} = dz · Uᵀ; on a masked row dz = 0 and
//   dh_{s-1} = dh. dz (B, T, H), time order, is the gradient w.r.t. xw: the host turns it into
//   dW = xᵀ · dz, db = Σ dz, dx = dz · Wᵀ. dh0 (B, H) or 0.
//   du (H, H) or 0: dU = Σ_s h_{s-1}ᵀ · dz_s, summed in the kernel (s from T-1 down to 0, then b in
//   order) by the thread that owns the columns.
// Phases: A (own units: dz, dU's share), barrier, B (dh_{s-1} = dz · Uᵀ for own units). dz is packed
// into two buffers alternating by step, so one barrier per step suffices here too.
import { partStart } from '../core/partition';
import { f32_tanh_fwd, f32_relu_fwd } from './unary';
import { barrier } from '../core/barrier';
import { ld4, st4, packCols, packRows, panelProduct, packedProduct, packLanes, packBlock, zeroTile, loadTile, rankUpdate } from '../core/rnn';

// Scratch (ws), floats; src/kernels/simple_rnn.ts computes the same (B4 = B rounded down to a
// multiple of 4, N8 = H rounded up to a multiple of 8, H4 = H rounded up to a multiple of 4).
// forward: NG panels of H x 8 (U), a B x N8 tile, two packed copies of h (B4 x H each).
// backward: NG panels of H x 8 (Uᵀ), two B x N8 tiles (the product, the carried dh), two packed
// copies of dz (B4 x H each); with du also a B x N8 tile of own dz and an H4 x N8 accumulator.

// xw (B,T,H), or a table of H-float rows with xwRows (B,T) i32 (every value a row of it) or 0;
// u (H,H), h0 (B,H) or 0, mask (B,T) or 0 -> hs (B,T,H).
// ws: simpleRnnForwardWorkspaceBytes (src/kernels/simple_rnn.ts); sync: 4 zeroed i32.
// act 0 tanh, 1 relu, 2 linear.
export function f32_simple_rnn_seq_fwd(xw: usize, u: usize, h0: usize, mask: usize, hs: usize, ws: usize, sync: usize,
                                       B: i32, T: i32, H: i32, reverse: i32, act: i32, xwRows: usize, ith: i32, nth: i32): void {
  if (B <= 0 || T <= 0 || H <= 0 || ith >= nth) return;
  const NG = (H + 7) >> 3;
  const u0 = partStart(NG, 1, ith, nth), u1 = partStart(NG, 1, ith + 1, nth);
  const j0 = u0 << 3, j1 = min(u1 << 3, H);
  const HB = <usize>H << 2;                // bytes of one step's H values
  const pb = <usize>H << 5;                // a panel: H x 8
  const hss = <usize>T * HB;               // bytes of one row of hs (and of xw)
  const pw = ws;
  const tile = pw + <usize>NG * pb;
  const ts = <usize>NG << 5;
  const B4 = B & ~3;
  const hk0 = tile + <usize>B * ts;        // packed h, even steps write it
  const hk1 = hk0 + <usize>B4 * HB;        // odd steps
  const bs = HB << 2;
  for (let un = u0; un < u1; un++) {
    const j = un << 3;
    packCols(u + (<usize>j << 2), HB, min(8, H - j), H, pw + <usize>un * pb);
  }
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    let hp: usize = 0, hps: usize = 0;
    if (s > 0) { hp = hs + <usize>(s - 1) * HB; hps = hss; } else if (h0) { hp = h0; hps = HB; }
    const hkIn = (s & 1) ? hk0 : hk1, hkOut = (s & 1) ? hk1 : hk0;
    if (u0 < u1) {
      // tile = xw_t + h_{s-1} · U for the own units
      if (xwRows) loadTile(xw, HB, xwRows + (<usize>t << 2), <usize>T << 2, B, H, NG, 0, 1, u0, u1, tile, ts);
      else loadTile(xw + <usize>t * HB, hss, 0, 0, B, H, NG, 0, 1, u0, u1, tile, ts);
      if (s > 0) packedProduct(hkIn, bs, hp, hps, B, H, pw, pb, u0, u1, tile, ts, false);
      else if (hp) panelProduct(hp, hps, B, H, pw, pb, u0, u1, tile, ts);
      // h_s of own units: the tile activated in place (a tile row is the units in order), copied to
      // hs, or h_{s-1} on a masked row; then packed for the next step's product
      const jb = <usize>j0 << 2, own = <usize>(j1 - j0) << 2;
      for (let b = 0; b < B; b++) {
        const tr = tile + <usize>b * ts;
        if (act == 0) f32_tanh_fwd(tr + jb, tr + jb, j1 - j0, 0, 1);
        else if (act == 1) f32_relu_fwd(tr + jb, tr + jb, j1 - j0, 0, 1);
        const hr = hs + <usize>b * hss + <usize>s * HB + jb;
        if (mask == 0 || load<f32>(mask + ((<usize>b * T + t) << 2)) != 0) memory.copy(hr, tr + jb, own);
        else if (hp) memory.copy(hr, hp + <usize>b * hps + jb, own);
        else memory.fill(hr, 0, own);
      }
      for (let b = 0; b < B4; b += 4) packBlock(hs + <usize>s * HB, hss, hkOut, bs, b, j0, j1);
    }
    if (s + 1 < T) barrier(sync, nth);
  }
}

// u (H,H), h0 (B,H) or 0, mask (B,T) or 0, hs (B,T,H) from the forward; dhs (B,T,H) or 0,
// dhT (B,H) or 0 -> dz (B,T,H), dh0 (B,H) or 0, du (H,H) or 0 (OVERWRITTEN).
// ws: simpleRnnBackwardWorkspaceBytes (src/kernels/simple_rnn.ts); sync: 4 zeroed i32.
export function f32_simple_rnn_seq_bwd(u: usize, h0: usize, mask: usize, hs: usize, dhs: usize, dhT: usize, dz: usize, dh0: usize, du: usize,
                                       ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, act: i32, ith: i32, nth: i32): void {
  // B = 0 or T = 0 still writes dh0 = dhT and du = 0
  if (B < 0 || T < 0 || H <= 0 || ith >= nth) return;
  const NG = (H + 7) >> 3;
  const u0 = partStart(NG, 1, ith, nth), u1 = partStart(NG, 1, ith + 1, nth);
  const j0 = u0 << 3, j1 = min(u1 << 3, H);
  const HB = <usize>H << 2;
  const pb = <usize>H << 5;
  const hss = <usize>T * HB;
  const ts = <usize>NG << 5;
  const pw = ws;                                   // Uᵀ panels
  const tile = pw + <usize>NG * pb;                // B x N8: dz · Uᵀ
  const dhb = tile + <usize>B * ts;                // B x N8: the carried dh of own units
  const B4 = B & ~3;
  const zp0 = dhb + <usize>B * ts;                 // packed dz, two copies of B4 x H
  const zp1 = zp0 + <usize>B4 * HB;
  const bs = HB << 2;
  const dd = du ? zp1 + <usize>B4 * HB : 0;        // B x N8: own dz columns, padded
  const acc = du ? dd + <usize>B * ts : 0;         // H4 x N8
  const H4 = (H + 3) & ~3;
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    for (let j = j0; j < j1; j += 4) {
      v128.store(dhb + <usize>b * ts + (<usize>j << 2), dhT ? ld4(dhT + <usize>b * HB + (<usize>j << 2), min(4, H - j)) : f32x4.splat(0));
    }
  }
  for (let un = u0; un < u1; un++) {
    const j = un << 3;
    packRows(u + <usize>j * HB, HB, min(8, H - j), H, pw + <usize>un * pb);
  }
  if (du) {
    zeroTile(acc, ts, H4, u0, u1);
    zeroTile(dd, ts, B, u0, u1);
  }
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const dzt = dz + <usize>t * HB;
    const zpk = (s & 1) ? zp1 : zp0;
    let hp: usize = 0, hps: usize = 0;
    if (s > 0) { hp = hs + <usize>(s - 1) * HB; hps = hss; } else if (h0) { hp = h0; hps = HB; }
    // phase A: dz of own units
    for (let b = 0; b < B; b++) {
      const on = mask == 0 || load<f32>(mask + ((<usize>b * T + t) << 2)) != 0;
      const hr = hs + <usize>b * hss + <usize>s * HB;
      const zr = dzt + <usize>b * hss;
      const dhr = dhs ? dhs + <usize>b * hss + <usize>s * HB : 0;
      const hb = dhb + <usize>b * ts;
      const db = dd + <usize>b * ts;
      for (let j = j0; j < j1; j += 4) {
        const n = min(4, H - j);
        const jo = <usize>j << 2;
        let dh = v128.load(hb + jo);
        if (dhr) dh = f32x4.add(ld4(dhr + jo, n), dh);
        v128.store(hb + jo, dh);
        let dzv = f32x4.splat(0);
        if (on) {
          const h = ld4(hr + jo, n);
          if (act == 0) dzv = f32x4.mul(dh, f32x4.sub(one, f32x4.mul(h, h)));
          else if (act == 1) dzv = v128.and(dh, f32x4.gt(h, f32x4.splat(0)));
          else dzv = dh;
        }
        st4(zr + jo, dzv, n);
        if (b < B4) packLanes(zpk, bs, b, j, dzv, n);
        if (dd) v128.store(db + jo, dzv);
      }
    }
    if (dd && hp) rankUpdate(hp, hps, B, H, dd, ts, u0, u1, acc, ts);
    barrier(sync, nth);
    // phase B: dh_{s-1} = dz · Uᵀ for own units on rows that took the step
    packedProduct(zpk, bs, dzt, hss, B, H, pw, pb, u0, u1, tile, ts, true);
    for (let b = 0; b < B; b++) {
      if (mask != 0 && load<f32>(mask + ((<usize>b * T + t) << 2)) == 0) continue;
      const tr = tile + <usize>b * ts;
      const hb = dhb + <usize>b * ts;
      for (let j = j0; j < j1; j += 4) v128.store(hb + (<usize>j << 2), v128.load(tr + (<usize>j << 2)));
    }
  }
  if (dh0) {
    for (let b = 0; b < B; b++) {
      for (let j = j0; j < j1; j += 4) st4(dh0 + <usize>b * HB + (<usize>j << 2), v128.load(dhb + <usize>b * ts + (<usize>j << 2)), min(4, H - j));
    }
  }
  if (du) {
    for (let k = 0; k < H; k++) {
      const ar = acc + <usize>k * ts;
      const ur = du + <usize>k * HB;
      for (let j = j0; j < j1; j += 4) st4(ur + (<usize>j << 2), v128.load(ar + (<usize>j << 2)), min(4, H - j));
    }
  }
}
