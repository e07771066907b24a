// The LSTM forward's one-row path for small batches (B < 4, kernels/lstm.ts lstmFwdSmall): bitwise
// equal to the batched path (rows in blocks of 4 and the tail rows of a B = 7 batch) for every
// row, with and without mask, reverse, initial states, both recurrent activations and gates, at
// edge sizes of H and T, in every build and thread count; threads without units of their own,
// and inputs at the edges of the activations' ranges. And the measured choice of its thread count
// (src/kernels/lstm.ts ThreadChoice).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { expectBitwise, rng, uniform } from '../helpers/data.js';
import { ThreadChoice, lstmForwardWorkspaceBytes, lstmSequence, type RecurrentActivation } from '../../src/kernels/lstm.js';
import { Runtime } from '../../src/runtime/runtime.js';

let rts: Map<string, Runtime>;
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

interface Opts { mask: boolean; reverse: boolean; init: boolean; act: RecurrentActivation }
interface Data { xw: Float32Array; u: Float32Array; h0: Float32Array; c0: Float32Array; mask: Float32Array }
interface Out { hs: Float32Array; cs: Float32Array; gates: Float32Array | null }

const BIG = 7;   // the reference batch: rows 0-3 in a block of 4, rows 4-6 the tail

function makeData(T: number, H: number, seed: number, xw?: Float32Array): Data {
  const s = 1.5 / Math.sqrt(H);
  const mask = new Float32Array(BIG * T).fill(1);
  const r = rng(seed + 4);
  for (let i = 0; i < mask.length; i++) if (r() < 0.3) mask[i] = 0;
  for (let t = 0; t < T; t++) mask[5 * T + t] = 0;   // row 5 masked throughout
  return {
    xw: xw ?? uniform(BIG * T * 4 * H, -2, 2, seed),
    u: uniform(H * 4 * H, -s, s, seed + 1),
    h0: uniform(BIG * H, -0.8, 0.8, seed + 2),
    c0: uniform(BIG * H, -1, 1, seed + 3),
    mask,
  };
}

/** Rows `rows` of the data as a batch of their own. */
function rowsOf(d: Data, rows: number[], T: number, H: number): Data {
  const pick = (a: Float32Array, w: number) => {
    const o = new Float32Array(rows.length * w);
    rows.forEach((b, i) => o.set(a.subarray(b * w, (b + 1) * w), i * w));
    return o;
  };
  return { xw: pick(d.xw, T * 4 * H), u: d.u, h0: pick(d.h0, H), c0: pick(d.c0, H), mask: pick(d.mask, T) };
}

function run(rt: Runtime, d: Data, B: number, T: number, H: number, o: Opts, keepGates = true): Out {
  return rt.step(() => {
    const xw = rt.temp([B, T, 4 * H]).set(d.xw), u = rt.temp([H, 4 * H]).set(d.u);
    const h0 = o.init ? rt.temp([B, H]).set(d.h0) : null, c0 = o.init ? rt.temp([B, H]).set(d.c0) : null;
    const mask = o.mask ? rt.temp([B, T]).set(d.mask) : null;
    // NaN-filled outputs: every value must be written
    const hs = rt.temp([B, T, H]).fill(NaN), cs = rt.temp([B, T, H]).fill(NaN);
    const gates = keepGates ? rt.temp([B, T, 4 * H]).fill(NaN) : null;
    lstmSequence(rt, { xw, u, h0, c0, mask, hs, cs, gates, reverse: o.reverse, recurrentActivation: o.act });
    return { hs: hs.f32().slice(), cs: cs.f32().slice(), gates: gates ? gates.f32().slice() : null };
  });
}

/** Rows of a batch result. */
function rowsOfOut(out: Out, rows: number[], T: number, H: number): Out {
  const pick = (a: Float32Array, w: number) => {
    const o = new Float32Array(rows.length * w);
    rows.forEach((b, i) => o.set(a.subarray(b * w, (b + 1) * w), i * w));
    return o;
  };
  return { hs: pick(out.hs, T * H), cs: pick(out.cs, T * H), gates: out.gates ? pick(out.gates, T * 4 * H) : null };
}

function expectSame(a: Out, b: Out, what: string): void {
  expectBitwise(a.hs, b.hs, `${what} hs`);
  expectBitwise(a.cs, b.cs, `${what} cs`);
  if (a.gates && b.gates) expectBitwise(a.gates, b.gates, `${what} gates`);
}

// row sets run as batches of their own: single rows from the block and from the tail, a pair, a triple
const SUBSETS = [[0], [3], [4], [5], [6], [0, 1], [2, 6], [4, 5, 6], [1, 2, 3]];

/** Every subset alone, in every runtime, against the rows of the B = 7 batch in simd@1. */
function check(T: number, H: number, o: Opts, d: Data, what: string): void {
  const big = run(rts.get('simd@1')!, d, BIG, T, H, o);
  expect(big.hs.every((v) => !Number.isNaN(v)), `${what}: the batch wrote every h`).toBe(true);
  for (const [name, rt] of rts) {
    for (const rows of SUBSETS) {
      const want = rowsOfOut(big, rows, T, H);
      const sub = rowsOf(d, rows, T, H);
      expectSame(run(rt, sub, rows.length, T, H, o), want, `${what} rows ${rows} ${name}`);
      // inference (no gates): the same h and c; masked rows there skip the product
      expectSame(run(rt, sub, rows.length, T, H, o, false), { ...want, gates: null }, `${what} rows ${rows} ${name} without gates`);
    }
  }
}

const HS = [1, 7, 8, 9, 13, 64];
const TS = [1, 2, 5];
const CASES: [string, number, number, Opts][] = [];
{
  let i = 0;
  for (const H of HS) {
    for (const T of TS) {
      const o: Opts = { mask: i % 3 !== 0, reverse: (i & 2) !== 0, init: i % 4 < 2, act: i % 5 === 3 ? 'hardSigmoid' : 'sigmoid' };
      CASES.push([`H${H} T${T}${o.mask ? ' mask' : ''}${o.reverse ? ' rev' : ''}${o.init ? ' h0c0' : ''} ${o.act}`, T, H, o]);
      i++;
    }
  }
  CASES.push(['H33 T7 mask rev h0c0 sigmoid', 7, 33, { mask: true, reverse: true, init: true, act: 'sigmoid' }]);
  CASES.push(['H64 T9 h0c0 hardSigmoid', 9, 64, { mask: false, reverse: false, init: true, act: 'hardSigmoid' }]);
}

describe('lstm forward, small batches (one-row path)', () => {
  it.each(CASES)('%s: every row alone, in pairs and triples = the rows of a batch of 7, bitwise, all builds and threads', (label, T, H, o) => {
    check(T, H, o, makeData(T, H, T * 100 + H), label);
  });

  it('inputs at the edges of sigmoid and tanh give the same bits as the batched path', () => {
    const T = 3, H = 16;
    // pre-activations around the activations' range switches and limits: ±0, subnormals, 0.625
    // (tanh's polynomial / exp switch), 9 (tanh saturates), ±87.3 / 88.7 (exp's range), huge values
    const edges = [0, -0, 1e-45, -1e-45, 1e-38, 0.625, -0.625, 0.62499994, 9, -9, 9.000001, 20, -20, 87.33654, -87.33654,
      88.72283, -88.72284, 100, -100, 1e30, -1e30, 3.4e38, -3.4e38, 0.5, -2.5, 2.5, 1e-7, -1e-7];
    const xw = new Float32Array(BIG * T * 4 * H);
    const r = rng(5);
    for (let i = 0; i < xw.length; i++) xw[i] = edges[Math.floor(r() * edges.length)];
    for (const act of ['sigmoid', 'hardSigmoid'] as RecurrentActivation[]) {
      const o: Opts = { mask: false, reverse: false, init: true, act };
      check(T, H, o, makeData(T, H, 77, xw), `edges ${act}`);
    }
  });

  it('threads with no units of their own still meet at every barrier (forced nth)', () => {
    const rt = rts.get('simd-mt@3')!;
    for (const [B, H] of [[1, 5], [2, 5], [3, 17], [1, 17], [2, 64]]) {
      const T = 6;
      const d = rowsOf(makeData(T, H, B + H), [...Array(B).keys()], T, H);
      const o: Opts = { mask: true, reverse: false, init: true, act: 'sigmoid' };
      const base = run(rts.get('simd@1')!, d, B, T, H, o);
      for (const nth of [1, 2, 3]) {
        rt.step(() => {
          const xw = rt.temp([B, T, 4 * H]).set(d.xw), u = rt.temp([H, 4 * H]).set(d.u);
          const h0 = rt.temp([B, H]).set(d.h0), c0 = rt.temp([B, H]).set(d.c0), mask = rt.temp([B, T]).set(d.mask);
          const hs = rt.temp([B, T, H]).fill(NaN), cs = rt.temp([B, T, H]).fill(NaN), gates = rt.temp([B, T, 4 * H]).fill(NaN);
          const ws = rt.temp([lstmForwardWorkspaceBytes(B, H) / 4]), sync = rt.temp([4], 'i32').fill(0);
          rt.run('f32_lstm_seq_fwd', 1e9, [xw.ptr, u.ptr, h0.ptr, c0.ptr, mask.ptr, hs.ptr, cs.ptr, gates.ptr, ws.ptr, sync.ptr, B, T, H, 0, 0, 0, 0], nth);
          expectSame({ hs: hs.f32(), cs: cs.f32(), gates: gates.f32() }, base, `B${B} H${H} nth=${nth}`);
        });
      }
    }
  });
});

describe('small-batch forward: thread count chosen by measured time', () => {
  it('tries both counts, keeps the faster, re-tries the other with a doubling interval, follows a change', () => {
    const c = new ThreadChoice(2);
    const picks: number[] = [];
    // 1 thread 1.0 ms per step, 2 threads 0.6: after one call of each, 2 threads until the first re-try
    const time = (n: number) => (n === 1 ? 1.0 : 0.6);
    for (let i = 0; i < 60; i++) { const n = c.pick(); picks.push(n); c.record(n, time(n)); }
    expect(picks.slice(0, 2)).toEqual([1, 2]);
    const ones = picks.map((n, i) => (n === 1 ? i + 1 : 0)).filter((i) => i > 0);
    expect(ones).toEqual([1, 16, 48]);   // re-tries at call 16, then 32 calls later (it lost)
    // the machine gets busy: 2 threads now take 5 ms per step; the EWMA crosses 1.0 and 1 thread takes over
    let switched = -1;
    for (let i = 0; i < 20; i++) { const n = c.pick(); if (n === 1 && switched < 0) switched = i; c.record(n, n === 1 ? 1.0 : 5.0); }
    expect(switched).toBeGreaterThanOrEqual(0);
    expect(switched).toBeLessThan(3);
    const after: number[] = [];
    for (let i = 0; i < 10; i++) { const n = c.pick(); after.push(n); c.record(n, n === 1 ? 1.0 : 5.0); }
    expect(after.every((n) => n === 1)).toBe(true);
    expect(c.cost[0]).toBeCloseTo(1.0, 6);
  });

  it('a 2-thread runtime at its default threshold runs B = 1 on both counts, with the same bits', async () => {
    const rt = await Runtime.create({ build: 'simd-mt', threads: 2 });
    try {
      const T = 5, H = 64, B = 1;
      const o: Opts = { mask: true, reverse: false, init: true, act: 'sigmoid' };
      const d = rowsOf(makeData(T, H, 9), [0], T, H);
      const want = run(rts.get('simd@1')!, d, B, T, H, o);
      const used = new Set<number>();
      const runKernel = rt.run.bind(rt);
      rt.run = (name: string, work: number, args: number[], nth?: number) => { if (name === 'f32_lstm_seq_fwd') used.add(nth ?? 0); runKernel(name, work, args, nth); };
      for (let i = 0; i < 4; i++) expectSame(run(rt, d, B, T, H, o), want, `call ${i}`);
      expect([...used].sort()).toEqual([1, 2]);
      // below the size worth splitting (B = 1, H = 32: 8K flops a step) it stays on one thread
      used.clear();
      const d2 = rowsOf(makeData(T, 32, 10), [0], T, 32);
      for (let i = 0; i < 4; i++) run(rt, d2, B, T, 32, o);
      expect([...used]).toEqual([1]);
    } finally {
      await rt.close();
    }
  });
});
