// SimpleRNN as a layer (Keras / tfjs-layers 4.22 SimpleRNN, h_t = act(x_t W + b + h_{t-1} U)): its
// forward against a plain float64 JS implementation of Keras' equations (float input, and
// Embedding(maskZero), whose predict reads the folded projection table), finite-difference
// gradients (masked, goBackwards, returnSequences, relu, linear, no bias, Bidirectional), training
// reproducible bit for bit at 1 and 2 threads, summary(), the .wnn round trip and the
// inference-only reader bit for bit, and bad options.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, runtime, shutdown, Sequential, Dense, Embedding, SimpleRNN, Bidirectional, SGD, Adam } from '../../src/index.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { decodeWnn, encodeWnn } from '../../src/io/wnn.js';
import { decodeWnnForInference, InferenceModel } from '../../src/infer.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { expectBitwise, expectClose, ints, uniform, bits } from '../helpers/data.js';

beforeAll(async () => { await init({ threads: 2, parallelThreshold: 1 }); });
afterAll(async () => { await shutdown(); });

type Act = 'tanh' | 'relu' | 'linear';

/** Keras' SimpleRNN in float64: x (B, T, C), W (C, H), U (H, H), bias (H) or null, mask (B, T) or null. */
function kerasSimpleRnn(x: ArrayLike<number>, B: number, T: number, C: number, W: ArrayLike<number>, U: ArrayLike<number>, bias: ArrayLike<number> | null,
  H: number, o: { act?: Act; mask?: ArrayLike<number> | null; goBackwards?: boolean; returnSequences?: boolean } = {}): Float64Array {
  const f = o.act === 'relu' ? (v: number) => Math.max(v, 0) : o.act === 'linear' ? (v: number) => v : Math.tanh;
  const out = new Float64Array(o.returnSequences ? B * T * H : B * H);
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(H);
    for (let s = 0; s < T; s++) {
      const t = o.goBackwards ? T - 1 - s : s;
      if (!o.mask || o.mask[b * T + t] !== 0) {
        const hn = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          let v = bias ? bias[j] : 0;
          for (let c = 0; c < C; c++) v += x[(b * T + t) * C + c] * W[c * H + j];
          for (let k = 0; k < H; k++) v += h[k] * U[k * H + j];
          hn[j] = f(v);
        }
        h = hn;
      }
      if (o.returnSequences) out.set(h, (b * T + s) * H);   // processing order, as Keras with goBackwards
    }
    if (!o.returnSequences) out.set(h, b * H);
  }
  return out;
}

const weightsOf = (m: Sequential, layer: string) => Object.fromEntries(m.getWeights().filter((w) => w.name.startsWith(`${layer}/`)).map((w) => [w.name.slice(layer.length + 1), w.values]));

describe('SimpleRNN: forward against float64 Keras equations', () => {
  it.each([
    ['tanh', false, false, true], ['tanh', true, true, true], ['relu', true, false, true], ['linear', false, true, true], ['relu', false, true, false],
  ] as const)('float input (activation %s, returnSequences %s, goBackwards %s, useBias %s), random bias', (act, seq, back, useBias) => {
    const B = 5, T = 6, C = 4, H = 9;
    const m = new Sequential([new SimpleRNN({ units: H, activation: act, returnSequences: seq, goBackwards: back, useBias, name: 's' })], { seed: 3 });
    m.build([T, C]);
    if (useBias) m.setWeights([{ name: 's/bias', values: uniform(H, -0.8, 0.8, 4) }]);
    const w = weightsOf(m, 's');
    expect(w.kernel.length).toBe(C * H);
    expect(w.recurrent_kernel.length).toBe(H * H);
    expect('bias' in w).toBe(useBias);
    // the recurrent kernel is orthogonal (Keras' default): U Uᵀ = I
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) {
      let d = 0;
      for (let k = 0; k < H; k++) d += w.recurrent_kernel[i * H + k] * w.recurrent_kernel[j * H + k];
      expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(1e-5);
    }
    const x = uniform(B * T * C, -1.5, 1.5, 5);
    const want = kerasSimpleRnn(x, B, T, C, w.kernel, w.recurrent_kernel, useBias ? w.bias : null, H, { act, goBackwards: back, returnSequences: seq });
    const got = m.predict({ data: x, shape: [B, T, C] });
    expect(got.shape).toEqual(seq ? [B, T, H] : [B, H]);
    expectClose(got.data, want, 1e-5, 1e-5, 'predict vs Keras f64');
    m.dispose();
  });

  it('Embedding(maskZero) -> SimpleRNN: predict reads the folded table and matches Keras; again after a weight change', () => {
    const B = 4, T = 7, V = 13, E = 5, H = 6;
    const ids = ints(B * T, 1, V, 8);
    ids.set([0, 0], 0); ids[2 * T - 1] = 0; ids[3 * T + 3] = 0;   // padding in front, at the end and inside
    for (const [seq, act] of [[false, 'tanh'], [true, 'relu']] as const) {
      const m = new Sequential([new Embedding({ inputDim: V, outputDim: E, maskZero: true, name: 'e' }), new SimpleRNN({ units: H, activation: act, returnSequences: seq, goBackwards: !seq, name: 's' })], { seed: 9 });
      m.build([T]);
      m.setWeights([{ name: 's/bias', values: uniform(H, -1, 1, 10) }]);
      const table = weightsOf(m, 'e').embeddings, w = weightsOf(m, 's');
      const x = new Float32Array(B * T * E);
      for (let i = 0; i < B * T; i++) x.set(table.subarray(ids[i] * E, (ids[i] + 1) * E), i * E);
      const mask = Array.from(ids, (v) => (v === 0 ? 0 : 1));
      const o = { act, mask, goBackwards: !seq, returnSequences: seq };
      expectClose(m.predict({ data: ids, shape: [B, T] }).data, kerasSimpleRnn(x, B, T, E, w.kernel, w.recurrent_kernel, w.bias, H, o), 1e-5, 1e-5, `predict (folded) seq ${seq}`);
      const bias2 = uniform(H, -1, 1, 11);
      m.setWeights([{ name: 's/bias', values: bias2 }]);
      expectClose(m.predict({ data: ids, shape: [B, T] }).data, kerasSimpleRnn(x, B, T, E, w.kernel, w.recurrent_kernel, bias2, H, o), 1e-5, 1e-5, 'after setWeights');
      m.dispose();
    }
  });
});

describe('SimpleRNN: gradients match finite differences', () => {
  const B = 3, T = 5, V = 12;
  const ids = Int32Array.from([3, 5, 7, 2, 9, 0, 0, 4, 6, 8, 1, 11, 10, 3, 0]);
  it.each([
    [false, false, 'tanh', true], [true, false, 'tanh', true], [false, true, 'tanh', true], [true, true, 'relu', true], [false, false, 'linear', false],
  ] as const)('Embedding(maskZero) -> SimpleRNN (returnSequences %s, goBackwards %s, %s, useBias %s) -> Dense', (seq, back, act, useBias) => {
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: 3, maskZero: true }),
      new SimpleRNN({ units: 4, activation: act, useBias, returnSequences: seq, goBackwards: back, name: 's' }),
      new Dense({ units: 2, activation: 'softmax' })], { seed: 2 });
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    m.build([T]);
    if (useBias) m.setWeights([{ name: 's/bias', values: uniform(4, -0.5, 0.5, 3) }]);
    const y = seq ? { data: Int32Array.from({ length: B * T }, (_, i) => i % 2), shape: [B, T] } : Int32Array.from([0, 1, 1]);
    gradCheck(m, { data: ids, shape: [B, T] }, y, { perWeight: 24 });
    m.dispose();
  });

  it.each([['concat', true], ['sum', false]] as const)('Bidirectional(SimpleRNN), mergeMode %s (returnSequences %s)', (mode, seq) => {
    const ids2 = Int32Array.from([3, 5, 7, 2, 0, 0, 4, 6, 8, 1]);
    const m = new Sequential([
      new Embedding({ inputDim: 10, outputDim: 3, maskZero: true }),
      new Bidirectional({ layer: new SimpleRNN({ units: 3, returnSequences: seq }), mergeMode: mode, name: 'bi' }),
      new Dense({ units: 2, activation: 'softmax' }),
    ], { seed: 4 });
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    m.build([5]);
    expect(m.getWeights().map((w) => w.name)).toContain('bi/forward_simple_rnn/recurrent_kernel');
    for (const w of m.getWeights()) if (w.name.endsWith('/bias') && w.name.startsWith('bi/')) m.setWeights([{ name: w.name, values: uniform(w.values.length, -0.5, 0.5, w.values.length) }]);
    const y = seq ? { data: Int32Array.from({ length: 10 }, (_, i) => (i * 3) % 2), shape: [2, 5] } : Int32Array.from([0, 1]);
    gradCheck(m, { data: ids2, shape: [2, 5] }, y, { perWeight: 16 });
    m.dispose();
  });
});

describe('SimpleRNN: summary, reproducible, saved, read by wasmnn/infer', () => {
  const N = 48, L = 10, V = 60;
  const x = ints(N * L, 0, V, 5);
  const y = Int32Array.from({ length: N }, (_, i) => (x[i * L] + x[i * L + 1]) % 3);
  const layers = () => [
    new Embedding({ inputDim: V, outputDim: 8, maskZero: true }),
    new SimpleRNN({ units: 12, returnSequences: true, goBackwards: true }),
    new Bidirectional({ layer: new SimpleRNN({ units: 5, activation: 'relu' }) }),
    new Dense({ units: 3, activation: 'softmax' }),
  ];

  it('summary: Keras\' names, shapes and parameter counts (units x (in + units + 1))', () => {
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: 8, inputShape: [L] }), new SimpleRNN({ units: 12, returnSequences: true }),
      new Bidirectional({ layer: new SimpleRNN({ units: 5, activation: null, useBias: false }) })]);
    const text = m.summary(false);
    expect(text).toMatch(/simple_rnn \(SimpleRNN\)\s+\(None, 10, 12\)\s+252\s/);
    expect(text).toMatch(/bidirectional \(Bidirectional\)\s+\(None, 10\)\s+170\s/);
    expect((m.layers[2] as Bidirectional).forwardLayer.getConfig().activation).toBe('linear');
  });

  it('training gives the same weights bit for bit at 1 and 2 threads (and in both builds)', async () => {
    const train = async (build: 'simd' | 'simd-mt', threads: number) => {
      await shutdown();
      await init({ build, threads, parallelThreshold: 1 });
      const m = new Sequential(layers(), { seed: 7 });
      m.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
      const h = await m.fit({ data: x, shape: [N, L] }, y, { epochs: 2, batchSize: 8, seed: 3 });
      const w = m.snapshotWeights();
      m.dispose();
      return { w, loss: h.history.loss };
    };
    const a = await train('simd', 1), b = await train('simd-mt', 2), c = await train('simd-mt', 1);
    expectBitwise(b.w, a.w, 'simd-mt@2 vs simd@1');
    expectBitwise(c.w, a.w, 'simd-mt@1 vs simd@1');
    expect(a.loss[1]).toBeLessThan(a.loss[0]);   // it learns
    await shutdown();
    await init({ threads: 2, parallelThreshold: 1 });
  });

  it('save/load bit for bit; the config keeps the activation; the inference reader gives the same bits (full and inference-only kernels)', async () => {
    const m = new Sequential(layers(), { seed: 7 });
    m.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
    await m.fit({ data: x, shape: [N, L] }, y, { epochs: 1, batchSize: 8, seed: 3 });
    const want = m.predict({ data: x, shape: [N, L] }, { batchSize: 7 });
    const bytes = encodeWnn({ model: m });
    const { model: back } = decodeWnn(bytes);
    expect(back.layers[1].className).toBe('SimpleRNN');
    expect((back.layers[2] as Bidirectional).forwardLayer.getConfig().activation).toBe('relu');
    expect(bits(back.snapshotWeights())).toEqual(bits(m.snapshotWeights()));
    expect(bits(back.predict({ data: x, shape: [N, L] }, { batchSize: 7 }).data)).toEqual(bits(want.data));
    const inferRt = await Runtime.create({ build: 'simd', wasm: { simd: new URL('../../build/wasmnn-infer.wasm', import.meta.url) } });
    try {
      for (const rt of [runtime(), inferRt]) {
        const file = decodeWnnForInference(bytes);
        const lite = InferenceModel.create(rt, file.model, file.weights);
        expect(bits(lite.predict({ data: x, shape: [N, L] }, { batchSize: 7 }).data)).toEqual(bits(want.data));
        lite.dispose();
      }
    } finally {
      await inferRt.close();
    }
    back.dispose(); m.dispose();
  });
});

describe('SimpleRNN: bad options', () => {
  it('refuses units 0, activations the kernel lacks, unknown and gate-only keys, recurrent dropout, non-boolean flags', () => {
    expect(() => new SimpleRNN({ units: 0 })).toThrow(/SimpleRNN: units must be a whole number >= 1, got 0/);
    expect(() => new SimpleRNN({ units: 2.5 })).toThrow(/units must be a whole number >= 1/);
    expect(() => new SimpleRNN({} as never)).toThrow(/SimpleRNN: units must be a whole number >= 1/);
    expect(() => new SimpleRNN(undefined as never)).toThrow(/SimpleRNN: units must be a whole number >= 1, got undefined/);
    expect(() => new SimpleRNN({ units: 3, activation: 'sigmoid' as never })).toThrow(/SimpleRNN: activation "sigmoid" \(a string\) is not supported; the fused kernel computes 'tanh', 'relu', 'linear'/);
    expect(() => new SimpleRNN({ units: 3, return_sequences: true } as never)).toThrow(/returnSequences/);
    expect(() => new SimpleRNN({ units: 3, recurrentActivation: 'sigmoid' } as never)).toThrow(/SimpleRNN.*recurrentActivation/);
    expect(() => new SimpleRNN({ units: 3, resetAfter: true } as never)).toThrow(/SimpleRNN.*resetAfter/);
    expect(new SimpleRNN({ units: 3, dropout: 0.2 }).dropout).toBe(0.2);   // the inputs' mask (test/layers/recurrent_dropout.test.ts)
    expect(() => new SimpleRNN({ units: 3, dropout: 1 })).toThrow(/SimpleRNN: dropout must be a number in \[0, 1\), got 1/);
    expect(() => new SimpleRNN({ units: 3, recurrentDropout: 0.1 })).toThrow(/SimpleRNN: recurrentDropout is not supported \(got 0\.1\)/);
    expect(() => new SimpleRNN({ units: 3, goBackwards: 'yes' as never })).toThrow(/goBackwards/);
    expect(() => new SimpleRNN({ units: 3, dropout: 0, activation: null, useBias: false })).not.toThrow();
    expect(() => new Bidirectional({ layer: new Dense({ units: 2 }) as never })).toThrow(/Bidirectional wraps an LSTM, GRU or SimpleRNN layer/);
    const m = new Sequential([new SimpleRNN({ units: 3 })]);
    expect(() => m.build([5])).toThrow(/SimpleRNN simple_rnn: takes sequences \(batch, steps, features\)/);
  });
});
