// The .wnn model file: safetensors (weights named by weight name: F32, or quantized to F16 or I8
// with per-row scales, see quantize.ts) whose __metadata__ holds
// the format version, the model config, and optionally the compile config, the text vectorizer,
// the label names, training metadata and the optimizer state (slots as __optimizer__/<i> tensors).
// decodeWnn treats the bytes as hostile: the safetensors layer checks the layout, then the config
// is checked against a whitelist and dry-built (weights declared, nothing allocated) so every
// tensor's name and shape is compared with the model before the model takes any memory.
import { advised } from '../advice.js';
import { outputLayerOf, outputReading } from '../predictions.js';
import { Sequential } from '../models/sequential.js';
import { hasRuntime, init, runtime } from '../runtime/default.js';
import { Runtime } from '../runtime/runtime.js';
import { TextVectorizer, isTextVectorizer } from '../text/vectorizer.js';
import { checkFiniteWeight, checkFormat, fileError, checkLabels, checkModelEntry, checkTokenizer, checkTokenizerFits, checkTraining, firstNonFinite, isPlainObject, OPTIMIZER_PREFIX, parseJsonEntry, tokenizerMismatch } from './checks.js';
import { compileFromConfig, dryBuild, layersFromEntry } from './config.js';
import { metricsMismatch } from '../metrics.js';
import { readModelSource, type ModelSource as Source } from './source.js';
import { checkOptions, describe, optionNames } from '../options.js';
import { decodeSafetensors, encodeSafetensors, WnnFormatError, type SafeTensorIn, type SafeTensorOut } from './safetensors.js';
import { checkQuantization, isScalesOfInt8Weight, QUANTIZED_FORMAT_VERSION, readWeightValues, weightTensors, type Quantization } from './quantize.js';

export { WNN_FORMAT_VERSION, OPTIMIZER_PREFIX, METADATA_KEYS } from './checks.js';

export interface WnnContentsIn {
  model: Sequential;
  vectorizer?: TextVectorizer | null;
  labels?: string[] | null;
  training?: Record<string, unknown> | null;
  /** Also store the optimizer state (moments, iterations) so training can resume exactly. */
  includeOptimizer?: boolean;
  /** Store the large weights (4,096 values or more) as 'float16' (half the bytes) or 'int8' with
   *  a scale per row (a quarter); they load as float32. Not with includeOptimizer. */
  quantize?: Quantization | null;
}

const CONTENTS_KEYS = optionNames<WnnContentsIn>({ model: true, vectorizer: true, labels: true, training: true, includeOptimizer: true, quantize: true });

export interface WnnContents {
  model: Sequential;
  vectorizer: TextVectorizer | null;
  labels: string[] | null;
  training: Record<string, unknown> | null;
  metadata: Record<string, string>;
}

export interface DecodeOptions { runtime?: Runtime }

const DECODE_OPTIONS = optionNames<DecodeOptions>({ runtime: true });

/** The options of decodeWnn / loadModel (and the classifier's fromBytes / load): { runtime }, a Runtime. */
export function checkDecodeOptions(owner: string, options: DecodeOptions): DecodeOptions {
  checkOptions(owner, options, DECODE_OPTIONS);
  const rt = options?.runtime;
  if (rt !== undefined && !(rt instanceof Runtime)) {
    throw new TypeError(`wasmnn: ${owner}: runtime must be a Runtime (from await init() or Runtime.create()), got ${describe(rt)}; leave it out to use the default runtime`);
  }
  return options ?? {};
}

const bad = fileError;
const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** What checks.ts and config.ts append to a file's problem; a model being saved is not a file yet. */
const FILE_BLAME = /; the file is damaged or was not written by wasmnn$/;

/**
 * Runs what decodeWnn runs on a file's model and compile entries (the whitelist, the dry build,
 * the optimizer's rebuild) on the metadata about to be written, so a model that saves also loads:
 * a config value the loader refuses (a layer option changed after construction, a model name of
 * 300 characters) fails the save, naming it, instead of the load, blaming the file.
 */
function checkLoadable(metadata: Record<string, string>, weights: readonly { name: string; shape: readonly number[] }[]): void {
  try {
    const entry = checkModelEntry(metadata);
    const declared = dryBuild(layersFromEntry(entry), entry.inputShape);
    // the loader looks up each declared weight's tensor by name and shape
    const have = new Map(weights.map((w) => [w.name, w.shape]));
    for (const w of declared) {
      const s = have.get(w.name);
      if (!s) bad(`the model's config declares a weight '${w.name}' the model does not have`);
      else if (fmt(s) !== fmt(w.shape)) bad(`weight '${w.name}' has shape ${fmt(s)} but the model's config gives it ${fmt(w.shape)}`);
    }
    if (metadata.compile !== undefined) compileFromConfig(JSON.parse(metadata.compile));
  } catch (err) {
    if (!(err instanceof WnnFormatError)) throw err;
    const problem = err.message.replace(/^wasmnn: /, '').replace(FILE_BLAME, '');
    throw new RangeError(`wasmnn: encodeWnn: the model could not be loaded again from the file, so it is not saved: ${problem}; change that setting of the model and save again`);
  }
}

/** The model entry as JSON; a value JSON cannot write (a BigInt name set after construction) is named, not a raw JSON error. */
function modelJson(model: Sequential, inputShape: unknown): string {
  try {
    return JSON.stringify({ className: 'Sequential', config: model.getConfig(), inputShape });
  } catch (err) {
    throw new TypeError(`wasmnn: encodeWnn: the model's config cannot be written as JSON (${String((err as Error).message).split('\n')[0]}); a layer or model option holds a value that is not JSON (give names as strings and options as the numbers, strings and booleans they take)`);
  }
}

/** The training metadata as JSON: a plain object that survives JSON (no cycle, no BigInt), as checkTraining reads it back. */
function trainingJson(training: unknown): string {
  if (!isPlainObject(training)) throw new TypeError(`wasmnn: encodeWnn: training must be a plain object of JSON values such as { epochs: 5 }, got ${describe(training)}`);
  let json: string;
  try {
    json = JSON.stringify(training);
  } catch (err) {
    throw new TypeError(`wasmnn: encodeWnn: training cannot be written as JSON (${String((err as Error).message).split('\n')[0]}); give a plain object of strings, numbers, booleans, arrays and objects, without cycles or BigInts`);
  }
  const back: unknown = JSON.parse(json);
  if (!isPlainObject(back)) throw new TypeError(`wasmnn: encodeWnn: training becomes ${describe(back)} as JSON (its toJSON), not an object; give a plain object of JSON values`);
  return json;
}

/** The bytes of a .wnn file holding the model's weights and everything needed to rebuild it. */
export function encodeWnn(c: WnnContentsIn): Uint8Array {
  const model = c?.model;
  if (!(model instanceof Sequential)) throw new TypeError('wasmnn: encodeWnn takes { model: Sequential, ... }');
  checkOptions('encodeWnn', c, CONTENTS_KEYS);
  const inputShape = model.inputShape;
  if (!model.store || !inputShape) throw new Error('wasmnn: the model is not built yet, so it has no weights to save; call fit, predict or build(inputShape) first');
  const quantize = checkQuantization(c.quantize, 'encodeWnn');
  if (quantize && c.includeOptimizer) throw new Error('wasmnn: encodeWnn: quantize and includeOptimizer exclude each other: training resumes exactly only from float32 weights; save checkpoints without quantize');
  const metadata: Record<string, string> = {
    format: 'wasmnn',
    format_version: '1',
    model: modelJson(model, inputShape),
  };
  if (model.optimizer && model.loss) {
    metadata.compile = JSON.stringify({
      loss: model.loss, metrics: model.metrics,
      optimizer: { className: model.optimizer.className, config: model.optimizer.getConfig() },
    });
  }
  if (c.vectorizer) {
    if (!isTextVectorizer(c.vectorizer)) throw new TypeError(`wasmnn: encodeWnn: vectorizer must be a TextVectorizer, got ${describe(c.vectorizer)}`);
    // a tokenizer without a vocabulary would load, then fail at the first prediction
    if (!c.vectorizer.adapted) throw new Error('wasmnn: encodeWnn: the vectorizer has no vocabulary yet, so the file could not classify text; call vectorizer.adapt(trainingTexts) before saving');
    const first = model.layers[0] as { className: string; name: string; inputDim?: number } | undefined;
    const problem = first ? tokenizerMismatch(c.vectorizer, first.className, first.name, first.inputDim, inputShape) : null;
    if (problem) throw new RangeError(`wasmnn: encodeWnn: ${problem}, so the file would not load; make them agree (the first layer's inputDim: vectorizer.vocabularySize; rows of the tokenizer's outputSequenceLength)`);
    metadata.tokenizer = JSON.stringify(c.vectorizer.toJSON());
  }
  if (c.labels) {
    if (!Array.isArray(c.labels) || !c.labels.every((l) => typeof l === 'string')) throw new TypeError('wasmnn: encodeWnn: labels must be an array of strings');
    if (new Set(c.labels).size !== c.labels.length) throw new RangeError('wasmnn: encodeWnn: labels must be distinct');
    const units = model.outputUnits;
    // outputs the classifiers read as probabilities (a softmax, logits, one sigmoid output for two
    // labels), or the file would not load as a classifier
    const { problem } = outputReading(outputLayerOf(model.layers) as Parameters<typeof outputReading>[0], c.labels);
    if (problem) throw new RangeError(`wasmnn: encodeWnn: ${problem}`);
    if (units !== 1 && c.labels.length !== units) {
      throw new RangeError(`wasmnn: encodeWnn: ${c.labels.length} labels for a model with ${units} outputs; give one label per output`);
    }
    metadata.labels = JSON.stringify(c.labels);
  }
  if (c.training !== undefined && c.training !== null) metadata.training = trainingJson(c.training);
  const weights = model.getWeights();
  checkLoadable(metadata, weights);
  const tensors: SafeTensorIn[] = weights.flatMap((w) => {
    const i = firstNonFinite(w.values);
    if (i >= 0) {
      throw advised(new RangeError(''), 'non-finite-weights', `wasmnn: encodeWnn: weight ${w.name} holds ${w.values[i]} at index ${i}; a model with non-finite weights cannot be saved`,
        '(training diverged: lower the learning rate or set clipNorm)');
    }
    return weightTensors(w.name, w.shape, w.values, quantize);
  });
  // readers before format 2 know only F32 weights: they must refuse such a file, not misread it
  if (tensors.some((t) => t.dtype !== 'F32')) metadata.format_version = String(QUANTIZED_FORMAT_VERSION);
  if (c.includeOptimizer) {
    if (!model.optimizer || !model.loss) throw new Error('wasmnn: encodeWnn: includeOptimizer needs a compiled model; call model.compile first');
    const state = model.optimizer.getState();
    metadata.optimizer = JSON.stringify({ iterations: state.iterations, slots: state.slots.length, trainSteps: model.trainSteps });
    state.slots.forEach((s, i) => tensors.push({ name: `${OPTIMIZER_PREFIX}${i}`, dtype: 'F32', shape: [s.length], data: s }));
  }
  return encodeSafetensors(tensors, metadata);
}

/** Rebuilds what encodeWnn wrote; see the file comment for the checks. */
export function decodeWnn(bytes: Uint8Array | ArrayBuffer, options: DecodeOptions = {}): WnnContents {
  const u8 = bytes instanceof Uint8Array ? bytes : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : null;
  if (!u8) throw new TypeError('wasmnn: decodeWnn takes the file as a Uint8Array or ArrayBuffer');
  options = checkDecodeOptions('decodeWnn', options);
  const { metadata, tensors } = decodeSafetensors(u8);
  const version = checkFormat(metadata);

  // the model config, whitelisted, dry-built, and compared with the tensors
  const entry = checkModelEntry(metadata);
  const inputShape = entry.inputShape;
  const dry = layersFromEntry(entry);
  const declared = dryBuild(dry, inputShape);
  const names = new Set<string>();
  for (const w of declared) {
    if (names.has(w.name)) bad(`two weights of the model are named '${w.name}'`, 'rename the layers');
    names.add(w.name);
  }
  const values = new Map<string, Float32Array>();
  for (const w of declared) {
    const t = tensors.get(w.name);
    if (!t) return bad(`the file has no tensor for the model's weight '${w.name}' (shape ${fmt(w.shape)})`);
    if (t.shape.length !== w.shape.length || t.shape.some((d, i) => d !== w.shape[i])) bad(`tensor '${w.name}' has shape ${fmt(t.shape)} but the model config gives that weight shape ${fmt(w.shape)}`);
    const v = readWeightValues(w.name, t, tensors, version);
    checkFiniteWeight(w.name, v);
    values.set(w.name, v);
  }

  // optional entries, parsed and checked before the model takes any memory
  const compile = Object.hasOwn(metadata, 'compile') ? compileFromConfig(parseJsonEntry(metadata, 'compile')) : null;
  let optState: { iterations: number; slots: number; trainSteps: number } | null = null;
  if (Object.hasOwn(metadata, 'optimizer')) {
    if (!compile) bad('the file has optimizer state but no compile entry');
    const o = parseJsonEntry(metadata, 'optimizer');
    if (!isPlainObject(o)) return bad('metadata "optimizer" is not an object');
    for (const k of Object.keys(o)) if (!['iterations', 'slots', 'trainSteps'].includes(k)) bad(`metadata "optimizer" has an unknown field '${k.slice(0, 60)}'`);
    const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    if (!count(o.iterations) || !count(o.trainSteps) || !count(o.slots) || (o.slots as number) > 8) bad('metadata "optimizer" needs whole numbers iterations, trainSteps and slots (0 .. 8)');
    optState = o as unknown as { iterations: number; slots: number; trainSteps: number };
  }
  for (const [name, t] of tensors) {
    if (names.has(name) || isScalesOfInt8Weight(name, tensors)) continue;
    const i = name.startsWith(OPTIMIZER_PREFIX) ? name.slice(OPTIMIZER_PREFIX.length) : null;
    if (i === null || !optState || !/^(0|[1-9][0-9]?)$/.test(i) || Number(i) >= optState.slots) bad(`the file has a tensor '${name.slice(0, 100)}' that is not a weight of the model`);
    if (t.dtype !== 'F32' || t.shape.length !== 1) bad(`optimizer tensor '${name}' must be a 1-D F32 tensor`);
    const at = firstNonFinite(t.data as Float32Array);
    if (at >= 0) bad(`optimizer tensor '${name}' has a non-finite value (${t.data[at]}) at index ${at}`);
  }
  if (optState) for (let i = 0; i < optState.slots; i++) if (!tensors.has(`${OPTIMIZER_PREFIX}${i}`)) bad(`the file has no optimizer tensor '${OPTIMIZER_PREFIX}${i}'`);

  const vectorizer = checkTokenizer(metadata);
  const labels = checkLabels(metadata);
  const training = checkTraining(metadata);

  // consistency between the parts: ids the vectorizer emits fit the first layer; one label per output
  checkTokenizerFits(vectorizer, entry.layers[0], inputShape);
  const layers = layersFromEntry(entry);

  const out = dry[dry.length - 1].outputShape!;
  const units = out[out.length - 1];
  if (labels && labels.length !== units && !(units === 1 && labels.length === 2)) bad(`the file has ${labels.length} labels but the model has ${units} outputs`);
  // a Keras-named accuracy the loss does not fit (binary_accuracy with softmax outputs) would be refused by compile
  const why = compile ? metricsMismatch(compile.metrics ?? [], compile.loss.name, units as number) : null;
  if (why) bad(`the compile entry's ${why}`);

  // every check passed: build (allocates about the weights' size, twice, plus optimizer slots) and fill
  const rt = options.runtime ?? runtime();
  const model = new Sequential(layers, { name: entry.name });
  try {
    model.build(inputShape, rt);
    model.setWeights(declared.map((w) => ({ name: w.name, values: values.get(w.name)! })));
    if (compile) {
      model.compile(compile);
      if (optState) restoreOptimizer(model, optState, tensors);
    }
  } catch (err) {
    model.dispose();
    if (err instanceof WnnFormatError) throw err;
    return bad(`the model could not be rebuilt from the file: ${(err as Error).message}`);
  }
  return { model, vectorizer, labels, training, metadata };
}

function restoreOptimizer(model: Sequential, o: { iterations: number; slots: number; trainSteps: number }, tensors: Map<string, SafeTensorOut>): void {
  const opt = model.optimizer!;
  const want = opt.getState();
  if (want.slots.length !== o.slots) bad(`the file has ${o.slots} optimizer slots but ${opt.className} keeps ${want.slots.length}`);
  const names = opt.slotNames();
  const slots = want.slots.map((s, i) => {
    const t = tensors.get(`${OPTIMIZER_PREFIX}${i}`)!;
    if (t.data.length !== s.length) bad(`optimizer tensor '${OPTIMIZER_PREFIX}${i}' has ${t.data.length} values but the model's optimizer state has ${s.length}`);
    // running averages of squares (Adam v, RMSprop ms) and Adagrad's sum of squares are never
    // negative: a negative one would turn the next update into NaN, blamed on the learning rate
    if (['v', 'ms', 'accumulator'].includes(names[i])) {
      const d = t.data as Float32Array;
      for (let k = 0; k < d.length; k++) if (d[k] < 0) bad(`optimizer tensor '${OPTIMIZER_PREFIX}${i}' (${opt.className}'s ${names[i]}, a running sum of squares) holds ${d[k]} at index ${k}; it is never negative`);
    }
    return t.data as Float32Array;
  });
  opt.setState({ iterations: o.iterations, slots });
  model.trainSteps = o.trainSteps;
}

/** readModelSource + decodeWnn. Starts the default runtime if no runtime is given and none runs. */
export async function loadModel(source: Source, options: DecodeOptions = {}): Promise<WnnContents> {
  options = checkDecodeOptions('loadModel', options);
  const bytes = await readModelSource(source);
  if (!options.runtime && !hasRuntime()) await init();
  return decodeWnn(bytes, options);
}
