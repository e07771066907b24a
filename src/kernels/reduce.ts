// Host side of kernels/reduce.ts: sum, mean, max and argmax over one axis, with gradients.
import { threaded } from './spec.js';
import { expectShape, live } from './check.js';
import { fmtShape, type Shape, type Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const REDUCE_OPS = ['sum', 'mean', 'max'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

export const reduceKernels = threaded(
  'f32_sum_fwd', 'f32_sum_bwd',
  'f32_mean_fwd', 'f32_mean_bwd',
  'f32_max_fwd', 'f32_max_bwd',
  'f32_argmax_fwd',
);

export interface ReducePlan {
  rows: number;
  cols: number;
  /** The kernels' axis: 1 reduces each row, 0 each column. */
  axis: 0 | 1;
  /** Length of the output. */
  outLen: number;
  /** Length of the reduced axis. */
  count: number;
  /** Shapes the output may have. */
  outShapes: Shape[];
}

const same = (s: Shape, t: Shape) => s.length === t.length && s.every((d, i) => d === t[i]);

function checkOp(op: string): ReduceOp {
  if (!(REDUCE_OPS as readonly string[]).includes(op)) {
    throw new RangeError(`wasmnn: unknown reduction '${op}'; expected one of ${REDUCE_OPS.join(', ')} (argmax has its own function)`);
  }
  return op as ReduceOp;
}

function apart(op: string, a: string, ta: Tensor, b: string, tb: Tensor): void {
  if (ta.size && tb.size && ta.ptr < tb.ptr + tb.bytes && tb.ptr < ta.ptr + ta.bytes) {
    throw new RangeError(`wasmnn: ${op}: ${a} and ${b} overlap in memory; give ${a} its own tensor`);
  }
}

/**
 * The reduction of x (rows, cols) over `axis` (0: down each column, 1 or -1: along each row), or of
 * a 1-D x (n) over axis 0 or -1 (all of it). The output is (rows) or (rows, 1) for axis 1, (cols)
 * or (1, cols) for axis 0, (1) or () for a 1-D x.
 */
export function reducePlan(op: string, x: Tensor, axis: number, name = 'x'): ReducePlan {
  if (x.rank !== 1 && x.rank !== 2) {
    throw new RangeError(`wasmnn: ${op}: ${name} must be 2-D (rows, cols) or 1-D, got shape ${fmtShape(x.shape)}; reshape it to (rows, cols)`);
  }
  if (!Number.isInteger(axis) || axis < -x.rank || axis >= x.rank) {
    const choices = x.rank === 2 ? '0 (down the columns) or 1 / -1 (along the rows)' : '0 or -1';
    throw new RangeError(`wasmnn: ${op}: axis ${axis} is out of range for ${name} of shape ${fmtShape(x.shape)}; use ${choices}`);
  }
  if (x.rank === 1) {
    const n = x.shape[0];
    return { rows: 1, cols: n, axis: 1, outLen: 1, count: n, outShapes: [[1], []] };
  }
  const [rows, cols] = x.shape;
  const ax = axis < 0 ? axis + 2 : axis;
  return ax === 1
    ? { rows, cols, axis: 1, outLen: rows, count: cols, outShapes: [[rows], [rows, 1]] }
    : { rows, cols, axis: 0, outLen: cols, count: rows, outShapes: [[cols], [1, cols]] };
}

function checkOut(op: string, name: string, t: Tensor, x: Tensor, p: ReducePlan, axis: number, xname = 'x'): void {
  if (!p.outShapes.some((s) => same(s, t.shape))) {
    throw new RangeError(
      `wasmnn: ${op}: ${name} has shape ${fmtShape(t.shape)} but reducing ${xname} ${fmtShape(x.shape)} over axis ${axis} gives ` +
        `${p.outShapes.map(fmtShape).join(' or ')}; allocate ${name} with one of those shapes`,
    );
  }
}

function checkNotEmpty(op: string, x: Tensor, p: ReducePlan, axis: number): void {
  if (p.count === 0 && p.outLen > 0) {
    throw new RangeError(`wasmnn: ${op}: axis ${axis} of x ${fmtShape(x.shape)} is empty, and ${op} of nothing is undefined; reduce a non-empty axis`);
  }
}

/**
 * y = op(x) over `axis` (see reducePlan for the shapes). sum of an empty axis is 0; mean and max
 * refuse one. max is NaN where a NaN is present.
 */
export function reduce(rt: Runtime, op: ReduceOp, x: Tensor, y: Tensor, axis: number): void {
  checkOp(op);
  live(rt, 'x', x); live(rt, 'y', y);
  const p = reducePlan(op, x, axis);
  checkOut(op, 'y', y, x, p, axis);
  if (op !== 'sum') checkNotEmpty(op, x, p, axis);
  apart(op, 'y', y, 'x', x);
  rt.run(`f32_${op}_fwd`, p.rows * p.cols, [x.ptr, y.ptr, p.rows, p.cols, p.axis]);
}

/**
 * y (i32) = the index of the maximum over `axis`: the first maximum (-0 and +0 count as equal), or
 * the first NaN if there is one, so argmax points at what max returns. Refuses an empty axis.
 */
export function argmax(rt: Runtime, x: Tensor, y: Tensor, axis: number): void {
  live(rt, 'x', x); live(rt, 'y', y, 'i32');
  const p = reducePlan('argmax', x, axis);
  checkOut('argmax', 'y', y, x, p, axis);
  checkNotEmpty('argmax', x, p, axis);
  apart('argmax', 'y', y, 'x', x);
  rt.run('f32_argmax_fwd', p.rows * p.cols * 2, [x.ptr, y.ptr, p.rows, p.cols, p.axis]);
}

/**
 * dx from dy for y = op(x) over `axis`: sum broadcasts dy back, mean also divides by the count,
 * max routes dy to the first position of x equal to y (0 elsewhere). dx has x's shape, dy y's.
 * x and y are the forward's input and output; only max reads them (sum and mean take null).
 * dx must not overlap dy, x or y.
 */
export function reduceBackward(rt: Runtime, op: ReduceOp, x: Tensor | null, y: Tensor | null, dy: Tensor, dx: Tensor, axis: number): void {
  checkOp(op);
  const name = `${op} backward`;
  live(rt, 'dy', dy); live(rt, 'dx', dx);
  if (x) live(rt, 'x', x);
  if (y) live(rt, 'y', y);
  const p = reducePlan(name, dx, axis, 'dx');
  checkOut(name, 'dy', dy, dx, p, axis, 'dx');
  if (x) expectShape(name, 'x', x, dx.shape);
  if (y) checkOut(name, 'y', y, dx, p, axis, 'dx');
  apart(name, 'dx', dx, 'dy', dy);
  if (x) apart(name, 'dx', dx, 'x', x);
  if (y) apart(name, 'dx', dx, 'y', y);
  if (op === 'max') {
    if (!x || !y) throw new TypeError(`wasmnn: ${name}: needs the forward's x and y to find the maxima; pass them instead of null`);
    rt.run('f32_max_bwd', p.rows * p.cols * 2, [x.ptr, y.ptr, dy.ptr, dx.ptr, p.rows, p.cols, p.axis]);
    return;
  }
  rt.run(`f32_${op}_bwd`, p.rows * p.cols, [dy.ptr, dx.ptr, p.rows, p.cols, p.axis]);
}
