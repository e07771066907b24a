// Conv1D over time (channels last, Keras semantics) and mask-aware global pooling over time:
// the TextCNN building blocks.
import type { Graph, Node } from '../autograd.js';
import { CONV1D_PADDINGS, conv1d, conv1dBackward, conv1dOutputLength, type Conv1dPadding } from '../kernels/conv1d.js';
import { globalAvgPool1d, globalAvgPool1dBackward, globalMaxPool1d, globalMaxPool1dBackward } from '../kernels/pool.js';
import { checkInitializer, type Initializer } from '../initializers.js';
import { LAYER_ARGS, Layer, Weight, checkLayerArgs, regularizerOptions, type RegularizerArgs, featureDim, fmtLayerShape, positiveInt, sequenceHint, shown, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import type { ActivationOption } from '../activation_names.js';
import { activationBackward, applyAfter, checkActivation, type Activation } from './activations.js';
import type { Tensor } from '../tensor.js';

export interface Conv1DArgs extends LayerArgs, Pick<RegularizerArgs, 'kernelRegularizer' | 'biasRegularizer' | 'activityRegularizer'> {
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: Conv1dPadding;
  dilationRate?: number;
  /** An activation name (src/activation_names.ts); an alias is stored as its canonical name. */
  activation?: ActivationOption;
  useBias?: boolean;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
}

const CONV1D_OPTIONS = optionNames<Conv1DArgs>({
  filters: true, kernelSize: true, strides: true, padding: true, dilationRate: true, activation: true, useBias: true,
  kernelInitializer: true, biasInitializer: true, ...regularizerOptions('kernelRegularizer', 'biasRegularizer', 'activityRegularizer'), ...LAYER_ARGS,
});
const POOLING_OPTIONS = optionNames<LayerArgs>(LAYER_ARGS);

export class Conv1D extends Layer {
  readonly className = 'Conv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Conv1dPadding;
  readonly dilationRate: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  kernel!: Weight;
  bias: Weight | null = null;

  constructor(args: Conv1DArgs) {
    super(checkOptions('Conv1D', args, CONV1D_OPTIONS), 'Conv1D');
    this.filters = positiveInt('Conv1D', 'filters', args?.filters);
    this.kernelSize = positiveInt('Conv1D', 'kernelSize', args.kernelSize);
    this.strides = positiveInt('Conv1D', 'strides', args.strides ?? 1);
    this.dilationRate = positiveInt('Conv1D', 'dilationRate', args.dilationRate ?? 1);
    this.padding = args.padding ?? 'valid';
    if (!(CONV1D_PADDINGS as readonly unknown[]).includes(this.padding)) throw new RangeError(`wasmnn: Conv1D: padding must be ${CONV1D_PADDINGS.map((p) => `'${p}'`).join(', ')}, got ${shown(args.padding)}`);
    this.activation = checkActivation('Conv1D', args.activation);
    // the other options by the model file's rules; the activation as it is stored (an alias mapped)
    checkLayerArgs('Conv1D', { ...args, activation: this.activation });
    this.useBias = args.useBias ?? true;
    this.kernelInit = checkInitializer('Conv1D', 'kernelInitializer', args.kernelInitializer) ?? 'glorotUniform';
    this.biasInit = checkInitializer('Conv1D', 'biasInitializer', args.biasInitializer) ?? 'zeros';
  }

  computeOutputShape(s: LayerShape): LayerShape {
    const T = s[0];
    return [T === null ? null : conv1dOutputLength(T, this.kernelSize, this.strides, this.dilationRate, this.padding), this.filters];
  }

  build(s: LayerShape): LayerShape {
    if (s.length !== 2) throw new RangeError(`wasmnn: Conv1D ${this.name}: takes sequences (batch, steps, channels), but its input is ${fmtLayerShape(s)}${sequenceHint(s)}`);
    this.kernel = this.addWeight('kernel', [this.kernelSize, featureDim(this, s), this.filters], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit);
    return super.build(s);
  }

  call(g: Graph, x: Node, mask: Tensor | null, _ctx: CallContext): Output {
    const rt = g.rt;
    const [B, T] = x.value.shape;
    const W = g.param(this.kernel.p), b = this.bias ? g.param(this.bias.p) : null;
    const opts = { stride: this.strides, dilation: this.dilationRate, padding: this.padding };
    const Tout = conv1dOutputLength(T, this.kernelSize, this.strides, this.dilationRate, this.padding);
    const fused = this.activation === 'relu' || this.activation === 'linear';
    const z = rt.temp([B, Tout, this.filters]);
    conv1d(rt, x.value, W.value, b?.value ?? null, z, { ...opts, activation: fused ? this.activation as 'relu' | 'linear' : 'linear' });
    let out = z;
    if (!fused) { out = rt.temp(z.shape); applyAfter(rt, this.activation, z, out); }
    const y = g.result(out, b ? [x, W, b] : [x, W], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      let dz = dy;
      if (this.activation !== 'linear') { dz = rt.temp(z.shape); activationBackward(rt, this.activation, z, out, dy, dz); }
      const dx = x.requiresGrad ? rt.temp(x.value.shape) : null;
      const dw = rt.temp(W.value.shape), db = b ? rt.temp(b.value.shape) : null;
      conv1dBackward(rt, x.value, W.value, dz, { dx, dw, dbias: db }, opts);
      if (dx) g.addGradTensor(x, dx);
      g.addGradTensor(W, dw);
      if (b && db) g.addGradTensor(b, db);
    });
    // a mask over input steps does not map onto output steps once the sequence is convolved
    return { y, mask: Tout === T && this.strides === 1 ? mask : null };
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, dilationRate: this.dilationRate, activation: this.activation, useBias: this.useBias };
  }
}

abstract class GlobalPooling1D extends Layer {
  constructor(kind: string, args: LayerArgs = {}) { super(checkLayerArgs(kind, checkOptions(kind, args, POOLING_OPTIONS))); }
  computeOutputShape(s: LayerShape): LayerShape { return [s[s.length - 1]]; }

  build(s: LayerShape): LayerShape {
    if (s.length !== 2) {
      throw new RangeError(`wasmnn: ${this.className}: pools over time steps, so it takes sequences (batch, steps, channels), got samples of shape ${JSON.stringify(s)}; ` +
        'before it, give the recurrent layer returnSequences: true, or use a layer that keeps the time axis');
    }
    return super.build(s);
  }
}

/** Mean over the unmasked time steps (all masked: 0). */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  readonly className = 'GlobalAveragePooling1D';
  constructor(args: LayerArgs = {}) { super('GlobalAveragePooling1D', args); }
  call(g: Graph, x: Node, mask: Tensor | null, _ctx: CallContext): Output {
    const rt = g.rt;
    const [B, , C] = x.value.shape;
    const out = rt.temp([B, C]);
    globalAvgPool1d(rt, x.value, mask, out);
    const y = g.result(out, [x], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      g.addGradOverwriting(x, (dst) => globalAvgPool1dBackward(rt, mask, dy, dst));
    });
    return { y, mask: null };
  }
}

/** Max over the unmasked time steps (all masked: 0). */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  readonly className = 'GlobalMaxPooling1D';
  constructor(args: LayerArgs = {}) { super('GlobalMaxPooling1D', args); }
  call(g: Graph, x: Node, mask: Tensor | null, _ctx: CallContext): Output {
    const rt = g.rt;
    const [B, , C] = x.value.shape;
    const out = rt.temp([B, C]), argmax = rt.temp([B, C], 'i32');
    globalMaxPool1d(rt, x.value, mask, out, argmax);
    const y = g.result(out, [x], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      g.addGradOverwriting(x, (dst) => globalMaxPool1dBackward(rt, argmax, dy, dst));
    });
    return { y, mask: null };
  }
}
