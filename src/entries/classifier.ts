// The inference-only text classifier of `wasmnn/infer`: a .wnn file's vectorizer, labels and an
// InferenceModel. Same predict API and the same numbers as the full TextClassifier; it cannot
// train or save (use `wasmnn` for that).
import { runtime, hasRuntime } from '../runtime/default.js';
import { init } from './init.js';
import type { Runtime } from '../runtime/runtime.js';
import type { TextVectorizer } from '../text/vectorizer.js';
import { InferenceModel } from './inference_model.js';
import { readModelSource, type ModelSource } from '../io/source.js';
import { decodeWnnForInference, type WnnForInference } from './wnn_read.js';
import { classifyTexts, outputLayerOf, outputReading, toPredictions, type OutputReading, type Prediction, type PredictOptions } from '../predictions.js';

export type { Prediction } from '../predictions.js';

export interface LoadOptions {
  /** The runtime to run on (default: the default runtime; load() starts it if needed). */
  runtime?: Runtime;
}

export class InferenceClassifier {
  private constructor(
    readonly model: InferenceModel,
    readonly vectorizer: TextVectorizer,
    readonly labels: string[],
    /** The file's metadata entries (training details and so on), as strings. */
    readonly metadata: Record<string, string>,
    /** The model has one sigmoid output, the probability of labels[1] (labels[0] gets 1 - p). */
    private readonly reading: OutputReading,
  ) {}

  /** A classifier from the bytes of a .wnn file; the runtime must be started (`await init()`). */
  static fromBytes(bytes: Uint8Array | ArrayBuffer, options: LoadOptions = {}): InferenceClassifier {
    const rt = options.runtime ?? runtime();
    return InferenceClassifier.fromDecoded(decodeWnnForInference(bytes), rt);
  }

  private static fromDecoded(f: WnnForInference, rt: Runtime): InferenceClassifier {
    if (!f.vectorizer) throw new Error('wasmnn: the model file has no tokenizer, so it cannot classify text; save it from a TextClassifier');
    // as the full loader (TextClassifier.fromBytes): refused at load, not at the first predict
    if (!f.vectorizer.adapted) throw new Error('wasmnn: the model file\'s tokenizer has no vocabulary, so it cannot turn text into ids; save the classifier again from a trained TextClassifier');
    const model = InferenceModel.create(rt, f.model, f.weights);
    // as the full TextClassifier: the last layer past any Dropout (the identity at inference)
    // gives one output per label, or one sigmoid output for two labels
    const last = outputLayerOf(f.model.config.layers.map((l) => ({ className: l.className, units: l.config.units, activation: l.config.activation ?? (l.className === 'Dense' ? 'linear' : undefined) })));
    const units = typeof last?.units === 'number' ? last.units : model.outputUnits;
    const labels = f.labels;
    const single = labels ? outputReading(last, labels) : { sigmoid: false, logits: false, problem: null };
    const problem = !labels ? 'the model file has no label names, so it is not a text classifier; train one with trainTextClassifier or `wasmnn train`'
      : labels.length < 2 || new Set(labels).size !== labels.length ? `the model file's labels (${labels.join(', ')}) must be at least 2 distinct names; the file is inconsistent`
        : single.problem ? `the model file cannot classify: ${single.problem}`
          : !single.sigmoid && labels.length !== units ? `the model file has ${labels.length} labels but the model predicts ${units} classes; the file is inconsistent` : null;
    if (problem || !labels) {
      model.dispose();
      throw new Error(`wasmnn: ${problem}`);
    }
    return new InferenceClassifier(model, f.vectorizer, labels, f.metadata, single);
  }

  /** Loads a .wnn from a path (node), URL, Response or bytes; starts the default runtime (simd, 1 thread) if needed. */
  static async load(source: ModelSource, options: LoadOptions = {}): Promise<InferenceClassifier> {
    // without a runtime, the file is read and decoded while the default one starts (its kernels
    // compile off the main thread); inference: simd, no threads to start
    const starting = options.runtime || hasRuntime() ? null : init();
    starting?.catch(() => {});   // a bad file is reported first; init's own error when it is awaited
    const f = decodeWnnForInference(await readModelSource(source));
    if (starting) await starting;
    return InferenceClassifier.fromDecoded(f, options.runtime ?? runtime());
  }

  /** Class probabilities of every text: data is (n, classes), row-major (as the full TextClassifier;
   *  a model with one sigmoid output p gives the rows [1 - p, p]). */
  predictProbabilities(texts: string | string[], options: PredictOptions = {}): { data: Float32Array; shape: [number, number] } {
    return classifyTexts(this.model, this.vectorizer, this.labels, texts, options, this.reading);
  }

  predict(texts: string | string[], options: PredictOptions = {}): Prediction[] {
    const { data, shape } = this.predictProbabilities(texts, options);
    return toPredictions(data, shape[0], this.labels);
  }

  /** Frees the weights in wasm memory. */
  dispose(): void { this.model.dispose(); }
}
