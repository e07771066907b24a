// Host side of kernels/softmax_xent.ts: softmax and log-softmax over the last dimension, and the
// fused softmax-cross-entropy loss with integer labels or one-hot / soft targets.
// A tensor of shape (..., cols) is (rows, cols) with rows the product of the leading dimensions.
import { threaded } from './spec.js';
import { finiteScalar, live, noOverlap, sameShape } from './check.js';
import { checkOptions, optionNames } from '../options.js';
import { fmtShape, type Shape, type Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const softmaxXentKernels = threaded(
  'f32_softmax_fwd', 'f32_softmax_bwd',
  'f32_log_softmax_fwd', 'f32_log_softmax_bwd',
  'f32_softmax_xent_fwd', 'f32_softmax_xent_bwd',
  'f32_softmax_xent_onehot_fwd', 'f32_softmax_xent_onehot_bwd',
);

// rough cost per element in flops, for the thread decision (an exp is about 20)
const FWD_COST = 30;
const BWD_COST = 4;

interface Rows { rows: number; cols: number; lead: Shape }

function rowsOf(op: string, name: string, t: Tensor): Rows {
  if (t.rank < 1) throw new RangeError(`wasmnn: ${op}: ${name} must have at least one dimension (the classes), got a scalar`);
  const lead = t.shape.slice(0, -1);
  const cols = t.shape[t.rank - 1];
  let rows = 1;
  for (const d of lead) rows *= d;
  return { rows, cols, lead };
}

/** Two tensors that must not share a single byte (an output and an input it reads later). */
function disjoint(op: string, a: string, ta: Tensor, b: string, tb: Tensor): void {
  if (ta.size && tb.size && ta.ptr < tb.ptr + tb.bytes && tb.ptr < ta.ptr + ta.bytes) {
    throw new RangeError(`wasmnn: ${op}: ${a} and ${b} overlap in memory; give ${a} its own tensor`);
  }
}

/** A per-row tensor: shape = the leading dimensions of logits, or those and a trailing 1. */
function perRow(op: string, name: string, t: Tensor, r: Rows, logitsShape: Shape, what: string): void {
  const s = t.shape;
  const ok = (s.length === r.lead.length && s.every((d, i) => d === r.lead[i]))
    || (s.length === r.lead.length + 1 && s[s.length - 1] === 1 && r.lead.every((d, i) => d === s[i]));
  if (!ok) {
    throw new RangeError(`wasmnn: ${op}: ${name} must have shape ${fmtShape(r.lead)} (${what} per row of logits ${fmtShape(logitsShape)}), got ${fmtShape(s)}`);
  }
}

/** Position of flat index i in a tensor of shape s, as "[i, j, ...]". */
function position(s: Shape, i: number): string {
  if (s.length <= 1) return `[${i}]`;
  const idx: number[] = [];
  for (let d = s.length - 1; d >= 0; d--) { idx.unshift(i % s[d]); i = Math.floor(i / s[d]); }
  return `[${idx.join(', ')}]`;
}

function checkLabels(op: string, labels: Tensor, r: Rows): void {
  const v = labels.i32();
  for (let i = 0; i < r.rows; i++) {
    const c = v[i];
    if (c < 0 || c >= r.cols) {
      throw new RangeError(`wasmnn: ${op}: label ${c} at row ${i} (labels${position(labels.shape, i)}) is outside the class range [0, ${r.cols}); ` +
        `use class indices 0 to ${r.cols - 1}, or give the model at least ${Math.max(c + 1, r.cols + 1)} classes (units of the last layer)`);
    }
  }
}

/** y = softmax(x) over the last dimension. y has x's shape and may be x itself. */
export function softmax(rt: Runtime, x: Tensor, y: Tensor): void {
  live(rt, 'x', x); live(rt, 'y', y);
  sameShape('softmax', ['x', 'y'], [x, y]);
  const { rows, cols } = rowsOf('softmax', 'x', x);
  noOverlap('softmax', 'x', x, 'y', y);
  rt.run('f32_softmax_fwd', x.size * FWD_COST, [x.ptr, y.ptr, rows, cols]);
}

/** dx = y * (dy - sum(dy * y)) per row, y = softmax(x). dx may be y or dy. */
export function softmaxBackward(rt: Runtime, y: Tensor, dy: Tensor, dx: Tensor): void {
  live(rt, 'y', y); live(rt, 'dy', dy); live(rt, 'dx', dx);
  sameShape('softmax backward', ['y', 'dy', 'dx'], [y, dy, dx]);
  const { rows, cols } = rowsOf('softmax backward', 'y', y);
  noOverlap('softmax backward', 'dx', dx, 'y', y);
  noOverlap('softmax backward', 'dx', dx, 'dy', dy);
  rt.run('f32_softmax_bwd', y.size * BWD_COST, [y.ptr, dy.ptr, dx.ptr, rows, cols]);
}

/** y = log(softmax(x)) over the last dimension, computed stably. y may be x itself. */
export function logSoftmax(rt: Runtime, x: Tensor, y: Tensor): void {
  live(rt, 'x', x); live(rt, 'y', y);
  sameShape('logSoftmax', ['x', 'y'], [x, y]);
  const { rows, cols } = rowsOf('logSoftmax', 'x', x);
  noOverlap('logSoftmax', 'x', x, 'y', y);
  rt.run('f32_log_softmax_fwd', x.size * FWD_COST, [x.ptr, y.ptr, rows, cols]);
}

/** dx = dy - exp(y) * sum(dy) per row, y = logSoftmax(x). dx may be y or dy. */
export function logSoftmaxBackward(rt: Runtime, y: Tensor, dy: Tensor, dx: Tensor): void {
  live(rt, 'y', y); live(rt, 'dy', dy); live(rt, 'dx', dx);
  sameShape('logSoftmax backward', ['y', 'dy', 'dx'], [y, dy, dx]);
  const { rows, cols } = rowsOf('logSoftmax backward', 'y', y);
  noOverlap('logSoftmax backward', 'dx', dx, 'y', y);
  noOverlap('logSoftmax backward', 'dx', dx, 'dy', dy);
  rt.run('f32_log_softmax_bwd', y.size * FWD_COST, [y.ptr, dy.ptr, dx.ptr, rows, cols]);
}

export interface SoftmaxCrossEntropyOptions {
  /** Per-sample weights, one per row (shape of logits without its last dimension). Default 1. */
  weights?: Tensor;
  /** Receives softmax(logits), shape of logits; the backward reads it. */
  probs: Tensor;
  /** Receives the loss of each row: weight * -log softmax(logits)[label]. */
  loss: Tensor;
}

export interface SoftmaxCrossEntropyBackwardOptions {
  /** The weights given to the forward, if any. */
  weights?: Tensor;
  /** Receives the gradient of scale * sum(loss) with respect to the logits; may be probs. */
  dlogits: Tensor;
  /** Multiplies the gradient, e.g. 1 / rows for a mean loss. Default 1. */
  scale?: number;
}

const XENT_OPTIONS = optionNames<SoftmaxCrossEntropyOptions>({ weights: true, probs: true, loss: true });
const XENT_BACKWARD_OPTIONS = optionNames<SoftmaxCrossEntropyBackwardOptions>({ weights: true, dlogits: true, scale: true });
const XENT_ALIASES = { sampleWeights: 'weights', sampleWeight: 'weights', sample_weight: 'weights', grad: 'dlogits', dx: 'dlogits' };

/** f32 targets have the shape of logits; f32 of the labels' shape is a likely dtype mistake. */
function targetsShape(op: string, name: string, logits: Tensor, targets: Tensor, r: Rows): void {
  const s = targets.shape;
  if (s.length !== logits.rank || s.some((d, i) => d !== logits.shape[i])) {
    if (targets.size === r.rows && r.cols !== 1) {
      throw new TypeError(`wasmnn: ${op}: labels must be i32 class indices, got f32 of shape ${fmtShape(s)}; ` +
        `for one-hot or soft targets give f32 of the shape of ${name} ${fmtShape(logits.shape)}`);
    }
    sameShape(op, [name, 'targets'], [logits, targets]);
  }
}

function targetKind(rt: Runtime, target: Tensor): 'labels' | 'targets' {
  rt.checkTensor(target, 'labels or targets');
  if (target.dtype === 'i32') return 'labels';
  return 'targets';
}

/**
 * Fused softmax and cross-entropy over the last dimension of logits (..., classes).
 * `target` is either i32 class labels (one per row, shape of logits without its last dimension)
 * or f32 one-hot / soft targets of the shape of logits (loss = -sum t * log softmax).
 * Labels outside [0, classes) are refused before the kernel runs.
 */
export function softmaxCrossEntropy(rt: Runtime, logits: Tensor, target: Tensor, options: SoftmaxCrossEntropyOptions): void {
  const op = 'softmaxCrossEntropy';
  checkOptions(op, options, XENT_OPTIONS, XENT_ALIASES);
  const { weights, probs, loss } = options ?? ({} as SoftmaxCrossEntropyOptions);
  const kind = targetKind(rt, target);
  live(rt, 'logits', logits);
  live(rt, kind, target, kind === 'labels' ? 'i32' : 'f32');
  live(rt, 'probs', probs); live(rt, 'loss', loss);
  if (weights !== undefined) live(rt, 'weights', weights);
  const r = rowsOf(op, 'logits', logits);
  if (r.cols === 0 && r.rows > 0) {
    throw new RangeError(`wasmnn: ${op}: logits ${fmtShape(logits.shape)} have no classes (last dimension 0); the model needs at least one output unit`);
  }
  sameShape(op, ['logits', 'probs'], [logits, probs]);
  perRow(op, 'loss', loss, r, logits.shape, 'one loss');
  if (weights) perRow(op, 'weights', weights, r, logits.shape, 'one weight');
  const inputs: [string, Tensor][] = [['logits', logits], [kind, target]];
  if (weights) inputs.push(['weights', weights]);
  for (const [n, t] of inputs) { disjoint(op, 'probs', probs, n, t); disjoint(op, 'loss', loss, n, t); }
  disjoint(op, 'loss', loss, 'probs', probs);
  const w = weights ? weights.ptr : 0;
  if (kind === 'labels') {
    perRow(op, 'labels', target, r, logits.shape, 'one class index');
    checkLabels(op, target, r);
    rt.run('f32_softmax_xent_fwd', logits.size * FWD_COST, [logits.ptr, target.ptr, w, probs.ptr, loss.ptr, r.rows, r.cols]);
  } else {
    targetsShape(op, 'logits', logits, target, r);
    rt.run('f32_softmax_xent_onehot_fwd', logits.size * (FWD_COST + 4), [logits.ptr, target.ptr, w, probs.ptr, loss.ptr, r.rows, r.cols]);
  }
}

/**
 * Gradient of scale * sum(loss) with respect to the logits, from the forward's probs:
 * labels:  dlogits = scale * weight * (probs - onehot(label))
 * targets: dlogits = scale * weight * (probs * sum(targets) - targets)
 */
export function softmaxCrossEntropyBackward(rt: Runtime, probs: Tensor, target: Tensor, options: SoftmaxCrossEntropyBackwardOptions): void {
  const op = 'softmaxCrossEntropy backward';
  checkOptions(op, options, XENT_BACKWARD_OPTIONS, XENT_ALIASES);
  const { weights, dlogits, scale = 1 } = options ?? ({} as SoftmaxCrossEntropyBackwardOptions);
  const kind = targetKind(rt, target);
  live(rt, 'probs', probs);
  live(rt, kind, target, kind === 'labels' ? 'i32' : 'f32');
  live(rt, 'dlogits', dlogits);
  if (weights !== undefined) live(rt, 'weights', weights);
  finiteScalar(op, 'scale', scale);
  const r = rowsOf(op, 'probs', probs);
  if (r.cols === 0 && r.rows > 0) {
    throw new RangeError(`wasmnn: ${op}: probs ${fmtShape(probs.shape)} have no classes (last dimension 0); the model needs at least one output unit`);
  }
  sameShape(op, ['probs', 'dlogits'], [probs, dlogits]);
  if (weights) perRow(op, 'weights', weights, r, probs.shape, 'one weight');
  noOverlap(op, 'dlogits', dlogits, 'probs', probs);
  if (weights) disjoint(op, 'dlogits', dlogits, 'weights', weights);
  const w = weights ? weights.ptr : 0;
  if (kind === 'labels') {
    perRow(op, 'labels', target, r, probs.shape, 'one class index');
    disjoint(op, 'dlogits', dlogits, 'labels', target);
    checkLabels(op, target, r);
    rt.run('f32_softmax_xent_bwd', probs.size * BWD_COST, [probs.ptr, target.ptr, w, dlogits.ptr, r.rows, r.cols, scale]);
  } else {
    targetsShape(op, 'probs', probs, target, r);
    noOverlap(op, 'dlogits', dlogits, 'targets', target);
    rt.run('f32_softmax_xent_onehot_bwd', probs.size * BWD_COST, [probs.ptr, target.ptr, w, dlogits.ptr, r.rows, r.cols, scale]);
  }
}
