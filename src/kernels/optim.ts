// Host side of kernels/optim.ts: in-place optimizer updates over parameter tensors (or a whole
// flat slab at once) and global-norm gradient clipping. Formulas: tfjs-core 4.22 for Adam,
// RMSprop and Adagrad, Keras for SGD with momentum; see the kernel comments for the exact
// f32 operations. Defaults are Keras'.
//
// Every update can be restricted to some rows of a table (a RowSelection: p, g and the state
// are (vocab, dim) tables seen flat): each listed row gets exactly its dense update, the others
// are not touched. For plain SGD without weight decay and for Adagrad a zero gradient changes
// nothing, so updating only the rows with a gradient IS the dense update. For momentum, Adam,
// AdamW and RMSprop it is the "lazy" update (TensorFlow's LazyAdam, PyTorch's SparseAdam): the
// moments of rows without a gradient do not decay and their weights do not move that step.
import { threaded } from './spec.js';
import { finiteScalar, live } from './check.js';
import { checkOptions, optionNames } from '../options.js';
import { fmtShape, type Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const optimKernels = threaded(
  'f32_sgd_update', 'f32_adam_update', 'f32_rmsprop_update', 'f32_adagrad_update', 'f32_sumsq_partial', 'f32_scale_fwd',
  'f32_sgd_rows_update', 'f32_adam_rows_update', 'f32_rmsprop_rows_update', 'f32_adagrad_rows_update',
  'f32_sumsq_rows_partial', 'f32_scale_rows_fwd', 'f32_regularize_bwd', 'f32_fill_rows_fwd',
);

/** Elements per partial sum of f32_sumsq_partial (fixed: results do not depend on threads). */
export const SUMSQ_CHUNK = 4096;

// ---- checks ------------------------------------------------------------------------------------

function checkTensors(rt: Runtime, op: string, named: [string, Tensor | null | undefined][]): void {
  const [name0, t0] = named[0];
  live(rt, name0, t0!);
  for (const [name, t] of named.slice(1)) {
    if (!t) continue;
    live(rt, name, t);
    if (t.size !== t0!.size) {
      throw new RangeError(`wasmnn: ${op}: ${name} has ${t.size} values (shape ${fmtShape(t.shape)}) but ${name0} has ${t0!.size} (shape ${fmtShape(t0!.shape)}); they must match`);
    }
  }
  // every array is read and written in place: none may share memory with another
  const present = named.filter(([, t]) => t && t.size > 0) as [string, Tensor][];
  for (let i = 0; i < present.length; i++) {
    for (let j = i + 1; j < present.length; j++) {
      const [a, ta] = present[i], [b, tb] = present[j];
      if (ta.ptr < tb.ptr + tb.bytes && tb.ptr < ta.ptr + ta.bytes) {
        throw new RangeError(`wasmnn: ${op}: ${a} and ${b} share memory; each needs a buffer of its own`);
      }
    }
  }
}

/** Rows of a (vocab, dim) table, each listed once: restricts an update to those rows. */
export interface RowSelection {
  /** i32 (n,): distinct row indices in [0, vocab). */
  rows: Tensor;
  /** Values per row: the tables have vocab * dim values. */
  dim: number;
}

let rowSeen = new Uint8Array(0);

/** Checks a RowSelection against a table of `size` values; returns the row count. */
function checkRows(rt: Runtime, op: string, sel: RowSelection, size: number): number {
  live(rt, 'rows', sel.rows, 'i32');
  const dim = sel.dim;
  if (!Number.isInteger(dim) || dim < 1 || dim > 2 ** 31 - 1 || size % dim !== 0) {
    throw new RangeError(`wasmnn: ${op}: rows.dim must be a whole number >= 1 dividing the table's ${size} values (and at most 2^31 - 1, the kernel's 32-bit row length), got ${dim}`);
  }
  const vocab = size / dim;
  const r = sel.rows.i32();
  if (rowSeen.length < vocab) rowSeen = new Uint8Array(vocab);
  let bad = -1, why = '';
  for (let i = 0; i < r.length && bad < 0; i++) {
    const id = r[i];
    if (!(id >= 0 && id < vocab)) { bad = i; why = `is outside the table's rows [0, ${vocab})`; }
    else if (rowSeen[id]) { bad = i; why = 'is listed twice; list each row once'; }
    else rowSeen[id] = 1;
  }
  for (let i = 0; i < r.length; i++) if (r[i] >= 0 && r[i] < vocab) rowSeen[r[i]] = 0;
  if (bad >= 0) throw new RangeError(`wasmnn: ${op}: rows[${bad}] = ${r[bad]} ${why}`);
  return r.length;
}

function learningRate(op: string, lr: unknown): number {
  const v = finiteScalar(op, 'learningRate', lr as number);
  if (v < 0) throw new RangeError(`wasmnn: ${op}: learningRate must be >= 0, got ${v}`);
  return v;
}

/** A number in [lo, hi) (or [lo, hi] when closed). */
function inRange(op: string, name: string, v: unknown, lo: number, hi: number, closed = false): number {
  const x = finiteScalar(op, name, v as number);
  if (x < lo || (closed ? x > hi : x >= hi)) {
    throw new RangeError(`wasmnn: ${op}: ${name} must be in [${lo}, ${hi}${closed ? ']' : ')'}, got ${x}`);
  }
  return x;
}

function epsilon(op: string, v: unknown): number {
  const x = finiteScalar(op, 'epsilon', v as number);
  if (!(Math.fround(x) > 0)) throw new RangeError(`wasmnn: ${op}: epsilon must be > 0 (and not round to 0 in f32), got ${x}`);
  return x;
}

function weightDecayOf(op: string, v: unknown): number {
  const x = finiteScalar(op, 'weightDecay', v as number);
  if (x < 0) throw new RangeError(`wasmnn: ${op}: weightDecay must be >= 0, got ${x}`);
  return x;
}

/** Keras' and PyTorch's other names of the hyperparameters, for the suggestion on a typo. */
const OPTIM_ALIASES = { lr: 'learningRate', eps: 'epsilon', t: 'step', iterations: 'step' };

// ---- SGD ---------------------------------------------------------------------------------------

export interface SgdOptions {
  learningRate: number;
  /** In [0, 1]; 0 (default) is plain SGD and needs no velocity tensor. */
  momentum?: number;
  nesterov?: boolean;
  /** Weight decay, default 0: L2 (the gradient becomes g + weightDecay * p), or with decoupled
   *  Keras' (p -= lr * weightDecay * p first, then the update). */
  weightDecay?: number;
  /** true: decoupled weight decay, as Keras' optimizers apply weight_decay; false (default): L2. */
  decoupled?: boolean;
}

const SGD_OPTIONS = optionNames<SgdOptions>({ learningRate: true, momentum: true, nesterov: true, weightDecay: true, decoupled: true });

/**
 * Keras SGD, in place. momentum 0: p -= lr * g. Otherwise v = momentum * v - lr * g and
 * p += v (nesterov: p += momentum * v - lr * g); v (the velocity, zeros at first) is required then.
 */
export function sgdUpdate(rt: Runtime, p: Tensor, g: Tensor, v: Tensor | null, options: SgdOptions, rows?: RowSelection): void {
  const op = 'sgd';
  checkOptions(op, options, SGD_OPTIONS, OPTIM_ALIASES);
  const lr = learningRate(op, options?.learningRate);
  const momentum = inRange(op, 'momentum', options.momentum ?? 0, 0, 1, true);
  const wd = weightDecayOf(op, options.weightDecay ?? 0);
  if (momentum !== 0 && !v) throw new TypeError(`wasmnn: ${op}: momentum ${momentum} needs a velocity tensor v (zeros at first, the size of p)`);
  checkTensors(rt, op, [['p', p], ['g', g], ['v', momentum !== 0 ? v : null]]);
  const vp = momentum !== 0 ? v!.ptr : 0, hyper = [lr, momentum, options.nesterov ? 1 : 0, wd, options.decoupled ? 1 : 0];
  if (!rows) { rt.run('f32_sgd_update', p.size * 5, [p.ptr, g.ptr, vp, p.size, ...hyper]); return; }
  const n = checkRows(rt, op, rows, p.size);
  rt.run('f32_sgd_rows_update', n * rows.dim * 5, [p.ptr, g.ptr, vp, rows.rows.ptr, n, rows.dim, ...hyper]);
}

// ---- Adam / AdamW ------------------------------------------------------------------------------

export interface AdamOptions {
  learningRate: number;
  /** Default 0.9, in [0, 1). */
  beta1?: number;
  /** Default 0.999, in [0, 1). */
  beta2?: number;
  /** Default 1e-7 (Keras and tfjs), added to sqrt of the bias-corrected second moment. */
  epsilon?: number;
  /** 1-based count of updates so far, this one included. */
  step: number;
  /** Default 0. */
  weightDecay?: number;
  /** true: AdamW, p -= lr * weightDecay * p before the update; false (default): L2 on the gradient. */
  decoupled?: boolean;
  /**
   * Bias corrections 1 - beta1^step and 1 - beta2^step, if the caller keeps them itself (tfjs keeps
   * beta^step as an f32 running product; pass its values for bit-exact parity). Default: from step.
   */
  biasCorrection1?: number;
  biasCorrection2?: number;
}

const ADAM_OPTIONS = optionNames<AdamOptions>({
  learningRate: true, beta1: true, beta2: true, epsilon: true, step: true, weightDecay: true, decoupled: true, biasCorrection1: true, biasCorrection2: true,
});

/** 1 - beta^step in f64 (rounded to f32 by the kernel call). */
export function biasCorrection(beta: number, step: number): number {
  return 1 - Math.pow(beta, step);
}

/**
 * tfjs-core Adam, in place: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps). m and v start at zeros.
 */
export function adamUpdate(rt: Runtime, p: Tensor, g: Tensor, m: Tensor, v: Tensor, options: AdamOptions, rows?: RowSelection): void {
  const op = 'adam';
  checkOptions(op, options, ADAM_OPTIONS, OPTIM_ALIASES);
  const lr = learningRate(op, options?.learningRate);
  const b1 = inRange(op, 'beta1', options.beta1 ?? 0.9, 0, 1);
  const b2 = inRange(op, 'beta2', options.beta2 ?? 0.999, 0, 1);
  const eps = epsilon(op, options.epsilon ?? 1e-7);
  const wd = weightDecayOf(op, options.weightDecay ?? 0);
  const step = options.step;
  if (!Number.isSafeInteger(step) || step < 1) throw new RangeError(`wasmnn: ${op}: step must be a whole number >= 1 (the 1-based update count), got ${step}`);
  const bc1 = options.biasCorrection1 ?? biasCorrection(b1, step);
  const bc2 = options.biasCorrection2 ?? biasCorrection(b2, step);
  for (const [name, bc] of [['biasCorrection1', bc1], ['biasCorrection2', bc2]] as const) {
    const x = finiteScalar(op, name, bc);
    if (!(Math.fround(x) > 0 && x <= 1)) throw new RangeError(`wasmnn: ${op}: ${name} must be in (0, 1] (1 - beta^step), got ${x}`);
  }
  checkTensors(rt, op, [['p', p], ['g', g], ['m', m], ['v', v]]);
  const hyper = [lr, b1, 1 - b1, b2, 1 - b2, eps, bc1, bc2, wd, options.decoupled ? 1 : 0];
  if (!rows) { rt.run('f32_adam_update', p.size * 14, [p.ptr, g.ptr, m.ptr, v.ptr, p.size, ...hyper]); return; }
  const n = checkRows(rt, op, rows, p.size);
  rt.run('f32_adam_rows_update', n * rows.dim * 14, [p.ptr, g.ptr, m.ptr, v.ptr, rows.rows.ptr, n, rows.dim, ...hyper]);
}

// ---- RMSprop -----------------------------------------------------------------------------------

export interface RmspropOptions {
  learningRate: number;
  /** Decay of the mean square, default 0.9, in [0, 1). */
  rho?: number;
  /** Default 0, in [0, 1]. Non-zero needs the mom tensor. */
  momentum?: number;
  /** Default 1e-7, inside the sqrt (as TensorFlow, Keras and tfjs). */
  epsilon?: number;
  /** Divide by the variance estimate ms - mg^2 instead of ms; needs the mg tensor. */
  centered?: boolean;
}

const RMSPROP_OPTIONS = optionNames<RmspropOptions>({ learningRate: true, rho: true, momentum: true, epsilon: true, centered: true });

/**
 * RMSprop as tfjs-core (centered as TensorFlow: tfjs-core 4.22 subtracts eps there), in place.
 * ms, mom and mg start at zeros; mom is used only when momentum != 0, mg only when centered.
 */
export function rmspropUpdate(rt: Runtime, p: Tensor, g: Tensor, ms: Tensor, mom: Tensor | null, mg: Tensor | null, options: RmspropOptions, rows?: RowSelection): void {
  const op = 'rmsprop';
  checkOptions(op, options, RMSPROP_OPTIONS, OPTIM_ALIASES);
  const lr = learningRate(op, options?.learningRate);
  const rho = inRange(op, 'rho', options.rho ?? 0.9, 0, 1);
  const momentum = inRange(op, 'momentum', options.momentum ?? 0, 0, 1, true);
  const eps = epsilon(op, options.epsilon ?? 1e-7);
  const centered = !!options.centered;
  if (momentum !== 0 && !mom) throw new TypeError(`wasmnn: ${op}: momentum ${momentum} needs a mom tensor (zeros at first, the size of p)`);
  if (centered && !mg) throw new TypeError(`wasmnn: ${op}: centered needs an mg tensor (zeros at first, the size of p)`);
  checkTensors(rt, op, [['p', p], ['g', g], ['ms', ms], ['mom', momentum !== 0 ? mom : null], ['mg', centered ? mg : null]]);
  const momp = momentum !== 0 ? mom!.ptr : 0, mgp = centered ? mg!.ptr : 0;
  if (!rows) {
    rt.run('f32_rmsprop_update', p.size * 12, [p.ptr, g.ptr, ms.ptr, momp, p.size, lr, rho, 1 - rho, eps, momentum, centered ? 1 : 0, mgp]);
    return;
  }
  const n = checkRows(rt, op, rows, p.size);
  rt.run('f32_rmsprop_rows_update', n * rows.dim * 12, [p.ptr, g.ptr, ms.ptr, momp, rows.rows.ptr, n, rows.dim, lr, rho, 1 - rho, eps, momentum, centered ? 1 : 0, mgp]);
}

// ---- Adagrad -----------------------------------------------------------------------------------

export interface AdagradOptions {
  learningRate: number;
  /** Default 1e-7 (tfjs uses the backend epsilon, 1e-7 in f32). */
  epsilon?: number;
}

const ADAGRAD_OPTIONS = optionNames<AdagradOptions>({ learningRate: true, epsilon: true });

/** tfjs-core Adagrad, in place: acc += g^2; p -= lr * g / sqrt(acc + eps). acc starts at the initial value (tfjs 0.1). */
export function adagradUpdate(rt: Runtime, p: Tensor, g: Tensor, acc: Tensor, options: AdagradOptions, rows?: RowSelection): void {
  const op = 'adagrad';
  checkOptions(op, options, ADAGRAD_OPTIONS, OPTIM_ALIASES);
  const lr = learningRate(op, options?.learningRate);
  const eps = epsilon(op, options.epsilon ?? 1e-7);
  checkTensors(rt, op, [['p', p], ['g', g], ['acc', acc]]);
  if (!rows) { rt.run('f32_adagrad_update', p.size * 6, [p.ptr, g.ptr, acc.ptr, p.size, lr, eps]); return; }
  const n = checkRows(rt, op, rows, p.size);
  rt.run('f32_adagrad_rows_update', n * rows.dim * 6, [p.ptr, g.ptr, acc.ptr, rows.rows.ptr, n, rows.dim, lr, eps]);
}

// ---- global-norm clipping ----------------------------------------------------------------------

/** Some rows of a table gradient (the rest of it is zero): global-norm clipping reads and scales only those. */
export interface TableRows extends RowSelection {
  /** The (vocab * dim values) gradient table. */
  table: Tensor;
}

function checkList(rt: Runtime, op: string, tensors: readonly Tensor[], sparse: readonly TableRows[] = []): void {
  if (!Array.isArray(tensors)) throw new TypeError(`wasmnn: ${op}: tensors must be an array of f32 tensors`);
  if (!Array.isArray(sparse)) throw new TypeError(`wasmnn: ${op}: sparse must be an array of { table, rows, dim }`);
  tensors.forEach((t, i) => live(rt, `tensors[${i}]`, t));
  sparse.forEach((s, i) => { live(rt, `sparse[${i}].table`, s.table); checkRows(rt, op, s, s.table.size); });
  tensors = [...tensors, ...sparse.map((s) => s.table)];
  const order = tensors.map((t, i) => [t, i] as const).filter(([t]) => t.size > 0).sort((a, b) => a[0].ptr - b[0].ptr);
  for (let k = 1; k < order.length; k++) {
    const [a, i] = order[k - 1], [b, j] = order[k];
    if (b.ptr < a.ptr + a.bytes) {
      throw new RangeError(`wasmnn: ${op}: tensors[${i}] and tensors[${j}] share memory; list each gradient once`);
    }
  }
}

/**
 * sqrt of the sum of squares of every element of every tensor, and of the listed rows of each
 * sparse table (whose other rows are zero). Partial sums of 4096 elements (per row for the
 * tables; f64 inside, rounded to f32) are added in order in f64, so the result does not depend
 * on the thread count. Scratch comes from the step arena.
 */
export function globalNorm(rt: Runtime, tensors: readonly Tensor[], sparse: readonly TableRows[] = []): number {
  checkList(rt, 'globalNorm', tensors, sparse);
  return Math.sqrt(sumSquares(rt, tensors, sparse));
}

function sumSquares(rt: Runtime, tensors: readonly Tensor[], sparse: readonly TableRows[]): number {
  const counts = [...tensors.map((t) => Math.ceil(t.size / SUMSQ_CHUNK)), ...sparse.map((s) => s.rows.size)];
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  // partials live across several kernel calls: released on return outside a step
  return rt.scratchScope(() => sumPartials(rt, tensors, sparse, counts, total));
}

function sumPartials(rt: Runtime, tensors: readonly Tensor[], sparse: readonly TableRows[], counts: number[], total: number): number {
  const partials = rt.temp([total]);
  let at = 0;
  tensors.forEach((t, i) => {
    if (t.size > 0) rt.run('f32_sumsq_partial', t.size * 2, [t.ptr, t.size, partials.ptr + at * 4]);
    at += counts[i];
  });
  for (const s of sparse) {
    const n = s.rows.size;
    if (n > 0) rt.run('f32_sumsq_rows_partial', n * s.dim * 2, [s.table.ptr, s.rows.ptr, n, s.dim, partials.ptr + at * 4]);
    at += n;
  }
  const values = partials.f32();
  let sum = 0;
  for (let i = 0; i < total; i++) sum += values[i];
  return sum;
}

/**
 * Scales every tensor (and the listed rows of each sparse table) in place by clipNorm / norm
 * when the global norm (see globalNorm) exceeds clipNorm (as tf.clip_by_global_norm) and
 * returns the norm before clipping. A norm that is not finite
 * (an inf or NaN gradient) leaves the tensors untouched: check the result and skip the step.
 */
export function clipByGlobalNorm(rt: Runtime, tensors: readonly Tensor[], clipNorm: number, sparse: readonly TableRows[] = []): number {
  const op = 'clipByGlobalNorm';
  const c = finiteScalar(op, 'clipNorm', clipNorm);
  if (!(c > 0)) throw new RangeError(`wasmnn: ${op}: clipNorm must be > 0, got ${c}`);
  checkList(rt, op, tensors, sparse);
  const norm = Math.sqrt(sumSquares(rt, tensors, sparse));
  if (Number.isFinite(norm) && norm > c) {
    const s = c / norm;
    for (const t of tensors) if (t.size > 0) rt.run('f32_scale_fwd', t.size, [t.ptr, t.size, s]);
    for (const r of sparse) if (r.rows.size > 0) rt.run('f32_scale_rows_fwd', r.rows.size * r.dim, [r.table.ptr, r.rows.ptr, r.rows.size, r.dim, s]);
  }
  return norm;
}

/** Sets every value of the listed rows of table (vocab * dim values) to `value` (a row-sparse gradient's stale rows to 0). */
export function fillRows(rt: Runtime, table: Tensor, sel: RowSelection, value: number): void {
  const op = 'fillRows';
  live(rt, 'table', table);
  const n = checkRows(rt, op, sel, table.size);
  finiteScalar(op, 'value', value);
  if (n > 0) rt.run('f32_fill_rows_fwd', n * sel.dim, [table.ptr, sel.rows.ptr, n, sel.dim, value]);
}

/** x *= s in place. */
export function scaleInPlace(rt: Runtime, x: Tensor, s: number): void {
  live(rt, 'x', x);
  finiteScalar('scale', 's', s);
  rt.run('f32_scale_fwd', x.size, [x.ptr, x.size, s]);
}

// ---- weight regularization ---------------------------------------------------------------------

/**
 * Keras' L1L2 penalty of a weight w: returns l1 * sum(|w|) + l2 * sum(w^2) and, when g is given
 * (w's gradient, the same size), adds its gradient in place: g += l1 * sign(w) + 2 * l2 * w
 * (sign(0) = 0). The sums come in partials of 4096 elements (f64 inside, rounded to f32) added in
 * order in f64, so the penalty and g are the same at any thread count. l1 and l2 are finite and
 * >= 0 (the layers check them: src/regularizers.ts).
 */
export function regularize(rt: Runtime, w: Tensor, g: Tensor | null, l1: number, l2: number): number {
  const op = 'regularize';
  const a = finiteScalar(op, 'l1', l1), b = finiteScalar(op, 'l2', l2);
  if (a < 0 || b < 0) throw new RangeError(`wasmnn: ${op}: l1 and l2 must be >= 0, got ${a} and ${b}`);
  checkTensors(rt, op, [['w', w], ['g', g]]);
  const n = w.size;
  if (n === 0) return 0;
  const chunks = Math.ceil(n / SUMSQ_CHUNK);
  return rt.scratchScope(() => {
    const partials = rt.temp([2 * chunks]);
    rt.run('f32_regularize_bwd', n * 6, [w.ptr, g ? g.ptr : 0, n, a, Math.fround(b) * 2, partials.ptr]);
    const v = partials.f32();
    let sumAbs = 0, sumSq = 0;
    for (let k = 0; k < chunks; k++) { sumAbs += v[2 * k]; sumSq += v[2 * k + 1]; }
    return a * sumAbs + b * sumSq;
  });
}
