// Quantized model files: size, load time and accuracy of float32, float16 and int8 storage.
// `npm run bench -- quantize [--json] [--quick]`
//
// Two classifiers are trained on SpamAssassin (the shared seeded 80/20 split, seed 42): the default
// `bag` model (what `wasmnn train` and `npm start` make) and the `lstm` one. Each is saved three
// ways (encodeWnn: float32; quantize 'float16'; quantize 'int8' with per-row scales) and each file
// is measured as a Worker or a page would use it, through wasmnn/infer's reader:
//   bytes, gzip -9 bytes    the file, and what a Worker upload or an HTTP transfer would carry
//   load ms                 InferenceClassifier.fromBytes (parse, check, dequantize, copy into the
//                           heap), median of 7
//   test accuracy           on the 1,209 test messages
//   same label              test messages whose label equals the float32 model's
//   max |p - p32|           the largest difference of any class probability from the float32 model's
// No competitor runs here: none of them quantizes in JavaScript (tfjs' and ONNX Runtime's
// quantizers are Python tools, fastText's `quantize` is not in its wasm build). --quick: the bag
// model only, one epoch.
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machine, median, table } from './_util.mjs';
import { spamAssassin, SPAM_LABELS } from '../scripts/spam-assassin.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');

export default async function main(args) {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const W = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
  const I = await import(pathToFileURL(path.join(root, 'dist', 'infer.js')).href);
  const { trainTextClassifier } = await import(pathToFileURL(path.join(root, 'dist', 'classifier', 'index.js')).href);
  await W.init();
  await I.init();
  const data = spamAssassin(42);
  const trainLabels = Array.from(data.trainLabels, (l) => SPAM_LABELS[l]);
  const truth = Array.from(data.testLabels, (l) => SPAM_LABELS[l]);
  const started = new Date().toISOString();
  const rows = [];
  for (const arch of quick ? ['bag'] : ['bag', 'lstm']) {
    const t0 = performance.now();
    const { classifier } = await trainTextClassifier(data.trainTexts, trainLabels, { arch, seed: 42, ...(quick ? { epochs: 1 } : {}) });
    const trainSeconds = (performance.now() - t0) / 1000;
    let base = null;
    for (const quantize of [null, 'float16', 'int8']) {
      const bytes = classifier.toBytes({ quantize });
      const times = [];
      let c = null;
      for (let i = 0; i < 7; i++) {
        c?.dispose();
        const s = performance.now();
        c = I.InferenceClassifier.fromBytes(bytes);
        times.push(performance.now() - s);
      }
      const probs = c.predictProbabilities(data.testTexts).data;
      const labels = c.predict(data.testTexts).map((p) => p.label);
      c.dispose();
      if (!base) base = { probs, labels };
      let diff = 0;
      for (let i = 0; i < probs.length; i++) diff = Math.max(diff, Math.abs(probs[i] - base.probs[i]));
      rows.push({
        model: arch, weights: quantize ?? 'float32', bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length,
        loadMs: median(times), testAccuracy: labels.filter((l, i) => l === truth[i]).length / truth.length,
        sameLabel: labels.filter((l, i) => l === base.labels[i]).length, tested: truth.length, maxProbDiff: diff, trainSeconds,
      });
    }
    classifier.model.dispose();
  }
  if (json) { for (const r of rows) console.log(JSON.stringify({ bench: 'quantize', ...r })); await W.shutdown(); await I.shutdown(); return; }
  console.log(`quantize: ${machine()}, ${started}; SpamAssassin, seed 42, ${truth.length} test messages; files read by wasmnn/infer`);
  const f32 = (m) => rows.find((r) => r.model === m && r.weights === 'float32');
  table(rows.map((r) => ({
    model: r.model, weights: r.weights, 'file KB': (r.bytes / 1024).toFixed(0), 'vs f32': (r.bytes / f32(r.model).bytes).toFixed(3),
    'gzip KB': (r.gzipBytes / 1024).toFixed(0), 'load ms': r.loadMs.toFixed(1), 'test acc': (100 * r.testAccuracy).toFixed(2) + '%',
    'same label': `${r.sameLabel}/${r.tested}`, 'max |p - p32|': r.maxProbDiff.toExponential(1),
  })), ['model', 'weights', 'file KB', 'vs f32', 'gzip KB', 'load ms', 'test acc', 'same label', 'max |p - p32|']);
  await W.shutdown();
  await I.shutdown();
}
