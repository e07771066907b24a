// Classification metrics over predicted probabilities (N, C) and true classes.

import { closestOption, describe } from './options.js';

/**
 * Every metric name compile takes, as a model file stores it and the logs show it (besides the
 * aliases 'acc', logged as acc and stored as 'accuracy', and Keras' 'AUC', logged and stored as 'auc').
 * Keras 3's snake_case names log under those names; tfjs' camelCase spellings log under the name
 * typed, as tfjs-layers does.
 */
export const METRICS = [
  'accuracy', 'precision', 'recall', 'f1', 'auc',
  'binary_accuracy', 'categorical_accuracy', 'sparse_categorical_accuracy',
  'top_k_categorical_accuracy', 'sparse_top_k_categorical_accuracy',
  'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy',
  'topKCategoricalAccuracy', 'sparseTopKCategoricalAccuracy',
] as const;
export type MetricName = (typeof METRICS)[number];
/** The names compile takes: METRICS and the aliases 'acc' and 'AUC'. */
const ACCEPTED: readonly string[] = [...METRICS, 'acc', 'AUC'];

/** What a metric computes: accuracy (under any of its names), the macro figures, AUC, top-k accuracy. */
export type MetricFamily = 'accuracy' | 'precision' | 'recall' | 'f1' | 'auc' | 'topK';

/** Keras' top-k metrics' k (Keras' and tfjs' default). */
export const TOP_K = 5;

export function metricFamily(m: MetricName): MetricFamily {
  if (m === 'precision' || m === 'recall' || m === 'f1' || m === 'auc') return m;
  return /top_?k/i.test(m) ? 'topK' : 'accuracy';
}

export function checkMetrics(ms: unknown): MetricName[] {
  if (ms === undefined || ms === null) return [];
  if (!Array.isArray(ms)) throw new TypeError(`wasmnn: metrics must be an array such as ['accuracy'], got ${describe(ms)}`);
  const out: MetricName[] = [];
  for (const m of ms) {
    if (typeof m !== 'string') throw new TypeError(`wasmnn: metrics are given by name (a string such as 'accuracy' or 'auc'), got ${describe(m)}; metric objects and functions are not taken. Names: ${ACCEPTED.join(', ')}`);
    if (!ACCEPTED.includes(m)) {
      const near = closestOption(m, ACCEPTED);
      throw new RangeError(`wasmnn: unknown metric '${m.slice(0, 60)}'${near ? `; did you mean '${near}'?` : ''} (metrics: ${ACCEPTED.join(', ')})`);
    }
    const name = (m === 'acc' ? 'accuracy' : m === 'AUC' ? 'auc' : m) as MetricName;
    // a name given twice (or 'auc' and 'AUC') is one log entry: computed once
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * Why a Keras-named accuracy metric does not fit the loss (null when it does, or when it cannot
 * tell yet: units null for a model not built). 'accuracy', the macro figures and 'auc' follow the
 * loss and fit every model. Keras 3 computes these names whatever the loss, which gives a wrong
 * figure silently (binary_accuracy of softmax outputs compares every probability with 0.5;
 * categorical_accuracy of class indices takes the argmax of one number): this refuses them.
 */
export function metricMismatch(m: MetricName, kind: ClassKind, units: number | null, loss: string): string | null {
  const snake = m.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const sparse = snake.startsWith('sparse_');
  const binary = snake === 'binary_accuracy';
  const categorical = snake === 'categorical_accuracy' || snake === 'top_k_categorical_accuracy';
  let fits: boolean;
  if (binary) fits = kind === 'binary' || (kind === 'other' && (units === null || units === 1));
  else if (sparse) fits = kind === 'sparse';
  else if (categorical) fits = kind === 'categorical' || (kind === 'other' && (units === null || units > 1));
  else return null;
  if (fits) return null;
  const what = binary ? 'compares one yes/no decision per sigmoid output (binaryCrossentropy, or one output thresholded at 0.5)'
    : sparse ? 'reads the targets as class indices (sparseCategoricalCrossentropy)'
      : 'reads the targets as one-hot rows (categoricalCrossentropy)';
  const styled = (name: string) => (m === snake ? name : name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
  // the same figure under the name that fits this loss (top-k has none for yes/no outputs)
  const topK = snake.includes('top_k');
  const instead = kind === 'binary' ? (topK ? null : 'binary_accuracy')
    : kind === 'sparse' ? (topK ? 'sparse_top_k_categorical_accuracy' : 'sparse_categorical_accuracy')
      : kind === 'categorical' ? (topK ? 'top_k_categorical_accuracy' : 'categorical_accuracy') : null;
  return `metric '${m}' ${what}, but this model's loss is ${loss}${kind === 'other' && units !== null ? ` with ${units} output${units === 1 ? '' : 's'}` : ''}; use 'accuracy', which follows the loss${instead ? `, or '${styled(instead)}'` : ''}`;
}

/** The first of `metrics` that does not fit the loss (metricMismatch's reason), or null: compile's and the model file reader's check. */
export function metricsMismatch(metrics: readonly MetricName[], loss: string, units: number | null): string | null {
  for (const m of metrics) {
    const why = metricMismatch(m, classKindOf(loss), units, loss);
    if (why) return why;
  }
  return null;
}

/** Predicted class of every row: argmax, or p > 0.5 for a single sigmoid output (Keras' and
 *  tfjs' binary threshold: p = 0.5 exactly is class 0). */
export function predictedClasses(probs: ArrayLike<number>, cols: number): Int32Array {
  const rows = probs.length / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (cols === 1) { out[r] = probs[r] > 0.5 ? 1 : 0; continue; }
    let best = 0, bv = probs[r * cols];
    for (let c = 1; c < cols; c++) if (probs[r * cols + c] > bv) { bv = probs[r * cols + c]; best = c; }
    out[r] = best;
  }
  return out;
}

/** How a loss reads targets and outputs as classes (see trueClassesOf). */
export type ClassKind = 'sparse' | 'categorical' | 'binary' | 'other';

/**
 * The classes the metrics compare, per output row, as the loss defines them:
 *   sparse       targets are class indices, one per output row; predicted = argmax
 *   categorical  targets are one-hot (or soft) rows; both sides argmax
 *   binary       every output value is its own yes/no decision (one sigmoid per label, Keras'
 *                binary accuracy): both sides thresholded at 0.5, two classes
 *   other        (regression) one output: thresholded at 0.5; several: argmax
 * A prediction is class 1 above 0.5 (p > 0.5, as Keras and tfjs); a target from 0.5 up (a soft
 * label of 0.5 or more counts as 1).
 * Outputs are (rows, units) flattened, where rows may be samples x time steps; targets hold one
 * label per row (sparse) or rows x units values.
 */
export function trueClassesOf(kind: ClassKind, target: ArrayLike<number>, units: number): Int32Array {
  if (kind === 'sparse') return Int32Array.from(target);
  if (kind === 'binary' || (kind === 'other' && units === 1)) return Int32Array.from({ length: target.length }, (_, i) => (target[i] >= 0.5 ? 1 : 0));
  return predictedClasses(target, units);
}

/** The predicted class of every output value (binary) or row (the rest); see trueClassesOf. */
export function predictedClassesOf(kind: ClassKind, probs: ArrayLike<number>, units: number): Int32Array {
  if (kind === 'binary' || (kind === 'other' && units === 1)) return Int32Array.from({ length: probs.length }, (_, i) => (probs[i] > 0.5 ? 1 : 0));
  return predictedClasses(probs, units);
}

/** How a loss (by name) reads targets as classes, for the metrics. */
export function classKindOf(loss: string): ClassKind {
  switch (loss) {
    case 'sparseCategoricalCrossentropy': return 'sparse';
    case 'categoricalCrossentropy': return 'categorical';
    case 'binaryCrossentropy': return 'binary';
    default: return 'other';
  }
}

/** Number of classes the metrics count for an output of `units` values. */
export function classCountOf(kind: ClassKind, units: number): number { return kind === 'binary' ? 2 : Math.max(units, 2); }

/** Confusion matrix m[true][predicted]. */
export function confusionMatrix(truth: ArrayLike<number>, pred: ArrayLike<number>, classes: number): number[][] {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`wasmnn: confusionMatrix: classes must be a whole number >= 1, got ${classes}`);
  if (truth.length !== pred.length) throw new RangeError(`wasmnn: confusionMatrix: ${truth.length} true classes but ${pred.length} predictions; pass one prediction per sample`);
  const check = (a: ArrayLike<number>, what: string) => {
    for (let i = 0; i < a.length; i++) {
      if (!(Number.isInteger(a[i]) && a[i] >= 0 && a[i] < classes)) throw new RangeError(`wasmnn: confusionMatrix: ${what} class ${a[i]} at index ${i} is not one of the ${classes} classes (0 .. ${classes - 1}); pass class indices, or raise classes`);
    }
  };
  check(truth, 'true');
  check(pred, 'predicted');
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) m[truth[i]][pred[i]]++;
  return m;
}

export interface ClassReport {
  accuracy: number;
  /** Per class (every class, also those absent from the data: their figures are 0). */
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  /**
   * Unweighted (macro) means of the per-class figures over the classes present: those that occur
   * in the truth or in the predictions (scikit-learn's default, labels=None). A class with no
   * sample and no prediction has no defined precision or recall, so it is left out rather than
   * counted as 0, which would understate the means whenever the data lacks a class the model
   * knows (a test set without one of the labels, a validation split without a rare class).
   * A class that is only predicted counts, with 0. 0 when no class is present (no samples).
   */
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  confusion: number[][];
}

/** Accuracy, per-class precision / recall / F1 (0 where undefined, as scikit-learn's zero_division=0)
 *  and their macro means over the classes present in the truth or the predictions (see ClassReport). */
export function classReport(truth: ArrayLike<number>, pred: ArrayLike<number>, classes: number): ClassReport {
  return reportOfConfusion(confusionMatrix(truth, pred, classes));
}

/** The report of a confusion matrix m[true][predicted] (e.g. summed over batches); see classReport. */
export function reportOfConfusion(confusion: number[][]): ClassReport {
  const classes = confusion.length;
  const precision: number[] = [], recall: number[] = [], f1: number[] = [], support: number[] = [];
  const present: number[] = [];
  let correct = 0, total = 0;
  for (let c = 0; c < classes; c++) {
    const tp = confusion[c][c];
    correct += tp;
    const predicted = confusion.reduce((s, row) => s + row[c], 0);
    const actual = confusion[c].reduce((s, v) => s + v, 0);
    total += actual;
    const p = predicted ? tp / predicted : 0;
    const r = actual ? tp / actual : 0;
    precision.push(p); recall.push(r); support.push(actual);
    f1.push(p + r ? (2 * p * r) / (p + r) : 0);
    if (actual || predicted) present.push(c);
  }
  // macro means over the classes present (in the truth or the predictions), as scikit-learn
  const mean = (a: number[]) => (present.length ? present.reduce((s, c) => s + a[c], 0) / present.length : 0);
  return {
    accuracy: total ? correct / total : 0,
    precision, recall, f1, support,
    macroPrecision: mean(precision), macroRecall: mean(recall), macroF1: mean(f1),
    confusion,
  };
}

/**
 * Exact area under the ROC curve of `scores` against 0/1 `labels` (1: positive): the probability
 * that a random positive scores above a random negative, ties counted half (the Mann-Whitney U
 * statistic over P x N, as scikit-learn's roc_auc_score). NaN when there is no positive or no
 * negative (undefined). O(n log n). Keras' AUC approximates the same area by 200 thresholds, so
 * its figures can differ from these in the third decimal.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (scores.length !== labels.length) throw new RangeError(`wasmnn: rocAuc: ${scores.length} scores but ${labels.length} labels; pass one label (0 or 1) per score`);
  let p = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`wasmnn: rocAuc: label ${labels[i]} at index ${i} is not 0 or 1; pass 1 for a positive, 0 for a negative`);
    // a NaN has no rank: the merge walk would score it as whatever it was compared with
    if (!Number.isFinite(scores[i])) throw new RangeError(`wasmnn: rocAuc: score ${scores[i]} at index ${i} is not a finite number; pass finite scores (probabilities or logits)`);
    p += labels[i];
  }
  const pos = new Float64Array(p), neg = new Float64Array(labels.length - p);
  for (let i = 0, a = 0, b = 0; i < labels.length; i++) if (labels[i] === 1) pos[a++] = scores[i]; else neg[b++] = scores[i];
  return aucOfSplit(pos, neg);
}

/** AUC of positives' and negatives' scores (sorted here, in place): a merge walk over the two sorted lists. */
function aucOfSplit(pos: Float32Array | Float64Array, neg: Float32Array | Float64Array): number {
  if (!pos.length || !neg.length) return NaN;
  pos.sort(); neg.sort();
  // for each positive (ascending): lo negatives score below it, hi - lo tie with it (count half);
  // twice the sum stays a whole number, exact in a double up to 2^53
  let lo = 0, hi = 0, twice = 0;
  for (let i = 0; i < pos.length; i++) {
    const s = pos[i];
    while (lo < neg.length && neg[lo] < s) lo++;
    if (hi < lo) hi = lo;
    while (hi < neg.length && neg[hi] <= s) hi++;
    twice += lo + hi;
  }
  return twice / (2 * pos.length * neg.length);
}

/**
 * The rows an epoch (or an evaluate call) predicted, kept for its AUC: one score per row for a
 * binary problem (a sigmoid output; with two softmax classes, class 1's probability), the whole
 * row otherwise. Made only when 'auc' is compiled; its buffers are reused from epoch to epoch.
 *   binary      one sigmoid output (or one thresholded output), or two classes: AUC of class 1
 *   multilabel  several sigmoid outputs (binaryCrossentropy): every output its own binary problem
 *   ovr         three or more classes: one-vs-rest per class
 * The last two average (macro) over the outputs / classes that have both positives and negatives
 * in the data; the others have no defined AUC and are left out. NaN when none has both (a
 * validation set of one class): the figure is undefined, and training goes on.
 */
export class AucAccumulator {
  private readonly layout: 'binary' | 'multilabel' | 'ovr';
  /** Scores kept per row: 1 (binary) or units. */
  private readonly width: number;
  private scores: Float32Array;
  private labels: Int32Array;
  private rows = 0;

  constructor(kind: ClassKind, private readonly units: number, capacityRows = 0) {
    this.layout = units === 1 || (units === 2 && kind !== 'binary') ? 'binary' : kind === 'binary' ? 'multilabel' : 'ovr';
    this.width = this.layout === 'binary' ? 1 : units;
    this.scores = new Float32Array(capacityRows * this.width);
    this.labels = new Int32Array(capacityRows * (this.layout === 'multilabel' ? units : 1));
  }

  reset(): void { this.rows = 0; }

  /**
   * A batch's outputs (rows, units) with its true classes (trueClassesOf: one per row, or one per
   * output value for several sigmoid outputs); a row whose weight in rowWeights is 0 (a padded
   * time step) is left out.
   */
  add(probs: Float32Array, truth: Int32Array, rowWeights: Float32Array | null = null): void {
    const units = this.units, rows = probs.length / units;
    const labelWidth = this.layout === 'multilabel' ? units : 1;
    if (this.rows + rows > this.scores.length / this.width) {
      const cap = Math.max(this.rows + rows, 2 * (this.scores.length / this.width));
      const s = new Float32Array(cap * this.width); s.set(this.scores.subarray(0, this.rows * this.width)); this.scores = s;
      const l = new Int32Array(cap * labelWidth); l.set(this.labels.subarray(0, this.rows * labelWidth)); this.labels = l;
    }
    let at = this.rows;
    for (let r = 0; r < rows; r++) {
      if (rowWeights && rowWeights[r] === 0) continue;
      if (this.layout === 'binary') {
        this.scores[at] = probs[r * units + units - 1];   // the one output, or class 1 of two
        this.labels[at] = truth[r];
      } else {
        this.scores.set(probs.subarray(r * units, (r + 1) * units), at * units);
        if (labelWidth === 1) this.labels[at] = truth[r];
        else this.labels.set(truth.subarray(r * units, (r + 1) * units), at * units);
      }
      at++;
    }
    this.rows = at;
  }

  /** The AUC of the rows added since the last reset (see the class). */
  value(): number {
    const n = this.rows;
    if (this.layout === 'binary') return rocAuc(this.scores.subarray(0, n), this.labels.subarray(0, n));
    const units = this.units;
    let sum = 0, classes = 0;
    const labels = this.labels, scores = this.scores, ovr = this.layout === 'ovr';
    const positive = new Uint8Array(n);
    for (let c = 0; c < units; c++) {
      // positives of column c: rows of class c (ovr), or whose label c is 1 (multilabel)
      let p = 0;
      for (let i = 0; i < n; i++) p += positive[i] = +(ovr ? labels[i] === c : labels[i * units + c] === 1);
      if (p === 0 || p === n) continue;
      const pos = new Float32Array(p), neg = new Float32Array(n - p);
      for (let i = 0, a = 0, b = 0; i < n; i++) if (positive[i]) pos[a++] = scores[i * units + c]; else neg[b++] = scores[i * units + c];
      sum += aucOfSplit(pos, neg);
      classes++;
    }
    return classes ? sum / classes : NaN;
  }
}

/**
 * How many rows have their true class among the k highest of their outputs (Keras' in_top_k: the
 * class is in when fewer than k classes score strictly higher, so classes tied at the boundary all
 * count in; with k >= the number of classes every row counts in), and how many rows were counted
 * (a row whose weight in rowWeights is 0, a padded time step, is left out).
 */
export function topKCorrect(probs: ArrayLike<number>, truth: ArrayLike<number>, units: number, k: number, rowWeights: ArrayLike<number> | null = null): { correct: number; counted: number } {
  const rows = truth.length;
  let correct = 0, counted = 0;
  for (let r = 0; r < rows; r++) {
    if (rowWeights && rowWeights[r] === 0) continue;
    counted++;
    const t = probs[r * units + truth[r]];
    let above = 0;
    for (let c = 0; c < units; c++) if (probs[r * units + c] > t) above++;
    if (above < k) correct++;
  }
  return { correct, counted };
}
