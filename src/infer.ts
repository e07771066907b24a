// wasmnn/infer: the inference-only entry. Load a .wnn model, tokenize, predict; no training code
// (no autograd, optimizers, losses or backward kernels), so a page or an edge worker ships a small
// bundle. The full library is `wasmnn`.
import { runtime } from './runtime/default.js';
import type { EnvInfo, MemoryInfo } from './runtime/runtime.js';

export { init } from './entries/init.js';
export { runtime, shutdown, hasRuntime } from './runtime/default.js';
export { Runtime, type InitOptions, type EnvInfo, type MemoryInfo } from './runtime/runtime.js';
export type { WasmSource } from './runtime/loader.js';
export { InferenceClassifier as TextClassifier, InferenceClassifier, type Prediction, type LoadOptions } from './entries/classifier.js';
export { InferenceModel, type ModelSpec, type LayerSpec, type WeightIn } from './entries/inference_model.js';
export { decodeWnnForInference, type WnnForInference } from './entries/wnn_read.js';
export { readModelSource, type ModelSource } from './io/source.js';
export { WnnFormatError } from './io/safetensors.js';
export { TextVectorizer } from './text/vectorizer.js';

/** Build, thread count and the reason for them, of the default runtime. */
export function env(): EnvInfo { return runtime().env(); }

/** Live and peak bytes of the default runtime. */
export function memory(): MemoryInfo { return runtime().memoryInfo(); }
