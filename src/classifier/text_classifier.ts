// TextClassifier: a trained model with its vectorizer and label names: strings in, labels and
// probabilities out; saved to and loaded from one .wnn file. Needs nothing beyond inference.
import { Sequential } from '../models/sequential.js';
import { TextVectorizer, isTextVectorizer } from '../text/vectorizer.js';
import type { Runtime } from '../runtime/runtime.js';
import { hasRuntime, init } from '../runtime/default.js';
import { checkDecodeOptions, decodeWnn, encodeWnn, loadModel } from '../io/wnn.js';
import { tokenizerMismatch } from '../io/checks.js';
import type { Quantization } from '../io/quantize.js';
import { checkOptions, describe, optionNames } from '../options.js';
import { classifyTexts, outputLayerOf, outputReading, toPredictions, type OutputReading, type Prediction, type PredictOptions } from '../predictions.js';

export type { Prediction, PredictOptions } from '../predictions.js';

export interface ToBytesOptions {
  /** Free-form training metadata stored in the file (epochs, accuracy, data file, ...). */
  training?: Record<string, unknown> | null;
  /** Also store the optimizer state (checkpoints for resuming training). */
  includeOptimizer?: boolean;
  /** Store the large weights as 'float16' (half the file) or 'int8' with a scale per row (about a
   *  quarter); they load as float32. Not with includeOptimizer. */
  quantize?: Quantization | null;
}

const TO_BYTES_OPTIONS = optionNames<ToBytesOptions>({ training: true, includeOptimizer: true, quantize: true });

export interface LoadOptions { runtime?: Runtime }

export class TextClassifier {
  /** Training metadata read from a file (null for a classifier trained in this process until set). */
  training: Record<string, unknown> | null = null;
  /** The model has one sigmoid output, the probability of labels[1] (labels[0] gets 1 - p). */
  private readonly reading: OutputReading;

  constructor(readonly model: Sequential, readonly vectorizer: TextVectorizer, readonly labels: string[]) {
    if (!Array.isArray(labels) || labels.length < 2 || labels.some((l) => typeof l !== 'string')) {
      throw new TypeError('wasmnn: TextClassifier: labels must be an array of at least 2 label names (strings)');
    }
    if (new Set(labels).size !== labels.length) throw new RangeError(`wasmnn: TextClassifier: the label names repeat (${labels.join(', ')}); each class needs its own name`);
    // refused here, not at the first predict, where they would fail on a property of null
    if (!(model instanceof Sequential)) throw new TypeError(`wasmnn: TextClassifier: model must be a Sequential model, got ${describe(model)}; new TextClassifier(model, vectorizer, labels)`);
    if (!isTextVectorizer(vectorizer)) throw new TypeError(`wasmnn: TextClassifier: vectorizer must be a TextVectorizer, got ${describe(vectorizer)}; new TextClassifier(model, vectorizer, labels)`);
    if (!vectorizer.adapted) throw new Error('wasmnn: TextClassifier: the vectorizer has no vocabulary yet; call vectorizer.adapt(trainingTexts) (or load one with TextVectorizer.fromJSON) before making the classifier');
    // ids beyond the first layer's table would fail every prediction and make a file no loader takes
    const first = model?.layers?.[0] as { className: string; name: string; inputDim?: number } | undefined;
    const problem = first ? tokenizerMismatch(vectorizer, first.className, first.name || first.className, first.inputDim, model.inputShape) : null;   // named when built
    if (problem) throw new RangeError(`wasmnn: TextClassifier: ${problem.replace('the tokenizer', 'the vectorizer')}; ${problem.includes('rows of') ? 'build the model for rows of the vectorizer\'s outputSequenceLength' : 'build that layer with inputDim: vectorizer.vocabularySize'}`);
    // one output per label, or one sigmoid output for two labels: known from the last layer's
    // units and activation (Dense) before the model is built
    const last = outputLayerOf(model.layers) as { className: string; units?: unknown; activation?: unknown } | undefined;
    const reading = outputReading(last, labels);
    const { sigmoid, problem: single } = reading;
    if (single) throw new RangeError(`wasmnn: TextClassifier: ${single}`);
    if (last && !sigmoid && typeof last.units === 'number' && last.units !== labels.length) {
      throw new RangeError(`wasmnn: TextClassifier: ${labels.length} labels but the model's last layer (${last.className}) has ${last.units} outputs; give it units: ${labels.length}, or pass one label per output${labels.length === 2 ? ' (or units: 1 with activation: \'sigmoid\', the probability of the second label)' : ''}`);
    }
    this.reading = reading;
  }

  /** Class probabilities of every text: data is (n, classes), row-major. A model with one sigmoid
   *  output p (two labels) gives the rows [1 - p, p]. */
  predictProbabilities(texts: string | string[], options: PredictOptions = {}): { data: Float32Array; shape: [number, number] } {
    return classifyTexts(this.model, this.vectorizer, this.labels, texts, options, this.reading);
  }

  /** The most likely label of every text, with every label's probability. */
  predict(texts: string | string[], options: PredictOptions = {}): Prediction[] {
    const { data, shape } = this.predictProbabilities(texts, options);
    return toPredictions(data, shape[0], this.labels);
  }

  /** The .wnn file's bytes: weights, model config, vectorizer and labels. */
  toBytes(options: ToBytesOptions = {}): Uint8Array {
    checkOptions('TextClassifier.toBytes', options, TO_BYTES_OPTIONS);
    return encodeWnn({
      model: this.model, vectorizer: this.vectorizer, labels: this.labels,
      training: options.training !== undefined ? options.training : this.training,
      includeOptimizer: options.includeOptimizer ?? false,
      quantize: options.quantize ?? null,
    });
  }

  /** Node only: writes the .wnn file atomically (a temp file, then rename). */
  async save(path: string, options: ToBytesOptions = {}): Promise<void> {
    const { writeFileAtomic } = await import('../io/node.js');
    await writeFileAtomic(path, this.toBytes(options));
  }

  /** A classifier from .wnn bytes; the runtime must be started (`await init()`), or use load(). */
  static fromBytes(bytes: Uint8Array | ArrayBuffer, options: LoadOptions = {}): TextClassifier {
    return TextClassifier.fromContents(decodeWnn(bytes, checkDecodeOptions('TextClassifier.fromBytes', options)));
  }

  /** A classifier from a path (node), URL, Response or bytes; starts the default runtime if needed. */
  static async load(source: string | URL | ArrayBuffer | ArrayBufferView | Response, options: LoadOptions = {}): Promise<TextClassifier> {
    options = checkDecodeOptions('TextClassifier.load', options);
    if (!options.runtime && !hasRuntime()) await init();
    return TextClassifier.fromContents(await loadModel(source, options));
  }

  private static fromContents(c: { model: Sequential; vectorizer: TextVectorizer | null; labels: string[] | null; training: Record<string, unknown> | null }): TextClassifier {
    const problem = !c.vectorizer ? 'the model file has no tokenizer, so it is not a text classifier; train one with trainTextClassifier or `wasmnn train`'
      : !c.labels ? 'the model file has no label names, so it is not a text classifier; train one with trainTextClassifier or `wasmnn train`'
        : !c.vectorizer.adapted ? 'the model file\'s tokenizer has no vocabulary, so it cannot turn text into ids; save the classifier again from a trained TextClassifier' : null;
    if (problem || !c.vectorizer || !c.labels) {
      c.model.dispose();   // built from the file: its memory is freed, not left to the caller who never gets it
      throw new Error(`wasmnn: ${problem}`);
    }
    let tc: TextClassifier;
    try {
      tc = new TextClassifier(c.model, c.vectorizer, c.labels);
    } catch (e) {
      c.model.dispose();   // e.g. a single output that is no sigmoid: refused, and not left allocated
      throw e;
    }
    tc.training = c.training;
    return tc;
  }
}
