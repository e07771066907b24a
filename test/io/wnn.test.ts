// The .wnn model file: bit-exact round trips of every layer type (weights, predictions, config),
// with the vectorizer, labels and training metadata; resuming training from a file equals an
// uninterrupted run bit for bit (Adam, SGD with momentum); the config whitelist, tensor/shape
// checks and version check; node save/load and atomic writes.
import { mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  init, shutdown, Sequential, Dense, Embedding, EmbeddingBag, LSTM, GRU, SimpleRNN, Bidirectional, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D,
  Dropout, LayerNormalization, Adam, AdamW, SGD, RMSprop, Adagrad, TextVectorizer, exponentialDecay, stepDecay, piecewiseConstant, cosineDecay, linearWarmup,
} from '../../src/index.js';
import { decodeSafetensors, encodeSafetensors, WnnFormatError } from '../../src/io/safetensors.js';
import { decodeWnn, encodeWnn, loadModel, WNN_FORMAT_VERSION } from '../../src/io/wnn.js';
import { readModelSource } from '../../src/io/source.js';
import { saveModel, writeFileAtomic } from '../../src/io/node.js';
import { ints, uniform } from '../helpers/data.js';

let dir: string;
beforeAll(async () => { await init({ threads: 1 }); dir = await mkdtemp(join(tmpdir(), 'wasmnn-io-')); });
afterAll(async () => { await shutdown(); await rm(dir, { recursive: true, force: true }); });

const N = 6, T = 7, V = 30;
const idsX = { data: ints(N * T, 0, V, 11), shape: [N, T] };
const floatX = { data: uniform(N * 10, -1, 1, 12), shape: [N, 10] };

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** A built model with seeded (not default-seed) weights. */
function make(layers: () => any[], x: { data: any; shape: number[] }): Sequential {
  const m = new Sequential(layers(), { seed: 1234 });
  m.build(x.shape.slice(1));
  return m;
}

function expectSameModel(a: Sequential, b: Sequential, x: { data: any; shape: number[] }): void {
  expect(b.getConfig()).toEqual(a.getConfig());
  const wa = a.getWeights(), wb = b.getWeights();
  expect(wb.map((w) => w.name)).toEqual(wa.map((w) => w.name));
  wa.forEach((w, i) => { expect(wb[i].shape).toEqual(w.shape); expect(bits(wb[i].values)).toEqual(bits(w.values)); });
  const pa = a.predict(x), pb = b.predict(x);
  expect(pb.shape).toEqual(pa.shape);
  expect(bits(pb.data)).toEqual(bits(pa.data));
}

const MODELS: [string, () => any[], { data: any; shape: number[] }][] = [
  ['Embedding(maskZero) -> LSTM(seq) -> Bidirectional(GRU) -> Dense softmax', () => [
    new Embedding({ inputDim: V, outputDim: 8, maskZero: true }), new LSTM({ units: 5, returnSequences: true }),
    new Bidirectional({ layer: new GRU({ units: 4 }), mergeMode: 'concat' }), new Dense({ units: 3, activation: 'softmax' })], idsX],
  ['Embedding -> Bidirectional(LSTM, seq, sum) -> GlobalAveragePooling1D -> Dense sigmoid', () => [
    new Embedding({ inputDim: V, outputDim: 6 }), new Bidirectional({ layer: new LSTM({ units: 4, returnSequences: true, recurrentActivation: 'hardSigmoid' }), mergeMode: 'sum' }),
    new GlobalAveragePooling1D(), new Dense({ units: 1, activation: 'sigmoid' })], idsX],
  ['Embedding -> Conv1D(same) -> GlobalMaxPooling1D -> Dropout -> LayerNormalization -> Dense', () => [
    new Embedding({ inputDim: V, outputDim: 6 }), new Conv1D({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }),
    new GlobalMaxPooling1D(), new Dropout({ rate: 0.3, seed: 9 }), new LayerNormalization({ epsilon: 1e-5 }), new Dense({ units: 2, activation: 'softmax' })], idsX],
  ['Embedding -> GRU(goBackwards, seq, no bias) -> Conv1D(valid, dilated) -> GlobalAveragePooling1D -> Dense', () => [
    new Embedding({ inputDim: V, outputDim: 4, maskZero: true }), new GRU({ units: 6, goBackwards: true, returnSequences: true, useBias: false }),
    new Conv1D({ filters: 3, kernelSize: 2, dilationRate: 2, strides: 1, useBias: false }), new GlobalAveragePooling1D(), new Dense({ units: 2 })], idsX],
  ['Embedding -> LSTM(dropout, recurrentDropout, seq) -> Bidirectional(LSTM(dropout, recurrentDropout)) -> Dense; and GRU(dropout)', () => [
    new Embedding({ inputDim: V, outputDim: 6 }), new LSTM({ units: 5, returnSequences: true, dropout: 0.2, recurrentDropout: 0.25 }),
    new GRU({ units: 4, returnSequences: true, dropout: 0.1, resetAfter: true }),
    new Bidirectional({ layer: new LSTM({ units: 3, dropout: 0.3, recurrentDropout: 0.15 }) }), new Dense({ units: 2, activation: 'softmax' })], idsX],
  ['Embedding(maskZero) -> SimpleRNN(relu, seq, goBackwards) -> Bidirectional(SimpleRNN linear, no bias) -> Dense', () => [
    new Embedding({ inputDim: V, outputDim: 5, maskZero: true }), new SimpleRNN({ units: 6, activation: 'relu', returnSequences: true, goBackwards: true }),
    new Bidirectional({ layer: new SimpleRNN({ units: 3, activation: null, useBias: false }), mergeMode: 'ave' }), new Dense({ units: 2, activation: 'softmax' })], idsX],
  ['EmbeddingBag(sum) -> Dense', () => [new EmbeddingBag({ inputDim: V, outputDim: 5, mode: 'sum' }), new Dense({ units: 4, activation: 'softmax' })], idsX],
  ['Dense -> Dropout -> LayerNormalization(no center) -> Dense (float input, a frozen layer)', () => [
    new Dense({ units: 7, activation: 'gelu' }), new Dropout({ rate: 0.5 }), new LayerNormalization({ center: false }),
    new Dense({ units: 3, activation: 'tanh', trainable: false, name: 'frozen_head' })], floatX],
];

describe('round trip of every layer type', () => {
  it.each(MODELS)('%s', (_, layers, x) => {
    const a = make(layers, x);
    const bytes = encodeWnn({ model: a });
    const { model: b, vectorizer, labels, training, metadata } = decodeWnn(bytes);
    expectSameModel(a, b, x);
    expect(vectorizer).toBeNull();
    expect(labels).toBeNull();
    expect(training).toBeNull();
    expect(metadata.format).toBe('wasmnn');
    expect(metadata.format_version).toBe('1');   // float32 weights: readable by every version (WNN_FORMAT_VERSION is the newest read)
    expect(WNN_FORMAT_VERSION).toBe(2);
    // any safetensors reader lists the weights by name
    const { tensors } = decodeSafetensors(bytes);
    expect([...tensors.keys()].sort()).toEqual(a.getWeights().map((w) => w.name).sort());
    // encoding is deterministic
    expect(encodeWnn({ model: b })).toEqual(bytes);
    a.dispose(); b.dispose();
  });
});

describe('recurrent dropout options in files', () => {
  it('come back in the config (they act in further training), and the inference reader loads and ignores them', async () => {
    const { InferenceModel } = await import('../../src/infer.js');
    const { decodeWnnForInference } = await import('../../src/infer.js');
    const { runtime } = await import('../../src/runtime/default.js');
    const a = make(() => [new Embedding({ inputDim: V, outputDim: 6, maskZero: true }), new Bidirectional({ layer: new LSTM({ units: 4, dropout: 0.2, recurrentDropout: 0.3 }) }),
      new Dense({ units: 2, activation: 'softmax' })], idsX);
    const bytes = encodeWnn({ model: a });
    const inner = JSON.parse(decodeSafetensors(bytes).metadata!.model).config.layers[1].config.layer.config;
    expect([inner.dropout, inner.recurrentDropout]).toEqual([0.2, 0.3]);
    const b = decodeWnn(bytes).model;
    const layer = (b.layers[1] as Bidirectional).forwardLayer as LSTM;
    expect([layer.dropout, layer.recurrentDropout]).toEqual([0.2, 0.3]);
    const file = decodeWnnForInference(bytes);
    const lite = InferenceModel.create(runtime(), file.model, file.weights);
    expect(bits(lite.predict(idsX).data)).toEqual(bits(a.predict(idsX).data));
    // a rate out of range in a file is refused by both readers
    const edited = edit(bytes, (meta) => { const e = JSON.parse(meta.model); e.config.layers[1].config.layer.config.recurrentDropout = 1; meta.model = JSON.stringify(e); });
    expect(() => decodeWnn(edited)).toThrow(/option recurrentDropout must be a number in \[0, 1\), got 1/);
    expect(() => decodeWnnForInference(edited)).toThrow(/option recurrentDropout must be a number in \[0, 1\), got 1/);
    lite.dispose?.(); a.dispose(); b.dispose();
  });

  it('resuming a fit with LSTM(dropout, recurrentDropout) from a file equals training straight through, bitwise', async () => {
    const x = { data: ints(24 * 6, 0, 25, 5), shape: [24, 6] };
    const y = Int32Array.from({ length: 24 }, (_, i) => (x.data[i * 6] + x.data[i * 6 + 1]) % 3);
    const build = () => {
      const m = new Sequential([new Embedding({ inputDim: 25, outputDim: 6, maskZero: true }), new LSTM({ units: 5, dropout: 0.3, recurrentDropout: 0.3 }),
        new Dense({ units: 3, activation: 'softmax' })], { seed: 2 });
      m.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const straight = build();
    await straight.fit(x, y, { epochs: 2, batchSize: 8, seed: 4 });
    const first = build();
    await first.fit(x, y, { epochs: 1, batchSize: 8, seed: 4 });
    const { model: resumed } = decodeWnn(encodeWnn({ model: first, includeOptimizer: true }));
    await resumed.fit(x, y, { epochs: 2, initialEpoch: 1, batchSize: 8, seed: 4 });
    const ws = straight.getWeights(), wr = resumed.getWeights();
    ws.forEach((w, i) => expect(bits(wr[i].values), w.name).toEqual(bits(w.values)));
    for (const m of [straight, first, resumed]) m.dispose();
  });
});

describe('the config whitelist', () => {
  it('knows every layer class of the registry, and every option their getConfig writes', async () => {
    const { LAYERS } = await import('../../src/layers/index.js');
    const { LAYER_OPTIONS } = await import('../../src/io/checks.js');
    expect(Object.keys(LAYER_OPTIONS).sort()).toEqual(Object.keys(LAYERS).sort());
    const sparse = make(() => [new Embedding({ inputDim: V, outputDim: 3, sparse: true }), new GlobalAveragePooling1D(), new Dense({ units: 2 })], idsX);
    const bag = make(() => [new EmbeddingBag({ inputDim: V, outputDim: 3, sparse: true }), new Dense({ units: 2 })], idsX);
    for (const m of [sparse, bag]) { const r = decodeWnn(encodeWnn({ model: m })); expectSameModel(m, r.model, idsX); r.model.dispose(); m.dispose(); }
  });
});

describe('contents besides the weights', () => {
  it('vectorizer, labels, training metadata and compile config come back; predictions on text match', () => {
    const texts = ['free money now', 'meeting at noon', 'win a prize', 'lunch tomorrow?', 'free prize inside', 'see you at noon'];
    const vec = new TextVectorizer({ maxTokens: 40, outputSequenceLength: 6 });
    vec.adapt(texts);
    const a = new Sequential([new Embedding({ inputDim: vec.vocabularySize, outputDim: 4, maskZero: true }), new LSTM({ units: 3 }), new Dense({ units: 2, activation: 'softmax' })], { seed: 3 });
    a.compile({ optimizer: new Adam({ learningRate: exponentialDecay({ initialLearningRate: 0.01, decaySteps: 10, decayRate: 0.5 }), clipNorm: 1 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy', 'f1'] });
    a.build([6]);
    const training = { epochs: 3, accuracy: 0.97, date: '2026-11-28', data: 'spam.csv', seed: 7, nested: { a: [1, 2] } };
    const bytes = encodeWnn({ model: a, vectorizer: vec, labels: ['ham', 'spam'], training });
    const r = decodeWnn(bytes);
    expect(r.labels).toEqual(['ham', 'spam']);
    expect(r.training).toEqual(training);
    expect(r.vectorizer!.toJSON()).toEqual(vec.toJSON());
    const probe = ['free lunch at noon', 'unknown words only', ''];
    expect(r.vectorizer!.transform(probe)).toEqual(vec.transform(probe));
    expectSameModel(a, r.model, vec.transform(probe));
    expect(r.model.loss).toEqual(a.loss);
    expect(r.model.metrics).toEqual(a.metrics);
    expect(r.model.optimizer!.getConfig()).toEqual(a.optimizer!.getConfig());
    expect(r.model.optimizer!.currentLearningRate()).toBe(a.optimizer!.currentLearningRate());
    a.dispose(); r.model.dispose();
  });

  it('a bag-mode vectorizer (hashed word and character n-grams) with an EmbeddingBag model', () => {
    const texts = ['free money now', 'meeting at noon', 'win a prize', 'lunch tomorrow?'];
    const vec = new TextVectorizer({ outputSequenceLength: 40, ngrams: { word: [1, 2], char: [2, 3], buckets: 97 } });
    vec.adapt(texts);
    const x = vec.transform(['free lunch at noon', 'zzz']);
    const a = make(() => [new EmbeddingBag({ inputDim: vec.vocabularySize, outputDim: 4 }), new Dense({ units: 2, activation: 'softmax' })], x);
    const r = decodeWnn(encodeWnn({ model: a, vectorizer: vec, labels: ['ham', 'spam'] }));
    expect(r.vectorizer!.transform(['free lunch at noon', 'zzz'])).toEqual(x);
    expectSameModel(a, r.model, x);
    a.dispose(); r.model.dispose();
  });

  it('every optimizer and learning-rate schedule comes back with its config and its rates', () => {
    const opts = [
      new SGD({ learningRate: stepDecay({ initialLearningRate: 0.1, every: 3, factor: 0.5 }), momentum: 0.5, nesterov: true, weightDecay: 0.01 }),
      new Adam({ learningRate: piecewiseConstant({ boundaries: [2, 5], values: [0.1, 0.01, 0.001] }), beta1: 0.8, epsilon: 1e-6 }),
      new AdamW({ learningRate: cosineDecay({ initialLearningRate: 0.01, decaySteps: 10, alpha: 0.1, warmupSteps: 2, warmupTarget: 0.02 }) }),
      new RMSprop({ learningRate: linearWarmup({ warmupSteps: 3, after: exponentialDecay({ initialLearningRate: 0.01, decaySteps: 4, decayRate: 0.9, staircase: true }) }), centered: true, momentum: 0.3 }),
      new Adagrad({ learningRate: linearWarmup({ warmupSteps: 2, after: 0.05 }), initialAccumulatorValue: 0.2, clipNorm: 2 }),
    ];
    for (const opt of opts) {
      const a = make(() => [new Dense({ units: 2 })], floatX);
      a.compile({ optimizer: opt, loss: 'meanSquaredError' });
      const b = decodeWnn(encodeWnn({ model: a })).model;
      expect(b.optimizer!.className).toBe(opt.className);
      expect(b.optimizer!.getConfig()).toEqual(opt.getConfig());
      for (let i = 0; i < 12; i++) {
        opt.iterations = b.optimizer!.iterations = i;
        expect(b.optimizer!.currentLearningRate(), `${opt.className} step ${i}`).toBe(opt.currentLearningRate());
      }
      a.dispose(); b.dispose();
    }
  });

  it('refuses labels that do not match the outputs, a tokenizer whose ids overflow the embedding, non-finite weights', () => {
    const a = make(() => [new Embedding({ inputDim: 5, outputDim: 2 }), new GlobalAveragePooling1D(), new Dense({ units: 3 })], idsX);
    expect(() => encodeWnn({ model: a, labels: ['x', 'y'] })).toThrow(/2 labels for a model with 3 outputs/);
    expect(() => encodeWnn({ model: a, labels: ['x', 'y', 'x'] })).toThrow(/distinct/);
    const three = encodeWnn({ model: a, labels: ['x', 'y', 'z'] });
    expect(() => decodeWnn(edit(three, (m) => { m.labels = '["x","y"]'; }))).toThrow(/2 labels but the model has 3 outputs/);
    expect(() => decodeWnn(edit(three, (m) => { m.labels = '["x","y","x"]'; }))).toThrow(/twice/);
    const vec = new TextVectorizer({ outputSequenceLength: 3 });
    vec.adapt(['a b c d e f g h']);
    expect(() => decodeWnn(encodeWnn({ model: a, vectorizer: vec }))).toThrow(/tokenizer emits ids up to 9/);
    const w = a.getWeights()[1];
    w.values[0] = NaN;
    expect(() => a.setWeights([w])).toThrow(/weight dense\/kernel: value 0 is NaN/);   // setWeights refuses it, so write it as a diverged update would
    (a.layers[2] as Dense).kernel.p.value.f32()[0] = NaN;
    expect(() => encodeWnn({ model: a })).toThrow(/dense\/kernel holds NaN at index 0; .* cannot be saved/);
    a.dispose();
  });

  it('refuses a tokenizer whose rows the model cannot take, or of a hostile length (both readers)', async () => {
    const { decodeWnnForInference } = await import('../../src/infer.js');
    const vec = new TextVectorizer({ outputSequenceLength: T });
    vec.adapt(['a b c d e f g h']);
    const bag = make(() => [new EmbeddingBag({ inputDim: V, outputDim: 3 }), new Dense({ units: 2 })], idsX);   // built for rows of T = 7
    const good = encodeWnn({ model: bag, vectorizer: vec });
    const withLength = (n: number) => edit(good, (m) => { const t = JSON.parse(m.tokenizer); t.config.outputSequenceLength = n; m.tokenizer = JSON.stringify(t); });
    for (const read of [(b: Uint8Array) => decodeWnn(b).model.dispose(), (b: Uint8Array) => decodeWnnForInference(b)]) {
      expect(() => read(withLength(5))).toThrow(/the tokenizer makes rows of 5 ids but the model takes rows of 7/);
      expect(() => read(withLength(2.5e8))).toThrow(/tokenizer is invalid: .*outputSequenceLength must be a whole number in \[1, 1000000\]/);
    }
    const short = new TextVectorizer({ outputSequenceLength: 5 });
    short.adapt(['a b c']);
    expect(() => encodeWnn({ model: bag, vectorizer: short })).toThrow(/rows of 5 ids but the model takes rows of 7, so the file would not load/);
    bag.dispose();
  });

  it('refuses a model inputShape its layers cannot take, in both readers (wasmnn/infer builds no layers)', async () => {
    const { decodeWnnForInference } = await import('../../src/infer.js');
    const m = make(() => [new Embedding({ inputDim: V, outputDim: 3 }), new LSTM({ units: 2 }), new Dense({ units: 2 })], idsX);
    const good = encodeWnn({ model: m });
    m.dispose();
    const shaped = (shape: unknown) => edit(good, (meta) => { const e = JSON.parse(meta.model); e.inputShape = shape; meta.model = JSON.stringify(e); });
    for (const read of [(b: Uint8Array) => decodeWnn(b).model.dispose(), (b: Uint8Array) => decodeWnnForInference(b)]) {
      expect(() => read(shaped([12, 1]))).toThrow(/layer 2 \(LSTM\) takes sequences of \(steps, features\) but gets samples of rank 3/);
      read(shaped([null]));   // the usual sequence model loads
    }
    const bag = make(() => [new EmbeddingBag({ inputDim: V, outputDim: 3 }), new Dense({ units: 2 })], idsX);
    const bagFile = encodeWnn({ model: bag });
    bag.dispose();
    expect(() => decodeWnnForInference(edit(bagFile, (meta) => { const e = JSON.parse(meta.model); e.inputShape = [3, 4, 5]; meta.model = JSON.stringify(e); })))
      .toThrow(/layer 1 \(EmbeddingBag\) takes a row of ids but gets samples of rank 3/);
  });

  it('refuses to encode a model that is not built', () => {
    expect(() => encodeWnn({ model: new Sequential([new Dense({ units: 2 })]) })).toThrow(/not built/);
  });
});

describe('resuming training from a file equals training straight through', () => {
  const x = { data: ints(40 * 8, 0, 25, 5), shape: [40, 8] };
  const y = Int32Array.from({ length: 40 }, (_, i) => (x.data[i * 8] + x.data[i * 8 + 1]) % 3);
  const buildModel = (opt: () => any, sparse = false) => {
    const m = new Sequential([new Embedding({ inputDim: 25, outputDim: 6, maskZero: true, sparse }), new Dropout({ rate: 0.2 }), new LSTM({ units: 5 }), new Dense({ units: 3, activation: 'softmax' })], { seed: 2 });
    m.compile({ optimizer: opt(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  it.each([
    ['Adam', () => new Adam({ learningRate: 0.02 }), false],
    ['SGD with momentum', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), false],
    ['Adam with a sparse (lazy) embedding', () => new Adam({ learningRate: 0.02 }), true],
  ] as [string, () => any, boolean][])('%s: 2 epochs, save, load, 1 more == 3 epochs, bitwise', async (_, opt, sparse) => {
    const build = (o: () => any) => buildModel(o, sparse);
    const straight = build(opt);
    const h3 = await straight.fit(x, y, { epochs: 3, batchSize: 8, seed: 4 });
    const first = build(opt);
    await first.fit(x, y, { epochs: 2, batchSize: 8, seed: 4 });
    const path = join(dir, `resume-${opt().className}-${sparse}.wnn`);
    await saveModel(path, { model: first, includeOptimizer: true, training: { epochs: 2 } });
    const { model: resumed, training } = await loadModel(path);
    expect(training).toEqual({ epochs: 2 });
    expect(resumed.optimizer!.iterations).toBe(first.optimizer!.iterations);
    expect(resumed.trainSteps).toBe(first.trainSteps);
    const h = await resumed.fit(x, y, { epochs: 3, initialEpoch: 2, batchSize: 8, seed: 4 });
    expect(h.history.loss[0]).toBe(h3.history.loss[2]);
    const ws = straight.getWeights(), wr = resumed.getWeights();
    ws.forEach((w, i) => expect(bits(wr[i].values), w.name).toEqual(bits(w.values)));
    // and without the optimizer state the continuation differs (the test can fail)
    const { model: cold } = decodeWnn(encodeWnn({ model: first }));
    await cold.fit(x, y, { epochs: 3, initialEpoch: 2, batchSize: 8, seed: 4 });
    expect(cold.getWeights().some((w, i) => !bits(w.values).every((b, j) => b === bits(ws[i].values)[j]))).toBe(true);
    for (const m of [straight, first, resumed, cold]) m.dispose();
  });
});

/** A copy of a file with its metadata edited and its tensors as they are (or edited). */
function edit(bytes: Uint8Array, f: (meta: Record<string, string>, tensors: { name: string; dtype: any; shape: number[]; data: any }[]) => void): Uint8Array {
  const { metadata, tensors } = decodeSafetensors(bytes);
  const list = [...tensors].map(([name, t]) => ({ name, ...t }));
  f(metadata, list);
  return encodeSafetensors(list, metadata);
}

describe('the loader refuses what does not fit', () => {
  const model = () => make(() => [new Embedding({ inputDim: V, outputDim: 4 }), new LSTM({ units: 3 }), new Dense({ units: 2, activation: 'softmax' })], idsX);
  let good: Uint8Array;
  beforeAll(() => { const m = model(); m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' }); good = encodeWnn({ model: m, includeOptimizer: true }); m.dispose(); });
  const cfg = (meta: Record<string, string>, f: (m: any) => void) => { const m = JSON.parse(meta.model); f(m); meta.model = JSON.stringify(m); };
  const cases: [string, (meta: Record<string, string>, t: any[]) => void, RegExp][] = [
    ['a newer format version', (m) => { m.format_version = '3'; }, /made by a newer wasmnn \(format 3\); upgrade wasmnn to load it \(this version reads format 2\)/],
    ['a format version that is not a number', (m) => { m.format_version = '1.0'; }, /not a version number/],
    ['another format', (m) => { m.format = 'pytorch'; }, /not "wasmnn"/],
    ['no format at all', (m) => { delete m.format; }, /no "format" metadata/],
    ['an unknown metadata key', (m) => { m.extra = 'x'; }, /unknown metadata key 'extra'/],
    ['no model config', (m) => { delete m.model; }, /no "model" metadata/],
    ['model config not JSON', (m) => { m.model = '{"className":'; }, /'model' is not valid JSON/],
    ['an unknown layer class', (m) => cfg(m, (c) => { c.config.layers[1].className = 'Lambda'; }), /unknown layer class "Lambda"/],
    ['an unknown layer option', (m) => cfg(m, (c) => { c.config.layers[2].config.kernelConstraint = 'nonNeg'; }), /unknown option 'kernelConstraint'/],
    ['a layer option of the wrong type', (m) => cfg(m, (c) => { c.config.layers[1].config.returnSequences = 'yes'; }), /returnSequences must be true or false/],
    ['a layer option out of range', (m) => cfg(m, (c) => { c.config.layers[2].config.units = -2; }), /units must be a whole number/],
    ['an activation we do not have', (m) => cfg(m, (c) => { c.config.layers[2].config.activation = 'gelu_new'; }), /activation must be one of/],
    ['an alias (the layers take it, a file holds the canonical name)', (m) => cfg(m, (c) => { c.config.layers[2].config.activation = 'swish'; }), /activation must be one of/],
    ['a SimpleRNN activation the kernel lacks', (m) => cfg(m, (c) => { c.config.layers[1] = { className: 'SimpleRNN', config: { name: 'lstm', units: 3, activation: 'sigmoid' } }; }), /\(SimpleRNN\) option activation must be one of "tanh", "relu", "linear", got "sigmoid"/],
    ['a SimpleRNN with a gate option', (m) => cfg(m, (c) => { c.config.layers[1] = { className: 'SimpleRNN', config: { name: 'lstm', units: 3, recurrentActivation: 'sigmoid' } }; }), /\(SimpleRNN\) has an unknown option 'recurrentActivation'/],
    ['a missing required option', (m) => cfg(m, (c) => { delete c.config.layers[2].config.units; }), /lacks the option units/],
    ['two layers with one name', (m) => cfg(m, (c) => { c.config.layers[2].config.name = c.config.layers[1].config.name; }), /appears twice/],
    ['a bad input shape', (m) => cfg(m, (c) => { c.inputShape = [-1]; }), /inputShape must be/],
    ['a model class other than Sequential', (m) => cfg(m, (c) => { c.className = 'Functional'; }), /Sequential/],
    ['a weight shape that disagrees with the config', (m) => cfg(m, (c) => { c.config.layers[2].config.units = 3; }), /'dense\/kernel' has shape \[3, 2\] but the model config gives that weight shape \[3, 3\]/],
    ['a missing weight', (_, t) => { t.splice(t.findIndex((x) => x.name === 'lstm/bias'), 1); }, /no tensor for the model's weight 'lstm\/bias'/],
    ['an extra tensor', (_, t) => { t.push({ name: 'stowaway', dtype: 'F32', shape: [1], data: new Float32Array(1) }); }, /tensor 'stowaway' that is not a weight/],
    ['an I32 weight', (_, t) => { const w = t.find((x) => x.name === 'dense/bias'); w.dtype = 'I32'; w.data = new Int32Array(w.data.length); }, /'dense\/bias' is I32/],
    ['a NaN weight', (_, t) => { t.find((x) => x.name === 'dense/bias').data[1] = NaN; }, /non-finite value \(NaN\) at index 1/],
    ['an infinite optimizer moment', (_, t) => { t.find((x) => x.name === '__optimizer__/1').data[3] = Infinity; }, /optimizer tensor '__optimizer__\/1' has a non-finite value \(Infinity\) at index 3/],
    ['a negative second moment (Adam v)', (_, t) => { t.find((x) => x.name === '__optimizer__/1').data[2] = -1e-3; }, /optimizer tensor '__optimizer__\/1' \(Adam's v, a running sum of squares\) holds -0\.001\d* at index 2; it is never negative/],
    ['an unknown optimizer', (m) => { const c = JSON.parse(m.compile); c.optimizer.className = 'Lion'; m.compile = JSON.stringify(c); }, /unknown class 'Lion'/],
    ['an unknown loss', (m) => { const c = JSON.parse(m.compile); c.loss.name = 'hinge'; m.compile = JSON.stringify(c); }, /unknown loss/],
    ['optimizer state with the wrong slot count', (m, t) => { m.optimizer = JSON.stringify({ ...JSON.parse(m.optimizer), slots: 1 }); t.splice(t.findIndex((x) => x.name === '__optimizer__/1'), 1); }, /1 optimizer slots but Adam keeps 2/],
    ['an optimizer slot of the wrong size', (_, t) => { const s = t.find((x) => x.name === '__optimizer__/0'); s.data = s.data.subarray(1); s.shape = [s.data.length]; }, /has \d+ values but the model's optimizer state has/],
    ['optimizer state without its tensors', (_, t) => { t.splice(t.findIndex((x) => x.name === '__optimizer__/1'), 1); }, /no optimizer tensor '__optimizer__\/1'/],
    ['a tokenizer that is not a vectorizer', (m) => { m.tokenizer = '{"format":"other"}'; }, /tokenizer is invalid/],
    ['labels that are not strings', (m) => { m.labels = '[1, 2]'; }, /not an array of strings/],
    ['training metadata that is not an object', (m) => { m.training = '[]'; }, /"training" is not an object/],
  ];
  it.each(cases)('%s', (_, f, message) => {
    const bytes = edit(good, f);
    let err: unknown;
    try { decodeWnn(bytes).model.dispose(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(WnnFormatError);
    expect((err as Error).message).toMatch(/^wasmnn: /);
    expect((err as Error).message).toMatch(message);
  });

  it('the unedited file loads (the cases above fail for their own reason)', () => {
    const r = decodeWnn(edit(good, () => {}));
    expect(r.model.optimizer!.className).toBe('Adam');
    r.model.dispose();
  });

  it('a refused file leaves no memory behind', async () => {
    const { runtime } = await import('../../src/runtime/default.js');
    const before = runtime().memoryInfo().liveBytes;
    const bytes = edit(good, (_, t) => { const s = t.find((x) => x.name === '__optimizer__/0')!; s.data = s.data.subarray(1); s.shape = [s.data.length]; });
    for (let i = 0; i < 20; i++) expect(() => decodeWnn(bytes)).toThrow(WnnFormatError);
    expect(runtime().memoryInfo().liveBytes).toBe(before);
  });

  it('an uninitialised runtime gives a clear error', async () => {
    await shutdown();
    expect(() => decodeWnn(good)).toThrow(/not initialised; call `await init\(\)`/);
    await init({ threads: 1 });
  });
});

describe('node files and sources', () => {
  it('src/io imports node: modules only dynamically (the main entry stays loadable in browsers and Workers)', async () => {
    const { readdir: ls, readFile: read } = await import('node:fs/promises');
    const root = new URL('../../src/io/', import.meta.url);
    const files = (await ls(root)).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('node.ts');
    for (const f of files) {
      const text = await read(new URL(f, root), 'utf8');
      expect(text, f).not.toMatch(/^\s*import[^(]*from\s*['"]node:/m);
      expect(text, f).not.toMatch(/\brequire\(/);
    }
  });

  it('saveModel / loadModel by path, file: URL, bytes, ArrayBuffer and Response', async () => {
    const a = make(() => [new Dense({ units: 3, activation: 'relu' }), new Dense({ units: 2 })], floatX);
    const path = join(dir, 'm.wnn');
    await saveModel(path, { model: a, labels: ['a', 'b'] });
    const bytes = new Uint8Array(await readFile(path));
    expect(bytes).toEqual(encodeWnn({ model: a, labels: ['a', 'b'] }));
    for (const src of [path, pathToFileURL(path), pathToFileURL(path).href, bytes, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), new Response(bytes)]) {
      const { model, labels } = await loadModel(src as any);
      expect(labels).toEqual(['a', 'b']);
      expectSameModel(a, model, floatX);
      model.dispose();
    }
    expect(await readModelSource(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength))).toEqual(bytes);
    a.dispose();
  });

  it('clear errors for a missing file, a directory, a failed response and a bad source', async () => {
    await expect(loadModel(join(dir, 'nope.wnn'))).rejects.toThrow(/no model file at .*nope\.wnn; check the path/);
    await expect(loadModel(dir)).rejects.toThrow(/is a directory/);
    await expect(loadModel(new Response('x', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(/HTTP 404/);
    await expect(readModelSource(42 as any)).rejects.toThrow(/a model source is a path/);
    const text = join(dir, 'text.wnn');
    await writeFile(text, 'hello world, not a model');
    await expect(loadModel(text)).rejects.toThrow(WnnFormatError);
  });

  it('writeFileAtomic replaces the file whole and leaves no temp file, also when it fails', async () => {
    const path = join(dir, 'atomic.bin');
    await writeFileAtomic(path, 'old');
    await Promise.all(Array.from({ length: 8 }, (_, i) => writeFileAtomic(path, new Uint8Array(1000).fill(i))));
    const got = new Uint8Array(await readFile(path));
    expect(got.length).toBe(1000);
    expect(got.every((b) => b === got[0])).toBe(true);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
    await expect(writeFileAtomic(join(dir, 'missing-dir', 'x.wnn'), 'x')).rejects.toThrow(/could not write .*missing-dir.*does not exist/);
    // a rename that fails (target is a non-empty directory) removes the temp file
    const blocker = join(dir, 'blocker');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(blocker, 'inner'), { recursive: true }));
    await expect(writeFileAtomic(blocker, 'x')).rejects.toThrow(/^wasmnn: could not write .*blocker: it is a directory; name a file in it instead$/);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
    if (process.getuid?.() !== 0) {
      const ro = join(dir, 'ro');
      await import('node:fs/promises').then((fs) => fs.mkdir(ro));
      await chmod(ro, 0o500);
      await expect(writeFileAtomic(join(ro, 'x'), 'x')).rejects.toThrow(/no permission/);
    }
  });
});
