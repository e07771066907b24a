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

/**
 * A layer as far as the classifiers read it: the full library's layer objects and a model file's
 * layer configs (className with config's units and activation) both fit.
 */
export interface OutputLayer { className: string; units?: unknown; activation?: unknown; /** the activation comes from an Activation layer after it */ byActivationLayer?: boolean }

/**
 * The layer a model's outputs come from: the last one, past any Dropout (the identity at
 * inference). Activation layers after it set the outputs' activation: then the layer is described
 * with their activation (the last one that is not linear), so Dense({ units: 1 }) followed by
 * Activation({ activation: 'sigmoid' }) reads as the Dense(1, sigmoid) it computes.
 */
export function outputLayerOf<T extends OutputLayer>(layers: readonly T[]): T | OutputLayer | undefined {
  let activation: unknown;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    if (l.className === 'Dropout') continue;
    if (l.className === 'Activation') {
      if (activation === undefined && l.activation !== 'linear') activation = l.activation;
      continue;
    }
    return activation === undefined ? l : { className: l.className, units: l.units, activation, byActivationLayer: true };
  }
  return layers[layers.length - 1];
}

/** How a classifier turns its model's outputs into label probabilities (see outputReading). */
export interface OutputReading {
  /** One output p for two labels: the rows are [1 - p, p]. */
  sigmoid: boolean;
  /** The outputs are logits (a linear last layer, trained with fromLogits): softmax, or the sigmoid of one output, makes them probabilities. */
  logits: boolean;
  /** Why the outputs are no probabilities of the labels (null when they are). */
  problem: string | null;
}

/**
 * How a classifier reads its model's outputs. A model with one output per label gives every
 * label's probability: a softmax (or sigmoids, one per label), or logits (a linear last layer,
 * Keras' fromLogits models), which the classifier turns into softmax probabilities. A single
 * output is the standard Keras binary classifier, Dense({ units: 1, activation: 'sigmoid' }) (or
 * linear: a logit) trained with binaryCrossentropy: p is the probability of labels[1] and labels[0]
 * gets 1 - p; it needs exactly two labels. Any other activation (relu, tanh, ...) gives no
 * probabilities: `problem` says so. A layer whose units are not one per label is left to the
 * caller (its own check).
 */
export function outputReading(layer: OutputLayer | undefined, labels: readonly string[]): OutputReading {
  const activation = typeof layer?.activation === 'string' ? layer.activation : null;
  const n = labels.length;
  if (!layer || typeof layer.units !== 'number') return { sigmoid: false, logits: false, problem: null };
  const name = layer.className;
  const dense = name === 'Dense';
  const logits = dense && activation === 'linear';
  if (layer.units !== 1) {
    if (activation === null || activation === 'softmax' || activation === 'sigmoid' || logits) return { sigmoid: false, logits, problem: null };
    const where = layer.byActivationLayer ? `the Activation layer after it applies '${activation}'` : `its activation is '${activation}'`;
    return { sigmoid: false, logits: false, problem: `the model's last layer (${name}) gives no probabilities: ${where}; end the model with activation: 'softmax' (or a linear layer of logits, trained with fromLogits: true)` };
  }
  const fix = dense && layer.byActivationLayer
    ? `make the Activation layer after it 'sigmoid' (it applies '${String(layer.activation)}') and pass two labels [negative, positive] (the output is the probability of the second), or give the Dense units: ${n} with activation: 'softmax'`
    : dense
    ? `give it activation: 'sigmoid' and pass two labels [negative, positive] (its output is the probability of the second), or give it units: ${n} with activation: 'softmax'`
    : `end the model with Dense({ units: 1, activation: 'sigmoid' }) and pass two labels [negative, positive] (its output is the probability of the second), or end it with Dense({ units: ${n}, activation: 'softmax' })`;
  if (n !== 2) return { sigmoid: false, logits: false, problem: `${n} labels but the model's last layer (${name}) has 1 output; a single output is a binary classifier's: ${fix}` };
  if (!dense || (activation !== 'sigmoid' && !logits)) {
    return { sigmoid: false, logits: false, problem: `the model's last layer (${name}) has 1 output${activation ? ` with activation '${activation}'` : ''}, which is no probability; a single output must be a sigmoid (or a linear logit), the probability of '${labels[1]}' (labels[1]): ${fix}` };
  }
  return { sigmoid: true, logits, problem: null };
}

/** What classifyTexts needs of a model: batched predict from an id matrix to (n, classes). */
export interface PredictsIds {
  predict(x: { data: Int32Array; shape: [number, number] }, options: { batchSize?: number }): { data: Float32Array; shape: readonly number[] };
}

/** Class probabilities of every text: data is (n, classes), row-major. Texts are vectorised a
 *  chunk at a time, so the id matrix of a large input never exists whole. With `sigmoid` (see
 *  outputReading) the model has one output p for two labels, and the rows are [1 - p, p]; with
 *  `logits` the outputs go through a softmax (or the sigmoid of the one output) first. */
export function classifyTexts(model: PredictsIds, vectorizer: TextVectorizer, labels: readonly string[], texts: string | string[],
  options: PredictOptions = {}, reading: Pick<OutputReading, 'sigmoid' | 'logits'> = { sigmoid: false, logits: false }): { data: Float32Array; shape: [number, number] } {
  const { sigmoid, logits } = reading;
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
    const outputs = sigmoid ? 1 : classes;
    if (p.shape[1] !== outputs || p.shape.length !== 2) throw new Error(`wasmnn: the model has ${p.shape.slice(1).join(' x ')} outputs but ${classes} labels; the file is inconsistent`);
    // a NaN would make every comparison false, so the first label would win with NaN probabilities
    const bad = firstNonFinite(p.data);
    if (bad >= 0) {
      const text = s + Math.floor(bad / outputs);
      throw new RangeError(`wasmnn: TextClassifier.predict: the model gave the probability ${p.data[bad]} for label '${labels[sigmoid ? 1 : bad % classes]}' of text ${text}; ` +
        'its weights hold non-finite or overflowing values (training diverged, or they were set so): retrain with a lower learning rate or clipNorm, or load a good copy');
    }
    if (logits) probabilitiesOfLogits(p.data, outputs);
    if (!sigmoid) { out.set(p.data, s * classes); continue; }
    // labels[0] gets 1 - p (rounded to float32 as stored): for p > 0.5, 1 - p is exact and below p,
    // and p = 0.5 ties, which the first label wins: toPredictions' argmax is Keras' p > 0.5
    for (let i = 0; i < p.data.length; i++) {
      out[(s + i) * 2] = 1 - p.data[i];
      out[(s + i) * 2 + 1] = p.data[i];
    }
  }
  return { data: out, shape: [list.length, classes] };
}

/**
 * Logits (rows of k) to probabilities in place: a softmax per row (k > 1), computed in float64 from
 * the row's largest value, or the sigmoid of a single output (k = 1).
 */
function probabilitiesOfLogits(z: Float32Array, k: number): void {
  if (k === 1) {
    for (let i = 0; i < z.length; i++) z[i] = z[i] >= 0 ? 1 / (1 + Math.exp(-z[i])) : Math.exp(z[i]) / (1 + Math.exp(z[i]));
    return;
  }
  for (let r = 0; r < z.length; r += k) {
    let max = -Infinity, sum = 0;
    for (let c = 0; c < k; c++) max = Math.max(max, z[r + c]);
    for (let c = 0; c < k; c++) sum += Math.exp(z[r + c] - max);
    for (let c = 0; c < k; c++) z[r + c] = Math.exp(z[r + c] - max) / sum;
  }
}

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
