// Dropout: in training, zeroes a fraction `rate` of the inputs and scales the rest by
// 1 / (1 - rate) (inverted dropout, as Keras); the identity at inference. Masks come from the
// counter-based Philox generator in wasm, seeded by (model seed, layer, step): reproducible at any
// thread count, and regenerated in the backward pass instead of stored.
import type { Graph, Node } from '../autograd.js';
import { dropout, dropoutBackward } from '../kernels/dropout.js';
import { deriveSeed } from '../random.js';
import { LAYER_ARGS, Layer, checkLayerArgs, shown, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import type { Tensor } from '../tensor.js';

export interface DropoutArgs extends LayerArgs {
  rate: number;
  seed?: number;
}

const DROPOUT_OPTIONS = optionNames<DropoutArgs>({ rate: true, seed: true, ...LAYER_ARGS });

export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  readonly seed?: number;

  constructor(args: DropoutArgs) {
    super(checkOptions('Dropout', args, DROPOUT_OPTIONS));
    const rate = args?.rate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new (typeof rate === 'number' ? RangeError : TypeError)(`wasmnn: Dropout: rate must be in [0, 1), got ${shown(rate)}`);
    checkLayerArgs('Dropout', args);
    this.rate = rate;
    // null is "not given" (the model's seed), as for every option: a null in the config would not load
    this.seed = args.seed ?? undefined;
  }

  computeOutputShape(s: LayerShape): LayerShape { return s; }

  call(g: Graph, x: Node, mask: Tensor | null, ctx: CallContext): Output {
    if (!ctx.training || this.rate === 0) return { y: x, mask };
    const rt = g.rt;
    // a fresh 64-bit stream per (seed, layer, step): hi word = step, lo word = hash(seed, name)
    const options = { rate: this.rate, seed: deriveSeed(this.seed ?? ctx.seed, this.name) + ctx.step * 2 ** 32, offset: 0 };
    const out = rt.temp(x.value.shape);
    dropout(rt, x.value, out, options);
    const y = g.result(out, [x], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      g.addGradOverwriting(x, (dst) => dropoutBackward(rt, dy, dst, options));
    });
    return { y, mask };
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { ...super.getConfig(), rate: this.rate };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
}
