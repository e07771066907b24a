// Whole-sequence SimpleRNN (Keras / tfjs-layers' SimpleRNNCell): forward and backward against the
// f64 scalar twins over an edge-size matrix of batch, steps and units (with and without mask,
// reverse, initial state, all three activations), in every build and thread count, bitwise equal
// across them; gradients against f64 central differences of a host-side f64 SimpleRNN; bad input
// refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { expectBitwise, expectClose, ints, uniform, stepMask, type MaskKind } from '../helpers/data.js';
import { sampledCentralDiff } from '../helpers/gradcheck.js';
import {
  simpleRnnBackwardWorkspaceBytes, simpleRnnForwardWorkspaceBytes, simpleRnnSequence, simpleRnnSequenceBackward, type SimpleRnnActivation,
} from '../../src/kernels/simple_rnn.js';
import type { Runtime } from '../../src/runtime/runtime.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

interface Case {
  B: number; T: number; H: number;
  mask: MaskKind; reverse: boolean; init: boolean; act: SimpleRnnActivation; dT: boolean;
}
interface Data { xw: Float32Array; u: Float32Array; h0: Float32Array; mask: Float32Array; dhs: Float32Array; dhT: Float32Array }
interface Bwd { dz: Float32Array; dh0: Float32Array; du: Float32Array }

const label = (c: Case) => `B${c.B} T${c.T} H${c.H} mask:${c.mask}${c.reverse ? ' rev' : ''}${c.init ? ' h0' : ''} ${c.act}${c.dT ? ' dT' : ''}`;
const actIndex = (a: SimpleRnnActivation) => ['tanh', 'relu', 'linear'].indexOf(a);

function makeData(c: Case, seed: number): Data {
  const { B, T, H } = c;
  // relu and linear: a contracting U (|eigenvalues| < 1) keeps h bounded over 13+ steps
  const s = (c.act === 'tanh' ? 1.5 : 0.9) / Math.sqrt(H);
  return {
    xw: uniform(B * T * H, -1.5, 1.5, seed),
    u: uniform(H * H, -s, s, seed + 1),
    h0: uniform(B * H, -0.8, 0.8, seed + 2),
    mask: stepMask(c.B, c.T, c.mask, seed + 4),
    dhs: uniform(B * T * H, -1, 1, seed + 5),
    dhT: uniform(B * H, -1, 1, seed + 6),
  };
}

function runFast(rt: Runtime, c: Case, d: Data): { hs: Float32Array; bwd: Bwd } {
  const { B, T, H } = c;
  return rt.step(() => {
    const xw = rt.temp([B, T, H]).set(d.xw);
    const u = rt.temp([H, H]).set(d.u);
    const h0 = c.init ? rt.temp([B, H]).set(d.h0) : null;
    const mask = c.mask !== 'none' ? rt.temp([B, T]).set(d.mask) : null;
    // NaN-filled outputs: every value must be written
    const hs = rt.temp([B, T, H]).fill(NaN);
    simpleRnnSequence(rt, { xw, u, h0, mask, hs, reverse: c.reverse, activation: c.act });
    const dhs = rt.temp([B, T, H]).set(d.dhs);
    const dhT = c.dT ? rt.temp([B, H]).set(d.dhT) : null;
    const dz = rt.temp([B, T, H]).fill(NaN), dh0 = rt.temp([B, H]).fill(NaN), du = rt.temp([H, H]).fill(NaN);
    simpleRnnSequenceBackward(rt, { u, h0, mask, hs, reverse: c.reverse, activation: c.act, dhs, dhT, dz, dh0, du });
    return { hs: hs.f32().slice(), bwd: { dz: dz.f32().slice(), dh0: dh0.f32().slice(), du: du.f32().slice() } };
  });
}

function refForward(c: Case, d: Data): Float32Array {
  const { B, T, H } = c;
  ref.reset();
  const pxw = ref.put(d.xw), pu = ref.put(d.u);
  const ph0 = c.init ? ref.put(d.h0) : 0, pm = c.mask !== 'none' ? ref.put(d.mask) : 0;
  const phs = ref.alloc(B * T * H);
  ref.call('f32_simple_rnn_seq_fwd', pxw, pu, ph0, pm, phs, 0, 0, B, T, H, +c.reverse, actIndex(c.act), 0);
  return ref.f32(phs, B * T * H);
}

/** The twin's backward from the given forward results (the fast ones), so only the gradient formulas are compared. */
function refBackward(c: Case, d: Data, hs: Float32Array): Bwd {
  const { B, T, H } = c;
  ref.reset();
  const pu = ref.put(d.u);
  const ph0 = c.init ? ref.put(d.h0) : 0, pm = c.mask !== 'none' ? ref.put(d.mask) : 0;
  const phs = ref.put(hs);
  const pdhs = ref.put(d.dhs), pdhT = c.dT ? ref.put(d.dhT) : 0;
  const pdz = ref.alloc(B * T * H), pdh0 = ref.alloc(B * H), pdu = ref.alloc(H * H);
  const ws = ref.alloc(4 * B * H);
  ref.call('f32_simple_rnn_seq_bwd', pu, ph0, pm, phs, pdhs, pdhT, pdz, pdh0, pdu, ws, 0, B, T, H, +c.reverse, actIndex(c.act));
  return { dz: ref.f32(pdz, B * T * H), dh0: ref.f32(pdh0, B * H), du: ref.f32(pdu, H * H) };
}

// The margins of test/kernels/gru.test.ts: vtanhGate within 1.2e-7 absolute and f32 product sums
// against f64, carried along the recurrence; the backward from the same forward values.
const FWD_RTOL = 1.5e-6, FWD_ATOL = 1.5e-6;
const BWD_RTOL = 4e-6, BWD_ATOL = 1e-6, BWD_ATOL_SUM = 4e-6;

function check(c: Case) {
  const d = makeData(c, c.B * 1000 + c.T * 37 + c.H);
  const want = refForward(c, d);
  let first: { hs: Float32Array; bwd: Bwd } | null = null;
  for (const [name, rt] of rts) {
    const out = runFast(rt, c, d);
    if (first) {
      expectBitwise(out.hs, first.hs, `${label(c)} hs ${name}`);
      for (const k of ['dz', 'dh0', 'du'] as const) expectBitwise(out.bwd[k], first.bwd[k], `${label(c)} ${k} ${name}`);
      continue;
    }
    first = out;
    expectClose(out.hs, want, FWD_RTOL, FWD_ATOL, `${label(c)} hs ${name}`);
    const g = refBackward(c, d, out.hs);
    expectClose(out.bwd.dz, g.dz, BWD_RTOL, BWD_ATOL, `${label(c)} dz ${name}`);
    expectClose(out.bwd.dh0, g.dh0, BWD_RTOL, BWD_ATOL_SUM, `${label(c)} dh0 ${name}`);
    // du sums B T products in f32: its rounding grows with the count (B 32, T 12: 6.6e-6 measured)
    expectClose(out.bwd.du, g.du, BWD_RTOL, BWD_ATOL_SUM * Math.max(1, Math.sqrt(c.B * c.T) / 8), `${label(c)} du ${name}`);
  }
}

const BATCHES = [1, 3, 4, 5];
const UNITS = [1, 7, 8, 9, 17];
const STEPS = [1, 2, 13];
const MASKS: MaskKind[] = ['none', 'gaps', 'rows'];
const ACTS: SimpleRnnActivation[] = ['tanh', 'relu', 'linear'];
const CASES: Case[] = [];
{
  let i = 0;
  for (const B of BATCHES) {
    for (const H of UNITS) {
      for (const T of STEPS) {
        CASES.push({
          B, H, T, mask: MASKS[(i + 1) % 3], reverse: ((i >> 1) & 1) === 0, init: ((i >> 2) & 1) === 1,
          act: ACTS[i % 3 === 0 ? 0 : i % 4 === 1 ? 1 : (i % 5 === 2 ? 2 : 0)], dT: i % 7 >= 3,
        });
        i++;
      }
    }
  }
  CASES.push({ B: 32, T: 12, H: 64, mask: 'gaps', reverse: false, init: true, act: 'tanh', dT: true });
  CASES.push({ B: 6, T: 9, H: 40, mask: 'rows', reverse: true, init: false, act: 'relu', dT: false });
  CASES.push({ B: 1, T: 30, H: 33, mask: 'none', reverse: true, init: true, act: 'linear', dT: true });
}

describe('simple_rnn sequence kernels', () => {
  it('the case matrix covers every activation, mask kind, reverse and initial state', () => {
    for (const a of ACTS) expect(CASES.some((c) => c.act === a && c.T > 1)).toBe(true);
    for (const m of MASKS) expect(CASES.some((c) => c.mask === m)).toBe(true);
    expect(CASES.some((c) => c.reverse) && CASES.some((c) => !c.reverse) && CASES.some((c) => c.init)).toBe(true);
  });

  it.each(CASES.map((c) => [label(c), c]))('%s: twin, and bitwise across builds and threads', (_, c) => {
    check(c as Case);
  });

  it('empty batch, no steps: outputs untouched, gradients pass through', () => {
    for (const rt of rts.values()) {
      rt.step(() => {
        const H = 5, B = 3;
        const u = rt.temp([H, H]).set(uniform(H * H, -1, 1, 3));
        const hs = rt.temp([B, 0, H]);
        simpleRnnSequence(rt, { xw: rt.temp([B, 0, H]), u, hs });
        const dhT = rt.temp([B, H]).set(uniform(B * H, -1, 1, 4));
        const dh0 = rt.temp([B, H]).fill(NaN), du = rt.temp([H, H]).fill(NaN);
        simpleRnnSequenceBackward(rt, { u, hs, dhT, dz: rt.temp([B, 0, H]), dh0, du });
        expectBitwise(dh0.f32(), dhT.f32(), 'dh0 = dhT');
        expect([...du.f32()].every((v) => v === 0)).toBe(true);
        const h0s = rt.temp([0, 4, H]);
        simpleRnnSequence(rt, { xw: rt.temp([0, 4, H]), u, hs: h0s });
        const du2 = rt.temp([H, H]).fill(NaN);
        simpleRnnSequenceBackward(rt, { u, hs: h0s, dz: rt.temp([0, 4, H]), du: du2 });
        expect([...du2.f32()].every((v) => v === 0)).toBe(true);
      });
    }
  });

  it('threads with no units of their own still meet at every barrier (forced nth)', () => {
    const rt = rts.get('simd-mt@3')!;
    const c: Case = { B: 5, T: 7, H: 5, mask: 'gaps', reverse: false, init: true, act: 'tanh', dT: true };
    const d = makeData(c, 77);
    const base = runFast(rts.get('simd@1')!, c, d);
    const { B, T, H } = c;
    for (const nth of [2, 3]) {
      rt.step(() => {
        const xw = rt.temp([B, T, H]).set(d.xw), u = rt.temp([H, H]).set(d.u);
        const h0 = rt.temp([B, H]).set(d.h0), mask = rt.temp([B, T]).set(d.mask);
        const hs = rt.temp([B, T, H]);
        const ws = rt.temp([simpleRnnForwardWorkspaceBytes(B, H) / 4]), sync = rt.temp([4], 'i32').fill(0);
        rt.run('f32_simple_rnn_seq_fwd', 1e9, [xw.ptr, u.ptr, h0.ptr, mask.ptr, hs.ptr, ws.ptr, sync.ptr, B, T, H, 0, 0, 0], nth);
        expectBitwise(hs.f32(), base.hs, `hs nth=${nth}`);
        const dhs = rt.temp([B, T, H]).set(d.dhs), dhT = rt.temp([B, H]).set(d.dhT);
        const dz = rt.temp([B, T, H]), dh0 = rt.temp([B, H]), du = rt.temp([H, H]);
        const wsb = rt.temp([simpleRnnBackwardWorkspaceBytes(B, H, true) / 4]);
        sync.fill(0);
        rt.run('f32_simple_rnn_seq_bwd', 1e9, [u.ptr, h0.ptr, mask.ptr, hs.ptr, dhs.ptr, dhT.ptr,
          dz.ptr, dh0.ptr, du.ptr, wsb.ptr, sync.ptr, B, T, H, 0, 0], nth);
        expectBitwise(dz.f32(), base.bwd.dz, `dz nth=${nth}`);
        expectBitwise(du.f32(), base.bwd.du, `du nth=${nth}`);
        expectBitwise(dh0.f32(), base.bwd.dh0, `dh0 nth=${nth}`);
      });
    }
  });

  it('xwRows: the projections read as rows of a table give the gathered copy\'s bits, and the twin\'s', () => {
    const cases: Case[] = [
      { B: 1, T: 7, H: 9, mask: 'none', reverse: false, init: false, act: 'tanh', dT: false },
      { B: 2, T: 5, H: 8, mask: 'gaps', reverse: true, init: true, act: 'relu', dT: false },
      { B: 4, T: 6, H: 1, mask: 'rows', reverse: true, init: false, act: 'linear', dT: false },
      { B: 9, T: 4, H: 17, mask: 'gaps', reverse: false, init: true, act: 'tanh', dT: false },
    ];
    for (const c of cases) {
      const { B, T, H } = c;
      const V = 11;
      const d = makeData(c, 71 + B * H);
      const table = uniform(V * H, -1.5, 1.5, 3 + H);
      const ids = ints(B * T, 0, V - 1, 5 + B);
      ids[0] = V - 1; ids[ids.length - 1] = 0;
      const gathered = new Float32Array(B * T * H);
      for (let r = 0; r < B * T; r++) gathered.set(table.subarray(ids[r] * H, (ids[r] + 1) * H), r * H);
      ref.reset();
      const ptab = ref.put(table), pids = ref.put(ids, 'i32'), pu = ref.put(d.u);
      const ph0 = c.init ? ref.put(d.h0) : 0, pm = c.mask !== 'none' ? ref.put(d.mask) : 0;
      const phs = ref.alloc(B * T * H);
      ref.call('f32_simple_rnn_seq_fwd', ptab, pu, ph0, pm, phs, 0, 0, B, T, H, +c.reverse, actIndex(c.act), pids);
      const twinHs = ref.f32(phs, B * T * H);
      expectBitwise(twinHs, refForward(c, { ...d, xw: gathered }), `${label(c)} twin: rows vs gathered`);
      for (const [name, rt] of rts) {
        rt.step(() => {
          const u = rt.temp([H, H]).set(d.u);
          const h0 = c.init ? rt.temp([B, H]).set(d.h0) : null;
          const mask = c.mask !== 'none' ? rt.temp([B, T]).set(d.mask) : null;
          const common = { u, h0, mask, reverse: c.reverse, activation: c.act };
          const a = rt.temp([B, T, H]).fill(NaN), b = rt.temp([B, T, H]).fill(NaN);
          simpleRnnSequence(rt, { ...common, hs: a, xw: rt.temp([V, H]).set(table), xwRows: rt.temp([B, T], 'i32').set(ids) });
          simpleRnnSequence(rt, { ...common, hs: b, xw: rt.temp([B, T, H]).set(gathered) });
          expectBitwise(a.f32(), b.f32(), `${label(c)} ${name} hs: rows vs gathered`);
          expectClose(a.f32(), twinHs, 3e-6, 3e-6, `${label(c)} ${name} hs vs twin`);
        });
      }
    }
  });

  it('the kernels stay inside the workspace the host sizes for them', () => {
    const rt = rts.get('simd-mt@3')!;
    for (const [B, T, H] of [[1, 3, 1], [3, 4, 5], [4, 2, 8], [6, 3, 13], [9, 2, 17], [13, 2, 9]]) {
      const c: Case = { B, T, H, mask: 'gaps', reverse: true, init: true, act: 'tanh', dT: true };
      const d = makeData(c, B + H);
      for (const nth of [1, 3]) {
        rt.step(() => {
          const xw = rt.temp([B, T, H]).set(d.xw), u = rt.temp([H, H]).set(d.u);
          const h0 = rt.temp([B, H]).set(d.h0), mask = rt.temp([B, T]).set(d.mask);
          const hs = rt.temp([B, T, H]);
          const dhs = rt.temp([B, T, H]).set(d.dhs), dz = rt.temp([B, T, H]), dh0 = rt.temp([B, H]), du = rt.temp([H, H]);
          const fw = simpleRnnForwardWorkspaceBytes(B, H) / 4, bw = simpleRnnBackwardWorkspaceBytes(B, H, true) / 4;
          const block = rt.temp([Math.max(fw, bw) + 64]);
          const sync = rt.temp([4], 'i32');
          const run = (name: string, words: number, args: number[]) => {
            block.f32().fill(12345);
            sync.fill(0);
            rt.run(name, 1e9, args, nth);
            const tail = block.f32().subarray(words);
            expect(tail.every((v) => v === 12345), `${name} B${B} H${H} nth ${nth} writes past its workspace`).toBe(true);
          };
          run('f32_simple_rnn_seq_fwd', fw, [xw.ptr, u.ptr, h0.ptr, mask.ptr, hs.ptr, block.ptr, sync.ptr, B, T, H, 1, 0, 0]);
          run('f32_simple_rnn_seq_bwd', bw, [u.ptr, h0.ptr, mask.ptr, hs.ptr, dhs.ptr, 0,
            dz.ptr, dh0.ptr, du.ptr, block.ptr, sync.ptr, B, T, H, 1, 0]);
        });
      }
    }
  });

  it('masked steps repeat the previous output and carry the state (tfjs rnn semantics)', () => {
    const rt = rts.get('simd-mt@2')!;
    const c: Case = { B: 4, T: 6, H: 9, mask: 'gaps', reverse: false, init: true, act: 'tanh', dT: false };
    const d = makeData(c, 5);
    d.mask.fill(1);
    for (let t = 0; t < 6; t++) d.mask[t] = 0;
    d.mask[6] = 0; d.mask[6 + 3] = 0;
    d.mask[12 + 4] = 0; d.mask[12 + 5] = 0;
    const out = runFast(rt, c, d);
    const H = 9, T = 6;
    const row = (a: Float32Array, b: number, s: number) => a.subarray((b * T + s) * H, (b * T + s + 1) * H);
    for (let s = 0; s < T; s++) expectBitwise(row(out.hs, 0, s), d.h0.subarray(0, H), `row 0 step ${s} = h0`);
    expectBitwise(row(out.hs, 1, 0), d.h0.subarray(H, 2 * H), 'row 1 step 0 = h0');
    expectBitwise(row(out.hs, 1, 3), row(out.hs, 1, 2), 'row 1 step 3 = step 2');
    expectBitwise(row(out.hs, 2, 5), row(out.hs, 2, 3), 'row 2 step 5 = step 3');
    expect(row(out.hs, 1, 2).some((v, j) => v !== row(out.hs, 1, 1)[j])).toBe(true);
    // masked steps get no pre-activation gradient
    for (let b = 0; b < 4; b++) for (let t = 0; t < T; t++) {
      if (d.mask[b * T + t] === 0) expect([...row(out.bwd.dz, b, t)].every((v) => v === 0)).toBe(true);
    }
  });

  it('reverse processes t = T-1 .. 0 and stores outputs in processing order', () => {
    const rt = rts.get('simd@1')!;
    const c: Case = { B: 3, T: 5, H: 6, mask: 'gaps', reverse: false, init: true, act: 'tanh', dT: false };
    const d = makeData(c, 11);
    const rev = runFast(rt, { ...c, reverse: true }, d);
    const { B, T, H } = c;
    const flip = (a: Float32Array, w: number) => {
      const o = new Float32Array(a.length);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) o.set(a.subarray((b * T + t) * w, (b * T + t + 1) * w), (b * T + T - 1 - t) * w);
      return o;
    };
    const fwd = runFast(rt, c, { ...d, xw: flip(d.xw, H), mask: flip(d.mask, 1) });
    expectBitwise(rev.hs, fwd.hs, 'hs');
    expectBitwise(rev.bwd.dz, flip(fwd.bwd.dz, H), 'dz (time order)');
    expectBitwise(rev.bwd.du, fwd.bwd.du, 'du');
  });

  it('relu: negative pre-activations give 0 and pass no gradient; linear is the plain product', () => {
    const rt = rts.get('simd@1')!;
    const c: Case = { B: 2, T: 1, H: 5, mask: 'none', reverse: false, init: false, act: 'relu', dT: false };
    const d = makeData(c, 3);
    const out = runFast(rt, c, d);
    for (let i = 0; i < d.xw.length; i++) {
      expect(out.hs[i]).toBe(Math.max(d.xw[i], 0));
      expect(out.bwd.dz[i]).toBe(d.xw[i] > 0 ? d.dhs[i] : 0);
    }
    const lin = runFast(rt, { ...c, act: 'linear' }, d);
    expectBitwise(lin.hs, d.xw, 'linear T=1 h = xw');
    expectBitwise(lin.bwd.dz, d.dhs, 'linear dz = dh');
  });
});

// ---- gradients against f64 central differences ------------------------------------------------

interface F64Case { B: number; T: number; H: number; mask: Float32Array | null; reverse: boolean; act: SimpleRnnActivation }

/** The SimpleRNN in f64 on the host and the loss sum(wh * hs) + sum(whT * h_T). */
function lossF64(c: F64Case, xw: Float64Array, u: Float64Array, h0: Float64Array, wh: Float32Array, whT: Float32Array): number {
  const { B, T, H } = c;
  const f = c.act === 'tanh' ? Math.tanh : c.act === 'relu' ? (x: number) => Math.max(x, 0) : (x: number) => x;
  let loss = 0;
  for (let b = 0; b < B; b++) {
    let h = Float64Array.from(h0.subarray(b * H, (b + 1) * H));
    for (let s = 0; s < T; s++) {
      const t = c.reverse ? T - 1 - s : s;
      if (!c.mask || c.mask[b * T + t] !== 0) {
        const x = (b * T + t) * H;
        const hn = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          let a = xw[x + j];
          for (let k = 0; k < H; k++) a += h[k] * u[k * H + j];
          hn[j] = f(a);
        }
        h = hn;
      }
      for (let j = 0; j < H; j++) loss += wh[(b * T + s) * H + j] * h[j];
    }
    for (let j = 0; j < H; j++) loss += whT[b * H + j] * h[j];
  }
  return loss;
}

describe('simple_rnn gradients (f64 central differences)', () => {
  it.each([
    [{ B: 3, T: 6, H: 5, masked: true, reverse: false, act: 'tanh' as SimpleRnnActivation }],
    [{ B: 2, T: 5, H: 9, masked: true, reverse: true, act: 'tanh' as SimpleRnnActivation }],
    [{ B: 4, T: 4, H: 8, masked: false, reverse: false, act: 'relu' as SimpleRnnActivation }],
    [{ B: 5, T: 3, H: 7, masked: true, reverse: true, act: 'linear' as SimpleRnnActivation }],
  ])('%o', ({ B, T, H, masked, reverse, act }) => {
    const rt = rts.get('simd-mt@2')!;
    const c: Case = { B, T, H, mask: masked ? 'gaps' : 'none', reverse, init: true, act, dT: true };
    const d = makeData(c, 4242 + H);
    const { bwd } = runFast(rt, c, d);
    const fc: F64Case = { B, T, H, mask: masked ? d.mask : null, reverse, act };
    const p = { xw: Float64Array.from(d.xw), u: Float64Array.from(d.u), h0: Float64Array.from(d.h0) };
    const L = () => lossF64(fc, p.xw, p.u, p.h0, d.dhs, d.dhT);
    const grads: [keyof typeof p, Float32Array][] = [['xw', bwd.dz], ['u', bwd.du], ['h0', bwd.dh0]];
    expect(sampledCentralDiff(p, grads, L, { samples: 50, rtol: 2e-4 })).toBe(150);
  });
});

// ---- bad input -----------------------------------------------------------------------------------

describe('simple_rnn bad input', () => {
  it('refuses wrong shapes, missing tensors, shared memory, bad options and stale tensors', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const B = 2, T = 3, H = 4;
      const xw = rt.temp([B, T, H]), u = rt.temp([H, H]), hs = rt.temp([B, T, H]);
      const ok = { xw, u, hs };
      expect(() => simpleRnnSequence(rt, { ...ok, u: rt.temp([H, 3 * H]) })).toThrow(/u must have shape \(H, 1H\)/);
      expect(() => simpleRnnSequence(rt, { ...ok, xw: rt.temp([B, T, 3 * H]) })).toThrow(/xw must have shape \(batch, steps, 4\) for 4 units/);
      expect(() => simpleRnnSequence(rt, { ...ok, hs: rt.temp([B, T, 2 * H]) })).toThrow(/hs must have shape \(2, 3, 4\)/);
      expect(() => simpleRnnSequence(rt, { ...ok, h0: rt.temp([H, B]) })).toThrow(/h0 must have shape \(2, 4\)/);
      expect(() => simpleRnnSequence(rt, { ...ok, mask: rt.temp([B, T], 'i32') })).toThrow(/mask must be f32/);
      expect(() => simpleRnnSequence(rt, { ...ok, hs: xw })).toThrow(/hs and xw share memory/);
      expect(() => simpleRnnSequence(rt, { ...ok, activation: 'sigmoid' as SimpleRnnActivation })).toThrow(/activation 'sigmoid' is not supported/);
      expect(() => simpleRnnSequence(rt, { ...ok, go_backwards: true } as never)).toThrow(/reverse/);
      expect(() => simpleRnnSequence(rt, { ...ok, hs: undefined as unknown as typeof hs })).toThrow(/hs is required/);
      const table = rt.temp([5, H]), rows = rt.temp([B, T], 'i32').set([0, 1, 4, 4, 2, 3]);
      expect(() => simpleRnnSequence(rt, { ...ok, xw: table, xwRows: rows })).not.toThrow();
      expect(() => simpleRnnSequence(rt, { ...ok, xw: table, xwRows: rt.temp([B, T], 'i32').set([0, 1, 2, 3, 4, 5]) })).toThrow(/xwRows\[1, 2\] is 5, not a row of xw \(0 \.\. 4\)/);
      const dz = rt.temp([B, T, H]);
      const back = { u, hs, dz };
      expect(() => simpleRnnSequenceBackward(rt, { ...back, dz: rt.temp([B, T, 3 * H]) })).toThrow(/dz must have shape \(2, 3, 4\)/);
      expect(() => simpleRnnSequenceBackward(rt, { ...back, du: rt.temp([H, 3 * H]) })).toThrow(/du must have shape \(4, 4\)/);
      expect(() => simpleRnnSequenceBackward(rt, { ...back, dz: hs })).toThrow(/dz and hs share memory/);
      expect(() => simpleRnnSequenceBackward(rt, { ...back, du: u })).toThrow(/du and u share memory/);
    });
    const a = rt.alloc([2, 3, 4]), b = rt.alloc([2, 3, 4]);
    const u = rt.alloc([4, 4]);
    rt.free(u);
    expect(() => simpleRnnSequence(rt, { xw: a, u, hs: b })).toThrow(/not inside a live allocation/);
    for (const t of [a, b]) rt.free(t);
  });
});
