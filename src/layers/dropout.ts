// Dropout: in training, zeroes a fraction `rate` of the inputs and scales the rest by
// 1 / (1 - rate) (inverted dropout, as Keras); the identity at inference. Masks come from the
// counter-based Philox generator in wasm, seeded by (model seed, layer, step): reproducible at any
// thread count, and regenerated in the backward pass instead of stored.
import type { Graph, Node } from '../autograd.js';
import { dropout, dropoutBackward, spatialDropout } from '../kernels/dropout.js';
import { deriveSeed } from '../random.js';
import { LAYER_ARGS, Layer, checkLayerArgs, fmtLayerShape, sequenceHint, shown, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import type { Tensor } from '../tensor.js';

export interface DropoutArgs extends LayerArgs {
  rate: number;
  seed?: number;
}

const DROPOUT_OPTIONS = optionNames<DropoutArgs>({ rate: true, seed: true, ...LAYER_ARGS });

export class Dropout extends Layer {
  readonly className: string = 'Dropout';
  readonly rate: number;
  readonly seed?: number;

  constructor(args: DropoutArgs, kind = 'Dropout') {
    super(checkOptions(kind, args, DROPOUT_OPTIONS));
    const rate = args?.rate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new (typeof rate === 'number' ? RangeError : TypeError)(`wasmnn: ${kind}: rate must be in [0, 1), got ${shown(rate)}`);
    checkLayerArgs(kind, args);
    this.rate = rate;
    // null is "not given" (the model's seed), as for every option: a null in the config would not load
    this.seed = args.seed ?? undefined;
  }

  /** The (seed, offset) of this layer's masks in this step: a fresh 64-bit stream per (seed, layer, step). */
  protected maskOptions(ctx: CallContext): { rate: number; seed: number; offset: number } {
    // hi word = step, lo word = hash(seed, name)
    return { rate: this.rate, seed: deriveSeed(this.seed ?? ctx.seed, this.name) + ctx.step * 2 ** 32, offset: 0 };
  }

  computeOutputShape(s: LayerShape): LayerShape { return s; }

  call(g: Graph, x: Node, mask: Tensor | null, ctx: CallContext): Output {
    if (!ctx.training || this.rate === 0) return { y: x, mask };
    const rt = g.rt;
    const options = this.maskOptions(ctx);
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

/**
 * SpatialDropout1D (Keras, tfjs): drops whole channels of a sequence (B, T, C) per sample: the
 * mask has shape (B, 1, C), broadcast over the steps, kept channels scaled by 1 / (1 - rate); the
 * identity at inference. The mask m (B, C) is Dropout's mask for a (B, C) tensor from the same
 * stream (the dropout kernel run on ones: counter offset + b C + c for channel c of sample b, seed
 * from (model seed or the layer's, layer name, step)), kept for the backward pass: (B, C) floats.
 * The time steps' mask passes through unchanged.
 */
export class SpatialDropout1D extends Dropout {
  readonly className: string = 'SpatialDropout1D';

  constructor(args: DropoutArgs) { super(args, 'SpatialDropout1D'); }

  build(s: LayerShape): LayerShape {
    if (s.length !== 2) {
      throw new RangeError(`wasmnn: SpatialDropout1D${this.name ? ` ${this.name}` : ''}: drops whole channels of sequences (batch, steps, channels), but its input is ${fmtLayerShape(s)}${sequenceHint(s)}`);
    }
    return super.build(s);
  }

  call(g: Graph, x: Node, mask: Tensor | null, ctx: CallContext): Output {
    if (!ctx.training || this.rate === 0) return { y: x, mask };
    const rt = g.rt;
    const [B, , C] = x.value.shape;
    const m = rt.temp([B, C]).fill(1);
    dropout(rt, m, m, this.maskOptions(ctx));
    const out = rt.temp(x.value.shape);
    spatialDropout(rt, x.value, m, out);
    const y = g.result(out, [x], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      g.addGradOverwriting(x, (dst) => spatialDropout(rt, dy, m, dst, true));
    });
    return { y, mask };
  }
}
