// Import of a TensorFlow.js layers model (model.json + weight files, or the artifacts a save
// handler receives) for the layers wasmnn has: Embedding, Dense, LSTM, GRU, SimpleRNN, Bidirectional,
// Conv1D, GlobalAverage/MaxPooling1D, Flatten, Dropout, LayerNormalization, Activation (InputLayer
// is skipped). Configs
// map from tfjs' snake_case keys to our options; options that change what a layer computes and
// that we lack are refused by name; initialisers, regularisers and constraints (training-only)
// are ignored. Weights are taken in the manifest's order, layer by layer, and each shape is
// checked against the layer we built.
// Embedding(maskZero) is imported so that predictions match tfjs' predict, whose masks flow
// differently from ours, or refused (see maskPlan).
import { Bidirectional } from '../layers/bidirectional.js';
import { Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D } from '../layers/conv.js';
import { Flatten } from '../layers/flatten.js';
import { Activation as ActivationLayer } from '../layers/activation.js';
import { RECURRENT_LAYERS, SIMPLE_RNN_ACTIVATIONS, type Activation } from '../activation_names.js';
import { Dense } from '../layers/dense.js';
import { nodeModule } from '../runtime/features.js';
import { Dropout, SpatialDropout1D } from '../layers/dropout.js';
import { AveragePooling1D, MaxPooling1D } from '../layers/pooling.js';
import { Embedding } from '../layers/embedding.js';
import type { Layer, LayerShape } from '../layers/layer.js';
import { LayerNormalization } from '../layers/layer_norm.js';
import { GRU, LSTM } from '../layers/recurrent.js';
import { SimpleRNN } from '../layers/simple_rnn.js';
import { Sequential } from '../models/sequential.js';
import { hasRuntime, init, runtime } from '../runtime/default.js';
import type { Runtime } from '../runtime/runtime.js';
import { isPlainObject } from './checks.js';
import { dryBuild, ZERO_INIT } from './config.js';
import { WnnFormatError } from './safetensors.js';

/** One weight as tfjs lists it (weightSpecs / weightsManifest[].weights). */
export interface TfjsWeightSpec { name: string; shape: number[]; dtype: string; quantization?: unknown }

/** A tfjs model.json ({ modelTopology, weightsManifest }) or save-handler artifacts ({ modelTopology, weightSpecs, weightData }). */
export interface TfjsModelJson {
  modelTopology: unknown;
  weightsManifest?: { paths: string[]; weights: TfjsWeightSpec[] }[];
  weightSpecs?: TfjsWeightSpec[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  [k: string]: unknown;
}

type Bytes = ArrayBuffer | ArrayBufferView;
/** All weight bytes (shards concatenated in manifest order), a list of shards, or shards by their manifest path. */
export type TfjsWeights = Bytes | Bytes[] | Record<string, Bytes>;

export interface ImportOptions { runtime?: Runtime }

/** Errors bad() built: complete (prefix, place and advice), so no wrapper adds to them. */
const complete = new WeakSet<Error>();

function bad(what: string, fix = 'export the model with tfjs-layers (model.save) and pass its model.json and weight files'): never {
  const err = new WnnFormatError(`wasmnn: tfjs import: ${what}; ${fix}`);
  complete.add(err);
  throw err;
}

const toU8 = (b: Bytes): Uint8Array => (b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
const isBytes = (b: unknown): b is Bytes => b instanceof ArrayBuffer || ArrayBuffer.isView(b);

/**
 * A wasmnn Sequential with a tfjs-layers model's architecture and weights.
 * `importTfjsModel('path/to/model.json')` (node) or an http(s) URL reads the weight files next to it;
 * `importTfjsModel(modelJson, weights)` takes the parsed (or text) model.json and its weights;
 * `importTfjsModel(artifacts)` takes what a tf.io save handler receives.
 */
export async function importTfjsModel(model: string | URL | TfjsModelJson, weights?: TfjsWeights, options: ImportOptions = {}): Promise<Sequential> {
  let json: TfjsModelJson;
  let shards: Uint8Array[];
  if (model instanceof URL || (typeof model === 'string' && !model.trimStart().startsWith('{'))) {
    ({ json, shards } = await readFromLocation(String(model)));
  } else {
    json = typeof model === 'string' ? parseJson(model) : model;
    if (!isPlainObject(json)) bad('the model is not a model.json object');
    shards = collectShards(json, weights);
  }
  if (!options.runtime && !hasRuntime()) await init();
  return buildFrom(json, shards, options.runtime ?? runtime());
}

function parseJson(text: string): TfjsModelJson {
  try { return JSON.parse(text); } catch (e) { return bad(`model.json is not valid JSON (${(e as Error).message})`); }
}

function specsOf(json: TfjsModelJson): TfjsWeightSpec[] {
  if (Array.isArray(json.weightSpecs)) return json.weightSpecs;
  if (!Array.isArray(json.weightsManifest)) return bad('model.json has neither weightsManifest nor weightSpecs');
  return json.weightsManifest.flatMap((g) => (isPlainObject(g) && Array.isArray(g.weights) ? g.weights : bad('a weightsManifest group has no weights list')));
}

function manifestPaths(json: TfjsModelJson): string[] {
  if (!Array.isArray(json.weightsManifest)) return [];
  return json.weightsManifest.flatMap((g) => (Array.isArray(g.paths) && g.paths.every((p) => typeof p === 'string') ? g.paths : bad('a weightsManifest group has no paths list')));
}

function collectShards(json: TfjsModelJson, weights: TfjsWeights | undefined): Uint8Array[] {
  const w = weights ?? (json.weightData as TfjsWeights | undefined);
  if (w === undefined) bad('no weights given', 'pass the weight data (or the weight files by name) as the second argument');
  if (isBytes(w)) return [toU8(w)];
  if (Array.isArray(w)) return w.map((b) => (isBytes(b) ? toU8(b) : bad('a weight shard is not an ArrayBuffer or typed array')));
  if (!isPlainObject(w)) return bad('the weights are not bytes, a list of shards or shards by path');
  return manifestPaths(json).map((p) => {
    const b = Object.hasOwn(w, p) ? w[p] : Object.hasOwn(w, basename(p)) ? w[basename(p)] : undefined;
    return isBytes(b) ? toU8(b) : bad(`the weight file '${p}' listed in model.json was not given`);
  });
}

const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** model.json from a path (node) or URL, and the shards its manifest lists, read relative to it. */
async function readFromLocation(where: string): Promise<{ json: TfjsModelJson; shards: Uint8Array[] }> {
  const remote = /^https?:/i.test(where);
  const node = typeof process !== 'undefined' && !!process.versions?.node;
  let read: (rel: string | null) => Promise<Uint8Array>;
  if (!remote && node) {
    const fs = await nodeModule<typeof import('node:fs/promises')>('fs/promises');
    const pathMod = await nodeModule<typeof import('node:path')>('path');
    const { fileURLToPath } = await nodeModule<typeof import('node:url')>('url');
    const file = where.startsWith('file:') ? fileURLToPath(where) : where;
    read = async (rel) => {
      const p = rel === null ? file : pathMod.resolve(pathMod.dirname(file), rel);
      if (rel !== null && pathMod.relative(pathMod.dirname(file), p).startsWith('..')) bad(`the weight path '${rel}' points outside the model's directory`);
      try {
        return new Uint8Array(await fs.readFile(p));
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new Error(`wasmnn: tfjs import: cannot read ${p}: ${code === 'ENOENT' ? 'no such file; check the path (weight files must sit next to model.json)' : (err as Error).message}`);
      }
    };
  } else {
    if (typeof fetch !== 'function') throw new Error(`wasmnn: tfjs import: cannot load ${where}: this host has no fetch; pass model.json and the weights instead`);
    read = async (rel) => {
      const url = rel === null ? where : new URL(rel, where).href;
      const res = await fetch(url);
      if (!res.ok) throw new Error(`wasmnn: tfjs import: could not fetch ${url}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    };
  }
  const json = parseJson(new TextDecoder().decode(await read(null)));
  if (!isPlainObject(json)) bad('model.json is not an object');
  const shards = await Promise.all(manifestPaths(json).map((p) => read(p)));
  return { json, shards };
}

// ---- layer configs: tfjs (snake_case) -> ours ----

type Cfg = Record<string, unknown>;
/** Keys that only matter for training or bookkeeping: ignored (the regularizers are read by regularizersOf). */
const IGNORED = /(_initializer|_regularizer|_constraint)$|^(name|trainable|dtype|batch_input_shape|input_length|implementation|unroll|noise_shape|input_dtype|sparse|ragged)$/;

/**
 * A model.json activation -> ours, computing what tfjs-layers 4.22 computes when it loads the file.
 * tfjs writes its activations' names in snake case (hardSigmoid as 'hard_sigmoid'); the camelCase
 * spellings of its API are taken too. 'hard_sigmoid' is tfjs' clip(0.2 x + 0.5, 0, 1), our
 * 'hardSigmoid' (not Keras 3's relu6(x + 3) / 6), 'swish' our 'silu'. Names tfjs cannot load but
 * Keras writes (a converted Keras model) mean what Keras computes: 'silu', 'leaky_relu' (slope 0.2),
 * 'exponential'.
 */
const TFJS_ACTIVATIONS: Record<string, Activation> = {
  linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', softplus: 'softplus', gelu: 'gelu',
  elu: 'elu', selu: 'selu', relu6: 'relu6', softsign: 'softsign', mish: 'mish', swish: 'silu',
  hard_sigmoid: 'hardSigmoid', hardSigmoid: 'hardSigmoid',
  silu: 'silu', leaky_relu: 'leakyRelu', exponential: 'exponential',
};

function activation(v: unknown, where: string): Activation {
  if (v === undefined || v === null) return 'linear';
  if (typeof v !== 'string' || !Object.hasOwn(TFJS_ACTIVATIONS, v)) bad(`${where}: activation '${String(v)}' is not one wasmnn has`, `use one of ${Object.keys(TFJS_ACTIVATIONS).join(', ')}`);
  return TFJS_ACTIVATIONS[v as string];
}

const single = (v: unknown, where: string, key: string): number => {
  const x = Array.isArray(v) ? (v.length === 1 ? v[0] : bad(`${where}: ${key} ${JSON.stringify(v)} must have one value (1-D)`)) : v;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1) bad(`${where}: ${key} must be a whole number >= 1, got ${JSON.stringify(v)}`);
  return x as number;
};

/** Layers over steps read (B, T, C): a channels-first data_format would pool or convolve the wrong axis. */
function channelsLastOnly(c: Cfg, where: string): void {
  if (c.data_format !== undefined && c.data_format !== null && c.data_format !== 'channelsLast' && c.data_format !== 'channels_last') bad(`${where}: data_format '${String(c.data_format)}' is not supported (channels last only)`);
}

/**
 * The weight regularizers of a layer config (kernel_regularizer, ... as tfjs and Keras write them:
 * { class_name: 'L1L2' (tfjs; Keras also 'L1', 'L2'), config: { l1, l2 } }) as wasmnn's options
 * ({ kernelRegularizer: { l1, l2 } }): they train on after an import. activity_regularizer is
 * handed over too, for the layer to refuse (tfjs-layers cannot run one either).
 */
function regularizersOf(c: Cfg, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (!k.endsWith('_regularizer') || v === null || v === undefined) continue;
    const option = k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
    const r = v as { class_name?: unknown; config?: unknown };
    if (k === 'activity_regularizer') { out[option] = v; continue; }
    if (!isPlainObject(r) || !['L1L2', 'L1', 'L2'].includes(r.class_name as string) || !isPlainObject(r.config)) {
      bad(`${where}: ${k} ${JSON.stringify(v)?.slice(0, 80)} is not an L1L2, L1 or L2 regularizer`, 'remove it, or use an l1 / l2 regularizer');
    }
    const { l1, l2 } = r.config as Cfg;
    out[option] = { l1: l1 ?? 0, l2: l2 ?? 0 };
  }
  return out;
}

function refuseUnknown(c: Cfg, known: string[], where: string): void {
  for (const k of Object.keys(c)) if (!known.includes(k) && !IGNORED.test(k)) bad(`${where}: option '${k}' is not supported`, 'remove it, or build the model with the options wasmnn has');
}

function rnnArgs(cls: string, c: Cfg, where: string): Record<string, unknown> {
  refuseUnknown(c, ['units', 'activation', 'recurrent_activation', 'use_bias', 'return_sequences', 'go_backwards', 'unit_forget_bias', 'dropout', 'recurrent_dropout', 'return_state', 'stateful', 'reset_after',
    // what Keras writes besides: tf.keras' time_major, Keras 3's dropout seed and use_cudnn (an implementation choice)
    'time_major', 'seed', 'use_cudnn'], where);
  if (c.time_major) bad(`${where}: time_major recurrent layers are not supported`, 'build the layer with time_major False (batch first, the default)');
  if (c.return_state) bad(`${where}: return_state is not supported`, 'build the layer without returnState');
  if (c.stateful) bad(`${where}: stateful recurrent layers are not supported`, 'build the layer without stateful');
  // dropout inside the cell acts only in training (predictions are the same with or without it):
  // kept for further training; a GRU's or SimpleRNN's recurrent_dropout, which wasmnn's lack (the
  // GRU's is one mask per gate in Keras 3 and tfjs), is left out. Keras and tfjs clip a rate to [0, 1] and
  // drop only when 0 < rate < 1, so a stored 0 or 1 (or beyond) is no dropout here too; a value that
  // is not a number goes to the layer, which refuses it
  const rates = (k: string) => {
    const v = c[k];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && !(v > 0 && v < 1) ? undefined : v;
  };
  if (cls === 'SimpleRNN') {
    // no gates: Keras' SimpleRNN has no recurrent_activation, unit_forget_bias or reset_after
    for (const k of ['recurrent_activation', 'unit_forget_bias', 'reset_after']) if (c[k] !== undefined) bad(`${where}: option '${k}' is not a SimpleRNN option`, 'remove it');
    const a = activation(c.activation === undefined ? 'tanh' : c.activation, where);
    if (!(SIMPLE_RNN_ACTIVATIONS as readonly string[]).includes(a)) bad(`${where}: SimpleRNN activation '${String(c.activation)}' is not supported`, "build the SimpleRNN with activation 'tanh' (the default), 'relu' or 'linear'");
    return { units: c.units, activation: a, useBias: c.use_bias ?? true, returnSequences: !!c.return_sequences, goBackwards: !!c.go_backwards, dropout: rates('dropout') };
  }
  if (activation(c.activation ?? 'tanh', where) !== 'tanh') bad(`${where}: ${cls} activation must be tanh, got '${String(c.activation)}'`, `build the ${cls} with activation 'tanh' (tfjs' default)`);
  const ra = c.recurrent_activation ?? 'hard_sigmoid';
  if (ra !== 'sigmoid' && ra !== 'hard_sigmoid') bad(`${where}: recurrent_activation '${String(ra)}' is not supported`, `build the ${cls} with recurrentActivation 'sigmoid' or 'hardSigmoid'`);
  if (c.reset_after !== undefined && c.reset_after !== null && typeof c.reset_after !== 'boolean') bad(`${where}: reset_after must be true or false, got ${JSON.stringify(c.reset_after)}`);
  return {
    units: c.units, recurrentActivation: ra === 'sigmoid' ? 'sigmoid' : 'hardSigmoid', useBias: c.use_bias ?? true,
    returnSequences: !!c.return_sequences, goBackwards: !!c.go_backwards,
    dropout: rates('dropout'), ...(cls === 'GRU' ? {} : { recurrentDropout: rates('recurrent_dropout') }),
    // Keras' GRU (reset_after true by default since Keras 2.3; its bias is then (2, 3 x units))
    ...(cls === 'GRU' && c.reset_after ? { resetAfter: true } : {}),
  };
}

/** `noMask`: build an Embedding with maskZero off (see maskPlan). */
function layerFrom(cls: string, c: Cfg, where: string, noMask = false): Layer | null {
  const name = typeof c.name === 'string' && c.name ? c.name : undefined;
  // a wasmnn layer's own error gets the place; one bad() already built passes unchanged
  const w = (f: () => Layer): Layer => {
    try { return f(); } catch (e) { if (e instanceof Error && complete.has(e)) throw e; return bad(`${where}: ${(e as Error).message.replace(/^wasmnn: /, '')}`, 'change the layer in tfjs to options wasmnn has'); }
  };
  switch (cls) {
    case 'InputLayer': return null;
    case 'Dense':
      refuseUnknown(c, ['units', 'activation', 'use_bias'], where);
      return w(() => new Dense({ ...ZERO_INIT.Dense, ...regularizersOf(c, where), name, units: c.units as number, activation: activation(c.activation, where), useBias: (c.use_bias ?? true) as boolean }));
    case 'Activation':
      refuseUnknown(c, ['activation'], where);
      if (c.activation === undefined || c.activation === null) bad(`${where}: the Activation layer names no activation`);
      return w(() => new ActivationLayer({ name, activation: activation(c.activation, where) }));
    case 'Embedding':
      refuseUnknown(c, ['input_dim', 'output_dim', 'mask_zero'], where);
      return w(() => new Embedding({ ...ZERO_INIT.Embedding, ...regularizersOf(c, where), name, inputDim: c.input_dim as number, outputDim: c.output_dim as number, maskZero: !!c.mask_zero && !noMask }));
    case 'LSTM': return w(() => new LSTM({ ...ZERO_INIT.LSTM, ...regularizersOf(c, where), name, ...rnnArgs(cls, c, where) } as any));
    case 'GRU': return w(() => new GRU({ ...ZERO_INIT.GRU, ...regularizersOf(c, where), name, ...rnnArgs(cls, c, where) } as any));
    case 'SimpleRNN': return w(() => new SimpleRNN({ ...ZERO_INIT.SimpleRNN, ...regularizersOf(c, where), name, ...rnnArgs(cls, c, where) } as any));
    case 'Bidirectional': {
      refuseUnknown(c, ['layer', 'merge_mode'], where);
      const inner = c.layer as { class_name?: unknown; config?: unknown };
      if (!isPlainObject(inner) || !RECURRENT_LAYERS.has(inner.class_name as string) || !isPlainObject(inner.config)) bad(`${where}: Bidirectional must wrap an LSTM, GRU or SimpleRNN`);
      const mode = c.merge_mode ?? 'concat';
      if (!['concat', 'sum', 'mul', 'ave'].includes(mode as string)) bad(`${where}: merge_mode '${String(mode)}' is not supported (concat, sum, mul, ave)`);
      const args = rnnArgs(inner.class_name as string, inner.config as Cfg, `${where} (wrapped ${String(inner.class_name)})`);
      const Kind = { LSTM, GRU, SimpleRNN }[inner.class_name as 'LSTM' | 'GRU' | 'SimpleRNN'];
      const innerRegs = regularizersOf(inner.config as Cfg, `${where} (wrapped ${String(inner.class_name)})`);
      return w(() => new Bidirectional({ name, layer: new Kind({ ...ZERO_INIT[inner.class_name as string], ...innerRegs, ...args } as any), mergeMode: mode as any }));
    }
    case 'Conv1D': {
      refuseUnknown(c, ['filters', 'kernel_size', 'strides', 'padding', 'dilation_rate', 'activation', 'use_bias', 'data_format'], where);
      channelsLastOnly(c, where);
      if (c.padding !== undefined && c.padding !== 'valid' && c.padding !== 'same') bad(`${where}: padding '${String(c.padding)}' is not supported (valid or same)`);
      return w(() => new Conv1D({
        ...ZERO_INIT.Conv1D, ...regularizersOf(c, where), name, filters: c.filters as number, kernelSize: single(c.kernel_size, where, 'kernel_size'), strides: single(c.strides ?? 1, where, 'strides'),
        dilationRate: single(c.dilation_rate ?? 1, where, 'dilation_rate'), padding: (c.padding ?? 'valid') as any, activation: activation(c.activation, where), useBias: (c.use_bias ?? true) as boolean,
      }));
    }
    case 'GlobalAveragePooling1D': case 'GlobalMaxPooling1D':
      refuseUnknown(c, ['data_format'], where);
      channelsLastOnly(c, where);
      return cls === 'GlobalAveragePooling1D' ? new GlobalAveragePooling1D({ name }) : new GlobalMaxPooling1D({ name });
    case 'Flatten':
      refuseUnknown(c, ['data_format'], where);
      channelsLastOnly(c, where);
      return w(() => new Flatten({ name }));
    case 'MaxPooling1D': case 'AveragePooling1D': {
      refuseUnknown(c, ['pool_size', 'strides', 'padding', 'data_format'], where);
      channelsLastOnly(c, where);
      if (c.padding !== undefined && c.padding !== 'valid' && c.padding !== 'same') bad(`${where}: padding '${String(c.padding)}' is not supported (valid or same)`);
      const poolSize = single(c.pool_size ?? 2, where, 'pool_size');
      const args = { name, poolSize, strides: c.strides == null ? poolSize : single(c.strides, where, 'strides'), padding: (c.padding ?? 'valid') as 'valid' | 'same' };
      return w(() => (cls === 'MaxPooling1D' ? new MaxPooling1D(args) : new AveragePooling1D(args)));
    }
    case 'SpatialDropout1D': {
      refuseUnknown(c, ['rate', 'seed'], where);
      // the noise shape is (batch, 1, channels) by definition; tfjs writes noise_shape null
      const ns = c.noise_shape;
      if (ns !== undefined && ns !== null && !(Array.isArray(ns) && ns.length === 3 && ns[1] === 1 && ns[0] === null && ns[2] === null)) {
        bad(`${where}: SpatialDropout1D noise_shape ${JSON.stringify(ns)?.slice(0, 60)} is not supported (it drops whole channels: (batch, 1, channels))`, 'remove noise_shape');
      }
      if (c.seed !== undefined && c.seed !== null && typeof c.seed !== 'number') bad(`${where}: seed ${JSON.stringify(c.seed)?.slice(0, 60)} is not a number`);
      return w(() => new SpatialDropout1D({ name, rate: c.rate as number, seed: typeof c.seed === 'number' ? c.seed : undefined }));
    }
    case 'Dropout':
      refuseUnknown(c, ['rate', 'seed'], where);
      return w(() => new Dropout({ name, rate: c.rate as number, seed: typeof c.seed === 'number' ? c.seed : undefined }));
    case 'LayerNormalization':
      refuseUnknown(c, ['axis', 'epsilon', 'center', 'scale'], where);
      return w(() => new LayerNormalization({ ...regularizersOf(c, where), name, epsilon: (c.epsilon ?? 1e-3) as number, center: (c.center ?? true) as boolean, scale: (c.scale ?? true) as boolean }));
    default:
      return bad(`${where}: layer class '${cls}' is not one wasmnn has`, 'wasmnn imports Embedding, Dense, LSTM, GRU, SimpleRNN, Bidirectional, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D, AveragePooling1D, Flatten, Dropout, SpatialDropout1D, LayerNormalization, Activation');
  }
}

// ---- masks: what tfjs-layers 4.22 predicts vs what wasmnn computes ----
// tfjs: Embedding(maskZero) makes a mask of the ids != 0; Dense, Dropout, LayerNormalization and
// recurrent layers with returnSequences pass it on; Conv1D and the global poolings do not support
// masks and drop it. Only LSTM, GRU, SimpleRNN and Bidirectional read a mask: the poolings average / take the
// max over every step, padding included. And predict() (engine/executor.js) hands every layer the
// last mask it saw (kwargs.mask is set, never cleared), so every recurrent layer after the Embedding
// is masked by its ids, even behind a Conv1D that dropped the mask, and even when that Conv1D
// changed the number of steps.
// wasmnn: the same flow, except that Conv1D passes the mask on when it keeps the steps (strides 1,
// padding 'same' or kernel 1) and drops it otherwise, that the global poolings read it, and that
// MaxPooling1D / AveragePooling1D always drop it. (tfjs-layers 4.22 itself fails to build an
// Embedding(maskZero) -> pooling -> recurrent model, with an internal error; such a model.json comes
// from Keras through the converter, and the refusal below is about what tfjs' rule would compute.)
// So: with no recurrent layer after the Embedding, tfjs reads the mask nowhere and the Embedding is
// imported with maskZero off (exactly what tfjs computes); otherwise a pooling the mask reaches in
// wasmnn, or a recurrent layer it does not reach (a Conv1D changed the steps), would compute
// something else, and the import is refused.

const isRecurrent = (l: Layer): l is LSTM | GRU | SimpleRNN | Bidirectional => l instanceof LSTM || l instanceof GRU || l instanceof SimpleRNN || l instanceof Bidirectional;
const keepsSteps = (c: Conv1D) => c.strides === 1 && (c.padding !== 'valid' || (c.kernelSize - 1) * c.dilationRate === 0);

/** The positions of the Embeddings to import with maskZero off; refuses what would predict differently. */
function maskPlan(p: Parsed): Set<number> {
  const off = new Set<number>();
  const advice = 'train the tfjs model without maskZero';
  p.layers.forEach((emb, i) => {
    if (!(emb instanceof Embedding) || !emb.maskZero) return;
    let end = p.layers.findIndex((l, k) => k > i && l instanceof Embedding);
    if (end < 0) end = p.layers.length;
    const readers = p.layers.slice(i + 1, end).map((l, k) => (isRecurrent(l) ? i + 1 + k : -1)).filter((k) => k >= 0);
    if (!readers.length) { off.add(i); return; }   // tfjs reads the mask nowhere: neither shall we
    const source = `the maskZero mask of ${p.wheres[i]}`;
    let live = true;     // whether wasmnn's mask reaches this layer
    let dropper = -1;    // the Conv1D that dropped it
    for (let k = i + 1; k < end; k++) {
      const l = p.layers[k];
      if (isRecurrent(l)) {
        if (!live) {
          const pool = dropper >= 0 && !(p.layers[dropper] instanceof Conv1D) ? p.layers[dropper].className : null;
          bad(`${p.wheres[k]}: tfjs masks this ${l.className} with ${source} although ${dropper >= 0 ? p.wheres[dropper] : 'an earlier layer'} ${pool ? 'pools its steps into windows' : 'changed the number of steps'} (so the mask no longer lines up with them), while wasmnn's ${pool ?? 'Conv1D'} drops the mask there; predictions on padded inputs would differ`,
            pool ? `${advice}, or without the ${pool} before the recurrent layer` : `${advice}, or with strides 1 and padding 'same' on the Conv1D layers before the recurrent layer`);
        }
        if (!(l instanceof Bidirectional ? l.forwardLayer.returnSequences : l.returnSequences)) live = false;
      } else if (l instanceof Conv1D) {
        if (live && !keepsSteps(l)) { live = false; dropper = k; }
      } else if (l instanceof MaxPooling1D || l instanceof AveragePooling1D) {
        // both drop the mask (Keras 3); tfjs' predict would still hand it to a later recurrent layer
        if (live) { live = false; dropper = k; }
      } else if (live && (l instanceof GlobalAveragePooling1D || l instanceof GlobalMaxPooling1D)) {
        const [theirs, ours] = l instanceof GlobalAveragePooling1D
          ? ['averages over every step, padding included', 'averages only the unmasked steps']
          : ['takes the max over every step, padding included', 'takes it over the unmasked steps only'];
        bad(`${p.wheres[k]}: tfjs' ${l.className} ignores ${source} and ${theirs}, but wasmnn's ${ours}, so predictions on padded inputs would differ; ` +
          `the mask cannot be left out on import, since tfjs' ${p.wheres[readers[0]]} reads it`,
          `${advice}, or with returnSequences: false on the last recurrent layer in place of the ${l.className}`);
      }
    }
  });
  return off;
}

/** The sample shape (no batch axis) of a batch_input_shape / batch_shape. */
function sampleShape(v: unknown, where: string): LayerShape {
  if (!Array.isArray(v) || v.length < 2 || !v.every((d) => d === null || (Number.isInteger(d) && d >= 1))) bad(`${where}: batch_input_shape ${JSON.stringify(v)} is not a shape`);
  return (v as LayerShape).slice(1);
}

interface Parsed { layers: Layer[]; tfNames: string[]; wheres: string[]; lnAxes: { at: number; axis: unknown }[]; inputShape: LayerShape; name: string }

/**
 * Fresh layers from the topology (called twice: a dry build to check the weights, then the model).
 * `noMask`: the positions (in `layers`) of Embeddings to build with maskZero off.
 */
function parseTopology(json: TfjsModelJson, noMask: ReadonlySet<number> = new Set()): Parsed {
  let topo = json.modelTopology as Cfg;
  if (isPlainObject(topo) && isPlainObject(topo.model_config)) topo = topo.model_config as Cfg;   // Keras h5-style wrapper
  if (!isPlainObject(topo)) bad('model.json has no modelTopology');
  if (topo.class_name !== 'Sequential') bad(`the model is a ${String(topo.class_name)}; only Sequential models import`, 'rebuild it with tf.sequential');
  const cfg = topo.config as Cfg | Cfg[];
  const entries = (Array.isArray(cfg) ? cfg : isPlainObject(cfg) && Array.isArray(cfg.layers) ? cfg.layers : bad('the Sequential config has no layers')) as Cfg[];
  let inputShape: LayerShape | null = null;
  const layers: Layer[] = [];
  const tfNames: string[] = [];
  const wheres: string[] = [];
  const lnAxes: { at: number; axis: unknown }[] = [];
  for (const [i, e] of entries.entries()) {
    if (!isPlainObject(e) || typeof e.class_name !== 'string' || !isPlainObject(e.config)) bad(`layer ${i + 1} is not a { class_name, config } object`);
    const c = e.config as Cfg;
    const where = `layer ${i + 1} (${e.class_name}${typeof c.name === 'string' ? ` '${c.name}'` : ''})`;
    const shapeKey = c.batch_input_shape ?? c.batch_shape;
    if (shapeKey !== undefined && shapeKey !== null && inputShape === null) inputShape = sampleShape(shapeKey, where);
    const l = layerFrom(e.class_name as string, c, where, noMask.has(layers.length));
    if (!l) continue;
    wheres.push(where);
    if (e.class_name === 'LayerNormalization') lnAxes.push({ at: layers.length, axis: c.axis ?? -1 });
    layers.push(l);
    tfNames.push(typeof c.name === 'string' ? c.name : l.name);
  }
  if (!layers.length) bad('the model has no layers');
  if (!inputShape) bad('the model has no input shape (batch_input_shape)', 'give the first layer an inputShape in tfjs');
  const name = isPlainObject(cfg) && typeof cfg.name === 'string' && cfg.name ? cfg.name : 'sequential';
  return { layers, tfNames, wheres, lnAxes, inputShape: inputShape!, name };
}

function buildFrom(json: TfjsModelJson, shards: Uint8Array[], rt: Runtime): Sequential {
  // a dry build (weights declared, nothing allocated) checks every weight against the data first
  const dry = parseTopology(json);
  try {
    dryBuild(dry.layers, dry.inputShape);
  } catch (err) {
    bad(`the layers do not fit together: ${(err as Error).message.replace(/^wasmnn: /, '')}`);
  }
  for (const { at, axis } of dry.lnAxes) {
    const inRank = (at === 0 ? dry.inputShape : dry.layers[at - 1].outputShape!).length;   // without the batch axis
    const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
    if (a !== -1 && a !== inRank) bad(`LayerNormalization '${dry.layers[at].name}' normalises axis ${JSON.stringify(axis)}; wasmnn normalises the last axis only`);
  }
  const noMask = maskPlan(dry);
  const values = matchWeights(dry, json, shards);
  const { layers, inputShape, name } = parseTopology(json, noMask);
  const model = new Sequential(layers, { name });
  try {
    model.build(inputShape, rt);
    model.setWeights(values);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 };

/** Our weight name -> its values, taken layer by layer in the manifest's order; every shape checked. */
function matchWeights(dry: Parsed, json: TfjsModelJson, shards: Uint8Array[]): { name: string; values: Float32Array }[] {
  const specs = specsOf(json);
  const total = shards.reduce((s, b) => s + b.length, 0);
  // every spec's place in the concatenated weight data
  let offset = 0;
  const placed = specs.map((s, i) => {
    if (!isPlainObject(s) || typeof s.name !== 'string' || !Array.isArray(s.shape) || !s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`weight spec ${i + 1} is malformed`);
    if (s.quantization) bad(`weight '${s.name}' is quantized`, 'export the model without quantization');
    const item = DTYPE_BYTES[s.dtype];
    if (item === undefined || item === 0) bad(`weight '${s.name}' has dtype ${String(s.dtype)}`);
    const bytes = s.shape.reduce((a, b) => a * b, 1) * item;
    const p = { spec: s, begin: offset, end: offset + bytes };
    offset += bytes;
    return p;
  });
  if (offset !== total) bad(`the weight specs need ${offset} bytes but the weight data has ${total}`);
  const all = new Uint8Array(total);
  let at = 0;
  for (const s of shards) { all.set(s, at); at += s.length; }
  const out: { name: string; values: Float32Array }[] = [];
  const used = new Set<number>();
  dry.layers.forEach((layer, li) => {
    const prefix = `${dry.tfNames[li]}/`;
    const theirs = placed.map((p, i) => ({ ...p, i })).filter((p) => p.spec.name.startsWith(prefix));
    const mine = layer.weights;
    if (theirs.length !== mine.length) bad(`layer '${dry.tfNames[li]}' has ${theirs.length} weights in the file but wasmnn's ${layer.className} has ${mine.length} (${mine.map((w) => w.name.slice(layer.name.length + 1)).join(', ')})`);
    mine.forEach((w, k) => {
      const p = theirs[k];
      const shapeOk = p.spec.shape.length === w.shape.length && p.spec.shape.every((d, j) => d === w.shape[j]);
      if (!shapeOk) bad(`weight '${p.spec.name}' has shape [${p.spec.shape.join(', ')}] but wasmnn's ${w.name} is [${w.shape.join(', ')}]`);
      if (p.spec.dtype !== 'float32') bad(`weight '${p.spec.name}' is ${p.spec.dtype}; float32 expected`);
      out.push({ name: w.name, values: new Float32Array(all.slice(p.begin, p.end).buffer) });
      used.add(p.i);
    });
  });
  const left = placed.filter((_, i) => !used.has(i));
  if (left.length) bad(`the weights ${left.slice(0, 5).map((p) => `'${p.spec.name}'`).join(', ')} belong to no layer of the model`);
  return out;
}
