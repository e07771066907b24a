// Pieces the CLI commands share: loading a model file with clear errors, evaluating a classifier
// on labelled texts, and starting the runtime.
import { TextClassifier } from '../classifier/text_classifier.js';
import { classReport, predictedClasses, type ClassReport } from '../metrics.js';
import { hasRuntime, init } from '../runtime/default.js';
import { MAX_THREADS } from '../runtime/runtime.js';
import { dataError } from './errors.js';
import { readFileOrExplain } from './data.js';
import type { OptionSpec } from './args.js';

// a --threads over the runtime's limit is a usage error here, not a library error after the data is read
export const THREADS: OptionSpec = { name: 'threads', type: 'int', min: 1, max: MAX_THREADS, help: 'worker threads for the kernels', defaultText: 'all cores' };
export const HELP: OptionSpec = { name: 'help', type: 'flag', help: 'show this help' };

/** The end of every command's --help (docs/cli.md, "Exit codes and errors", says it at length). */
export const EXIT_CODES = 'Exit codes: 0 done, 1 a problem with a data or model file, 2 a usage mistake (an option or its value)';

/** Starts the default runtime; fma: on the opt-in fused multiply-add build (simd-fma-mt, or simd-fma at one thread). */
export async function startRuntime(threads?: number, fma = false): Promise<void> {
  if (!hasRuntime()) await init({ ...(threads ? { threads } : {}), fma });
}

/** Reads and decodes a .wnn text classifier; every problem becomes a data error (exit 1). `usage`
 *  is added when the file is no model file but text, e.g. "wasmnn eval MODEL DATA" (arguments swapped). */
export async function loadClassifier(path: string, usage?: string): Promise<{ classifier: TextClassifier; bytes: number; file: Uint8Array }> {
  const bytes = await readFileOrExplain(path, 'model file');
  const file = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return { classifier: TextClassifier.fromBytes(file), bytes: bytes.length, file };
  } catch (e) {
    const not = notAModel(file);
    if (not) throw dataError(`${path} is not a wasmnn model file (${not}); pass a .wnn file written by wasmnn train or wasmnn quantize${usage && looksLikeText(file) ? ` (the model comes first: ${usage})` : ''}`);
    throw dataError(`cannot load model ${path}: ${(e as Error).message.replace(/^wasmnn: /, '')}`);
  }
}

/**
 * Why a file that failed to load is no model file at all, or null when it starts like one (a .wnn
 * file is safetensors: an 8-byte header length, then the JSON header, '{'): a damaged model keeps
 * the reader's own message, while a CSV passed as MODEL (arguments swapped) gets words a person
 * can act on rather than "the header length (1650551852 * 2^32 + ...)".
 */
function notAModel(file: Uint8Array): string | null {
  if (file.length === 0) return 'it is empty';
  if (file.length >= 9 && file[8] === 0x7b) return null;
  if (looksLikeText(file)) return 'it looks like text, e.g. CSV or JSONL data';
  return `it does not start like one: ${file.length} bytes of something else`;
}

/** The start of a file is UTF-8 text without control characters other than tab and line ends. */
function looksLikeText(file: Uint8Array): boolean {
  const head = file.subarray(0, 512);
  let text: string;
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(head); } catch {
    // a multi-byte character cut at 512 bytes is still text
    try { text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 3))); } catch { return false; }
  }
  return text.length > 0 && !/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text);
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
  lines.push(`${'macro avg'.padEnd(w)}${f(r.macroPrecision)}${f(r.macroRecall)}${f(r.macroF1)}${String(r.support.reduce((a, b) => a + b, 0)).padStart(10)}`);
  // labels neither in the data nor predicted are out of the macro averages (src/metrics.ts): say which
  const absent = labels.filter((_, c) => r.support[c] === 0 && r.confusion.every((row) => row[c] === 0));
  if (absent.length) lines.push(`(macro averages over the ${labels.length - absent.length} labels in the data or the predictions; not: ${absent.join(', ')})`);
  lines.push('', 'confusion matrix (rows: true label, columns: predicted)');
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
