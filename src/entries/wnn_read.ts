// Reads a .wnn model file for inference only: the safetensors container, the metadata the
// inference path needs (model config, tokenizer, labels) and the F32 weights. It builds no
// Sequential and restores no optimizer (src/io/wnn.ts does that for training), so it pulls in
// no training code. Sources: bytes, a Response, a URL (fetched) or, in node, a file path.
import { decodeSafetensors, WnnFormatError } from '../io/safetensors.js';
import { TextVectorizer, type TextVectorizerJSON } from '../text/vectorizer.js';
import type { ModelSpec, WeightIn } from './inference_model.js';

/** The model file versions this reader understands (src/io/wnn.ts WNN_FORMAT_VERSION). */
const FORMAT_VERSION = 1;
const OPTIMIZER_PREFIX = '__optimizer__/';

export type ModelSource = string | URL | ArrayBuffer | ArrayBufferView | Response;

export interface WnnForInference {
  model: ModelSpec;
  weights: Map<string, WeightIn>;
  vectorizer: TextVectorizer | null;
  labels: string[] | null;
  metadata: Record<string, string>;
}

function bad(what: string): never {
  throw new WnnFormatError(`wasmnn: ${what}; the file is damaged or was not written by wasmnn`);
}

function json(metadata: Record<string, string>, key: string): unknown {
  const text = metadata[key];
  if (text === undefined) return undefined;
  try { return JSON.parse(text); } catch { return bad(`the '${key}' metadata entry is not valid JSON`); }
}

export function decodeWnnForInference(input: Uint8Array | ArrayBuffer): WnnForInference {
  const bytes = input instanceof Uint8Array ? input : input instanceof ArrayBuffer ? new Uint8Array(input) : bad('a model file is bytes (Uint8Array or ArrayBuffer)');
  const { metadata, tensors } = decodeSafetensors(bytes);
  if (metadata.format !== 'wasmnn') bad(`the file's format is ${JSON.stringify(metadata.format ?? null)}, not "wasmnn"`);
  const version = Number(metadata.format_version);
  if (!Number.isInteger(version) || version < 1) bad(`format_version ${JSON.stringify(metadata.format_version ?? null)} is not a version`);
  if (version > FORMAT_VERSION) {
    throw new WnnFormatError(`wasmnn: the model file has format version ${version} but this wasmnn reads up to ${FORMAT_VERSION}; upgrade wasmnn to load it`);
  }
  const model = json(metadata, 'model') as ModelSpec | undefined;
  if (!model || typeof model !== 'object' || model.className !== 'Sequential' || !Array.isArray(model.config?.layers)) {
    bad('the \'model\' metadata entry is not a Sequential model config');
  }
  const weights = new Map<string, WeightIn>();
  for (const [name, t] of tensors) {
    if (name.startsWith(OPTIMIZER_PREFIX)) continue;   // training state: not needed to predict
    if (t.dtype !== 'F32') bad(`weight '${name}' is ${t.dtype}, not F32`);
    weights.set(name, { shape: t.shape, data: t.data as Float32Array });
  }
  const tok = json(metadata, 'tokenizer');
  const vectorizer = tok === undefined || tok === null ? null : TextVectorizer.fromJSON(tok as TextVectorizerJSON);
  const labels = json(metadata, 'labels');
  if (labels !== undefined && labels !== null && !(Array.isArray(labels) && labels.every((l) => typeof l === 'string'))) {
    bad('the \'labels\' metadata entry is not an array of strings');
  }
  return { model, weights, vectorizer, labels: (labels as string[] | undefined) ?? null, metadata };
}

/** The bytes of a model file from a path (node), URL, Response or bytes. */
export async function readModelBytes(source: ModelSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof source !== 'string' && !(source instanceof URL)) {
    // only now touch the global Response: in node its first use loads the fetch implementation (10-40 ms)
    if (typeof Response !== 'undefined' && source instanceof Response) {
      if (!source.ok) throw new Error(`wasmnn: could not fetch the model (${source.status} ${source.statusText} from ${source.url}); check its URL`);
      return new Uint8Array(await source.arrayBuffer());
    }
    throw new TypeError('wasmnn: a model source is a path, URL, Response, ArrayBuffer or Uint8Array');
  }
  const isNode = typeof (globalThis as any).process?.versions?.node === 'string';
  const url = source instanceof URL ? source : /^[a-z][a-z0-9+.-]*:/i.test(source) && !/^[a-z]:[\\/]/i.test(source) ? new URL(source) : null;
  if (isNode && (url === null || url.protocol === 'file:')) {
    const fs = await import('node:fs/promises');
    const path = url ? (await import('node:url')).fileURLToPath(url) : source as string;
    try {
      return new Uint8Array(await fs.readFile(path));
    } catch (e: any) {
      throw new Error(`wasmnn: cannot read the model file ${path} (${e.code ?? e.message}); check the path`);
    }
  }
  const base = (globalThis as any).location?.href;
  if (!url && !base) throw new TypeError(`wasmnn: cannot resolve the model path '${source}' here (no page URL to resolve it against); pass an absolute URL or the model's bytes`);
  const res = await fetch(url ?? new URL(source as string, base));
  if (!res.ok) throw new Error(`wasmnn: could not fetch the model (${res.status} ${res.statusText} from ${res.url}); check its URL`);
  return new Uint8Array(await res.arrayBuffer());
}
