// Pieces the CLI commands share: loading a model file with clear errors, evaluating a classifier
// on labelled texts, and starting the runtime.
import { TextClassifier } from '../classifier/text_classifier.js';
import { classReport, predictedClasses, type ClassReport } from '../metrics.js';
import { hasRuntime, init } from '../runtime/default.js';
import { dataError } from './errors.js';
import { readFileOrExplain } from './data.js';
import type { OptionSpec } from './args.js';

export const THREADS: OptionSpec = { name: 'threads', type: 'int', min: 1, help: 'worker threads for the kernels', defaultText: 'all cores' };
export const HELP: OptionSpec = { name: 'help', type: 'flag', help: 'show this help' };

/** Starts the default runtime; fma: on the opt-in fused multiply-add build (simd-fma-mt, or simd-fma at one thread). */
export async function startRuntime(threads?: number, fma = false): Promise<void> {
  if (!hasRuntime()) await init({ ...(threads ? { threads } : {}), fma });
}

/** Reads and decodes a .wnn text classifier; every problem becomes a data error (exit 1). */
export async function loadClassifier(path: string): Promise<{ classifier: TextClassifier; bytes: number; file: Uint8Array }> {
  const bytes = await readFileOrExplain(path, 'model file');
  const file = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return { classifier: TextClassifier.fromBytes(file), bytes: bytes.length, file };
  } catch (e) {
    throw dataError(`cannot load model ${path}: ${(e as Error).message.replace(/^wasmnn: /, '')}`);
  }
}

/** Labels a model does not know (it knows `known`) are a data error naming them. */
export function checkKnownLabels(known: readonly string[], labels: readonly string[], what: string): void {
  const index = new Set(known);
  const unknown = [...new Set(labels.filter((l) => !index.has(l)))];
  if (unknown.length) {
    throw dataError(`${what} has label${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).map((l) => `'${l}'`).join(', ')} that the model does not know (it knows ${known.map((l) => `'${l}'`).join(', ')}); check the label column`);
  }
}

/** Class report of a classifier on labelled texts; labels it does not know are a data error. */
export function evaluateClassifier(c: TextClassifier, texts: string[], labels: string[], what: string, batchSize = 64): ClassReport {
  checkKnownLabels(c.labels, labels, what);
  const index = new Map(c.labels.map((l, i) => [l, i]));
  const truth = Int32Array.from(labels, (l) => index.get(l)!);
  const probs = c.predictProbabilities(texts, { batchSize });
  return classReport(truth, predictedClasses(probs.data, c.labels.length), c.labels.length);
}

/** A class report as text: accuracy, per-label precision / recall / F1 / support, confusion matrix. */
export function formatClassReport(labels: string[], r: ClassReport): string {
  const w = Math.max(12, ...labels.map((l) => l.length)) + 2;
  const f = (v: number) => v.toFixed(4).padStart(10);
  const lines = [`accuracy ${r.accuracy.toFixed(4)} (${Math.round(r.accuracy * r.support.reduce((a, b) => a + b, 0))}/${r.support.reduce((a, b) => a + b, 0)})`, '',
    `${'label'.padEnd(w)}${'precision'.padStart(10)}${'recall'.padStart(10)}${'f1'.padStart(10)}${'support'.padStart(10)}`];
  labels.forEach((l, c) => lines.push(`${l.padEnd(w)}${f(r.precision[c])}${f(r.recall[c])}${f(r.f1[c])}${String(r.support[c]).padStart(10)}`));
  lines.push(`${'macro avg'.padEnd(w)}${f(r.macroPrecision)}${f(r.macroRecall)}${f(r.macroF1)}${String(r.support.reduce((a, b) => a + b, 0)).padStart(10)}`, '',
    'confusion matrix (rows: true label, columns: predicted)');
  const cw = Math.max(6, ...labels.map((l) => l.length + 1), ...r.confusion.flat().map((v) => String(v).length + 1));
  lines.push(`${''.padEnd(w)}${labels.map((l) => l.padStart(cw)).join('')}`);
  labels.forEach((l, i) => lines.push(`${l.padEnd(w)}${r.confusion[i].map((v) => String(v).padStart(cw)).join('')}`));
  return lines.join('\n');
}

/** A class report as plain JSON, labels as keys. */
export function classReportJson(labels: string[], r: ClassReport): Record<string, unknown> {
  return {
    accuracy: r.accuracy,
    classes: Object.fromEntries(labels.map((l, c) => [l, { precision: r.precision[c], recall: r.recall[c], f1: r.f1[c], support: r.support[c] }])),
    macro: { precision: r.macroPrecision, recall: r.macroRecall, f1: r.macroF1 },
    labels, confusion: r.confusion,
  };
}
