// The opt-in fused multiply-add builds ('simd-fma', 'simd-fma-mt'): the products' multiply-adds are
// f32x4.relaxed_madd (core/madd.ts), so results are not the default builds' bits. Here, on
// simd-fma@1 and simd-fma-mt@1/2/3: gemm against its f32 twin within a bound of the summation
// error, the LSTM / GRU (resetAfter false and true) forwards against their f64 twins, their
// backwards, conv1d and the gemm
// against the default 'simd' build (which the rest of the suite pins to the twins) within stated
// tolerances; every output bitwise equal across the four fma runtimes; a model trained at 1 and 2
// threads gives the same weights bit for bit; the builds really hold relaxed_madd; and asking for
// them where relaxed SIMD cannot run fails with an error that names the fix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '../../src/runtime/runtime.js';
import { hasRelaxedSimd } from '../../src/runtime/features.js';
import { init, shutdown, Sequential, Dense, Embedding, LSTM, Adam } from '../../src/index.js';
import { Ref } from '../helpers/ref.js';
import { expectBitwise, expectClose, ints, stepMask, uniform } from '../helpers/data.js';
import { GEMM_ACTIVATIONS, gemm } from '../../src/kernels/gemm.js';
import { expectGemmStaysInside } from '../helpers/gemm_bounds.js';
import { lstmSequence, lstmSequenceBackward } from '../../src/kernels/lstm.js';
import { gruSequence, gruSequenceBackward } from '../../src/kernels/gru.js';
import { conv1d, conv1dBackward, conv1dGeometry, type Conv1dPadding } from '../../src/kernels/conv1d.js';
import { trainTextClassifier } from '../../src/classifier/train.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { dataCsv, run, sentimentData, tempDir } from '../cli/helpers.js';

const FMA = [
  { build: 'simd-fma', threads: 1, label: 'simd-fma@1' },
  { build: 'simd-fma-mt', threads: 1, label: 'simd-fma-mt@1' },
  { build: 'simd-fma-mt', threads: 2, label: 'simd-fma-mt@2' },
  { build: 'simd-fma-mt', threads: 3, label: 'simd-fma-mt@3' },
] as const;

let fma: Map<string, Runtime>;
let plain: Runtime;
const ref = new Ref();
beforeAll(async () => {
  fma = new Map();
  // parallelThreshold 1: every threaded kernel splits, so the thread counts are real
  for (const v of FMA) fma.set(v.label, await Runtime.create({ build: v.build, threads: v.threads, parallelThreshold: 1, spin: 200 }));
  plain = await Runtime.create({ build: 'simd', threads: 1 });
});
afterAll(async () => {
  for (const rt of fma.values()) await rt.close();
  await plain.close();
});

type Outputs = Record<string, Float32Array>;

/** Runs fn on every fma runtime: outputs bitwise equal across them; returns simd-fma@1's. */
function acrossFma(what: string, fn: (rt: Runtime) => Outputs): Outputs {
  let first: Outputs | null = null;
  for (const [name, rt] of fma) {
    const out = fn(rt);
    if (first) for (const k of Object.keys(first)) expectBitwise(out[k], first[k], `${what} ${k} ${name} vs simd-fma@1`);
    else first = out;
  }
  return first!;
}

function expectAllClose(got: Outputs, want: Outputs, rtol: number, atol: number, what: string): void {
  for (const k of Object.keys(want)) expectClose(got[k], want[k], rtol, atol, `${what} ${k}`);
}

// ---- gemm ----------------------------------------------------------------------------------------

describe('gemm on the fma builds', () => {
  // the fma builds' register tile is 6 rows (MR in assembly/kernels/gemm.ts) and their row block
  // 120: M covers 1 to 3 (GEMV or packed), a group and its edges (5, 6, 7, 11, 12, 13), odd primes,
  // and more than one row block (121, 127, 241) in the long-M shapes below
  const EDGE = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 17, 33, 67];
  const KS = [1, 4, 5, 17, 67, 300];
  const cases: [string, number, number, number, boolean, boolean, boolean, boolean][] = [];
  let i = 0;
  for (const M of EDGE) for (const N of EDGE) {
    const K = KS[i % KS.length];
    cases.push([`${M}x${N}x${K}`, M, N, K, (i & 1) === 1, ((i >> 1) & 1) === 1, ((i >> 2) & 1) === 1, i % 3 === 0]);
    i++;
  }
  for (const [M, N, K] of [[121, 17, 300], [127, 9, 65], [241, 33, 260], [250, 8, 7]]) {
    for (const tA of [false, true]) cases.push([`${M}x${N}x${K}${tA ? ' tA' : ''}`, M, N, K, tA, !tA, tA, !tA]);
  }
  it.each(cases)('%s: within the summation error bound of the twin, bitwise across fma runtimes', (what, M, N, K, tA, tB, acc, withBias) => {
    const a = uniform(M * K, -1, 1, M * 7 + N), b = uniform(K * N, -1, 1, K * 3 + 1);
    const c0 = acc ? uniform(M * N, -1, 1, 5) : new Float32Array(M * N).fill(NaN);
    const bias = uniform(N, -0.5, 0.5, 9);
    const got = acrossFma(what, (rt) => rt.step(() => {
      const ta = rt.temp(tA ? [K, M] : [M, K]).set(a), tb = rt.temp(tB ? [N, K] : [K, N]).set(b);
      const tc = rt.temp([M, N]).set(c0);
      gemm(rt, ta, tb, tc, { transA: tA, transB: tB, accumulate: acc, bias: withBias ? rt.temp([N]).set(bias) : null, activation: 'linear' });
      return { c: tc.f32().slice() };
    })).c;
    ref.reset();
    const pc = ref.put(c0);
    ref.call('f32_gemm_fwd', ref.put(a), ref.put(b), pc, withBias ? ref.put(bias) : 0, 0, M, N, K, +tA, +tB, +acc, GEMM_ACTIVATIONS.indexOf('linear'));
    const want = ref.f32(pc, M * N);
    // Both are sequential f32 sums of the same K products (the fma one rounds each step once,
    // the twin twice), so each is within (K + 1) u Σ|terms| of the exact sum (u = 2^-24):
    // they differ by at most 2 (K + 2) u Σ|terms|. A wrong operand order or a lost term breaks it.
    const u = 2 ** -24;
    for (let r = 0; r < M; r++) for (let col = 0; col < N; col++) {
      let s = acc ? Math.abs(c0[r * N + col]) : 0;
      for (let k = 0; k < K; k++) s += Math.abs((tA ? a[k * M + r] : a[r * K + k]) * (tB ? b[col * K + k] : b[k * N + col]));
      if (withBias) s += Math.abs(bias[col]);
      const bound = 2 * (K + 2) * u * s;
      const g = got[r * N + col], w = want[r * N + col];
      if (!(Math.abs(g - w) <= bound)) throw new Error(`${what} tA${+tA} tB${+tB} acc${+acc}: C[${r},${col}] = ${g}, twin ${w}, bound ${bound}`);
    }
  });

  it('writes nothing outside c and the workspace gemmWorkspaceBytes asks for (6-row groups)', () => {
    expectGemmStaysInside(fma, [[121, 300, 600, 0, 0], [125, 517, 3, 1, 1], [7, 20, 300, 1, 0], [6, 45, 70, 0, 1], [241, 9, 13, 0, 0]]);
  });
});

// ---- LSTM and GRU ---------------------------------------------------------------------------------

// Forward against the f64 twins: the default builds' tolerance (test/kernels/lstm.test.ts measured
// at most 0.3e-6 against 1.5e-6), doubled. Backward against the default 'simd' build: both
// compute the same formulas from slightly different forwards, so a few ulp of the larger sums.
const FWD_RTOL = 3e-6, FWD_ATOL = 3e-6, BWD_RTOL = 2e-5, BWD_ATOL = 1e-5;
const RNN_CASES: [number, number, number][] = [];
for (const B of [1, 2, 3, 4, 5, 7]) for (const H of [1, 7, 8, 9, 13, 64]) RNN_CASES.push([B, H, [1, 2, 5, 3][(B + H) % 4]]);

function lstmRun(rt: Runtime, B: number, T: number, H: number, seed: number): Outputs {
  const s = 1.5 / Math.sqrt(H);
  return rt.step(() => {
    const xw = rt.temp([B, T, 4 * H]).set(uniform(B * T * 4 * H, -1.5, 1.5, seed));
    const u = rt.temp([H, 4 * H]).set(uniform(H * 4 * H, -s, s, seed + 1));
    const h0 = rt.temp([B, H]).set(uniform(B * H, -0.8, 0.8, seed + 2)), c0 = rt.temp([B, H]).set(uniform(B * H, -1, 1, seed + 3));
    const hs = rt.temp([B, T, H]).fill(NaN), cs = rt.temp([B, T, H]).fill(NaN), gates = rt.temp([B, T, 4 * H]).fill(NaN);
    lstmSequence(rt, { xw, u, h0, c0, mask: null, hs, cs, gates, reverse: false, recurrentActivation: 'sigmoid' });
    const dhs = rt.temp([B, T, H]).set(uniform(B * T * H, -1, 1, seed + 5));
    const dz = rt.temp([B, T, 4 * H]).fill(NaN), dh0 = rt.temp([B, H]).fill(NaN), dc0 = rt.temp([B, H]).fill(NaN), du = rt.temp([H, 4 * H]).fill(NaN);
    lstmSequenceBackward(rt, { u, h0, c0, mask: null, hs, cs, gates, reverse: false, recurrentActivation: 'sigmoid', dhs, dhT: null, dcT: null, dz, dh0, dc0, du });
    const out: Outputs = {};
    for (const [k, t] of Object.entries({ hs, cs, gates, dz, dh0, dc0, du })) out[k] = t.f32().slice();
    return out;
  });
}

function gruRun(rt: Runtime, B: number, T: number, H: number, seed: number): Outputs {
  const s = 1.5 / Math.sqrt(H);
  return rt.step(() => {
    const xw = rt.temp([B, T, 3 * H]).set(uniform(B * T * 3 * H, -1.5, 1.5, seed));
    const u = rt.temp([H, 3 * H]).set(uniform(H * 3 * H, -s, s, seed + 1));
    const h0 = rt.temp([B, H]).set(uniform(B * H, -0.8, 0.8, seed + 2));
    const hs = rt.temp([B, T, H]).fill(NaN), gates = rt.temp([B, T, 3 * H]).fill(NaN), rh = rt.temp([B, T, H]).fill(NaN);
    gruSequence(rt, { xw, u, h0, mask: null, hs, gates, rh, reverse: false, recurrentActivation: 'sigmoid' });
    const dhs = rt.temp([B, T, H]).set(uniform(B * T * H, -1, 1, seed + 5));
    const dz = rt.temp([B, T, 3 * H]).fill(NaN), dh0 = rt.temp([B, H]).fill(NaN), du = rt.temp([H, 3 * H]).fill(NaN);
    gruSequenceBackward(rt, { u, h0, mask: null, hs, gates, rh, reverse: false, recurrentActivation: 'sigmoid', dhs, dhT: null, dz, dh0, du });
    const out: Outputs = {};
    for (const [k, t] of Object.entries({ hs, gates, rh, dz, dh0, du })) out[k] = t.f32().slice();
    return out;
  });
}

// resetAfter true (Keras 2/3's default GRU): the recurrent bias rb (3H) too, and its gradient drb;
// rh holds ih = h_{s-1} · U_h + rb_h. Half the cases run reversed, and every other one under a step
// mask ('gaps'), so the kernel's carry paths run on the fma builds as well.
function gruResetAfterData(B: number, T: number, H: number, seed: number) {
  const s = 1.5 / Math.sqrt(H);
  return {
    xw: uniform(B * T * 3 * H, -1.5, 1.5, seed), u: uniform(H * 3 * H, -s, s, seed + 1), h0: uniform(B * H, -0.8, 0.8, seed + 2),
    rb: uniform(3 * H, -0.7, 0.7, seed + 3), mask: B % 2 === 0 ? stepMask(B, T, 'gaps', seed + 4) : null, reverse: (B + H) % 2 === 1,
    dhs: uniform(B * T * H, -1, 1, seed + 5),
  };
}

function gruResetAfterRun(rt: Runtime, B: number, T: number, H: number, seed: number): Outputs {
  const d = gruResetAfterData(B, T, H, seed);
  return rt.step(() => {
    const xw = rt.temp([B, T, 3 * H]).set(d.xw), u = rt.temp([H, 3 * H]).set(d.u), recurrentBias = rt.temp([3 * H]).set(d.rb);
    const h0 = rt.temp([B, H]).set(d.h0), mask = d.mask ? rt.temp([B, T]).set(d.mask) : null;
    const hs = rt.temp([B, T, H]).fill(NaN), gates = rt.temp([B, T, 3 * H]).fill(NaN), rh = rt.temp([B, T, H]).fill(NaN);
    const common = { u, h0, mask, hs, gates, rh, reverse: d.reverse, recurrentActivation: 'sigmoid' as const, resetAfter: true };
    gruSequence(rt, { ...common, xw, recurrentBias });
    const dhs = rt.temp([B, T, H]).set(d.dhs);
    const dz = rt.temp([B, T, 3 * H]).fill(NaN), dh0 = rt.temp([B, H]).fill(NaN), du = rt.temp([H, 3 * H]).fill(NaN), drb = rt.temp([3 * H]).fill(NaN);
    gruSequenceBackward(rt, { ...common, dhs, dhT: null, dz, dh0, du, drb });
    const out: Outputs = {};
    for (const [k, t] of Object.entries({ hs, gates, rh, dz, dh0, du, drb })) out[k] = t.f32().slice();
    return out;
  });
}

const pick = (o: Outputs, keys: string[]): Outputs => Object.fromEntries(keys.map((k) => [k, o[k]]));

describe('LSTM and GRU on the fma builds', () => {
  it.each(RNN_CASES)('LSTM B%i H%i T%i: forward vs the twin, backward vs simd, bitwise across fma runtimes', (B, H, T) => {
    const seed = B * 1000 + H * 10 + T;
    const got = acrossFma(`lstm B${B} H${H} T${T}`, (rt) => lstmRun(rt, B, T, H, seed));
    const s = 1.5 / Math.sqrt(H);
    ref.reset();
    const phs = ref.alloc(B * T * H), pcs = ref.alloc(B * T * H), pg = ref.alloc(B * T * 4 * H);
    ref.call('f32_lstm_seq_fwd', ref.put(uniform(B * T * 4 * H, -1.5, 1.5, seed)), ref.put(uniform(H * 4 * H, -s, s, seed + 1)),
      ref.put(uniform(B * H, -0.8, 0.8, seed + 2)), ref.put(uniform(B * H, -1, 1, seed + 3)), 0, phs, pcs, pg, 0, 0, B, T, H, 0, 0, 0);
    const twin = { hs: ref.f32(phs, B * T * H), cs: ref.f32(pcs, B * T * H), gates: ref.f32(pg, B * T * 4 * H) };
    expectAllClose(pick(got, ['hs', 'cs', 'gates']), twin, FWD_RTOL, FWD_ATOL, `lstm B${B} H${H} T${T} vs twin`);
    expectAllClose(pick(got, ['dz', 'dh0', 'dc0', 'du']), pick(lstmRun(plain, B, T, H, seed), ['dz', 'dh0', 'dc0', 'du']), BWD_RTOL, BWD_ATOL, `lstm B${B} H${H} T${T} vs simd`);
  });

  it.each(RNN_CASES)('GRU B%i H%i T%i: forward vs the twin, backward vs simd, bitwise across fma runtimes', (B, H, T) => {
    const seed = B * 1000 + H * 10 + T + 7;
    const got = acrossFma(`gru B${B} H${H} T${T}`, (rt) => gruRun(rt, B, T, H, seed));
    const s = 1.5 / Math.sqrt(H);
    ref.reset();
    const phs = ref.alloc(B * T * H), pg = ref.alloc(B * T * 3 * H), prh = ref.alloc(B * T * H);
    ref.call('f32_gru_seq_fwd', ref.put(uniform(B * T * 3 * H, -1.5, 1.5, seed)), ref.put(uniform(H * 3 * H, -s, s, seed + 1)),
      ref.put(uniform(B * H, -0.8, 0.8, seed + 2)), 0, phs, pg, prh, 0, 0, B, T, H, 0, 0, 0);
    const twin = { hs: ref.f32(phs, B * T * H), gates: ref.f32(pg, B * T * 3 * H), rh: ref.f32(prh, B * T * H) };
    expectAllClose(pick(got, ['hs', 'gates', 'rh']), twin, FWD_RTOL, FWD_ATOL, `gru B${B} H${H} T${T} vs twin`);
    expectAllClose(pick(got, ['dz', 'dh0', 'du']), pick(gruRun(plain, B, T, H, seed), ['dz', 'dh0', 'du']), BWD_RTOL, BWD_ATOL, `gru B${B} H${H} T${T} vs simd`);
  });

  it.each(RNN_CASES)('GRU resetAfter B%i H%i T%i: forward vs the twin, backward vs simd, bitwise across fma runtimes', (B, H, T) => {
    const seed = B * 1000 + H * 10 + T + 13;
    const what = `gru resetAfter B${B} H${H} T${T}`;
    const got = acrossFma(what, (rt) => gruResetAfterRun(rt, B, T, H, seed));
    const d = gruResetAfterData(B, T, H, seed);
    ref.reset();
    const phs = ref.alloc(B * T * H), pg = ref.alloc(B * T * 3 * H), pih = ref.alloc(B * T * H);
    ref.call('f32_gru_seq_reset_after_fwd', ref.put(d.xw), ref.put(d.u), ref.put(d.rb), ref.put(d.h0), d.mask ? ref.put(d.mask) : 0,
      phs, pg, pih, 0, 0, B, T, H, +d.reverse, 0, 0);
    const twin = { hs: ref.f32(phs, B * T * H), gates: ref.f32(pg, B * T * 3 * H), rh: ref.f32(pih, B * T * H) };
    expectAllClose(pick(got, ['hs', 'gates', 'rh']), twin, FWD_RTOL, FWD_ATOL, `${what} vs twin`);
    const bwd = ['dz', 'dh0', 'du', 'drb'];
    expectAllClose(pick(got, bwd), pick(gruResetAfterRun(plain, B, T, H, seed), bwd), BWD_RTOL, BWD_ATOL, `${what} vs simd`);
  });
});

// ---- conv1d --------------------------------------------------------------------------------------

describe('conv1d on the fma builds', () => {
  const cases: [number, number, number, number, number, Conv1dPadding][] = [
    [1, 1, 1, 1, 1, 'valid'], [2, 7, 3, 5, 3, 'same'], [3, 13, 8, 9, 5, 'causal'], [5, 9, 17, 16, 2, 'valid'], [4, 33, 32, 64, 3, 'same'],
  ];
  it.each(cases)('B%i T%i C%i F%i K%i %s: vs the twin, bitwise across fma runtimes', (B, T, C, F, K, padding) => {
    const { Tout, padLeft } = conv1dGeometry(T, K, 1, 1, padding);
    const x = uniform(B * T * C, -1, 1, 1), w = uniform(K * C * F, -0.5, 0.5, 2), bias = uniform(F, -0.5, 0.5, 3), dyv = uniform(B * Tout * F, -1, 1, 4);
    const got = acrossFma(`conv1d B${B} T${T} C${C} F${F} K${K}`, (rt) => rt.step(() => {
      const tx = rt.temp([B, T, C]).set(x), tw = rt.temp([K, C, F]).set(w);
      const y = rt.temp([B, Tout, F]).fill(NaN);
      conv1d(rt, tx, tw, rt.temp([F]).set(bias), y, { padding, activation: 'linear' });
      const dx = rt.temp([B, T, C]).fill(NaN), dw = rt.temp([K, C, F]).fill(NaN), dbias = rt.temp([F]).fill(NaN);
      conv1dBackward(rt, tx, tw, rt.temp([B, Tout, F]).set(dyv), { dx, dw, dbias }, { padding });
      return { y: y.f32().slice(), dx: dx.f32().slice(), dw: dw.f32().slice(), dbias: dbias.f32().slice() };
    }));
    ref.reset();
    const py = ref.alloc(B * Tout * F), pdx = ref.alloc(B * T * C), pdw = ref.alloc(K * C * F), pdb = ref.alloc(F);
    const px = ref.put(x), pw = ref.put(w);
    ref.call('f32_conv1d_fwd', px, pw, ref.put(bias), py, B, T, C, F, K, 1, 1, padLeft, Tout, 0, 0);
    ref.call('f32_conv1d_bwd', px, pw, ref.put(dyv), pdx, pdw, pdb, B, T, C, F, K, 1, 1, padLeft, Tout, 0);
    // sums of at most K C (y), K F (dx) or B Tout (dw) terms of size <= 1: a few ulp of their scale
    const twin = { y: ref.f32(py, B * Tout * F), dx: ref.f32(pdx, B * T * C), dw: ref.f32(pdw, K * C * F), dbias: ref.f32(pdb, F) };
    expectAllClose(got, twin, 1e-5, 1e-5, `conv1d B${B} T${T} C${C} F${F} K${K} ${padding} vs twin`);
  });
});

// ---- training ----------------------------------------------------------------------------------------

describe('training on the fma builds', () => {
  const N = 64, L = 10, V = 100;
  const x = ints(N * L, 0, V, 5);
  const y = Int32Array.from({ length: N }, (_, i) => (x[i * L] + x[i * L + 1]) % 3);
  async function trainWith(build: 'simd' | 'simd-fma' | 'simd-fma-mt', threads: number): Promise<Float32Array> {
    await shutdown();
    const rt = await init({ build, threads, parallelThreshold: 1 });
    expect(rt.env().build).toBe(build);
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: 16, maskZero: true }), new LSTM({ units: 16 }), new Dense({ units: 3, activation: 'softmax' })]);
    m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    await m.fit({ data: x, shape: [N, L] }, y, { epochs: 2, batchSize: 16, seed: 11 });
    const w = m.snapshotWeights();
    m.dispose();
    await shutdown();
    return w;
  }
  it('the same seed gives the same weights bit for bit at 1 and 2 threads (simd-fma@1, simd-fma-mt@1, simd-fma-mt@2), close to simd', async () => {
    const a = await trainWith('simd-fma', 1);
    const b = await trainWith('simd-fma-mt', 1);
    const c = await trainWith('simd-fma-mt', 2);
    expectBitwise(b, a, 'simd-fma-mt@1 vs simd-fma@1');
    expectBitwise(c, a, 'simd-fma-mt@2 vs simd-fma@1');
    expectClose(a, await trainWith('simd', 1), 1e-3, 1e-3, 'simd-fma@1 vs simd@1 after 8 Adam steps');
  });
  it('trainTextClassifier started while an fma init() is still starting trains on it (it asks init for nothing of its own)', async () => {
    await shutdown();
    const starting = init({ fma: true, threads: 1 });
    const d = sentimentData(60, 3);
    const r = await trainTextClassifier(d.texts, d.labels, { arch: 'cnn', epochs: 1, maxLen: 12, vocabSize: 100 });
    expect((await starting).env().build).toBe('simd-fma');
    r.classifier.model.dispose();
    await shutdown();
  });
});

// ---- the builds themselves ------------------------------------------------------------------------

/** How many times the f32x4.relaxed_madd opcode (0xfd, LEB128 0x105 = 0x85 0x02) occurs in a build's bytes. */
function relaxedMadds(build: string): number {
  const bytes = readFileSync(new URL(`../../build/wasmnn-${build}.wasm`, import.meta.url));
  let n = 0;
  for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0xfd && bytes[i + 1] === 0x85 && bytes[i + 2] === 0x02) n++;
  return n;
}

describe('the fma builds', () => {
  it('hold relaxed_madd (the default builds none) and compile only with relaxed SIMD on', () => {
    // the micro-kernels inline madd: dozens of sites (8 per 4x8 tile, 8 per 1x32 row, ...)
    expect(relaxedMadds('simd-fma')).toBeGreaterThanOrEqual(40);
    expect(relaxedMadds('simd-fma-mt')).toBeGreaterThanOrEqual(40);
    expect(relaxedMadds('simd')).toBe(0);
    expect(relaxedMadds('simd-mt')).toBe(0);
    // the runtimes above made relaxed SIMD available (node 20: by its V8 flag): the fma bytes validate
    expect(hasRelaxedSimd()).toBe(true);
    expect(WebAssembly.validate(readFileSync(new URL('../../build/wasmnn-simd-fma.wasm', import.meta.url)))).toBe(true);
  });

  it('env() names the build and says it was asked for', () => {
    const e = fma.get('simd-fma-mt@2')!.env();
    expect(e.build).toBe('simd-fma-mt');
    expect(e.threads).toBe(2);
    expect(e.reason).toMatch(/fused multiply-add/);
    expect(fma.get('simd-fma@1')!.env().build).toBe('simd-fma');
  });

  it('asking for an fma build where relaxed SIMD cannot run throws an error naming the fix', async () => {
    const validate = WebAssembly.validate;
    // an engine without relaxed SIMD: anything holding the relaxed_madd opcode is refused
    (WebAssembly as any).validate = (b: BufferSource) => {
      const u8 = ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b as ArrayBuffer);
      for (let i = 0; i + 2 < u8.length; i++) if (u8[i] === 0xfd && u8[i + 1] === 0x85 && u8[i + 2] === 0x02) return false;
      return validate(b);
    };
    try {
      await expect(Runtime.create({ build: 'simd-fma' })).rejects.toThrow(/'simd-fma' build needs WebAssembly relaxed SIMD.*newer engine.*default 'simd' build/);
      await expect(Runtime.create({ build: 'simd-fma-mt', threads: 2 })).rejects.toThrow(/'simd-fma-mt' build needs WebAssembly relaxed SIMD.*default 'simd-mt' build/);
    } finally {
      (WebAssembly as any).validate = validate;
    }
  });

  it('refuses threads on the single-thread fma build and unknown build names; auto never picks fma', async () => {
    await expect(Runtime.create({ build: 'simd-fma', threads: 2 })).rejects.toThrow(/'simd-fma' build runs one thread; ask for build 'simd-fma-mt'/);
    await expect(Runtime.create({ build: 'fma' as any })).rejects.toThrow(/build must be 'auto', 'simd', 'simd-mt', 'simd-fma' or 'simd-fma-mt', got fma/);
    for (const threads of [1, 2]) {
      const rt = await Runtime.create({ threads });
      expect(rt.env().build).toBe(threads === 1 ? 'simd' : 'simd-mt');
      await rt.close();
    }
  });

  it('fma: true takes the fma build of what auto would pick, and refuses a default build named beside it', async () => {
    for (const threads of [1, 2]) {
      const rt = await Runtime.create({ threads, fma: true });
      expect(rt.env()).toMatchObject({ build: threads === 1 ? 'simd-fma' : 'simd-fma-mt', threads });
      await rt.close();
    }
    await expect(Runtime.create({ build: 'simd-mt', fma: true })).rejects.toThrow(/fma: true asks for an fma build but build is 'simd-mt'.*'simd-fma-mt'/);
  });
});

// ---- the CLI and the classifier option -----------------------------------------------------------

describe('wasmnn train --fma and trainTextClassifier({ fma })', () => {
  it('--fma trains the same model bit for bit at 1 and 2 threads (simd-fma, simd-fma-mt)', () => {
    const dir = tempDir();
    const p = (f: string) => join(dir, f);
    writeFileSync(p('train.csv'), dataCsv(sentimentData(120, 1)));
    const base = ['train', p('train.csv'), '--arch', 'lstm', '--max-len', '16', '--vocab-size', '100', '--epochs', '2', '--fma', '--quiet'];
    for (const [threads, out] of [['1', 'a.wnn'], ['2', 'b.wnn']]) {
      const r = run([...base, '--threads', threads, '--out', p(out)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const a = decodeSafetensors(new Uint8Array(readFileSync(p('a.wnn')))).tensors;
    const b = decodeSafetensors(new Uint8Array(readFileSync(p('b.wnn')))).tensors;
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, t] of a) expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
  });

  it('fma: true starts the default runtime on an fma build, and refuses a running default build', async () => {
    const d = sentimentData(40, 2);
    await shutdown();
    const { classifier } = await trainTextClassifier(d.texts, d.labels, { arch: 'lstm', maxLen: 8, vocabSize: 50, epochs: 1, fma: true });
    const { runtime } = await import('../../src/runtime/default.js');
    expect(runtime().build).toMatch(/^simd-fma(-mt)?$/);
    classifier.model.dispose();
    await shutdown();
    await init({ build: 'simd', threads: 1 });
    await expect(trainTextClassifier(d.texts, d.labels, { arch: 'lstm', maxLen: 8, vocabSize: 50, epochs: 1, fma: true }))
      .rejects.toThrow(/fma: true needs the default runtime on an fma build but it runs 'simd'/);
    await shutdown();
  });
});
