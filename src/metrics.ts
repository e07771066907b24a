// Classification metrics over predicted probabilities (N, C) and true classes.

export const METRICS = ['accuracy', 'precision', 'recall', 'f1'] as const;
export type MetricName = (typeof METRICS)[number];

export function checkMetrics(ms: unknown): MetricName[] {
  if (ms === undefined) return [];
  if (!Array.isArray(ms)) throw new TypeError(`wasmnn: metrics must be an array such as ['accuracy'], got ${String(ms)}`);
  return ms.map((m) => {
    const name = m === 'acc' ? 'accuracy' : m;
    if (!(METRICS as readonly unknown[]).includes(name)) throw new RangeError(`wasmnn: unknown metric '${String(m)}'; expected one of ${METRICS.join(', ')}`);
    return name as MetricName;
  });
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
