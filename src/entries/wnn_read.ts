// Reads a .wnn model file for inference only: the safetensors container, the metadata the
// inference path needs (model config, tokenizer, labels) and the weights (F32, or quantized: read
// back as float32 by src/io/quantize.ts, as the full loader does). It builds no
// Sequential and restores no optimizer (src/io/wnn.ts does that for training), so it pulls in
// no training code. Sources are read by src/io/source.ts.
import { checkFiniteWeight, checkFormat, checkLabels, checkModelEntry, checkTokenizer, checkTokenizerFits, OPTIMIZER_PREFIX } from '../io/checks.js';
import { decodeSafetensors, WnnFormatError } from '../io/safetensors.js';
import { isScalesOfInt8Weight, readWeightValues } from '../io/quantize.js';
import type { TextVectorizer } from '../text/vectorizer.js';
import type { ModelSpec, WeightIn } from './inference_model.js';

export interface WnnForInference {
  model: ModelSpec;
  weights: Map<string, WeightIn>;
  vectorizer: TextVectorizer | null;
  labels: string[] | null;
  metadata: Record<string, string>;
}

/** Parses and checks a .wnn file as the full loader does (same parser, same metadata checks and
 *  layer whitelist, finite weights, a tokenizer that fits the first layer; InferenceModel.create
 *  then refuses a missing weight, a wrong shape or a tensor that is no weight), keeping what
 *  prediction needs. The training state (the `compile`, `optimizer` and `training` entries and the
 *  optimizer slots) is not read, so it is not checked either. */
export function decodeWnnForInference(input: Uint8Array | ArrayBuffer): WnnForInference {
  if (!(input instanceof Uint8Array) && !(input instanceof ArrayBuffer)) {
    throw new WnnFormatError('wasmnn: a model file is bytes (Uint8Array or ArrayBuffer); read it first (readModelSource)');
  }
  const { metadata, tensors } = decodeSafetensors(input instanceof Uint8Array ? input : new Uint8Array(input));
  const version = checkFormat(metadata);
  const entry = checkModelEntry(metadata);
  const model: ModelSpec = { className: 'Sequential', config: { name: entry.name, layers: entry.layers as ModelSpec['config']['layers'] }, inputShape: entry.inputShape };
  const weights = new Map<string, WeightIn>();
  for (const [name, t] of tensors) {
    // training state, not needed to predict: only in a file that announces an optimizer
    if (name.startsWith(OPTIMIZER_PREFIX) && Object.hasOwn(metadata, 'optimizer')) continue;
    if (isScalesOfInt8Weight(name, tensors)) continue;   // read with its weight
    const data = readWeightValues(name, t, tensors, version);
    checkFiniteWeight(name, data);
    weights.set(name, { shape: t.shape, data });
  }
  const vectorizer = checkTokenizer(metadata);
  checkTokenizerFits(vectorizer, entry.layers[0], entry.inputShape);
  return { model, weights, vectorizer, labels: checkLabels(metadata), metadata };
}
