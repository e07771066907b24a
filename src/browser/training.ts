// Training from a web page: startTraining() runs trainTextClassifier in a dedicated module Web
// Worker (train-worker.ts) so the page stays responsive, with progress events, cancel, and the
// trained model's .wnn bytes at the end. Inside the Worker the runtime picks simd-mt with extra
// Web Workers when the page is cross-origin isolated, and the single-thread simd build otherwise;
// `env` says which and why.
import type { EnvInfo } from '../runtime/runtime.js';
import type { FromWorker, ToWorker, TrainingData, TrainingProgress, TrainingReport, WorkerTrainOptions } from './protocol.js';

export type { TrainingData, TrainingProgress, TrainingReport, WorkerTrainOptions } from './protocol.js';

export interface StartTrainingOptions extends WorkerTrainOptions {
  /** Where train-worker.js is (for bundles that move it); default: next to this module. */
  workerUrl?: string | URL;
  /** Least time between two 'batch' progress events, in ms (default 100). */
  progressIntervalMs?: number;
}

export interface TrainingJob {
  /** Calls `listener` on every progress event; returns a function that removes it. */
  onProgress(listener: (p: TrainingProgress) => void): () => void;
  /** The Worker's runtime (build, threads, reason), once it has started. */
  env: Promise<EnvInfo>;
  /** The trained model's .wnn bytes and a report; rejects on an error or cancel(). */
  result: Promise<{ bytes: Uint8Array; report: TrainingReport }>;
  /** Stops training at once (the Worker and its threads are terminated); result rejects with TrainingCancelled. */
  cancel(): void;
}

/** The rejection of a cancelled job's result. */
export class TrainingCancelled extends Error {
  override readonly name = 'TrainingCancelled';
  constructor() { super('wasmnn: training was cancelled'); }
}

/** A failure inside the training Worker (bad data, out of memory, a thread that died, ...). */
export class TrainingError extends Error {
  constructor(message: string, readonly causeName: string) { super(message); this.name = 'TrainingError'; }
}

/** Starts training in a dedicated Web Worker; see TrainingJob. */
export function startTraining(data: TrainingData, options: StartTrainingOptions = {}): TrainingJob {
  if (typeof Worker !== 'function') throw new Error('wasmnn: startTraining needs Web Workers (a browser page); in node call trainTextClassifier directly');
  const { workerUrl, progressIntervalMs = 100, ...workerOptions } = options;
  const customUrl = workerUrl ? new URL(workerUrl, location.href) : null;
  const scriptName = customUrl ? customUrl.href : "the library's train-worker.js";
  const listeners = new Set<(p: TrainingProgress) => void>();
  let settled = false;
  let resolveEnv!: (e: EnvInfo) => void, rejectEnv!: (e: unknown) => void;
  let resolveResult!: (r: { bytes: Uint8Array; report: TrainingReport }) => void, rejectResult!: (e: unknown) => void;
  const env = new Promise<EnvInfo>((res, rej) => { resolveEnv = res; rejectEnv = rej; });
  const result = new Promise<{ bytes: Uint8Array; report: TrainingReport }>((res, rej) => { resolveResult = res; rejectResult = rej; });
  env.catch(() => {});   // a rejection is reported through result; env alone may go unobserved

  // the default is the one-expression form new Worker(new URL('./x.js', import.meta.url), { type: 'module' }):
  // bundlers (Vite, webpack) recognise only it as a worker entry, which they bundle with the
  // wasm and pool-thread URLs inside it (a URL computed first would be copied as a plain file)
  const worker = customUrl
    ? new Worker(customUrl, { type: 'module', name: 'wasmnn training' })
    : new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module', name: 'wasmnn training' });
  const finish = (error: Error | null, value?: { bytes: Uint8Array; report: TrainingReport }) => {
    if (settled) return;
    settled = true;
    worker.terminate();
    listeners.clear();
    if (error) { rejectEnv(error); rejectResult(error); } else resolveResult(value!);
  };
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (m.type === 'env') resolveEnv(m.env);
    else if (m.type === 'progress') for (const l of [...listeners]) l(m.progress);
    else if (m.type === 'done') finish(null, { bytes: m.bytes, report: m.report });
    else if (m.type === 'error') finish(new TrainingError(m.message, m.name));
  };
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    finish(new TrainingError(`wasmnn: the training worker failed: ${e.message || `its script did not load (serve ${scriptName} and the library's modules as text/javascript)`}`, 'WorkerError'));
  };
  worker.onmessageerror = () => finish(new TrainingError('wasmnn: a message from the training worker could not be read', 'MessageError'));
  let message: ToWorker | null = null;
  try {
    message = { type: 'train', data, options: workerOptionsToSend(workerOptions), progressIntervalMs };
    worker.postMessage(message);
  } catch (e: any) {
    // our own refusal as it is; the structured clone's, said in our words
    finish(message ? new TypeError(`wasmnn: startTraining: the data or options cannot be sent to a Worker (${e?.message ?? e}); pass strings, arrays and plain objects`) : e);
  }
  return {
    onProgress(listener) { if (!settled) listeners.add(listener); return () => listeners.delete(listener); },
    env,
    result,
    // a page that cancels has asked for the rejection: it is not an unhandled one if result goes unread
    cancel() { result.catch(() => {}); finish(new TrainingCancelled()); },
  };
}

/**
 * The options as posted: a function (an onStart, onCheckpoint or callbacks given from JavaScript;
 * the type has none) is an error naming it, not a DataCloneError, and the wasm URLs are absolute.
 */
function workerOptionsToSend(options: WorkerTrainOptions): WorkerTrainOptions {
  for (const [key, value] of Object.entries(options)) {
    const fn = typeof value === 'function' || (Array.isArray(value) && value.some((v) => typeof v === 'function' || (v && typeof v === 'object' && Object.values(v).some((f) => typeof f === 'function'))));
    if (fn) {
      throw new TypeError(`wasmnn: startTraining: option '${key}' holds a function, which cannot be sent to the training Worker` +
        (key === 'onStart' ? '; the start information (build, threads, reason) is job.env' : '; follow training with job.onProgress()'));
    }
  }
  const wasm = absoluteWasmUrls(options.wasm);
  return wasm === undefined ? options : { ...options, wasm };
}

/** The wasm option with every URL absolute (relative ones are the page's, not the Worker's) and a string (URL objects do not clone). */
function absoluteWasmUrls(wasm: WorkerTrainOptions['wasm']): WorkerTrainOptions['wasm'] {
  if (wasm === undefined || wasm === null) return undefined;
  if (typeof wasm !== 'object') throw new TypeError(`wasmnn: startTraining: wasm must be an object of build name to URL, got ${typeof wasm}`);
  const out: Record<string, string> = {};
  for (const [build, where] of Object.entries(wasm)) {
    if (where === undefined) continue;
    if (typeof where !== 'string' && !(where instanceof URL)) {
      throw new TypeError(`wasmnn: startTraining: wasm['${build}'] must be a URL or URL string (bytes and modules stay on the page; the Worker fetches its kernels), got ${where === null ? 'null' : typeof where}`);
    }
    out[build] = new URL(where, location.href).href;
  }
  return out as WorkerTrainOptions['wasm'];
}
