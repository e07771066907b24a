// Losses. Cross-entropy after a softmax output runs fused with it (the model asks its last layer
// for logits), as modern Keras does: stable for any logits. The other losses work on the (batch,
// outputs) output in JavaScript: a few hundred values, not worth a kernel.
import type { Graph, Node } from './autograd.js';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from './kernels/softmax_xent.js';
import type { Tensor } from './tensor.js';
import { checkBool, checkOptions, describe, optionNames } from './options.js';

export const LOSSES = ['sparseCategoricalCrossentropy', 'categoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError'] as const;
export type LossName = (typeof LOSSES)[number];
export interface LossConfig { name: LossName; fromLogits?: boolean }

/** Keras' clip for probabilities inside log. */
export const EPSILON = 1e-7;

const LOSS_OPTIONS = optionNames<LossConfig>({ name: true, fromLogits: true });
const LOSS_ALIASES: Readonly<Record<string, LossName>> = { mse: 'meanSquaredError', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy', categorical_crossentropy: 'categoricalCrossentropy', binary_crossentropy: 'binaryCrossentropy', mean_squared_error: 'meanSquaredError' };
const LOSS_HELP = `${LOSSES.join(', ')} (or mse), or { name, fromLogits }`;

/**
 * The loss compile() was given, checked: a name, or { name, fromLogits } with only those keys
 * (the model file's loader refuses the same keys) and a boolean fromLogits. An unknown key such
 * as from_logits would otherwise be dropped, and the model trained silently on the wrong loss.
 */
export function lossFrom(l: LossName | LossConfig | undefined): LossConfig {
  const v: unknown = l;
  let c: { name?: unknown; fromLogits?: unknown };
  if (typeof v === 'string') c = { name: v };
  else if (v !== null && typeof v === 'object' && !Array.isArray(v)) c = checkOptions('loss', v as LossConfig, LOSS_OPTIONS);
  else throw new TypeError(`wasmnn: compile needs a loss: pass loss: one of ${LOSS_HELP}; got ${describe(v)}`);
  if (c.name === undefined) throw new TypeError(`wasmnn: compile needs a loss: the loss object has no name; give { name, fromLogits } a name, one of ${LOSSES.join(', ')}`);
  const name = typeof c.name === 'string' && Object.hasOwn(LOSS_ALIASES, c.name) ? LOSS_ALIASES[c.name] : c.name;
  if (typeof name !== 'string' || !(LOSSES as readonly string[]).includes(name)) {
    throw new RangeError(`wasmnn: unknown loss ${typeof c.name === 'string' ? `'${c.name.slice(0, 60)}'` : describe(c.name)}; expected one of ${LOSSES.join(', ')}`);
  }
  return { name: name as LossName, fromLogits: checkBool('loss', 'fromLogits', c.fromLogits, false) };
}

/** "(4, 3, 2)" */
const fmt = (shape: readonly number[]) => `(${shape.join(', ')})`;

/** The link the loss can fuse with: the output activation whose pre-activation it takes as logits. */
export function fusedLink(loss: LossConfig): 'softmax' | 'sigmoid' | null {
  if (loss.name === 'sparseCategoricalCrossentropy' || loss.name === 'categoricalCrossentropy') return 'softmax';
  if (loss.name === 'binaryCrossentropy') return 'sigmoid';
  return null;
}

export interface LossResult {
  /** Weighted mean loss over the batch (Keras' sum_over_batch_size). */
  loss: number;
  /** The model's output as probabilities (B, C) (softmax/sigmoid applied when it ran fused), for metrics. */
  probs: Float32Array;
}

/**
 * Computes the loss of output y against targets (i32 labels for the sparse loss, f32 otherwise),
 * records nothing: when g is training, seeds y's gradient and runs backward. `logits` tells that
 * y holds pre-activations of the loss's link (fused), or the loss was declared fromLogits.
 */
export function lossAndBackward(g: Graph, y: Node, target: Tensor, weights: Tensor | null, loss: LossConfig, logits: boolean): LossResult {
  const rt = g.rt;
  const out = y.value;
  const cols = out.shape[out.shape.length - 1];
  const rows = out.size / cols;
  const w = weights ? weights.f32() : null;
  const wsum = rows;   // Keras divides the weighted sum by the batch size
  // the loops below index the targets by the output's positions: targets of another shape would
  // be read misaligned (or past their end) without a word. The model checks the shapes it can
  // before training; this catches the rest (a time axis the output's length depends on).
  if (loss.name === 'sparseCategoricalCrossentropy') {
    if (target.size !== rows) throw new RangeError(`wasmnn: ${loss.name}: the targets have shape ${fmt(target.shape)} but the model's output has shape ${fmt(out.shape)}; sparse targets hold one class index per output row, shape ${fmt(out.shape.slice(0, -1))}`);
  } else if (target.shape.length !== out.shape.length || target.shape.some((d, i) => d !== out.shape[i])) {
    throw new RangeError(`wasmnn: ${loss.name}: the targets have shape ${fmt(target.shape)} but the model's output has shape ${fmt(out.shape)}; they must have the same shape`);
  }
  if ((loss.name === 'sparseCategoricalCrossentropy' || loss.name === 'categoricalCrossentropy') && logits) {
    const probs = rt.temp(out.shape), perRow = rt.temp(out.shape.slice(0, -1));
    softmaxCrossEntropy(rt, out, target, { probs, loss: perRow, weights: weights ?? undefined });
    const l = perRow.f32();
    let s = 0;
    for (let i = 0; i < rows; i++) s += l[i];
    if (g.training) g.backward(y, (dst) => softmaxCrossEntropyBackward(rt, probs, target, { dlogits: dst, weights: weights ?? undefined, scale: 1 / wsum }));
    return { loss: s / wsum, probs: probs.f32().slice() };
  }
  const o = out.f32();
  const grad = new Float32Array(out.size);
  const probs = new Float32Array(out.size);
  let s = 0;
  if (loss.name === 'sparseCategoricalCrossentropy' || loss.name === 'categoricalCrossentropy') {
    // probabilities in, clipped as Keras does
    const lab = loss.name === 'sparseCategoricalCrossentropy' ? target.i32() : null;
    const t = lab ? null : target.f32();
    for (let r = 0; r < rows; r++) {
      const wr = w ? w[r] : 1;
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        probs[i] = o[i];
        const ti = lab ? (lab[r] === c ? 1 : 0) : t![i];
        if (ti === 0) continue;
        const p = Math.min(Math.max(o[i], EPSILON), 1 - EPSILON);
        s += -wr * ti * Math.log(p);
        if (o[i] > EPSILON && o[i] < 1 - EPSILON) grad[i] = (-wr * ti) / p / wsum;
      }
    }
  } else if (loss.name === 'binaryCrossentropy') {
    const t = target.f32();
    for (let r = 0; r < rows; r++) {
      const wr = w ? w[r] : 1;
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c, ti = t[i], z = o[i];
        if (logits) {
          // stable: max(z, 0) - z t + log(1 + e^-|z|); d/dz = sigmoid(z) - t
          const sig = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
          probs[i] = sig;
          s += wr * (Math.max(z, 0) - z * ti + Math.log1p(Math.exp(-Math.abs(z))));
          grad[i] = (wr * (sig - ti)) / cols / wsum;
        } else {
          probs[i] = z;
          const p = Math.min(Math.max(z, EPSILON), 1 - EPSILON);
          s += -wr * (ti * Math.log(p) + (1 - ti) * Math.log(1 - p));
          if (z > EPSILON && z < 1 - EPSILON) grad[i] = (wr * (-(ti / p) + (1 - ti) / (1 - p))) / cols / wsum;
        }
      }
    }
    s /= cols;
  } else {
    const t = target.f32();
    for (let r = 0; r < rows; r++) {
      const wr = w ? w[r] : 1;
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c, d = o[i] - t[i];
        probs[i] = o[i];
        s += wr * d * d;
        grad[i] = (2 * wr * d) / cols / wsum;
      }
    }
    s /= cols;
  }
  if (g.training) g.backward(y, (dst) => dst.set(grad));
  return { loss: s / wsum, probs };
}
