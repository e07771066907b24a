// Flatten: (B, d1, d2, ...) -> (B, d1 * d2 * ...) as a view of the same memory. Forward values
// against a plain reference, finite-difference gradients through Embedding -> Flatten -> Dense,
// parity with tfjs-layers 4.22, save -> load in the full library and in wasmnn/infer (bit for bit),
// the mask (dropped, as Keras), and the errors: an unknown dimension, dataFormat, bad names.
// Edge sizes: 1-D samples, scalar samples, T = 1, odd primes T = 7 and 13.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  init, shutdown, runtime, Sequential, Dense, Embedding, Flatten, LSTM, Conv1D, Dropout, LayerNormalization, SGD,
} from '../../src/index.js';
import { Graph } from '../../src/autograd.js';
import { encodeWnn, decodeWnn } from '../../src/io/wnn.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { InferenceModel, WnnFormatError, decodeWnnForInference } from '../../src/infer.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { copyWeightsTo, loadTfjs, maxRelErr, normRelErr, type Tf } from '../helpers/tfjs.js';
import { ints, uniform, bits } from '../helpers/data.js';

let T: Tf;
beforeAll(async () => { T = await loadTfjs(); await init({ threads: 2, parallelThreshold: 1 }); });
afterAll(async () => { await shutdown(); });

const bad = (o: unknown) => o as never;
const weight = (m: Sequential, suffix: string) => m.getWeights().find((w) => w.name.endsWith(suffix))!.values;

/** Embedding -> Flatten -> Dense(units, linear) in float64: y[b, u] = sum_{t,c} table[ids[b, t], c] W[t C + c, u] + bias[u]. */
function reference(ids: Int32Array, B: number, L: number, table: Float32Array, C: number, W: Float32Array, bias: Float32Array, units: number): Float64Array {
  const y = new Float64Array(B * units);
  for (let b = 0; b < B; b++) {
    for (let u = 0; u < units; u++) {
      let s = bias[u];
      for (let t = 0; t < L; t++) for (let c = 0; c < C; c++) s += table[ids[b * L + t] * C + c] * W[(t * C + c) * units + u];
      y[b * units + u] = s;
    }
  }
  return y;
}

describe('Flatten: shapes and forward values', () => {
  it('computes Keras\' output shapes; a 1-D sample stays as it is, a scalar sample becomes (1)', () => {
    const f = new Flatten();
    expect(f.computeOutputShape([3, 4, 2])).toEqual([24]);
    expect(f.computeOutputShape([7])).toEqual([7]);
    expect(f.computeOutputShape([1, 5])).toEqual([5]);
    expect(f.computeOutputShape([])).toEqual([1]);
  });

  it('summary shows the flattened shape and 0 parameters', () => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 4, inputShape: [5] }), new Flatten(), new Dense({ units: 1, activation: 'sigmoid' })]);
    m.build([5]);
    const text = m.summary(false);
    expect(text).toMatch(/flatten \(Flatten\)\s+\(None, 20\)\s+0\s/);
    expect(text).toMatch(/dense \(Dense\)\s+\(None, 1\)\s+21\s/);
    expect(text).toMatch(/Total params: 61/);
    expect(m.layers[1].countParams()).toBe(0);
    expect(m.inputShape).toEqual([5]);
    m.dispose();
  });

  it.each([[1], [7], [13]])('Embedding -> Flatten -> Dense equals a plain reference (T = %i)', (L) => {
    const B = 5, C = 3, V = 11, units = 4;
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: C, inputShape: [L] }), new Flatten(), new Dense({ units })], { seed: L });
    const ids = ints(B * L, 0, V, 3 + L);
    const got = m.predict({ data: ids, shape: [B, L] });
    expect(got.shape).toEqual([B, units]);
    const want = reference(ids, B, L, weight(m, 'embeddings'), C, weight(m, 'kernel'), weight(m, 'bias'), units);
    for (let i = 0; i < want.length; i++) expect(got.data[i]).toBeCloseTo(want[i], 5);
    m.dispose();
  });

  it('on its own it returns the samples in row-major order, unchanged (float samples of rank 2 and 3)', () => {
    for (const shape of [[3, 4], [2, 3, 5], [1, 7]]) {
      const m = new Sequential([new Flatten({ inputShape: shape })]);
      const n = shape.reduce((a, b) => a * b, 1);
      const x = uniform(2 * n, -1, 1, n);
      const got = m.predict({ data: x, shape: [2, ...shape] });
      expect(got.shape).toEqual([2, n]);
      expect(bits(got.data)).toEqual(bits(x));
      m.dispose();
    }
  });

  it('1-D samples pass through: Flatten -> Dense equals the same Dense alone', () => {
    const x = uniform(4 * 6, -1, 1, 9);
    const a = new Sequential([new Flatten({ inputShape: [6] }), new Dense({ units: 3, name: 'd' })], { seed: 2 });
    const b = new Sequential([new Dense({ units: 3, name: 'd', inputShape: [6] })], { seed: 2 });
    a.build([6]); b.build([6]);
    b.setWeights(a.getWeights());
    expect(bits(a.predict({ data: x, shape: [4, 6] }).data)).toEqual(bits(b.predict({ data: x, shape: [4, 6] }).data));
    a.dispose(); b.dispose();
  });

  it('scalar samples (a flat input) become samples of one value, as in Keras', () => {
    const m = new Sequential([new Flatten(), new Dense({ units: 2 })]);
    const got = m.predict(new Float64Array([1, 2, 3]) as never);
    expect(got.shape).toEqual([3, 2]);
    const k = weight(m, 'kernel'), bias = weight(m, 'bias');
    for (let i = 0; i < 3; i++) for (let u = 0; u < 2; u++) expect(got.data[i * 2 + u]).toBeCloseTo((i + 1) * k[u] + bias[u], 6);
    m.dispose();
  });

  it('per-step layers before it: Embedding -> LSTM (sequences) / Conv1D / Dense -> Flatten -> Dense', () => {
    const L = 7, B = 3;
    const ids = ints(B * L, 0, 20, 4);
    for (const mid of [() => new LSTM({ units: 3, returnSequences: true }), () => new Conv1D({ filters: 2, kernelSize: 3 }), () => new Dense({ units: 2, activation: 'tanh' })]) {
      const m = new Sequential([new Embedding({ inputDim: 20, outputDim: 4, inputShape: [L] }), mid(), new Flatten(), new Dense({ units: 2, activation: 'softmax' })]);
      const p = m.predict({ data: ids, shape: [B, L] });
      expect(p.shape).toEqual([B, 2]);
      for (let i = 0; i < B; i++) expect(p.data[2 * i] + p.data[2 * i + 1]).toBeCloseTo(1, 5);
      m.dispose();
    }
  });

  it('drops the incoming mask (Keras: the output has no time axis); padded ids count like any other', () => {
    const rt = runtime();
    const f = new Flatten({ name: 'f' });
    f.build([3, 2]);
    rt.step(() => {
      const g = new Graph(rt, false);
      const x = g.constant(rt.temp([2, 3, 2]).set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
      const mask = rt.temp([2, 3]).set([1, 1, 0, 1, 0, 0]);
      const out = f.call(g, x, mask, { rt, training: false, seed: 0, step: 0 });
      expect(out.mask).toBeNull();
      expect(out.y.shape).toEqual([2, 6]);
      expect(out.y.value.ptr).toBe(x.value.ptr);   // a view, no copy
      expect(Array.from(out.y.value.f32())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    });
    const L = 5, B = 4, C = 2, V = 9;
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: C, maskZero: true, inputShape: [L] }), new Flatten(), new Dense({ units: 1 })], { seed: 3 });
    const ids = Int32Array.from([1, 2, 0, 0, 0, 3, 4, 5, 6, 7, 0, 0, 0, 0, 8, 2, 2, 2, 2, 2]);
    const got = m.predict({ data: ids, shape: [B, L] });
    const want = reference(ids, B, L, weight(m, 'embeddings'), C, weight(m, 'kernel'), weight(m, 'bias'), 1);
    for (let i = 0; i < B; i++) expect(got.data[i]).toBeCloseTo(want[i], 5);
    m.dispose();
  });

  it('trains: fit lowers the loss of the classic IMDB-shaped model', async () => {
    const L = 8, N = 32;
    const ids = ints(N * L, 1, 30, 6);
    // label: whether id 1..14 outnumber 15..29 in the row
    const y = new Float32Array(N);
    for (let i = 0; i < N; i++) { let s = 0; for (let t = 0; t < L; t++) s += ids[i * L + t] < 15 ? 1 : -1; y[i] = s > 0 ? 1 : 0; }
    const m = new Sequential([new Embedding({ inputDim: 30, outputDim: 4, inputShape: [L] }), new Flatten(), new Dense({ units: 1, activation: 'sigmoid' })], { seed: 1 });
    m.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'binaryCrossentropy' });
    const h = await m.fit({ data: ids, shape: [N, L] }, { data: y, shape: [N, 1] }, { epochs: 20, batchSize: 8, shuffle: false });
    const loss = h.history.loss;
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] * 0.8);
    m.dispose();
  });
});

describe('Flatten: gradients match finite differences', () => {
  it.each([[1], [7]])('Embedding -> Flatten -> Dense (softmax), T = %i', (L) => {
    const B = 4;
    const m = new Sequential([new Embedding({ inputDim: 12, outputDim: 3, inputShape: [L] }), new Flatten(), new Dense({ units: 3, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    gradCheck(m, { data: ints(B * L, 0, 12, 10 + L), shape: [B, L] }, Int32Array.from([0, 2, 1, 2]));
  });

  it('Embedding (maskZero) -> Dense per step -> Flatten -> Dense (sigmoid), T = 5: the gradient flows back through the view', () => {
    const m = new Sequential([
      new Embedding({ inputDim: 10, outputDim: 3, maskZero: true, inputShape: [5] }), new Dense({ units: 2, activation: 'tanh' }),
      new Flatten(), new Dense({ units: 1, activation: 'sigmoid' }),
    ]);
    m.compile({ optimizer: new SGD(), loss: 'binaryCrossentropy' });
    const ids = Int32Array.from([3, 5, 0, 0, 0, 1, 2, 3, 4, 9, 7, 0, 8, 0, 6]);
    gradCheck(m, { data: ids, shape: [3, 5] }, { data: new Float32Array([1, 0, 1]), shape: [3, 1] });
  });

  it('float samples (3, 4): Flatten -> Dense -> Dropout -> Dense', () => {
    const m = new Sequential([new Flatten({ inputShape: [3, 4] }), new Dense({ units: 5, activation: 'tanh' }), new Dropout({ rate: 0.3 }), new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    gradCheck(m, { data: uniform(6 * 12, -1, 1, 4), shape: [6, 3, 4] }, Int32Array.from([0, 1, 1, 0, 1, 0]), { seed: 5 });
  });
});

describe('Flatten agrees with tfjs-layers 4.22', () => {
  it.each([[1], [7], [13]])('Embedding -> Flatten -> Dense (sigmoid) with the same weights: outputs within 1e-5 (T = %i)', (L) => {
    const { tf, tfl } = T;
    const N = 8;
    const ids = ints(N * L, 0, 40, 20 + L);
    const ours = new Sequential([new Embedding({ inputDim: 40, outputDim: 16, inputShape: [L] }), new Flatten(), new Dense({ units: 1, activation: 'sigmoid' })]);
    ours.build([L]);
    const theirs = tfl.sequential({ layers: [
      tfl.layers.embedding({ inputDim: 40, outputDim: 16, inputLength: L }), tfl.layers.flatten(), tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
    ] });
    expect(theirs.layers[1].outputShape).toEqual([null, 16 * L]);
    copyWeightsTo(T, ours, theirs);
    const pOurs = ours.predict({ data: ids, shape: [N, L] }).data;
    const pTheirs = (theirs.predict(tf.tensor(ids, [N, L], 'int32')) as any).dataSync();
    expect(maxRelErr(pOurs, pTheirs)).toBeLessThan(1e-5);
    ours.dispose(); theirs.dispose();
  });

  it('Embedding -> Flatten -> Dense (softmax): gradients of every weight within 1e-5', () => {
    const { tf, tfl } = T;
    const N = 8, L = 7;
    const ids = ints(N * L, 0, 30, 31);
    const labels = Int32Array.from({ length: N }, (_, i) => (i * 5 + 1) % 3);
    const ours = new Sequential([new Embedding({ inputDim: 30, outputDim: 5, inputShape: [L] }), new Flatten(), new Dense({ units: 3, activation: 'softmax' })]);
    ours.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    ours.build([L]);
    const theirs = tfl.sequential({ layers: [tfl.layers.embedding({ inputDim: 30, outputDim: 5, inputLength: L }), tfl.layers.flatten(), tfl.layers.dense({ units: 3, activation: 'softmax' })] });
    copyWeightsTo(T, ours, theirs);
    const x = tf.tensor(ids, [N, L], 'int32');
    const vars = theirs.trainableWeights.map((w: any) => w.val);
    const f = () => tf.tidy(() => {
      const p = theirs.apply(x, { training: true }) as any;
      const oh = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
      return tf.neg(tf.mean(tf.sum(tf.mul(oh, tf.log(tf.clipByValue(p, 1e-7, 1 - 1e-7))), -1)));
    }) as any;
    const { value, grads } = tf.variableGrads(f, vars);
    const mine = ours.lossAndGradients({ data: ids, shape: [N, L] }, labels);
    expect(Math.abs(mine.loss - value.dataSync()[0]) / value.dataSync()[0]).toBeLessThan(1e-5);
    ours.getWeights().forEach((w, i) => expect(normRelErr(mine.grads.get(w.name)!, grads[vars[i].name].dataSync()), w.name).toBeLessThan(1e-5));
    ours.dispose(); theirs.dispose();
  });
});

describe('Flatten: save and load', () => {
  const L = 7, B = 5;
  const ids = ints(B * L, 0, 25, 77);
  const stacks: [string, () => Sequential][] = [
    ['Embedding -> Flatten -> Dense', () => new Sequential([new Embedding({ inputDim: 25, outputDim: 4, inputShape: [L] }), new Flatten({ name: 'flat' }), new Dense({ units: 1, activation: 'sigmoid' })], { seed: 4 })],
    ['Embedding (maskZero, no declared inputShape) -> Flatten (channels_last) -> Dense', () => new Sequential([new Embedding({ inputDim: 25, outputDim: 3, maskZero: true }), new Flatten({ dataFormat: 'channels_last', trainable: false }), new Dense({ units: 3, activation: 'softmax' })], { seed: 5 })],
    ['Embedding -> LSTM (sequences) -> Flatten -> Dense', () => new Sequential([new Embedding({ inputDim: 25, outputDim: 4, inputShape: [L] }), new LSTM({ units: 3, returnSequences: true }), new Flatten(), new Dense({ units: 2 })], { seed: 6 })],
    ['Embedding -> Conv1D (valid) -> LayerNormalization -> Flatten -> Dense', () => new Sequential([new Embedding({ inputDim: 25, outputDim: 4, inputShape: [L] }), new Conv1D({ filters: 3, kernelSize: 2, strides: 2 }), new LayerNormalization(), new Flatten(), new Dense({ units: 2 })], { seed: 7 })],
  ];

  it.each(stacks)('%s: the same predictions after decodeWnn and in wasmnn/infer, bit for bit', (_, make) => {
    const m = make();
    const x = { data: ids, shape: [B, L] };
    const want = m.predict(x);
    const bytes = encodeWnn({ model: m });
    const back = decodeWnn(bytes).model;
    expect(back.layers.map((l) => l.className)).toContain('Flatten');
    expect(back.summary(false)).toEqual(m.summary(false));
    expect(bits(back.predict(x).data)).toEqual(bits(want.data));
    const file = decodeWnnForInference(bytes);
    const lite = InferenceModel.create(runtime(), file.model, file.weights);
    const got = lite.predict(x, { batchSize: 2 });
    expect(got.shape).toEqual(want.shape);
    expect(bits(got.data)).toEqual(bits(want.data));
    lite.dispose(); back.dispose(); m.dispose();
  });

  it('stores name, trainable and inputShape only (no dataFormat)', () => {
    const f = new Flatten({ name: 'fl', trainable: false, inputShape: [3, 2], dataFormat: 'channels_last' });
    expect(f.getConfig()).toEqual({ name: 'fl', trainable: false, inputShape: [3, 2] });
  });
});

describe('Flatten: bad input', () => {
  it('an unknown time dimension says to give the model a fixed sequence length', () => {
    const message = /^wasmnn: Flatten flatten: every dimension of its input samples must be known to flatten them, got samples of shape \(None, None, 4\); give the model a fixed sequence length: an inputShape on the first layer/;
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 4, inputShape: [null] }), new Flatten(), new Dense({ units: 1 })]);
    expect(() => m.predict({ data: ints(6, 0, 10, 1), shape: [2, 3] })).toThrow(message);
    expect(m.built).toBe(false);
    expect(() => new Flatten({ name: 'f' }).build([null, 3])).toThrow(/^wasmnn: Flatten f: every dimension .* got samples of shape \(None, None, 3\)/);
    const floats = new Sequential([new Flatten(), new Dense({ units: 1 })]);
    expect(() => floats.build([null, 3])).toThrow(RangeError);
    m.dispose(); floats.dispose();
  });

  it('a model built for one sequence length refuses another', () => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 2 }), new Flatten(), new Dense({ units: 1 })]);
    m.predict({ data: ints(2 * 4, 0, 10, 1), shape: [2, 4] });
    expect(m.inputShape).toEqual([4]);
    expect(() => m.predict({ data: ints(2 * 5, 0, 10, 1), shape: [2, 5] })).toThrow(/^wasmnn: model sequential was built for samples of shape \(None, 4\), got \(None, 5\)/);
    m.dispose();
  });

  it('dataFormat: only channels_last; channels_first and non-strings are refused clearly', () => {
    expect(() => new Flatten(bad({ dataFormat: 'channels_first' }))).toThrow(RangeError);
    expect(() => new Flatten(bad({ dataFormat: 'channels_first' }))).toThrow(/^wasmnn: Flatten: dataFormat must be 'channels_last' \(wasmnn's layers keep the features on the last axis; .*got "channels_first" \(a string\); leave dataFormat out$/);
    expect(() => new Flatten(bad({ dataFormat: 1 }))).toThrow(TypeError);
    expect(() => new Flatten(bad({ data_format: 'channels_last' }))).toThrow(/^wasmnn: Flatten: unknown option 'data_format'; did you mean 'dataFormat'\?/);
    expect(() => new Flatten({ dataFormat: 'channels_last' })).not.toThrow();
    expect(() => new Flatten(bad({ dataFormat: null }))).not.toThrow();
  });

  it('name: a non-string, an empty string or 300 characters is refused, as a model file would refuse it', () => {
    expect(() => new Flatten(bad({ name: 5 }))).toThrow(TypeError);
    expect(() => new Flatten(bad({ name: 5 }))).toThrow(/^wasmnn: Flatten: name must be a string of 1 \.\. 256 characters, got 5$/);
    expect(() => new Flatten({ name: '' })).toThrow(RangeError);
    expect(() => new Flatten({ name: 'x'.repeat(300) })).toThrow(/^wasmnn: Flatten: name must be a string of 1 \.\. 256 characters/);
    expect(() => new Flatten(bad({ trainable: 'yes' }))).toThrow(/^wasmnn: Flatten: trainable must be true or false, got "yes" \(a string\)$/);
    expect(() => new Flatten(bad({ inputShape: [0] }))).toThrow(/^wasmnn: Flatten: inputShape must be an array/);
    expect(() => new Flatten(bad('flatten'))).toThrow(/^wasmnn: Flatten: options must be an object/);
  });

  it('a file whose Flatten gets an unknown dimension is refused by both readers', () => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 2 }), new Flatten(), new Dense({ units: 1 })]);
    m.build([4]);
    const bytes = encodeWnn({ model: m });
    const { metadata, tensors } = decodeSafetensors(bytes);
    const model = JSON.parse(metadata.model);
    expect(model.inputShape).toEqual([4]);
    model.inputShape = [null];
    const bent = encodeSafetensors([...tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.data })) as never, { ...metadata, model: JSON.stringify(model) });
    expect(() => decodeWnn(bent)).toThrow(WnnFormatError);
    expect(() => decodeWnn(bent)).toThrow(/layer 'flatten' \(Flatten\) cannot be built for the model's input shape: .*every dimension of its input samples must be known/);
    const file = decodeWnnForInference(bent);
    expect(() => InferenceModel.create(runtime(), file.model, file.weights)).toThrow(/^wasmnn: Flatten flatten: every dimension of its input samples must be known, got samples of shape \(None, None, 2\)/);
    m.dispose();
  });
});
