// Whole-sequence GRU (tfjs-layers' GRUCell): forward and backward against the f64 scalar twins over
// an edge-size matrix of batch, steps and units (with and without mask, reverse, initial state,
// both recurrent activations), in every build and thread count, bitwise equal across them;
// gradients against f64 central differences of a host-side f64 GRU; bad input refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { expectBitwise, expectClose, ints, uniform, stepMask, type MaskKind } from '../helpers/data.js';
import { sampledCentralDiff } from '../helpers/gradcheck.js';
import {
  gruBackwardWorkspaceBytes, gruForwardWorkspaceBytes, gruSequence, gruSequenceBackward,
} from '../../src/kernels/gru.js';
import type { RecurrentActivation } from '../../src/kernels/lstm.js';
import type { Runtime } from '../../src/runtime/runtime.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

interface Case {
  B: number; T: number; H: number;
  mask: MaskKind; reverse: boolean; init: boolean; act: RecurrentActivation; dT: boolean;
}
interface Data { xw: Float32Array; u: Float32Array; h0: Float32Array; mask: Float32Array; dhs: Float32Array; dhT: Float32Array }
interface Fwd { hs: Float32Array; gates: Float32Array; rh: Float32Array }
interface Bwd { dz: Float32Array; dh0: Float32Array; du: Float32Array }

const label = (c: Case) => `B${c.B} T${c.T} H${c.H} mask:${c.mask}${c.reverse ? ' rev' : ''}${c.init ? ' h0' : ''} ${c.act}${c.dT ? ' dT' : ''}`;

function makeData(c: Case, seed: number): Data {
  const { B, T, H } = c;
  const s = 1.5 / Math.sqrt(H);
  return {
    xw: uniform(B * T * 3 * H, -1.5, 1.5, seed),
    u: uniform(H * 3 * H, -s, s, seed + 1),
    h0: uniform(B * H, -0.8, 0.8, seed + 2),
    mask: stepMask(c.B, c.T, c.mask, seed + 4),
    dhs: uniform(B * T * H, -1, 1, seed + 5),
    dhT: uniform(B * H, -1, 1, seed + 6),
  };
}

function runFast(rt: Runtime, c: Case, d: Data): { fwd: Fwd; bwd: Bwd } {
  const { B, T, H } = c;
  return rt.step(() => {
    const xw = rt.temp([B, T, 3 * H]).set(d.xw);
    const u = rt.temp([H, 3 * H]).set(d.u);
    const h0 = c.init ? rt.temp([B, H]).set(d.h0) : null;
    const mask = c.mask !== 'none' ? rt.temp([B, T]).set(d.mask) : null;
    // NaN-filled outputs: every value must be written
    const hs = rt.temp([B, T, H]).fill(NaN), gates = rt.temp([B, T, 3 * H]).fill(NaN), rh = rt.temp([B, T, H]).fill(NaN);
    gruSequence(rt, { xw, u, h0, mask, hs, gates, rh, reverse: c.reverse, recurrentActivation: c.act });
    const dhs = rt.temp([B, T, H]).set(d.dhs);
    const dhT = c.dT ? rt.temp([B, H]).set(d.dhT) : null;
    const dz = rt.temp([B, T, 3 * H]).fill(NaN), dh0 = rt.temp([B, H]).fill(NaN), du = rt.temp([H, 3 * H]).fill(NaN);
    gruSequenceBackward(rt, { u, h0, mask, hs, gates, rh, reverse: c.reverse, recurrentActivation: c.act, dhs, dhT, dz, dh0, du });
    return {
      fwd: { hs: hs.f32().slice(), gates: gates.f32().slice(), rh: rh.f32().slice() },
      bwd: { dz: dz.f32().slice(), dh0: dh0.f32().slice(), du: du.f32().slice() },
    };
  });
}

const actIndex = (a: RecurrentActivation) => (a === 'hardSigmoid' ? 1 : 0);

function refForward(c: Case, d: Data): Fwd {
  const { B, T, H } = c;
  ref.reset();
  const pxw = ref.put(d.xw), pu = ref.put(d.u);
  const ph0 = c.init ? ref.put(d.h0) : 0, pm = c.mask !== 'none' ? ref.put(d.mask) : 0;
  const phs = ref.alloc(B * T * H), pg = ref.alloc(B * T * 3 * H), prh = ref.alloc(B * T * H);
  ref.call('f32_gru_seq_fwd', pxw, pu, ph0, pm, phs, pg, prh, 0, 0, B, T, H, +c.reverse, actIndex(c.act), 0);
  return { hs: ref.f32(phs, B * T * H), gates: ref.f32(pg, B * T * 3 * H), rh: ref.f32(prh, B * T * H) };
}

/** The twin's backward from the given forward results (the fast ones), so only the gradient formulas are compared. */
function refBackward(c: Case, d: Data, f: Fwd): Bwd {
  const { B, T, H } = c;
  ref.reset();
  const pu = ref.put(d.u);
  const ph0 = c.init ? ref.put(d.h0) : 0, pm = c.mask !== 'none' ? ref.put(d.mask) : 0;
  const phs = ref.put(f.hs), pg = ref.put(f.gates), prh = ref.put(f.rh);
  const pdhs = ref.put(d.dhs), pdhT = c.dT ? ref.put(d.dhT) : 0;
  const pdz = ref.alloc(B * T * 3 * H), pdh0 = ref.alloc(B * H), pdu = ref.alloc(H * 3 * H);
  const ws = ref.alloc(6 * B * H);
  ref.call('f32_gru_seq_bwd', pu, ph0, pm, phs, pg, prh, pdhs, pdhT, pdz, pdh0, pdu, ws, 0, B, T, H, +c.reverse, actIndex(c.act));
  return { dz: ref.f32(pdz, B * T * 3 * H), dh0: ref.f32(pdh0, B * H), du: ref.f32(pdu, H * 3 * H) };
}

// Forward: vsigmoid / vtanh within 3 ulp of f64 and f32 product sums; the recurrence carries the
// error along (the weights above keep it contracting). Backward from the same forward values:
// f32 products over up to 2H terms per step and B T terms for du against f64. Both with the
// margins of test/kernels/lstm.test.ts (about 3x the largest error measured).
const FWD_RTOL = 1.5e-6, FWD_ATOL = 1.5e-6;
const BWD_RTOL = 4e-6, BWD_ATOL = 1e-6, BWD_ATOL_SUM = 4e-6;

function check(c: Case) {
  const d = makeData(c, c.B * 1000 + c.T * 37 + c.H);
  const want = refForward(c, d);
  let first: { fwd: Fwd; bwd: Bwd } | null = null;
  for (const [name, rt] of rts) {
    const out = runFast(rt, c, d);
    if (first) {
      for (const k of ['hs', 'gates', 'rh'] as const) expectBitwise(out.fwd[k], first.fwd[k], `${label(c)} ${k} ${name}`);
      for (const k of ['dz', 'dh0', 'du'] as const) expectBitwise(out.bwd[k], first.bwd[k], `${label(c)} ${k} ${name}`);
      continue;
    }
    first = out;
    for (const k of ['hs', 'gates', 'rh'] as const) expectClose(out.fwd[k], want[k], FWD_RTOL, FWD_ATOL, `${label(c)} ${k} ${name}`);
    const g = refBackward(c, d, out.fwd);
    expectClose(out.bwd.dz, g.dz, BWD_RTOL, BWD_ATOL, `${label(c)} dz ${name}`);
    expectClose(out.bwd.dh0, g.dh0, BWD_RTOL, BWD_ATOL_SUM, `${label(c)} dh0 ${name}`);
    expectClose(out.bwd.du, g.du, BWD_RTOL, BWD_ATOL_SUM, `${label(c)} du ${name}`);
  }
}

const EDGE = [1, 3, 4, 5, 7, 8, 9, 13, 17];
const STEPS = [1, 3, 5, 8, 13, 17];
const MASKS: MaskKind[] = ['none', 'gaps', 'rows'];
const CASES: Case[] = [];
{
  let i = 0;
  for (const B of EDGE) {
    for (const H of EDGE) {
      CASES.push({
        B, H, T: STEPS[(i + 2) % STEPS.length], mask: MASKS[(i + 1) % 3], reverse: ((i >> 1) & 1) === 0, init: ((i >> 2) & 1) === 1,
        act: i % 5 === 2 ? 'hardSigmoid' : 'sigmoid', dT: i % 7 >= 3,
      });
      i++;
    }
  }
  CASES.push({ B: 32, T: 12, H: 64, mask: 'gaps', reverse: false, init: true, act: 'sigmoid', dT: true });
  CASES.push({ B: 6, T: 9, H: 40, mask: 'rows', reverse: true, init: false, act: 'hardSigmoid', dT: false });
  CASES.push({ B: 1, T: 30, H: 33, mask: 'none', reverse: true, init: true, act: 'sigmoid', dT: true });
}

describe('gru sequence kernels', () => {
  it.each(CASES.map((c) => [label(c), c]))('%s: twin, and bitwise across builds and threads', (_, c) => {
    check(c as Case);
  });

  it('empty batch, no steps: outputs untouched, gradients pass through', () => {
    for (const rt of rts.values()) {
      rt.step(() => {
        const H = 5, B = 3;
        const u = rt.temp([H, 3 * H]).set(uniform(H * 3 * H, -1, 1, 3));
        const xw = rt.temp([B, 0, 3 * H]);
        const hs = rt.temp([B, 0, H]), gates = rt.temp([B, 0, 3 * H]), rh = rt.temp([B, 0, H]);
        gruSequence(rt, { xw, u, hs, gates, rh });
        const dhT = rt.temp([B, H]).set(uniform(B * H, -1, 1, 4));
        const dh0 = rt.temp([B, H]).fill(NaN), du = rt.temp([H, 3 * H]).fill(NaN);
        gruSequenceBackward(rt, { u, hs, gates, rh, dhT, dz: rt.temp([B, 0, 3 * H]), dh0, du });
        expectBitwise(dh0.f32(), dhT.f32(), 'dh0 = dhT');
        expect([...du.f32()].every((v) => v === 0)).toBe(true);
        const x0 = rt.temp([0, 4, 3 * H]), h0s = rt.temp([0, 4, H]), g0 = rt.temp([0, 4, 3 * H]), r0 = rt.temp([0, 4, H]);
        gruSequence(rt, { xw: x0, u, hs: h0s, gates: g0, rh: r0 });
        const du2 = rt.temp([H, 3 * H]).fill(NaN);
        gruSequenceBackward(rt, { u, hs: h0s, gates: g0, rh: r0, dz: rt.temp([0, 4, 3 * H]), du: du2 });
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
    for (const nth of [2, 3]) {
      rt.step(() => {
        const xw = rt.temp([B, T, 3 * H]).set(d.xw), u = rt.temp([H, 3 * H]).set(d.u);
        const h0 = rt.temp([B, H]).set(d.h0), mask = rt.temp([B, T]).set(d.mask);
        const hs = rt.temp([B, T, H]), gates = rt.temp([B, T, 3 * H]), rh = rt.temp([B, T, H]);
        const ws = rt.temp([gruForwardWorkspaceBytes(B, H) / 4]), sync = rt.temp([4], 'i32').fill(0);
        rt.run('f32_gru_seq_fwd', 1e9, [xw.ptr, u.ptr, h0.ptr, mask.ptr, hs.ptr, gates.ptr, rh.ptr, ws.ptr, sync.ptr, B, T, H, 0, 0, 0], nth);
        expectBitwise(hs.f32(), base.fwd.hs, `hs nth=${nth}`);
        const dhs = rt.temp([B, T, H]).set(d.dhs), dhT = rt.temp([B, H]).set(d.dhT);
        const dz = rt.temp([B, T, 3 * H]), dh0 = rt.temp([B, H]), du = rt.temp([H, 3 * H]);
        const wsb = rt.temp([gruBackwardWorkspaceBytes(B, H, true) / 4]);
        sync.fill(0);
        rt.run('f32_gru_seq_bwd', 1e9, [u.ptr, h0.ptr, mask.ptr, hs.ptr, gates.ptr, rh.ptr, dhs.ptr, dhT.ptr,
          dz.ptr, dh0.ptr, du.ptr, wsb.ptr, sync.ptr, B, T, H, 0, 0], nth);
        expectBitwise(dz.f32(), base.bwd.dz, `dz nth=${nth}`);
        expectBitwise(du.f32(), base.bwd.du, `du nth=${nth}`);
        expectBitwise(dh0.f32(), base.bwd.dh0, `dh0 nth=${nth}`);
      });
    }
  });

  it('xwRows: the projections read as rows of a table give the gathered copy\'s bits, and the twin\'s', () => {
    // the folded embedding projection at inference (see lstm.test.ts): B 1-9 (the GRU has one
    // batched path), reverse, mask, initial state, both activations, every runtime
    const cases: Case[] = [
      { B: 1, T: 7, H: 9, mask: 'none', reverse: false, init: false, act: 'sigmoid', dT: false },
      { B: 2, T: 5, H: 8, mask: 'gaps', reverse: true, init: true, act: 'hardSigmoid', dT: false },
      { B: 4, T: 6, H: 1, mask: 'rows', reverse: true, init: false, act: 'sigmoid', dT: false },
      { B: 9, T: 4, H: 17, mask: 'gaps', reverse: false, init: true, act: 'sigmoid', dT: false },
    ];
    for (const c of cases) {
      const { B, T, H } = c;
      const V = 11;
      const d = makeData(c, 71 + B * H);
      const table = uniform(V * 3 * H, -1.5, 1.5, 3 + H);
      const ids = ints(B * T, 0, V - 1, 5 + B);
      ids[0] = V - 1; ids[ids.length - 1] = 0;
      const gathered = new Float32Array(B * T * 3 * H);
      for (let r = 0; r < B * T; r++) gathered.set(table.subarray(ids[r] * 3 * H, (ids[r] + 1) * 3 * H), r * 3 * H);
      ref.reset();
      const ptab = ref.put(table), pids = ref.put(ids, 'i32'), pu = ref.put(d.u);
      const ph0 = c.init ? ref.put(d.h0) : 0, pm = c.mask !== 'none' ? ref.put(d.mask) : 0;
      const phs = ref.alloc(B * T * H), pg = ref.alloc(B * T * 3 * H), prh = ref.alloc(B * T * H);
      ref.call('f32_gru_seq_fwd', ptab, pu, ph0, pm, phs, pg, prh, 0, 0, B, T, H, +c.reverse, actIndex(c.act), pids);
      const twinHs = ref.f32(phs, B * T * H);
      expectBitwise(twinHs, refForward(c, { ...d, xw: gathered }).hs, `${label(c)} twin: rows vs gathered`);
      for (const [name, rt] of rts) {
        rt.step(() => {
          const u = rt.temp([H, 3 * H]).set(d.u);
          const h0 = c.init ? rt.temp([B, H]).set(d.h0) : null;
          const mask = c.mask !== 'none' ? rt.temp([B, T]).set(d.mask) : null;
          const common = { u, h0, mask, reverse: c.reverse, recurrentActivation: c.act };
          const out = () => ({ hs: rt.temp([B, T, H]).fill(NaN), gates: rt.temp([B, T, 3 * H]).fill(NaN), rh: rt.temp([B, T, H]).fill(NaN) });
          const a = out(), b = out();
          gruSequence(rt, { ...common, ...a, xw: rt.temp([V, 3 * H]).set(table), xwRows: rt.temp([B, T], 'i32').set(ids) });
          gruSequence(rt, { ...common, ...b, xw: rt.temp([B, T, 3 * H]).set(gathered) });
          for (const k of ['hs', 'gates', 'rh'] as const) expectBitwise(a[k].f32(), b[k].f32(), `${label(c)} ${name} ${k}: rows vs gathered`);
          expectClose(a.hs.f32(), twinHs, 3e-6, 3e-6, `${label(c)} ${name} hs vs twin`);
        });
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
          const xw = rt.temp([B, T, 3 * H]).set(d.xw), u = rt.temp([H, 3 * H]).set(d.u);
          const h0 = rt.temp([B, H]).set(d.h0), mask = rt.temp([B, T]).set(d.mask);
          const hs = rt.temp([B, T, H]), gates = rt.temp([B, T, 3 * H]), rh = rt.temp([B, T, H]);
          const dhs = rt.temp([B, T, H]).set(d.dhs), dz = rt.temp([B, T, 3 * H]), dh0 = rt.temp([B, H]), du = rt.temp([H, 3 * H]);
          const fw = gruForwardWorkspaceBytes(B, H) / 4, bw = gruBackwardWorkspaceBytes(B, H, true) / 4;
          const block = rt.temp([Math.max(fw, bw) + 64]);
          const sync = rt.temp([4], 'i32');
          const run = (name: string, words: number, args: number[]) => {
            block.f32().fill(12345);
            sync.fill(0);
            rt.run(name, 1e9, args, nth);
            const tail = block.f32().subarray(words);
            expect(tail.every((v) => v === 12345), `${name} B${B} H${H} nth ${nth} writes past its workspace`).toBe(true);
          };
          run('f32_gru_seq_fwd', fw, [xw.ptr, u.ptr, h0.ptr, mask.ptr, hs.ptr, gates.ptr, rh.ptr, block.ptr, sync.ptr, B, T, H, 1, 0, 0]);
          run('f32_gru_seq_bwd', bw, [u.ptr, h0.ptr, mask.ptr, hs.ptr, gates.ptr, rh.ptr, dhs.ptr, 0,
            dz.ptr, dh0.ptr, du.ptr, block.ptr, sync.ptr, B, T, H, 1, 0]);
        });
      }
    }
  });

  it('masked steps repeat the previous output and carry the state (tfjs rnn semantics)', () => {
    const rt = rts.get('simd-mt@2')!;
    const c: Case = { B: 4, T: 6, H: 9, mask: 'gaps', reverse: false, init: true, act: 'sigmoid', dT: false };
    const d = makeData(c, 5);
    d.mask.fill(1);
    for (let t = 0; t < 6; t++) d.mask[t] = 0;
    d.mask[6] = 0; d.mask[6 + 3] = 0;
    d.mask[12 + 4] = 0; d.mask[12 + 5] = 0;
    const out = runFast(rt, c, d).fwd;
    const H = 9, T = 6;
    const row = (a: Float32Array, b: number, s: number) => a.subarray((b * T + s) * H, (b * T + s + 1) * H);
    for (let s = 0; s < T; s++) expectBitwise(row(out.hs, 0, s), d.h0.subarray(0, H), `row 0 step ${s} = h0`);
    expectBitwise(row(out.hs, 1, 0), d.h0.subarray(H, 2 * H), 'row 1 step 0 = h0');
    expectBitwise(row(out.hs, 1, 3), row(out.hs, 1, 2), 'row 1 step 3 = step 2');
    expectBitwise(row(out.hs, 2, 5), row(out.hs, 2, 3), 'row 2 step 5 = step 3');
    expect(row(out.hs, 1, 2).some((v, j) => v !== row(out.hs, 1, 1)[j])).toBe(true);
  });

  it('reverse processes t = T-1 .. 0 and stores outputs in processing order', () => {
    const rt = rts.get('simd@1')!;
    const c: Case = { B: 3, T: 5, H: 6, mask: 'gaps', reverse: false, init: true, act: 'sigmoid', dT: false };
    const d = makeData(c, 11);
    const rev = runFast(rt, { ...c, reverse: true }, d).fwd;
    const { B, T, H } = c;
    const flip = (a: Float32Array, w: number) => {
      const o = new Float32Array(a.length);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) o.set(a.subarray((b * T + t) * w, (b * T + t + 1) * w), (b * T + T - 1 - t) * w);
      return o;
    };
    const fwd = runFast(rt, c, { ...d, xw: flip(d.xw, 3 * H), mask: flip(d.mask, 1) }).fwd;
    expectBitwise(rev.hs, fwd.hs, 'hs');
    expectBitwise(rev.gates, fwd.gates, 'gates');
  });
});

// ---- gradients against f64 central differences ------------------------------------------------

interface F64Case { B: number; T: number; H: number; mask: Float32Array | null; reverse: boolean }

/** The GRU in f64 on the host (tfjs-layers' GRUCell) and the loss sum(wh * hs) + sum(whT * h_T). */
function lossF64(c: F64Case, xw: Float64Array, u: Float64Array, h0: Float64Array, wh: Float32Array, whT: Float32Array): number {
  const { B, T, H } = c;
  const G = 3 * H;
  const sg = (x: number) => 1 / (1 + Math.exp(-x));
  let loss = 0;
  for (let b = 0; b < B; b++) {
    let h = Float64Array.from(h0.subarray(b * H, (b + 1) * H));
    for (let s = 0; s < T; s++) {
      const t = c.reverse ? T - 1 - s : s;
      if (!c.mask || c.mask[b * T + t] !== 0) {
        const x = (b * T + t) * G;
        const z = new Float64Array(H), rh = new Float64Array(H), hn = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          let az = xw[x + j], ar = xw[x + H + j];
          for (let k = 0; k < H; k++) { az += h[k] * u[k * G + j]; ar += h[k] * u[k * G + H + j]; }
          z[j] = sg(az);
          rh[j] = sg(ar) * h[j];
        }
        for (let j = 0; j < H; j++) {
          let ah = xw[x + 2 * H + j];
          for (let k = 0; k < H; k++) ah += rh[k] * u[k * G + 2 * H + j];
          hn[j] = z[j] * h[j] + (1 - z[j]) * Math.tanh(ah);
        }
        h = hn;
      }
      for (let j = 0; j < H; j++) loss += wh[(b * T + s) * H + j] * h[j];
    }
    for (let j = 0; j < H; j++) loss += whT[b * H + j] * h[j];
  }
  return loss;
}

describe('gru gradients (f64 central differences)', () => {
  it.each([
    [{ B: 3, T: 6, H: 5, masked: true, reverse: false }],
    [{ B: 2, T: 5, H: 9, masked: true, reverse: true }],
    [{ B: 4, T: 4, H: 8, masked: false, reverse: false }],
  ])('%o', ({ B, T, H, masked, reverse }) => {
    const rt = rts.get('simd-mt@2')!;
    const c: Case = { B, T, H, mask: masked ? 'gaps' : 'none', reverse, init: true, act: 'sigmoid', dT: true };
    const d = makeData(c, 4242 + H);
    const { bwd } = runFast(rt, c, d);
    const fc: F64Case = { B, T, H, mask: masked ? d.mask : null, reverse };
    const p = { xw: Float64Array.from(d.xw), u: Float64Array.from(d.u), h0: Float64Array.from(d.h0) };
    const L = () => lossF64(fc, p.xw, p.u, p.h0, d.dhs, d.dhT);
    const grads: [keyof typeof p, Float32Array][] = [['xw', bwd.dz], ['u', bwd.du], ['h0', bwd.dh0]];
    // the analytic gradient is f32 math on the f32 forward (vsigmoid / vtanh within 3 ulp)
    expect(sampledCentralDiff(p, grads, L, { samples: 50, rtol: 2e-4 })).toBe(150);
    if (masked) {
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
        if (d.mask[b * T + t] === 0) expect([...bwd.dz.subarray((b * T + t) * 3 * H, (b * T + t + 1) * 3 * H)].every((v) => v === 0)).toBe(true);
      }
    }
  });
});

// ---- bad input -----------------------------------------------------------------------------------

describe('gru bad input', () => {
  it('refuses wrong shapes, missing tensors, shared memory, bad options and stale tensors', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const B = 2, T = 3, H = 4;
      const xw = rt.temp([B, T, 3 * H]), u = rt.temp([H, 3 * H]);
      const hs = rt.temp([B, T, H]), gates = rt.temp([B, T, 3 * H]), rh = rt.temp([B, T, H]);
      const ok = { xw, u, hs, gates, rh };
      expect(() => gruSequence(rt, { ...ok, u: rt.temp([H, 4 * H]) })).toThrow(/u must have shape \(H, 3H\)/);
      expect(() => gruSequence(rt, { ...ok, xw: rt.temp([B, T, 4 * H]) })).toThrow(/xw must have shape \(batch, steps, 12\) for 4 units/);
      expect(() => gruSequence(rt, { ...ok, rh: rt.temp([B, T, 3 * H]) })).toThrow(/rh must have shape \(2, 3, 4\)/);
      expect(() => gruSequence(rt, { ...ok, h0: rt.temp([H, B]) })).toThrow(/h0 must have shape \(2, 4\)/);
      expect(() => gruSequence(rt, { ...ok, mask: rt.temp([B, T], 'i32') })).toThrow(/mask must be f32/);
      expect(() => gruSequence(rt, { ...ok, rh: hs })).toThrow(/hs and rh share memory/);
      expect(() => gruSequence(rt, { ...ok, recurrentActivation: 'tanh' as RecurrentActivation })).toThrow(/unknown recurrentActivation 'tanh'/);
      expect(() => gruSequence(rt, { ...ok, rh: undefined as unknown as typeof rh })).toThrow(/rh is required/);
      const table = rt.temp([5, 3 * H]), rows = rt.temp([B, T], 'i32').set([0, 1, 4, 4, 2, 3]);
      expect(() => gruSequence(rt, { ...ok, xw: table, xwRows: rows })).not.toThrow();
      expect(() => gruSequence(rt, { ...ok, xw: table, xwRows: rt.temp([B, T], 'i32').set([0, 1, 2, 3, 4, 5]) })).toThrow(/xwRows\[1, 2\] is 5, not a row of xw \(0 \.\. 4\)/);
      expect(() => gruSequence(rt, { ...ok, xw: rt.temp([5, 4 * H]), xwRows: rows })).toThrow(/with xwRows, xw must be a table of shape \(rows, 12\) for 4 units/);
      expect(() => gruSequence(rt, { ...ok, xw: table, xwRows: rt.temp([B, T]) })).toThrow(/xwRows must be i32/);
      const dz = rt.temp([B, T, 3 * H]);
      const back = { u, hs, gates, rh, dz };
      expect(() => gruSequenceBackward(rt, { ...back, dz: rt.temp([B, T, 4 * H]) })).toThrow(/dz must have shape \(2, 3, 12\)/);
      expect(() => gruSequenceBackward(rt, { ...back, du: rt.temp([H, 4 * H]) })).toThrow(/du must have shape \(4, 12\)/);
      expect(() => gruSequenceBackward(rt, { ...back, dz: rh })).toThrow(/dz must have shape/);
      expect(() => gruSequenceBackward(rt, { ...back, dz: gates })).toThrow(/dz and gates share memory/);
      expect(() => gruSequenceBackward(rt, { ...back, du: u })).toThrow(/du and u share memory/);
    });
    const a = rt.alloc([2, 3, 12]), b = rt.alloc([2, 3, 4]), e = rt.alloc([2, 3, 12]), r = rt.alloc([2, 3, 4]);
    const u = rt.alloc([4, 12]);
    rt.free(u);
    expect(() => gruSequence(rt, { xw: a, u, hs: b, gates: e, rh: r })).toThrow(/not inside a live allocation/);
    for (const t of [a, b, e, r]) rt.free(t);
  });
});
