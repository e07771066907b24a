// LSTM and GRU, Keras semantics (gate order, initialisers, masking, returnSequences,
// goBackwards). The input projection x · W + b for every step is one GEMM; the recurrence runs
// the whole sequence in one kernel call forward and one backward (BPTT), then GEMMs give dW, dx.
// At inference, right after an Embedding, the projection rows come from the embedding table folded
// with W and b (src/folded_projection.ts: the same bits, a copy instead of the GEMM).
import { as2d, view, type Graph, type Node } from '../autograd.js';
import { gemm } from '../kernels/gemm.js';
import { reduce } from '../kernels/reduce.js';
import { dropout as dropoutKernel, spatialDropout } from '../kernels/dropout.js';
import { deriveSeed } from '../random.js';
import { lstmSequence, lstmSequenceBackward, type RecurrentActivation } from '../kernels/lstm.js';
import { gruSequence, gruSequenceBackward } from '../kernels/gru.js';
import { embeddingSource, type EmbeddingSource } from './embedding.js';
import { FoldedProjection, foldFits } from '../folded_projection.js';
import { storeOf } from '../params.js';
import { checkInitializer, type Initializer } from '../initializers.js';
import { LAYER_ARGS, Layer, Weight, checkLayerArgs, regularizerOptions, type RegularizerArgs, featureDim, fmtLayerShape, positiveInt, sequenceHint, shown, type CallContext, type LayerArgs, type LayerShape, type Output } from './layer.js';
import { checkOptions, optionNames, type OptionNames } from '../options.js';
import type { Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export interface RNNArgs extends LayerArgs, Pick<RegularizerArgs, 'kernelRegularizer' | 'recurrentRegularizer' | 'biasRegularizer' | 'activityRegularizer'> {
  units: number;
  /** Only 'tanh' (the Keras default) is supported. */
  activation?: 'tanh';
  /** 'sigmoid' (Keras' default, ours) or 'hardSigmoid' (tfjs-layers' default). */
  recurrentActivation?: RecurrentActivation;
  useBias?: boolean;
  returnSequences?: boolean;
  goBackwards?: boolean;
  kernelInitializer?: Initializer;
  recurrentInitializer?: Initializer;
  biasInitializer?: Initializer;
  /** Keras' dropout: the fraction of the input features dropped in training, in [0, 1) (see RNNBase). */
  dropout?: number;
  /** Keras' recurrent_dropout: the fraction of h_{t-1}'s units dropped in the recurrent product in training, in [0, 1). LSTM only. */
  recurrentDropout?: number;
}

export const RNN_OPTIONS: OptionNames<Omit<RNNArgs, keyof LayerArgs>> = {
  units: true, activation: true, recurrentActivation: true, useBias: true, returnSequences: true, goBackwards: true,
  kernelInitializer: true, recurrentInitializer: true, biasInitializer: true, dropout: true, recurrentDropout: true,
  ...regularizerOptions('kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'activityRegularizer'),
};
const LSTM_OPTIONS = optionNames<RNNArgs & { unitForgetBias?: boolean }>({ ...RNN_OPTIONS, unitForgetBias: true, ...LAYER_ARGS });
const GRU_OPTIONS = optionNames<RNNArgs & { resetAfter?: boolean }>({ ...RNN_OPTIONS, resetAfter: true, ...LAYER_ARGS });

/*
 * dropout and recurrentDropout, as Keras 3.0-3.7 (keras/src/layers/rnn/dropout_rnn_cell.py, lstm.py,
 * gru.py before keras-team/keras#20663): in training only, each layer call (one batch) draws its masks once and uses them at
 * every step (DropoutRNNCell caches them until RNN.call resets them): one (B, input features) mask
 * m_x for the inputs and one (B, units) mask m_h for h_{t-1}, values 0 or 1 / (1 - rate), the same
 * mask for all gates (LSTMCell.call: `inputs = inputs * dp_mask`, `h_tm1 = h_tm1 * rec_dp_mask`,
 * then one product each). Only the products see them: z = (x_t ⊙ m_x) W + (h_{t-1} ⊙ m_h) U + b;
 * c_{t-1} is not masked and the output h_t is not either. Predict and evaluate run without them.
 * Here m_x is SpatialDropout1D's (B, 1, E) mask applied to x before the projection GEMM, and m_h
 * goes into the fused kernel (kernels/lstm.ts: the product reads h ⊙ m_h, hs keeps h). Masks come
 * from the model's seeded Philox stream (seed from the model seed, layer name and step; m_x at
 * counter offset 0, m_h at B E), so a seeded fit is reproducible at any thread count; the two
 * directions of a Bidirectional are two layers with their own names, so their own masks.
 * Differences: since Keras 3.8 (keras-team/keras#20663) an LSTM with recurrent_dropout > 0 switches
 * to implementation 1 too, with one mask per gate for x and for h_{t-1}, as Keras 2 did for h_{t-1};
 * wasmnn keeps the shared masks (the same variational dropout with fewer coin flips). Keras 3's GRU
 * with recurrent_dropout > 0 switches to its implementation 1 (gru.py:
 * `if self.recurrent_dropout != 0.0: self.implementation = 1`, dropout_mask_count = 3), which draws
 * one mask per gate (z, r, h) for x and for h_{t-1} (and mixes the unmasked h_{t-1} into
 * z h_{t-1} + (1 - z) hh); wasmnn's GRU takes dropout (one shared mask, Keras 3's implementation 2)
 * and refuses recurrentDropout. tfjs-layers 4.22 draws one mask per gate for both (LSTMCell: 4,
 * GRUCell: 3). Keras clips rates to [0, 1] (and a rate of 1 then drops nothing); wasmnn refuses
 * rates outside [0, 1).
 */
/** LSTM, GRU and SimpleRNN (src/layers/simple_rnn.ts): weights, the projection GEMM or folded table, masking, backward. */
export abstract class RNNBase extends Layer {
  fillsEmbeddingOutput(): boolean { return true; }

  abstract readonly gateCount: number;
  readonly units: number;
  readonly recurrentActivation: RecurrentActivation;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  protected readonly kernelInit: Initializer;
  protected readonly recurrentInit: Initializer;
  protected biasInit: Initializer;
  readonly dropout: number;
  readonly recurrentDropout: number;
  kernel!: Weight;
  recurrentKernel!: Weight;
  bias: Weight | null = null;

  constructor(kind: string, args: RNNArgs) {
    super(args, kind);
    this.units = positiveInt(kind, 'units', args?.units);
    if (args.activation !== undefined && args.activation !== 'tanh') {
      throw new RangeError(`wasmnn: ${kind}: activation ${shown(args.activation)} is not supported; the fused kernel computes tanh (Keras' default)`);
    }
    this.recurrentActivation = args.recurrentActivation ?? 'sigmoid';
    if (this.recurrentActivation !== 'sigmoid' && this.recurrentActivation !== 'hardSigmoid') {
      throw new RangeError(`wasmnn: ${kind}: recurrentActivation must be 'sigmoid' or 'hardSigmoid', got ${shown(args.recurrentActivation)}`);
    }
    // dropout, recurrentDropout: numbers in [0, 1) by the model file's rule (NaN, '0.5', 1 refused)
    checkLayerArgs(kind, args);
    this.dropout = args.dropout ?? 0;
    this.recurrentDropout = args.recurrentDropout ?? 0;
    this.useBias = args.useBias ?? true;
    this.returnSequences = args.returnSequences ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.kernelInit = checkInitializer(kind, 'kernelInitializer', args.kernelInitializer) ?? 'glorotUniform';
    this.recurrentInit = checkInitializer(kind, 'recurrentInitializer', args.recurrentInitializer) ?? 'orthogonal';
    this.biasInit = checkInitializer(kind, 'biasInitializer', args.biasInitializer) ?? 'zeros';
  }

  computeOutputShape(s: LayerShape): LayerShape {
    return this.returnSequences ? [s[0], this.units] : [this.units];
  }

  build(s: LayerShape): LayerShape {
    if (s.length !== 2) throw new RangeError(`wasmnn: ${this.className} ${this.name}: takes sequences (batch, steps, features), but its input is ${fmtLayerShape(s)}${sequenceHint(s)}`);
    const inDim = featureDim(this, s);
    const g = this.gateCount * this.units;
    this.kernel = this.addWeight('kernel', [inDim, g], this.kernelInit);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, g], this.recurrentInit);
    if (this.useBias) this.bias = this.addWeight('bias', this.biasShape(g), this.biasInit);
    return super.build(s);
  }

  /** The bias's shape for G = gates x units: (G), or (2, G) for a GRU with resetAfter (Keras' input and recurrent biases). */
  protected biasShape(G: number): number[] { return [G]; }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), units: this.units, recurrentActivation: this.recurrentActivation, useBias: this.useBias,
      returnSequences: this.returnSequences, goBackwards: this.goBackwards,
      // written only when set, so files of models without them keep their bytes
      ...(this.dropout ? { dropout: this.dropout } : {}), ...(this.recurrentDropout ? { recurrentDropout: this.recurrentDropout } : {}),
    };
  }

  /** The recurrence: forward kernel into saved tensors; returns hs (B, T, H) and a backward that gives dZ and dU. */
  /** training false: no backward follows (inference), so the kernel need not keep what only the backward reads. */
  /** xw (B, T, G); or, with xwRows (B, T) i32, a table (rows, G) whose rows xwRows names. */
  /** rb: the recurrent bias (G), row 1 of a (2, G) bias (GRU resetAfter), else null; its gradient goes to drb. */
  /** rdm: the recurrent dropout mask (B, H) of this call (training with recurrentDropout), else null. */
  protected abstract recur(rt: Runtime, xw: Tensor, u: Tensor, mask: Tensor | null, B: number, T: number, training: boolean, xwRows: Tensor | null, rb: Tensor | null,
    rdm: Tensor | null):
    { hs: Tensor; backward: (dhs: Tensor | null, dhT: Tensor | null, dz: Tensor, du: Tensor, drb: Tensor | null) => void };

  /** A (B, n) dropout mask (0 or 1 / (1 - rate)) from this layer's stream of this step, at counter offset `offset`. */
  private dropoutMask(ctx: CallContext, B: number, n: number, rate: number, offset: number): Tensor {
    const m = ctx.rt.temp([B, n]).fill(1);
    dropoutKernel(ctx.rt, m, m, { rate, seed: deriveSeed(ctx.seed, this.name) + ctx.step * 2 ** 32, offset });
    return m;
  }

  call(g: Graph, x: Node, mask: Tensor | null, ctx: CallContext): Output {
    const rt = g.rt;
    if (x.value.rank !== 3) throw new RangeError(`wasmnn: ${this.className} ${this.name}: expects (batch, steps, features), got rank ${x.value.rank}`);
    const [B, T] = x.value.shape;
    const H = this.units, G = this.gateCount * H;
    const W = g.param(this.kernel.p), U = g.param(this.recurrentKernel.p), b = this.bias ? g.param(this.bias.p) : null;
    // a (2, G) bias (GRU resetAfter): row 0 joins the input projection, row 1 the recurrent product
    const twoRows = b !== null && b.value.rank === 2;
    const bIn = b ? (twoRows ? b.value.view([G], 0) : b.value) : null, rb = twoRows ? b!.value.view([G], G) : null;
    // dropout and recurrentDropout (training): masks drawn once for the call, see above RNNBase
    const E = x.value.shape[2];
    const xMask = ctx.training && this.dropout > 0 && T > 0 ? this.dropoutMask(ctx, B, E, this.dropout, 0) : null;
    const rdm = ctx.training && this.recurrentDropout > 0 && T > 0 ? this.dropoutMask(ctx, B, H, this.recurrentDropout, B * E) : null;
    let x2 = as2d(x.value);
    if (xMask) {
      const xd = rt.temp(x.value.shape);
      spatialDropout(rt, x.value, xMask, xd);
      x2 = as2d(xd);
    }
    const source = g.training ? undefined : embeddingSource(x);
    const fold = source ? this.foldedProjection(source, bIn) : null;
    // inference after an Embedding: the kernel reads the rows of the folded table in place;
    // otherwise (or when the table finds no memory) the projection GEMM
    const table = fold ? fold.rows(view(source!.ids, [source!.ids.size]), storeOf(this.kernel.p)!.version) : null;
    if (!table) source?.fill();   // the GEMM reads x: gather it if the Embedding left that to us
    const { hs, backward } = table
      ? this.recur(rt, table, U.value, mask, B, T, g.training, view(source!.ids, [B, T]), rb, null)
      : this.recur(rt, view(this.project(rt, x2, W.value, bIn, B * T, G), [B, T, G]), U.value, mask, B, T, g.training, null, rb, rdm);
    let out: Tensor;
    if (this.returnSequences) out = hs;
    else if (T === 0) {
      // no step ran: the final state is the initial one, zeros (temp memory holds whatever the
      // last call left there, so it must be written)
      out = rt.temp([B, H]).fill(0);
    } else {
      out = rt.temp([B, H]);
      const src = hs.f32(), dst = out.f32();
      for (let i = 0; i < B; i++) dst.set(src.subarray((i * T + T - 1) * H, (i * T + T) * H), i * H);
    }
    const parents = b ? [x, W, U, b] : [x, W, U];
    const y = g.result(out, parents, this.name);
    g.onBackward(() => {
      const dy = g.gradOf(y);
      if (!dy) return;
      const dz = rt.temp([B * T, G]);
      const du = rt.temp([H, G]);
      const drb = rb ? rt.temp([G]) : null;
      if (T > 0) backward(this.returnSequences ? dy : null, this.returnSequences ? null : dy, view(dz, [B, T, G]), du, drb);
      else { dz.fill(0); du.fill(0); drb?.fill(0); }
      g.addGradTensor(U, du);
      g.addGrad(W, (dst, acc) => gemm(rt, x2, dz, dst, { transA: true, accumulate: acc }));
      if (b) {
        g.addGradOverwriting(b, (dst) => {
          // (2, G): bias[0]'s gradient is that of xw, bias[1]'s comes from the kernel
          reduce(rt, 'sum', dz, drb ? dst.view([G], 0) : dst, 0);
          if (drb) dst.f32().set(drb.f32(), G);
        });
      }
      if (!xMask) g.addGrad(x, (dst, acc) => gemm(rt, dz, W.value, as2d(dst), { transB: true, accumulate: acc }));
      else {
        // x entered as x ⊙ m_x: dx = (dz Wᵀ) ⊙ m_x
        g.addGradOverwriting(x, (dst) => {
          const dxd = rt.temp(x.value.shape);
          gemm(rt, dz, W.value, as2d(dxd), { transB: true });
          spatialDropout(rt, dxd, xMask, dst, true);
        });
      }
    });
    return { y, mask: this.returnSequences ? mask : null };
  }

  /** xw (n, G) = x W + b: the input projection of every step, one GEMM. */
  private project(rt: Runtime, x2: Tensor, W: Tensor, b: Tensor | null, n: number, G: number): Tensor {
    const xw = rt.temp([n, G]);
    gemm(rt, x2, W, xw, { bias: b });
    return xw;
  }

  /**
   * Inference: the folded table (table[ids] · W + b) of this layer and the embedding before it,
   * kept by the model's ParamStore; null when the table would be too big or the weights are not
   * in one store. (Its rows() are null when it finds no memory.)
   */
  /** bIn: the input bias (G) the projection adds (row 0 of a (2, G) bias: only that row folds). */
  private foldedProjection(source: EmbeddingSource, bIn: Tensor | null): FoldedProjection | null {
    const W = this.kernel.p, b = this.bias?.p ?? null;
    const store = storeOf(W);
    if (!store || storeOf(source.table) !== store || (b && storeOf(b) !== store)) return null;
    const E = source.table.value;
    const fold = store.derived(this, () => (foldFits(store.rt, E.shape[0], W.value.shape[1]) ? new FoldedProjection(store.rt, E, W.value, bIn) : null));
    return fold && fold.embeddings === E ? fold : null;
  }
}

export class LSTM extends RNNBase {
  readonly className = 'LSTM';
  readonly gateCount = 4;
  readonly unitForgetBias: boolean;

  constructor(args: RNNArgs & { unitForgetBias?: boolean }) {
    super('LSTM', checkOptions('LSTM', args, LSTM_OPTIONS));
    this.unitForgetBias = args.unitForgetBias ?? true;
    if (this.unitForgetBias && args.biasInitializer === undefined) this.biasInit = 'lstmBias';
  }

  protected recur(rt: Runtime, xw: Tensor, u: Tensor, mask: Tensor | null, B: number, T: number, training: boolean, xwRows: Tensor | null, _rb: Tensor | null,
    rdm: Tensor | null) {
    const H = this.units;
    const hs = rt.temp([B, T, H]), cs = rt.temp([B, T, H]), gates = training ? rt.temp([B, T, 4 * H]) : null;
    const common = { u, mask, hs, cs, gates, reverse: this.goBackwards, recurrentActivation: this.recurrentActivation, recurrentMask: rdm };
    if (T > 0) lstmSequence(rt, { xw, xwRows, ...common });
    return {
      hs,
      backward: (dhs: Tensor | null, dhT: Tensor | null, dz: Tensor, du: Tensor) => {
        if (!gates) throw new Error(`wasmnn: LSTM ${this.name}: backward through a forward run in inference mode; run it with training true`);
        lstmSequenceBackward(rt, { ...common, gates, dhs, dhT, dz, du });
      },
    };
  }

  getConfig(): Record<string, unknown> { return { ...super.getConfig(), unitForgetBias: this.unitForgetBias }; }
}

/**
 * GRU. resetAfter false (the default, tfjs-layers 4.22's only form): the reset gate multiplies h
 * before the recurrent product. resetAfter true (Keras 2/3's default, the CuDNN form): after it,
 * hh = tanh(x W_h + b_in,h + r ⊙ (h U_h + b_rec,h)), with a (2, 3 x units) bias [input; recurrent].
 */
export class GRU extends RNNBase {
  readonly className = 'GRU';
  readonly gateCount = 3;
  readonly resetAfter: boolean;

  constructor(args: RNNArgs & { resetAfter?: boolean }) {
    // resetAfter: RNNBase's checkLayerArgs refuses a non-boolean ('false') by the model file's rule
    super('GRU', checkOptions('GRU', args, GRU_OPTIONS));
    this.resetAfter = args.resetAfter ?? false;
    if (this.recurrentDropout) {
      throw new RangeError(`wasmnn: GRU: recurrentDropout is not supported for GRU (got ${this.recurrentDropout}): Keras 3's GRU then draws one mask per gate ` +
        "for the inputs and the state (its implementation 1), which wasmnn's fused GRU does not do; leave it out, use dropout (the inputs' mask), or use an LSTM with recurrentDropout");
    }
  }

  protected biasShape(G: number): number[] { return this.resetAfter ? [2, G] : [G]; }

  protected recur(rt: Runtime, xw: Tensor, u: Tensor, mask: Tensor | null, B: number, T: number, _training: boolean, xwRows: Tensor | null, rb: Tensor | null) {
    const H = this.units;
    const hs = rt.temp([B, T, H]), gates = rt.temp([B, T, 3 * H]), rh = rt.temp([B, T, H]);
    const common = { u, mask, hs, gates, rh, reverse: this.goBackwards, recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter };
    if (T > 0) gruSequence(rt, { xw, xwRows, recurrentBias: rb, ...common });
    return {
      hs,
      backward: (dhs: Tensor | null, dhT: Tensor | null, dz: Tensor, du: Tensor, drb: Tensor | null) => gruSequenceBackward(rt, { ...common, dhs, dhT, dz, du, drb }),
    };
  }

  // resetAfter is written only when true, so files of resetAfter-false models keep their bytes
  getConfig(): Record<string, unknown> { return this.resetAfter ? { ...super.getConfig(), resetAfter: true } : super.getConfig(); }
}
