// The standard Keras binary text classifier, a model ending in Dense({ units: 1, activation:
// 'sigmoid' }) trained with binaryCrossentropy, as a TextClassifier with two labels: its output p
// is the probability of labels[1] and labels[0] gets 1 - p; the label is labels[1] when p > 0.5
// (Keras' threshold); the full library and wasmnn/infer agree bit for bit, through the .wnn file;
// the CLI's predict and eval read it; a single output that is no sigmoid (nor a linear logit), or
// with other than two labels, is refused with what to do; logits (a linear last layer) are read
// through a sigmoid or a softmax.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, runtime, shutdown } from '../../src/runtime/default.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { Sequential } from '../../src/models/sequential.js';
import { Dense, Dropout, Embedding, GlobalAveragePooling1D, LSTM } from '../../src/layers/index.js';
import { Adam } from '../../src/optimizers/optimizers.js';
import { TextVectorizer } from '../../src/text/vectorizer.js';
import { TextClassifier } from '../../src/classifier/text_classifier.js';
import { encodeWnn } from '../../src/io/wnn.js';
import { InferenceClassifier, TextClassifier as InferTextClassifier } from '../../src/infer.js';
import { evaluateClassifier } from '../../src/cli/shared.js';
import { predictCommand } from '../../src/cli/predict_command.js';
import { evalCommand } from '../../src/cli/eval_command.js';
import { dataCsv, sentimentData } from '../cli/helpers.js';
import { bits } from '../helpers/data.js';

const LABELS = ['neg', 'pos'];
const T = 12;

// the inference-only kernels (forward kernels only), as the wasmnn/infer bundles start them
let inferRt: Runtime;
const INFER_WASM = new URL('../../build/wasmnn-infer.wasm', import.meta.url);

beforeAll(async () => {
  await init({ threads: 2 });
  inferRt = await Runtime.create({ build: 'simd', wasm: { simd: INFER_WASM } });
});
afterAll(async () => { await shutdown(); await inferRt.close(); });

const train = sentimentData(160, 1);
const probe = sentimentData(40, 2);
const probeTexts = [...probe.texts, 'great love wonderful', 'awful hate terrible', '', 'words it never saw'];

function vectorizer(): TextVectorizer {
  return new TextVectorizer({ maxTokens: 100, outputSequenceLength: T }).adapt(train.texts);
}

function binaryModel(vec: TextVectorizer, head: 'sigmoid' | 'linear' | 'softmax' = 'sigmoid'): Sequential {
  return new Sequential([
    new Embedding({ inputDim: vec.vocabularySize, outputDim: 6 }),
    new GlobalAveragePooling1D(),
    new Dense({ units: 1, activation: head }),
  ], { seed: 5 });
}

let trained: { model: Sequential; vec: TextVectorizer; losses: number[] } | null = null;

/** A binary classifier trained a few epochs with binaryCrossentropy on 0 / 1 targets (pos = 1). */
async function trainedModel(): Promise<{ model: Sequential; vec: TextVectorizer; losses: number[] }> {
  if (trained) return trained;
  const vec = vectorizer();
  const model = binaryModel(vec);
  model.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const x = vec.transform(train.texts);
  const y = { data: Float32Array.from(train.labels, (l) => (l === 'pos' ? 1 : 0)), shape: [train.labels.length, 1] };
  const h = await model.fit(x, y, { epochs: 6, batchSize: 16, seed: 3 });
  trained = { model, vec, losses: h.history.loss };
  return trained;
}

/** The model's forward pass in plain JS: mean of the ids' embedding rows, then sigmoid(x . k + b). */
function referenceP(model: Sequential, vec: TextVectorizer, texts: string[]): number[] {
  const w = new Map(model.getWeights().map((x) => [x.name.split('/')[1], x.values]));
  const table = w.get('embeddings')!, kernel = w.get('kernel')!, bias = w.get('bias')!;
  const dim = kernel.length;
  const ids = vec.transform(texts);
  return texts.map((_, r) => {
    const mean = new Array<number>(dim).fill(0);
    for (let t = 0; t < T; t++) for (let d = 0; d < dim; d++) mean[d] += table[ids.data[r * T + t] * dim + d] / T;
    const z = mean.reduce((s, v, d) => s + v * kernel[d], bias[0]);
    return 1 / (1 + Math.exp(-z));
  });
}

describe('a single sigmoid output with two labels', () => {
  it('gives [1 - p, p] per text, p the model\'s own output; labels[1] exactly when p > 0.5', async () => {
    const { model, vec, losses } = await trainedModel();
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    const c = new TextClassifier(model, vec, LABELS);
    const probs = c.predictProbabilities(probeTexts, { batchSize: 7 });
    expect(probs.shape).toEqual([probeTexts.length, 2]);
    const p = model.predict(vec.transform(probeTexts)).data;
    expect(p.length).toBe(probeTexts.length);
    const ref = referenceP(model, vec, probeTexts);
    const preds = c.predict(probeTexts, { batchSize: 3 });
    for (let i = 0; i < probeTexts.length; i++) {
      // the positive column is the model's output, bit for bit; the negative one its complement (float32)
      expect(bits(probs.data.subarray(2 * i + 1, 2 * i + 2))).toEqual(bits(p.subarray(i, i + 1)));
      expect(probs.data[2 * i]).toBe(Math.fround(1 - p[i]));
      expect(p[i]).toBeCloseTo(ref[i], 5);
      expect(preds[i]).toEqual({ label: p[i] > 0.5 ? 'pos' : 'neg', index: p[i] > 0.5 ? 1 : 0, probabilities: { neg: probs.data[2 * i], pos: probs.data[2 * i + 1] } });
    }
    // it learned: the probe's labels, and the obvious texts
    const right = preds.slice(0, probe.texts.length).filter((q, i) => q.label === probe.labels[i]).length;
    expect(right).toBeGreaterThan(0.85 * probe.texts.length);
    expect(c.predict(['great love wonderful', 'awful hate terrible']).map((q) => q.label)).toEqual(['pos', 'neg']);
    expect(c.predictProbabilities([]).shape).toEqual([0, 2]);

    // the CLI's evaluation (argmax of the rows) counts the same labels as predict
    const report = evaluateClassifier(c, probe.texts, probe.labels, 'the probe');
    expect(report.accuracy).toBe(right / probe.texts.length);
    const confusion = [[0, 0], [0, 0]];
    preds.slice(0, probe.texts.length).forEach((q, i) => confusion[LABELS.indexOf(probe.labels[i])][q.index]++);
    expect(report.confusion).toEqual(confusion);
  });

  it('p exactly 0.5 is labels[0] (Keras: p > 0.5), everywhere; just above is labels[1]', () => {
    const vec = vectorizer();
    const model = binaryModel(vec);
    model.build([T]);
    const dense = model.layers[2].name;
    const setBias = (b: number) => model.setWeights([
      { name: `${dense}/kernel`, values: new Float32Array(6) },
      { name: `${dense}/bias`, values: new Float32Array([b]) },
    ]);
    setBias(0);   // every output sigmoid(0) = 0.5
    const c = new TextClassifier(model, vec, LABELS);
    const texts = ['great love', 'awful', ''];
    expect(Array.from(c.predictProbabilities(texts).data)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    for (const q of c.predict(texts)) expect(q).toEqual({ label: 'neg', index: 0, probabilities: { neg: 0.5, pos: 0.5 } });
    const lite = InferenceClassifier.fromBytes(c.toBytes(), { runtime: inferRt });
    expect(lite.predict(texts).map((q) => q.label)).toEqual(['neg', 'neg', 'neg']);
    lite.dispose();
    expect(evaluateClassifier(c, texts, ['neg', 'pos', 'pos'], 'ties').confusion).toEqual([[1, 0], [2, 0]]);
    // one float32 step above 0.5 (sigmoid(1e-6) ~ 0.5 + 2.5e-7) and below
    setBias(1e-6);
    const [up] = c.predict('great');
    expect(up.probabilities.pos).toBeGreaterThan(0.5);
    expect(up.label).toBe('pos');
    setBias(-1e-6);
    expect(c.predict('great')[0].label).toBe('neg');
    model.dispose();
  });

  it('the same probabilities, bit for bit, after toBytes / fromBytes and in wasmnn/infer (both kernel sets)', async () => {
    const { model, vec } = await trainedModel();
    const c = new TextClassifier(model, vec, LABELS);
    const want = c.predictProbabilities(probeTexts, { batchSize: 5 });
    const wantPreds = c.predict(probeTexts);
    const bytes = c.toBytes({ training: { note: 'binary' } });

    const back = TextClassifier.fromBytes(bytes);
    expect(back.labels).toEqual(LABELS);
    expect(back.training).toEqual({ note: 'binary' });
    expect(bits(back.predictProbabilities(probeTexts).data)).toEqual(bits(want.data));
    expect(back.predict(probeTexts)).toEqual(wantPreds);
    back.model.dispose();

    for (const rt of [runtime(), inferRt]) {
      const lite = InferenceClassifier.fromBytes(bytes, { runtime: rt });
      const got = lite.predictProbabilities(probeTexts, { batchSize: 4 });
      expect(got.shape).toEqual(want.shape);
      expect(bits(got.data)).toEqual(bits(want.data));
      expect(lite.predict(probeTexts)).toEqual(wantPreds);
      lite.dispose();
    }
    const loaded = await InferTextClassifier.load(bytes);
    expect(bits(loaded.predictProbabilities(probeTexts).data)).toEqual(bits(want.data));
    loaded.dispose();
  });

  it('a Dropout after the sigmoid output (the identity at inference) is read the same by both', () => {
    const vec = vectorizer();
    const model = new Sequential([new Embedding({ inputDim: vec.vocabularySize, outputDim: 4 }), new GlobalAveragePooling1D(),
      new Dense({ units: 1, activation: 'sigmoid' }), new Dropout({ rate: 0.5 })], { seed: 8 });
    const c = new TextClassifier(model, vec, LABELS);
    const want = c.predictProbabilities(probeTexts);
    expect(want.shape).toEqual([probeTexts.length, 2]);
    const lite = InferenceClassifier.fromBytes(c.toBytes(), { runtime: inferRt });
    expect(bits(lite.predictProbabilities(probeTexts).data)).toEqual(bits(want.data));
    lite.dispose();
    model.dispose();
  });

  it('the CLI\'s predict and eval read such a file', async () => {
    const { model, vec } = await trainedModel();
    const c = new TextClassifier(model, vec, LABELS);
    const dir = mkdtempSync(join(tmpdir(), 'wasmnn-binary-'));
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out.push(String(s)); return true; });
    try {
      const modelPath = join(dir, 'binary.wnn'), dataPath = join(dir, 'probe.csv');
      writeFileSync(modelPath, c.toBytes());
      writeFileSync(dataPath, dataCsv(probe));
      expect(await predictCommand([modelPath, 'great love wonderful', 'awful hate terrible', '--json'])).toBe(0);
      const lines = out.join('').trim().split('\n').map((l) => JSON.parse(l));
      const want = c.predict(['great love wonderful', 'awful hate terrible']);
      expect(lines).toEqual(want.map((q) => ({ label: q.label, probabilities: q.probabilities })));
      out.length = 0;
      expect(await evalCommand([modelPath, dataPath, '--json'])).toBe(0);
      const report = JSON.parse(out.join(''));
      expect(report.labels).toEqual(LABELS);
      expect(report.accuracy).toBe(evaluateClassifier(c, probe.texts, probe.labels, 'probe').accuracy);
      expect(report.accuracy).toBeGreaterThan(0.85);
    } finally {
      spy.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a single output that is no binary classifier is refused, saying what to do', () => {
  it('not a sigmoid (nor a linear logit), or other than two labels', () => {
    const vec = vectorizer();
    for (const act of ['softmax'] as const) {
      const m = binaryModel(vec, act);
      expect(() => new TextClassifier(m, vec, LABELS)).toThrow(new RegExp(`^wasmnn: TextClassifier: the model's last layer \\(Dense\\) has 1 output with activation '${act}', which is no probability; a single output must be a sigmoid \\(or a linear logit\\), the probability of 'pos' \\(labels\\[1\\]\\): give it activation: 'sigmoid' and pass two labels \\[negative, positive\\] .*or give it units: 2 with activation: 'softmax'$`));
      m.dispose();
    }
    const m = binaryModel(vec);
    expect(() => new TextClassifier(m, vec, ['a', 'b', 'c'])).toThrow(/^wasmnn: TextClassifier: 3 labels but the model's last layer \(Dense\) has 1 output; a single output is a binary classifier's: give it activation: 'sigmoid' and pass two labels \[negative, positive\] .*or give it units: 3 with activation: 'softmax'$/);
    m.dispose();
    // a single output of another layer: end the model with a Dense
    const rnn = new Sequential([new Embedding({ inputDim: vec.vocabularySize, outputDim: 4 }), new LSTM({ units: 1 })]);
    expect(() => new TextClassifier(rnn, vec, LABELS)).toThrow(/the model's last layer \(LSTM\) has 1 output.*end the model with Dense\(\{ units: 1, activation: 'sigmoid' \}\) and pass two labels .*or end it with Dense\(\{ units: 2, activation: 'softmax' \}\)/);
    rnn.dispose();
    // more outputs than labels still names both ways out
    const three = new Sequential([new Embedding({ inputDim: vec.vocabularySize, outputDim: 2 }), new GlobalAveragePooling1D(), new Dense({ units: 3, activation: 'softmax' })]);
    expect(() => new TextClassifier(three, vec, LABELS)).toThrow(/2 labels but the model's last layer \(Dense\) has 3 outputs; give it units: 2, or pass one label per output \(or units: 1 with activation: 'sigmoid', the probability of the second label\)/);
    three.dispose();
    // one output per label, but no probabilities (relu): refused by the classifier and the encoder
    const relu = new Sequential([new Embedding({ inputDim: vec.vocabularySize, outputDim: 2 }), new GlobalAveragePooling1D(), new Dense({ units: 2, activation: 'relu' })]);
    expect(() => new TextClassifier(relu, vec, LABELS)).toThrow(/the model's last layer \(Dense\) gives no probabilities: its activation is 'relu'; end the model with activation: 'softmax' \(or a linear layer of logits, trained with fromLogits: true\)/);
    relu.build([T]);
    expect(() => encodeWnn({ model: relu, vectorizer: vec, labels: LABELS })).toThrow(/gives no probabilities: its activation is 'relu'/);
    relu.dispose();
  });
});

describe('logits (a linear last layer, Keras\' fromLogits models) are read as probabilities', () => {
  it('one linear output with two labels: [1 - sigmoid(z), sigmoid(z)], the same bits after toBytes and in wasmnn/infer', () => {
    const vec = vectorizer();
    const m = binaryModel(vec, 'linear');
    const clf = new TextClassifier(m, vec, LABELS);
    const z = m.predict(vec.transform(probeTexts)).data;
    const got = clf.predictProbabilities(probeTexts).data;
    for (let i = 0; i < z.length; i++) {
      const p = Math.fround(1 / (1 + Math.exp(-z[i])));
      expect(got[2 * i + 1]).toBe(p);
      expect(got[2 * i]).toBe(Math.fround(1 - p));
    }
    const bytes = clf.toBytes();
    expect(bits(TextClassifier.fromBytes(bytes).predictProbabilities(probeTexts).data)).toEqual(bits(got));
    for (const rt of [runtime(), inferRt]) {
      const lite = InferenceClassifier.fromBytes(bytes, { runtime: rt });
      expect(bits(lite.predictProbabilities(probeTexts).data)).toEqual(bits(got));
      lite.dispose();
    }
    m.dispose();
  });

  it('one linear output per label: a softmax per row (float64, then float32), the labels of the logits\' argmax, the same bits in wasmnn/infer', () => {
    const vec = vectorizer();
    const labels = ['a', 'b', 'c'];
    const m = new Sequential([new Embedding({ inputDim: vec.vocabularySize, outputDim: 5 }), new GlobalAveragePooling1D(), new Dense({ units: 3 })], { seed: 9 });
    const clf = new TextClassifier(m, vec, labels);
    const z = m.predict(vec.transform(probeTexts)).data;
    const got = clf.predictProbabilities(probeTexts).data;
    const preds = clf.predict(probeTexts);
    for (let r = 0; r < probeTexts.length; r++) {
      const row = Array.from(z.subarray(3 * r, 3 * r + 3));
      const max = Math.max(...row), e = row.map((v) => Math.exp(v - max)), sum = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < 3; c++) expect(got[3 * r + c]).toBe(Math.fround(e[c] / sum));
      expect(preds[r].index).toBe(row.indexOf(max));
    }
    const bytes = clf.toBytes();
    for (const rt of [runtime(), inferRt]) {
      const lite = InferenceClassifier.fromBytes(bytes, { runtime: rt });
      expect(bits(lite.predictProbabilities(probeTexts).data)).toEqual(bits(got));
      lite.dispose();
    }
    m.dispose();
  });
});
