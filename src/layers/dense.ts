// Dense: y = activation(x · kernel + bias) over the last axis, x (..., inDim) -> (..., units).
import { as2d, view, type Graph, type Node, type Param } from '../autograd.js';
import { gemm } from '../kernels/gemm.js';
import { reduce } from '../kernels/reduce.js';
import { checkInitializer, type Initializer } from '../initializers.js';
import { LAYER_ARGS, Layer, Weight, checkLayerArgs, regularizerOptions, type RegularizerArgs, featureDim, positiveInt, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import type { ActivationOption } from '../activation_names.js';
import { activationBackward, applyAfter, checkActivation, epilogueOf, type Activation } from './activations.js';
import type { Tensor } from '../tensor.js';

export interface DenseArgs extends LayerArgs, Pick<RegularizerArgs, 'kernelRegularizer' | 'biasRegularizer' | 'activityRegularizer'> {
  units: number;
  /** An activation name (src/activation_names.ts); an alias is stored as its canonical name. */
  activation?: ActivationOption;
  useBias?: boolean;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
}

const DENSE_OPTIONS = optionNames<DenseArgs>({ units: true, activation: true, useBias: true, kernelInitializer: true, biasInitializer: true,
  ...regularizerOptions('kernelRegularizer', 'biasRegularizer', 'activityRegularizer'), ...LAYER_ARGS });

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  kernel!: Weight;
  bias: Weight | null = null;

  constructor(args: DenseArgs) {
    super(checkOptions('Dense', args, DENSE_OPTIONS), 'Dense');
    this.units = positiveInt('Dense', 'units', args?.units);
    this.activation = checkActivation('Dense', args.activation);
    // the other options by the model file's rules; the activation as it is stored (an alias mapped)
    checkLayerArgs('Dense', { ...args, activation: this.activation });
    this.useBias = args.useBias ?? true;
    this.kernelInit = checkInitializer('Dense', 'kernelInitializer', args.kernelInitializer) ?? 'glorotUniform';
    this.biasInit = checkInitializer('Dense', 'biasInitializer', args.biasInitializer) ?? 'zeros';
  }

  computeOutputShape(s: LayerShape): LayerShape { return [...s.slice(0, -1), this.units]; }

  build(s: LayerShape): LayerShape {
    const inDim = featureDim(this, s);
    this.kernel = this.addWeight('kernel', [inDim, this.units], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInit);
    return super.build(s);
  }

  call(g: Graph, x: Node, mask: Tensor | null, ctx: CallContext): Output {
    // the model asks the last layer for logits only when the loss applies this layer's activation
    // itself (Sequential.fused(): the activation is the loss's link, softmax or sigmoid)
    const act: Activation = ctx.logits ? 'linear' : this.activation;
    return { y: denseOp(g, x, this.kernel.p, this.bias?.p ?? null, act, this.name), mask };
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units, activation: this.activation, useBias: this.useBias };
  }
}

/** The op behind Dense, reused by layers that project (e.g. the recurrent input projection). */
export function denseOp(g: Graph, x: Node, w: Param, b: Param | null, act: Activation, label: string): Node {
  const rt = g.rt;
  if (b) g.param(b);
  g.param(w);
  const x2 = as2d(x.value);
  const units = w.value.shape[1];
  const rows = x2.shape[0];
  const epi = epilogueOf(act);
  const z = rt.temp([rows, units]);
  gemm(rt, x2, w.value, z, { bias: b?.value ?? null, activation: epi });
  let y = z;
  if (epi !== act) {
    y = rt.temp([rows, units]);
    applyAfter(rt, act, z, y);
  }
  const out = g.result(view(y, [...x.value.shape.slice(0, -1), units]), b ? [x, w, b] : [x, w], label);
  g.onBackward(() => {
    const dyFull = g.gradOf(out);
    if (!dyFull) return;
    const dy = as2d(dyFull);
    let dz = dy;
    if (act !== 'linear') {
      dz = rt.temp([rows, units]);
      activationBackward(rt, act, z, y, dy, dz);
    }
    g.addGrad(w, (dst, acc) => gemm(rt, x2, dz, dst, { transA: true, accumulate: acc }));
    if (b) g.addGradOverwriting(b, (dst) => reduce(rt, 'sum', dz, dst, 0));
    g.addGrad(x, (dst, acc) => gemm(rt, dz, w.value, as2d(dst), { transB: true, accumulate: acc }));
  });
  return out;
}
