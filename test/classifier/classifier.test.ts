// TextClassifier and trainTextClassifier: round trip through the .wnn bytes (same predictions,
// bit for bit), predictions consistent with the probabilities, deterministic label order, an exact
// in-process resume from every checkpoint, and clear errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, shutdown } from '../../src/index.js';
import { TextClassifier, trainTextClassifier, labelOrder, type Checkpoint } from '../../src/classifier/index.js';
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
  });
});
