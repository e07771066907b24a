// The checks of a .wnn file's metadata that need no model: the format and version, the model
// config against a whitelist of layer classes with each one's options and their types, the
// tokenizer, labels and training metadata. A file's metadata is untrusted input; anything not
// listed here is refused by name with a WnnFormatError. Nothing here builds a layer or pulls in
// training code, so an inference-only reader can use it too.
import { ACTIVATIONS, RECURRENT_LAYERS, SIMPLE_RNN_ACTIVATIONS } from '../activation_names.js';
import type { LayerShape } from '../layers/layer.js';
import { TextVectorizer, type TextVectorizerJSON } from '../text/vectorizer.js';
import { WnnFormatError } from './safetensors.js';

/** The newest format this version reads. It writes format 1 (F32 weights only) unless weights are
 *  quantized: F16 and I8 weights came with format 2 (src/io/quantize.ts). */
export const WNN_FORMAT_VERSION = 2;
/** Tensors holding optimizer slots: `__optimizer__/<i>`. */
export const OPTIMIZER_PREFIX = '__optimizer__/';
/** Keys of __metadata__ this version writes and reads. */
export const METADATA_KEYS = ['format', 'format_version', 'model', 'compile', 'tokenizer', 'labels', 'training', 'optimizer'] as const;

/** Largest dimension or size option a file may give (weights must match the file anyway). */
const MAX_DIM = 1 << 30;
const MAX_NAME = 256;
const MAX_RANK = 4;

/** What is wrong with an option's value (null: nothing), and the kind of value it takes: a value
 *  of another kind is a TypeError for the layer constructors, a wrong value of the kind a RangeError. */
export type Check = ((v: unknown) => string | null) & { readonly takes: 'boolean' | 'number' | 'string' | 'array' };
const rule = (takes: Check['takes'], f: (v: unknown) => string | null): Check => Object.assign(f, { takes });

export const bool = rule('boolean', (v) => (typeof v === 'boolean' ? null : 'must be true or false'));
export const dim = rule('number', (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_DIM ? null : `must be a whole number >= 1 (at most ${MAX_DIM})`));
/** One of a list of strings. */
export const oneOf = (...xs: readonly string[]): Check => rule('string', (v) => (xs.includes(v as string) ? null : `must be one of ${xs.map((x) => JSON.stringify(x)).join(', ')}`));
export const finite = (lo: number, hi: number, loOpen = false, hiOpen = false): Check => rule('number', (v) =>
  typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi) ? null : `must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`);
export const integer = rule('number', (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? null : 'must be a whole number'));
export const name = rule('string', (v) => (typeof v === 'string' && v.length >= 1 && v.length <= MAX_NAME ? null : `must be a string of 1 .. ${MAX_NAME} characters`));
const shape = rule('array', (v) =>
  Array.isArray(v) && v.length >= 1 && v.length <= MAX_RANK && v.every((d) => d === null || dim(d) === null) ? null : `must be an array of 1 .. ${MAX_RANK} dimensions (whole numbers >= 1 or null)`);

/**
 * `<weight>Regularizer` options: { l1, l2 } objects (src/regularizers.ts). Only training reads
 * them, and the full loader's layer constructors check their keys and values (an error names the
 * layer); the inference reader ignores them, so its code stays small. No `takes`: the constructors'
 * checkLayerArgs leaves these options to the Layer constructor.
 */
const reg = ((v: unknown) => (isPlainObject(v) ? null : 'must be { l1, l2 }')) as Check;
const KB = { kernelRegularizer: reg, biasRegularizer: reg };
const COMMON: Record<string, Check> = { name, trainable: bool, inputShape: shape };
/** A dropout rate: the fraction dropped in training. */
const rate = finite(0, 1, false, true);
const RNN: Record<string, Check> = {
  ...KB, recurrentRegularizer: reg, units: dim, activation: oneOf('tanh'), recurrentActivation: oneOf('sigmoid', 'hardSigmoid'), useBias: bool, returnSequences: bool, goBackwards: bool,
  // act only in training (src/layers/recurrent.ts): a reader that only predicts ignores them
  dropout: rate, recurrentDropout: rate,
};

/** Every layer class a file may use, with its options. Bidirectional's `layer` is checked recursively. */
export const LAYER_OPTIONS: Record<string, Record<string, Check>> = {
  Dense: { ...KB, units: dim, activation: oneOf(...ACTIVATIONS), useBias: bool },
  Embedding: { inputDim: dim, outputDim: dim, maskZero: bool, sparse: bool, embeddingsRegularizer: reg },
  EmbeddingBag: { inputDim: dim, outputDim: dim, mode: oneOf('mean', 'sum'), sparse: bool },
  Dropout: { rate, seed: integer },
  LayerNormalization: { epsilon: finite(0, 1, true), center: bool, scale: bool, gammaRegularizer: reg, betaRegularizer: reg },
  LSTM: { ...RNN, unitForgetBias: bool },
  // resetAfter (default false, tfjs-layers' only form): true is Keras 2/3's default, a (2, 3 x units) bias
  GRU: { ...RNN, resetAfter: bool },
  SimpleRNN: { ...KB, recurrentRegularizer: reg, units: dim, activation: oneOf(...SIMPLE_RNN_ACTIVATIONS), useBias: bool, returnSequences: bool, goBackwards: bool, dropout: rate },
  Bidirectional: { mergeMode: oneOf('concat', 'sum', 'mul', 'ave') },
  Conv1D: { ...KB, filters: dim, kernelSize: dim, strides: dim, padding: oneOf('valid', 'same', 'causal'), dilationRate: dim, activation: oneOf(...ACTIVATIONS), useBias: bool },
  GlobalAveragePooling1D: {},
  GlobalMaxPooling1D: {},
  // dataFormat: Keras' option, channels last only (wasmnn's layout); the layer does not write it
  Flatten: { dataFormat: oneOf('channels_last') },
  MaxPooling1D: { poolSize: dim, strides: dim, padding: oneOf('valid', 'same') },
  AveragePooling1D: { poolSize: dim, strides: dim, padding: oneOf('valid', 'same') },
  SpatialDropout1D: { rate, seed: integer },
  Activation: { activation: oneOf(...ACTIVATIONS) },
};

/**
 * The rule option `key` of a `className` layer is checked by in a model file's config
 * (LAYER_OPTIONS and the options every layer takes), or null when the option is not one a config
 * stores (initialisers, Bidirectional's layer). The layer
 * constructors check with it too (src/layers/layer.ts checkLayerArgs): one set of rules, so a
 * layer the constructors accept saves and loads again.
 */
export function layerOptionRule(className: string, key: string): Check | null {
  const own = Object.hasOwn(LAYER_OPTIONS, className) ? LAYER_OPTIONS[className] : null;
  if (!own) return null;
  return Object.hasOwn(own, key) ? own[key] : Object.hasOwn(COMMON, key) ? COMMON[key] : null;
}

/** Options a layer class cannot do without. */
const REQUIRED: Record<string, string[]> = {
  Dense: ['units'], Embedding: ['inputDim', 'outputDim'], EmbeddingBag: ['inputDim', 'outputDim'], Dropout: ['rate'], SpatialDropout1D: ['rate'],
  LSTM: ['units'], GRU: ['units'], SimpleRNN: ['units'], Bidirectional: ['layer'], Conv1D: ['filters', 'kernelSize'], Activation: ['activation'],
};

function bad(where: string, what: string): never {
  throw new WnnFormatError(`wasmnn: the model config is invalid: ${where} ${what}; the file is damaged or was not written by wasmnn`);
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Checks one { className, config } layer entry against the whitelist (recursing into Bidirectional). */
export function checkLayerEntry(entry: unknown, where: string, nested = false): { className: string; config: Record<string, unknown> } {
  if (!isPlainObject(entry)) return bad(where, 'is not a { className, config } object');
  for (const k of Object.keys(entry)) if (k !== 'className' && k !== 'config') bad(where, `has an unknown field '${k}'`);
  const { className, config } = entry;
  if (typeof className !== 'string' || !Object.hasOwn(LAYER_OPTIONS, className)) {
    return bad(where, `has an unknown layer class ${JSON.stringify(className)?.slice(0, 60)}; this version knows ${Object.keys(LAYER_OPTIONS).join(', ')}`);
  }
  if (nested && !RECURRENT_LAYERS.has(className)) bad(where, `wraps a ${className}; Bidirectional wraps an LSTM, GRU or SimpleRNN`);
  if (!isPlainObject(config)) return bad(where, 'has no config object');
  const allowed = LAYER_OPTIONS[className];
  for (const [k, v] of Object.entries(config)) {
    if (className === 'Bidirectional' && k === 'layer') { checkLayerEntry(v, `${where} (its wrapped layer)`, true); continue; }
    const check = layerOptionRule(className, k);
    if (!check) bad(where, `(${className}) has an unknown option '${k.slice(0, 60)}'; ${className} takes ${[...Object.keys(COMMON), ...Object.keys(allowed)].join(', ')}`);
    const problem = check!(v);
    if (problem) bad(where, `(${className}) option ${k} ${problem}, got ${JSON.stringify(v)?.slice(0, 60)}`);
  }
  for (const k of REQUIRED[className] ?? []) if (!Object.hasOwn(config, k)) bad(where, `(${className}) lacks the option ${k}`);
  if (!nested && typeof config.name !== 'string') bad(where, `(${className}) has no name`);
  return { className, config };
}

export function checkInputShape(v: unknown): LayerShape {
  const problem = shape(v);
  if (problem) bad('the model inputShape', problem);
  return v as LayerShape;
}

/** A WnnFormatError: `wasmnn: <what>; <fix>` (by default: the file is damaged or not wasmnn's). */
export function fileError(what: string, fix = 'the file is damaged or was not written by wasmnn'): never {
  throw new WnnFormatError(`wasmnn: ${what}; ${fix}`);
}

/** JSON.parse of a metadata entry, or a WnnFormatError naming it. */
export function parseJsonEntry(metadata: Record<string, string>, key: string): unknown {
  try {
    return JSON.parse(metadata[key]);
  } catch {
    return fileError(`metadata '${key}' is not valid JSON`);
  }
}

/** format is 'wasmnn', format_version one this code reads, no unknown metadata key. */
/** Checks the format entries and returns the file's format version. */
export function checkFormat(metadata: Record<string, string>): number {
  if (!Object.hasOwn(metadata, 'format')) fileError('the file has no "format" metadata: it is a safetensors file but not a wasmnn model', 'save the model with wasmnn (or import it with importTfjsModel)');
  if (metadata.format !== 'wasmnn') fileError(`the file's format is ${JSON.stringify(metadata.format).slice(0, 60)}, not "wasmnn"`, 'load a .wnn file written by wasmnn');
  const v = metadata.format_version;
  if (typeof v !== 'string' || !/^[1-9][0-9]{0,8}$/.test(v)) fileError(`the file's format_version ${JSON.stringify(v)?.slice(0, 40)} is not a version number`);
  const n = Number(v);
  if (n > WNN_FORMAT_VERSION) {
    throw new WnnFormatError(`wasmnn: this model file was made by a newer wasmnn (format ${n}); upgrade wasmnn to load it (this version reads format ${WNN_FORMAT_VERSION})`);
  }
  for (const k of Object.keys(metadata)) if (!(METADATA_KEYS as readonly string[]).includes(k)) fileError(`the file has an unknown metadata key '${k.slice(0, 60)}' for format ${n}`);
  return n;
}

export interface ModelEntry {
  name: string;
  layers: { className: string; config: Record<string, unknown> }[];
  inputShape: LayerShape;
}

/** The `model` entry: { className: 'Sequential', config: { name, layers }, inputShape }, whitelisted. */
export function checkModelEntry(metadata: Record<string, string>): ModelEntry {
  if (!Object.hasOwn(metadata, 'model')) fileError('the file has no "model" metadata (the model config)');
  const m = parseJsonEntry(metadata, 'model');
  if (!isPlainObject(m)) return fileError('metadata "model" is not an object');
  for (const k of Object.keys(m)) if (!['className', 'config', 'inputShape'].includes(k)) fileError(`metadata "model" has an unknown field '${k.slice(0, 60)}'`);
  if (m.className !== 'Sequential') fileError(`the model class ${JSON.stringify(m.className)?.slice(0, 60)} is not one this version loads (Sequential)`);
  const inputShape = checkInputShape(m.inputShape);
  const config = m.config;
  if (!isPlainObject(config)) return bad('the Sequential config', 'is not an object');
  for (const k of Object.keys(config)) if (k !== 'name' && k !== 'layers') bad('the Sequential config', `has an unknown field '${k}'`);
  if (name(config.name)) bad('the model name', name(config.name)!);
  const layers = config.layers;
  if (!Array.isArray(layers) || layers.length === 0) return bad('the Sequential config', 'has no layers array');
  const entries = layers.map((e, i) => checkLayerEntry(e, `layer ${i + 1}`));
  const names = new Set<string>();
  for (const e of entries) {
    const n = e.config.name as string;
    if (names.has(n)) bad(`layer '${n}'`, 'appears twice; layer names must be unique');
    names.add(n);
  }
  checkLayerRanks(entries, inputShape);
  return { name: config.name as string, layers: entries, inputShape };
}

const SEQUENCE_LAYERS = new Set(['LSTM', 'GRU', 'SimpleRNN', 'Bidirectional', 'Conv1D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'MaxPooling1D', 'AveragePooling1D', 'SpatialDropout1D']);

/**
 * The rank of each layer's samples, walked from the input shape as the layers' builds do: the
 * recurrent, convolution and pooling layers take (steps, features), EmbeddingBag a row of ids. A
 * reader that builds no layers (wasmnn/infer) refuses what the full loader's dry build refuses.
 */
function checkLayerRanks(entries: { className: string; config: Record<string, unknown> }[], inputShape: LayerShape): void {
  let rank = ((entries[0].config.inputShape as LayerShape | undefined) ?? inputShape).length;
  entries.forEach((e, i) => {
    const c = e.className;
    const where = `layer ${i + 1} (${c})`;
    if (SEQUENCE_LAYERS.has(c) && rank !== 2) bad(where, `takes sequences of (steps, features) but gets samples of rank ${rank}; the model's inputShape or layers are inconsistent`);
    if (c === 'EmbeddingBag' && rank !== 1) bad(where, `takes a row of ids but gets samples of rank ${rank}; the model's inputShape is inconsistent`);
    // a softmax normalises the last axis of each sample: a scalar sample has none (as Activation's build)
    if (c === 'Activation' && e.config.activation === 'softmax' && rank === 0) bad(where, 'applies a softmax to samples that are single numbers; the model\'s inputShape is inconsistent');
    const seq = (cfg: Record<string, unknown>) => (cfg.returnSequences === true ? 2 : 1);
    if (c === 'Embedding') rank += 1;
    else if (RECURRENT_LAYERS.has(c)) rank = seq(e.config);
    else if (c === 'Bidirectional') rank = seq(((e.config.layer as { config?: Record<string, unknown> })?.config) ?? {});
    else if (c === 'GlobalAveragePooling1D' || c === 'GlobalMaxPooling1D' || c === 'Flatten') rank = 1;
  });
}

/** The `labels` entry (distinct strings) or null. */
export function checkLabels(metadata: Record<string, string>): string[] | null {
  if (!Object.hasOwn(metadata, 'labels')) return null;
  const l = parseJsonEntry(metadata, 'labels');
  if (!Array.isArray(l) || !l.every((x) => typeof x === 'string')) fileError('metadata "labels" is not an array of strings');
  if (new Set(l as string[]).size !== (l as string[]).length) fileError('metadata "labels" names a label twice');
  return l as string[];
}

/** The `training` entry (a JSON object) or null. */
export function checkTraining(metadata: Record<string, string>): Record<string, unknown> | null {
  if (!Object.hasOwn(metadata, 'training')) return null;
  const t = parseJsonEntry(metadata, 'training');
  if (!isPlainObject(t)) fileError('metadata "training" is not an object');
  return t as Record<string, unknown>;
}

/** Index of the first NaN or infinity, or -1 (x - x is 0 exactly for finite x). */
export function firstNonFinite(a: Float32Array): number {
  // the usual answer, none, from three native scans: a JS loop over the weights runs cold at load
  // time (interpreted) and costs ~15x more, milliseconds of a cold start
  if (!a.includes(NaN) && !a.includes(Infinity) && !a.includes(-Infinity)) return -1;
  for (let i = 0; i < a.length; i++) if (a[i] - a[i] !== 0) return i;
  return -1;
}

/** A weight with a NaN or infinity: a WnnFormatError naming it and where. */
export function checkFiniteWeight(name: string, data: Float32Array): void {
  const i = firstNonFinite(data);
  if (i >= 0) fileError(`weight '${name}' has a non-finite value (${data[i]}) at index ${i}`);
}

/**
 * Why the ids a vectorizer emits do not fit a model's first layer (an Embedding or EmbeddingBag
 * takes ids below its inputDim), or null when they fit (or the layer takes no ids). `first` is a
 * layer or a file's layer entry: its className, name and inputDim.
 */
export function tokenizerMismatch(vectorizer: TextVectorizer | null, className: string, name: unknown, inputDim: unknown, inputShape?: readonly (number | null)[] | null): string | null {
  if (!vectorizer) return null;
  // a model built for rows of a fixed length takes only rows of that length
  const len = vectorizer.config.outputSequenceLength, fixed = inputShape?.length === 1 ? inputShape[0] : null;
  if (typeof fixed === 'number' && len !== fixed) return `the tokenizer makes rows of ${len === null ? 'the longest text\'s length' : `${len} ids`} but the model takes rows of ${fixed}`;
  if (!vectorizer.adapted || (className !== 'Embedding' && className !== 'EmbeddingBag')) return null;
  const ids = vectorizer.vocabularySize;
  return ids > (inputDim as number) ? `the tokenizer emits ids up to ${ids - 1} but layer '${String(name)}' takes ids below ${String(inputDim)}` : null;
}

/** The file's tokenizer fits its first layer (the model entry's layers[0]). */
export function checkTokenizerFits(vectorizer: TextVectorizer | null, first: { className: string; config: Record<string, unknown> }, inputShape: readonly (number | null)[]): void {
  const problem = tokenizerMismatch(vectorizer, first.className, first.config.name, first.config.inputDim, inputShape);
  if (problem) fileError(problem);
}

/** The `tokenizer` entry as a TextVectorizer, or null. */
export function checkTokenizer(metadata: Record<string, string>): TextVectorizer | null {
  if (!Object.hasOwn(metadata, 'tokenizer')) return null;
  const j = parseJsonEntry(metadata, 'tokenizer');
  try {
    return TextVectorizer.fromJSON(j as TextVectorizerJSON);
  } catch (err) {
    return fileError(`the file's tokenizer is invalid: ${(err as Error).message}`);
  }
}
