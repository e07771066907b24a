// The training Worker (a module Web Worker started by training.ts). It parses the data, starts the
// runtime (simd-mt with extra Web Workers when the page is cross-origin isolated, simd otherwise),
// runs trainTextClassifier, posts its environment, throttled progress and finally the .wnn bytes
// (transferred) with a report. Cancel is the page terminating this Worker.
import { init } from '../runtime/default.js';
import { trainTextClassifier, type TrainOptions } from '../classifier/train.js';
import { ARCHITECTURES, DEFAULT_ARCH, isArchName } from '../classifier/architectures.js';
import type { Callback, Logs } from '../training/callbacks.js';
import { parseLabelledCsv } from './csv.js';
import type { FromWorker, ToWorker, TrainingData, TrainingProgress, TrainingReport } from './protocol.js';

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: FromWorker, transfer?: Transferable[]): void };
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  scope.onmessage = null;   // one training run per Worker
  train(event.data).catch((e: any) => post({ type: 'error', name: e?.name ?? 'Error', message: e?.message ?? String(e) }));
};

async function train({ data, options, progressIntervalMs }: ToWorker): Promise<void> {
  const { texts, labels } = toTextsAndLabels(data, options);
  const { threads, build, wasm, maxMemoryBytes, textColumn: _t, labelColumn: _l, ...trainOptions } = options;
  // fma: true picks the fma build of what 'auto' would (the page cannot call init in here)
  const rt = await init({ threads, build, wasm, maxMemoryBytes, fma: trainOptions.fma === true && (build ?? 'auto') === 'auto' });
  const env = rt.env();
  post({ type: 'env', env });

  const arch = trainOptions.arch ?? DEFAULT_ARCH;
  if (!isArchName(arch)) throw new RangeError(`wasmnn: unknown architecture '${String(arch)}'`);
  const epochs = trainOptions.epochs ?? ARCHITECTURES[arch].defaults.epochs;
  const batchSize = trainOptions.batchSize ?? ARCHITECTURES[arch].defaults.batchSize;
  const batches = Math.max(1, Math.ceil(trainCount(labels, trainOptions.valSplit ?? 0) / batchSize));
  const t0 = performance.now();
  let samples = 0, lastPost = -Infinity, lossSum = 0, correct = 0, seen = 0;
  const progress = (p: Omit<TrainingProgress, 'epochs' | 'batches' | 'fraction' | 'samplesPerSecond'>) => post({
    type: 'progress',
    progress: {
      ...p, epochs, batches,
      fraction: Math.min(1, (p.epoch * batches + p.batch) / (epochs * batches)),
      samplesPerSecond: samples / Math.max(1e-3, (performance.now() - t0) / 1000),
    },
  });
  const reporter: Callback = {
    onEpochBegin() { lossSum = 0; correct = 0; seen = 0; },
    onBatchEnd(batch: number, logs: Logs) {
      samples += logs.size; seen += logs.size;
      lossSum += logs.loss * logs.size;
      if (logs.accuracy !== undefined) correct += logs.accuracy * logs.size;
      const now = performance.now();
      if (now - lastPost < progressIntervalMs) return;
      lastPost = now;
      progress({ kind: 'batch', epoch: currentEpoch, batch: batch + 1, logs: { loss: lossSum / seen, accuracy: correct / seen } });
    },
    onEpochEnd(epoch: number, logs: Logs) {
      progress({ kind: 'epoch', epoch, batch: batches, logs: { ...logs } });
    },
  };
  let currentEpoch = 0;
  const epochTracker: Callback = { onEpochBegin(epoch: number) { currentEpoch = epoch; } };
  const { classifier, history, state } = await trainTextClassifier(texts, labels, { ...(trainOptions as TrainOptions), callbacks: [epochTracker, reporter] });
  const seconds = (performance.now() - t0) / 1000;
  const bytes = classifier.toBytes();
  const report: TrainingReport = {
    env, arch: state.arch, labels: classifier.labels, epochs: history.epoch.length, samples: state.samples,
    history, seconds, samplesPerSecond: samples / Math.max(1e-3, seconds),
  };
  post({ type: 'done', bytes, report }, [bytes.buffer]);
}

function toTextsAndLabels(data: TrainingData, options: ToWorker['options']): { texts: string[]; labels: string[] } {
  if (typeof data === 'string') return parseLabelledCsv(data, options);
  if (Array.isArray(data)) {
    // labels as given: trainTextClassifier refuses a label that is not a string, as in node
    return { texts: data.map((r) => r?.text), labels: data.map((r) => r?.label) };
  }
  if (data && Array.isArray(data.texts) && Array.isArray(data.labels)) return { texts: data.texts, labels: data.labels };
  throw new TypeError('wasmnn: training data must be CSV text, { texts, labels } or an array of { text, label } rows');
}

/** Samples left for training after trainTextClassifier's stratified hold-out (round per class, at least one kept). */
function trainCount(labels: string[], valSplit: number): number {
  if (!(valSplit > 0)) return labels.length;
  const perClass = new Map<string, number>();
  for (const l of labels) perClass.set(l, (perClass.get(l) ?? 0) + 1);
  let held = 0;
  for (const n of perClass.values()) held += Math.max(0, Math.min(Math.round(n * valSplit), n - 1));
  return labels.length - held;
}
