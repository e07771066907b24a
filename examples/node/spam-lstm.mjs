// The classic text-classification pipeline on SpamAssassin, step by step: clean the text, build a
// vocabulary (words -> ids, not counts), Embedding -> LSTM -> softmax, Adam with categorical
// cross-entropy, fit, evaluate, predict, save, load.
// node examples/node/spam-lstm.mjs   (after npm install; EXAMPLE_LIMIT=500 EXAMPLE_EPOCHS=1 for a quick run)
import { init, shutdown, Sequential, Embedding, LSTM, Dense, Adam, TextVectorizer, TextClassifier } from '../../dist/index.js';
import { spamAssassin, spreadSubset, SPAM_LABELS } from '../../scripts/spam-assassin.mjs';

const limit = Number(process.env.EXAMPLE_LIMIT ?? Infinity), epochs = Number(process.env.EXAMPLE_EPOCHS ?? 4);
const out = process.env.EXAMPLE_OUT ?? 'spam-lstm.wnn';
await init();
const data = spamAssassin(42);                      // seeded, stratified 80/20 split; labels 0 = ham, 1 = spam
const trainTexts = data.trainTexts.slice(0, limit), trainLabels = data.trainLabels.slice(0, limit);   // shuffled: both classes
// the test split lists ham, then spam: a limited run takes messages evenly across it (stratified)
const { texts: testTexts, labels: testLabels } = spreadSubset(data.testTexts, data.testLabels, limit);

// 1. clean + tokenise + vocabulary: HTML out, URLs / e-mails / numbers as placeholders, last 150 words
const vec = new TextVectorizer({
  normalize: { stripHtml: true, replaceUrls: true, replaceEmails: true, replaceNumbers: true },
  maxTokens: 20000, outputSequenceLength: 150, truncating: 'pre',
});
vec.adapt(trainTexts);
const x = vec.transform(trainTexts);                // { data: Int32Array of word ids, shape: [n, 150] }

// 2. the model
const model = new Sequential([
  new Embedding({ inputDim: vec.vocabularySize, outputDim: 32, maskZero: true }),
  new LSTM({ units: 32 }),
  new Dense({ units: 2, activation: 'softmax' }),
]);
model.compile({ optimizer: new Adam({ learningRate: 0.005 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

// 3. fit, evaluate, predict
await model.fit(x, trainLabels, { epochs, batchSize: 32, seed: 7, verbose: 1 });
const { accuracy } = model.evaluate(vec.transform(testTexts), testLabels);
const testSpam = testLabels.reduce((a, b) => a + b, 0);
console.log(`test accuracy ${(accuracy * 100).toFixed(2)}% on ${testLabels.length} messages (${testLabels.length - testSpam} ham, ${testSpam} spam)`);
const samples = ['Meeting moved to 3pm, see the agenda attached.', 'WIN a FREE vacation!!! Click now to claim your prize'];
const probs = model.predict(vec.transform(samples));
samples.forEach((s, i) => console.log(`${SPAM_LABELS[probs.data[i * 2 + 1] > 0.5 ? 1 : 0]}: ${s}`));

// 4. save model + vocabulary + labels in one file, load it back, predict with strings
const classifier = new TextClassifier(model, vec, SPAM_LABELS);
await classifier.save(out);
const loaded = await TextClassifier.load(out);
console.log(loaded.predict(samples).map((p) => `${p.label} ${p.probabilities.spam.toFixed(3)}`).join(', '));
await shutdown();
