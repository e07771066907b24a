// Activation (Keras' keras.layers.Activation, tfjs' tf.layers.activation): applies an activation
// and nothing else, y = a(x) elementwise over any sample shape, softmax over the last axis. No
// weights; the mask passes through unchanged (as Keras: the layer supports masking). It runs the
// same kernels as a Dense layer's activation, so Dense({ activation }) and Dense(linear) followed
// by Activation({ activation }) give the same bits.
import type { Graph, Node } from '../autograd.js';
import { LAYER_ARGS, Layer, checkLayerArgs, featureDim, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import { activationBackward, applyAfter, checkActivation, type Activation as ActivationName } from './activations.js';
import type { ActivationOption } from '../activation_names.js';
import type { Tensor } from '../tensor.js';

export interface ActivationArgs extends LayerArgs {
  /** The activation's name (src/activation_names.ts); an alias is stored as its canonical name. */
  activation: ActivationOption;
}

const ACTIVATION_OPTIONS = optionNames<ActivationArgs>({ activation: true, ...LAYER_ARGS });

export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: ActivationName;

  /**
   * `new Activation({ activation: 'relu' })`, or Keras' positional form `new Activation('relu')`
   * (other options then in a second argument: `new Activation('relu', { name: 'act' })`).
   */
  constructor(args: ActivationArgs | ActivationOption, more?: Omit<ActivationArgs, 'activation'>) {
    if (typeof args !== 'string' && more !== undefined) {
      throw new TypeError("wasmnn: Activation: a second argument goes with the positional form only: new Activation('relu', { name }) or new Activation({ activation: 'relu', name })");
    }
    if (more !== undefined && (more === null || typeof more !== 'object' || Array.isArray(more))) {
      throw new TypeError("wasmnn: Activation: the second argument must be an options object such as { name: 'act' }");
    }
    if (more && 'activation' in more) throw new TypeError("wasmnn: Activation: the activation is given twice (first argument and options); give it once");
    const a = (typeof args === 'string' ? { ...more, activation: args } : args) as ActivationArgs;
    super(checkOptions('Activation', a, ACTIVATION_OPTIONS));
    if (a?.activation === undefined || a.activation === null) {
      throw new TypeError("wasmnn: Activation: activation is required: new Activation({ activation: 'relu' }) (or new Activation('relu'))");
    }
    this.activation = checkActivation('Activation', a.activation);
    checkLayerArgs('Activation', { ...a, activation: this.activation });
  }

  computeOutputShape(s: LayerShape): LayerShape {
    // softmax normalises the last axis of each sample, which a scalar sample does not have
    if (this.activation === 'softmax') featureDim(this, s);
    return s;
  }

  call(g: Graph, x: Node, mask: Tensor | null, ctx: CallContext): Output {
    // the model asks the last layer for logits only when the loss applies this activation itself
    // (Sequential.fused(): softmax or sigmoid, the loss's link)
    const act = ctx.logits ? 'linear' : this.activation;
    if (act === 'linear') return { y: x, mask };
    const rt = g.rt;
    const z = x.value;
    const out = rt.temp(z.shape);
    applyAfter(rt, act, z, out);
    const y = g.result(out, [x], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      g.addGradOverwriting(x, (dst) => activationBackward(rt, act, z, out, dy, dst));
    });
    return { y, mask };
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}
