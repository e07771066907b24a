// Bidirectional: runs a recurrent layer forwards and a copy of it backwards over the sequence and
// merges the two outputs (Keras' default mergeMode 'concat'). With returnSequences the backward
// layer's outputs are put back in time order first, as Keras and tfjs do.
import { as2d, type Graph, type Node } from '../autograd.js';
import { binaryForward } from '../kernels/binary.js';
import { LAYER_ARGS, Layer, checkLayerArgs, shown, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import { GRU, LSTM, type RNNArgs } from './recurrent.js';
import { SimpleRNN } from './simple_rnn.js';
import { recurrentSublayerName } from '../activation_names.js';
import type { Tensor } from '../tensor.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export interface BidirectionalArgs extends LayerArgs {
  layer: LSTM | GRU | SimpleRNN;
  mergeMode?: MergeMode;
}

const BIDIRECTIONAL_OPTIONS = optionNames<BidirectionalArgs>({ layer: true, mergeMode: true, ...LAYER_ARGS });

export class Bidirectional extends Layer {
  readonly className = 'Bidirectional';
  readonly forwardLayer: LSTM | GRU | SimpleRNN;
  readonly backwardLayer: LSTM | GRU | SimpleRNN;
  readonly mergeMode: MergeMode;

  /** Both wrapped layers are recurrent: they read an Embedding's output through embeddingSource(). */
  fillsEmbeddingOutput(): boolean { return true; }

  constructor(args: BidirectionalArgs) {
    super(checkOptions('Bidirectional', args, BIDIRECTIONAL_OPTIONS));
    const inner = args?.layer;
    if (!(inner instanceof LSTM) && !(inner instanceof GRU) && !(inner instanceof SimpleRNN)) throw new TypeError('wasmnn: Bidirectional wraps an LSTM, GRU or SimpleRNN layer: new Bidirectional({ layer: new LSTM({ units }) })');
    this.mergeMode = args.mergeMode ?? 'concat';
    if (!['concat', 'sum', 'mul', 'ave'].includes(this.mergeMode)) throw new RangeError(`wasmnn: Bidirectional: mergeMode must be concat, sum, mul or ave, got ${shown(this.mergeMode)}`);
    checkLayerArgs('Bidirectional', args);
    const config = inner.getConfig() as unknown as RNNArgs;
    const Kind = inner instanceof LSTM ? LSTM : inner instanceof GRU ? GRU : SimpleRNN;
    this.forwardLayer = new Kind({ ...config, name: undefined, goBackwards: inner.goBackwards } as any);
    this.backwardLayer = new Kind({ ...config, name: undefined, goBackwards: !inner.goBackwards } as any);
    // a frozen wrapped layer freezes the pair; the wrapper's flag then decides for both (see build)
    if (!inner.trainable) this.trainable = false;
  }

  computeOutputShape(s: LayerShape): LayerShape {
    const o = this.forwardLayer.computeOutputShape(s);
    if (this.mergeMode !== 'concat') return o;
    return [...o.slice(0, -1), (o[o.length - 1] as number) * 2];
  }

  build(s: LayerShape): LayerShape {
    // Keras' names: forward_lstm, forward_gru, forward_simple_rnn
    const kind = recurrentSublayerName(this.forwardLayer.className);
    this.forwardLayer.name = `${this.name}/forward_${kind}`;
    this.backwardLayer.name = `${this.name}/backward_${kind}`;
    this.forwardLayer.build(s);
    this.backwardLayer.build(s);
    this.weights.push(...this.forwardLayer.weights, ...this.backwardLayer.weights);
    for (const w of this.weights) { w.layer = this; w.trainable = w.wantsTraining(); }
    return super.build(s);
  }

  resetBuild(): void {
    this.forwardLayer.resetBuild();
    this.backwardLayer.resetBuild();
    super.resetBuild();
  }

  call(g: Graph, x: Node, mask: Tensor | null, ctx: CallContext): Output {
    const rt = g.rt;
    const f = this.forwardLayer.call(g, x, mask, ctx).y;
    const b = this.backwardLayer.call(g, x, mask, ctx).y;
    const seq = this.forwardLayer.returnSequences;
    const shape = f.value.shape;
    const H = shape[shape.length - 1];
    const B = shape[0], T = seq ? shape[1] : 1;
    // the backward layer's outputs in time order
    const bAligned = seq ? reverseTime(rt.temp(shape), b.value, B, T, H) : b.value;
    let out: Tensor;
    if (this.mergeMode === 'concat') {
      out = rt.temp([...shape.slice(0, -1), 2 * H]);
      const o = out.f32(), fv = f.value.f32(), bv = bAligned.f32();
      for (let r = 0; r < B * T; r++) {
        o.set(fv.subarray(r * H, (r + 1) * H), r * 2 * H);
        o.set(bv.subarray(r * H, (r + 1) * H), r * 2 * H + H);
      }
    } else {
      out = rt.temp(shape);
      binaryForward(rt, this.mergeMode === 'mul' ? 'mul' : 'add', as2d(f.value), as2d(bAligned), as2d(out));
      if (this.mergeMode === 'ave') { const o = out.f32(); for (let i = 0; i < o.length; i++) o[i] *= 0.5; }
    }
    const y = g.result(out, [f, b], this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      const df = rt.temp(shape), dbAligned = rt.temp(shape);
      const d = dy.f32(), dfv = df.f32(), dbv = dbAligned.f32();
      if (this.mergeMode === 'concat') {
        for (let r = 0; r < B * T; r++) {
          dfv.set(d.subarray(r * 2 * H, r * 2 * H + H), r * H);
          dbv.set(d.subarray(r * 2 * H + H, (r + 1) * 2 * H), r * H);
        }
      } else if (this.mergeMode === 'mul') {
        const fv = f.value.f32(), bv = bAligned.f32();
        for (let i = 0; i < dfv.length; i++) { dfv[i] = d[i] * bv[i]; dbv[i] = d[i] * fv[i]; }
      } else {
        const s = this.mergeMode === 'ave' ? 0.5 : 1;
        for (let i = 0; i < dfv.length; i++) { dfv[i] = d[i] * s; dbv[i] = d[i] * s; }
      }
      g.addGradTensor(f, df);
      g.addGradTensor(b, seq ? reverseTime(rt.temp(shape), dbAligned, B, T, H) : dbAligned);
    });
    return { y, mask: seq ? mask : null };
  }

  getConfig(): Record<string, unknown> {
    const { name: _n, ...inner } = this.forwardLayer.getConfig();
    return { ...super.getConfig(), mergeMode: this.mergeMode, layer: { className: this.forwardLayer.className, config: inner } };
  }
}

/** dst[b, t] = src[b, T-1-t] for (B, T, H) tensors. */
function reverseTime(dst: Tensor, src: Tensor, B: number, T: number, H: number): Tensor {
  const s = src.f32(), d = dst.f32();
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) d.set(s.subarray((b * T + T - 1 - t) * H, (b * T + T - t) * H), (b * T + t) * H);
  }
  return dst;
}
