// Whole-sequence GRU, forward and backward through time, exactly tfjs-layers 4.22's GRUCell
// (reset gate applied before the recurrent product, "resetAfter = false", the only mode tfjs has; the
// resetAfter-true kernels, Keras 2/3's default, are at the end of this file).
// The host computes the input projection of every step first (xw = x · W + b, one GEMM); these
// kernels run only the recurrence, every step in one call.
//
// Shapes (B batch, T steps, H units; gate blocks z, r, h of H columns each, in that order):
//   xw (B, T, 3H) in time order; or, with xwRows (i32 (B, T)), a table whose row xwRows[b, t] holds
//   row b's projections at step t (the folded embedding projection at inference, read in place);
//   u (H, 3H) the recurrent kernel; h0 (B, H) or 0 for zeros;
//   mask (B, T) or 0: a step is taken where mask != 0 (tfjs casts the mask to bool);
//   hs (B, T, H): h after every step; gates (B, T, 3H): the activated z, r, hh;
//   rh (B, T, H): r ⊙ h_{s-1}, the left operand of the candidate's product (kept for dU).
//   hs, gates and rh are in processing order (slot s), xw, mask and dz in time order (t):
//   t = s, or t = T-1-s with reverse (goBackwards: tfjs returns the outputs in processing order).
// Step s, per batch row:
//   z = σ(xw_z + h_{s-1} · U_z),  r = σ(xw_r + h_{s-1} · U_r)
//   hh = tanh(xw_h + (r ⊙ h_{s-1}) · U_h)
//   h_s = z h_{s-1} + (1 - z) hh
//   masked row: h_s = h_{s-1} (h_{-1} = h0), as tfjs-layers' rnn().
// σ is sigmoid or tfjs' hardSigmoid (recAct 0 / 1). Products are sequential f32 sums over k
// starting from xw; sigmoid and tanh are core/mathf.ts' gate forms vsigmoidGate / vtanhGate
// (absolute error <= 1.2e-7).
//
// Threads own whole groups of 8 units (see core/rnn.ts). A step needs all of r ⊙ h_{s-1} before
// the candidate's product, so threads meet twice per step: after z, r (phase 1) and after h_s
// (phase 2). Every value is computed by one thread with the same operations whatever nth is.
//
// Backward (BPTT), from dhs (B, T, H) (processing order; 0 for none) and dhT (B, H) (0 for none):
//   dz (B, T, 3H), time order: gradient w.r.t. the pre-activations (= w.r.t. xw): the host turns
//   it into dW = xᵀ · dz, db = Σ dz, dx = dz · Wᵀ.  dh0 (B, H) or 0.
//   du (H, 3H) or 0: dU_zr = Σ_s h_{s-1}ᵀ · dz_zr, dU_h = Σ_s rh_sᵀ · dz_h, summed in the kernel
//   (s from T-1 down to 0, then b in order) by the thread that owns the columns.
// With dh the total gradient of h_s on a row that took the step:
//   dz_h = dh (1 - z) (1 - hh²),  dz_z = dh (h_{s-1} - hh) σ'(z)
//   drh  = dz_h · U_hᵀ,           dz_r = drh h_{s-1} σ'(r)
//   dh_{s-1} = [dz_z dz_r] · [U_z U_r]ᵀ + dh z + drh r
// Phases: A (own units: dz_z, dz_h), barrier, B (drh = dz_h · U_hᵀ for own units, dz_r), barrier,
// C (dh_{s-1} for own units). Two barriers per step.
import { partStart } from '../core/partition';
import { vtanhGate } from '../core/mathf';
import { barrier } from '../core/barrier';
import {
  SigmoidAct, HardSigmoidAct, ld4, st4, packCols, packRows, panelProduct, packedProduct, packLanes, zeroTile, loadTile, rankUpdate,
} from '../core/rnn';

// Scratch (ws), floats; src/kernels/gru.ts computes the same.
// forward: 3 NG panels of H x 8 (U), a B x 3 NG x 8 tile, packed copies of h and of r ⊙ h (B4 x H
// each, B4 = B rounded down to a multiple of 4: the rows in whole blocks, see core/rnn.ts).
// backward: NG panels of H x 8 (U_hᵀ) and of 2H x 8 ([U_z U_r]ᵀ), three B x NG x 8 tiles, two packed
// copies of dz (B4 x 3H, alternating by step); with du also a B x 3NG x 8 tile and a
// ceil(H/4)*4 x 3NG x 8 accumulator.

// Step t's projections of gates [g0, g1) into the tile: rows b T + t of xw (xs bytes apart), or
// rows xwRows[b, t] of the table xw (G3 bytes each).
// @ts-ignore: decorator
@inline
function loadXw(xw: usize, xwRows: usize, t: i32, T: i32, G3: usize, xs: usize, B: i32, H: i32, NG: i32, g0: i32, g1: i32,
                u0: i32, u1: i32, tile: usize, ts: usize): void {
  if (xwRows) loadTile(xw, G3, xwRows + (<usize>t << 2), <usize>T << 2, B, H, NG, g0, g1, u0, u1, tile, ts);
  else loadTile(xw + <usize>t * G3, xs, 0, 0, B, H, NG, g0, g1, u0, u1, tile, ts);
}

function gruFwd<Act>(xw: usize, xwRows: usize, u: usize, h0: usize, mask: usize, hs: usize, gates: usize, rh: usize,
                     ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, ith: i32, nth: i32): void {
  const act = changetype<Act>(0);
  const NG = (H + 7) >> 3;
  const NG8 = NG << 3;
  const u0 = partStart(NG, 1, ith, nth), u1 = partStart(NG, 1, ith + 1, nth);
  const j0 = u0 << 3, j1 = min(u1 << 3, H);
  const pb = <usize>H << 5;
  const G3 = <usize>H * 12;                 // bytes of one step's 3H values
  const HB = <usize>H << 2;
  const xs = <usize>T * G3;
  const hss = <usize>T * HB;
  const pw = ws;
  const tile = ws + <usize>(3 * NG) * pb;
  const ts = <usize>NG8 * 12;
  const B4 = B & ~3;
  const hpk = tile + <usize>B * ts;                // packed h_{s-1} (written in phase 2, read in phase 1)
  const rpk = hpk + <usize>B4 * HB;                // packed r ⊙ h_{s-1} (written in phase 1, read in phase 2)
  const bs = HB << 2;
  const one = f32x4.splat(1);
  for (let g = 0; g < 3; g++) {
    for (let un = u0; un < u1; un++) {
      const j = un << 3;
      packCols(u + (<usize>(g * H + j) << 2), G3, min(8, H - j), H, pw + <usize>(g * NG + un) * pb);
    }
  }
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    let hp: usize = 0, hps: usize = 0;
    if (s > 0) { hp = hs + <usize>(s - 1) * HB; hps = hss; } else if (h0) { hp = h0; hps = HB; }
    if (u0 < u1) {
      // phase 1: z, r and r ⊙ h_{s-1} of own units
      loadXw(xw, xwRows, t, T, G3, xs, B, H, NG, 0, 2, u0, u1, tile, ts);
      if (s > 0) {
        packedProduct(hpk, bs, hp, hps, B, H, pw, pb, u0, u1, tile, ts, false);
        packedProduct(hpk, bs, hp, hps, B, H, pw, pb, NG + u0, NG + u1, tile, ts, false);
      } else if (hp) {
        panelProduct(hp, hps, B, H, pw, pb, u0, u1, tile, ts);
        panelProduct(hp, hps, B, H, pw, pb, NG + u0, NG + u1, tile, ts);
      }
      for (let b = 0; b < B; b++) {
        const tr = tile + <usize>b * ts;
        const gr = gates + <usize>b * xs + <usize>s * G3;
        const rr = rh + <usize>b * hss + <usize>s * HB;
        const hpr = hp ? hp + <usize>b * hps : 0;
        for (let j = j0; j < j1; j += 4) {
          const n = min(4, H - j);
          const jo = <usize>j << 2;
          const z = act.f(v128.load(tr + jo));
          const r = act.f(v128.load(tr + jo + (<usize>NG8 << 2)));
          const hpv = hpr ? ld4(hpr + jo, n) : f32x4.splat(0);
          st4(gr + jo, z, n);
          st4(gr + jo + HB, r, n);
          const rhv = f32x4.mul(r, hpv);
          st4(rr + jo, rhv, n);
          if (b < B4) packLanes(rpk, bs, b, j, rhv, n);
        }
      }
    }
    barrier(sync, nth);
    if (u0 < u1) {
      // phase 2: the candidate and h_s of own units
      loadXw(xw, xwRows, t, T, G3, xs, B, H, NG, 2, 3, u0, u1, tile, ts);
      if (hp) packedProduct(rpk, bs, rh + <usize>s * HB, hss, B, H, pw, pb, 2 * NG + u0, 2 * NG + u1, tile, ts, false);
      for (let b = 0; b < B; b++) {
        const on = mask == 0 || load<f32>(mask + ((<usize>b * T + t) << 2)) != 0;
        const tr = tile + <usize>b * ts;
        const gr = gates + <usize>b * xs + <usize>s * G3;
        const hr = hs + <usize>b * hss + <usize>s * HB;
        const hpr = hp ? hp + <usize>b * hps : 0;
        for (let j = j0; j < j1; j += 4) {
          const n = min(4, H - j);
          const jo = <usize>j << 2;
          const hh = vtanhGate(v128.load(tr + jo + (<usize>NG8 << 3)));
          const z = ld4(gr + jo, n);
          const hpv = hpr ? ld4(hpr + jo, n) : f32x4.splat(0);
          let h = f32x4.add(f32x4.mul(z, hpv), f32x4.mul(f32x4.sub(one, z), hh));
          if (!on) h = hpv;
          st4(gr + jo + 2 * HB, hh, n);
          st4(hr + jo, h, n);
          if (b < B4) packLanes(hpk, bs, b, j, h, n);
        }
      }
    }
    if (s + 1 < T) barrier(sync, nth);
  }
}

// xw (B,T,3H), or a table of 3H-float rows with xwRows (B,T) i32 (every value a row of it) or 0;
// u (H,3H), h0 (B,H) or 0, mask (B,T) or 0 -> hs (B,T,H), gates (B,T,3H), rh (B,T,H).
// ws: gruForwardWorkspaceBytes (src/kernels/gru.ts); sync: 4 zeroed i32. recAct 0 sigmoid, 1 hardSigmoid.
export function f32_gru_seq_fwd(xw: usize, u: usize, h0: usize, mask: usize, hs: usize, gates: usize, rh: usize,
                                ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32, xwRows: usize, ith: i32, nth: i32): void {
  if (B <= 0 || T <= 0 || H <= 0 || ith >= nth) return;
  if (recAct == 1) gruFwd<HardSigmoidAct>(xw, xwRows, u, h0, mask, hs, gates, rh, ws, sync, B, T, H, reverse, ith, nth);
  else gruFwd<SigmoidAct>(xw, xwRows, u, h0, mask, hs, gates, rh, ws, sync, B, T, H, reverse, ith, nth);
}

// ---- backward ----------------------------------------------------------------------------------

function gruBwd<Act>(u: usize, h0: usize, mask: usize, hs: usize, gates: usize, rh: usize,
                     dhs: usize, dhT: usize, dz: usize, dh0: usize, du: usize,
                     ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, ith: i32, nth: i32): void {
  const act = changetype<Act>(0);
  const NG = (H + 7) >> 3;
  const NG8 = NG << 3;
  const u0 = partStart(NG, 1, ith, nth), u1 = partStart(NG, 1, ith + 1, nth);
  const j0 = u0 << 3, j1 = min(u1 << 3, H);
  const G3 = <usize>H * 12;
  const HB = <usize>H << 2;
  const xs = <usize>T * G3;
  const hss = <usize>T * HB;
  const pbh = <usize>H << 5;                       // a U_hᵀ panel: H x 8
  const pbzr = <usize>H << 6;                      // a [U_z U_r]ᵀ panel: 2H x 8
  const tsb = <usize>NG8 << 2;                     // one row of an NG x 8 tile
  const pwh = ws;
  const pwzr = pwh + <usize>NG * pbh;
  const tile = pwzr + <usize>NG * pbzr;
  const dhb = tile + <usize>B * tsb;
  const drb = dhb + <usize>B * tsb;
  const B4 = B & ~3;
  const zbs = G3 << 2;                             // a packed block of 4 dz rows: 4 x 3H
  const zp0 = drb + <usize>B * tsb;                // packed dz, two copies of B4 x 3H
  const zp1 = zp0 + <usize>B4 * G3;
  const dd = du ? zp1 + <usize>B4 * G3 : 0;        // B x 3NG x 8: own dz columns, padded
  const ds = <usize>NG8 * 12;
  const acc = du ? dd + <usize>B * ds : 0;         // ceil(H/4)*4 x 3NG x 8
  const H4 = (H + 3) & ~3;
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    for (let j = j0; j < j1; j += 4) {
      v128.store(dhb + <usize>b * tsb + (<usize>j << 2), dhT ? ld4(dhT + <usize>b * HB + (<usize>j << 2), min(4, H - j)) : f32x4.splat(0));
    }
  }
  for (let un = u0; un < u1; un++) {
    const j = un << 3;
    const n = min(8, H - j);
    packRows(u + <usize>j * G3 + (<usize>H << 3), G3, n, H, pwh + <usize>un * pbh);
    packRows(u + <usize>j * G3, G3, n, 2 * H, pwzr + <usize>un * pbzr);
  }
  if (du) {
    for (let g = 0; g < 3; g++) zeroTile(acc, ds, H4, g * NG + u0, g * NG + u1);
  }
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const dzt = dz + <usize>t * G3;
    const zpk = (s & 1) ? zp1 : zp0;
    let hp: usize = 0, hps: usize = 0;
    if (s > 0) { hp = hs + <usize>(s - 1) * HB; hps = hss; } else if (h0) { hp = h0; hps = HB; }
    if (u0 < u1) {
      // phase A: dz_z, dz_h of own units
      for (let b = 0; b < B; b++) {
        const on = mask == 0 || load<f32>(mask + ((<usize>b * T + t) << 2)) != 0;
        const gr = gates + <usize>b * xs + <usize>s * G3;
        const zr = dzt + <usize>b * xs;
        const dhr = dhs ? dhs + <usize>b * hss + <usize>s * HB : 0;
        const hpr = hp ? hp + <usize>b * hps : 0;
        const hb = dhb + <usize>b * tsb;
        const db = dd + <usize>b * ds;
        for (let j = j0; j < j1; j += 4) {
          const n = min(4, H - j);
          const jo = <usize>j << 2;
          let dh = v128.load(hb + jo);
          if (dhr) dh = f32x4.add(ld4(dhr + jo, n), dh);
          v128.store(hb + jo, dh);
          let dzz = f32x4.splat(0), dzh = dzz;
          if (on) {
            const z = ld4(gr + jo, n);
            const hh = ld4(gr + jo + 2 * HB, n);
            const hpv = hpr ? ld4(hpr + jo, n) : f32x4.splat(0);
            dzh = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(hh, hh)));
            dzz = f32x4.mul(f32x4.mul(dh, f32x4.sub(hpv, hh)), act.d(z));
          }
          st4(zr + jo, dzz, n);
          st4(zr + jo + 2 * HB, dzh, n);
          if (b < B4) {
            packLanes(zpk, zbs, b, j, dzz, n);
            packLanes(zpk, zbs, b, 2 * H + j, dzh, n);
          }
          if (dd) {
            v128.store(db + jo, dzz);
            v128.store(db + jo + (<usize>NG8 << 3), dzh);
          }
        }
      }
      if (dd && hp) {
        rankUpdate(hp, hps, B, H, dd, ds, u0, u1, acc, ds);
        rankUpdate(rh + <usize>s * HB, hss, B, H, dd, ds, 2 * NG + u0, 2 * NG + u1, acc, ds);
      }
    }
    barrier(sync, nth);
    if (u0 < u1) {
      // phase B: drh = dz_h · U_hᵀ and dz_r of own units
      zeroTile(tile, tsb, B, u0, u1);
      packedProduct(zpk + (<usize>H << 5), zbs, dzt + (<usize>H << 3), xs, B, H, pwh, pbh, u0, u1, tile, tsb, false);
      for (let b = 0; b < B; b++) {
        const on = mask == 0 || load<f32>(mask + ((<usize>b * T + t) << 2)) != 0;
        const gr = gates + <usize>b * xs + <usize>s * G3;
        const zr = dzt + <usize>b * xs;
        const hpr = hp ? hp + <usize>b * hps : 0;
        const tr = tile + <usize>b * tsb;
        const rb = drb + <usize>b * tsb;
        const db = dd + <usize>b * ds;
        for (let j = j0; j < j1; j += 4) {
          const n = min(4, H - j);
          const jo = <usize>j << 2;
          let dzr = f32x4.splat(0);
          if (on) {
            const drh = v128.load(tr + jo);
            const r = ld4(gr + jo + HB, n);
            const hpv = hpr ? ld4(hpr + jo, n) : f32x4.splat(0);
            dzr = f32x4.mul(f32x4.mul(drh, hpv), act.d(r));
            v128.store(rb + jo, drh);
          }
          st4(zr + jo + HB, dzr, n);
          if (b < B4) packLanes(zpk, zbs, b, H + j, dzr, n);
          if (dd) v128.store(db + jo + (<usize>NG8 << 2), dzr);
        }
      }
      if (dd && hp) rankUpdate(hp, hps, B, H, dd, ds, NG + u0, NG + u1, acc, ds);
    }
    barrier(sync, nth);
    if (u0 < u1) {
      // phase C: dh_{s-1} = [dz_z dz_r] · [U_z U_r]ᵀ + dh z + drh r on rows that took the step
      zeroTile(tile, tsb, B, u0, u1);
      packedProduct(zpk, zbs, dzt, xs, B, 2 * H, pwzr, pbzr, u0, u1, tile, tsb, false);
      for (let b = 0; b < B; b++) {
        if (mask != 0 && load<f32>(mask + ((<usize>b * T + t) << 2)) == 0) continue;
        const gr = gates + <usize>b * xs + <usize>s * G3;
        const tr = tile + <usize>b * tsb;
        const hb = dhb + <usize>b * tsb;
        const rb = drb + <usize>b * tsb;
        for (let j = j0; j < j1; j += 4) {
          const n = min(4, H - j);
          const jo = <usize>j << 2;
          const z = ld4(gr + jo, n);
          const r = ld4(gr + jo + HB, n);
          const v = f32x4.add(f32x4.add(v128.load(tr + jo), f32x4.mul(v128.load(hb + jo), z)), f32x4.mul(v128.load(rb + jo), r));
          v128.store(hb + jo, v);
        }
      }
    }
  }
  if (u0 < u1) {
    if (dh0) {
      for (let b = 0; b < B; b++) {
        for (let j = j0; j < j1; j += 4) st4(dh0 + <usize>b * HB + (<usize>j << 2), v128.load(dhb + <usize>b * tsb + (<usize>j << 2)), min(4, H - j));
      }
    }
    if (du) {
      for (let k = 0; k < H; k++) {
        const ar = acc + <usize>k * ds;
        const ur = du + <usize>k * G3;
        for (let g = 0; g < 3; g++) {
          for (let j = j0; j < j1; j += 4) {
            st4(ur + (<usize>(g * H + j) << 2), v128.load(ar + (<usize>(g * NG8 + j) << 2)), min(4, H - j));
          }
        }
      }
    }
  }
}

// u (H,3H), h0 (B,H) or 0, mask (B,T) or 0, hs (B,T,H), gates (B,T,3H), rh (B,T,H) from the forward;
// dhs (B,T,H) or 0, dhT (B,H) or 0 -> dz (B,T,3H), dh0 (B,H) or 0, du (H,3H) or 0 (rh is read only
// for du). ws: gruBackwardWorkspaceBytes (src/kernels/gru.ts); sync: 4 zeroed i32.
export function f32_gru_seq_bwd(u: usize, h0: usize, mask: usize, hs: usize, gates: usize, rh: usize,
                                dhs: usize, dhT: usize, dz: usize, dh0: usize, du: usize,
                                ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32, ith: i32, nth: i32): void {
  // B = 0 or T = 0 still writes dh0 = dhT and du = 0
  if (B < 0 || T < 0 || H <= 0 || ith >= nth) return;
  if (recAct == 1) gruBwd<HardSigmoidAct>(u, h0, mask, hs, gates, rh, dhs, dhT, dz, dh0, du, ws, sync, B, T, H, reverse, ith, nth);
  else gruBwd<SigmoidAct>(u, h0, mask, hs, gates, rh, dhs, dhT, dz, dh0, du, ws, sync, B, T, H, reverse, ith, nth);
}

// ---- resetAfter true: Keras 2/3's default GRU (the CuDNN form) ------------------------------------
// The reset gate multiplies the recurrent part of the candidate after the product, so one product
// h_{s-1} · U (B, H) x (H, 3H) per step serves all three gates. rb (3H) is the recurrent bias
// (Keras' bias[1]; bias[0] is in xw) or 0.
//   iz, ir, ih = h_{s-1} · U + rb          (each a sequential f32 sum starting from rb)
//   z = σ(xw_z + iz), r = σ(xw_r + ir), hh = tanh(xw_h + r ih), h_s = z h_{s-1} + (1 - z) hh
//   masked row: h_s = h_{s-1}.  ih (B, T, H), processing order, is kept for the backward.
// No value of a step depends on another unit's value of the same step, so threads meet once per
// step (after h_s); h is packed into two buffers alternating by step, so a thread writing h_s
// never overwrites the h_{s-1} a slower thread is still reading.
// Scratch (ws), floats: 3 NG panels of H x 8 (U), a B x 3 NG x 8 tile, two packed copies of h (B4 x H):
// the size of the resetAfter-false forward's (gruForwardWorkspaceBytes).

function gruRaFwd<Act>(xw: usize, xwRows: usize, u: usize, rb: usize, h0: usize, mask: usize, hs: usize, gates: usize, ih: usize,
                       ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, ith: i32, nth: i32): void {
  const act = changetype<Act>(0);
  const NG = (H + 7) >> 3;
  const NG8 = NG << 3;
  const u0 = partStart(NG, 1, ith, nth), u1 = partStart(NG, 1, ith + 1, nth);
  const j0 = u0 << 3, j1 = min(u1 << 3, H);
  const pb = <usize>H << 5;
  const G3 = <usize>H * 12;
  const HB = <usize>H << 2;
  const xs = <usize>T * G3;
  const hss = <usize>T * HB;
  const pw = ws;
  const tile = ws + <usize>(3 * NG) * pb;
  const ts = <usize>NG8 * 12;
  const B4 = B & ~3;
  const hk0 = tile + <usize>B * ts;                // packed h, even steps write it
  const hk1 = hk0 + <usize>B4 * HB;                // odd steps
  const bs = HB << 2;
  const one = f32x4.splat(1);
  const o1 = <usize>NG8 << 2, o2 = <usize>NG8 << 3;   // tile offsets of the r and h gate blocks
  for (let g = 0; g < 3; g++) {
    for (let un = u0; un < u1; un++) {
      const j = un << 3;
      packCols(u + (<usize>(g * H + j) << 2), G3, min(8, H - j), H, pw + <usize>(g * NG + un) * pb);
    }
  }
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    let hp: usize = 0, hps: usize = 0;
    if (s > 0) { hp = hs + <usize>(s - 1) * HB; hps = hss; } else if (h0) { hp = h0; hps = HB; }
    const hkIn = (s & 1) ? hk0 : hk1, hkOut = (s & 1) ? hk1 : hk0;
    if (u0 < u1) {
      // tile = rb + h_{s-1} · U for the own units of all three gates
      if (rb) loadTile(rb, 0, 0, 0, B, H, NG, 0, 3, u0, u1, tile, ts);
      else for (let g = 0; g < 3; g++) zeroTile(tile, ts, B, g * NG + u0, g * NG + u1);
      for (let g = 0; g < 3; g++) {
        if (s > 0) packedProduct(hkIn, bs, hp, hps, B, H, pw, pb, g * NG + u0, g * NG + u1, tile, ts, false);
        else if (hp) panelProduct(hp, hps, B, H, pw, pb, g * NG + u0, g * NG + u1, tile, ts);
      }
      for (let b = 0; b < B; b++) {
        const on = mask == 0 || load<f32>(mask + ((<usize>b * T + t) << 2)) != 0;
        const xr = xw + (xwRows ? <usize>load<i32>(xwRows + ((<usize>b * T + t) << 2)) * G3 : <usize>b * xs + <usize>t * G3);
        const tr = tile + <usize>b * ts;
        const gr = gates + <usize>b * xs + <usize>s * G3;
        const ir = ih + <usize>b * hss + <usize>s * HB;
        const hr = hs + <usize>b * hss + <usize>s * HB;
        const hpr = hp ? hp + <usize>b * hps : 0;
        for (let j = j0; j < j1; j += 4) {
          const n = min(4, H - j);
          const jo = <usize>j << 2;
          const z = act.f(f32x4.add(ld4(xr + jo, n), v128.load(tr + jo)));
          const r = act.f(f32x4.add(ld4(xr + HB + jo, n), v128.load(tr + jo + o1)));
          const ihv = v128.load(tr + jo + o2);
          const hh = vtanhGate(f32x4.add(ld4(xr + 2 * HB + jo, n), f32x4.mul(r, ihv)));
          const hpv = hpr ? ld4(hpr + jo, n) : f32x4.splat(0);
          let h = f32x4.add(f32x4.mul(z, hpv), f32x4.mul(f32x4.sub(one, z), hh));
          if (!on) h = hpv;
          st4(gr + jo, z, n);
          st4(gr + jo + HB, r, n);
          st4(gr + jo + 2 * HB, hh, n);
          st4(ir + jo, ihv, n);
          st4(hr + jo, h, n);
          if (b < B4) packLanes(hkOut, bs, b, j, h, n);
        }
      }
    }
    if (s + 1 < T) barrier(sync, nth);
  }
}

// xw (B,T,3H) = x · W + bias[0], or a table of 3H-float rows with xwRows (B,T) i32, or 0 rows;
// u (H,3H), rb (3H) or 0, h0 (B,H) or 0, mask (B,T) or 0 -> hs (B,T,H), gates (B,T,3H), ih (B,T,H).
// ws: gruForwardWorkspaceBytes (src/kernels/gru.ts); sync: 4 zeroed i32. recAct 0 sigmoid, 1 hardSigmoid.
export function f32_gru_seq_reset_after_fwd(xw: usize, u: usize, rb: usize, h0: usize, mask: usize, hs: usize, gates: usize, ih: usize,
                                            ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32, xwRows: usize, ith: i32, nth: i32): void {
  if (B <= 0 || T <= 0 || H <= 0 || ith >= nth) return;
  if (recAct == 1) gruRaFwd<HardSigmoidAct>(xw, xwRows, u, rb, h0, mask, hs, gates, ih, ws, sync, B, T, H, reverse, ith, nth);
  else gruRaFwd<SigmoidAct>(xw, xwRows, u, rb, h0, mask, hs, gates, ih, ws, sync, B, T, H, reverse, ith, nth);
}

// Backward (BPTT) of the above, from dhs (B, T, H) (processing order) or 0 and dhT (B, H) or 0.
// With dh the total gradient of h_s on a row that took the step:
//   dz_h = dh (1 - z)(1 - hh²),  dz_z = dh (h_{s-1} - hh) σ'(z),  dz_r = dz_h ih σ'(r)
//   g = [dz_z, dz_r, dz_h r]: the gradient w.r.t. the recurrent pre-activations (h_{s-1} · U + rb)
//   dh_{s-1} = g · Uᵀ + dh z;   dU = Σ_s h_{s-1}ᵀ · g,  drb = Σ_s Σ_b g
// dz (B, T, 3H), time order, is the gradient w.r.t. xw (the host makes dW, bias[0]'s gradient and
// dx from it). Phase A (own units: dh, dz, g, the dU and drb updates), barrier, phase C (dh_{s-1}
// of own units from all of g). One barrier per step: g is packed into two buffers alternating by
// step (so is the unpacked copy of the last B % 4 rows), so phase A of step s-1 never overwrites
// the g a slower thread's phase C of step s still reads.
// Scratch, floats: NG panels of 3H x 8 (Uᵀ), two B x NG x 8 tiles, two packed copies of g (B4 x 3H),
// two copies of the last B - B4 rows of g (x 3H); with du or drb a B x 3NG x 8 tile of own g
// columns; with du a ceil(H/4)*4 x 3NG x 8 accumulator; with drb a 3NG x 8 one.

function gruRaBwd<Act>(u: usize, h0: usize, mask: usize, hs: usize, gates: usize, ih: usize,
                       dhs: usize, dhT: usize, dz: usize, dh0: usize, du: usize, drb: usize,
                       ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, ith: i32, nth: i32): void {
  const act = changetype<Act>(0);
  const NG = (H + 7) >> 3;
  const NG8 = NG << 3;
  const u0 = partStart(NG, 1, ith, nth), u1 = partStart(NG, 1, ith + 1, nth);
  const j0 = u0 << 3, j1 = min(u1 << 3, H);
  const G3 = <usize>H * 12;
  const HB = <usize>H << 2;
  const xs = <usize>T * G3;
  const hss = <usize>T * HB;
  const pbu = G3 << 3;                             // a Uᵀ panel: 3H x 8
  const tsb = <usize>NG8 << 2;
  const B4 = B & ~3;
  const BT = B - B4;
  const pw = ws;
  const tile = pw + <usize>NG * pbu;
  const dhb = tile + <usize>B * tsb;
  const zbs = G3 << 2;
  const zp0 = dhb + <usize>B * tsb;
  const zp1 = zp0 + <usize>B4 * G3;
  const zt0 = zp1 + <usize>B4 * G3;                // the last BT rows of g, unpacked (3H each)
  const zt1 = zt0 + <usize>BT * G3;
  const ds = <usize>NG8 * 12;
  const dd = du || drb ? zt1 + <usize>BT * G3 : 0; // B x 3NG x 8: own g columns, padded
  const acc = du ? dd + <usize>B * ds : 0;         // ceil(H/4)*4 x 3NG x 8
  const H4 = (H + 3) & ~3;
  const racc = drb ? (du ? acc + <usize>H4 * ds : dd + <usize>B * ds) : 0;   // 3NG x 8
  const one = f32x4.splat(1);
  const o1 = <usize>NG8 << 2, o2 = <usize>NG8 << 3;
  for (let b = 0; b < B; b++) {
    for (let j = j0; j < j1; j += 4) {
      v128.store(dhb + <usize>b * tsb + (<usize>j << 2), dhT ? ld4(dhT + <usize>b * HB + (<usize>j << 2), min(4, H - j)) : f32x4.splat(0));
    }
  }
  for (let un = u0; un < u1; un++) {
    const j = un << 3;
    packRows(u + <usize>j * G3, G3, min(8, H - j), 3 * H, pw + <usize>un * pbu);
  }
  if (du) for (let g = 0; g < 3; g++) zeroTile(acc, ds, H4, g * NG + u0, g * NG + u1);
  if (drb) for (let g = 0; g < 3; g++) zeroTile(racc, ds, 1, g * NG + u0, g * NG + u1);
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const dzt = dz + <usize>t * G3;
    const zpk = (s & 1) ? zp1 : zp0;
    const ztl = (s & 1) ? zt1 : zt0;
    let hp: usize = 0, hps: usize = 0;
    if (s > 0) { hp = hs + <usize>(s - 1) * HB; hps = hss; } else if (h0) { hp = h0; hps = HB; }
    if (u0 < u1) {
      // phase A: dz and g of own units
      for (let b = 0; b < B; b++) {
        const on = mask == 0 || load<f32>(mask + ((<usize>b * T + t) << 2)) != 0;
        const gr = gates + <usize>b * xs + <usize>s * G3;
        const ir = ih + <usize>b * hss + <usize>s * HB;
        const zr = dzt + <usize>b * xs;
        const dhr = dhs ? dhs + <usize>b * hss + <usize>s * HB : 0;
        const hpr = hp ? hp + <usize>b * hps : 0;
        const hb = dhb + <usize>b * tsb;
        const db = dd + <usize>b * ds;
        const tl = ztl + <usize>(b - B4) * G3;
        for (let j = j0; j < j1; j += 4) {
          const n = min(4, H - j);
          const jo = <usize>j << 2;
          let dh = v128.load(hb + jo);
          if (dhr) dh = f32x4.add(ld4(dhr + jo, n), dh);
          v128.store(hb + jo, dh);
          let dzz = f32x4.splat(0), dzr = dzz, dzh = dzz, dih = dzz;
          if (on) {
            const z = ld4(gr + jo, n);
            const r = ld4(gr + jo + HB, n);
            const hh = ld4(gr + jo + 2 * HB, n);
            const hpv = hpr ? ld4(hpr + jo, n) : f32x4.splat(0);
            dzh = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(hh, hh)));
            dzz = f32x4.mul(f32x4.mul(dh, f32x4.sub(hpv, hh)), act.d(z));
            dzr = f32x4.mul(f32x4.mul(dzh, ld4(ir + jo, n)), act.d(r));
            dih = f32x4.mul(dzh, r);
          }
          st4(zr + jo, dzz, n);
          st4(zr + jo + HB, dzr, n);
          st4(zr + jo + 2 * HB, dzh, n);
          if (b < B4) {
            packLanes(zpk, zbs, b, j, dzz, n);
            packLanes(zpk, zbs, b, H + j, dzr, n);
            packLanes(zpk, zbs, b, 2 * H + j, dih, n);
          } else {
            st4(tl + jo, dzz, n);
            st4(tl + jo + HB, dzr, n);
            st4(tl + jo + 2 * HB, dih, n);
          }
          if (dd) {
            v128.store(db + jo, dzz);
            v128.store(db + jo + o1, dzr);
            v128.store(db + jo + o2, dih);
          }
          if (racc) {
            v128.store(racc + jo, f32x4.add(v128.load(racc + jo), dzz));
            v128.store(racc + jo + o1, f32x4.add(v128.load(racc + jo + o1), dzr));
            v128.store(racc + jo + o2, f32x4.add(v128.load(racc + jo + o2), dih));
          }
        }
      }
      if (du && hp) for (let g = 0; g < 3; g++) rankUpdate(hp, hps, B, H, dd, ds, g * NG + u0, g * NG + u1, acc, ds);
    }
    barrier(sync, nth);
    if (u0 < u1) {
      // phase C: dh_{s-1} = g · Uᵀ + dh z for own units, on rows that took the step
      zeroTile(tile, tsb, B, u0, u1);
      packedProduct(zpk, zbs, ztl - <usize>B4 * G3, G3, B, 3 * H, pw, pbu, u0, u1, tile, tsb, false);
      for (let b = 0; b < B; b++) {
        if (mask != 0 && load<f32>(mask + ((<usize>b * T + t) << 2)) == 0) continue;
        const gr = gates + <usize>b * xs + <usize>s * G3;
        const tr = tile + <usize>b * tsb;
        const hb = dhb + <usize>b * tsb;
        for (let j = j0; j < j1; j += 4) {
          const z = ld4(gr + (<usize>j << 2), min(4, H - j));
          v128.store(hb + (<usize>j << 2), f32x4.add(v128.load(tr + (<usize>j << 2)), f32x4.mul(v128.load(hb + (<usize>j << 2)), z)));
        }
      }
    }
  }
  if (u0 < u1) {
    if (dh0) {
      for (let b = 0; b < B; b++) {
        for (let j = j0; j < j1; j += 4) st4(dh0 + <usize>b * HB + (<usize>j << 2), v128.load(dhb + <usize>b * tsb + (<usize>j << 2)), min(4, H - j));
      }
    }
    for (let g = 0; g < 3; g++) {
      for (let j = j0; j < j1; j += 4) {
        const n = min(4, H - j);
        const go = <usize>(g * H + j) << 2, ao = <usize>(g * NG8 + j) << 2;
        if (du) for (let k = 0; k < H; k++) st4(du + <usize>k * G3 + go, v128.load(acc + <usize>k * ds + ao), n);
        if (drb) st4(drb + go, v128.load(racc + ao), n);
      }
    }
  }
}

// u (H,3H), h0 (B,H) or 0, mask (B,T) or 0, hs (B,T,H), gates (B,T,3H), ih (B,T,H) from the forward;
// dhs (B,T,H) or 0, dhT (B,H) or 0 -> dz (B,T,3H), dh0 (B,H) or 0, du (H,3H) or 0, drb (3H) or 0
// (du and drb overwritten). ws: gruBackwardWorkspaceBytes (src/kernels/gru.ts, resetAfter); sync: 4 zeroed i32.
export function f32_gru_seq_reset_after_bwd(u: usize, h0: usize, mask: usize, hs: usize, gates: usize, ih: usize,
                                            dhs: usize, dhT: usize, dz: usize, dh0: usize, du: usize, drb: usize,
                                            ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32, ith: i32, nth: i32): void {
  // B = 0 or T = 0 still writes dh0 = dhT and du = drb = 0
  if (B < 0 || T < 0 || H <= 0 || ith >= nth) return;
  if (recAct == 1) gruRaBwd<HardSigmoidAct>(u, h0, mask, hs, gates, ih, dhs, dhT, dz, dh0, du, drb, ws, sync, B, T, H, reverse, ith, nth);
  else gruRaBwd<SigmoidAct>(u, h0, mask, hs, gates, ih, dhs, dhT, dz, dh0, du, drb, ws, sync, B, T, H, reverse, ith, nth);
}
