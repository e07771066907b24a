// Learning on real data: SpamAssassin, seeded stratified 80/20 split. A hashed n-gram bag model
// must reach 98.5% test accuracy, an Embedding-LSTM model 97%.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, shutdown, Sequential, Dense, Embedding, EmbeddingBag, LSTM, Adam, TextVectorizer } from '../../src/index.js';
import { spamAssassin, type SpamSplit } from '../helpers/spam.js';

let data: SpamSplit;
beforeAll(async () => { data = spamAssassin(42); await init({ threads: 2 }); });
afterAll(async () => { await shutdown(); });

describe('SpamAssassin', () => {
  it('a hashed-n-gram bag model reaches 98.5% test accuracy (the fastText benchmark configuration)', async () => {
    // bench/fasttext.mjs BAG: every unigram and hashed word bigrams of the first 1,500 ids,
    // unknown words left out; mean bag of 32 dims with lazy row-sparse Adam; 4 epochs
    const vec = new TextVectorizer({ maxTokens: null, outputSequenceLength: 1500, ngrams: { word: [1, 2], buckets: 100000, dropUnknown: true } });
    vec.adapt(data.trainTexts);
    const x = vec.transform(data.trainTexts), xt = vec.transform(data.testTexts);
    const m = new Sequential([new EmbeddingBag({ inputDim: vec.vocabularySize, outputDim: 32, sparse: true }), new Dense({ units: 2, activation: 'softmax' })], { seed: 7 });
    m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, data.trainLabels, { epochs: 4, batchSize: 32, seed: 7 });
    const ev = m.evaluate(xt, data.testLabels);
    console.log('bag model test accuracy', ev.accuracy);
    expect(ev.accuracy).toBeGreaterThanOrEqual(0.985);
    m.dispose();
  });

  it('an Embedding-LSTM model reaches 97% test accuracy', async () => {
    const vec = new TextVectorizer({ maxTokens: 20000, outputSequenceLength: 150, truncating: 'pre', normalize: { stripHtml: true, replaceUrls: true, replaceEmails: true, replaceNumbers: true } });
    vec.adapt(data.trainTexts);
    const x = vec.transform(data.trainTexts), xt = vec.transform(data.testTexts);
    const m = new Sequential([
      new Embedding({ inputDim: vec.vocabularySize, outputDim: 32, maskZero: true }),
      new LSTM({ units: 32 }),
      new Dense({ units: 2, activation: 'softmax' }),
    ]);
    // Adam at 2e-3 with clipNorm 1, 6 epochs: 97.9-98.0% at seeds 1, 2 and 7, so the 97% bar holds
    // with ~12 test samples to spare. (At 5e-3 without clipping the test accuracy jumped by up to
    // 6 points between epochs and ended at 96.0-97.9% depending on the seed.)
    m.compile({ optimizer: new Adam({ learningRate: 0.002, clipNorm: 1 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, data.trainLabels, { epochs: 6, batchSize: 32, seed: 7 });
    const ev = m.evaluate(xt, data.testLabels);
    console.log('lstm model test accuracy', ev.accuracy);
    expect(ev.accuracy).toBeGreaterThanOrEqual(0.97);
    m.dispose();
  });
});
