// LayerNormalization over the last axis: y = (x - mean) / sqrt(var + epsilon) * gamma + beta.
import type { Graph, Node } from '../autograd.js';
import { layerNorm, layerNormBackward } from '../kernels/norm.js';
import { LAYER_ARGS, Layer, Weight, checkLayerArgs, regularizerOptions, type RegularizerArgs, featureDim, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import type { Tensor } from '../tensor.js';

export interface LayerNormalizationArgs extends LayerArgs, Pick<RegularizerArgs, 'gammaRegularizer' | 'betaRegularizer'> {
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
}

const LAYER_NORMALIZATION_OPTIONS = optionNames<LayerNormalizationArgs>({ epsilon: true, center: true, scale: true, ...regularizerOptions('gammaRegularizer', 'betaRegularizer'), ...LAYER_ARGS });

export class LayerNormalization extends Layer {
  readonly className = 'LayerNormalization';
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Weight | null = null;
  beta: Weight | null = null;

  constructor(args: LayerNormalizationArgs = {}) {
    super(checkOptions('LayerNormalization', args, LAYER_NORMALIZATION_OPTIONS), 'LayerNormalization');
    // epsilon in (0, 1], as a model file allows: it is added to the variance, so a huge one
    // (1e300) flattens every output to beta, and a non-number would reach the kernel
    checkLayerArgs('LayerNormalization', args);
    this.epsilon = args?.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
  }

  computeOutputShape(s: LayerShape): LayerShape { return s; }

  build(s: LayerShape): LayerShape {
    const d = featureDim(this, s);
    if (this.scale) this.gamma = this.addWeight('gamma', [d], 'ones');
    if (this.center) this.beta = this.addWeight('beta', [d], 'zeros');
    return super.build(s);
  }

  call(g: Graph, x: Node, mask: Tensor | null, _ctx: CallContext): Output {
    const rt = g.rt;
    const d = x.value.shape[x.value.rank - 1];
    const rows = x.value.size / d;
    const gamma = this.gamma ? g.param(this.gamma.p) : null;
    const beta = this.beta ? g.param(this.beta.p) : null;
    const gv = gamma?.value ?? rt.temp([d]).fill(1);
    const bv = beta?.value ?? rt.temp([d]).fill(0);
    const out = rt.temp(x.value.shape), mean = rt.temp([rows]), rstd = rt.temp([rows]);
    layerNorm(rt, x.value, gv, bv, out, mean, rstd, { epsilon: this.epsilon });
    const parents = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
    const y = g.result(out, parents, this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      const dx = rt.temp(x.value.shape), dgamma = rt.temp([d]), dbeta = rt.temp([d]);
      layerNormBackward(rt, x.value, gv, mean, rstd, dy, dx, dgamma, dbeta);
      g.addGradTensor(x, dx);
      if (gamma) g.addGradTensor(gamma, dgamma);
      if (beta) g.addGradTensor(beta, dbeta);
    });
    return { y, mask };
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}
