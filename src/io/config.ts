// Building from a .wnn file's config once it passed the whitelist (src/io/checks.ts): the layers
// (with zero initialisers: their weights come from the file), the optimizer with its options and
// learning-rate schedule, the loss and metrics, each whitelisted the same way.
import { Embedding } from '../layers/embedding.js';
import { modelInputShape } from '../layers/flatten.js';
import { layerFromConfig, type Layer, type LayerShape } from '../layers/index.js';
import { LOSSES, type LossConfig } from '../losses.js';
import { METRICS, type MetricName } from '../metrics.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer } from '../optimizers/optimizers.js';
import { cosineDecay, exponentialDecay, linearWarmup, piecewiseConstant, stepDecay, type LearningRate, type Schedule } from '../optimizers/schedules.js';
import { bool, finite, isPlainObject, type Check, type ModelEntry } from './checks.js';
import { WnnFormatError } from './safetensors.js';

function bad(where: string, what: string): never {
  throw new WnnFormatError(`wasmnn: the model config is invalid: ${where} ${what}; the file is damaged or was not written by wasmnn`);
}

/**
 * Initialisers for the layers rebuilt from a file: the weights are overwritten from the file right
 * after build, so building them with zeros saves the random draws and the orthogonal QR of the
 * recurrent kernels (most of a load's time). Initialisers are not part of a layer's config.
 */
export const ZERO_INIT: Record<string, Record<string, string>> = {
  Dense: { kernelInitializer: 'zeros', biasInitializer: 'zeros' },
  Embedding: { embeddingsInitializer: 'zeros' },
  EmbeddingBag: { embeddingsInitializer: 'zeros' },
  LSTM: { kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros' },
  GRU: { kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros' },
  SimpleRNN: { kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros' },
  Conv1D: { kernelInitializer: 'zeros', biasInitializer: 'zeros' },
};

/** Fresh layers from a whitelisted model entry (checkModelEntry), with zero initialisers. */
export function layersFromEntry(entry: ModelEntry): Layer[] {
  return entry.layers.map((e, i) => {
    try {
      return layerFromConfig(e.className, { ...e.config, ...ZERO_INIT[e.className] });
    } catch (err) {
      return bad(`layer ${i + 1} (${e.className})`, `cannot be built: ${(err as Error).message}`);
    }
  });
}

/**
 * Declares every layer's weights for inputShape without allocating anything (what Sequential.build
 * does before it allocates); returns the weights in model order.
 */
export function dryBuild(layers: Layer[], inputShape: LayerShape): { name: string; shape: number[]; trainable: boolean }[] {
  let shape = modelInputShape(layers, inputShape);
  for (const l of layers) {
    try {
      shape = l.build(shape);
    } catch (err) {
      bad(`layer '${l.name}' (${l.className})`, `cannot be built for the model's input shape: ${(err as Error).message}`);
    }
  }
  return layers.flatMap((l) => l.weights.map((w) => ({ name: w.name, shape: w.shape, trainable: w.trainable })));
}

/** A learning rate: a number or a schedule's config, rebuilt. */
export function learningRateFromConfig(v: unknown, where = 'learningRate'): LearningRate {
  if (typeof v === 'number') {
    if (!(Number.isFinite(v) && v >= 0)) bad(`the optimizer's ${where}`, `must be a number >= 0, got ${v}`);
    return v;
  }
  if (!isPlainObject(v) || typeof v.name !== 'string') return bad(`the optimizer's ${where}`, 'is neither a number nor a schedule config');
  const { name: kind, ...o } = v as Record<string, any>;
  const keys: Record<string, string[]> = {
    exponentialDecay: ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'],
    stepDecay: ['initialLearningRate', 'every', 'factor'],
    piecewiseConstant: ['boundaries', 'values'],
    cosineDecay: ['initialLearningRate', 'decaySteps', 'alpha', 'warmupSteps', 'warmupTarget'],
    linearWarmup: ['warmupSteps', 'after'],
  };
  if (!Object.hasOwn(keys, kind)) return bad(`the optimizer's ${where}`, `names an unknown schedule '${String(kind).slice(0, 40)}'`);
  for (const [k, x] of Object.entries(o)) {
    if (!keys[kind].includes(k)) bad(`the ${kind} schedule`, `has an unknown option '${k}'`);
    const numbers = Array.isArray(x) ? x : [x];
    if (k !== 'after' && !numbers.every((n) => (k === 'staircase' ? typeof n === 'boolean' : typeof n === 'number' && Number.isFinite(n)))) bad(`the ${kind} schedule`, `option ${k} has a bad value`);
  }
  try {
    let s: Schedule;
    switch (kind) {
      case 'exponentialDecay': s = exponentialDecay(o as any); break;
      case 'stepDecay': s = stepDecay(o as any); break;
      case 'piecewiseConstant': s = piecewiseConstant(o as any); break;
      case 'cosineDecay': s = cosineDecay(o as any); break;
      default: s = linearWarmup({ warmupSteps: o.warmupSteps, after: learningRateFromConfig(o.after, `${where}.after`) }); break;
    }
    return s;
  } catch (err) {
    if (err instanceof WnnFormatError) throw err;
    return bad(`the ${kind} schedule`, `is invalid: ${(err as Error).message}`);
  }
}

const OPTIMIZERS: Record<string, { make: (a: any) => Optimizer; options: Record<string, Check> }> = {
  SGD: { make: (a) => new SGD(a), options: { momentum: finite(0, 1), nesterov: bool, weightDecay: finite(0, 1) } },
  Adam: { make: (a) => new Adam(a), options: { beta1: finite(0, 1, false, true), beta2: finite(0, 1, false, true), epsilon: finite(0, 1, true), weightDecay: finite(0, 1) } },
  AdamW: { make: (a) => new AdamW(a), options: { beta1: finite(0, 1, false, true), beta2: finite(0, 1, false, true), epsilon: finite(0, 1, true), weightDecay: finite(0, 1) } },
  RMSprop: { make: (a) => new RMSprop(a), options: { rho: finite(0, 1), momentum: finite(0, 1), epsilon: finite(0, 1, true), centered: bool } },
  Adagrad: { make: (a) => new Adagrad(a), options: { initialAccumulatorValue: finite(0, 1e6), epsilon: finite(0, 1, true) } },
};

/** The optimizer of { className, config } (its getConfig), checked and rebuilt. */
export function optimizerFromConfig(v: unknown): Optimizer {
  if (!isPlainObject(v) || typeof v.className !== 'string' || !isPlainObject(v.config)) return bad('the optimizer', 'is not a { className, config } object');
  const spec = Object.hasOwn(OPTIMIZERS, v.className) ? OPTIMIZERS[v.className] : null;
  if (!spec) return bad('the optimizer', `has an unknown class '${v.className.slice(0, 40)}'; this version knows ${Object.keys(OPTIMIZERS).join(', ')}`);
  const args: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v.config)) {
    if (k === 'learningRate') { args.learningRate = learningRateFromConfig(x); continue; }
    if (k === 'clipNorm') { if (finite(0, Number.MAX_VALUE, true)(x)) bad('the optimizer', 'option clipNorm must be a positive number'); args.clipNorm = x; continue; }
    const check = Object.hasOwn(spec.options, k) ? spec.options[k] : null;
    if (!check) bad(`the optimizer (${v.className})`, `has an unknown option '${k.slice(0, 60)}'`);
    const problem = check!(x);
    if (problem) bad(`the optimizer (${v.className})`, `option ${k} ${problem}`);
    args[k] = x;
  }
  try {
    return spec.make(args);
  } catch (err) {
    return bad(`the optimizer (${v.className})`, `cannot be built: ${(err as Error).message}`);
  }
}

export interface CompileConfig { loss: LossConfig; metrics: MetricName[]; optimizer: Optimizer }

/** The `compile` entry: { loss: { name, fromLogits }, metrics, optimizer: { className, config } }. */
export function compileFromConfig(v: unknown): CompileConfig {
  if (!isPlainObject(v)) return bad('the compile entry', 'is not an object');
  for (const k of Object.keys(v)) if (!['loss', 'metrics', 'optimizer'].includes(k)) bad('the compile entry', `has an unknown field '${k}'`);
  const loss = v.loss;
  if (!isPlainObject(loss) || !(LOSSES as readonly unknown[]).includes(loss.name)) bad('the compile entry', `has an unknown loss; expected one of ${LOSSES.join(', ')}`);
  const l = loss as Record<string, unknown>;
  for (const k of Object.keys(l)) if (k !== 'name' && k !== 'fromLogits') bad('the loss', `has an unknown option '${k}'`);
  if (l.fromLogits !== undefined && typeof l.fromLogits !== 'boolean') bad('the loss', 'option fromLogits must be true or false');
  const metrics = v.metrics ?? [];
  if (!Array.isArray(metrics) || !metrics.every((m) => (METRICS as readonly unknown[]).includes(m))) bad('the compile entry', `has bad metrics; expected some of ${METRICS.join(', ')} (a file from a later version may name a metric this version does not know: load it with that version, or compile without that metric before saving)`);
  return { loss: { name: l.name as LossConfig['name'], fromLogits: (l.fromLogits as boolean | undefined) ?? false }, metrics: metrics as MetricName[], optimizer: optimizerFromConfig(v.optimizer) };
}
