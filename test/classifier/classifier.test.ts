// TextClassifier and trainTextClassifier: round trip through the .wnn bytes (same predictions,
// bit for bit), predictions consistent with the probabilities, deterministic label order, an exact
// in-process resume from every checkpoint, and clear errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, shutdown } from '../../src/index.js';
import { TextClassifier, trainTextClassifier, labelOrder, resumeState, ValidationSplitError, ARCHITECTURES, ARCH_NAMES, type Checkpoint } from '../../src/classifier/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { Dense, Embedding, GlobalAveragePooling1D } from '../../src/layers/index.js';
import { TextVectorizer } from '../../src/text/vectorizer.js';
import { encodeWnn } from '../../src/io/wnn.js';
import { toPredictions } from '../../src/predictions.js';
import { sentimentData } from '../cli/helpers.js';

beforeAll(async () => { await init({ threads: 2 }); });
afterAll(async () => { await shutdown(); });

const FAST = { arch: 'cnn' as const, maxLen: 24, vocabSize: 200, valSplit: 0.1 };

describe('TextClassifier', () => {
  it('learns, and predicts the same after toBytes / fromBytes', async () => {
    const d = sentimentData(300, 1, ['pos', 'neg', 'mixed']);
    const { classifier, history } = await trainTextClassifier(d.texts, d.labels, { ...FAST, epochs: 4 });
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    expect(history.history.loss[3]).toBeLessThan(history.history.loss[0]);
    expect(classifier.labels).toEqual(['mixed', 'neg', 'pos']);
    const t = sentimentData(50, 9, ['pos', 'neg', 'mixed']);
    const probs = classifier.predictProbabilities(t.texts);
    const back = TextClassifier.fromBytes(classifier.toBytes());
    expect(Buffer.from(back.predictProbabilities(t.texts).data.buffer).equals(Buffer.from(probs.data.buffer))).toBe(true);
    const preds = classifier.predict(t.texts, { batchSize: 7 });
    preds.forEach((p, r) => {
      const row = Array.from(probs.data.subarray(r * 3, r * 3 + 3));
      expect(p.index).toBe(row.indexOf(Math.max(...row)));
      expect(p.label).toBe(classifier.labels[p.index]);
      expect(Object.values(p.probabilities)).toEqual(row);
    });
    expect(preds.filter((p, i) => p.label === t.labels[i]).length).toBeGreaterThan(45);
    expect(classifier.predict('great love wonderful')[0].label).toBe('pos');
    expect(classifier.predictProbabilities([]).shape).toEqual([0, 3]);
  });

  it('sizes the bag model by vocabSize + buckets', async () => {
    const d = sentimentData(200, 2);
    const { classifier } = await trainTextClassifier(d.texts, d.labels, { arch: 'bag', vocabSize: 100, buckets: 257, epochs: 1, maxLen: 64 });
    const table = classifier.model.getWeights().find((w) => w.name.endsWith('embeddings'))!;
    expect(table.shape[0]).toBe(classifier.vectorizer.vocabularySize);
    expect(classifier.vectorizer.vocabularySize).toBeLessThanOrEqual(100 + 257);
    expect(classifier.vectorizer.vocabularySize).toBeGreaterThan(257);
    await expect(trainTextClassifier(d.texts, d.labels, { arch: 'bag', buckets: 0 })).rejects.toThrow(/buckets must be a whole number >= 1/);
  });

  it('resumes from any checkpoint to the same weights, bit for bit', async () => {
    const d = sentimentData(200, 4);
    const cks: Checkpoint[] = [];
    const a = await trainTextClassifier(d.texts, d.labels, { ...FAST, epochs: 3, onCheckpoint: (c) => { cks.push(c); } });
    expect(cks.map((c) => c.epochsDone)).toEqual([0, 1, 2, 3]);
    const want = a.classifier.model.getWeights();
    for (const c of cks.slice(0, 3)) {
      const b = await trainTextClassifier(d.texts, d.labels, { epochs: 3, resume: TextClassifier.fromBytes(c.bytes()) });
      expect(b.history.history.loss).toEqual(a.history.history.loss);
      b.classifier.model.getWeights().forEach((w, i) => expect(Buffer.from(w.values.buffer).equals(Buffer.from(want[i].values.buffer)), w.name).toBe(true));
    }
    // the checkpoint's settings are kept: asking for others is refused (the same value is fine)
    const ck = () => TextClassifier.fromBytes(cks[1].bytes());
    const { ResumeSettingsError } = await import('../../src/classifier/train.js');
    for (const [k, v] of [['learningRate', 0.5], ['arch', 'bag'], ['seed', 99], ['valSplit', 0.3], ['maxLen', 7], ['batchSize', 3]] as const) {
      const e = await trainTextClassifier(d.texts, d.labels, { epochs: 3, resume: ck(), [k]: v }).catch((x) => x);
      expect(e, k).toBeInstanceOf(ResumeSettingsError);
      expect(e.message).toMatch(new RegExp(`trained with ${k} .* asks for ${JSON.stringify(v)}; .*leave ${k} out to resume, or start afresh`));
    }
    const same = await trainTextClassifier(d.texts, d.labels, { epochs: 2, resume: ck(), learningRate: resumeState(ck()).settings.learningRate, arch: 'cnn', seed: null as never });
    expect(same.state.epochsDone).toBe(2);
    const other = sentimentData(200, 5);
    await expect(trainTextClassifier(other.texts, other.labels, { resume: TextClassifier.fromBytes(cks[1].bytes()) })).rejects.toThrow(/different training data/);
    await expect(trainTextClassifier(d.texts, d.labels, { resume: TextClassifier.fromBytes(a.classifier.toBytes()) })).rejects.toThrow(/not a training checkpoint/);
  });

  it('stops at an aborted signal with the last checkpoint', async () => {
    const d = sentimentData(200, 6);
    const ac = new AbortController();
    let epochs = 0;
    const { TrainingInterrupted } = await import('../../src/classifier/train.js');
    const p = trainTextClassifier(d.texts, d.labels, { ...FAST, epochs: 50, signal: ac.signal, callbacks: [{ onEpochEnd: () => { if (++epochs === 2) ac.abort(); } }] });
    const e = await p.catch((x) => x);
    expect(e).toBeInstanceOf(TrainingInterrupted);
    expect(e.checkpoint.epochsDone).toBe(2);
  });

  it('orders labels deterministically and refuses bad data', async () => {
    expect(labelOrder(['10', '9', '1', '9'])).toEqual(['1', '9', '10']);
    expect(labelOrder(['b', 'a', 'B', 'é'])).toEqual(['B', 'a', 'b', 'é']);
    await expect(trainTextClassifier(['a', 'b'], ['x', 'x'])).rejects.toThrow(/needs at least two classes/);
    await expect(trainTextClassifier([], [])).rejects.toThrow(/data is empty/);
    await expect(trainTextClassifier(['a'], ['x', 'y'])).rejects.toThrow(/1 training texts but 2 labels/);
    await expect(trainTextClassifier(['a', 'b'], ['x', 'y'], { arch: 'rnn' as never })).rejects.toThrow(/unknown architecture 'rnn'/);
    expect(() => new TextClassifier(null as never, null as never, ['a', 'a'])).toThrow(/label names repeat/);
    const vec = new TextVectorizer({ outputSequenceLength: 4 });
    vec.adapt(['a b', 'c d']);
    const three = new Sequential([new Embedding({ inputDim: vec.vocabularySize, outputDim: 2 }), new GlobalAveragePooling1D(), new Dense({ units: 3, activation: 'softmax' })]);
    expect(() => new TextClassifier(three, vec, ['x', 'y'])).toThrow(/2 labels but the model's last layer \(Dense\) has 3 outputs; give it units: 2/);
  });
});

describe('labels, options and settings a person can get wrong', () => {
  it('any label string is an own property of probabilities: __proto__, constructor, toString', async () => {
    const d = sentimentData(60, 7);
    const names: Record<string, string> = { pos: '__proto__', neg: 'constructor' };
    const { classifier } = await trainTextClassifier(d.texts, d.labels.map((l) => names[l]), { arch: 'bag', epochs: 1, buckets: 16, maxLen: 16 });
    expect(classifier.labels).toEqual(['__proto__', 'constructor']);
    const [p] = classifier.predict('great love');
    expect(Object.keys(p.probabilities)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(p.probabilities)).toBe(Object.prototype);
    for (const l of classifier.labels) expect(Object.hasOwn(p.probabilities, l) && typeof p.probabilities[l]).toBe('number');
    expect(Object.keys(JSON.parse(JSON.stringify(p)).probabilities)).toEqual(['__proto__', 'constructor']);
    // the shared row-to-prediction step, with more names that live on Object.prototype
    const labels = ['toString', '__proto__', 'hasOwnProperty'];
    const [q] = toPredictions(new Float32Array([0.25, 0.5, 0.25]), 1, labels);
    expect(q).toMatchObject({ label: '__proto__', index: 1 });
    expect(Object.entries(q.probabilities)).toEqual([['toString', 0.25], ['__proto__', 0.5], ['hasOwnProperty', 0.25]]);
  });

  it('an unknown option of trainTextClassifier is an error naming it, not ignored', async () => {
    const d = sentimentData(20, 8);
    await expect(trainTextClassifier(d.texts, d.labels, { epoch: 1 } as never)).rejects.toThrow(/wasmnn: trainTextClassifier: unknown option 'epoch'; did you mean 'epochs'\? \(options: .*epochs/);
    await expect(trainTextClassifier(d.texts, d.labels, { arch: 'bag', learning_rate: 0.1 } as never)).rejects.toThrow(/unknown option 'learning_rate'/);
    await expect(trainTextClassifier(d.texts, d.labels, 5 as never)).rejects.toThrow(/trainTextClassifier: options must be an object/);
  });

  it('a validation split that holds out nothing says why and what helps', async () => {
    const singles = trainTextClassifier(['a', 'b', 'c'], ['x', 'y', 'z'], { valSplit: 0.9 });
    await expect(singles).rejects.toThrow(ValidationSplitError);
    await expect(singles).rejects.toThrow(/valSplit 0\.9 holds out none of the 3 samples for validation: every class has a single sample.*set valSplit to 0 \(no validation\) or add labelled texts/);
    const d = sentimentData(40, 9);   // 20 per class: 0.01 of 20 rounds to 0, 0.03 to 1
    const small = await trainTextClassifier(d.texts, d.labels, { valSplit: 0.01 }).catch((e) => e);
    expect(small).toBeInstanceOf(ValidationSplitError);
    expect(small.message).toMatch(/valSplit 0\.01 holds out none of the 40 samples for validation: 0\.01 of the largest class \(20 samples\) rounds to none; raise valSplit to 0\.03 or more, or set valSplit to 0/);
    expect(small.smallestSplit).toBe(0.03);
    const ok = await trainTextClassifier(d.texts, d.labels, { valSplit: small.smallestSplit, epochs: 0, arch: 'bag', buckets: 8 });
    expect(ok.validation!.texts.length).toBe(2);
  });

  it('predict with batchSize 0 says so (as wasmnn/infer does), also for no texts', async () => {
    const d = sentimentData(20, 10);
    const { classifier } = await trainTextClassifier(d.texts, d.labels, { arch: 'bag', epochs: 0, buckets: 8 });
    for (const texts of [['a'], []]) {
      expect(() => classifier.predictProbabilities(texts, { batchSize: 0 })).toThrow(/^wasmnn: predict: batchSize must be a whole number >= 1, got 0$/);
    }
    expect(() => classifier.predict('a', { batchSize: 2.5 })).toThrow(/batchSize must be a whole number >= 1, got 2\.5/);
  });

  it('refuses a vectorizer whose ids exceed the Embedding at construction, and encodeWnn refuses it too', () => {
    const vec = new TextVectorizer({ outputSequenceLength: 5 }).adapt(['a b c']);   // ids 0 .. 4
    const small = new Sequential([new Embedding({ inputDim: 2, outputDim: 4 }), new GlobalAveragePooling1D(), new Dense({ units: 2, activation: 'softmax' })]);
    expect(() => new TextClassifier(small, vec, ['x', 'y'])).toThrow(/^wasmnn: TextClassifier: the vectorizer emits ids up to 4 but layer 'Embedding' takes ids below 2; build that layer with inputDim: vectorizer\.vocabularySize$/);
    small.build([5]);
    expect(() => new TextClassifier(small, vec, ['x', 'y'])).toThrow(/layer 'embedding' takes ids below 2/);
    expect(() => encodeWnn({ model: small, vectorizer: vec, labels: ['x', 'y'] })).toThrow(/encodeWnn: the tokenizer emits ids up to 4 but layer 'embedding' takes ids below 2, so the file would not load/);
    small.dispose();
    const fits = new Sequential([new Embedding({ inputDim: vec.vocabularySize, outputDim: 4 }), new GlobalAveragePooling1D(), new Dense({ units: 2, activation: 'softmax' })]);
    const c = new TextClassifier(fits, vec, ['x', 'y']);
    const want = c.predict('a c');   // builds the model
    expect(TextClassifier.fromBytes(c.toBytes()).predict('a c')).toEqual(want);
    fits.dispose();
  });

  it('each architecture\'s description says maskZero exactly when its Embedding masks (the --help text)', () => {
    for (const arch of ARCH_NAMES) {
      const a = ARCHITECTURES[arch];
      const first = a.layers({ ...a.defaults, units: 4 }, 10, 2)[0] as { className: string; maskZero?: boolean };
      expect(a.description.includes('maskZero'), arch).toBe(first.className === 'Embedding' && first.maskZero === true);
    }
  });
});
