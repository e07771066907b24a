// Texts in, class probabilities and labels out: the prediction loop shared by the full
// TextClassifier and the inference-only classifier of `wasmnn/infer` (which must stay free of
// training code, so this file imports only types and checks that infer has anyway: options, firstNonFinite).
import { firstNonFinite } from './io/checks.js';
import type { TextVectorizer } from './text/vectorizer.js';
import { checkOptions, optionNames } from './options.js';

export interface Prediction {
  label: string;
  index: number;
  probabilities: Record<string, number>;
}

export interface PredictOptions { batchSize?: number }

const PREDICT_OPTIONS = optionNames<PredictOptions>({ batchSize: true });

/** What classifyTexts needs of a model: batched predict from an id matrix to (n, classes). */
export interface PredictsIds {
  predict(x: { data: Int32Array; shape: [number, number] }, options: { batchSize?: number }): { data: Float32Array; shape: readonly number[] };
}

/** Class probabilities of every text: data is (n, classes), row-major. Texts are vectorised a
 *  chunk at a time, so the id matrix of a large input never exists whole. */
export function classifyTexts(model: PredictsIds, vectorizer: TextVectorizer, labels: readonly string[], texts: string | string[],
  options: PredictOptions = {}): { data: Float32Array; shape: [number, number] } {
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) {
    throw new TypeError('wasmnn: TextClassifier.predict: texts must be a string or an array of strings');
  }
  checkOptions('TextClassifier.predict', options, PREDICT_OPTIONS);
  const classes = labels.length;
  const out = new Float32Array(list.length * classes);
  const batchSize = options?.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`wasmnn: predict: batchSize must be a whole number >= 1, got ${batchSize}`);
  const chunk = batchSize * 16;
  for (let s = 0; s < list.length; s += chunk) {
    const p = model.predict(vectorizer.transform(list.slice(s, s + chunk)), { batchSize });
    if (p.shape[1] !== classes) throw new Error(`wasmnn: the model has ${p.shape[1]} outputs but ${classes} labels; the file is inconsistent`);
    // a NaN would make every comparison false, so the first label would win with NaN probabilities
    const bad = firstNonFinite(p.data);
    if (bad >= 0) {
      const text = s + Math.floor(bad / classes);
      throw new RangeError(`wasmnn: TextClassifier.predict: the model gave the probability ${p.data[bad]} for label '${labels[bad % classes]}' of text ${text}; ` +
        'its weights hold non-finite or overflowing values (training diverged, or they were set so): retrain with a lower learning rate or clipNorm, or load a good copy');
    }
    out.set(p.data, s * classes);
  }
  return { data: out, shape: [list.length, classes] };
}

/** Index of the first NaN or infinity in a, or -1 (x - x is 0 exactly for finite x). */
/** The most likely label of every row of (n, classes) probabilities, with every label's probability. */
export function toPredictions(data: Float32Array, n: number, labels: readonly string[]): Prediction[] {
  const k = labels.length;
  const out: Prediction[] = new Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    const entries: [string, number][] = new Array(k);
    for (let c = 0; c < k; c++) {
      entries[c] = [labels[c], data[r * k + c]];
      if (data[r * k + c] > data[r * k + best]) best = c;
    }
    // every label an own property, '__proto__' and 'constructor' included (an assignment to
    // obj['__proto__'] would set the prototype instead)
    out[r] = { label: labels[best], index: best, probabilities: Object.fromEntries(entries) };
  }
  return out;
}
