// Every layer, and the registry that rebuilds a layer from its config (model files).
import type { Layer } from './layer.js';
import { Dense } from './dense.js';
import { Embedding } from './embedding.js';
import { Dropout, SpatialDropout1D } from './dropout.js';
import { EmbeddingBag } from './embedding_bag.js';
import { LayerNormalization } from './layer_norm.js';
import { LSTM, GRU } from './recurrent.js';
import { SimpleRNN } from './simple_rnn.js';
import { Bidirectional } from './bidirectional.js';
import { Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D } from './conv.js';
import { Flatten } from './flatten.js';
import { MaxPooling1D, AveragePooling1D } from './pooling.js';
import { Activation } from './activation.js';

export { Layer, type LayerArgs, type LayerShape } from './layer.js';
export { Dense, type DenseArgs } from './dense.js';
export { Embedding, type EmbeddingArgs } from './embedding.js';
export { Dropout, SpatialDropout1D, type DropoutArgs } from './dropout.js';
export { EmbeddingBag, type EmbeddingBagArgs } from './embedding_bag.js';
export { LayerNormalization, type LayerNormalizationArgs } from './layer_norm.js';
export { LSTM, GRU, type RNNArgs } from './recurrent.js';
export { SimpleRNN, type SimpleRNNArgs } from './simple_rnn.js';
export { Bidirectional, type BidirectionalArgs, type MergeMode } from './bidirectional.js';
export { Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, type Conv1DArgs } from './conv.js';
export { Flatten, type FlattenArgs } from './flatten.js';
export { MaxPooling1D, AveragePooling1D, type Pooling1DArgs } from './pooling.js';
export { Activation, type ActivationArgs } from './activation.js';
export { ACTIVATIONS, ACTIVATION_ALIASES, type Activation as ActivationName, type ActivationOption } from '../activation_names.js';

export const LAYERS: Record<string, new (args: any) => Layer> = { Dense, Embedding, Dropout, EmbeddingBag, LayerNormalization, LSTM, GRU, SimpleRNN, Bidirectional, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, Flatten,
  MaxPooling1D, AveragePooling1D, SpatialDropout1D, Activation };

export function layerFromConfig(className: string, config: Record<string, unknown>): Layer {
  if (className === 'Bidirectional') {
    const inner = config.layer as { className: string; config: Record<string, unknown> };
    if (!inner || typeof inner !== 'object') throw new Error("wasmnn: a Bidirectional layer's config needs layer: { className, config }");
    return new Bidirectional({ ...config, layer: layerFromConfig(inner.className, inner.config) as LSTM | GRU | SimpleRNN } as any);
  }
  const C = Object.hasOwn(LAYERS, className) ? LAYERS[className] : undefined;
  if (!C) throw new Error(`wasmnn: unknown layer class '${className}'; this version knows ${Object.keys(LAYERS).join(', ')}`);
  return new C(config);
}
