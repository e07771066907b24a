// GRU({ resetAfter: true }) as a layer (Keras 2/3's default GRUCell, reset_after=True, bias
// (2, 3 x units) = [input bias; recurrent bias]): its forward against a plain float64 JS
// implementation of Keras' equations (float input, and Embedding(maskZero) whose predict folds only
// bias[0] into the table), finite-difference gradients (masked, goBackwards, returnSequences,
// Bidirectional), training reproducible bit for bit at 1 and 2 threads, the .wnn round trip and
// the inference-only reader bit for bit, tfjs/Keras import of a reset_after model.json, and clear
// errors for a bias of the wrong shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, runtime, shutdown, Sequential, Dense, Embedding, GRU, Bidirectional, SGD, Adam } from '../../src/index.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { decodeWnn, encodeWnn } from '../../src/io/wnn.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { importTfjsModel } from '../../src/io/tfjs.js';
import { decodeWnnForInference, InferenceModel } from '../../src/infer.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { expectBitwise, expectClose, ints, uniform, bits } from '../helpers/data.js';

beforeAll(async () => { await init({ threads: 2, parallelThreshold: 1 }); });
afterAll(async () => { await shutdown(); });


/** Keras 3 GRU(reset_after=True) in float64: x (B, T, C), W (C, 3H), U (H, 3H), bias (2, 3H) or null, mask (B, T) or null. */
function kerasGru(x: ArrayLike<number>, B: number, T: number, C: number, W: ArrayLike<number>, U: ArrayLike<number>, bias: ArrayLike<number> | null,
  H: number, o: { mask?: ArrayLike<number> | null; goBackwards?: boolean; returnSequences?: boolean; hard?: boolean } = {}): Float64Array {
  const G = 3 * H;
  const ra = o.hard ? (v: number) => Math.min(Math.max(0.5 + 0.2 * v, 0), 1) : (v: number) => 1 / (1 + Math.exp(-v));
  const out = new Float64Array(o.returnSequences ? B * T * H : B * H);
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(H);
    for (let s = 0; s < T; s++) {
      const t = o.goBackwards ? T - 1 - s : s;
      if (!o.mask || o.mask[b * T + t] !== 0) {
        const mx = new Float64Array(G), mi = new Float64Array(G);
        for (let col = 0; col < G; col++) {
          let v = bias ? bias[col] : 0;
          for (let c = 0; c < C; c++) v += x[(b * T + t) * C + c] * W[c * G + col];
          mx[col] = v;
          let w = bias ? bias[G + col] : 0;
          for (let k = 0; k < H; k++) w += h[k] * U[k * G + col];
          mi[col] = w;
        }
        const hn = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const z = ra(mx[j] + mi[j]), r = ra(mx[H + j] + mi[H + j]);
          const hh = Math.tanh(mx[2 * H + j] + r * mi[2 * H + j]);
          hn[j] = z * h[j] + (1 - z) * hh;
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

describe('GRU resetAfter: forward against float64 Keras equations', () => {
  it.each([
    [false, false, false], [true, false, false], [false, true, true], [true, true, false],
  ] as const)('float input (returnSequences %s, goBackwards %s, hardSigmoid %s), random bias in both rows', (seq, back, hard) => {
    const B = 5, T = 6, C = 4, H = 7;
    const m = new Sequential([new GRU({ units: H, resetAfter: true, returnSequences: seq, goBackwards: back, recurrentActivation: hard ? 'hardSigmoid' : 'sigmoid', name: 'g' })], { seed: 3 });
    m.build([T, C]);
    const bias = uniform(2 * 3 * H, -0.8, 0.8, 4);
    m.setWeights([{ name: 'g/bias', values: bias }]);
    expect(m.getWeights().find((w) => w.name === 'g/bias')!.shape).toEqual([2, 3 * H]);
    const x = uniform(B * T * C, -1.5, 1.5, 5);
    const w = weightsOf(m, 'g');
    const want = kerasGru(x, B, T, C, w.kernel, w.recurrent_kernel, w.bias, H, { goBackwards: back, returnSequences: seq, hard });
    const got = m.predict({ data: x, shape: [B, T, C] });
    expectClose(got.data, want, 1e-5, 1e-5, 'predict vs Keras f64');
    m.dispose();
  });

  it('Embedding(maskZero) -> GRU: predict folds only bias[0] into the table and matches Keras; training-mode forward agrees', () => {
    const B = 4, T = 7, V = 13, E = 5, H = 6;
    const ids = ints(B * T, 1, V, 8);
    ids.set([0, 0], 0); ids[2 * T - 1] = 0; ids[3 * T + 3] = 0;   // padding in front, at the end and inside
    for (const seq of [false, true]) {
      const m = new Sequential([new Embedding({ inputDim: V, outputDim: E, maskZero: true, name: 'e' }), new GRU({ units: H, resetAfter: true, returnSequences: seq, goBackwards: !seq, name: 'g' })], { seed: 9 });
      m.build([T]);
      m.setWeights([{ name: 'g/bias', values: uniform(6 * H, -1, 1, 10) }]);
      const table = weightsOf(m, 'e').embeddings, w = weightsOf(m, 'g');
      const x = new Float32Array(B * T * E);
      for (let i = 0; i < B * T; i++) x.set(table.subarray(ids[i] * E, (ids[i] + 1) * E), i * E);
      const mask = Array.from(ids, (v) => (v === 0 ? 0 : 1));
      const want = kerasGru(x, B, T, E, w.kernel, w.recurrent_kernel, w.bias, H, { mask, goBackwards: !seq, returnSequences: seq });
      const got = m.predict({ data: ids, shape: [B, T] });
      expectClose(got.data, want, 1e-5, 1e-5, `predict (folded) seq ${seq}`);
      // again after a weight change (the folded table follows the weights)
      const bias2 = uniform(6 * H, -1, 1, 11);
      m.setWeights([{ name: 'g/bias', values: bias2 }]);
      expectClose(m.predict({ data: ids, shape: [B, T] }).data, kerasGru(x, B, T, E, w.kernel, w.recurrent_kernel, bias2, H, { mask, goBackwards: !seq, returnSequences: seq }), 1e-5, 1e-5, 'after setWeights');
      m.dispose();
    }
  });
});

describe('GRU resetAfter: gradients match finite differences', () => {
  const B = 3, T = 5, V = 12;
  const ids = Int32Array.from([3, 5, 7, 2, 9, 0, 0, 4, 6, 8, 1, 11, 10, 3, 0]);
  it.each([[false, false], [true, false], [false, true], [true, true]] as const)('Embedding(maskZero) -> GRU (returnSequences %s, goBackwards %s) -> Dense', (seq, back) => {
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: 3, maskZero: true }), new GRU({ units: 4, resetAfter: true, returnSequences: seq, goBackwards: back, name: 'g' }),
      new Dense({ units: 2, activation: 'softmax' })], { seed: 2 });
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    m.build([T]);
    m.setWeights([{ name: 'g/bias', values: uniform(24, -0.5, 0.5, 3) }]);   // both bias rows non-zero
    const y = seq ? { data: Int32Array.from({ length: B * T }, (_, i) => i % 2), shape: [B, T] } : Int32Array.from([0, 1, 1]);
    gradCheck(m, { data: ids, shape: [B, T] }, y, { perWeight: 24 });
    m.dispose();
  });

  it.each([['concat', true], ['sum', false]] as const)('Bidirectional(GRU resetAfter), mergeMode %s (returnSequences %s)', (mode, seq) => {
    const ids2 = Int32Array.from([3, 5, 7, 2, 0, 0, 4, 6, 8, 1]);
    const m = new Sequential([
      new Embedding({ inputDim: 10, outputDim: 3, maskZero: true }),
      new Bidirectional({ layer: new GRU({ units: 3, resetAfter: true, returnSequences: seq }), mergeMode: mode, name: 'bi' }),
      new Dense({ units: 2, activation: 'softmax' }),
    ], { seed: 4 });
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    m.build([5]);
    for (const w of m.getWeights()) if (w.name.endsWith('/bias') && w.name.startsWith('bi/')) m.setWeights([{ name: w.name, values: uniform(w.values.length, -0.5, 0.5, w.values.length) }]);
    expect(m.getWeights().filter((w) => w.name.startsWith('bi/') && w.name.endsWith('/bias')).map((w) => w.shape)).toEqual([[2, 9], [2, 9]]);
    const y = seq ? { data: Int32Array.from({ length: 10 }, (_, i) => (i * 3) % 2), shape: [2, 5] } : Int32Array.from([0, 1]);
    gradCheck(m, { data: ids2, shape: [2, 5] }, y, { perWeight: 16 });
    m.dispose();
  });
});

describe('GRU resetAfter: reproducible, saved, read by wasmnn/infer', () => {
  const N = 48, L = 10, V = 60;
  const x = ints(N * L, 0, V, 5);
  const y = Int32Array.from({ length: N }, (_, i) => (x[i * L] + x[i * L + 1]) % 3);
  const layers = () => [
    new Embedding({ inputDim: V, outputDim: 8, maskZero: true }),
    new GRU({ units: 12, resetAfter: true, returnSequences: true, goBackwards: true }),
    new Bidirectional({ layer: new GRU({ units: 5, resetAfter: true, recurrentActivation: 'hardSigmoid' }) }),
    new Dense({ units: 3, activation: 'softmax' }),
  ];

  it('training gives the same weights bit for bit at 1 and 2 threads (and in both builds)', async () => {
    const train = async (build: 'simd' | 'simd-mt', threads: number) => {
      await shutdown();
      await init({ build, threads, parallelThreshold: 1 });
      const m = new Sequential(layers(), { seed: 7 });
      m.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
      const before = m.snapshotWeights.bind(m);
      await m.fit({ data: x, shape: [N, L] }, y, { epochs: 2, batchSize: 8, seed: 3 });
      const w = before();
      m.dispose();
      return w;
    };
    const a = await train('simd', 1), b = await train('simd-mt', 2), c = await train('simd-mt', 1);
    expectBitwise(b, a, 'simd-mt@2 vs simd@1');
    expectBitwise(c, a, 'simd-mt@1 vs simd@1');
    await shutdown();
    await init({ threads: 2, parallelThreshold: 1 });
  });

  it('save/load bit for bit; the config keeps resetAfter; the inference reader gives the same bits (full and inference-only kernels)', async () => {
    const m = new Sequential(layers(), { seed: 7 });
    m.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
    await m.fit({ data: x, shape: [N, L] }, y, { epochs: 1, batchSize: 8, seed: 3 });
    const want = m.predict({ data: x, shape: [N, L] }, { batchSize: 7 });
    const bytes = encodeWnn({ model: m });
    const { model: back } = decodeWnn(bytes);
    expect(back.layers[1].getConfig().resetAfter).toBe(true);
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
    // resetAfter false writes no resetAfter key: those files keep their bytes
    const plain = new Sequential([new Embedding({ inputDim: V, outputDim: 4 }), new GRU({ units: 3 })]);
    plain.build([L]);
    expect('resetAfter' in plain.layers[1].getConfig()).toBe(false);
    plain.dispose(); back.dispose(); m.dispose();
  });
});

describe('GRU resetAfter: tfjs / Keras import', () => {
  const T = 6, V = 9, E = 4, H = 5;
  const topology = (resetAfter: unknown) => ({
    class_name: 'Sequential',
    config: {
      name: 'keras_gru',
      layers: [
        { class_name: 'Embedding', config: { name: 'emb', input_dim: V, output_dim: E, mask_zero: true, batch_input_shape: [null, T] } },
        { class_name: 'GRU', config: { name: 'gru', units: H, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, return_sequences: false, go_backwards: false, reset_after: resetAfter, implementation: 2 } },
        { class_name: 'Dense', config: { name: 'out', units: 2, activation: 'softmax', use_bias: true } },
      ],
    },
  });
  const specs = (biasShape: number[]) => [
    { name: 'emb/embeddings', shape: [V, E], dtype: 'float32' },
    { name: 'gru/kernel', shape: [E, 3 * H], dtype: 'float32' },
    { name: 'gru/recurrent_kernel', shape: [H, 3 * H], dtype: 'float32' },
    { name: 'gru/bias', shape: biasShape, dtype: 'float32' },
    { name: 'out/kernel', shape: [H, 2], dtype: 'float32' },
    { name: 'out/bias', shape: [2], dtype: 'float32' },
  ];
  const emb = uniform(V * E, -1, 1, 1), k = uniform(E * 3 * H, -0.8, 0.8, 2), rk = uniform(H * 3 * H, -0.6, 0.6, 3);
  const bias = uniform(2 * 3 * H, -0.7, 0.7, 4), dk = uniform(H * 2, -1, 1, 5), db = uniform(2, -0.2, 0.2, 6);
  const concat = (...a: Float32Array[]) => { const o = new Float32Array(a.reduce((s, v) => s + v.length, 0)); let at = 0; for (const v of a) { o.set(v, at); at += v.length; } return o; };

  it('a model.json whose GRU has reset_after true and a (2, 3H) bias loads and predicts as Keras', async () => {
    const json = { modelTopology: topology(true), weightsManifest: [{ paths: ['w.bin'], weights: specs([2, 3 * H]) }] };
    const m = await importTfjsModel(json, { 'w.bin': concat(emb, k, rk, bias, dk, db) });
    expect(m.layers[1].getConfig().resetAfter).toBe(true);
    const B = 3;
    const ids = Int32Array.from([1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 1, 2, 3, 8, 8, 0, 0, 0]);
    const got = m.predict({ data: ids, shape: [B, T] });
    // the reference: Keras' GRU over the masked embeddings, then the softmax head, in float64
    const x = new Float32Array(B * T * E);
    for (let i = 0; i < B * T; i++) x.set(emb.subarray(ids[i] * E, (ids[i] + 1) * E), i * E);
    const h = kerasGru(x, B, T, E, k, rk, bias, H, { mask: Array.from(ids, (v) => +(v !== 0)) });
    const want = new Float64Array(B * 2);
    for (let b = 0; b < B; b++) {
      const z = [0, 1].map((o) => db[o] + Array.from({ length: H }, (_, j) => h[b * H + j] * dk[j * 2 + o]).reduce((s, v) => s + v, 0));
      const mx = Math.max(...z), e = z.map((v) => Math.exp(v - mx)), s = e[0] + e[1];
      want[b * 2] = e[0] / s; want[b * 2 + 1] = e[1] / s;
    }
    expectClose(got.data, want, 1e-5, 1e-5, 'import predict vs Keras f64');
    m.dispose();
  });

  it("takes the keys Keras writes into a recurrent layer's config (tf.keras: time_major, unroll; Keras 3: seed, use_cudnn) and refuses time_major true", async () => {
    const withKeys = (keys: Record<string, unknown>) => {
      const t = topology(true);
      Object.assign(t.config.layers[1].config, keys);
      return importTfjsModel({ modelTopology: t, weightsManifest: [{ paths: ['w.bin'], weights: specs([2, 3 * H]) }] }, { 'w.bin': concat(emb, k, rk, bias, dk, db) });
    };
    const plain = await withKeys({});
    const ids = { data: Int32Array.from([1, 2, 3, 4, 5, 6]), shape: [1, T] };
    const want = plain.predict(ids).data;
    for (const keys of [{ time_major: false, unroll: false, stateful: false, return_state: false }, { seed: null, use_cudnn: 'auto', dropout: 0.1, recurrent_dropout: 0 }]) {
      const m = await withKeys(keys);
      expect(Array.from(m.predict(ids).data)).toEqual(Array.from(want));
      m.dispose();
    }
    plain.dispose();
    await expect(withKeys({ time_major: true })).rejects.toThrow(/time_major recurrent layers are not supported.*time_major False/);
    await expect(withKeys({ use_cudnn_fast: true })).rejects.toThrow(/option 'use_cudnn_fast' is not supported/);
  });

  it('refuses a reset_after GRU whose bias is (3H), a reset_after false one with a (2, 3H) bias, and a non-boolean reset_after', async () => {
    const withBias = (ra: unknown, shape: number[], b: Float32Array) => importTfjsModel({ modelTopology: topology(ra), weightsManifest: [{ paths: ['w.bin'], weights: specs(shape) }] }, { 'w.bin': concat(emb, k, rk, b, dk, db) });
    await expect(withBias(true, [3 * H], bias.subarray(0, 3 * H))).rejects.toThrow(/weight 'gru\/bias' has shape \[15\] but wasmnn's gru\/bias is \[2, 15\]/);
    await expect(withBias(false, [2, 3 * H], bias)).rejects.toThrow(/weight 'gru\/bias' has shape \[2, 15\] but wasmnn's gru\/bias is \[15\]/);
    await expect(withBias('yes', [2, 3 * H], bias)).rejects.toThrow(/reset_after must be true or false, got "yes"/);
  });
});

describe('GRU resetAfter: a bias of the wrong shape gets a clear error', () => {
  it('setWeights, and a .wnn file whose bias does not match the config', () => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 3 }), new GRU({ units: 4, resetAfter: true, name: 'g' })]);
    m.build([5]);
    expect(() => m.setWeights([{ name: 'g/bias', values: new Float32Array(12) }])).toThrow(/g\/bias/);
    // a file written with resetAfter false, its config edited to say true: the (12) bias no longer fits
    const plain = new Sequential([new Embedding({ inputDim: 10, outputDim: 3, name: 'e' }), new GRU({ units: 4, name: 'g' })]);
    plain.build([5]);
    const { metadata, tensors } = decodeSafetensors(encodeWnn({ model: plain }));
    const model = JSON.parse(metadata.model);
    model.config.layers[1].config.resetAfter = true;
    const enc = encodeSafetensors([...tensors].map(([name, t]) => ({ name, ...t })), { ...metadata, model: JSON.stringify(model) });
    expect(() => decodeWnn(enc)).toThrow(/g\/bias.*\[2, 12\]|\[2, 12\].*g\/bias/);
    const file = decodeWnnForInference(enc);
    expect(() => InferenceModel.create(runtime(), file.model, file.weights)).toThrow(/weight 'g\/bias' has shape \[12\] but the model's config needs \[2, 12\]/);
    plain.dispose(); m.dispose();
  });
});
