// TextClassifier: a trained model with its vectorizer and label names: strings in, labels and
// probabilities out; saved to and loaded from one .wnn file. Needs nothing beyond inference.
import type { Sequential } from '../models/sequential.js';
import type { TextVectorizer } from '../text/vectorizer.js';
import type { Runtime } from '../runtime/runtime.js';
import { hasRuntime, init } from '../runtime/default.js';
import { decodeWnn, encodeWnn, loadModel } from '../io/wnn.js';

export interface Prediction {
  label: string;
  index: number;
  probabilities: Record<string, number>;
}

export interface PredictOptions { batchSize?: number }

export interface ToBytesOptions {
  /** Free-form training metadata stored in the file (epochs, accuracy, data file, ...). */
  training?: Record<string, unknown> | null;
  /** Also store the optimizer state (checkpoints for resuming training). */
  includeOptimizer?: boolean;
}

export interface LoadOptions { runtime?: Runtime }

export class TextClassifier {
  /** Training metadata read from a file (null for a classifier trained in this process until set). */
  training: Record<string, unknown> | null = null;

  constructor(readonly model: Sequential, readonly vectorizer: TextVectorizer, readonly labels: string[]) {
    if (!Array.isArray(labels) || labels.length < 2 || labels.some((l) => typeof l !== 'string')) {
      throw new TypeError('wasmnn: TextClassifier: labels must be an array of at least 2 label names (strings)');
    }
    if (new Set(labels).size !== labels.length) throw new RangeError(`wasmnn: TextClassifier: the label names repeat (${labels.join(', ')}); each class needs its own name`);
  }

  /** Class probabilities of every text: data is (n, classes), row-major. */
  predictProbabilities(texts: string | string[], options: PredictOptions = {}): { data: Float32Array; shape: [number, number] } {
    const list = typeof texts === 'string' ? [texts] : texts;
    if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) {
      throw new TypeError('wasmnn: TextClassifier.predict: texts must be a string or an array of strings');
    }
    const classes = this.labels.length;
    if (list.length === 0) return { data: new Float32Array(0), shape: [0, classes] };
    const batchSize = options.batchSize ?? 64;
    const out = new Float32Array(list.length * classes);
    // vectorize a chunk at a time: the id matrix of a large input never exists whole
    const chunk = batchSize * 16;
    for (let s = 0; s < list.length; s += chunk) {
      const part = list.slice(s, s + chunk);
      const p = this.model.predict(this.vectorizer.transform(part), { batchSize });
      if (p.shape[1] !== classes) throw new Error(`wasmnn: the model has ${p.shape[1]} outputs but ${classes} labels; the file is inconsistent`);
      out.set(p.data, s * classes);
    }
    return { data: out, shape: [list.length, classes] };
  }

  /** The most likely label of every text, with every label's probability. */
  predict(texts: string | string[], options: PredictOptions = {}): Prediction[] {
    const { data, shape: [n, classes] } = this.predictProbabilities(texts, options);
    const out: Prediction[] = new Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      const probabilities: Record<string, number> = {};
      for (let c = 0; c < classes; c++) {
        const p = data[r * classes + c];
        probabilities[this.labels[c]] = p;
        if (p > data[r * classes + best]) best = c;
      }
      out[r] = { label: this.labels[best], index: best, probabilities };
    }
    return out;
  }

  /** The .wnn file's bytes: weights, model config, vectorizer and labels. */
  toBytes(options: ToBytesOptions = {}): Uint8Array {
    return encodeWnn({
      model: this.model, vectorizer: this.vectorizer, labels: this.labels,
      training: options.training !== undefined ? options.training : this.training,
      includeOptimizer: options.includeOptimizer ?? false,
    });
  }

  /** Node only: writes the .wnn file atomically (a temp file, then rename). */
  async save(path: string, options: ToBytesOptions = {}): Promise<void> {
    const { writeFileAtomic } = await import('../io/node.js');
    await writeFileAtomic(path, this.toBytes(options));
  }

  /** A classifier from .wnn bytes; the runtime must be started (`await init()`), or use load(). */
  static fromBytes(bytes: Uint8Array | ArrayBuffer, options: LoadOptions = {}): TextClassifier {
    return TextClassifier.fromContents(decodeWnn(bytes, options));
  }

  /** A classifier from a path (node), URL, Response or bytes; starts the default runtime if needed. */
  static async load(source: string | URL | ArrayBuffer | ArrayBufferView | Response, options: LoadOptions = {}): Promise<TextClassifier> {
    if (!options.runtime && !hasRuntime()) await init();
    return TextClassifier.fromContents(await loadModel(source, options));
  }

  private static fromContents(c: { model: Sequential; vectorizer: TextVectorizer | null; labels: string[] | null; training: Record<string, unknown> | null }): TextClassifier {
    if (!c.vectorizer) throw new Error('wasmnn: the model file has no tokenizer, so it is not a text classifier; train one with trainTextClassifier or `wasmnn train`');
    if (!c.labels) throw new Error('wasmnn: the model file has no label names, so it is not a text classifier; train one with trainTextClassifier or `wasmnn train`');
    const tc = new TextClassifier(c.model, c.vectorizer, c.labels);
    tc.training = c.training;
    return tc;
  }
}
