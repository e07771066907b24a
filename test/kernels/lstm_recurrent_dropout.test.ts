// The LSTM kernels with a recurrent dropout mask (Keras' recurrent_dropout): the product reads
// h_{s-1} ⊙ m (one (B, H) mask for every step), hs keeps h; backward: dh_{s-1} = (dz · Uᵀ) ⊙ m and
// dU sums (h_{s-1} ⊙ m)ᵀ dz. Against the f64 twins over edge sizes (B 1, 3, 4, 5: the small-batch
// path and the batched one with and without a tail; H 1, 7, 8, 9, 17; T 1, 2, 13), bitwise across
// builds and 1-3 threads; a mask of ones gives the unmasked bits; bad input refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { expectBitwise, expectClose, rng, uniform, stepMask, type MaskKind } from '../helpers/data.js';
import {
  lstmBackwardWorkspaceBytes, lstmForwardWorkspaceBytes, lstmSequence, lstmSequenceBackward, type RecurrentActivation,
} from '../../src/kernels/lstm.js';
import type { Runtime } from '../../src/runtime/runtime.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

interface Case { B: number; T: number; H: number; mask: MaskKind; reverse: boolean; act: RecurrentActivation; rate: number }
const label = (c: Case) => `B${c.B} T${c.T} H${c.H} mask:${c.mask}${c.reverse ? ' rev' : ''} ${c.act} rate ${c.rate}`;

/** A dropout mask: 0 or 1 / (1 - rate), as the layer draws (never all zero in a row: a row of zeros would test less). */
function dropMask(B: number, H: number, rate: number, seed: number): Float32Array {
  const r = rng(seed), keep = Math.fround(1 / (1 - rate));
  return Float32Array.from({ length: B * H }, () => (r() < rate ? 0 : keep));
}

function makeData(c: Case, seed: number) {
  const { B, T, H } = c;
  const s = 1.5 / Math.sqrt(H);
  return {
    xw: uniform(B * T * 4 * H, -1.5, 1.5, seed), u: uniform(H * 4 * H, -s, s, seed + 1), c0: uniform(B * H, -1, 1, seed + 3),
    mask: stepMask(B, T, c.mask, seed + 4), dhs: uniform(B * T * H, -1, 1, seed + 5), dhT: uniform(B * H, -1, 1, seed + 6),
    dcT: uniform(B * H, -1, 1, seed + 7), rdm: dropMask(B, H, c.rate, seed + 8),
  };
}
type Data = ReturnType<typeof makeData>;

function runFast(rt: Runtime, c: Case, d: Data, withMask = true) {
  const { B, T, H } = c;
  return rt.step(() => {
    const xw = rt.temp([B, T, 4 * H]).set(d.xw), u = rt.temp([H, 4 * H]).set(d.u), c0 = rt.temp([B, H]).set(d.c0);
    const mask = c.mask !== 'none' ? rt.temp([B, T]).set(d.mask) : null;
    const recurrentMask = withMask ? rt.temp([B, H]).set(d.rdm) : null;
    const hs = rt.temp([B, T, H]).fill(NaN), cs = rt.temp([B, T, H]).fill(NaN), gates = rt.temp([B, T, 4 * H]).fill(NaN);
    const common = { u, c0, mask, hs, cs, gates, reverse: c.reverse, recurrentActivation: c.act, recurrentMask };
    lstmSequence(rt, { xw, ...common });
    const dhs = rt.temp([B, T, H]).set(d.dhs), dhT = rt.temp([B, H]).set(d.dhT), dcT = rt.temp([B, H]).set(d.dcT);
    const dz = rt.temp([B, T, 4 * H]).fill(NaN), dh0 = rt.temp([B, H]).fill(NaN), dc0 = rt.temp([B, H]).fill(NaN), du = rt.temp([H, 4 * H]).fill(NaN);
    lstmSequenceBackward(rt, { ...common, dhs, dhT, dcT, dz, dh0, dc0, du });
    return { hs: hs.f32().slice(), cs: cs.f32().slice(), gates: gates.f32().slice(), dz: dz.f32().slice(), dh0: dh0.f32().slice(), dc0: dc0.f32().slice(), du: du.f32().slice() };
  });
}

const actIndex = (a: RecurrentActivation) => (a === 'hardSigmoid' ? 1 : 0);

function refForward(c: Case, d: Data) {
  const { B, T, H } = c;
  ref.reset();
  const pxw = ref.put(d.xw), pu = ref.put(d.u), pc0 = ref.put(d.c0), pm = c.mask !== 'none' ? ref.put(d.mask) : 0, pr = ref.put(d.rdm);
  const phs = ref.alloc(B * T * H), pcs = ref.alloc(B * T * H), pg = ref.alloc(B * T * 4 * H);
  ref.call('f32_lstm_seq_fwd', pxw, pu, 0, pc0, pm, phs, pcs, pg, 0, 0, B, T, H, +c.reverse, actIndex(c.act), 0, pr);
  return { hs: ref.f32(phs, B * T * H), cs: ref.f32(pcs, B * T * H), gates: ref.f32(pg, B * T * 4 * H) };
}

/** The twin's backward from the fast forward's cs and gates; dU in f64 from the fast hs times the mask. */
function refBackward(c: Case, d: Data, f: { hs: Float32Array; cs: Float32Array; gates: Float32Array }) {
  const { B, T, H } = c;
  const G = 4 * H;
  ref.reset();
  const pu = ref.put(d.u), pc0 = ref.put(d.c0), pm = c.mask !== 'none' ? ref.put(d.mask) : 0, pr = ref.put(d.rdm);
  const pcs = ref.put(f.cs), pg = ref.put(f.gates), pdhs = ref.put(d.dhs), pdhT = ref.put(d.dhT), pdcT = ref.put(d.dcT);
  const pdz = ref.alloc(B * T * G), pdh0 = ref.alloc(B * H), pdc0 = ref.alloc(B * H), ws = ref.alloc(6 * B * H);
  ref.call('f32_lstm_seq_bwd', pu, pc0, pm, pcs, pg, pdhs, pdhT, pdcT, pdz, pdh0, pdc0, ws, 0, B, T, H, +c.reverse, actIndex(c.act), pr);
  const dz = ref.f32(pdz, B * T * G);
  const du = new Float64Array(H * G);
  for (let b = 0; b < B; b++) {
    for (let s = 1; s < T; s++) {
      const t = c.reverse ? T - 1 - s : s;
      for (let k = 0; k < H; k++) {
        const hk = f.hs[(b * T + s - 1) * H + k] * d.rdm[b * H + k];
        for (let col = 0; col < G; col++) du[k * G + col] += hk * dz[(b * T + t) * G + col];
      }
    }
  }
  return { dz, dh0: ref.f32(pdh0, B * H), dc0: ref.f32(pdc0, B * H), du: Float32Array.from(du) };
}

// the tolerances of lstm.test.ts (the mask scales h by at most 1 / (1 - 0.5) here)
const FWD_TOL = 2e-6, BWD_RTOL = 4e-6, BWD_ATOL = 1e-6, BWD_ATOL_SUM = 6e-6;

const CASES: Case[] = [];
{
  let i = 0;
  const masks: MaskKind[] = ['none', 'gaps', 'rows'];
  for (const B of [1, 3, 4, 5]) {
    for (const H of [1, 7, 8, 9, 17]) {
      for (const T of [1, 2, 13]) {
        CASES.push({ B, H, T, mask: masks[i % 3], reverse: (i & 2) === 2, act: i % 5 === 4 ? 'hardSigmoid' : 'sigmoid', rate: [0.2, 0.5, 0.35][i % 3] });
        i++;
      }
    }
  }
  CASES.push({ B: 13, T: 9, H: 40, mask: 'gaps', reverse: false, act: 'sigmoid', rate: 0.3 });
  CASES.push({ B: 2, T: 11, H: 33, mask: 'none', reverse: true, act: 'sigmoid', rate: 0.25 });
}

describe('lstm kernels with a recurrent dropout mask', () => {
  it.each(CASES.map((c) => [label(c), c]))('%s: twin, and bitwise across builds and threads', (_, c) => {
    const cs = c as Case;
    const d = makeData(cs, cs.B * 1000 + cs.T * 37 + cs.H);
    const want = refForward(cs, d);
    let first: ReturnType<typeof runFast> | null = null;
    for (const [name, rt] of rts) {
      const out = runFast(rt, cs, d);
      if (first) {
        for (const k of Object.keys(out) as (keyof typeof out)[]) expectBitwise(out[k], first[k], `${label(cs)} ${k} ${name}`);
        continue;
      }
      first = out;
      for (const k of ['hs', 'cs', 'gates'] as const) expectClose(out[k], want[k], FWD_TOL, FWD_TOL, `${label(cs)} ${k} ${name}`);
      const g = refBackward(cs, d, out);
      expectClose(out.dz, g.dz, BWD_RTOL, BWD_ATOL, `${label(cs)} dz ${name}`);
      expectClose(out.dh0, g.dh0, BWD_RTOL, BWD_ATOL_SUM, `${label(cs)} dh0 ${name}`);
      expectClose(out.dc0, g.dc0, BWD_RTOL, BWD_ATOL, `${label(cs)} dc0 ${name}`);
      expectClose(out.du, g.du, BWD_RTOL, BWD_ATOL_SUM, `${label(cs)} du ${name}`);
    }
  });

  it('the mask changes the result (it is read), and a mask of ones gives the bits of no mask', () => {
    for (const B of [2, 6]) {
      const c: Case = { B, T: 6, H: 9, mask: 'gaps', reverse: false, act: 'sigmoid', rate: 0.4 };
      const d = makeData(c, 77 + B);
      for (const rt of rts.values()) {
        const plain = runFast(rt, c, d, false);
        const masked = runFast(rt, c, d, true);
        expect(masked.hs).not.toEqual(plain.hs);
        expect(masked.du).not.toEqual(plain.du);
        const ones = runFast(rt, c, { ...d, rdm: new Float32Array(B * 9).fill(1) }, true);
        for (const k of Object.keys(ones) as (keyof typeof ones)[]) expectBitwise(ones[k], plain[k], `B${B} ones ${k}`);
      }
    }
  });

  it('forced thread counts 1-3 (threads with no unit group of their own still meet at every barrier): the same bits', () => {
    const rt = rts.get('simd-mt@3')!;
    for (const [B, H] of [[2, 5], [5, 5], [3, 17], [6, 17]]) {
      const c: Case = { B, T: 7, H, mask: 'gaps', reverse: true, act: 'sigmoid', rate: 0.3 };
      const d = makeData(c, 91 + B + H);
      const base = runFast(rts.get('simd@1')!, c, d);
      const T = c.T;
      for (const nth of [1, 2, 3]) {
        rt.step(() => {
          const xw = rt.temp([B, T, 4 * H]).set(d.xw), u = rt.temp([H, 4 * H]).set(d.u), c0 = rt.temp([B, H]).set(d.c0);
          const mask = rt.temp([B, T]).set(d.mask), rdm = rt.temp([B, H]).set(d.rdm);
          const hs = rt.temp([B, T, H]), cs = rt.temp([B, T, H]), gates = rt.temp([B, T, 4 * H]);
          const ws = rt.temp([lstmForwardWorkspaceBytes(B, H, true) / 4]), sync = rt.temp([4], 'i32').fill(0);
          rt.run('f32_lstm_seq_fwd', 1e9, [xw.ptr, u.ptr, 0, c0.ptr, mask.ptr, hs.ptr, cs.ptr, gates.ptr, ws.ptr, sync.ptr, B, T, H, 1, 0, 0, rdm.ptr], nth);
          expectBitwise(hs.f32(), base.hs, `B${B} H${H} hs nth=${nth}`);
          const dhs = rt.temp([B, T, H]).set(d.dhs), dhT = rt.temp([B, H]).set(d.dhT), dcT = rt.temp([B, H]).set(d.dcT);
          const dz = rt.temp([B, T, 4 * H]), dh0 = rt.temp([B, H]), dc0 = rt.temp([B, H]);
          const wsb = rt.temp([lstmBackwardWorkspaceBytes(B, H) / 4]);
          sync.fill(0);
          rt.run('f32_lstm_seq_bwd', 1e9, [u.ptr, c0.ptr, mask.ptr, cs.ptr, gates.ptr, dhs.ptr, dhT.ptr, dcT.ptr,
            dz.ptr, dh0.ptr, dc0.ptr, wsb.ptr, sync.ptr, B, T, H, 1, 0, rdm.ptr], nth);
          expectBitwise(dz.f32(), base.dz, `B${B} H${H} dz nth=${nth}`);
          expectBitwise(dh0.f32(), base.dh0, `B${B} H${H} dh0 nth=${nth}`);
        });
      }
    }
  });

  it('refuses a mask of the wrong shape, with h0, without gates, or on the inference kernels', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const B = 4, T = 3, H = 5;
      const xw = rt.temp([B, T, 4 * H]).fill(0), u = rt.temp([H, 4 * H]).fill(0);
      const hs = rt.temp([B, T, H]), cs = rt.temp([B, T, H]), gates = rt.temp([B, T, 4 * H]);
      expect(() => lstmSequence(rt, { xw, u, hs, cs, gates, recurrentMask: rt.temp([B, H + 1]) })).toThrow(/recurrentMask must have shape \(4, 5\)/);
      expect(() => lstmSequence(rt, { xw, u, hs, cs, gates, recurrentMask: rt.temp([B, H]), h0: rt.temp([B, H]) })).toThrow(/recurrentMask \(training\) needs gates and no h0/);
      expect(() => lstmSequence(rt, { xw, u, hs, cs, gates: null, recurrentMask: rt.temp([B, H]) })).toThrow(/recurrentMask \(training\) needs gates/);
      expect(() => lstmSequence(rt, { xw, u, hs, cs, gates, recurrentMask: hs.view([B, H]) })).toThrow(/share memory/);
    });
  });
});
