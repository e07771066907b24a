// `npm start`: trains the spam classifier on SpamAssassin (seeded stratified 80/20 split, see
// scripts/spam-assassin.mjs) with live progress, evaluates it on the held-out 20%, saves spam.wnn
// atomically and classifies two sample messages. Needs the built library (dist/, made by npm install).
// SPAM_EPOCHS / SPAM_LIMIT (train on the first N messages, test on N taken evenly across the test
// split) make a quick run for tests.
import { init, shutdown, env } from '../dist/index.js';
import { trainTextClassifier, TextClassifier } from '../dist/classifier/index.js';
import { Progress, progressMode, formatDuration } from '../dist/cli/progress.js';
import { evaluateClassifier, formatClassReport } from '../dist/cli/shared.js';
import { spamAssassin, spreadSubset, SPAM_LABELS } from './spam-assassin.mjs';

const OUT = process.env.SPAM_OUT ?? 'spam.wnn';
const limit = process.env.SPAM_LIMIT ? Number(process.env.SPAM_LIMIT) : Infinity;
const epochs = process.env.SPAM_EPOCHS ? Number(process.env.SPAM_EPOCHS) : undefined;
const SAMPLES = [
  'Hi Tom, the build on the test server failed again after the kernel update. Could you look at the logs before our meeting tomorrow? Thanks, Anna',
  'CONGRATULATIONS!!! You have been selected to receive a FREE $1000 gift card. Click here now to claim your prize, limited time offer, act now!',
];

const t0 = performance.now();
await init();
const data = spamAssassin(42);
const n = Math.min(limit, data.trainTexts.length);
const trainTexts = data.trainTexts.slice(0, n), trainLabels = Array.from(data.trainLabels.subarray(0, n), (c) => SPAM_LABELS[c]);
// the test split lists ham, then spam: a limited run takes messages evenly across it (stratified)
const test = spreadSubset(data.testTexts, data.testLabels, limit);
const testTexts = test.texts, testLabels = Array.from(test.labels, (c) => SPAM_LABELS[c]);
const mode = progressMode({}, process.stdout);
console.log(`SpamAssassin: ${trainTexts.length} training and ${testTexts.length} test messages (seed 42, stratified 80/20); runtime ${env().build}, ${env().threads} threads`);
let progress = null;
const { classifier, state } = await trainTextClassifier(trainTexts, trainLabels, {
  epochs, seed: 42, labelOrder: SPAM_LABELS,
  onStart: (info) => {
    progress = new Progress(mode, process.stdout, info.settings.epochs, info.trainSamples, info.settings.batchSize);
    console.log(`Training the ${info.arch} model (${info.classifier.model.countParams().toLocaleString('en-US')} parameters, vocabulary ${info.classifier.vectorizer.vocabulary.size}) for ${info.settings.epochs} epochs`);
  },
  callbacks: [{
    onEpochBegin: (e) => progress.onEpochBegin(e),
    onBatchEnd: (b, logs) => progress.onBatchEnd(b, logs),
    onEpochEnd: (e, logs) => progress.onEpochEnd(e, logs),
  }],
});
const trainSeconds = (performance.now() - t0) / 1000;
const report = evaluateClassifier(classifier, testTexts, testLabels, 'the test split');
console.log(`\nTest set: ${formatClassReport(classifier.labels, report)}`);
await classifier.save(OUT, { training: { ...state, data: 'SpamAssassin (seed 42, 80/20)', testAccuracy: report.accuracy, date: new Date().toISOString() } });
const loaded = await TextClassifier.load(OUT);
console.log(`\nSaved ${OUT}; classifying two messages with the loaded model:`);
for (const [text, p] of SAMPLES.map((t, i) => [t, loaded.predict(SAMPLES)[i]])) {
  console.log(`  ${p.label.padEnd(4)} (spam probability ${p.probabilities.spam.toFixed(4)})  "${text.slice(0, 70)}..."`);
}
const total = (performance.now() - t0) / 1000;
console.log(`\nMeasured: test accuracy ${(report.accuracy * 100).toFixed(2)}% (${Math.round(report.accuracy * testTexts.length)}/${testTexts.length}), ` +
  `${state.arch} model, ${state.epochsDone} epochs; data and training ${formatDuration(trainSeconds)}, total ${formatDuration(total)}`);
await shutdown();
