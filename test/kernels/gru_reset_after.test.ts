// GRU with resetAfter true (Keras 2/3's default GRUCell, reset_after=True): the f64 scalar twin
// against a plain JS float64 implementation of Keras' equations (forward values; backward against
// central differences), then the fast kernels against the twin over B 1-7, H 1-13, T 1-7 (mask,
// reverse, initial state, recurrent bias, both recurrent activations), bitwise equal across builds
// and 1, 2, 3 threads; threads without units, the workspace bound, xwRows and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { expectBitwise, expectClose, ints, uniform, stepMask, type MaskKind } from '../helpers/data.js';
import { sampledCentralDiff } from '../helpers/gradcheck.js';
import { gruBackwardWorkspaceBytes, gruForwardWorkspaceBytes, gruSequence, gruSequenceBackward } from '../../src/kernels/gru.js';
import type { RecurrentActivation } from '../../src/kernels/lstm.js';
import type { Runtime } from '../../src/runtime/runtime.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

interface Case { B: number; T: number; H: number; mask: MaskKind; reverse: boolean; init: boolean; bias: boolean; act: RecurrentActivation; dT: boolean }
interface Data { xw: Float32Array; u: Float32Array; rb: Float32Array; h0: Float32Array; mask: Float32Array; dhs: Float32Array; dhT: Float32Array }
interface Fwd { hs: Float32Array; gates: Float32Array; ih: Float32Array }
interface Bwd { dz: Float32Array; dh0: Float32Array; du: Float32Array; drb: Float32Array }

const label = (c: Case) => `B${c.B} T${c.T} H${c.H} mask:${c.mask}${c.reverse ? ' rev' : ''}${c.init ? ' h0' : ''}${c.bias ? ' rb' : ''} ${c.act}${c.dT ? ' dT' : ''}`;
const actIndex = (a: RecurrentActivation) => (a === 'hardSigmoid' ? 1 : 0);

function makeData(c: Case, seed: number): Data {
  const { B, T, H } = c;
  const s = 1.5 / Math.sqrt(H);
  return {
    xw: uniform(B * T * 3 * H, -1.5, 1.5, seed),
    u: uniform(H * 3 * H, -s, s, seed + 1),
    rb: uniform(3 * H, -0.7, 0.7, seed + 3),
    h0: uniform(B * H, -0.8, 0.8, seed + 2),
    mask: stepMask(c.B, c.T, c.mask, seed + 4),
    dhs: uniform(B * T * H, -1, 1, seed + 5),
    dhT: uniform(B * H, -1, 1, seed + 6),
  };
}

// ---- plain JS float64: Keras 3's GRUCell(reset_after=True), implementation 2 --------------------

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const hardSigmoid = (x: number) => Math.min(Math.max(0.5 + 0.2 * x, 0), 1);

/** matrix_x = xw (x · kernel + bias[0]); matrix_inner = h · recurrent_kernel + bias[1]; z, r, hh; h = z h + (1 - z) hh. */
function kerasF64(c: Case, xw: ArrayLike<number>, u: ArrayLike<number>, rb: ArrayLike<number> | null, h0: ArrayLike<number> | null, mask: Float32Array | null) {
  const { B, T, H } = c;
  const G = 3 * H;
  const ra = c.act === 'hardSigmoid' ? hardSigmoid : sigmoid;
  const hs = new Float64Array(B * T * H), gates = new Float64Array(B * T * G), ih = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    let h = Float64Array.from({ length: H }, (_, j) => (h0 ? h0[b * H + j] : 0));
    for (let s = 0; s < T; s++) {
      const t = c.reverse ? T - 1 - s : s;
      const x = (b * T + t) * G;
      const inner = new Float64Array(G);
      for (let col = 0; col < G; col++) {
        let v = 0;
        for (let k = 0; k < H; k++) v += h[k] * u[k * G + col];
        inner[col] = v + (rb ? rb[col] : 0);
      }
      const hn = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const z = ra(xw[x + j] + inner[j]);
        const r = ra(xw[x + H + j] + inner[H + j]);
        const hh = Math.tanh(xw[x + 2 * H + j] + r * inner[2 * H + j]);
        gates[(b * T + s) * G + j] = z; gates[(b * T + s) * G + H + j] = r; gates[(b * T + s) * G + 2 * H + j] = hh;
        ih[(b * T + s) * H + j] = inner[2 * H + j];
        hn[j] = !mask || mask[b * T + t] !== 0 ? z * h[j] + (1 - z) * hh : h[j];
      }
      h = hn;
      hs.set(h, (b * T + s) * H);
    }
  }
  return { hs, gates, ih };
}

/** sum(dhs ⊙ hs) + sum(dhT ⊙ h_T): its gradients are what the backward computes from dhs, dhT. */
function lossF64(c: Case, xw: ArrayLike<number>, u: ArrayLike<number>, rb: ArrayLike<number> | null, h0: ArrayLike<number> | null, d: Data): number {
  const { B, T, H } = c;
  const { hs } = kerasF64(c, xw, u, rb, h0, c.mask !== 'none' ? d.mask : null);
  let loss = 0;
  for (let i = 0; i < hs.length; i++) loss += d.dhs[i] * hs[i];
  if (c.dT) for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) loss += d.dhT[b * H + j] * hs[(b * T + T - 1) * H + j];
  return loss;
}

// ---- the twin and the fast kernels ----------------------------------------------------------------

function refForward(c: Case, d: Data, xwRows?: { table: Float32Array; ids: Int32Array }): Fwd {
  const { B, T, H } = c;
  ref.reset();
  const pxw = ref.put(xwRows ? xwRows.table : d.xw), pu = ref.put(d.u), prb = c.bias ? ref.put(d.rb) : 0;
  const ph0 = c.init ? ref.put(d.h0) : 0, pm = c.mask !== 'none' ? ref.put(d.mask) : 0;
  const pids = xwRows ? ref.put(xwRows.ids, 'i32') : 0;
  const phs = ref.alloc(B * T * H), pg = ref.alloc(B * T * 3 * H), pih = ref.alloc(B * T * H);
  ref.call('f32_gru_seq_reset_after_fwd', pxw, pu, prb, ph0, pm, phs, pg, pih, 0, 0, B, T, H, +c.reverse, actIndex(c.act), pids);
  return { hs: ref.f32(phs, B * T * H), gates: ref.f32(pg, B * T * 3 * H), ih: ref.f32(pih, B * T * H) };
}

function refBackward(c: Case, d: Data, f: Fwd): Bwd {
  const { B, T, H } = c;
  ref.reset();
  const pu = ref.put(d.u);
  const ph0 = c.init ? ref.put(d.h0) : 0, pm = c.mask !== 'none' ? ref.put(d.mask) : 0;
  const phs = ref.put(f.hs), pg = ref.put(f.gates), pih = ref.put(f.ih);
  const pdhs = ref.put(d.dhs), pdhT = c.dT ? ref.put(d.dhT) : 0;
  const pdz = ref.alloc(B * T * 3 * H), pdh0 = ref.alloc(B * H), pdu = ref.alloc(H * 3 * H), pdrb = ref.alloc(3 * H);
  const ws = ref.alloc(4 * B * H);
  ref.call('f32_gru_seq_reset_after_bwd', pu, ph0, pm, phs, pg, pih, pdhs, pdhT, pdz, pdh0, pdu, pdrb, ws, 0, B, T, H, +c.reverse, actIndex(c.act));
  return { dz: ref.f32(pdz, B * T * 3 * H), dh0: ref.f32(pdh0, B * H), du: ref.f32(pdu, H * 3 * H), drb: ref.f32(pdrb, 3 * H) };
}

function runFast(rt: Runtime, c: Case, d: Data): { fwd: Fwd; bwd: Bwd } {
  const { B, T, H } = c;
  return rt.step(() => {
    const xw = rt.temp([B, T, 3 * H]).set(d.xw), u = rt.temp([H, 3 * H]).set(d.u);
    const recurrentBias = c.bias ? rt.temp([3 * H]).set(d.rb) : null;
    const h0 = c.init ? rt.temp([B, H]).set(d.h0) : null;
    const mask = c.mask !== 'none' ? rt.temp([B, T]).set(d.mask) : null;
    // NaN-filled outputs: every value must be written
    const hs = rt.temp([B, T, H]).fill(NaN), gates = rt.temp([B, T, 3 * H]).fill(NaN), rh = rt.temp([B, T, H]).fill(NaN);
    const common = { u, h0, mask, hs, gates, rh, reverse: c.reverse, recurrentActivation: c.act, resetAfter: true };
    gruSequence(rt, { ...common, xw, recurrentBias });
    const dhs = rt.temp([B, T, H]).set(d.dhs), dhT = c.dT ? rt.temp([B, H]).set(d.dhT) : null;
    const dz = rt.temp([B, T, 3 * H]).fill(NaN), dh0 = rt.temp([B, H]).fill(NaN), du = rt.temp([H, 3 * H]).fill(NaN), drb = rt.temp([3 * H]).fill(NaN);
    gruSequenceBackward(rt, { ...common, dhs, dhT, dz, dh0, du, drb });
    return {
      fwd: { hs: hs.f32().slice(), gates: gates.f32().slice(), ih: rh.f32().slice() },
      bwd: { dz: dz.f32().slice(), dh0: dh0.f32().slice(), du: du.f32().slice(), drb: drb.f32().slice() },
    };
  });
}

const FWD_RTOL = 1.5e-6, FWD_ATOL = 1.5e-6;
const BWD_RTOL = 4e-6, BWD_ATOL = 1e-6, BWD_ATOL_SUM = 4e-6;

describe('gru resetAfter: the twin against plain float64 Keras equations', () => {
  const cases: Case[] = [
    { B: 3, T: 6, H: 5, mask: 'gaps', reverse: false, init: true, bias: true, act: 'sigmoid', dT: true },
    { B: 2, T: 5, H: 9, mask: 'rows', reverse: true, init: true, bias: true, act: 'sigmoid', dT: false },
    { B: 4, T: 4, H: 8, mask: 'none', reverse: false, init: false, bias: false, act: 'hardSigmoid', dT: true },
  ];
  it.each(cases.map((c) => [label(c), c]))('%s: forward values, and the backward against central differences', (_, cc) => {
    const c = cc as Case;
    const d = makeData(c, 313 + c.H);
    const tw = refForward(c, d);
    const k = kerasF64(c, d.xw, d.u, c.bias ? d.rb : null, c.init ? d.h0 : null, c.mask !== 'none' ? d.mask : null);
    // the twin is f64 inside and rounds on store (and carries f32 h, z between steps)
    expectClose(tw.hs, k.hs, 1e-6, 1e-6, 'hs');
    expectClose(tw.gates, k.gates, 1e-6, 1e-6, 'gates');
    expectClose(tw.ih, k.ih, 1e-6, 1e-6, 'ih');
    const g = refBackward(c, d, tw);
    const p = { xw: Float64Array.from(d.xw), u: Float64Array.from(d.u), rb: Float64Array.from(d.rb), h0: Float64Array.from(d.h0) };
    const L = () => lossF64(c, p.xw, p.u, c.bias ? p.rb : null, c.init ? p.h0 : null, d);
    const grads: [keyof typeof p, Float32Array][] = [['xw', g.dz], ['u', g.du]];
    if (c.bias) grads.push(['rb', g.drb]);
    if (c.init) grads.push(['h0', g.dh0]);
    expect(sampledCentralDiff(p, grads, L, { samples: 40, rtol: 2e-5, what: 'twin' })).toBe(grads.length * 40);
  });
});

function check(c: Case) {
  const d = makeData(c, c.B * 1000 + c.T * 37 + c.H);
  const want = refForward(c, d);
  let first: { fwd: Fwd; bwd: Bwd } | null = null;
  for (const [name, rt] of rts) {
    const out = runFast(rt, c, d);
    if (first) {
      for (const k of ['hs', 'gates', 'ih'] as const) expectBitwise(out.fwd[k], first.fwd[k], `${label(c)} ${k} ${name}`);
      for (const k of ['dz', 'dh0', 'du', 'drb'] as const) expectBitwise(out.bwd[k], first.bwd[k], `${label(c)} ${k} ${name}`);
      continue;
    }
    first = out;
    for (const k of ['hs', 'gates', 'ih'] as const) expectClose(out.fwd[k], want[k], FWD_RTOL, FWD_ATOL, `${label(c)} ${k} ${name}`);
    const g = refBackward(c, d, out.fwd);
    expectClose(out.bwd.dz, g.dz, BWD_RTOL, BWD_ATOL, `${label(c)} dz ${name}`);
    expectClose(out.bwd.dh0, g.dh0, BWD_RTOL, BWD_ATOL_SUM, `${label(c)} dh0 ${name}`);
    expectClose(out.bwd.du, g.du, BWD_RTOL, BWD_ATOL_SUM, `${label(c)} du ${name}`);
    expectClose(out.bwd.drb, g.drb, BWD_RTOL, BWD_ATOL_SUM, `${label(c)} drb ${name}`);
  }
}

const MASKS: MaskKind[] = ['none', 'gaps', 'rows'];
const CASES: Case[] = [];
{
  let i = 0;
  for (const B of [1, 2, 3, 4, 5, 7]) {
    for (const H of [1, 3, 4, 5, 8, 13]) {
      for (const T of [1, 2, 7]) {
        CASES.push({
          B, H, T, mask: MASKS[(i + 1) % 3], reverse: ((i >> 1) & 1) === 0, init: ((i >> 2) & 1) === 1, bias: i % 4 !== 3,
          act: i % 5 === 2 ? 'hardSigmoid' : 'sigmoid', dT: i % 7 >= 3,
        });
        i++;
      }
    }
  }
  CASES.push({ B: 32, T: 12, H: 64, mask: 'gaps', reverse: false, init: true, bias: true, act: 'sigmoid', dT: true });
  CASES.push({ B: 6, T: 9, H: 40, mask: 'rows', reverse: true, init: false, bias: true, act: 'hardSigmoid', dT: false });
}

describe('gru resetAfter kernels', () => {
  it.each(CASES.map((c) => [label(c), c]))('%s: twin, and bitwise across builds and threads', (_, c) => {
    check(c as Case);
  });

  it('masked rows: dz is 0 at masked steps, and the output repeats the previous one', () => {
    const c: Case = { B: 5, T: 7, H: 13, mask: 'gaps', reverse: true, init: true, bias: true, act: 'sigmoid', dT: true };
    const d = makeData(c, 5);
    const { fwd, bwd } = runFast(rts.get('simd-mt@2')!, c, d);
    const { B, T, H } = c;
    let masked = 0;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < T; s++) {
        const t = T - 1 - s;
        if (d.mask[b * T + t] !== 0) continue;
        masked++;
        expect([...bwd.dz.subarray((b * T + t) * 3 * H, (b * T + t + 1) * 3 * H)].every((v) => v === 0)).toBe(true);
        const prev = s > 0 ? fwd.hs.subarray((b * T + s - 1) * H, (b * T + s) * H) : d.h0.subarray(b * H, (b + 1) * H);
        expectBitwise(fwd.hs.subarray((b * T + s) * H, (b * T + s + 1) * H), prev, `row ${b} step ${s}`);
      }
    }
    expect(masked).toBeGreaterThan(3);
  });

  it('threads with no units of their own still meet at every barrier (forced nth)', () => {
    const rt = rts.get('simd-mt@3')!;
    const c: Case = { B: 5, T: 7, H: 5, mask: 'gaps', reverse: false, init: true, bias: true, act: 'sigmoid', dT: true };
    const d = makeData(c, 77);
    const base = runFast(rts.get('simd@1')!, c, d);
    const { B, T, H } = c;
    for (const nth of [2, 3]) {
      rt.step(() => {
        const xw = rt.temp([B, T, 3 * H]).set(d.xw), u = rt.temp([H, 3 * H]).set(d.u), rb = rt.temp([3 * H]).set(d.rb);
        const h0 = rt.temp([B, H]).set(d.h0), mask = rt.temp([B, T]).set(d.mask);
        const hs = rt.temp([B, T, H]), gates = rt.temp([B, T, 3 * H]), ih = rt.temp([B, T, H]);
        const ws = rt.temp([gruForwardWorkspaceBytes(B, H) / 4]), sync = rt.temp([4], 'i32').fill(0);
        rt.run('f32_gru_seq_reset_after_fwd', 1e9, [xw.ptr, u.ptr, rb.ptr, h0.ptr, mask.ptr, hs.ptr, gates.ptr, ih.ptr, ws.ptr, sync.ptr, B, T, H, 0, 0, 0], nth);
        expectBitwise(hs.f32(), base.fwd.hs, `hs nth=${nth}`);
        const dhs = rt.temp([B, T, H]).set(d.dhs), dhT = rt.temp([B, H]).set(d.dhT);
        const dz = rt.temp([B, T, 3 * H]), dh0 = rt.temp([B, H]), du = rt.temp([H, 3 * H]), drb = rt.temp([3 * H]);
        const wsb = rt.temp([gruBackwardWorkspaceBytes(B, H, true, true, true) / 4]);
        sync.fill(0);
        rt.run('f32_gru_seq_reset_after_bwd', 1e9, [u.ptr, h0.ptr, mask.ptr, hs.ptr, gates.ptr, ih.ptr, dhs.ptr, dhT.ptr,
          dz.ptr, dh0.ptr, du.ptr, drb.ptr, wsb.ptr, sync.ptr, B, T, H, 0, 0], nth);
        expectBitwise(dz.f32(), base.bwd.dz, `dz nth=${nth}`);
        expectBitwise(du.f32(), base.bwd.du, `du nth=${nth}`);
        expectBitwise(drb.f32(), base.bwd.drb, `drb nth=${nth}`);
        expectBitwise(dh0.f32(), base.bwd.dh0, `dh0 nth=${nth}`);
      });
    }
  });

  it('the kernels stay inside the workspace the host sizes for them (with and without du, drb)', () => {
    const rt = rts.get('simd-mt@3')!;
    for (const [B, T, H] of [[1, 3, 1], [3, 4, 5], [4, 2, 8], [6, 3, 13], [9, 2, 17], [7, 2, 9]]) {
      const c: Case = { B, T, H, mask: 'gaps', reverse: true, init: true, bias: true, act: 'sigmoid', dT: true };
      const d = makeData(c, B + H);
      for (const nth of [1, 3]) {
        for (const [withDu, withDrb] of [[true, true], [true, false], [false, true], [false, false]]) {
          rt.step(() => {
            const xw = rt.temp([B, T, 3 * H]).set(d.xw), u = rt.temp([H, 3 * H]).set(d.u), rb = rt.temp([3 * H]).set(d.rb);
            const h0 = rt.temp([B, H]).set(d.h0), mask = rt.temp([B, T]).set(d.mask);
            const hs = rt.temp([B, T, H]), gates = rt.temp([B, T, 3 * H]), ih = rt.temp([B, T, H]);
            const dhs = rt.temp([B, T, H]).set(d.dhs), dz = rt.temp([B, T, 3 * H]), dh0 = rt.temp([B, H]), du = rt.temp([H, 3 * H]), drb = rt.temp([3 * H]);
            const fw = gruForwardWorkspaceBytes(B, H) / 4, bw = gruBackwardWorkspaceBytes(B, H, withDu, true, withDrb) / 4;
            const block = rt.temp([Math.max(fw, bw) + 64]);
            const sync = rt.temp([4], 'i32');
            const run = (name: string, words: number, args: number[]) => {
              block.f32().fill(12345);
              sync.fill(0);
              rt.run(name, 1e9, args, nth);
              const tail = block.f32().subarray(words);
              expect(tail.every((v) => v === 12345), `${name} B${B} H${H} nth ${nth} du ${withDu} drb ${withDrb} writes past its workspace`).toBe(true);
            };
            run('f32_gru_seq_reset_after_fwd', fw, [xw.ptr, u.ptr, rb.ptr, h0.ptr, mask.ptr, hs.ptr, gates.ptr, ih.ptr, block.ptr, sync.ptr, B, T, H, 1, 0, 0]);
            run('f32_gru_seq_reset_after_bwd', bw, [u.ptr, h0.ptr, mask.ptr, hs.ptr, gates.ptr, ih.ptr, dhs.ptr, 0,
              dz.ptr, dh0.ptr, withDu ? du.ptr : 0, withDrb ? drb.ptr : 0, block.ptr, sync.ptr, B, T, H, 1, 0]);
          });
        }
      }
    }
  });

  it('xwRows: the projections read as rows of a table give the gathered copy\'s bits, and the twin\'s', () => {
    const cases: Case[] = [
      { B: 1, T: 7, H: 9, mask: 'none', reverse: false, init: false, bias: true, act: 'sigmoid', dT: false },
      { B: 2, T: 5, H: 8, mask: 'gaps', reverse: true, init: true, bias: true, act: 'hardSigmoid', dT: false },
      { B: 5, T: 4, H: 13, mask: 'rows', reverse: false, init: false, bias: false, act: 'sigmoid', dT: false },
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
      const twinHs = refForward(c, d, { table, ids }).hs;
      expectBitwise(twinHs, refForward(c, { ...d, xw: gathered }).hs, `${label(c)} twin: rows vs gathered`);
      for (const [name, rt] of rts) {
        rt.step(() => {
          const u = rt.temp([H, 3 * H]).set(d.u), recurrentBias = c.bias ? rt.temp([3 * H]).set(d.rb) : null;
          const h0 = c.init ? rt.temp([B, H]).set(d.h0) : null;
          const mask = c.mask !== 'none' ? rt.temp([B, T]).set(d.mask) : null;
          const common = { u, h0, mask, reverse: c.reverse, recurrentActivation: c.act, resetAfter: true, recurrentBias };
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

  it('no steps: dh0 = dhT, du and drb are zeros', () => {
    for (const rt of rts.values()) {
      rt.step(() => {
        const H = 5, B = 3;
        const u = rt.temp([H, 3 * H]).set(uniform(H * 3 * H, -1, 1, 3));
        const dhT = rt.temp([B, H]).set(uniform(B * H, -1, 1, 4));
        const dh0 = rt.temp([B, H]).fill(NaN), du = rt.temp([H, 3 * H]).fill(NaN), drb = rt.temp([3 * H]).fill(NaN);
        gruSequenceBackward(rt, { u, hs: rt.temp([B, 0, H]), gates: rt.temp([B, 0, 3 * H]), rh: rt.temp([B, 0, H]), dhT, dz: rt.temp([B, 0, 3 * H]), dh0, du, drb, resetAfter: true });
        expectBitwise(dh0.f32(), dhT.f32(), 'dh0 = dhT');
        expect([...du.f32(), ...drb.f32()].every((v) => v === 0)).toBe(true);
      });
    }
  });
});

describe('gru resetAfter bad input', () => {
  it('refuses a recurrent bias of the wrong shape, or one (or drb) without resetAfter', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const B = 2, T = 3, H = 4;
      const ok = { xw: rt.temp([B, T, 3 * H]).fill(0), u: rt.temp([H, 3 * H]).fill(0), hs: rt.temp([B, T, H]), gates: rt.temp([B, T, 3 * H]), rh: rt.temp([B, T, H]) };
      expect(() => gruSequence(rt, { ...ok, resetAfter: true, recurrentBias: rt.temp([2, 3 * H]) })).toThrow(/^wasmnn: gruSequence: recurrentBias must have shape \(12,\)/);
      expect(() => gruSequence(rt, { ...ok, resetAfter: true, recurrentBias: rt.temp([4 * H]) })).toThrow(RangeError);
      expect(() => gruSequence(rt, { ...ok, recurrentBias: rt.temp([3 * H]) })).toThrow(/recurrentBias is only for resetAfter true/);
      expect(() => gruSequence(rt, { ...ok, resetAfter: 'yes' as any })).toThrow(TypeError);
      const bw = { u: ok.u, hs: ok.hs.fill(0), gates: ok.gates.fill(0), rh: ok.rh.fill(0), dz: rt.temp([B, T, 3 * H]) };
      expect(() => gruSequenceBackward(rt, { ...bw, drb: rt.temp([3 * H]) })).toThrow(/drb \(the recurrent bias's gradient\) is only for resetAfter true/);
      expect(() => gruSequenceBackward(rt, { ...bw, resetAfter: true, drb: rt.temp([H]) })).toThrow(/drb must have shape \(12,\)/);
    });
  });
});
