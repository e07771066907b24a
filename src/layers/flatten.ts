// Flatten (Keras' keras.layers.Flatten, tfjs' tf.layers.flatten): samples of shape (d1, d2, ...)
// become (d1 * d2 * ...), e.g. Embedding(inputDim, 16, inputShape [maxLen]) -> Flatten -> Dense.
// Tensors are contiguous, so the forward is a view of the same memory under the new shape and the
// backward hands the gradient back as a view in the input's shape: no kernel call, no copy.
// The mask is dropped, as Keras does: the output has no time axis for it to describe.
import { view, type Graph, type Node } from '../autograd.js';
import { LAYER_ARGS, Layer, checkLayerArgs, fmtLayerShape, shown, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import { Embedding } from './embedding.js';
import { fmtShape, type Tensor } from '../tensor.js';

export interface FlattenArgs extends LayerArgs {
  /**
   * Keras' data_format: only 'channels_last' (the default, and the only layout wasmnn's layers
   * use) is accepted; it is not stored in the layer's config.
   */
  dataFormat?: 'channels_last';
}

const FLATTEN_OPTIONS = optionNames<FlattenArgs>({ dataFormat: true, ...LAYER_ARGS });

export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(args: FlattenArgs = {}) {
    super(checkOptions('Flatten', args, FLATTEN_OPTIONS));
    const df = args?.dataFormat;
    if (df !== undefined && df !== null && df !== 'channels_last') {
      throw new (typeof df === 'string' ? RangeError : TypeError)(`wasmnn: Flatten: dataFormat must be 'channels_last' (wasmnn's layers keep the features on the last axis; ` +
        `there is no 'channels_first' layout to reorder), got ${shown(df)}; leave dataFormat out`);
    }
    checkLayerArgs('Flatten', args);
  }

  /** (d1, d2, ...) -> (d1 * d2 * ...); every dimension must be known. A 1-D sample stays as it is; a scalar one becomes (1). */
  computeOutputShape(s: LayerShape): LayerShape {
    if (s.some((d) => d === null || d === undefined)) {
      const who = `Flatten${this.name ? ` ${this.name}` : ''}`;
      throw new RangeError(`wasmnn: ${who}: every dimension of its input samples must be known to flatten them, got samples of shape ${fmtLayerShape(s)}; ` +
        'give the model a fixed sequence length: an inputShape on the first layer (e.g. Embedding({ inputDim, outputDim, inputShape: [maxLen] })), ' +
        'and pad or truncate every row to that length (TextVectorizer outputSequenceLength)');
    }
    return [(s as number[]).reduce((a, b) => a * b, 1)];
  }

  call(g: Graph, x: Node, _mask: Tensor | null, _ctx: CallContext): Output {
    const shape = x.value.shape;
    const B = shape[0];
    const n = shape.slice(1).reduce((a, b) => a * b, 1);
    const built = this.outputShape?.[0];
    if (typeof built === 'number' && built !== n) {
      throw new RangeError(`wasmnn: Flatten ${this.name}: was built for samples of ${built} values, got samples of shape ${fmtShape(shape.slice(1))} (${n} values); ` +
        'pass samples of the shape the model was built for');
    }
    // samples that are already 1-D pass through; the mask goes no further either way
    if (shape.length === 2) return { y: x, mask: null };
    const y = g.result(view(x.value, [B, n]), [x], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      g.addGradTensor(x, view(dy, shape));
    });
    return { y, mask: null };
  }
}

/**
 * The sample shape a model of these layers is built for, given the samples it first sees:
 * the first layer's declared inputShape if it has one (Keras: an Input of shape (6,) takes
 * sequences of 6 ids only), else those samples, with an Embedding's time axis left open to vary
 * between calls unless a layer needs every dimension of its samples (Flatten). Sequential.build
 * and the model-file loader's dryBuild both build for it, so a model builds the same way in both.
 */
export function modelInputShape(layers: readonly Layer[], inputShape: LayerShape): LayerShape {
  const declared = layers[0]?.inputShape;
  if (declared) return declared;
  const open = layers[0] instanceof Embedding && !layers.some((l) => l instanceof Flatten);
  return open ? inputShape.map((d, i) => (i === inputShape.length - 1 ? null : d)) : inputShape;
}
