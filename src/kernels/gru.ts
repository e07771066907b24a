// Host side of kernels/gru.ts: the whole-sequence GRU recurrence (tfjs-layers' GRUCell: gate order
// z, r, h, reset gate before the recurrent product), forward and backward through time, one kernel
// call per sequence. The layer computes xw = x · W + b for every step first (one gemm), and after
// the backward turns dz into dW = xᵀ · dz, db = Σ dz and dx = dz · Wᵀ; dU comes from the kernel.
// resetAfter true (Keras 2/3's default, the CuDNN form) runs the f32_gru_seq_reset_after_* kernels:
// the bias is then (2, 3H), xw holds x · W + bias[0], the kernel adds the recurrent bias bias[1]
// (recurrentBias) to h · U, its rh output holds ih = h_{s-1} · U_h + bias[1]_h (what r multiplies),
// and its backward also gives that bias's gradient (drb).
import { threaded } from './spec.js';
import { argsObject } from './check.js';
import {
  recurrentActivationIndex, recurrentDims, tableDims, recurrentFlag, recurrentOptional, recurrentSeparate, recurrentSync,
  recurrentTensor, recurrentThreads, type RecurrentActivation,
} from './lstm.js';
import { RECURRENT_ALIASES, blocks4, groups8 } from './recurrent_common.js';
import { checkOptions, optionNames } from '../options.js';
import type { Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const gruKernels = threaded('f32_gru_seq_fwd', 'f32_gru_seq_bwd', 'f32_gru_seq_reset_after_fwd', 'f32_gru_seq_reset_after_bwd');

/** Bytes of scratch f32_gru_seq_fwd (and f32_gru_seq_reset_after_fwd) needs: U packed into 8-column panels, a B x 3H step tile, two packed B x H copies (h and r ⊙ h; resetAfter: h twice). */
export function gruForwardWorkspaceBytes(B: number, H: number): number {
  const N8 = groups8(H);
  return (3 * N8 * H + 3 * B * N8 + 2 * blocks4(B) * H) * 4;
}

/** Bytes of scratch f32_gru_seq_bwd needs: Uᵀ panels, three B x H tiles, two packed copies of dz; with du a padded dz tile and the dU accumulator. */
export function gruBackwardWorkspaceBytes(B: number, H: number, withDu: boolean, resetAfter = false, withDrb = false): number {
  const N8 = groups8(H);
  const H4 = Math.ceil(H / 4) * 4;
  // resetAfter: Uᵀ panels, two B x H tiles, two copies of g (B x 3H), with du or drb a padded g
  // tile, with du the dU accumulator, with drb its own (3H)
  if (resetAfter) return (3 * H * N8 + 2 * B * N8 + 2 * B * 3 * H + (withDu || withDrb ? 3 * N8 * B : 0) + (withDu ? 3 * N8 * H4 : 0) + (withDrb ? 3 * N8 : 0)) * 4;
  return (3 * H * N8 + 3 * B * N8 + 2 * blocks4(B) * 3 * H + (withDu ? 3 * N8 * (B + H4) : 0)) * 4;
}

export interface GruSequenceArgs {
  /**
   * (B, T, 3H): x · W + b for every step, in time order; gate blocks z, r, h. Or, with xwRows,
   * a table (rows, 3H) of such rows: the folded embedding projection at inference, read in place.
   */
  xw: Tensor;
  /** (B, T) i32, or null: step t of row b takes row xwRows[b, t] of the table xw (each in [0, rows)). */
  xwRows?: Tensor | null;
  /** (H, 3H): the recurrent kernel. */
  u: Tensor;
  /** (B, H) initial state; null for zeros. */
  h0?: Tensor | null;
  /** (B, T) f32: a step is taken where the value is non-zero; masked steps carry the state and repeat the previous output. */
  mask?: Tensor | null;
  /** Outputs, in processing order: (B, T, H) h after every step (the layer's sequence output), (B, T, 3H) activated z, r, hh, (B, T, H) r ⊙ h_{s-1}. */
  hs: Tensor;
  gates: Tensor;
  rh: Tensor;
  /** Process t = T-1 .. 0 (Keras goBackwards); hs[:, s] is then the output for input step T-1-s, as in tfjs. */
  reverse?: boolean;
  /** Default 'sigmoid' (Keras); tfjs-layers defaults to 'hardSigmoid'. */
  recurrentActivation?: RecurrentActivation;
  /**
   * Keras' reset_after (default false, tfjs-layers' only form): true applies r after the recurrent
   * product, hh = tanh(xw_h + r ⊙ (h_{s-1} · U_h + recurrentBias_h)); rh then holds
   * h_{s-1} · U_h + recurrentBias_h for the backward.
   */
  resetAfter?: boolean;
  /** (3H) the recurrent bias (Keras' bias[1]) with resetAfter; null for none. Only with resetAfter. */
  recurrentBias?: Tensor | null;
}

const GRU_SEQUENCE_ARGS = optionNames<GruSequenceArgs>({
  xw: true, xwRows: true, u: true, h0: true, mask: true, hs: true, gates: true, rh: true, reverse: true, recurrentActivation: true,
  resetAfter: true, recurrentBias: true,
});

/** resetAfter, and the recurrent bias (3H) that only resetAfter takes. */
function resetAfterArgs(rt: Runtime, op: string, a: { resetAfter?: boolean; recurrentBias?: Tensor | null }, H: number): [boolean, Tensor | null] {
  const resetAfter = recurrentFlag(op, 'resetAfter', a.resetAfter);
  const rb = recurrentOptional(rt, op, 'recurrentBias', a.recurrentBias, [3 * H], '3 x units: the recurrent bias, Keras\' bias[1]');
  if (rb && !resetAfter) throw new RangeError(`wasmnn: ${op}: recurrentBias is only for resetAfter true (with resetAfter false the whole bias is in xw); leave it out or pass resetAfter: true`);
  return [resetAfter, rb];
}

/**
 * Runs a GRU over a whole sequence in one call: hs, gates and rh for every step (keep them for
 * gruSequenceBackward). The final state is hs[:, T-1].
 */
export function gruSequence(rt: Runtime, a: GruSequenceArgs): void {
  const op = 'gruSequence';
  argsObject(op, 'the arguments', a, '{ xw, u, hs, gates, rh }');
  checkOptions(op, a, GRU_SEQUENCE_ARGS, RECURRENT_ALIASES);
  const xwRows = a.xwRows ?? null;
  const [B, T, H] = xwRows ? tableDims(rt, op, a.xw, xwRows, a.u, 3) : recurrentDims(rt, op, 'xw', a.xw, 3, a.u, 3);
  const h0 = recurrentOptional(rt, op, 'h0', a.h0, [B, H], 'batch, units');
  const mask = recurrentOptional(rt, op, 'mask', a.mask, [B, T], 'batch, steps');
  const hs = recurrentTensor(rt, op, 'hs', a.hs, [B, T, H], 'batch, steps, units');
  const gates = recurrentTensor(rt, op, 'gates', a.gates, [B, T, 3 * H], 'batch, steps, 3 x units');
  const rh = recurrentTensor(rt, op, 'rh', a.rh, [B, T, H], 'batch, steps, units');
  const reverse = recurrentFlag(op, 'reverse', a.reverse);
  const act = recurrentActivationIndex(op, a.recurrentActivation);
  const [resetAfter, rb] = resetAfterArgs(rt, op, a, H);
  recurrentSeparate(op, [['hs', hs], ['gates', gates], ['rh', rh]], [['xw', a.xw], ['xwRows', xwRows], ['u', a.u], ['h0', h0], ['mask', mask], ['recurrentBias', rb]]);
  if (B === 0 || T === 0 || H === 0) return;
  const nth = recurrentThreads(rt, B, H, 3);
  const ws = rt.temp([gruForwardWorkspaceBytes(B, H) / 4]);
  const sync = recurrentSync(rt);
  if (resetAfter) {
    rt.run('f32_gru_seq_reset_after_fwd', 6 * B * T * H * H, [a.xw.ptr, a.u.ptr, rb ? rb.ptr : 0, h0 ? h0.ptr : 0, mask ? mask.ptr : 0,
      hs.ptr, gates.ptr, rh.ptr, ws.ptr, sync.ptr, B, T, H, reverse ? 1 : 0, act, xwRows ? xwRows.ptr : 0], nth);
    return;
  }
  rt.run('f32_gru_seq_fwd', 6 * B * T * H * H, [a.xw.ptr, a.u.ptr, h0 ? h0.ptr : 0, mask ? mask.ptr : 0,
    hs.ptr, gates.ptr, rh.ptr, ws.ptr, sync.ptr, B, T, H, reverse ? 1 : 0, act, xwRows ? xwRows.ptr : 0], nth);
}

export interface GruSequenceBackwardArgs {
  /** The forward's inputs and outputs: u, h0, mask, reverse, recurrentActivation as given to gruSequence; hs, gates, rh as it wrote them. */
  u: Tensor;
  h0?: Tensor | null;
  mask?: Tensor | null;
  hs: Tensor;
  gates: Tensor;
  rh: Tensor;
  reverse?: boolean;
  recurrentActivation?: RecurrentActivation;
  /** (B, T, H): gradient w.r.t. every step's output (processing order, like hs); null for none (a layer that returns only the last output passes dhT). */
  dhs?: Tensor | null;
  /** (B, H): gradient w.r.t. the final state; null for none. */
  dhT?: Tensor | null;
  /** Output (B, T, 3H), time order: gradient w.r.t. the gate pre-activations, which is the gradient w.r.t. xw. */
  dz: Tensor;
  /** Output (B, H): gradient w.r.t. h0; null to skip. */
  dh0?: Tensor | null;
  /** Output (H, 3H): gradient w.r.t. u, OVERWRITTEN (not accumulated); null to skip. */
  du?: Tensor | null;
  /** As given to gruSequence (rh then holds what its resetAfter forward wrote there). */
  resetAfter?: boolean;
  /** Output (3H), resetAfter only: gradient w.r.t. the recurrent bias, OVERWRITTEN; null to skip. */
  drb?: Tensor | null;
}

const GRU_SEQUENCE_BACKWARD_ARGS = optionNames<GruSequenceBackwardArgs>({
  u: true, h0: true, mask: true, hs: true, gates: true, rh: true, reverse: true, recurrentActivation: true,
  dhs: true, dhT: true, dz: true, dh0: true, du: true, resetAfter: true, drb: true,
});

/** Backpropagation through the whole sequence in one call (see GruSequenceBackwardArgs). */
export function gruSequenceBackward(rt: Runtime, a: GruSequenceBackwardArgs): void {
  const op = 'gruSequenceBackward';
  argsObject(op, 'the arguments', a, '{ u, hs, gates, rh, dz }');
  checkOptions(op, a, GRU_SEQUENCE_BACKWARD_ARGS, RECURRENT_ALIASES);
  const [B, T, H] = recurrentDims(rt, op, 'hs', a.hs, 1, a.u, 3);
  const h0 = recurrentOptional(rt, op, 'h0', a.h0, [B, H], 'batch, units');
  const mask = recurrentOptional(rt, op, 'mask', a.mask, [B, T], 'batch, steps');
  const gates = recurrentTensor(rt, op, 'gates', a.gates, [B, T, 3 * H], 'batch, steps, 3 x units');
  const rh = recurrentTensor(rt, op, 'rh', a.rh, [B, T, H], 'batch, steps, units');
  const dhs = recurrentOptional(rt, op, 'dhs', a.dhs, [B, T, H], 'batch, steps, units');
  const dhT = recurrentOptional(rt, op, 'dhT', a.dhT, [B, H], 'batch, units');
  const dz = recurrentTensor(rt, op, 'dz', a.dz, [B, T, 3 * H], 'batch, steps, 3 x units');
  const dh0 = recurrentOptional(rt, op, 'dh0', a.dh0, [B, H], 'batch, units');
  const du = recurrentOptional(rt, op, 'du', a.du, [H, 3 * H], 'units, 3 x units');
  const reverse = recurrentFlag(op, 'reverse', a.reverse);
  const act = recurrentActivationIndex(op, a.recurrentActivation);
  const resetAfter = recurrentFlag(op, 'resetAfter', a.resetAfter);
  const drb = recurrentOptional(rt, op, 'drb', a.drb, [3 * H], '3 x units: the recurrent bias\'s gradient');
  if (drb && !resetAfter) throw new RangeError(`wasmnn: ${op}: drb (the recurrent bias's gradient) is only for resetAfter true; leave it out or pass resetAfter: true`);
  recurrentSeparate(op, [['dz', dz], ['dh0', dh0], ['du', du], ['drb', drb]],
    [['u', a.u], ['h0', h0], ['mask', mask], ['hs', a.hs], ['gates', gates], ['rh', rh], ['dhs', dhs], ['dhT', dhT]]);
  if (H === 0) return;
  const nth = recurrentThreads(rt, B, H, 3);
  if (resetAfter) {
    const ws = rt.temp([gruBackwardWorkspaceBytes(B, H, du !== null, true, drb !== null) / 4]);
    const sync = recurrentSync(rt);
    rt.run('f32_gru_seq_reset_after_bwd', 12 * B * T * H * H, [a.u.ptr, h0 ? h0.ptr : 0, mask ? mask.ptr : 0, a.hs.ptr, gates.ptr, rh.ptr,
      dhs ? dhs.ptr : 0, dhT ? dhT.ptr : 0, dz.ptr, dh0 ? dh0.ptr : 0, du ? du.ptr : 0, drb ? drb.ptr : 0,
      ws.ptr, sync.ptr, B, T, H, reverse ? 1 : 0, act], nth);
    return;
  }
  const ws = rt.temp([gruBackwardWorkspaceBytes(B, H, du !== null) / 4]);
  const sync = recurrentSync(rt);
  rt.run('f32_gru_seq_bwd', 12 * B * T * H * H, [a.u.ptr, h0 ? h0.ptr : 0, mask ? mask.ptr : 0, a.hs.ptr, gates.ptr, rh.ptr,
    dhs ? dhs.ptr : 0, dhT ? dhT.ptr : 0, dz.ptr, dh0 ? dh0.ptr : 0, du ? du.ptr : 0,
    ws.ptr, sync.ptr, B, T, H, reverse ? 1 : 0, act], nth);
}
