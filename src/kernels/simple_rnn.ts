// Host side of kernels/simple_rnn.ts: the whole-sequence SimpleRNN recurrence (Keras / tfjs-layers'
// SimpleRNNCell, h_t = act(x_t W + b + h_{t-1} U)), forward and backward through time, one kernel
// call per sequence. The layer computes xw = x · W + b for every step first (one gemm), and after
// the backward turns dz into dW = xᵀ · dz, db = Σ dz and dx = dz · Wᵀ; dU comes from the kernel.
import { threaded } from './spec.js';
import { argsObject } from './check.js';
import { recurrentDims, tableDims, recurrentFlag, recurrentOptional, recurrentSeparate, recurrentSync, recurrentTensor, recurrentThreads } from './lstm.js';
import { RECURRENT_ALIASES, blocks4, groups8 } from './recurrent_common.js';
import { checkOptions, optionNames } from '../options.js';
import type { Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const simpleRnnKernels = threaded('f32_simple_rnn_seq_fwd', 'f32_simple_rnn_seq_bwd');

import { SIMPLE_RNN_ACTIVATIONS, type SimpleRnnActivation } from '../activation_names.js';
export { SIMPLE_RNN_ACTIVATIONS, type SimpleRnnActivation };

/** Index of an activation for the kernels (0 tanh, 1 relu, 2 linear); throws on anything else. */
export function simpleRnnActivationIndex(op: string, a: unknown): number {
  const v = a ?? 'tanh';
  const i = (SIMPLE_RNN_ACTIVATIONS as readonly unknown[]).indexOf(v);
  if (i < 0) throw new RangeError(`wasmnn: ${op}: activation '${String(v)}' is not supported; the fused kernel computes one of ${SIMPLE_RNN_ACTIVATIONS.join(', ')}`);
  return i;
}

/** Bytes of scratch f32_simple_rnn_seq_fwd needs: U packed into 8-column panels, a B x H step tile, two packed B x H copies of h. */
export function simpleRnnForwardWorkspaceBytes(B: number, H: number): number {
  const N8 = groups8(H);
  return (N8 * H + B * N8 + 2 * blocks4(B) * H) * 4;
}

/** Bytes of scratch f32_simple_rnn_seq_bwd needs: Uᵀ panels, two B x H tiles, two packed copies of dz; with du a padded dz tile and the dU accumulator. */
export function simpleRnnBackwardWorkspaceBytes(B: number, H: number, withDu: boolean): number {
  const N8 = groups8(H);
  const H4 = Math.ceil(H / 4) * 4;
  return (N8 * H + 2 * B * N8 + 2 * blocks4(B) * H + (withDu ? N8 * (B + H4) : 0)) * 4;
}

export interface SimpleRnnSequenceArgs {
  /** (B, T, H): x · W + b for every step, in time order. Or, with xwRows, a table (rows, H) of such rows (the folded embedding projection at inference, read in place). */
  xw: Tensor;
  /** (B, T) i32, or null: step t of row b takes row xwRows[b, t] of the table xw (each in [0, rows)). */
  xwRows?: Tensor | null;
  /** (H, H): the recurrent kernel. */
  u: Tensor;
  /** (B, H) initial state; null for zeros. */
  h0?: Tensor | null;
  /** (B, T) f32: a step is taken where the value is non-zero; masked steps carry the state and repeat the previous output. */
  mask?: Tensor | null;
  /** Output (B, T, H): h after every step, in processing order (the layer's sequence output). */
  hs: Tensor;
  /** Process t = T-1 .. 0 (Keras goBackwards); hs[:, s] is then the output for input step T-1-s, as in tfjs. */
  reverse?: boolean;
  /** 'tanh' (the default, Keras'), 'relu' or 'linear'. */
  activation?: SimpleRnnActivation;
}

const SIMPLE_RNN_SEQUENCE_ARGS = optionNames<SimpleRnnSequenceArgs>({
  xw: true, xwRows: true, u: true, h0: true, mask: true, hs: true, reverse: true, activation: true,
});

/** Runs a SimpleRNN over a whole sequence in one call: hs for every step (keep it for simpleRnnSequenceBackward). The final state is hs[:, T-1]. */
export function simpleRnnSequence(rt: Runtime, a: SimpleRnnSequenceArgs): void {
  const op = 'simpleRnnSequence';
  argsObject(op, 'the arguments', a, '{ xw, u, hs }');
  checkOptions(op, a, SIMPLE_RNN_SEQUENCE_ARGS, RECURRENT_ALIASES);
  const xwRows = a.xwRows ?? null;
  const [B, T, H] = xwRows ? tableDims(rt, op, a.xw, xwRows, a.u, 1) : recurrentDims(rt, op, 'xw', a.xw, 1, a.u, 1);
  const h0 = recurrentOptional(rt, op, 'h0', a.h0, [B, H], 'batch, units');
  const mask = recurrentOptional(rt, op, 'mask', a.mask, [B, T], 'batch, steps');
  const hs = recurrentTensor(rt, op, 'hs', a.hs, [B, T, H], 'batch, steps, units');
  const reverse = recurrentFlag(op, 'reverse', a.reverse);
  const act = simpleRnnActivationIndex(op, a.activation);
  recurrentSeparate(op, [['hs', hs]], [['xw', a.xw], ['xwRows', xwRows], ['u', a.u], ['h0', h0], ['mask', mask]]);
  if (B === 0 || T === 0 || H === 0) return;
  const nth = recurrentThreads(rt, B, H, 1);
  const ws = rt.temp([simpleRnnForwardWorkspaceBytes(B, H) / 4]);
  rt.run('f32_simple_rnn_seq_fwd', 2 * B * T * H * H, [a.xw.ptr, a.u.ptr, h0 ? h0.ptr : 0, mask ? mask.ptr : 0, hs.ptr, ws.ptr, recurrentSync(rt).ptr,
    B, T, H, reverse ? 1 : 0, act, xwRows ? xwRows.ptr : 0], nth);
}

export interface SimpleRnnSequenceBackwardArgs {
  /** The forward's inputs and output: u, h0, mask, reverse, activation as given to simpleRnnSequence; hs as it wrote it. */
  u: Tensor;
  h0?: Tensor | null;
  mask?: Tensor | null;
  hs: Tensor;
  reverse?: boolean;
  activation?: SimpleRnnActivation;
  /** (B, T, H): gradient w.r.t. every step's output (processing order, like hs); null for none (a layer that returns only the last output passes dhT). */
  dhs?: Tensor | null;
  /** (B, H): gradient w.r.t. the final state; null for none. */
  dhT?: Tensor | null;
  /** Output (B, T, H), time order: gradient w.r.t. the pre-activations, which is the gradient w.r.t. xw. */
  dz: Tensor;
  /** Output (B, H): gradient w.r.t. h0; null to skip. */
  dh0?: Tensor | null;
  /** Output (H, H): gradient w.r.t. u, OVERWRITTEN (not accumulated); null to skip. */
  du?: Tensor | null;
}

// (unused by wasmnn/infer, which runs no backward: pure, so its bundle drops it)
const SIMPLE_RNN_SEQUENCE_BACKWARD_ARGS = /* @__PURE__ */ optionNames<SimpleRnnSequenceBackwardArgs>({
  u: true, h0: true, mask: true, hs: true, reverse: true, activation: true, dhs: true, dhT: true, dz: true, dh0: true, du: true,
});

/** Backpropagation through the whole sequence in one call (see SimpleRnnSequenceBackwardArgs). */
export function simpleRnnSequenceBackward(rt: Runtime, a: SimpleRnnSequenceBackwardArgs): void {
  const op = 'simpleRnnSequenceBackward';
  argsObject(op, 'the arguments', a, '{ u, hs, dz }');
  checkOptions(op, a, SIMPLE_RNN_SEQUENCE_BACKWARD_ARGS, RECURRENT_ALIASES);
  const [B, T, H] = recurrentDims(rt, op, 'hs', a.hs, 1, a.u, 1);
  const h0 = recurrentOptional(rt, op, 'h0', a.h0, [B, H], 'batch, units');
  const mask = recurrentOptional(rt, op, 'mask', a.mask, [B, T], 'batch, steps');
  const dhs = recurrentOptional(rt, op, 'dhs', a.dhs, [B, T, H], 'batch, steps, units');
  const dhT = recurrentOptional(rt, op, 'dhT', a.dhT, [B, H], 'batch, units');
  const dz = recurrentTensor(rt, op, 'dz', a.dz, [B, T, H], 'batch, steps, units');
  const dh0 = recurrentOptional(rt, op, 'dh0', a.dh0, [B, H], 'batch, units');
  const du = recurrentOptional(rt, op, 'du', a.du, [H, H], 'units, units');
  const reverse = recurrentFlag(op, 'reverse', a.reverse);
  const act = simpleRnnActivationIndex(op, a.activation);
  recurrentSeparate(op, [['dz', dz], ['dh0', dh0], ['du', du]], [['u', a.u], ['h0', h0], ['mask', mask], ['hs', a.hs], ['dhs', dhs], ['dhT', dhT]]);
  if (H === 0) return;
  const nth = recurrentThreads(rt, B, H, 1);
  const ws = rt.temp([simpleRnnBackwardWorkspaceBytes(B, H, du !== null) / 4]);
  rt.run('f32_simple_rnn_seq_bwd', 4 * B * T * H * H, [a.u.ptr, h0 ? h0.ptr : 0, mask ? mask.ptr : 0, a.hs.ptr, dhs ? dhs.ptr : 0, dhT ? dhT.ptr : 0,
    dz.ptr, dh0 ? dh0.ptr : 0, du ? du.ptr : 0, ws.ptr, recurrentSync(rt).ptr, B, T, H, reverse ? 1 : 0, act], nth);
}
