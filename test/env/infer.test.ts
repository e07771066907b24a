// The inference-only path (wasmnn/infer) against the full library: for every classifier
// architecture and a model using every other layer option, a .wnn written by the full library and
// read by the inference reader predicts the same float32 bits as Sequential.predict /
// TextClassifier, on the full kernels and on the inference-only kernel set that the wasmnn/infer
// bundles load (build/wasmnn-infer.wasm); and hostile or inconsistent files get clear errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRuntime, init, runtime, shutdown } from '../../src/runtime/default.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { Sequential } from '../../src/models/sequential.js';
import { Activation, AveragePooling1D, Bidirectional, Conv1D, Dense, Dropout, Embedding, GlobalAveragePooling1D, GRU, LayerNormalization, LSTM, MaxPooling1D, SimpleRNN, SpatialDropout1D } from '../../src/layers/index.js';
import { TextVectorizer } from '../../src/text/vectorizer.js';
import { TextClassifier } from '../../src/classifier/text_classifier.js';
import { ARCHITECTURES, ARCH_NAMES } from '../../src/classifier/architectures.js';
import { encodeWnn } from '../../src/io/wnn.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { InferenceClassifier, InferenceModel, WnnFormatError, decodeWnnForInference, readModelSource, TextClassifier as InferTextClassifier } from '../../src/infer.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lstmSequence } from '../../src/kernels/lstm.js';
import { bits } from '../helpers/data.js';

const TEXTS = [
  'win a free prize now, click the link', 'meeting moved to thursday at 10', 'cheap meds online no prescription',
  'can you review my pull request today?', 'URGENT: your account has been suspended', 'lunch tomorrow? the usual place',
  'you have been selected for a $1000 gift card', 'the quarterly report is attached', 'hello', '',
  'a much longer message that goes on and on about nothing in particular, repeating words words words to exceed the length',
];
const LABELS = ['ham', 'spam', 'other'];


// the inference-only kernels (forward kernels only), as the wasmnn/infer bundles start them
let inferRt: Runtime;
const INFER_WASM = new URL('../../build/wasmnn-infer.wasm', import.meta.url);

beforeAll(async () => {
  await init();
  inferRt = await Runtime.create({ build: 'simd', wasm: { simd: INFER_WASM } });
});
afterAll(async () => { await shutdown(); await inferRt.close(); });

describe.each([['full kernels', () => runtime()], ['inference-only kernels', () => inferRt]])('InferenceModel on the %s equals Sequential.predict bit for bit', (_name, rtOf) => {
  it('runs on the kernel set it names', () => {
    expect(rtOf().inferenceOnly).toBe(_name === 'inference-only kernels');
  });

  for (const arch of ARCH_NAMES) {
    it(`${arch} classifier`, () => {
      const a = ARCHITECTURES[arch];
      const s = { ...a.defaults, maxLen: 24, vocabSize: 300, embeddingDim: 8, units: 6 };
      const vec = new TextVectorizer(a.vectorizer(s)).adapt(TEXTS);
      const model = new Sequential(a.layers(s, vec.vocabularySize, LABELS.length), { seed: 11 });
      const full = new TextClassifier(model, vec, LABELS);
      const want = full.predictProbabilities(TEXTS, { batchSize: 4 });
      const lite = InferenceClassifier.fromBytes(full.toBytes(), { runtime: rtOf() });
      const got = lite.predictProbabilities(TEXTS, { batchSize: 4 });
      expect(got.shape).toEqual(want.shape);
      expect(bits(got.data)).toEqual(bits(want.data));
      expect(lite.predict(TEXTS)).toEqual(full.predict(TEXTS));
      expect(InferTextClassifier).toBe(InferenceClassifier);
      lite.dispose();
      model.dispose();
    });
  }

  it('every other layer option: GRU/LSTM/SimpleRNN sequences, Bidirectional merges, Conv1D, LayerNorm, Dropout, SpatialDropout1D, Max/AveragePooling1D, Dense activations, Activation layers', () => {
    const vec = new TextVectorizer({ maxTokens: 200, outputSequenceLength: 12 }).adapt(TEXTS);
    const x = vec.transform(TEXTS);
    const stacks = [
      () => [new Embedding({ inputDim: vec.vocabularySize, outputDim: 6, maskZero: true }), new GRU({ units: 5, returnSequences: true, goBackwards: true }),
        new LayerNormalization(), new Bidirectional({ layer: new LSTM({ units: 4, returnSequences: true, recurrentActivation: 'hardSigmoid' }), mergeMode: 'sum' }),
        new GlobalAveragePooling1D(), new Dropout({ rate: 0.3 }), new Dense({ units: 7, activation: 'gelu' }), new Dense({ units: 3, activation: 'softmax' })],
      () => [new Embedding({ inputDim: vec.vocabularySize, outputDim: 6 }), new Conv1D({ filters: 5, kernelSize: 3, activation: 'tanh', strides: 2 }),
        new Bidirectional({ layer: new GRU({ units: 4, useBias: false }), mergeMode: 'mul' }), new Dense({ units: 4, activation: 'softplus', useBias: false }),
        new LayerNormalization({ center: false, epsilon: 1e-2 }), new Dense({ units: 2, activation: 'sigmoid' })],
      () => [new Embedding({ inputDim: vec.vocabularySize, outputDim: 6, maskZero: true }),
        new Bidirectional({ layer: new LSTM({ units: 3, returnSequences: true }), mergeMode: 'ave' }), new Conv1D({ filters: 4, kernelSize: 2, padding: 'same', dilationRate: 2 }),
        new Bidirectional({ layer: new LSTM({ units: 3 }) }), new Dense({ units: 5, activation: 'relu' }), new Dense({ units: 2 })],
      () => [new Embedding({ inputDim: vec.vocabularySize, outputDim: 6, maskZero: true }), new SpatialDropout1D({ rate: 0.3 }), new Conv1D({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }),
        new MaxPooling1D({ poolSize: 3, strides: 2, padding: 'same' }), new AveragePooling1D({ poolSize: 2, strides: 1 }), new GRU({ units: 4 }), new Dense({ units: 3, activation: 'softmax' })],
      // SimpleRNN: folded after an Embedding (masked, goBackwards, relu), unfolded after a layer, in a Bidirectional, no bias
      () => [new Embedding({ inputDim: vec.vocabularySize, outputDim: 6, maskZero: true }), new SimpleRNN({ units: 9, returnSequences: true, goBackwards: true, activation: 'relu' }),
        new SimpleRNN({ units: 5, returnSequences: true }), new Bidirectional({ layer: new SimpleRNN({ units: 4, activation: null, useBias: false }), mergeMode: 'concat' }),
        new Dense({ units: 3, activation: 'softmax' })],
      () => [new Embedding({ inputDim: vec.vocabularySize, outputDim: 6 }), new Bidirectional({ layer: new SimpleRNN({ units: 17 }), mergeMode: 'sum' }), new Dense({ units: 2 })],
      () => [new Embedding({ inputDim: vec.vocabularySize, outputDim: 7 }), new AveragePooling1D({ poolSize: 5, strides: 3, padding: 'same' }), new MaxPooling1D(), new GlobalAveragePooling1D(), new Dense({ units: 2 })],
      // the Keras activations and the Activation layer (softmax over the last axis of sequences too)
      () => [new Embedding({ inputDim: vec.vocabularySize, outputDim: 6, maskZero: true }), new Activation('mish'), new Activation('softmax'),
        new Conv1D({ filters: 5, kernelSize: 3, padding: 'same', activation: 'elu' }), new GlobalAveragePooling1D(), new Dense({ units: 6, activation: 'selu' }),
        new Dense({ units: 6, activation: 'swish' }), new Dense({ units: 6, activation: 'leaky_relu' }), new Dense({ units: 6, activation: 'relu6' }), new Activation('hardSigmoid'),
        new Dense({ units: 5, activation: 'hardSigmoidRelu6' }), new Dense({ units: 5, activation: 'softsign' }), new Dense({ units: 4, activation: 'exponential' }),
        new Dense({ units: 3 }), new Activation({ activation: 'softmax' })],
    ];
    for (const make of stacks) {
      const model = new Sequential(make(), { seed: 5 });
      const want = model.predict(x, { batchSize: 3 });
      const file = decodeWnnForInference(encodeWnn({ model }));
      const lite = InferenceModel.create(rtOf(), file.model, file.weights);
      const got = lite.predict(x, { batchSize: 3 });
      expect(got.shape).toEqual(want.shape);
      expect(bits(got.data)).toEqual(bits(want.data));
      lite.dispose();
      model.dispose();
    }
  });
});

describe('the inference-only kernel set', () => {
  it('has the forward kernels only, and a training kernel called on it says what to use instead', () => {
    expect(inferRt.hasKernel('f32_lstm_seq_fwd')).toBe(true);
    expect(inferRt.hasKernel('f32_lstm_seq_bwd')).toBe(false);
    expect(inferRt.hasKernel('f32_adam_update')).toBe(false);
    expect(() => inferRt.run('f32_adam_update', 1, [])).toThrow(/f32_adam_update is not in the inference-only kernels .*to train, start the runtime on the full kernels/);
    expect(() => inferRt.run('f32_no_such_fwd', 1, [])).toThrow(/no kernel named f32_no_such_fwd/);
  });
  it('runs the LSTM forward without gates, and refuses to store gates with a clear error', () => {
    const [B, T, H] = [2, 3, 8];
    const run = (rt: Runtime, keep: boolean) => rt.step(() => {
      const xw = rt.temp([B, T, 4 * H]).set(Array.from({ length: B * T * 4 * H }, (_, i) => Math.sin(i)));
      const u = rt.temp([H, 4 * H]).set(Array.from({ length: H * 4 * H }, (_, i) => 0.1 * Math.cos(i)));
      const hs = rt.temp([B, T, H]), cs = rt.temp([B, T, H]);
      lstmSequence(rt, { xw, u, hs, cs, gates: keep ? rt.temp([B, T, 4 * H]) : null });
      return bits(hs.f32().slice());
    });
    expect(run(inferRt, false)).toEqual(run(runtime(), false));
    expect(() => run(inferRt, true)).toThrow(/storing the gates .* needs the full kernels/);
  });
});

describe('inference reader errors', () => {
  const classifier = () => {
    const a = ARCHITECTURES.bag;
    const s = { ...a.defaults, maxLen: 16, vocabSize: 100, embeddingDim: 4 };
    const vec = new TextVectorizer(a.vectorizer(s)).adapt(TEXTS);
    return new TextClassifier(new Sequential(a.layers(s, vec.vocabularySize, 2), { seed: 1 }), vec, ['a', 'b']);
  };

  it('refuses a newer format version, a foreign file, a missing weight and an unknown layer, with wasmnn errors', () => {
    const tc = classifier();
    tc.predict('warm up');   // builds the model
    const bytes = tc.toBytes();
    const { metadata, weights } = decodeWnnForInference(bytes);
    const rewrite = (meta: Record<string, string>, ws = weights) => encodeSafetensors(
      [...ws].map(([name, w]) => ({ name, dtype: 'F32' as const, shape: w.shape, data: w.data })), meta);
    expect(() => InferenceClassifier.fromBytes(rewrite({ ...metadata, format_version: '3' }))).toThrow(/made by a newer wasmnn \(format 3\); upgrade wasmnn/);
    expect(() => InferenceClassifier.fromBytes(rewrite({ ...metadata, format: 'other' }))).toThrow(/wasmnn: .*not "wasmnn"/);
    const fewer = new Map([...weights].filter(([n]) => !n.endsWith('/bias')));
    expect(() => InferenceClassifier.fromBytes(rewrite(metadata, fewer))).toThrow(WnnFormatError);
    expect(() => InferenceClassifier.fromBytes(rewrite(metadata, fewer))).toThrow(/wasmnn: the model file has no weight '.*\/bias'; the file is damaged/);
    const model = JSON.parse(metadata.model);
    model.config.layers[1].className = 'Attention';
    expect(() => InferenceClassifier.fromBytes(rewrite({ ...metadata, model: JSON.stringify(model) }))).toThrow(/wasmnn: the model config is invalid: layer 2 has an unknown layer class "Attention"/);
    expect(() => InferenceClassifier.fromBytes(rewrite({ ...metadata, labels: '["a","b","c"]' }))).toThrow(/3 labels but the model predicts 2/);
    const shrunk = new Map([...weights].map(([n, w]) => [n, n.endsWith('/embeddings') ? { shape: [10, w.shape[1]], data: w.data.slice(0, 10 * w.shape[1]) } : w]));
    expect(() => InferenceClassifier.fromBytes(rewrite(metadata, shrunk))).toThrow(/wasmnn: weight '.*\/embeddings' has shape \[10, 4\] but the model's config needs/);
    expect(() => InferenceClassifier.fromBytes(new Uint8Array([1, 2, 3]))).toThrow(/wasmnn: /);
    const lite = InferenceClassifier.fromBytes(bytes);
    expect(() => lite.predict([1 as any])).toThrow(/texts must be a string or an array of strings/);
    expect(lite.predict([])).toEqual([]);
    lite.dispose();
    expect(() => lite.predict('x')).toThrow(/disposed/);
    tc.model.dispose();
  });
});

describe('the inference reader refuses what the full loader refuses', () => {
  // a small trained-looking classifier (lstm), its file split into metadata and tensors to edit
  const setup = () => {
    const a = ARCHITECTURES.lstm;
    const s = { ...a.defaults, maxLen: 12, vocabSize: 50, embeddingDim: 4, units: 4 };
    const vec = new TextVectorizer(a.vectorizer(s)).adapt(TEXTS);
    const model = new Sequential(a.layers(s, vec.vocabularySize, 2), { seed: 2 });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const tc = new TextClassifier(model, vec, ['ham', 'spam']);
    const want = tc.predictProbabilities(TEXTS).data;
    const file = decodeSafetensors(tc.toBytes({ includeOptimizer: true, training: { epochs: 1 } }));
    model.dispose();
    return { want, file };
  };
  type Tensors = Map<string, { dtype: 'F32' | 'I32'; shape: number[]; data: Float32Array | Int32Array }>;
  const encode = (metadata: Record<string, string>, tensors: Tensors) =>
    encodeSafetensors([...tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.data })), metadata);
  /** The full loader's and the inference reader's error messages for the same bytes. */
  const errors = (bytes: Uint8Array) => [() => TextClassifier.fromBytes(bytes), () => InferenceClassifier.fromBytes(bytes)].map((load) => {
    try { load(); return 'loaded'; } catch (e) { return `${(e as Error).name}: ${(e as Error).message}`; }
  });

  it('non-finite weights, a tokenizer beyond the Embedding, a tensor that is no weight: the same WnnFormatError', () => {
    const { file } = setup();
    const withData = (name: string, at: number, v: number) => {
      const t = new Map(file.tensors) as Tensors;
      const data = Float32Array.from(t.get(name)!.data);
      data[at] = v;
      t.set(name, { ...t.get(name)!, data });
      return encode(file.metadata, t);
    };
    const cases: [Uint8Array, RegExp][] = [
      [withData('dense/kernel', 3, NaN), /weight 'dense\/kernel' has a non-finite value \(NaN\) at index 3/],
      [withData('embedding/embeddings', 0, -Infinity), /weight 'embedding\/embeddings' has a non-finite value \(-Infinity\) at index 0/],
      [withData('lstm/bias', 15, Infinity), /weight 'lstm\/bias' has a non-finite value \(Infinity\) at index 15/],
    ];
    const tok = JSON.parse(file.metadata.tokenizer);
    tok.config.maxTokens = null;
    for (let i = 0; i < 40; i++) tok.vocabulary.push(`zz${i}`);
    const inputDim = file.tensors.get('embedding/embeddings')!.shape[0];
    cases.push([encode({ ...file.metadata, tokenizer: JSON.stringify(tok) }, file.tensors as Tensors),
      new RegExp(`the tokenizer emits ids up to ${tok.vocabulary.length - 1} but layer 'embedding' takes ids below ${inputDim}`)]);
    const extra = new Map(file.tensors) as Tensors;
    extra.set('zzz/extra', { dtype: 'F32', shape: [2], data: new Float32Array(2) });
    cases.push([encode(file.metadata, extra), /the file has a tensor 'zzz\/extra' that is not a weight of the model/]);
    // optimizer slots only in a file that announces an optimizer
    const { optimizer: _o, ...noOptimizer } = file.metadata;
    cases.push([encode(noOptimizer, file.tensors as Tensors), /the file has a tensor '__optimizer__\/0' that is not a weight of the model/]);
    for (const [bytes, pattern] of cases) {
      const [full, infer] = errors(bytes);
      expect(full).toMatch(pattern);
      expect(full).toMatch(/^WnnFormatError: wasmnn: .*; the file is damaged or was not written by wasmnn$/);
      expect(infer).toBe(full);
    }
  });

  it('reads no training state: a checkpoint predicts the same bits; a malformed training entry is not read (documented)', () => {
    const { file, want } = setup();
    const lite = InferenceClassifier.fromBytes(encode(file.metadata, file.tensors as Tensors));
    expect(bits(lite.predictProbabilities(TEXTS).data)).toEqual(bits(want));
    lite.dispose();
    const [full, infer] = errors(encode({ ...file.metadata, training: '[1,2]' }, file.tensors as Tensors));
    expect(full).toMatch(/metadata "training" is not an object/);
    expect(infer).toBe('loaded');
  });

  it('weights whose layers do not chain: refused at load by both readers, not at predict', () => {
    const { file } = setup();
    const t = new Map(file.tensors) as Tensors;
    // the probe of the QA report: the embedding narrowed to width 1, the LSTM kernel left at width 4
    const emb = t.get('embedding/embeddings')!;
    t.set('embedding/embeddings', { dtype: 'F32', shape: [emb.shape[0], 1], data: new Float32Array(emb.shape[0]) });
    const model = JSON.parse(file.metadata.model);
    model.config.layers[0].config.outputDim = 1;
    const [full, infer] = errors(encode({ ...file.metadata, model: JSON.stringify(model) }, t));
    expect(full).toMatch(/^WnnFormatError: .*lstm\/kernel/);
    expect(infer).toMatch(/^WnnFormatError: wasmnn: weight 'lstm\/kernel' has shape \[4, 16\] but the model's config needs \[1, 16\]/);
  });

  it('a Bidirectional whose merge changes the width the next layer reads: refused at load', () => {
    const vec = new TextVectorizer({ maxTokens: 50, outputSequenceLength: 6 }).adapt(TEXTS);
    const model = new Sequential([new Embedding({ inputDim: vec.vocabularySize, outputDim: 3 }), new Bidirectional({ layer: new LSTM({ units: 4 }) }), new Dense({ units: 2, activation: 'softmax' })], { seed: 1 });
    const tc = new TextClassifier(model, vec, ['ham', 'spam']);
    tc.predictProbabilities(TEXTS);   // builds it
    const file = decodeSafetensors(tc.toBytes());
    model.dispose();
    const spec = JSON.parse(file.metadata.model);
    spec.config.layers[1].config.mergeMode = 'sum';   // the Dense kernel stays (8, 2)
    const [full, infer] = errors(encode({ ...file.metadata, model: JSON.stringify(spec) }, file.tensors as Tensors));
    expect(full).toMatch(/^WnnFormatError: /);
    expect(infer).toMatch(/^WnnFormatError: wasmnn: weight 'dense\/kernel' has shape \[8, 2\] but the model's config needs \[4, 2\]/);
  });

  it('predict: zero-length sequences give the initial state, not the memory of an earlier call', () => {
    const { file } = setup();
    const lite = InferenceClassifier.fromBytes(encode(file.metadata, file.tensors as Tensors));
    const m = lite.model;
    const want = (() => {
      // the oracle: the Dense layer on h = 0 is its bias alone, softmax-ed
      const b = file.tensors.get('dense/bias')!.data as Float32Array;
      const e = Array.from(b, (v) => Math.exp(v - Math.max(...b)));
      return e.map((v) => v / e.reduce((x, y) => x + y));
    })();
    const empty = { data: new Int32Array(0), shape: [3, 0] };
    for (let round = 0; round < 2; round++) {
      const got = m.predict(empty);
      expect(got.shape).toEqual([3, 2]);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(got.data[i * 2 + j]).toBeCloseTo(want[j], 6);
      m.predict({ data: Int32Array.from({ length: 24 }, (_, i) => 1 + (i % 9)), shape: [2, 12] });   // leaves other values in the arena
    }
    lite.dispose();
  });

  it('predict: bad inputs get wasmnn errors naming the problem', () => {
    const { file } = setup();
    const lite = InferenceClassifier.fromBytes(encode(file.metadata, file.tensors as Tensors));
    const m = lite.model;
    expect(() => m.predict(null as never)).toThrow(/^wasmnn: predict: x must be \{ data: Int32Array \| Float32Array \| Float64Array, shape: \[N, .*\] \}, got null$/);
    expect(() => m.predict([[1, 2, 3]] as never)).toThrow(/x must be \{ data: .*got an array of 1$/);
    expect(() => m.predict({ data: [1, 2, 3], shape: [1, 3] } as never)).toThrow(/^wasmnn: predict: x.data must be an Int32Array, Float32Array or Float64Array .*got an array of 3$/);
    expect(() => m.predict({ data: new Int32Array(3), shape: ['1', 3] } as never)).toThrow(/x.shape must be whole numbers >= 0, got \["1", 3\]/);
    // plain JS numbers as a Float64Array: taken as the full library takes them (whole ids), same bits
    const ids = Int32Array.from({ length: 24 }, (_, i) => 1 + (i % 9));
    expect(bits(m.predict({ data: Float64Array.from(ids), shape: [2, 12] }).data)).toEqual(bits(m.predict({ data: ids, shape: [2, 12] }).data));
    expect(() => m.predict({ data: Float64Array.from([1, 2.5, 3]), shape: [1, 3] })).toThrow(/token id 2.5 at index 1 is not a whole number/);
    expect(() => m.predict({ data: Float64Array.from([1, 1e10, 3]), shape: [1, 3] })).toThrow(/token id 10000000000 at index 1 is outside the model's vocabulary/);
    expect(() => m.predict({ data: new Int32Array(3), shape: [3] })).toThrow(/^wasmnn: predict: x has shape \[3\] but the model takes \[N, /);
    expect(() => m.predict({ data: new Int32Array(4), shape: [2, 3] })).toThrow(/x.shape \[2, 3\] holds 6 values but x.data has 4/);
    expect(() => m.predict({ data: new Float32Array([2, 3, 4]), shape: [1, 3] })).toThrow(/x.data must be an Int32Array of token ids, got a Float32Array/);
    expect(() => m.predict({ data: new Int32Array(3), shape: [1, 3] }, null as never)).toThrow(/options must be an object/);
    expect(() => InferenceModel.create(runtime(), JSON.parse(file.metadata.model), {} as never)).toThrow(/weights must be a Map/);
    lite.dispose();
  });

  it('batchSize 0: the same error as the full library', () => {
    const { file } = setup();
    const lite = InferenceClassifier.fromBytes(encode(file.metadata, file.tensors as Tensors));
    expect(() => lite.predictProbabilities(['a'], { batchSize: 0 })).toThrow(/^wasmnn: predict: batchSize must be a whole number >= 1, got 0$/);
    expect(() => lite.predictProbabilities([], { batchSize: 0 })).toThrow(/^wasmnn: predict: batchSize must be a whole number >= 1, got 0$/);
    lite.dispose();
  });
});

describe('model sources', () => {
  it('reads a path, a file: URL, bytes, an ArrayBuffer and a Response; refuses the rest clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmnn-infer-'));
    try {
      const bytes = new Uint8Array([1, 2, 3, 4, 5]);
      const file = join(dir, 'm.wnn');
      writeFileSync(file, bytes);
      for (const src of [file, pathToFileURL(file), pathToFileURL(file).href, bytes, bytes.buffer, new DataView(bytes.buffer, 1, 3), new Response(bytes)]) {
        const got = await readModelSource(src as any);
        expect(Array.from(got)).toEqual(src instanceof DataView ? [2, 3, 4] : [1, 2, 3, 4, 5]);
      }
      await expect(readModelSource(join(dir, 'missing.wnn'))).rejects.toThrow(/wasmnn: no model file at .*missing\.wnn; check the path/);
      // a device would be read without end (the QA probe ran for 8 s before it was stopped)
      await expect(readModelSource('/dev/zero')).rejects.toThrow(/^wasmnn: \/dev\/zero is not a regular file \(a device, pipe or socket\)/);
      await expect(readModelSource(dir)).rejects.toThrow(/is a directory, not a model file/);
      await expect(readModelSource(new Response('x', { status: 404 }))).rejects.toThrow(/wasmnn: could not fetch the model from .*HTTP 404/);
      await expect(readModelSource(42 as any)).rejects.toThrow(/wasmnn: a model source is a path, URL/);
      await expect(InferenceClassifier.load(file)).rejects.toThrow(/wasmnn: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('load() without a runtime starts the default one while it reads the file: same bits; a bad file is the error', async () => {
    const a = ARCHITECTURES.lstm;
    const s = { ...a.defaults, maxLen: 16, vocabSize: 200, embeddingDim: 8, units: 8 };
    const vec = new TextVectorizer(a.vectorizer(s)).adapt(TEXTS);
    const model = new Sequential(a.layers(s, vec.vocabularySize, 2), { seed: 5 });
    const full = new TextClassifier(model, vec, ['ham', 'spam']);
    const want = full.predictProbabilities(TEXTS).data;
    const dir = mkdtempSync(join(tmpdir(), 'wasmnn-infer-'));
    try {
      const file = join(dir, 'm.wnn');
      writeFileSync(file, full.toBytes());
      model.dispose();
      await shutdown();
      expect(hasRuntime()).toBe(false);
      const lite = await InferenceClassifier.load(file);
      expect(hasRuntime()).toBe(true);
      expect(runtime().env().build).toBe('simd');
      // the caller chose nothing: the reason is the entry's default, not 'chosen by the caller'
      expect(runtime().env().reason).toMatch(/^single-thread build: the default of wasmnn\/infer \(import from 'wasmnn' for threads\)$/);
      expect(bits(lite.predictProbabilities(TEXTS).data)).toEqual(bits(want));
      lite.dispose();
      await shutdown();
      await expect(InferenceClassifier.load(join(dir, 'missing.wnn'))).rejects.toThrow(/no model file at .*missing\.wnn/);
      writeFileSync(file, new Uint8Array([1, 2, 3]));
      await shutdown();
      await expect(InferenceClassifier.load(file)).rejects.toThrow(WnnFormatError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await init();   // the runtime the other tests use
    }
  });
});
