// The text-classifier architectures (`--arch`) and their defaults: the vectorizer that feeds each
// one, its layers, and the training settings measured to work on SpamAssassin (seeded stratified
// 80/20 split; figures in docs/cli.md).
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import { EmbeddingBag } from '../layers/embedding_bag.js';
import { LSTM, GRU } from '../layers/recurrent.js';
import { Bidirectional } from '../layers/bidirectional.js';
import { Conv1D, GlobalMaxPooling1D } from '../layers/conv.js';
import type { Layer } from '../layers/layer.js';
import type { TextVectorizerOptions } from '../text/vectorizer.js';

export const ARCH_NAMES = ['bag', 'lstm', 'gru', 'bilstm', 'cnn'] as const;
export type ArchName = (typeof ARCH_NAMES)[number];

/** The architecture `trainTextClassifier` and `wasmnn train` use when none is named. */
export const DEFAULT_ARCH: ArchName = 'bag';

/** Settings every architecture has; each gives its own defaults. */
export interface ArchSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Ids kept per text (tokens in sequence mode, token and n-gram ids in bag mode). */
  maxLen: number;
  /** Largest vocabulary, counting the padding and out-of-vocabulary ids. */
  vocabSize: number;
  /** Width of the embeddings. */
  embeddingDim: number;
  /** Recurrent units, convolution filters; unused by bag. */
  units: number;
  /** Hash buckets of the bag model's word bigrams (its table has vocabSize + buckets rows);
   *  unused by the sequence models. Fewer buckets make a smaller file for small data sets. */
  buckets: number;
}

export interface Architecture {
  name: ArchName;
  description: string;
  defaults: ArchSettings;
  vectorizer(s: ArchSettings): TextVectorizerOptions;
  /** The layers, given the vectorizer's id count and the number of classes. */
  layers(s: ArchSettings, inputDim: number, classes: number): Layer[];
}

/** E-mail-like text: HTML tags out, URLs, addresses and numbers as placeholders. */
const CLEAN = { stripHtml: true, replaceUrls: true, replaceEmails: true, replaceNumbers: true };

/** Sequence models read the last maxLen tokens (the end of a message says the most about it). */
const sequenceVectorizer = (s: ArchSettings): TextVectorizerOptions => ({
  normalize: CLEAN, maxTokens: s.vocabSize, outputSequenceLength: s.maxLen, truncating: 'pre',
});

const recurrentDefaults: ArchSettings = { epochs: 4, batchSize: 32, learningRate: 0.005, maxLen: 150, vocabSize: 20000, embeddingDim: 32, units: 32, buckets: 0 };

/** Hash buckets of the bag model's word bigrams. */
export const BAG_BUCKETS = 100000;

export const ARCHITECTURES: Record<ArchName, Architecture> = {
  bag: {
    name: 'bag',
    description: 'fastText-style: words and hashed word bigrams, EmbeddingBag (mean), Dense softmax',
    defaults: { epochs: 4, batchSize: 32, learningRate: 0.01, maxLen: 1500, vocabSize: 50000, embeddingDim: 32, units: 0, buckets: BAG_BUCKETS },
    vectorizer: (s) => ({ normalize: CLEAN, maxTokens: s.vocabSize, outputSequenceLength: s.maxLen, ngrams: { word: [1, 2], buckets: s.buckets || BAG_BUCKETS, dropUnknown: true } }),
    layers: (s, inputDim, classes) => [
      new EmbeddingBag({ inputDim, outputDim: s.embeddingDim, sparse: true }),
      new Dense({ units: classes, activation: 'softmax' }),
    ],
  },
  lstm: {
    name: 'lstm',
    description: 'Embedding (maskZero), LSTM, Dense softmax',
    defaults: recurrentDefaults,
    vectorizer: sequenceVectorizer,
    layers: (s, inputDim, classes) => [
      new Embedding({ inputDim, outputDim: s.embeddingDim, maskZero: true }),
      new LSTM({ units: s.units }),
      new Dense({ units: classes, activation: 'softmax' }),
    ],
  },
  gru: {
    name: 'gru',
    description: 'Embedding (maskZero), GRU, Dense softmax',
    defaults: recurrentDefaults,
    vectorizer: sequenceVectorizer,
    layers: (s, inputDim, classes) => [
      new Embedding({ inputDim, outputDim: s.embeddingDim, maskZero: true }),
      new GRU({ units: s.units }),
      new Dense({ units: classes, activation: 'softmax' }),
    ],
  },
  bilstm: {
    name: 'bilstm',
    description: 'Embedding (maskZero), Bidirectional LSTM (concat), Dense softmax',
    defaults: recurrentDefaults,
    vectorizer: sequenceVectorizer,
    layers: (s, inputDim, classes) => [
      new Embedding({ inputDim, outputDim: s.embeddingDim, maskZero: true }),
      new Bidirectional({ layer: new LSTM({ units: s.units }) }),
      new Dense({ units: classes, activation: 'softmax' }),
    ],
  },
  cnn: {
    name: 'cnn',
    description: 'Embedding, Conv1D (kernel 5, relu), GlobalMaxPooling1D, Dense softmax',
    defaults: { epochs: 4, batchSize: 32, learningRate: 0.005, maxLen: 300, vocabSize: 20000, embeddingDim: 32, units: 64, buckets: 0 },
    vectorizer: sequenceVectorizer,
    layers: (s, inputDim, classes) => [
      new Embedding({ inputDim, outputDim: s.embeddingDim }),
      new Conv1D({ filters: s.units, kernelSize: 5, activation: 'relu', padding: 'same' }),
      new GlobalMaxPooling1D(),
      new Dense({ units: classes, activation: 'softmax' }),
    ],
  },
};

export function isArchName(s: unknown): s is ArchName {
  return typeof s === 'string' && (ARCH_NAMES as readonly string[]).includes(s);
}
