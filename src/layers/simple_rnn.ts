// SimpleRNN, Keras / tfjs-layers 4.22 semantics: h_t = act(x_t W + b + h_{t-1} U), weights kernel
// (in, units), recurrent_kernel (units, units), bias (units); glorot-uniform kernel, orthogonal
// recurrent kernel, zero bias; masking (a masked step carries h), returnSequences, goBackwards.
// Built as LSTM and GRU are (src/layers/recurrent.ts's RNNBase): the input projection for every
// step is one GEMM (or, at inference after an Embedding, rows of the folded projection table), the
// recurrence one kernel call forward and one backward (kernels/simple_rnn.ts).
import { RNNBase, RNN_OPTIONS, type RNNArgs } from './recurrent.js';
import { LAYER_ARGS, shown } from './layer.js';
import { checkOptions, optionNames } from '../options.js';
import { simpleRnnSequence, simpleRnnSequenceBackward, SIMPLE_RNN_ACTIVATIONS, type SimpleRnnActivation } from '../kernels/simple_rnn.js';
import type { Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export interface SimpleRNNArgs extends Omit<RNNArgs, 'activation' | 'recurrentActivation'> {
  /** 'tanh' (the default, Keras'), 'relu', or 'linear' (null: Keras' activation=None). */
  activation?: SimpleRnnActivation | null;
}

const { recurrentActivation: _none, ...SIMPLE_RNN_OWN } = RNN_OPTIONS;
const SIMPLE_RNN_OPTIONS = optionNames<SimpleRNNArgs>({ ...SIMPLE_RNN_OWN, ...LAYER_ARGS });

export class SimpleRNN extends RNNBase {
  readonly className = 'SimpleRNN';
  readonly gateCount = 1;
  readonly activation: SimpleRnnActivation;

  constructor(args: SimpleRNNArgs) {
    checkOptions('SimpleRNN', args, SIMPLE_RNN_OPTIONS);
    const a = args?.activation === null ? 'linear' : args?.activation ?? 'tanh';
    if (!(SIMPLE_RNN_ACTIVATIONS as readonly unknown[]).includes(a)) {
      throw new RangeError(`wasmnn: SimpleRNN: activation ${shown(args?.activation)} is not supported; the fused kernel computes ${SIMPLE_RNN_ACTIVATIONS.map((x) => `'${x}'`).join(', ')} (or null for linear)`);
    }
    // dropout (Keras' SimpleRNNCell: `sequence * dp_mask`, one (B, input features) mask for the
    // whole call) is RNNBase's input mask; recurrentDropout would need a mask inside the kernel
    const rd = args?.recurrentDropout;
    if (rd !== undefined && rd !== null && rd !== 0) throw new RangeError(`wasmnn: SimpleRNN: recurrentDropout is not supported (got ${shown(rd)}); leave it out or 0 (dropout, the inputs' mask, is), or use an LSTM with recurrentDropout`);
    // RNNBase checks the rest (units, flags, initialisers); the activation is ours
    super('SimpleRNN', { ...args, activation: undefined });
    this.activation = a;
  }

  protected recur(rt: Runtime, xw: Tensor, u: Tensor, mask: Tensor | null, B: number, T: number, _training: boolean, xwRows: Tensor | null) {
    const hs = rt.temp([B, T, this.units]);
    const common = { u, mask, hs, reverse: this.goBackwards, activation: this.activation };
    if (T > 0) simpleRnnSequence(rt, { xw, xwRows, ...common });
    return {
      hs,
      backward: (dhs: Tensor | null, dhT: Tensor | null, dz: Tensor, du: Tensor) => simpleRnnSequenceBackward(rt, { ...common, dhs, dhT, dz, du }),
    };
  }

  getConfig(): Record<string, unknown> {
    const { recurrentActivation: _r, ...c } = super.getConfig();
    return { ...c, activation: this.activation };
  }
}
