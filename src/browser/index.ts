// wasmnn for web pages: inference on the page's thread (the simd build: a page's main thread
// cannot block, so it runs no threads) and training in a dedicated Worker (startTraining).
import { runtime } from '../runtime/default.js';
import type { EnvInfo } from '../runtime/runtime.js';

export { init, runtime, shutdown } from '../runtime/default.js';
export type { EnvInfo, InitOptions } from '../runtime/runtime.js';
export { setPoolWorkerUrl } from '../runtime/pool.js';
// the inference-only classifier (no training code in the page bundle): same API and numbers as the full one
export { InferenceClassifier as TextClassifier, type Prediction } from '../entries/classifier.js';
export { startTraining, TrainingCancelled, TrainingError, type StartTrainingOptions, type TrainingJob, type TrainingData, type TrainingProgress, type TrainingReport } from './training.js';
export { parseLabelledCsv, parseCsvRows, type CsvColumns } from './csv.js';

/** Build, thread count and the reason for them, of the page's default runtime. */
export function env(): EnvInfo { return runtime().env(); }
