// Whole-sequence LSTM: forward and backward against the f64 scalar twins over an edge-size matrix
// of batch, steps and units (with and without mask, reverse, initial states, both recurrent
// activations), in every build and thread count, bitwise equal across them; gradients against
// f64 central differences of a host-side f64 LSTM; bad input refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { expectBitwise, expectClose, ints, uniform, stepMask, type MaskKind } from '../helpers/data.js';
import { sampledCentralDiff } from '../helpers/gradcheck.js';
import {
  lstmBackwardWorkspaceBytes, lstmForwardWorkspaceBytes, lstmSequence, lstmSequenceBackward, type RecurrentActivation,
} from '../../src/kernels/lstm.js';
import type { Runtime } from '../../src/runtime/runtime.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

interface Case {
  B: number; T: number; H: number;
  mask: MaskKind; reverse: boolean; init: boolean; act: RecurrentActivation; dT: boolean;
}
interface Data {
  xw: Float32Array; u: Float32Array; h0: Float32Array; c0: Float32Array; mask: Float32Array;
  dhs: Float32Array; dhT: Float32Array; dcT: Float32Array;
}
interface Fwd { hs: Float32Array; cs: Float32Array; gates: Float32Array }
interface Bwd { dz: Float32Array; dh0: Float32Array; dc0: Float32Array; du: Float32Array }

const label = (c: Case) => `B${c.B} T${c.T} H${c.H} mask:${c.mask}${c.reverse ? ' rev' : ''}${c.init ? ' h0c0' : ''} ${c.act}${c.dT ? ' dT' : ''}`;

function makeData(c: Case, seed: number): Data {
  const { B, T, H } = c;
  const s = 1.5 / Math.sqrt(H);
  return {
    xw: uniform(B * T * 4 * H, -1.5, 1.5, seed),
    u: uniform(H * 4 * H, -s, s, seed + 1),
    h0: uniform(B * H, -0.8, 0.8, seed + 2),
    c0: uniform(B * H, -1, 1, seed + 3),
    mask: stepMask(c.B, c.T, c.mask, seed + 4),
    dhs: uniform(B * T * H, -1, 1, seed + 5),
    dhT: uniform(B * H, -1, 1, seed + 6),
    dcT: uniform(B * H, -1, 1, seed + 7),
  };
}

function runFast(rt: Runtime, c: Case, d: Data): { fwd: Fwd; bwd: Bwd } {
  const { B, T, H } = c;
  return rt.step(() => {
    const xw = rt.temp([B, T, 4 * H]).set(d.xw);
    const u = rt.temp([H, 4 * H]).set(d.u);
    const h0 = c.init ? rt.temp([B, H]).set(d.h0) : null;
    const c0 = c.init ? rt.temp([B, H]).set(d.c0) : null;
    const mask = c.mask !== 'none' ? rt.temp([B, T]).set(d.mask) : null;
    // NaN-filled outputs: every value must be written
    const hs = rt.temp([B, T, H]).fill(NaN), cs = rt.temp([B, T, H]).fill(NaN), gates = rt.temp([B, T, 4 * H]).fill(NaN);
    lstmSequence(rt, { xw, u, h0, c0, mask, hs, cs, gates, reverse: c.reverse, recurrentActivation: c.act });
    const dhs = rt.temp([B, T, H]).set(d.dhs);
    const dhT = c.dT ? rt.temp([B, H]).set(d.dhT) : null;
    const dcT = c.dT ? rt.temp([B, H]).set(d.dcT) : null;
    const dz = rt.temp([B, T, 4 * H]).fill(NaN), dh0 = rt.temp([B, H]).fill(NaN), dc0 = rt.temp([B, H]).fill(NaN);
    const du = rt.temp([H, 4 * H]).fill(NaN);
    lstmSequenceBackward(rt, { u, h0, c0, mask, hs, cs, gates, reverse: c.reverse, recurrentActivation: c.act, dhs, dhT, dcT, dz, dh0, dc0, du });
    return {
      fwd: { hs: hs.f32().slice(), cs: cs.f32().slice(), gates: gates.f32().slice() },
      bwd: { dz: dz.f32().slice(), dh0: dh0.f32().slice(), dc0: dc0.f32().slice(), du: du.f32().slice() },
    };
  });
}

const actIndex = (a: RecurrentActivation) => (a === 'hardSigmoid' ? 1 : 0);

function refForward(c: Case, d: Data): Fwd {
  const { B, T, H } = c;
  ref.reset();
  const pxw = ref.put(d.xw), pu = ref.put(d.u);
  const ph0 = c.init ? ref.put(d.h0) : 0, pc0 = c.init ? ref.put(d.c0) : 0, pm = c.mask !== 'none' ? ref.put(d.mask) : 0;
  const phs = ref.alloc(B * T * H), pcs = ref.alloc(B * T * H), pg = ref.alloc(B * T * 4 * H);
  ref.call('f32_lstm_seq_fwd', pxw, pu, ph0, pc0, pm, phs, pcs, pg, 0, 0, B, T, H, +c.reverse, actIndex(c.act), 0);
  return { hs: ref.f32(phs, B * T * H), cs: ref.f32(pcs, B * T * H), gates: ref.f32(pg, B * T * 4 * H) };
}

/** The twin's backward from the given forward results (the fast ones), so only the gradient formulas are compared. */
function refBackward(c: Case, d: Data, f: Fwd): Bwd {
  const { B, T, H } = c;
  ref.reset();
  const pu = ref.put(d.u);
  const pc0 = c.init ? ref.put(d.c0) : 0, pm = c.mask !== 'none' ? ref.put(d.mask) : 0;
  const pcs = ref.put(f.cs), pg = ref.put(f.gates);
  const pdhs = ref.put(d.dhs), pdhT = c.dT ? ref.put(d.dhT) : 0, pdcT = c.dT ? ref.put(d.dcT) : 0;
  const pdz = ref.alloc(B * T * 4 * H), pdh0 = ref.alloc(B * H), pdc0 = ref.alloc(B * H);
  const ws = ref.alloc(6 * B * H);
  ref.call('f32_lstm_seq_bwd', pu, pc0, pm, pcs, pg, pdhs, pdhT, pdcT, pdz, pdh0, pdc0, ws, 0, B, T, H, +c.reverse, actIndex(c.act));
  const dz = ref.f32(pdz, B * T * 4 * H);
  return { dz, dh0: ref.f32(pdh0, B * H), dc0: ref.f32(pdc0, B * H), du: duOracle(c, d, f.hs, dz) };
}

/** dU = Σ over steps and rows of h_{s-1}ᵀ · dz_t in f64 (the wrapper computes it as one gemm): h_{s-1} from hs, h0 or zeros. */
function duOracle(c: Case, d: Data, hs: Float32Array, dz: Float32Array): Float32Array {
  const { B, T, H } = c;
  const G = 4 * H;
  const du = new Float64Array(H * G);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < T; s++) {
      const t = c.reverse ? T - 1 - s : s;
      for (let k = 0; k < H; k++) {
        const hk = s > 0 ? hs[(b * T + s - 1) * H + k] : c.init ? d.h0[b * H + k] : 0;
        if (hk === 0) continue;
        for (let col = 0; col < G; col++) du[k * G + col] += hk * dz[(b * T + t) * G + col];
      }
    }
  }
  return Float32Array.from(du);
}

// Forward: vsigmoid / vtanh are within 3 ulp of f64 and the products are f32 sums, so a step is
// within a few 1e-7 of the twin, and the recurrence carries that along (the weights above keep it
// contracting): measured at most 0.3e-6 (relative plus absolute) over up to 17 steps.
const FWD_RTOL = 1.5e-6, FWD_ATOL = 1.5e-6;
// Backward from the same forward values: f32 products over up to 4H terms per step and B T terms
// for du against f64; measured at most 0.6e-6 (relative plus absolute) for dh0 and du.
const BWD_RTOL = 4e-6, BWD_ATOL = 1e-6, BWD_ATOL_SUM = 4e-6;

function check(c: Case) {
  const d = makeData(c, c.B * 1000 + c.T * 37 + c.H);
  const want = refForward(c, d);
  let first: { fwd: Fwd; bwd: Bwd } | null = null;
  for (const [name, rt] of rts) {
    const out = runFast(rt, c, d);
    if (first) {
      for (const k of ['hs', 'cs', 'gates'] as const) expectBitwise(out.fwd[k], first.fwd[k], `${label(c)} ${k} ${name}`);
      for (const k of ['dz', 'dh0', 'dc0', 'du'] as const) expectBitwise(out.bwd[k], first.bwd[k], `${label(c)} ${k} ${name}`);
      continue;
    }
    first = out;
    for (const k of ['hs', 'cs', 'gates'] as const) expectClose(out.fwd[k], want[k], FWD_RTOL, FWD_ATOL, `${label(c)} ${k} ${name}`);
    const g = refBackward(c, d, out.fwd);
    expectClose(out.bwd.dz, g.dz, BWD_RTOL, BWD_ATOL, `${label(c)} dz ${name}`);
    expectClose(out.bwd.dh0, g.dh0, BWD_RTOL, BWD_ATOL_SUM, `${label(c)} dh0 ${name}`);
    expectClose(out.bwd.dc0, g.dc0, BWD_RTOL, BWD_ATOL, `${label(c)} dc0 ${name}`);
    expectClose(out.bwd.du, g.du, BWD_RTOL, BWD_ATOL_SUM, `${label(c)} du ${name}`);
  }
}

// Every (B, H) pair of the edge sizes, the steps and options cycled through so each appears with
// many sizes; plus a few larger and special cases.
const EDGE = [1, 3, 4, 5, 7, 8, 9, 13, 17];
const STEPS = [1, 3, 5, 8, 13, 17];
const MASKS: MaskKind[] = ['none', 'gaps', 'rows'];
const CASES: Case[] = [];
{
  let i = 0;
  for (const B of EDGE) {
    for (const H of EDGE) {
      CASES.push({
        B, H, T: STEPS[i % STEPS.length], mask: MASKS[i % 3], reverse: ((i >> 1) & 1) === 1, init: ((i >> 2) & 1) === 1,
        act: i % 5 === 4 ? 'hardSigmoid' : 'sigmoid', dT: i % 7 < 4,
      });
      i++;
    }
  }
  CASES.push({ B: 32, T: 12, H: 64, mask: 'gaps', reverse: false, init: true, act: 'sigmoid', dT: true });
  CASES.push({ B: 6, T: 9, H: 40, mask: 'rows', reverse: true, init: false, act: 'hardSigmoid', dT: false });
  CASES.push({ B: 1, T: 30, H: 33, mask: 'none', reverse: true, init: true, act: 'sigmoid', dT: true });
}

describe('lstm sequence kernels', () => {
  it.each(CASES.map((c) => [label(c), c]))('%s: twin, and bitwise across builds and threads', (_, c) => {
    check(c as Case);
  });

  it('empty batch, no steps: outputs untouched, gradients pass through', () => {
    for (const rt of rts.values()) {
      rt.step(() => {
        const H = 5, B = 3;
        const u = rt.temp([H, 4 * H]).set(uniform(H * 4 * H, -1, 1, 3));
        const xw = rt.temp([B, 0, 4 * H]);
        const hs = rt.temp([B, 0, H]), cs = rt.temp([B, 0, H]), gates = rt.temp([B, 0, 4 * H]);
        lstmSequence(rt, { xw, u, hs, cs, gates });
        const dhT = rt.temp([B, H]).set(uniform(B * H, -1, 1, 4)), dcT = rt.temp([B, H]).set(uniform(B * H, -1, 1, 5));
        const dh0 = rt.temp([B, H]).fill(NaN), dc0 = rt.temp([B, H]).fill(NaN), du = rt.temp([H, 4 * H]).fill(NaN);
        const dz = rt.temp([B, 0, 4 * H]);
        lstmSequenceBackward(rt, { u, hs, cs, gates, dhT, dcT, dz, dh0, dc0, du });
        expectBitwise(dh0.f32(), dhT.f32(), 'dh0 = dhT');
        expectBitwise(dc0.f32(), dcT.f32(), 'dc0 = dcT');
        expect([...du.f32()].every((v) => v === 0)).toBe(true);
        const x0 = rt.temp([0, 4, 4 * H]);
        const h0s = rt.temp([0, 4, H]), c0s = rt.temp([0, 4, H]), g0 = rt.temp([0, 4, 4 * H]);
        lstmSequence(rt, { xw: x0, u, hs: h0s, cs: c0s, gates: g0 });
        const du2 = rt.temp([H, 4 * H]).fill(NaN);
        lstmSequenceBackward(rt, { u, hs: h0s, cs: c0s, gates: g0, dz: rt.temp([0, 4, 4 * H]), du: du2 });
        expect([...du2.f32()].every((v) => v === 0)).toBe(true);
      });
    }
  });

  it('threads with no units of their own still meet at every barrier (forced nth)', () => {
    const rt = rts.get('simd-mt@3')!;
    const c: Case = { B: 5, T: 7, H: 5, mask: 'gaps', reverse: false, init: true, act: 'sigmoid', dT: true };
    const d = makeData(c, 77);
    const base = runFast(rts.get('simd@1')!, c, d);
    const { B, T, H } = c;
    for (const nth of [1, 2, 3]) {
      rt.step(() => {
        const xw = rt.temp([B, T, 4 * H]).set(d.xw), u = rt.temp([H, 4 * H]).set(d.u);
        const h0 = rt.temp([B, H]).set(d.h0), c0 = rt.temp([B, H]).set(d.c0), mask = rt.temp([B, T]).set(d.mask);
        const hs = rt.temp([B, T, H]), cs = rt.temp([B, T, H]), gates = rt.temp([B, T, 4 * H]);
        const ws = rt.temp([lstmForwardWorkspaceBytes(B, H) / 4]), sync = rt.temp([4], 'i32').fill(0);
        rt.run('f32_lstm_seq_fwd', 1e9, [xw.ptr, u.ptr, h0.ptr, c0.ptr, mask.ptr, hs.ptr, cs.ptr, gates.ptr, ws.ptr, sync.ptr, B, T, H, 0, 0, 0, 0], nth);
        expectBitwise(hs.f32(), base.fwd.hs, `hs nth=${nth}`);
        const dhs = rt.temp([B, T, H]).set(d.dhs), dhT = rt.temp([B, H]).set(d.dhT), dcT = rt.temp([B, H]).set(d.dcT);
        const dz = rt.temp([B, T, 4 * H]), dh0 = rt.temp([B, H]), dc0 = rt.temp([B, H]);
        const wsb = rt.temp([lstmBackwardWorkspaceBytes(B, H) / 4]);
        sync.fill(0);
        rt.run('f32_lstm_seq_bwd', 1e9, [u.ptr, c0.ptr, mask.ptr, cs.ptr, gates.ptr, dhs.ptr, dhT.ptr, dcT.ptr,
          dz.ptr, dh0.ptr, dc0.ptr, wsb.ptr, sync.ptr, B, T, H, 0, 0, 0], nth);
        expectBitwise(dz.f32(), base.bwd.dz, `dz nth=${nth}`);
        expectBitwise(dh0.f32(), base.bwd.dh0, `dh0 nth=${nth}`);
        expectBitwise(dc0.f32(), base.bwd.dc0, `dc0 nth=${nth}`);
      });
    }
  });

  it('without gates (inference) the forward gives the same hs and cs, bitwise', () => {
    for (const [name, rt] of rts) {
      for (const c of [
        { B: 5, T: 6, H: 13, mask: 'gaps', reverse: true, init: true, act: 'sigmoid', dT: false },
        { B: 8, T: 4, H: 16, mask: 'none', reverse: false, init: false, act: 'hardSigmoid', dT: false },
      ] as Case[]) {
        const d = makeData(c, 31 + c.H);
        const { B, T, H } = c;
        rt.step(() => {
          const xw = rt.temp([B, T, 4 * H]).set(d.xw), u = rt.temp([H, 4 * H]).set(d.u);
          const h0 = c.init ? rt.temp([B, H]).set(d.h0) : null, c0 = c.init ? rt.temp([B, H]).set(d.c0) : null;
          const mask = c.mask !== 'none' ? rt.temp([B, T]).set(d.mask) : null;
          const common = { xw, u, h0, c0, mask, reverse: c.reverse, recurrentActivation: c.act };
          const hs = rt.temp([B, T, H]), cs = rt.temp([B, T, H]), hs2 = rt.temp([B, T, H]), cs2 = rt.temp([B, T, H]);
          lstmSequence(rt, { ...common, hs, cs, gates: rt.temp([B, T, 4 * H]) });
          lstmSequence(rt, { ...common, hs: hs2, cs: cs2, gates: null });
          expectBitwise(hs2.f32(), hs.f32(), `${label(c)} hs without gates ${name}`);
          expectBitwise(cs2.f32(), cs.f32(), `${label(c)} cs without gates ${name}`);
        });
      }
    }
  });

  it('xwRows: the projections read as rows of a table give the gathered copy\'s bits, and the twin\'s', () => {
    // the folded embedding projection at inference: row (b, t) of xw is row ids[b, t] of a table;
    // B 1-3 (one-row path) and 4+ (batched), reverse, mask, initial states, both activations,
    // repeated and unused rows, every runtime; gates stored and not
    const cases: Case[] = [
      { B: 1, T: 7, H: 9, mask: 'none', reverse: false, init: false, act: 'sigmoid', dT: false },
      { B: 2, T: 5, H: 8, mask: 'gaps', reverse: true, init: true, act: 'hardSigmoid', dT: false },
      { B: 3, T: 4, H: 17, mask: 'rows', reverse: false, init: true, act: 'sigmoid', dT: false },
      { B: 4, T: 6, H: 1, mask: 'none', reverse: true, init: false, act: 'sigmoid', dT: false },
      { B: 5, T: 3, H: 13, mask: 'gaps', reverse: false, init: false, act: 'hardSigmoid', dT: false },
      { B: 9, T: 4, H: 16, mask: 'rows', reverse: true, init: true, act: 'sigmoid', dT: false },
    ];
    for (const c of cases) {
      const { B, T, H } = c;
      const V = 11;
      const d = makeData(c, 71 + B * H);
      const table = uniform(V * 4 * H, -1.5, 1.5, 3 + H);
      const ids = ints(B * T, 0, V - 1, 5 + B);   // V - 1 and 0 included by the draws below
      ids[0] = V - 1; ids[ids.length - 1] = 0;
      const gathered = new Float32Array(B * T * 4 * H);
      for (let r = 0; r < B * T; r++) gathered.set(table.subarray(ids[r] * 4 * H, (ids[r] + 1) * 4 * H), r * 4 * H);
      // the twin reading the table by rows
      ref.reset();
      const ptab = ref.put(table), pids = ref.put(ids, 'i32'), pu = ref.put(d.u);
      const ph0 = c.init ? ref.put(d.h0) : 0, pc0 = c.init ? ref.put(d.c0) : 0, pm = c.mask !== 'none' ? ref.put(d.mask) : 0;
      const phs = ref.alloc(B * T * H), pcs = ref.alloc(B * T * H), pg = ref.alloc(B * T * 4 * H);
      ref.call('f32_lstm_seq_fwd', ptab, pu, ph0, pc0, pm, phs, pcs, pg, 0, 0, B, T, H, +c.reverse, actIndex(c.act), pids);
      const twin = { hs: ref.f32(phs, B * T * H), cs: ref.f32(pcs, B * T * H), gates: ref.f32(pg, B * T * 4 * H) };
      const viaGather = refForward(c, { ...d, xw: gathered });
      expectBitwise(twin.hs, viaGather.hs, `${label(c)} twin: rows vs gathered`);
      for (const [name, rt] of rts) {
        for (const keep of [true, false]) {
          rt.step(() => {
            const u = rt.temp([H, 4 * H]).set(d.u);
            const h0 = c.init ? rt.temp([B, H]).set(d.h0) : null, c0 = c.init ? rt.temp([B, H]).set(d.c0) : null;
            const mask = c.mask !== 'none' ? rt.temp([B, T]).set(d.mask) : null;
            const common = { u, h0, c0, mask, reverse: c.reverse, recurrentActivation: c.act };
            const hs = rt.temp([B, T, H]).fill(NaN), cs = rt.temp([B, T, H]).fill(NaN), gates = keep ? rt.temp([B, T, 4 * H]).fill(NaN) : null;
            const hs2 = rt.temp([B, T, H]).fill(NaN), cs2 = rt.temp([B, T, H]).fill(NaN), gates2 = keep ? rt.temp([B, T, 4 * H]).fill(NaN) : null;
            lstmSequence(rt, { ...common, xw: rt.temp([V, 4 * H]).set(table), xwRows: rt.temp([B, T], 'i32').set(ids), hs, cs, gates });
            lstmSequence(rt, { ...common, xw: rt.temp([B, T, 4 * H]).set(gathered), hs: hs2, cs: cs2, gates: gates2 });
            const what = `${label(c)} ${name}${keep ? '' : ' no gates'}`;
            expectBitwise(hs.f32(), hs2.f32(), `${what} hs: rows vs gathered`);
            expectBitwise(cs.f32(), cs2.f32(), `${what} cs: rows vs gathered`);
            if (gates && gates2) expectBitwise(gates.f32(), gates2.f32(), `${what} gates: rows vs gathered`);
            expectClose(hs.f32(), twin.hs, 3e-6, 3e-6, `${what} hs vs twin`);
            expectClose(cs.f32(), twin.cs, 3e-6, 3e-6, `${what} cs vs twin`);
          });
        }
      }
    }
  });

  it('the kernels stay inside the workspace the host sizes for them', () => {
    const rt = rts.get('simd-mt@3')!;
    for (const [B, T, H] of [[1, 3, 1], [3, 4, 5], [4, 2, 8], [6, 3, 13], [9, 2, 17], [13, 2, 9]]) {
      const c: Case = { B, T, H, mask: 'gaps', reverse: true, init: true, act: 'sigmoid', dT: true };
      const d = makeData(c, B + H);
      for (const nth of [1, 3]) {
        rt.step(() => {
          const xw = rt.temp([B, T, 4 * H]).set(d.xw), u = rt.temp([H, 4 * H]).set(d.u);
          const h0 = rt.temp([B, H]).set(d.h0), c0 = rt.temp([B, H]).set(d.c0), mask = rt.temp([B, T]).set(d.mask);
          const hs = rt.temp([B, T, H]), cs = rt.temp([B, T, H]), gates = rt.temp([B, T, 4 * H]);
          const dhs = rt.temp([B, T, H]).set(d.dhs), dz = rt.temp([B, T, 4 * H]), dh0 = rt.temp([B, H]);
          // the workspace as a view at the start of one block, the rest of the block a sentinel
          const fw = lstmForwardWorkspaceBytes(B, H) / 4, bw = lstmBackwardWorkspaceBytes(B, H) / 4;
          const block = rt.temp([Math.max(fw, bw) + 64]);
          const sync = rt.temp([4], 'i32');
          const run = (name: string, words: number, args: number[]) => {
            block.f32().fill(12345);
            sync.fill(0);
            rt.run(name, 1e9, args, nth);
            const tail = block.f32().subarray(words);
            expect(tail.every((v) => v === 12345), `${name} B${B} H${H} nth ${nth} writes past its workspace`).toBe(true);
          };
          run('f32_lstm_seq_fwd', fw, [xw.ptr, u.ptr, h0.ptr, c0.ptr, mask.ptr, hs.ptr, cs.ptr, gates.ptr, block.ptr, sync.ptr, B, T, H, 1, 0, 0]);
          run('f32_lstm_seq_bwd', bw, [u.ptr, c0.ptr, mask.ptr, cs.ptr, gates.ptr, dhs.ptr, 0, 0,
            dz.ptr, dh0.ptr, 0, block.ptr, sync.ptr, B, T, H, 1, 0]);
        });
      }
    }
  });

  it('masked steps repeat the previous output and carry the state (tfjs rnn semantics)', () => {
    const rt = rts.get('simd-mt@2')!;
    const c: Case = { B: 4, T: 6, H: 9, mask: 'none', reverse: false, init: true, act: 'sigmoid', dT: false };
    const d = makeData(c, 5);
    d.mask.fill(1);
    // row 0 fully masked, row 1 masked at t = 0 and t = 3, row 2 masked at the end
    for (let t = 0; t < 6; t++) d.mask[t] = 0;
    d.mask[6] = 0; d.mask[6 + 3] = 0;
    d.mask[12 + 4] = 0; d.mask[12 + 5] = 0;
    const out = runFast(rt, { ...c, mask: 'gaps' }, d).fwd;
    const H = 9, T = 6;
    const row = (a: Float32Array, b: number, s: number) => a.subarray((b * T + s) * H, (b * T + s + 1) * H);
    for (let s = 0; s < T; s++) expectBitwise(row(out.hs, 0, s), d.h0.subarray(0, H), `row 0 step ${s} = h0`);
    expectBitwise(row(out.hs, 1, 0), d.h0.subarray(H, 2 * H), 'row 1 step 0 = h0');
    expectBitwise(row(out.hs, 1, 3), row(out.hs, 1, 2), 'row 1 step 3 = step 2');
    expectBitwise(row(out.cs, 1, 3), row(out.cs, 1, 2), 'row 1 c step 3 = step 2');
    expectBitwise(row(out.hs, 2, 5), row(out.hs, 2, 3), 'row 2 step 5 = step 3');
    expect(row(out.hs, 1, 2).some((v, j) => v !== row(out.hs, 1, 1)[j])).toBe(true);
  });

  it('reverse processes t = T-1 .. 0 and stores outputs in processing order', () => {
    const rt = rts.get('simd@1')!;
    const c: Case = { B: 3, T: 5, H: 6, mask: 'gaps', reverse: false, init: true, act: 'sigmoid', dT: false };
    const d = makeData(c, 11);
    const rev = runFast(rt, { ...c, reverse: true }, d).fwd;
    // the same as a forward run over the time-reversed inputs and mask
    const { B, T, H } = c;
    const flip = (a: Float32Array, w: number) => {
      const o = new Float32Array(a.length);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) o.set(a.subarray((b * T + t) * w, (b * T + t + 1) * w), (b * T + T - 1 - t) * w);
      return o;
    };
    const fwd = runFast(rt, c, { ...d, xw: flip(d.xw, 4 * H), mask: flip(d.mask, 1) }).fwd;
    expectBitwise(rev.hs, fwd.hs, 'hs');
    expectBitwise(rev.cs, fwd.cs, 'cs');
  });
});

// ---- gradients against f64 central differences ------------------------------------------------

interface F64Case { B: number; T: number; H: number; mask: Float32Array | null; reverse: boolean; act: RecurrentActivation }

/** The LSTM in f64 on the host and the loss sum(wh * hs) + sum(whT * h_T) + sum(wcT * c_T). */
function lossF64(c: F64Case, xw: Float64Array, u: Float64Array, h0: Float64Array, c0: Float64Array,
                 wh: Float32Array, whT: Float32Array, wcT: Float32Array): number {
  const { B, T, H } = c;
  const sg = c.act === 'hardSigmoid' ? (x: number) => Math.min(Math.max(0.5 + 0.2 * x, 0), 1) : (x: number) => 1 / (1 + Math.exp(-x));
  let loss = 0;
  for (let b = 0; b < B; b++) {
    let h = Float64Array.from(h0.subarray(b * H, (b + 1) * H));
    let cc = Float64Array.from(c0.subarray(b * H, (b + 1) * H));
    for (let s = 0; s < T; s++) {
      const t = c.reverse ? T - 1 - s : s;
      if (!c.mask || c.mask[b * T + t] !== 0) {
        const hn = new Float64Array(H), cn = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const z = [0, 1, 2, 3].map((g) => {
            let v = xw[(b * T + t) * 4 * H + g * H + j];
            for (let k = 0; k < H; k++) v += h[k] * u[k * 4 * H + g * H + j];
            return v;
          });
          cn[j] = sg(z[1]) * cc[j] + sg(z[0]) * Math.tanh(z[2]);
          hn[j] = sg(z[3]) * Math.tanh(cn[j]);
        }
        h = hn; cc = cn;
      }
      for (let j = 0; j < H; j++) loss += wh[(b * T + s) * H + j] * h[j];
    }
    for (let j = 0; j < H; j++) loss += whT[b * H + j] * h[j] + wcT[b * H + j] * cc[j];
  }
  return loss;
}

describe('lstm gradients (f64 central differences)', () => {
  it.each([
    [{ B: 3, T: 6, H: 5, masked: true, reverse: false }],
    [{ B: 2, T: 5, H: 9, masked: true, reverse: true }],
    [{ B: 4, T: 4, H: 8, masked: false, reverse: false }],
  ])('%o', ({ B, T, H, masked, reverse }) => {
    const rt = rts.get('simd-mt@2')!;
    const c: Case = { B, T, H, mask: masked ? 'gaps' : 'none', reverse, init: true, act: 'sigmoid', dT: true };
    const d = makeData(c, 4242 + H);
    const { bwd } = runFast(rt, c, d);
    const fc: F64Case = { B, T, H, mask: masked ? d.mask : null, reverse, act: 'sigmoid' };
    const p = { xw: Float64Array.from(d.xw), u: Float64Array.from(d.u), h0: Float64Array.from(d.h0), c0: Float64Array.from(d.c0) };
    const L = () => lossF64(fc, p.xw, p.u, p.h0, p.c0, d.dhs, d.dhT, d.dcT);
    const grads: [keyof typeof p, Float32Array][] = [['xw', bwd.dz], ['u', bwd.du], ['h0', bwd.dh0], ['c0', bwd.dc0]];
    // the analytic gradient is f32 math on the f32 forward (vsigmoid / vtanh within 3 ulp)
    expect(sampledCentralDiff(p, grads, L, { samples: 40, rtol: 2e-4 })).toBe(160);
    // masked steps take no gradient through xw
    if (masked) {
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
        if (d.mask[b * T + t] === 0) expect([...bwd.dz.subarray((b * T + t) * 4 * H, (b * T + t + 1) * 4 * H)].every((v) => v === 0)).toBe(true);
      }
    }
  });
});

// ---- the single-thread build is free of atomics ------------------------------------------------

describe('builds', () => {
  it('wasmnn-simd.wasm validates without the threads feature (the barrier is compiled out)', async () => {
    const binaryen = (await import('binaryen')).default;
    const bytes = readFileSync(new URL('../../build/wasmnn-simd.wasm', import.meta.url));
    const mod = binaryen.readBinary(bytes);
    mod.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128 | binaryen.Features.MutableGlobals |
      binaryen.Features.SignExt | binaryen.Features.NontrappingFPToInt | binaryen.Features.BulkMemory |
      // memory.copy / memory.fill (the SimpleRNN kernel copies h with memory.copy): binaryen counts
      // them as their own feature, part of bulk memory, which every host here runs
      binaryen.Features.BulkMemoryOpt);
    expect(mod.validate()).toBeTruthy();
    mod.dispose();
  });
});

// ---- bad input -----------------------------------------------------------------------------------

describe('lstm bad input', () => {
  it('refuses wrong shapes, missing tensors, shared memory, bad options and stale tensors', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const B = 2, T = 3, H = 4;
      const xw = rt.temp([B, T, 4 * H]), u = rt.temp([H, 4 * H]);
      const hs = rt.temp([B, T, H]), cs = rt.temp([B, T, H]), gates = rt.temp([B, T, 4 * H]);
      const ok = { xw, u, hs, cs, gates };
      expect(() => lstmSequence(rt, { ...ok, u: rt.temp([H, 3 * H]) })).toThrow(/u must have shape \(H, 4H\)/);
      expect(() => lstmSequence(rt, { ...ok, xw: rt.temp([B, T, 3 * H]) })).toThrow(/xw must have shape \(batch, steps, 16\) for 4 units/);
      expect(() => lstmSequence(rt, { ...ok, hs: rt.temp([B, T + 1, H]) })).toThrow(/hs must have shape \(2, 3, 4\)/);
      expect(() => lstmSequence(rt, { ...ok, h0: rt.temp([B + 1, H]) })).toThrow(/h0 must have shape \(2, 4\)/);
      expect(() => lstmSequence(rt, { ...ok, mask: rt.temp([B, T], 'i32') })).toThrow(/mask must be f32/);
      expect(() => lstmSequence(rt, { ...ok, mask: rt.temp([T, B]) })).toThrow(/mask must have shape \(2, 3\)/);
      expect(() => lstmSequence(rt, { ...ok, cs: hs })).toThrow(/hs and cs share memory/);
      expect(() => lstmSequence(rt, { ...ok, gates: xw })).toThrow(/gates and xw share memory/);
      expect(() => lstmSequence(rt, { ...ok, recurrentActivation: 'relu' as RecurrentActivation })).toThrow(/unknown recurrentActivation 'relu'/);
      expect(() => lstmSequence(rt, { ...ok, reverse: 1 as unknown as boolean })).toThrow(/reverse must be true or false/);
      expect(() => lstmSequence(rt, { ...ok, gates: rt.temp([B, T, H]) })).toThrow(/gates must have shape \(2, 3, 16\)/);
      expect(() => lstmSequence(rt, { ...ok, u: undefined as unknown as typeof u })).toThrow(/u \(the recurrent kernel\) is required/);
      // xwRows: a table of 4H-float rows and (batch, steps) i32 row numbers inside it
      const table = rt.temp([5, 4 * H]), rows = rt.temp([B, T], 'i32').set([0, 1, 4, 4, 2, 3]);
      expect(() => lstmSequence(rt, { ...ok, xw: table, xwRows: rows })).not.toThrow();
      expect(() => lstmSequence(rt, { ...ok, xw: table, xwRows: rt.temp([B, T], 'i32').set([0, 1, 5, 0, 0, 0]) })).toThrow(/xwRows\[0, 2\] is 5, not a row of xw \(0 \.\. 4\)/);
      expect(() => lstmSequence(rt, { ...ok, xw: table, xwRows: rt.temp([B, T], 'i32').set([0, 0, 0, 0, -1, 0]) })).toThrow(/xwRows\[1, 1\] is -1/);
      expect(() => lstmSequence(rt, { ...ok, xw: rt.temp([5, 3 * H]), xwRows: rows })).toThrow(/with xwRows, xw must be a table of shape \(rows, 16\) for 4 units/);
      expect(() => lstmSequence(rt, { ...ok, xw: table, xwRows: rt.temp([B, T]) })).toThrow(/xwRows must be i32/);
      expect(() => lstmSequence(rt, { ...ok, xw: table, xwRows: rt.temp([B * T], 'i32') })).toThrow(/xwRows must have shape \(batch, steps\)/);
      expect(() => lstmSequence(rt, { ...ok, xw: table, xwRows: rt.temp([B, T + 1], 'i32').fill(0) })).toThrow(/hs must have shape \(2, 4, 4\)/);
      const dz = rt.temp([B, T, 4 * H]);
      const back = { u, hs, cs, gates, dz };
      expect(() => lstmSequenceBackward(rt, { ...back, dz: rt.temp([B, T, H]) })).toThrow(/dz must have shape \(2, 3, 16\)/);
      expect(() => lstmSequenceBackward(rt, { ...back, du: rt.temp([4 * H, H]) })).toThrow(/du must have shape \(4, 16\)/);
      expect(() => lstmSequenceBackward(rt, { ...back, dh0: dz })).toThrow(/dz and dh0 share memory|dh0 must have shape/);
      expect(() => lstmSequenceBackward(rt, { ...back, du: rt.temp([H, 4 * H]), dz: gates })).toThrow(/dz and gates share memory/);
    });
    const u = rt.temp([4, 16]);
    rt.endStep();
    const a = rt.alloc([2, 3, 16]), b = rt.alloc([2, 3, 4]), c = rt.alloc([2, 3, 4]), e = rt.alloc([2, 3, 16]);
    expect(() => lstmSequence(rt, { xw: a, u, hs: b, cs: c, gates: e })).toThrow(/step that has ended/);
    const u2 = rt.alloc([4, 16]);
    rt.free(u2);
    expect(() => lstmSequence(rt, { xw: a, u: u2, hs: b, cs: c, gates: e })).toThrow(/not inside a live allocation/);
    for (const t of [a, b, c, e]) rt.free(t);
  });
});
