// Whole-sequence LSTM, forward and backward through time (Keras / tfjs-layers semantics).
// The host computes the input projection of every step first (xw = x · W + b, one GEMM); these
// kernels run only the recurrence, every step in one call.
//
// Shapes (B batch, T steps, H units; gate blocks i, f, c, o of H columns each, in that order):
//   xw (B, T, 4H) in time order; or, with xwRows (i32 (B, T)), a table whose row xwRows[b, t] holds
//   row b's projections at step t (the folded embedding projection at inference: no gathered copy);
//   u (H, 4H) the recurrent kernel; h0, c0 (B, H) or 0 for zeros;
//   mask (B, T) or 0: a step is taken where mask != 0 (tfjs casts the mask to bool);
//   hs, cs (B, T, H): h and c after every step; gates (B, T, 4H): the activated i, f, g, o, or 0
//   when no backward follows (inference: they are not stored).
//   hs, cs and gates are in processing order (slot s), xw, mask and dz in time order (t):
//   t = s, or t = T-1-s with reverse (goBackwards: tfjs returns the outputs in processing order).
// Step s, per batch row:
//   z = h_{s-1} · U + xw_t  (each product element one sequential f32 sum over k from 0, then xw added)
//   i = σ(z_i), f = σ(z_f), g = tanh(z_c), o = σ(z_o), σ = sigmoid or hardSigmoid (recAct 0 / 1)
//   c_s = f c_{s-1} + i g,  h_s = o tanh(c_s)
//   masked row (mask[b, t] == 0): c_s = c_{s-1}, h_s = h_{s-1} (the output repeats the previous
//   one; h_{-1} = h0), exactly as tfjs-layers' rnn().
// Accuracy: sigmoid and tanh are core/mathf.ts' gate forms vsigmoidGate / vtanhGate (absolute
// error <= 1.2e-7, the backward recomputes tanh(c) with the same vtanhGate); the products are
// exact-order f32 sums, so results depend only on the inputs, never on B's split or on threads.
//
// Threads: each thread owns whole groups of 8 units and computes, every step, the 4 gate columns
// of its units for the whole batch and then their cell update; h_{s-1} is the only thing threads
// share, so they meet at one barrier (core/barrier.ts) per step. Every value is computed by one
// thread with the same operations whatever nth is: bitwise identical at any thread count.
// Each thread packs its own columns of U into 8-column panels (scratch ws) once per call, and
// stores the h it computes twice: into hs, and into a packed copy (core/rnn.ts) that the next
// step's product reads in blocks of 4 rows. Batches of 1 to 3 rows take a one-row path instead
// (lstmFwdSmall, below), with the same split, barrier and bits.
//
// Backward (BPTT), from dhs (B, T, H) (gradient w.r.t. every step's output, processing order; 0
// for none) and dhT, dcT (B, H) (gradient w.r.t. the final h and c states; 0 for none):
//   dz (B, T, 4H), time order: the gradient w.r.t. the pre-activations z_t, which is also the
//   gradient w.r.t. xw. The host turns it into dW = xᵀ · dz, db = Σ dz, dx = dz · Wᵀ.
//   dh0, dc0 (B, H) or 0: gradients w.r.t. the initial states.
//   dU = Σ_s h_{s-1}ᵀ · dz_s is not summed here: the host computes it as one gemm over all steps
//   (src/kernels/lstm.ts), as dW.
// Per step: phase A (own units, elementwise) writes dz_t; barrier; phase B: dh_{s-1} of own units
// = dz_t · Uᵀ (a sequential f32 sum over the 4H columns; Uᵀ packed once into panels), or dh_s
// carried through unchanged on masked rows. One barrier per step.
import { partStart } from '../core/partition';
import { vtanhGate } from '../core/mathf';
import { barrier } from '../core/barrier';
import {
  SigmoidAct, HardSigmoidAct, ld4, st4, packCols, packRows, panelProduct, packedProduct, packBlock, zeroTile,
} from '../core/rnn';
import { packGates } from '../core/gemv';
import { madd } from '../core/madd';

// Address of row b's projections at step t: row b T + t of xw, or row xwRows[b T + t] of it.
// @ts-ignore: decorator
@inline
function xwRow(xw: usize, xwRows: usize, b: i32, T: i32, t: i32, G4: usize): usize {
  const r = <usize>b * T + t;
  return xw + (xwRows ? <usize>load<i32>(xwRows + (r << 2)) : r) * G4;
}

// Floats of scratch (ws) the kernels need; src/kernels/lstm.ts computes the same.
// forward: 4 NG panels of H x 8 (U), a B x 4 NG x 8 tile, two packed copies of h (B4 x H each,
// B4 = B rounded down to a multiple of 4: the rows in whole blocks, see core/rnn.ts).
// backward: NG panels of 4H x 8 (Uᵀ), three B x NG x 8 tiles, two packed copies of dz (B4 x 4H
// each).
// The packed copies alternate by step: a thread may write step s's values while another still
// reads step s-1's (they are separated by one barrier only).

// Whether the forward stores the gates (training) or not (inference), fixed at compile time so
// that each form gets its own loop.
// @ts-ignore: decorator
@final @unmanaged class KeepGates {
  // @ts-ignore: decorator
  @inline on(): bool { return true; }
}
// @ts-ignore: decorator
@final @unmanaged class DropGates {
  // @ts-ignore: decorator
  @inline on(): bool { return false; }
}

// Recurrent dropout (Keras' recurrent_dropout, training only): whether the product reads h_{s-1}
// times a per-row mask rdm (B, H) (fixed for the whole call) instead of h_{s-1}; fixed at compile
// time, so the default form keeps its loops and bits. RdOn: the cell also stores hm = h ⊙ rdm
// (two alternating (B, H) copies at the end of ws, since a thread writes step s's while another
// still reads step s-1's) and the product reads the masked rows from hm and from the packed
// copy made of hm; hs keeps the true h (the output, and what a masked step carries over).
// @ts-ignore: decorator
@final @unmanaged class RdOff {
  // @ts-ignore: decorator
  @inline on(): bool { return false; }
}
// @ts-ignore: decorator
@final @unmanaged class RdOn {
  // @ts-ignore: decorator
  @inline on(): bool { return true; }
}

// Byte offset in ws of the first of the two hm copies (after the panels, the tile and the packed
// copies of the batched path; the small-batch path uses the same layout).
// @ts-ignore: decorator
@inline
function hmOffset(B: i32, H: i32): usize {
  const NG = (H + 7) >> 3;
  return <usize>(4 * NG) * (<usize>H << 5) + <usize>B * (<usize>NG << 7) + 2 * <usize>(B & ~3) * (<usize>H << 2);
}

// hm[b][j] = h_b[j] rdm[b][j] for own units [j0, j1) of rows b < B (row b of h at h + b * hst bytes).
// @ts-ignore: decorator
@inline
function maskRows(h: usize, hst: usize, rdm: usize, hm: usize, B: i32, H: i32, j0: i32, j1: i32): void {
  const HB = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const hr = h + <usize>b * hst, mr = rdm + <usize>b * HB, dr = hm + <usize>b * HB;
    for (let j = j0; j < j1; j += 4) {
      const n = min(4, H - j);
      const jo = <usize>j << 2;
      st4(dr + jo, f32x4.mul(ld4(hr + jo, n), ld4(mr + jo, n)), n);
    }
  }
}

// @ts-ignore: decorator
@inline
function fwdStep<Act, Keep, Rd>(xw: usize, xwRows: usize, mask: usize, hs: usize, cs: usize, gates: usize, hp: usize, hps: usize, cp: usize, cps: usize,
                      hpk: usize, hout: usize, B: i32, T: i32, H: i32, s: i32, t: i32, u0: i32, u1: i32, pw: usize, tile: usize,
                      rdm: usize, hmPrev: usize, hmOut: usize): void {
  const rd = changetype<Rd>(0);
  const NG = (H + 7) >> 3;
  const NG8 = NG << 3;
  const pb = <usize>H << 5;
  const ts = <usize>NG8 << 4;              // tile row: 4 NG panels of 8 floats
  const G4 = <usize>H << 4;                // bytes of one step's 4H values
  const HB = <usize>H << 2;
  const xs = <usize>T * G4;
  const hss = <usize>T * HB;
  // tile = h_{s-1} · U for own columns (0 at the first step without h0); with recurrent dropout
  // (h_{s-1} ⊙ rdm) · U, the rows past the whole blocks read from hm (no h0 then: the host refuses it)
  const hq = rd.on() ? hmPrev : hp, hqs = rd.on() ? HB : hps;
  if (hpk) {
    for (let g = 0; g < 4; g++) packedProduct(hpk, HB << 2, hq, hqs, B, H, pw, pb, g * NG + u0, g * NG + u1, tile, ts, true);
  } else {
    for (let g = 0; g < 4; g++) zeroTile(tile, ts, B, g * NG + u0, g * NG + u1);
    if (hq) {
      for (let g = 0; g < 4; g++) panelProduct(hq, hqs, B, H, pw, pb, g * NG + u0, g * NG + u1, tile, ts);
    }
  }
  const B4 = B & ~3;
  const j0 = u0 << 3, j1 = min(u1 << 3, H);
  for (let b = 0; b < B; b++) {
    const on = mask == 0 || load<f32>(mask + ((<usize>b * T + t) << 2)) != 0;
    const tr = tile + <usize>b * ts;
    const xr = xwRow(xw, xwRows, b, T, t, G4);
    const gr = gates + <usize>b * xs + <usize>s * G4;
    const cr = cs + <usize>b * hss + <usize>s * HB;
    const hr = hs + <usize>b * hss + <usize>s * HB;
    const hpr = hp ? hp + <usize>b * hps : 0;
    const cpr = cp ? cp + <usize>b * cps : 0;
    // whole groups of 8 units two halves side by side (cell8: two independent polynomial chains
    // in flight), the last partial group 4 at a time
    let j = j0;
    for (; j + 8 <= j1; j += 8) {
      const p = tr + (<usize>j << 2);
      const fo = <usize>NG8 << 2, co = <usize>NG8 << 3, oo = <usize>NG8 * 12;
      cell8<Act, Keep>(v128.load(p), v128.load(p, 16), v128.load(p + fo), v128.load(p + fo, 16),
                       v128.load(p + co), v128.load(p + co, 16), v128.load(p + oo), v128.load(p + oo, 16),
                       xr, gr, cr, hr, cpr, hpr, <usize>j << 2, HB, on);
    }
    for (; j < j1; j += 4) {
      const n = min(4, H - j);
      const jo = <usize>j << 2;
      cell4<Act, Keep>(v128.load(tr + jo), v128.load(tr + jo + (<usize>NG8 << 2)), v128.load(tr + jo + (<usize>NG8 << 3)),
                       v128.load(tr + jo + <usize>NG8 * 12), xr, gr, cr, hr, cpr, hpr, jo, HB, n, on);
    }
  }
  // the rows in whole blocks of 4 also into the packed copy the next step's product reads (of h,
  // or of h ⊙ rdm, which is also kept whole for the rows past the blocks)
  if (rd.on()) {
    maskRows(hs + <usize>s * HB, hss, rdm, hmOut, B, H, j0, j1);
    for (let b = 0; b < B4; b += 4) packBlock(hmOut, HB, hout, HB << 2, b, j0, j1);
  } else {
    for (let b = 0; b < B4; b += 4) packBlock(hs + <usize>s * HB, hss, hout, HB << 2, b, j0, j1);
  }
}

function lstmFwd<Act, Keep, Rd>(xw: usize, xwRows: usize, u: usize, h0: usize, c0: usize, mask: usize, hs: usize, cs: usize, gates: usize,
                      ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, rdm: usize, ith: i32, nth: i32): void {
  const NG = (H + 7) >> 3;
  const u0 = partStart(NG, 1, ith, nth), u1 = partStart(NG, 1, ith + 1, nth);
  const pb = <usize>H << 5;
  const G4 = <usize>H << 4;
  const HB = <usize>H << 2;
  const hss = <usize>T * HB;
  const pw = ws;
  const tile = ws + <usize>(4 * NG) * pb;
  const pk0 = tile + <usize>B * (<usize>NG << 7);
  const pk1 = pk0 + <usize>(B & ~3) * HB;
  const hm0 = ws + hmOffset(B, H), hm1 = hm0 + <usize>B * HB;
  for (let g = 0; g < 4; g++) {
    for (let un = u0; un < u1; un++) {
      const j = un << 3;
      packCols(u + (<usize>(g * H + j) << 2), G4, min(8, H - j), H, pw + <usize>(g * NG + un) * pb);
    }
  }
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    if (u0 < u1) {
      let hp: usize = 0, hps: usize = 0, cp: usize = 0, cps: usize = 0;
      if (s > 0) {
        hp = hs + <usize>(s - 1) * HB; hps = hss;
        cp = cs + <usize>(s - 1) * HB; cps = hss;
      } else {
        if (h0) { hp = h0; hps = HB; }
        if (c0) { cp = c0; cps = HB; }
      }
      // h_{s-1} in whole blocks of rows from the packed copy of the last step (not for h0)
      const hpk = s > 0 ? ((s & 1) ? pk0 : pk1) : 0;
      fwdStep<Act, Keep, Rd>(xw, xwRows, mask, hs, cs, gates, hp, hps, cp, cps, hpk, (s & 1) ? pk1 : pk0, B, T, H, s, t, u0, u1, pw, tile,
                             rdm, s > 0 ? ((s & 1) ? hm0 : hm1) : 0, (s & 1) ? hm1 : hm0);
    }
    if (s + 1 < T) barrier(sync, nth);
  }
}

// ---- small batches (B < 4): one row at a time, the product and the cell fused per unit group -------
// A thread packs, for each of its unit groups u, the 8 columns of the 4 gates side by side into one
// H x 32 panel (row k: U[k, g H + 8u .. 8u + 8] for g = i, f, c, o; zero past the last unit), in
// the floats the 4 NG panels of H x 8 take in the batched path. Every step, for each row and own
// group, 8 f32x4 accumulators take the group's 32 sums (each one sequential f32 sum over k from 0
// with separate mul and add, 0 + h[0] u[0] first: the operations of mk1x32, so the same bits) and
// the cell runs on them from registers: no tile to zero, write and read back. The cell of a whole
// group computes its two halves side by side: the sigmoid and tanh polynomials are long dependency
// chains, and two independent ones in flight keep the vector units busy (measured 1.5x faster
// than one half after the other). Without gates (inference) a masked row skips the product,
// whose result it would discard.

// The cell of 4 units j .. j+n-1 (jo = 4 j bytes) from their 4 gate sums p* (h_{s-1} · U, before xw
// is added), in both the batched step (fwdStep) and the small-batch path; whole groups of 8 units
// take cell8 below (the same operations on two halves at once).
// @ts-ignore: decorator
@inline
function cell4<Act, Keep>(pi: v128, pf: v128, pc: v128, po: v128, xr: usize, gr: usize, cr: usize, hr: usize,
                          cpr: usize, hpr: usize, jo: usize, HB: usize, n: i32, on: bool): void {
  const act = changetype<Act>(0);
  const keep = changetype<Keep>(0);
  const zi = f32x4.add(pi, ld4(xr + jo, n));
  const zf = f32x4.add(pf, ld4(xr + jo + HB, n));
  const zc = f32x4.add(pc, ld4(xr + jo + 2 * HB, n));
  const zo = f32x4.add(po, ld4(xr + jo + 3 * HB, n));
  const cprev = cpr ? ld4(cpr + jo, n) : f32x4.splat(0);
  const i = act.f(zi);
  const f = act.f(zf);
  const g = vtanhGate(zc);
  const o = act.f(zo);
  let c = f32x4.add(f32x4.mul(f, cprev), f32x4.mul(i, g));
  let h = f32x4.mul(o, vtanhGate(c));
  if (!on) {
    c = cprev;
    h = hpr ? ld4(hpr + jo, n) : f32x4.splat(0);
  }
  if (keep.on()) {
    st4(gr + jo, i, n);
    st4(gr + jo + HB, f, n);
    st4(gr + jo + 2 * HB, g, n);
    st4(gr + jo + 3 * HB, o, n);
  }
  st4(cr + jo, c, n);
  st4(hr + jo, h, n);
}

// cell4 on units j .. j+3 (sums a*) and j+4 .. j+7 (sums b*) at once, all 8 units present.
// @ts-ignore: decorator
@inline
function cell8<Act, Keep>(ai: v128, bi: v128, af: v128, bf: v128, ac: v128, bc: v128, ao: v128, bo: v128,
                          xr: usize, gr: usize, cr: usize, hr: usize, cpr: usize, hpr: usize, jo: usize, HB: usize, on: bool): void {
  const act = changetype<Act>(0);
  const keep = changetype<Keep>(0);
  const x = xr + jo;
  const ia = act.f(f32x4.add(ai, v128.load(x))), ib = act.f(f32x4.add(bi, v128.load(x, 16)));
  const fa = act.f(f32x4.add(af, v128.load(x + HB))), fb = act.f(f32x4.add(bf, v128.load(x + HB, 16)));
  const ga = vtanhGate(f32x4.add(ac, v128.load(x + 2 * HB))), gb = vtanhGate(f32x4.add(bc, v128.load(x + 2 * HB, 16)));
  const oa = act.f(f32x4.add(ao, v128.load(x + 3 * HB))), ob = act.f(f32x4.add(bo, v128.load(x + 3 * HB, 16)));
  const cpa = cpr ? v128.load(cpr + jo) : f32x4.splat(0), cpb = cpr ? v128.load(cpr + jo, 16) : f32x4.splat(0);
  let ca = f32x4.add(f32x4.mul(fa, cpa), f32x4.mul(ia, ga)), cb = f32x4.add(f32x4.mul(fb, cpb), f32x4.mul(ib, gb));
  let ha = f32x4.mul(oa, vtanhGate(ca)), hb = f32x4.mul(ob, vtanhGate(cb));
  if (!on) {
    ca = cpa; cb = cpb;
    ha = hpr ? v128.load(hpr + jo) : f32x4.splat(0);
    hb = hpr ? v128.load(hpr + jo, 16) : f32x4.splat(0);
  }
  if (keep.on()) {
    const g = gr + jo;
    v128.store(g, ia); v128.store(g, ib, 16);
    v128.store(g + HB, fa); v128.store(g + HB, fb, 16);
    v128.store(g + 2 * HB, ga); v128.store(g + 2 * HB, gb, 16);
    v128.store(g + 3 * HB, oa); v128.store(g + 3 * HB, ob, 16);
  }
  v128.store(cr + jo, ca); v128.store(cr + jo, cb, 16);
  v128.store(hr + jo, ha); v128.store(hr + jo, hb, 16);
}

function lstmFwdSmall<Act, Keep, Rd>(xw: usize, xwRows: usize, u: usize, h0: usize, c0: usize, mask: usize, hs: usize, cs: usize, gates: usize,
                                 ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, rdm: usize, ith: i32, nth: i32): void {
  const keep = changetype<Keep>(0);
  const rd = changetype<Rd>(0);
  const hm0 = ws + hmOffset(B, H), hm1 = hm0 + <usize>B * (<usize>H << 2);
  const NG = (H + 7) >> 3;
  const u0 = partStart(NG, 1, ith, nth), u1 = partStart(NG, 1, ith + 1, nth);
  const pb = <usize>H << 7;                // one panel: H x 32 floats
  const G4 = <usize>H << 4;
  const HB = <usize>H << 2;
  const xs = <usize>T * G4;
  const hss = <usize>T * HB;
  for (let un = u0; un < u1; un++) {
    const j = un << 3;
    packGates(u + (<usize>j << 2), G4, HB, min(8, H - j), H, ws + <usize>un * pb);
  }
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      if (u0 >= u1) break;
      const on = mask == 0 || load<f32>(mask + ((<usize>b * T + t) << 2)) != 0;
      const xr = xwRow(xw, xwRows, b, T, t, G4);
      const gr = gates + <usize>b * xs + <usize>s * G4;
      const cr = cs + <usize>b * hss + <usize>s * HB;
      const hr = hs + <usize>b * hss + <usize>s * HB;
      let hpr: usize = 0, cpr: usize = 0;
      if (s > 0) {
        hpr = hr - HB; cpr = cr - HB;
      } else {
        if (h0) hpr = h0 + <usize>b * HB;
        if (c0) cpr = c0 + <usize>b * HB;
      }
      // the product's operand: h_{s-1}, or h_{s-1} ⊙ rdm from the hm copy of the last step
      const hqr = rd.on() ? (s > 0 ? ((s & 1) ? hm0 : hm1) + <usize>b * HB : 0) : hpr;
      if (!on && !keep.on()) {
        // inference, masked row: the state carries over
        for (let j = u0 << 3, j1 = min(u1 << 3, H); j < j1; j += 4) {
          const n = min(4, H - j);
          const jo = <usize>j << 2;
          st4(cr + jo, cpr ? ld4(cpr + jo, n) : f32x4.splat(0), n);
          st4(hr + jo, hpr ? ld4(hpr + jo, n) : f32x4.splat(0), n);
        }
        continue;
      }
      for (let un = u0; un < u1; un++) {
        let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        if (hqr) {
          let p = ws + <usize>un * pb;
          const end = hqr + HB;
          for (let a = hqr; a < end; a += 4) {
            const x = v128.load32_splat(a);
            a0 = madd(x, v128.load(p), a0);
            a1 = madd(x, v128.load(p, 16), a1);
            a2 = madd(x, v128.load(p, 32), a2);
            a3 = madd(x, v128.load(p, 48), a3);
            a4 = madd(x, v128.load(p, 64), a4);
            a5 = madd(x, v128.load(p, 80), a5);
            a6 = madd(x, v128.load(p, 96), a6);
            a7 = madd(x, v128.load(p, 112), a7);
            p += 128;
          }
        }
        const j = un << 3;
        const jo = <usize>j << 2;
        if (j + 8 <= H) {
          cell8<Act, Keep>(a0, a1, a2, a3, a4, a5, a6, a7, xr, gr, cr, hr, cpr, hpr, jo, HB, on);
        } else {
          cell4<Act, Keep>(a0, a2, a4, a6, xr, gr, cr, hr, cpr, hpr, jo, HB, min(4, H - j), on);
          if (H - j > 4) cell4<Act, Keep>(a1, a3, a5, a7, xr, gr, cr, hr, cpr, hpr, jo + 16, HB, H - j - 4, on);
        }
      }
      if (rd.on()) maskRows(hr, 0, rdm + <usize>b * HB, ((s & 1) ? hm1 : hm0) + <usize>b * HB, 1, H, u0 << 3, min(u1 << 3, H));
    }
    if (s + 1 < T) barrier(sync, nth);
  }
}

// xw (B,T,4H), or a table of 4H-float rows with xwRows (B,T) i32 (every value a row of it) or 0;
// u (H,4H), h0 (B,H) or 0, c0 (B,H) or 0, mask (B,T) or 0 -> hs (B,T,H), cs (B,T,H),
// gates (B,T,4H) or 0 (not stored). ws: lstmForwardWorkspaceBytes (src/kernels/lstm.ts); sync: 4 zeroed i32. recAct 0 sigmoid, 1 hardSigmoid.
// rdMask (B,H) or 0: recurrent dropout, the product reads h_{s-1} ⊙ rdMask (training: gates != 0,
// h0 == 0; ws then has 2 B H more floats: lstmForwardWorkspaceBytes(B, H, true)).
export function f32_lstm_seq_fwd(xw: usize, u: usize, h0: usize, c0: usize, mask: usize, hs: usize, cs: usize, gates: usize,
                                 ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32, xwRows: usize, rdMask: usize,
                                 ith: i32, nth: i32): void {
  if (B <= 0 || T <= 0 || H <= 0 || ith >= nth) return;
  if (rdMask) {
    if (!gates || h0) unreachable();
    if (recAct == 1) lstmFwdAny<HardSigmoidAct, KeepGates, RdOn>(xw, xwRows, u, h0, c0, mask, hs, cs, gates, ws, sync, B, T, H, reverse, rdMask, ith, nth);
    else lstmFwdAny<SigmoidAct, KeepGates, RdOn>(xw, xwRows, u, h0, c0, mask, hs, cs, gates, ws, sync, B, T, H, reverse, rdMask, ith, nth);
  } else if (gates) {
    if (recAct == 1) lstmFwdAny<HardSigmoidAct, KeepGates, RdOff>(xw, xwRows, u, h0, c0, mask, hs, cs, gates, ws, sync, B, T, H, reverse, 0, ith, nth);
    else lstmFwdAny<SigmoidAct, KeepGates, RdOff>(xw, xwRows, u, h0, c0, mask, hs, cs, gates, ws, sync, B, T, H, reverse, 0, ith, nth);
  } else {
    if (recAct == 1) lstmFwdAny<HardSigmoidAct, DropGates, RdOff>(xw, xwRows, u, h0, c0, mask, hs, cs, 0, ws, sync, B, T, H, reverse, 0, ith, nth);
    else lstmFwdAny<SigmoidAct, DropGates, RdOff>(xw, xwRows, u, h0, c0, mask, hs, cs, 0, ws, sync, B, T, H, reverse, 0, ith, nth);
  }
}

// f32_lstm_seq_fwd of the inference-only kernel set (assembly/infer.ts exports it under that
// name): the same kernel without the variants that store the gates for a backward pass, which
// prediction never asks for (the host refuses gates on that set with an error saying what to do).
export function f32_lstm_seq_fwd_infer(xw: usize, u: usize, h0: usize, c0: usize, mask: usize, hs: usize, cs: usize, gates: usize,
                                       ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32, xwRows: usize, rdMask: usize,
                                       ith: i32, nth: i32): void {
  if (B <= 0 || T <= 0 || H <= 0 || ith >= nth) return;
  if (gates || rdMask) unreachable();
  if (recAct == 1) lstmFwdAny<HardSigmoidAct, DropGates, RdOff>(xw, xwRows, u, h0, c0, mask, hs, cs, 0, ws, sync, B, T, H, reverse, 0, ith, nth);
  else lstmFwdAny<SigmoidAct, DropGates, RdOff>(xw, xwRows, u, h0, c0, mask, hs, cs, 0, ws, sync, B, T, H, reverse, 0, ith, nth);
}

// Batches of 1-3 rows take the small-batch path, larger ones the batched steps.
// @ts-ignore: decorator
@inline
function lstmFwdAny<Act, Keep, Rd>(xw: usize, xwRows: usize, u: usize, h0: usize, c0: usize, mask: usize, hs: usize, cs: usize, gates: usize,
                               ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, rdm: usize, ith: i32, nth: i32): void {
  if (B < 4) lstmFwdSmall<Act, Keep, Rd>(xw, xwRows, u, h0, c0, mask, hs, cs, gates, ws, sync, B, T, H, reverse, rdm, ith, nth);
  else lstmFwd<Act, Keep, Rd>(xw, xwRows, u, h0, c0, mask, hs, cs, gates, ws, sync, B, T, H, reverse, rdm, ith, nth);
}

// ---- backward ----------------------------------------------------------------------------------

// Phase A of step s for rows b < B and own units [j0, j1): dz_t and the carried dc, dh.
// @ts-ignore: decorator
@inline
function bwdCell<Act>(mask: usize, cs: usize, gates: usize, dhs: usize, dz: usize, cp: usize, cps: usize,
                      dhb: usize, dcb: usize, tsb: usize, zpk: usize,
                      B: i32, T: i32, H: i32, s: i32, t: i32, j0: i32, j1: i32): void {
  const act = changetype<Act>(0);
  const G4 = <usize>H << 4;
  const HB = <usize>H << 2;
  const xs = <usize>T * G4;
  const hss = <usize>T * HB;
  const one = f32x4.splat(1);
  const B4 = B & ~3;
  for (let b = 0; b < B; b++) {
    const on = mask == 0 || load<f32>(mask + ((<usize>b * T + t) << 2)) != 0;
    const gr = gates + <usize>b * xs + <usize>s * G4;
    const zr = dz + <usize>b * xs + <usize>t * G4;
    const cr = cs + <usize>b * hss + <usize>s * HB;
    const dhr = dhs ? dhs + <usize>b * hss + <usize>s * HB : 0;
    const cpr = cp ? cp + <usize>b * cps : 0;
    const hb = dhb + <usize>b * tsb;
    const cb = dcb + <usize>b * tsb;
    for (let j = j0; j < j1; j += 4) {
      const n = min(4, H - j);
      const jo = <usize>j << 2;
      let dh = v128.load(hb + jo);
      if (dhr) dh = f32x4.add(ld4(dhr + jo, n), dh);
      let zi = f32x4.splat(0), zf = zi, zg = zi, zo = zi;
      if (on) {
        const i = ld4(gr + jo, n);
        const f = ld4(gr + jo + HB, n);
        const g = ld4(gr + jo + 2 * HB, n);
        const o = ld4(gr + jo + 3 * HB, n);
        const cprev = cpr ? ld4(cpr + jo, n) : f32x4.splat(0);
        const tc = vtanhGate(ld4(cr + jo, n));
        // dc_s = dc + dh o (1 - tanh²c); dz = (dh tanh c, dc g, dc c_{s-1}, dc i) times the
        // activation derivatives; dc_{s-1} = dc_s f
        const dc = f32x4.add(v128.load(cb + jo), f32x4.mul(f32x4.mul(dh, o), f32x4.sub(one, f32x4.mul(tc, tc))));
        zi = f32x4.mul(f32x4.mul(dc, g), act.d(i));
        zf = f32x4.mul(f32x4.mul(dc, cprev), act.d(f));
        zg = f32x4.mul(f32x4.mul(dc, i), f32x4.sub(one, f32x4.mul(g, g)));
        zo = f32x4.mul(f32x4.mul(dh, tc), act.d(o));
        v128.store(cb + jo, f32x4.mul(dc, f));
      }
      v128.store(hb + jo, dh);
      st4(zr + jo, zi, n);
      st4(zr + jo + HB, zf, n);
      st4(zr + jo + 2 * HB, zg, n);
      st4(zr + jo + 3 * HB, zo, n);
    }
  }
  // the rows in whole blocks of 4 also into the packed copy phase B's product reads
  for (let b = 0; b < B4; b += 4) {
    for (let g = 0; g < 4; g++) packBlock(dz + <usize>t * G4, xs, zpk, G4 << 2, b, g * H + j0, g * H + j1);
  }
}

function lstmBwd<Act, Rd>(u: usize, c0: usize, mask: usize, cs: usize, gates: usize,
                      dhs: usize, dhT: usize, dcT: usize, dz: usize, dh0: usize, dc0: usize,
                      ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, rdm: usize, ith: i32, nth: i32): void {
  const rd = changetype<Rd>(0);
  const NG = (H + 7) >> 3;
  const NG8 = NG << 3;
  const u0 = partStart(NG, 1, ith, nth), u1 = partStart(NG, 1, ith + 1, nth);
  const j0 = u0 << 3, j1 = min(u1 << 3, H);
  const G4 = <usize>H << 4;
  const HB = <usize>H << 2;
  const xs = <usize>T * G4;
  const hss = <usize>T * HB;
  const pbT = <usize>(4 * H) << 5;                 // one Uᵀ panel: 4H x 8
  const tsb = <usize>NG8 << 2;                     // one row of an NG x 8 tile
  const pw = ws;
  const tile = pw + <usize>NG * pbT;
  const dhb = tile + <usize>B * tsb;
  const dcb = dhb + <usize>B * tsb;
  const zp0 = dcb + <usize>B * tsb;                 // packed dz, two copies of B4 x 4H
  const zp1 = zp0 + <usize>(B & ~3) * G4;
  // own state: dh and dc from dhT, dcT; padding lanes 0
  for (let b = 0; b < B; b++) {
    for (let j = j0; j < j1; j += 4) {
      const n = min(4, H - j);
      const o = <usize>b * tsb + (<usize>j << 2);
      const src = (<usize>b * HB) + (<usize>j << 2);
      v128.store(dhb + o, dhT ? ld4(dhT + src, n) : f32x4.splat(0));
      v128.store(dcb + o, dcT ? ld4(dcT + src, n) : f32x4.splat(0));
    }
  }
  for (let un = u0; un < u1; un++) {
    const j = un << 3;
    packRows(u + <usize>j * G4, G4, min(8, H - j), 4 * H, pw + <usize>un * pbT);
  }
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    if (u0 < u1) {
      let cp: usize = 0, cps: usize = 0;
      if (s > 0) { cp = cs + <usize>(s - 1) * HB; cps = hss; } else if (c0) { cp = c0; cps = HB; }
      bwdCell<Act>(mask, cs, gates, dhs, dz, cp, cps, dhb, dcb, tsb, (s & 1) ? zp1 : zp0, B, T, H, s, t, j0, j1);
    }
    barrier(sync, nth);
    if (u0 < u1) {
      // dh_{s-1} = dz_t · Uᵀ for own units on rows that took the step; masked rows keep dh_s.
      // With recurrent dropout the product read h_{s-1} ⊙ rdm: dh_{s-1} = (dz_t · Uᵀ) ⊙ rdm.
      packedProduct((s & 1) ? zp1 : zp0, G4 << 2, dz + <usize>t * G4, xs, B, 4 * H, pw, pbT, u0, u1, tile, tsb, true);
      for (let b = 0; b < B; b++) {
        if (mask != 0 && load<f32>(mask + ((<usize>b * T + t) << 2)) == 0) continue;
        const o = <usize>b * tsb;
        if (rd.on()) {
          const mr = rdm + <usize>b * HB;
          for (let j = j0; j < j1; j += 4) {
            const jo = <usize>j << 2;
            v128.store(dhb + o + jo, f32x4.mul(v128.load(tile + o + jo), ld4(mr + jo, min(4, H - j))));
          }
        } else {
          for (let j = j0; j < j1; j += 4) v128.store(dhb + o + (<usize>j << 2), v128.load(tile + o + (<usize>j << 2)));
        }
      }
    }
  }
  if (u0 < u1) {
    for (let b = 0; b < B; b++) {
      for (let j = j0; j < j1; j += 4) {
        const n = min(4, H - j);
        const o = <usize>b * tsb + (<usize>j << 2);
        const dst = (<usize>b * HB) + (<usize>j << 2);
        if (dh0) st4(dh0 + dst, v128.load(dhb + o), n);
        if (dc0) st4(dc0 + dst, v128.load(dcb + o), n);
      }
    }
  }
}

// u (H,4H), c0 (B,H) or 0, mask (B,T) or 0, cs (B,T,H), gates (B,T,4H) from the forward;
// dhs (B,T,H) or 0, dhT, dcT (B,H) or 0 -> dz (B,T,4H), dh0, dc0 (B,H) or 0.
// rdMask (B,H) or 0: the forward's recurrent dropout mask (dh_{s-1} gets the product times it).
// ws: lstmBackwardWorkspaceBytes (src/kernels/lstm.ts); sync: 4 zeroed i32.
export function f32_lstm_seq_bwd(u: usize, c0: usize, mask: usize, cs: usize, gates: usize,
                                 dhs: usize, dhT: usize, dcT: usize, dz: usize, dh0: usize, dc0: usize,
                                 ws: usize, sync: usize, B: i32, T: i32, H: i32, reverse: i32, recAct: i32, rdMask: usize, ith: i32, nth: i32): void {
  // B = 0 or T = 0 still writes dh0 = dhT, dc0 = dcT
  if (B < 0 || T < 0 || H <= 0 || ith >= nth) return;
  if (rdMask) {
    if (recAct == 1) lstmBwd<HardSigmoidAct, RdOn>(u, c0, mask, cs, gates, dhs, dhT, dcT, dz, dh0, dc0, ws, sync, B, T, H, reverse, rdMask, ith, nth);
    else lstmBwd<SigmoidAct, RdOn>(u, c0, mask, cs, gates, dhs, dhT, dcT, dz, dh0, dc0, ws, sync, B, T, H, reverse, rdMask, ith, nth);
  } else {
    if (recAct == 1) lstmBwd<HardSigmoidAct, RdOff>(u, c0, mask, cs, gates, dhs, dhT, dcT, dz, dh0, dc0, ws, sync, B, T, H, reverse, 0, ith, nth);
    else lstmBwd<SigmoidAct, RdOff>(u, c0, mask, cs, gates, dhs, dhT, dcT, dz, dh0, dc0, ws, sync, B, T, H, reverse, 0, ith, nth);
  }
}
