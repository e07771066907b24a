// Host side of kernels/norm.ts: layer normalisation over the last axis.
import { threaded } from './spec.js';
import { expectShape, finiteScalar, live, noOverlap } from './check.js';
import { checkOptions, optionNames } from '../options.js';
import { fmtShape, type Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const normKernels = threaded('f32_layernorm_fwd', 'f32_layernorm_bwd');

/** (rows, cols) of x: the last axis is normalised, every other axis counts as rows. */
function rowsCols(op: string, x: Tensor): [number, number] {
  if (x.rank < 1) throw new RangeError(`wasmnn: ${op}: x must have at least one axis, got shape ${fmtShape(x.shape)}`);
  const cols = x.shape[x.rank - 1];
  if (cols === 0) throw new RangeError(`wasmnn: ${op}: x has shape ${fmtShape(x.shape)}: its last axis is empty; layer normalisation needs at least one value per row`);
  return [x.size / cols, cols];
}

export interface LayerNormOptions {
  /** Added to the variance (Keras default 1e-3). Must be > 0. */
  epsilon?: number;
}

const LAYER_NORM_OPTIONS = optionNames<LayerNormOptions>({ epsilon: true });
const LAYER_NORM_ALIASES = { eps: 'epsilon' };

/**
 * y = (x - mean) * rstd * gamma + beta over the last axis of x (biased variance, as Keras);
 * mean and rstd = 1 / sqrt(var + epsilon) (one per row) are written for the backward pass.
 * y may be x. gamma and beta have shape (cols,); mean and rstd have `rows` values.
 */
export function layerNorm(rt: Runtime, x: Tensor, gamma: Tensor, beta: Tensor, y: Tensor, mean: Tensor, rstd: Tensor, options: LayerNormOptions = {}): void {
  const op = 'layerNorm';
  checkOptions(op, options, LAYER_NORM_OPTIONS, LAYER_NORM_ALIASES);
  live(rt, 'x', x); live(rt, 'gamma', gamma); live(rt, 'beta', beta); live(rt, 'y', y); live(rt, 'mean', mean); live(rt, 'rstd', rstd);
  const [rows, cols] = rowsCols(op, x);
  expectShape(op, 'y', y, x.shape);
  expectShape(op, 'gamma', gamma, [cols]);
  expectShape(op, 'beta', beta, [cols]);
  if (mean.size !== rows) throw new RangeError(`wasmnn: ${op}: mean must hold ${rows} values (one per row of x ${fmtShape(x.shape)}), got shape ${fmtShape(mean.shape)}`);
  if (rstd.size !== rows) throw new RangeError(`wasmnn: ${op}: rstd must hold ${rows} values (one per row of x ${fmtShape(x.shape)}), got shape ${fmtShape(rstd.shape)}`);
  const eps = finiteScalar(op, 'epsilon', options.epsilon ?? 1e-3);
  if (!(Math.fround(eps) > 0)) throw new RangeError(`wasmnn: ${op}: epsilon must be > 0 (and not round to 0 in f32), got ${eps}`);
  // y may be x (each row is read whole before it is written); nothing else may share memory
  noOverlap(op, 'x', x, 'y', y);
  separate(op, [['y', y], ['mean', mean], ['rstd', rstd]], [['x', x], ['gamma', gamma], ['beta', beta]], ['y', 'x']);
  rt.run('f32_layernorm_fwd', x.size * 8, [x.ptr, gamma.ptr, beta.ptr, y.ptr, mean.ptr, rstd.ptr, rows, cols, eps]);
}

/**
 * Gradients of layerNorm: dx (shape of x, a buffer of its own) and dgamma, dbeta (cols,), which are
 * OVERWRITTEN with the sums over rows (add them into an accumulator yourself if needed).
 * mean and rstd are the forward's.
 */
export function layerNormBackward(rt: Runtime, x: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor, dy: Tensor, dx: Tensor, dgamma: Tensor, dbeta: Tensor): void {
  const op = 'layerNorm backward';
  live(rt, 'x', x); live(rt, 'gamma', gamma); live(rt, 'mean', mean); live(rt, 'rstd', rstd);
  live(rt, 'dy', dy); live(rt, 'dx', dx); live(rt, 'dgamma', dgamma); live(rt, 'dbeta', dbeta);
  const [rows, cols] = rowsCols(op, x);
  expectShape(op, 'dy', dy, x.shape);
  expectShape(op, 'dx', dx, x.shape);
  expectShape(op, 'gamma', gamma, [cols]);
  expectShape(op, 'dgamma', dgamma, [cols]);
  expectShape(op, 'dbeta', dbeta, [cols]);
  if (mean.size !== rows) throw new RangeError(`wasmnn: ${op}: mean must hold ${rows} values (one per row of x ${fmtShape(x.shape)}), got shape ${fmtShape(mean.shape)}`);
  if (rstd.size !== rows) throw new RangeError(`wasmnn: ${op}: rstd must hold ${rows} values (one per row of x ${fmtShape(x.shape)}), got shape ${fmtShape(rstd.shape)}`);
  // No output may share memory with anything: dgamma and dbeta read dy and x of every row
  // while other threads write dx, so even dx = dy would race.
  separate(op, [['dx', dx], ['dgamma', dgamma], ['dbeta', dbeta]],
    [['x', x], ['gamma', gamma], ['mean', mean], ['rstd', rstd], ['dy', dy]]);
  rt.run('f32_layernorm_bwd', x.size * 14, [x.ptr, gamma.ptr, mean.ptr, rstd.ptr, dy.ptr, dx.ptr, dgamma.ptr, dbeta.ptr, rows, cols]);
}

/**
 * No output shares a byte with another output or with an input, except the one (output, input)
 * pair in `alias` when they are exactly the same range.
 */
function separate(op: string, outs: [string, Tensor][], ins: [string, Tensor][], alias?: [string, string]): void {
  const all = [...outs, ...ins];
  outs.forEach(([a, ta], i) => {
    all.forEach(([b, tb], j) => {
      if (j <= i && j < outs.length) return;
      if (alias && a === alias[0] && b === alias[1] && ta.ptr === tb.ptr && ta.bytes === tb.bytes) return;
      if (ta.size && tb.size && ta.ptr < tb.ptr + tb.bytes && tb.ptr < ta.ptr + ta.bytes) {
        throw new RangeError(`wasmnn: ${op}: ${a} and ${b} share memory; ${a} must be a buffer of its own`);
      }
    });
  });
}
