// wasmnn: the public API.
import { runtime } from './runtime/default.js';
import type { EnvInfo, MemoryInfo } from './runtime/runtime.js';

export { Runtime, type InitOptions, type EnvInfo, type MemoryInfo } from './runtime/runtime.js';
export { init, runtime, shutdown } from './runtime/default.js';
export { Tensor, type DType, type Shape } from './tensor.js';
export { MemoryLimitError } from './runtime/memory.js';
export { TrainingDivergedError, adviceOf, type Advice, type AdviceKind } from './advice.js';
export { WorkerDiedError } from './runtime/pool.js';
export type { WasmSource } from './runtime/loader.js';
export * as kernels from './kernels/index.js';

export { Sequential, type CompileArgs, type FitArgs, type EvaluateArgs, type PredictArgs, type SequentialArgs } from './models/sequential.js';
export * from './layers/index.js';
export { regularizers, type Regularizer, type RegularizerOption } from './regularizers.js';
export { SGD, Adam, AdamW, RMSprop, Adagrad, Optimizer, type OptimizerName } from './optimizers/optimizers.js';
export { exponentialDecay, stepDecay, piecewiseConstant, cosineDecay, linearWarmup, type Schedule } from './optimizers/schedules.js';
export { EarlyStopping, LearningRateScheduler, ReduceLROnPlateau, CallbackFunctions, type Callback, type History, type Logs, type ReduceLROnPlateauArgs } from './training/callbacks.js';
export { ModelCheckpoint, type ModelCheckpointArgs } from './training/model_checkpoint.js';
export { classReport, confusionMatrix, rocAuc, type ClassReport, type MetricName } from './metrics.js';
export type { LossName, LossConfig } from './losses.js';
export type { DataInput, Shaped } from './training/data.js';
export * from './text/index.js';
export * from './io/index.js';

/** Build, thread count and the reason for them, of the default runtime. */
export function env(): EnvInfo { return runtime().env(); }

/** Live and peak bytes of the default runtime. */
export function memory(): MemoryInfo { return runtime().memoryInfo(); }
export { TextClassifier, trainTextClassifier, TrainingInterrupted, ARCHITECTURES, ARCH_NAMES, DEFAULT_ARCH, type Prediction, type TrainOptions, type TrainResult, type Checkpoint, type ArchName } from './classifier/index.js';
