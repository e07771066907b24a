// MaxPooling1D and AveragePooling1D (Keras 3 / tfjs-layers 4.22): windows of poolSize steps every
// `strides` steps (default poolSize) over sequences (B, T, C) -> (B, T', C), channels last.
// T' = floor((T - poolSize) / strides) + 1 with padding 'valid', ceil(T / strides) with 'same';
// 'same' average pooling divides by the steps inside the sequence (the padding is not counted), as
// Keras and tfjs do in the forward pass. tfjs 4.22's CPU gradient of that average divides by
// poolSize everywhere, which is not the derivative of its own forward at padded windows; ours is.
// Max pooling's gradient goes to the first largest step of each window (tfjs' maxPool positions),
// from the argmax the forward saves ((B, T', C) i32, a step arena tensor).
// Masks: Keras 3 pooling does not support masking and drops the mask (tfjs-layers 4.22 cannot build
// such a model: a masked input to its pooling fails with an internal error),
// so the output has none: a mask over T steps means nothing for T' windows.
import type { Graph, Node } from '../autograd.js';
import { POOL1D_PADDINGS, avgPool1d, avgPool1dBackward, maxPool1d, maxPool1dBackward, pool1dGeometry, type Pool1dOptions, type Pool1dPadding } from '../kernels/pool.js';
import { LAYER_ARGS, Layer, checkLayerArgs, fmtLayerShape, positiveInt, sequenceHint, shown, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import type { Tensor } from '../tensor.js';

export interface Pooling1DArgs extends LayerArgs {
  /** Steps per window (default 2); a number, or an array of one number (Keras' tuple). */
  poolSize?: number | [number];
  /** Steps between windows (default poolSize); a number or an array of one number. */
  strides?: number | [number] | null;
  /** 'valid' (default: only whole windows) or 'same' (ceil(T / strides) windows, padded). */
  padding?: Pool1dPadding;
  /** Only channels last ('channelsLast', Keras' 'channels_last'), wasmnn's layout; not stored. */
  dataFormat?: 'channelsLast' | 'channels_last';
}

const POOLING_OPTIONS = optionNames<Pooling1DArgs>({ poolSize: true, strides: true, padding: true, dataFormat: true, ...LAYER_ARGS });

/** A number or a one-number array (Keras writes (2,), tfjs [2]) as a whole number >= 1. */
function size1(kind: string, key: string, v: unknown): number {
  return positiveInt(kind, key, Array.isArray(v) && v.length === 1 ? v[0] : v);
}

abstract class Pooling1D extends Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: Pool1dPadding;

  constructor(kind: string, args: Pooling1DArgs = {}) {
    super(checkOptions(kind, args, POOLING_OPTIONS));
    this.poolSize = size1(kind, 'poolSize', args.poolSize ?? 2);
    this.strides = size1(kind, 'strides', args.strides ?? this.poolSize);
    const p = args.padding ?? 'valid';
    if (!(POOL1D_PADDINGS as readonly unknown[]).includes(p)) {
      throw new (typeof p === 'string' ? RangeError : TypeError)(`wasmnn: ${kind}: padding must be 'valid' or 'same', got ${shown(p)}`);
    }
    this.padding = p;
    const df = args.dataFormat;
    if (df !== undefined && df !== null && df !== 'channelsLast' && df !== 'channels_last') {
      throw new (typeof df === 'string' ? RangeError : TypeError)(`wasmnn: ${kind}: dataFormat must be 'channelsLast' (wasmnn's layers keep the channels on the last axis; ` +
        `there is no 'channelsFirst' layout), got ${shown(df)}; leave dataFormat out`);
    }
    const { dataFormat: _df, ...rest } = args;
    checkLayerArgs(kind, { ...rest, poolSize: this.poolSize, strides: this.strides });
  }

  protected get options(): Pool1dOptions { return { poolSize: this.poolSize, strides: this.strides, padding: this.padding }; }
  protected get who(): string { return `${this.className}${this.name ? ` ${this.name}` : ''}`; }

  computeOutputShape(s: LayerShape): LayerShape {
    const T = s[0];
    return [T === null || T === undefined ? null : pool1dGeometry(this.who, T, this.options).Tout, ...s.slice(1)];
  }

  build(s: LayerShape): LayerShape {
    if (s.length !== 2) throw new RangeError(`wasmnn: ${this.who}: pools windows of time steps, so it takes sequences (batch, steps, channels), but its input is ${fmtLayerShape(s)}${sequenceHint(s)}`);
    return super.build(s);
  }

  protected outputFor(x: Node, rt: Graph['rt']): Tensor {
    const [B, T, C] = x.value.shape;
    return rt.temp([B, pool1dGeometry(this.who, T, this.options).Tout, C]);
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/** The largest value of each window, per channel. */
export class MaxPooling1D extends Pooling1D {
  readonly className = 'MaxPooling1D';
  constructor(args: Pooling1DArgs = {}) { super('MaxPooling1D', args); }
  call(g: Graph, x: Node, _mask: Tensor | null, _ctx: CallContext): Output {
    const rt = g.rt, o = this.options;
    const out = this.outputFor(x, rt);
    const argmax = rt.temp(out.shape, 'i32');
    maxPool1d(rt, x.value, out, argmax, o);
    const y = g.result(out, [x], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      g.addGradOverwriting(x, (dst) => maxPool1dBackward(rt, argmax, dy, dst, o, true));   // argmax from the forward above: no scan
    });
    return { y, mask: null };
  }
}

/** The mean of each window, per channel (over its steps inside the sequence). */
export class AveragePooling1D extends Pooling1D {
  readonly className = 'AveragePooling1D';
  constructor(args: Pooling1DArgs = {}) { super('AveragePooling1D', args); }
  call(g: Graph, x: Node, _mask: Tensor | null, _ctx: CallContext): Output {
    const rt = g.rt, o = this.options;
    const out = this.outputFor(x, rt);
    avgPool1d(rt, x.value, out, o);
    const y = g.result(out, [x], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      g.addGradOverwriting(x, (dst) => avgPool1dBackward(rt, dy, dst, o));
    });
    return { y, mask: null };
  }
}
