// Builds the demo's model, examples/browser/model/demo.wnn: the fastText-style 'bag' classifier
// trained on the SpamAssassin training split (scripts/spam-assassin.mjs), kept small (16-wide
// embeddings, 20,000 words). Run by `npm run demo:browser` when the file is missing; needs the
// built library (npm run build).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainTextClassifier } from '../../dist/classifier/train.js';
import { init, env, shutdown } from '../../dist/index.js';
import { spamAssassin, SPAM_LABELS } from '../../scripts/spam-assassin.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'model', 'demo.wnn');
const t0 = performance.now();
await init();
const { trainTexts, trainLabels, testTexts, testLabels } = spamAssassin();
const settings = { arch: 'bag', epochs: 3, embeddingDim: 16, vocabSize: 20000, seed: 42 };
const { classifier } = await trainTextClassifier(trainTexts, Array.from(trainLabels, (y) => SPAM_LABELS[y]), settings);
const predictions = classifier.predict(testTexts);
const accuracy = predictions.filter((p, i) => p.index === testLabels[i]).length / testTexts.length;
const bytes = classifier.toBytes({ training: { ...settings, data: 'SpamAssassin (seeded 80/20 split)', testAccuracy: accuracy } });
await mkdir(dirname(out), { recursive: true });
const tmp = `${out}.tmp${process.pid}`;
await writeFile(tmp, bytes);
await rename(tmp, out);
console.log(`demo model: ${out} (${(bytes.length / 2 ** 20).toFixed(1)} MiB), test accuracy ${(accuracy * 100).toFixed(2)}%, ` +
  `${((performance.now() - t0) / 1000).toFixed(1)} s on ${env().build} x${env().threads}`);
await shutdown();
