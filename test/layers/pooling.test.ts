// MaxPooling1D, AveragePooling1D and SpatialDropout1D as layers: shapes and summary(), parity with
// tfjs-layers 4.22 (outputs and gradients, relative error <= 1e-5), finite-difference gradients,
// the mask (dropped by the poolings, as Keras 3; passed on by SpatialDropout1D), SpatialDropout1D's
// whole-channel masks (scale, fraction, seeds, thread counts, identity at inference, gradient),
// save -> load in the full library and in wasmnn/infer bit for bit, and bad options.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  init, shutdown, runtime, Sequential, Dense, Embedding, Flatten, LSTM, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D,
  MaxPooling1D, AveragePooling1D, SpatialDropout1D, Dropout, SGD,
} from '../../src/index.js';
import { Graph, Node } from '../../src/autograd.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { encodeWnn, decodeWnn } from '../../src/io/wnn.js';
import { InferenceModel, decodeWnnForInference } from '../../src/infer.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { copyWeightsTo, loadTfjs, maxRelErr, normRelErr, type Tf } from '../helpers/tfjs.js';
import { ints, uniform, bits } from '../helpers/data.js';

let T: Tf;
beforeAll(async () => { T = await loadTfjs(); await init({ threads: 2, parallelThreshold: 1 }); });
afterAll(async () => { await shutdown(); });

const bad = (o: unknown) => o as never;

describe('pooling layers: shapes, summary and the mask', () => {
  it('summary shows (None, T\', C) and 0 parameters; T\' as Keras for both paddings', () => {
    const m = new Sequential([
      new Embedding({ inputDim: 10, outputDim: 4, inputShape: [13] }), new SpatialDropout1D({ rate: 0.2 }), new MaxPooling1D(),
      new AveragePooling1D({ poolSize: 3, strides: 2, padding: 'same' }), new MaxPooling1D({ poolSize: [2], strides: [1] }), new Flatten(), new Dense({ units: 1 }),
    ]);
    const text = m.summary(false);
    expect(text).toMatch(/spatial_dropout1d \(SpatialDropout1D\)\s+\(None, 13, 4\)\s+0\s/);
    expect(text).toMatch(/max_pooling1d \(MaxPooling1D\)\s+\(None, 6, 4\)\s+0\s/);
    expect(text).toMatch(/average_pooling1d \(AveragePooling1D\)\s+\(None, 3, 4\)\s+0\s/);
    expect(text).toMatch(/max_pooling1d_1 \(MaxPooling1D\)\s+\(None, 2, 4\)\s+0\s/);
    expect(text).toMatch(/flatten \(Flatten\)\s+\(None, 8\)/);
  });

  it('an open time axis stays open: (None, None, C)', () => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 4 }), new AveragePooling1D({ poolSize: 2 }), new GlobalMaxPooling1D()]);
    m.build([9]);
    expect(m.layers[1].outputShape).toEqual([null, 4]);
    const y = m.predict({ data: ints(2 * 9, 1, 10, 1), shape: [2, 9] });
    expect(y.shape).toEqual([2, 4]);
  });

  it('drops the mask (Keras 3), so a mask-aware layer after it sees none: GlobalAveragePooling1D averages every window', () => {
    const rt = runtime();
    for (const Pool of [MaxPooling1D, AveragePooling1D]) {
      const p = new Pool({ poolSize: 2 });
      p.build([4, 1]);
      rt.step(() => {
        const g = new Graph(rt, false);
        const out = p.call(g, g.constant(rt.temp([1, 4, 1]).set([1, 2, 3, 4])), rt.temp([1, 4]).set([1, 0, 0, 0]), { rt, training: false, seed: 0, step: 0 });
        expect(out.mask).toBeNull();
      });
    }
    // Embedding(maskZero) -> MaxPooling1D -> GlobalAveragePooling1D: the padded windows count
    const L = 6, V = 9, C = 3;
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: C, maskZero: true, inputShape: [L] }), new MaxPooling1D({ poolSize: 2 }), new GlobalAveragePooling1D()], { seed: 2 });
    const ids = Int32Array.from([3, 4, 5, 0, 0, 0]);
    const y = m.predict({ data: ids, shape: [1, L] }).data;
    const table = m.getWeights()[0].values;
    for (let c = 0; c < C; c++) {
      const e = (id: number) => table[id * C + c];
      const want = Math.fround(Math.fround(Math.fround(Math.max(e(3), e(4)) + Math.max(e(5), e(0))) + e(0)) / 3);
      expect(y[c]).toBe(want);
    }
  });

  it('SpatialDropout1D passes the mask on unchanged (training and inference)', () => {
    const rt = runtime();
    const d = new SpatialDropout1D({ rate: 0.5, name: 'sd' });
    d.build([3, 2]);
    rt.step(() => {
      for (const training of [false, true]) {
        const g = new Graph(rt, training);
        const mask = rt.temp([1, 3]).set([1, 1, 0]);
        expect(d.call(g, g.constant(rt.temp([1, 3, 2]).fill(1)), mask, { rt, training, seed: 1, step: 0 }).mask).toBe(mask);
      }
    });
  });
});

/** tfjs loss (sparse CE on probabilities, Keras' clip) and gradients of every trainable weight. */
function tfLossGrads(model: any, x: any, labels: Int32Array, classes: number) {
  const { tf } = T;
  const vars = model.trainableWeights.map((w: any) => w.val);
  const f = () => tf.tidy(() => {
    const p = model.apply(x, { training: true }) as any;
    const oh = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
    return tf.neg(tf.mean(tf.sum(tf.mul(oh, tf.log(tf.clipByValue(p, 1e-7, 1 - 1e-7))), -1)));
  }) as any;
  const { value, grads } = tf.variableGrads(f, vars);
  return { loss: value.dataSync()[0] as number, grads: vars.map((v: any) => grads[v.name].dataSync() as Float32Array) };
}

describe('agrees with tfjs-layers 4.22', () => {
  const N = 6, V = 30, E = 5, K = 3;
  const labels = Int32Array.from({ length: N }, (_, i) => (i * 5 + 1) % K);
  type Pair = [any, any];
  const cases: [string, number, () => Pair, boolean][] = [
    ['Embedding -> Conv1D (relu, same) -> MaxPooling1D (3, strides 2, same) -> Flatten -> Dense', 13, () => [
      [new Conv1D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), new MaxPooling1D({ poolSize: 3, strides: 2, padding: 'same' }), new Flatten()],
      [T.tfl.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), T.tfl.layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }), T.tfl.layers.flatten()],
    ], true],
    ['Embedding -> Conv1D (valid) -> MaxPooling1D (default 2) -> GlobalAveragePooling1D -> Dense', 7, () => [
      [new Conv1D({ filters: 4, kernelSize: 2 }), new MaxPooling1D(), new GlobalAveragePooling1D()],
      [T.tfl.layers.conv1d({ filters: 4, kernelSize: 2 }), T.tfl.layers.maxPooling1d({}), T.tfl.layers.globalAveragePooling1d()],
    ], true],
    ['Embedding -> MaxPooling1D (4, strides 1: overlapping windows) -> Conv1D -> MaxPooling1D (5 > T, same) -> Flatten -> Dense', 5, () => [
      [new MaxPooling1D({ poolSize: 4, strides: 1 }), new Conv1D({ filters: 3, kernelSize: 1 }), new MaxPooling1D({ poolSize: 5, padding: 'same' }), new Flatten()],
      [T.tfl.layers.maxPooling1d({ poolSize: 4, strides: 1 }), T.tfl.layers.conv1d({ filters: 3, kernelSize: 1 }), T.tfl.layers.maxPooling1d({ poolSize: 5, padding: 'same' }), T.tfl.layers.flatten()],
    ], true],
    ['Embedding -> AveragePooling1D (3, strides 2, valid) -> Flatten -> Dense', 13, () => [
      [new AveragePooling1D({ poolSize: 3, strides: 2 }), new Flatten()],
      [T.tfl.layers.averagePooling1d({ poolSize: 3, strides: 2 }), T.tfl.layers.flatten()],
    ], true],
    ['Embedding -> AveragePooling1D (2, same, no padding needed) -> Flatten -> Dense', 8, () => [
      [new AveragePooling1D({ poolSize: 2, padding: 'same' }), new Flatten()],
      [T.tfl.layers.averagePooling1d({ poolSize: 2, padding: 'same' }), T.tfl.layers.flatten()],
    ], true],
    // padded windows: tfjs' gradient divides by poolSize (not its forward's count), so only the
    // outputs and the Dense gradients are compared; the Embedding's is checked by finite differences
    ['Embedding -> AveragePooling1D (4, strides 3, same: padded windows) -> Flatten -> Dense', 7, () => [
      [new AveragePooling1D({ poolSize: 4, strides: 3, padding: 'same' }), new Flatten()],
      [T.tfl.layers.averagePooling1d({ poolSize: 4, strides: 3, padding: 'same' }), T.tfl.layers.flatten()],
    ], false],
  ];

  it.each(cases)('%s (T = %i): outputs, loss and gradients within 1e-5', (_, L, make, embeddingGrad) => {
    const { tf, tfl } = T;
    const [mid, theirMid] = make();
    const ours = new Sequential([new Embedding({ inputDim: V, outputDim: E, inputShape: [L] }), ...mid, new Dense({ units: K, activation: 'softmax' })], { seed: L });
    ours.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    ours.build([L]);
    const theirs = tfl.sequential({ layers: [tfl.layers.embedding({ inputDim: V, outputDim: E, inputLength: L }), ...theirMid, tfl.layers.dense({ units: K, activation: 'softmax' })] });
    copyWeightsTo(T, ours, theirs);
    const ids = ints(N * L, 0, V, 40 + L);
    const x = tf.tensor(ids, [N, L], 'int32');
    expect(maxRelErr(ours.predict({ data: ids, shape: [N, L] }).data, (theirs.predict(x) as any).dataSync())).toBeLessThan(1e-5);
    const g = tfLossGrads(theirs, x, labels, K);
    const mine = ours.lossAndGradients({ data: ids, shape: [N, L] }, labels);
    expect(Math.abs(mine.loss - g.loss) / g.loss).toBeLessThan(1e-5);
    ours.getWeights().forEach((w, i) => {
      const err = normRelErr(mine.grads.get(w.name)!, g.grads[i]);
      if (embeddingGrad || !w.name.endsWith('embeddings')) expect(err, w.name).toBeLessThan(1e-5);
      else expect(err, `${w.name}: tfjs divides the padded windows' gradient by poolSize`).toBeGreaterThan(1e-3);
    });
    ours.dispose(); theirs.dispose();
  });

  it('float input (N, 7, 4) -> Dense (tanh) per step -> MaxPooling1D (2, strides 1) -> AveragePooling1D (3, same) -> Flatten -> Dense: gradients within 1e-5', () => {
    const { tf, tfl } = T;
    const L = 7;
    const ours = new Sequential([new Dense({ units: 5, activation: 'tanh', inputShape: [L, 4] }), new MaxPooling1D({ poolSize: 2, strides: 1 }), new AveragePooling1D({ poolSize: 3, padding: 'same', strides: 1 }), new Flatten(), new Dense({ units: K, activation: 'softmax' })], { seed: 3 });
    ours.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    ours.build([L, 4]);
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [L, 4] }), tfl.layers.maxPooling1d({ poolSize: 2, strides: 1 }),
      tfl.layers.averagePooling1d({ poolSize: 3, padding: 'same', strides: 1 }), tfl.layers.flatten(), tfl.layers.dense({ units: K, activation: 'softmax' })] });
    copyWeightsTo(T, ours, theirs);
    const xs = uniform(N * L * 4, -1, 1, 8);
    expect(maxRelErr(ours.predict({ data: xs, shape: [N, L, 4] }).data, (theirs.predict(tf.tensor(xs, [N, L, 4])) as any).dataSync())).toBeLessThan(1e-5);
    // T' = 6 with poolSize 3 strides 1 'same': windows 0 and 5 are padded, where tfjs' gradient is
    // not its forward's derivative; the last Dense's gradient does not go through the pools
    const g = tfLossGrads(theirs, tf.tensor(xs, [N, L, 4]), labels, K);
    const mine = ours.lossAndGradients({ data: xs, shape: [N, L, 4] }, labels);
    const last = ours.getWeights().length - 2;
    ours.getWeights().forEach((w, i) => { if (i >= last) expect(normRelErr(mine.grads.get(w.name)!, g.grads[i]), w.name).toBeLessThan(1e-5); });
    ours.dispose(); theirs.dispose();
  });
});

describe('gradients match finite differences', () => {
  it.each([
    ['MaxPooling1D (3, strides 2, same)', () => new MaxPooling1D({ poolSize: 3, strides: 2, padding: 'same' })],
    ['MaxPooling1D (2, strides 1: overlapping)', () => new MaxPooling1D({ poolSize: 2, strides: 1 })],
    ['AveragePooling1D (4, strides 3, same: padded windows)', () => new AveragePooling1D({ poolSize: 4, strides: 3, padding: 'same' })],
    ['AveragePooling1D (2, valid)', () => new AveragePooling1D({ poolSize: 2 })],
  ])('Embedding -> %s -> Conv1D (tanh) -> Flatten -> Dense (softmax)', (_, pool) => {
    const L = 7, V = 12, E = 3;
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: E, inputShape: [L] }), pool(), new Conv1D({ filters: 4, kernelSize: 2, padding: 'same', activation: 'tanh' }), new Flatten(), new Dense({ units: 3, activation: 'softmax' })], { seed: 9 });
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    m.build([L]);
    // table entries at least 0.02 apart, so a step of 1e-3 never changes which step a window's max is
    const perm = ints(V * E, 0, 1 << 30, 2).map((v, i) => (v % 1000) * 1000 + i);
    const order = [...perm.keys()].sort((a, b) => perm[a] - perm[b]);
    const table = new Float32Array(V * E);
    order.forEach((k, r) => { table[k] = (r - V * E / 2) * 0.02; });
    m.setWeights([{ name: 'embedding/embeddings', values: table }]);
    gradCheck(m, { data: ints(4 * L, 0, V, 3), shape: [4, L] }, Int32Array.from([0, 2, 1, 2]), { h: 1e-3, perWeight: 40 });
  });

  it('Embedding -> SpatialDropout1D (0.4) -> GlobalAveragePooling1D -> Dense: the same mask in the loss and its gradient', () => {
    const L = 5;
    const m = new Sequential([new Embedding({ inputDim: 12, outputDim: 6, inputShape: [L] }), new SpatialDropout1D({ rate: 0.4 }), new GlobalAveragePooling1D(), new Dense({ units: 3, activation: 'softmax' })], { seed: 4 });
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    gradCheck(m, { data: ints(4 * L, 0, 12, 5), shape: [4, L] }, Int32Array.from([0, 2, 1, 2]), { seed: 7 });
  });
});

describe('SpatialDropout1D', () => {
  /** The training-mode output and input gradient (dy = g) of one SpatialDropout1D call. */
  function run(rt: Runtime, d: SpatialDropout1D, x: Float32Array, shape: [number, number, number], dy: Float32Array, step = 0, seed = 1) {
    return rt.step(() => {
      const g = new Graph(rt, true);
      const xn = new Node(rt.temp(shape).set(x), true, 'x');
      const out = d.call(g, xn, null, { rt, training: true, seed, step });
      g.backward(out.y, (dst) => { dst.set(dy); });
      return { y: out.y.value.f32().slice(), dx: g.gradOf(xn)!.f32().slice() };
    });
  }

  it('zeroes whole channels per sample, scales the kept ones by 1 / (1 - rate), and the gradient uses the same mask', () => {
    const rt = runtime();
    const d = new SpatialDropout1D({ rate: 0.3, name: 'sd' });
    const [B, L, C] = [4, 7, 13];
    d.build([L, C]);
    const x = uniform(B * L * C, 0.5, 2, 1), dy = uniform(B * L * C, 0.5, 2, 2);
    const { y, dx } = run(rt, d, x, [B, L, C], dy);
    const scale = Math.fround(1 / Math.fround(0.7));
    let dropped = 0;
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
      const kept = y[b * L * C + c] !== 0;
      if (!kept) dropped++;
      for (let t = 0; t < L; t++) {
        const i = (b * L + t) * C + c;
        expect(y[i]).toBe(kept ? Math.fround(x[i] * scale) : 0);
        expect(dx[i]).toBe(kept ? Math.fround(dy[i] * scale) : 0);
      }
    }
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(B * C);
  });

  it('drops a fraction rate of the channels over many draws (within 5 binomial standard deviations)', () => {
    const rt = runtime();
    const d = new SpatialDropout1D({ rate: 0.25, name: 'sd' });
    const [B, L, C] = [8, 3, 16];
    d.build([L, C]);
    const x = new Float32Array(B * L * C).fill(1);
    let dropped = 0, n = 0;
    for (let step = 0; step < 50; step++) {
      const { y } = run(rt, d, x, [B, L, C], x, step);
      for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) { n++; if (y[b * L * C + c] === 0) dropped++; }
    }
    expect(Math.abs(dropped - 0.25 * n)).toBeLessThan(5 * Math.sqrt(n * 0.25 * 0.75));
  });

  it('the same seed gives the same mask at 1 and 2 threads, bit for bit; another step or seed another mask', async () => {
    const rt1 = await Runtime.create({ build: 'simd', threads: 1 });
    const rt2 = await Runtime.create({ build: 'simd-mt', threads: 2, parallelThreshold: 1 });
    try {
      const d = new SpatialDropout1D({ rate: 0.5, name: 'sd' });
      const [B, L, C] = [5, 9, 7];
      d.build([L, C]);
      const x = uniform(B * L * C, -1, 1, 3), dy = uniform(B * L * C, -1, 1, 4);
      const a = run(rt1, d, x, [B, L, C], dy, 3), b = run(rt2, d, x, [B, L, C], dy, 3);
      expect(bits(a.y)).toEqual(bits(b.y));
      expect(bits(a.dx)).toEqual(bits(b.dx));
      expect(bits(run(rt2, d, x, [B, L, C], dy, 4).y)).not.toEqual(bits(a.y));
      expect(bits(run(rt2, d, x, [B, L, C], dy, 3, 2).y)).not.toEqual(bits(a.y));
      // its own seed wins over the model's
      const own = new SpatialDropout1D({ rate: 0.5, name: 'sd', seed: 11 });
      own.build([L, C]);
      expect(bits(run(rt1, own, x, [B, L, C], dy, 3, 1).y)).toEqual(bits(run(rt2, own, x, [B, L, C], dy, 3, 2).y));
      // the mask is Dropout's mask of a (B, C) tensor from the same stream
      const drop = new Dropout({ rate: 0.5, name: 'sd' });
      const ones = new Float32Array(B * C).fill(1);
      const dm = rt1.step(() => {
        const g = new Graph(rt1, true);
        return drop.call(g, g.constant(rt1.temp([B, 1, C]).set(ones)), null, { rt: rt1, training: true, seed: 1, step: 3 }).y.value.f32().slice();
      });
      for (let i = 0; i < x.length; i++) {
        const m = dm[Math.floor(i / (L * C)) * C + (i % C)];
        expect(a.y[i]).toBe(m ? Math.fround(x[i] * m) : 0);
      }
    } finally { await rt1.close(); await rt2.close(); }
  });

  it('is the identity in predict and evaluate, and trains reproducibly', async () => {
    const L = 6;
    const make = () => new Sequential([new Embedding({ inputDim: 20, outputDim: 4, inputShape: [L] }), new SpatialDropout1D({ rate: 0.5 }), new GlobalAveragePooling1D(), new Dense({ units: 2, activation: 'softmax' })], { seed: 6 });
    const plain = () => new Sequential([new Embedding({ inputDim: 20, outputDim: 4, inputShape: [L] }), new GlobalAveragePooling1D(), new Dense({ units: 2, activation: 'softmax' })], { seed: 6 });
    const a = make(), b = plain();
    const x = { data: ints(10 * L, 0, 20, 9), shape: [10, L] };
    const y = Int32Array.from({ length: 10 }, (_, i) => i % 2);
    a.build([L]); b.build([L]);
    b.setWeights(a.getWeights().map((w) => ({ name: w.name.replace(/^dense/, 'dense'), values: w.values })));
    expect(bits(a.predict(x).data)).toEqual(bits(b.predict(x).data));
    for (const m of [a, b]) m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    expect(a.evaluate(x, y)).toEqual(b.evaluate(x, y));
    // training: the dropout changes the loss, and the same seed trains to the same bits
    const c = make();
    c.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    await a.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    await c.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    a.getWeights().forEach((w, i) => expect(bits(w.values)).toEqual(bits(c.getWeights()[i].values)));
    a.dispose(); b.dispose(); c.dispose();
  });
});

describe('save and load', () => {
  const L = 9, B = 5;
  const ids = ints(B * L, 0, 25, 77);
  const stacks: [string, () => Sequential][] = [
    ['Embedding -> SpatialDropout1D -> Conv1D -> MaxPooling1D (3, 2, same) -> GlobalMaxPooling1D -> Dense', () => new Sequential([
      new Embedding({ inputDim: 25, outputDim: 4, inputShape: [L] }), new SpatialDropout1D({ rate: 0.2, seed: 3, name: 'sd' }), new Conv1D({ filters: 6, kernelSize: 3, activation: 'relu' }),
      new MaxPooling1D({ poolSize: 3, strides: 2, padding: 'same', name: 'mp' }), new GlobalMaxPooling1D(), new Dense({ units: 3, activation: 'softmax' })], { seed: 4 })],
    ['Embedding (maskZero, open T) -> AveragePooling1D (2, valid) -> LSTM -> Dense', () => new Sequential([
      new Embedding({ inputDim: 25, outputDim: 5, maskZero: true }), new AveragePooling1D({ poolSize: 2, trainable: false }), new LSTM({ units: 3 }), new Dense({ units: 2 })], { seed: 5 })],
    ['Embedding -> AveragePooling1D (4, 3, same) -> MaxPooling1D (2, 1) -> Flatten -> Dense', () => new Sequential([
      new Embedding({ inputDim: 25, outputDim: 3, inputShape: [L] }), new AveragePooling1D({ poolSize: 4, strides: 3, padding: 'same' }), new MaxPooling1D({ poolSize: 2, strides: 1, dataFormat: 'channelsLast' }),
      new Flatten(), new Dense({ units: 1, activation: 'sigmoid' })], { seed: 6 })],
  ];

  it.each(stacks)('%s: the same predictions after decodeWnn and in wasmnn/infer, bit for bit', (_, make) => {
    const m = make();
    const x = { data: ids, shape: [B, L] };
    const want = m.predict(x);
    const bytes = encodeWnn({ model: m });
    const back = decodeWnn(bytes).model;
    expect(back.summary(false)).toEqual(m.summary(false));
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    expect(bits(back.predict(x).data)).toEqual(bits(want.data));
    const file = decodeWnnForInference(bytes);
    const lite = InferenceModel.create(runtime(), file.model, file.weights);
    const got = lite.predict(x, { batchSize: 2 });
    expect(got.shape).toEqual(want.shape);
    expect(bits(got.data)).toEqual(bits(want.data));
    lite.dispose(); back.dispose(); m.dispose();
  });

  it('configs: poolSize, strides, padding (no dataFormat); rate and seed', () => {
    expect(new MaxPooling1D({ name: 'p', poolSize: [3], dataFormat: 'channels_last' }).getConfig()).toEqual({ name: 'p', poolSize: 3, strides: 3, padding: 'valid' });
    expect(new AveragePooling1D({ name: 'a', poolSize: 2, strides: 1, padding: 'same' }).getConfig()).toEqual({ name: 'a', poolSize: 2, strides: 1, padding: 'same' });
    expect(new SpatialDropout1D({ name: 's', rate: 0.1, seed: 2 }).getConfig()).toEqual({ name: 's', rate: 0.1, seed: 2 });
  });
});

describe('bad options', () => {
  it.each([
    ['poolSize 0', () => new MaxPooling1D({ poolSize: 0 }), RangeError, /^wasmnn: MaxPooling1D: poolSize must be a whole number >= 1, got 0$/],
    ['poolSize "2"', () => new MaxPooling1D(bad({ poolSize: '2' })), TypeError, /^wasmnn: MaxPooling1D: poolSize must be a whole number >= 1, got "2" \(a string\)$/],
    ['poolSize [2, 2]', () => new AveragePooling1D(bad({ poolSize: [2, 2] })), TypeError, /^wasmnn: AveragePooling1D: poolSize must be a whole number >= 1, got \[2,2\] \(an array\)$/],
    ['strides 1.5', () => new AveragePooling1D({ strides: 1.5 }), RangeError, /^wasmnn: AveragePooling1D: strides must be a whole number >= 1, got 1.5$/],
    ["padding 'causal'", () => new MaxPooling1D(bad({ padding: 'causal' })), RangeError, /^wasmnn: MaxPooling1D: padding must be 'valid' or 'same', got "causal" \(a string\)$/],
    ["dataFormat 'channelsFirst'", () => new MaxPooling1D(bad({ dataFormat: 'channelsFirst' })), RangeError, /^wasmnn: MaxPooling1D: dataFormat must be 'channelsLast' .*got "channelsFirst" \(a string\); leave dataFormat out$/],
    ['pool_size', () => new MaxPooling1D(bad({ pool_size: 2 })), Error, /^wasmnn: MaxPooling1D: unknown option 'pool_size'; did you mean 'poolSize'\?/],
    ['rate 1', () => new SpatialDropout1D({ rate: 1 }), RangeError, /^wasmnn: SpatialDropout1D: rate must be in \[0, 1\), got 1$/],
    ['rate "0.5"', () => new SpatialDropout1D(bad({ rate: '0.5' })), TypeError, /^wasmnn: SpatialDropout1D: rate must be in \[0, 1\), got "0.5" \(a string\)$/],
    ['no rate', () => new SpatialDropout1D(bad({})), TypeError, /^wasmnn: SpatialDropout1D: rate must be in \[0, 1\)/],
    ['seed 1.5', () => new SpatialDropout1D({ rate: 0.5, seed: 1.5 }), RangeError, /^wasmnn: SpatialDropout1D: seed must be a whole number, got 1.5$/],
    ['noiseShape', () => new SpatialDropout1D(bad({ rate: 0.5, noiseShape: [1, 1, 1] })), Error, /^wasmnn: SpatialDropout1D: unknown option 'noiseShape'/],
  ])('%s', (_, make, kind, message) => {
    expect(make).toThrow(kind as any);
    expect(make).toThrow(message);
  });

  it('inputs that are not sequences, and valid windows longer than the sequences', () => {
    const flat = new Sequential([new Dense({ units: 3, inputShape: [4] }), new MaxPooling1D()]);
    expect(() => flat.build([4])).toThrow(/^wasmnn: MaxPooling1D max_pooling1d: pools windows of time steps, so it takes sequences \(batch, steps, channels\), but its input is \(None, 3\)/);
    const sd = new Sequential([new Dense({ units: 3, inputShape: [4] }), new SpatialDropout1D({ rate: 0.1 })]);
    expect(() => sd.build([4])).toThrow(/^wasmnn: SpatialDropout1D spatial_dropout1d: drops whole channels of sequences \(batch, steps, channels\), but its input is \(None, 3\)/);
    const long = new Sequential([new Embedding({ inputDim: 9, outputDim: 2, inputShape: [3] }), new AveragePooling1D({ poolSize: 4 })]);
    expect(() => long.build([3])).toThrow(/with padding 'valid' a window of poolSize 4 steps does not fit in sequences of 3 steps; use padding 'same'/);
    const open = new Sequential([new Embedding({ inputDim: 9, outputDim: 2 }), new MaxPooling1D({ poolSize: 4 }), new GlobalMaxPooling1D()]);
    expect(() => open.predict({ data: ints(6, 1, 9, 1), shape: [2, 3] })).toThrow(/MaxPooling1D max_pooling1d: with padding 'valid' a window of poolSize 4 steps does not fit in sequences of 3 steps/);
  });
});
