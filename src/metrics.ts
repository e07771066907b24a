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

/** Predicted class of every row: argmax, or p >= 0.5 for a single sigmoid output. */
export function predictedClasses(probs: ArrayLike<number>, cols: number): Int32Array {
  const rows = probs.length / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (cols === 1) { out[r] = probs[r] >= 0.5 ? 1 : 0; continue; }
    let best = 0, bv = probs[r * cols];
    for (let c = 1; c < cols; c++) if (probs[r * cols + c] > bv) { bv = probs[r * cols + c]; best = c; }
    out[r] = best;
  }
  return out;
}

/** True classes from sparse labels, one-hot rows (argmax) or binary targets (>= 0.5). */
export function trueClasses(target: ArrayLike<number>, rows: number): Int32Array {
  const cols = target.length / rows;
  if (cols === 1) return Int32Array.from({ length: rows }, (_, r) => (target[r] >= 0.5 ? 1 : 0));
  return predictedClasses(target, cols);
}

/** Confusion matrix m[true][predicted]. */
export function confusionMatrix(truth: ArrayLike<number>, pred: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) m[truth[i]][pred[i]]++;
  return m;
}

export interface ClassReport {
  accuracy: number;
  /** Per class, and their unweighted (macro) means. */
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  confusion: number[][];
}

/** Accuracy, per-class and macro precision / recall / F1 (0 where undefined, as scikit-learn's zero_division=0). */
export function classReport(truth: ArrayLike<number>, pred: ArrayLike<number>, classes: number): ClassReport {
  const confusion = confusionMatrix(truth, pred, classes);
  const precision: number[] = [], recall: number[] = [], f1: number[] = [], support: number[] = [];
  let correct = 0;
  for (let c = 0; c < classes; c++) {
    const tp = confusion[c][c];
    correct += tp;
    const predicted = confusion.reduce((s, row) => s + row[c], 0);
    const actual = confusion[c].reduce((s, v) => s + v, 0);
    const p = predicted ? tp / predicted : 0;
    const r = actual ? tp / actual : 0;
    precision.push(p); recall.push(r); support.push(actual);
    f1.push(p + r ? (2 * p * r) / (p + r) : 0);
  }
  const mean = (a: number[]) => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : 0);
  return {
    accuracy: truth.length ? correct / truth.length : 0,
    precision, recall, f1, support,
    macroPrecision: mean(precision), macroRecall: mean(recall), macroF1: mean(f1),
    confusion,
  };
}
