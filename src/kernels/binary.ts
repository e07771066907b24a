// Host side of kernels/binary.ts: broadcast add, sub, mul, div and their gradients.
import { threaded } from './spec.js';
import { live, noOverlap, sameShape } from './check.js';
import { fmtShape, type Shape, type Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const BINARY_OPS = ['add', 'sub', 'mul', 'div'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export const binaryKernels = threaded(...BINARY_OPS.flatMap((op) => [`f32_${op}_fwd`, `f32_${op}_bwd`]));

/**
 * How b meets a (rows, cols), as the kernels' `bcast` argument:
 * 0 b is (rows, cols), elementwise; 1 b is (cols): one value per column; 2 b is (rows): one value
 * per row; 3 b is a scalar.
 */
export type BroadcastMode = 0 | 1 | 2 | 3;

export interface BinaryPlan { rows: number; cols: number; bcast: BroadcastMode }

// rough cost per element in flops, for the thread decision
const COST: Record<BinaryOp, number> = { add: 1, sub: 1, mul: 1, div: 4 };

const same = (s: Shape, t: Shape) => s.length === t.length && s.every((d, i) => d === t[i]);

function checkOp(op: string): BinaryOp {
  if (!(BINARY_OPS as readonly string[]).includes(op)) {
    throw new RangeError(`wasmnn: unknown binary op '${op}'; expected one of ${BINARY_OPS.join(', ')}`);
  }
  return op as BinaryOp;
}

/** Refuses any overlap of two tensors, identical ranges included. */
function apart(op: string, a: string, ta: Tensor, b: string, tb: Tensor): void {
  if (ta.size && tb.size && ta.ptr < tb.ptr + tb.bytes && tb.ptr < ta.ptr + ta.bytes) {
    throw new RangeError(`wasmnn: ${op}: ${a} and ${b} overlap in memory; give ${a} its own tensor`);
  }
}

/**
 * The broadcast of b against a, a being (rows, cols) or (n) read as (1, n). b may be a's shape;
 * (cols) or (1, cols); (rows, 1); (1) or (1, 1). Cases without a sum in the gradient (one row, one
 * column, one element) become elementwise.
 */
export function binaryPlan(op: string, a: Tensor, b: Tensor): BinaryPlan {
  if (a.rank !== 1 && a.rank !== 2) {
    throw new RangeError(`wasmnn: ${op}: a must be 2-D (rows, cols) or 1-D, got shape ${fmtShape(a.shape)}; reshape it to (rows, cols)`);
  }
  const rows = a.rank === 2 ? a.shape[0] : 1;
  const cols = a.rank === 2 ? a.shape[1] : a.shape[0];
  const bs = b.shape;
  let bcast: BroadcastMode;
  if (same(bs, a.shape)) bcast = 0;
  else if (same(bs, [1]) || same(bs, [1, 1])) bcast = 3;
  else if (same(bs, [cols]) || same(bs, [1, cols])) bcast = 1;
  else if (a.rank === 2 && same(bs, [rows, 1])) bcast = 2;
  else {
    const options = [fmtShape(a.shape), fmtShape([cols]), fmtShape([1, cols])];
    if (a.rank === 2) options.push(fmtShape([rows, 1]));
    options.push('(1,)', '(1, 1)');
    throw new RangeError(
      `wasmnn: ${op}: b has shape ${fmtShape(bs)}, which does not broadcast against a ${fmtShape(a.shape)}; ` +
        `b must be one of ${[...new Set(options)].join(', ')} (same shape, one value per column, one value per row, or a scalar)`,
    );
  }
  if ((bcast === 1 && rows === 1) || (bcast === 2 && cols === 1) || (bcast === 3 && rows * cols === 1)) bcast = 0;
  return { rows, cols, bcast };
}

/** c = a op b, b broadcast against a (see binaryPlan); c has a's shape and may be a, or b when b has a's size. */
export function binaryForward(rt: Runtime, op: BinaryOp, a: Tensor, b: Tensor, c: Tensor): void {
  checkOp(op);
  live(rt, 'a', a); live(rt, 'b', b); live(rt, 'c', c);
  const p = binaryPlan(op, a, b);
  sameShape(op, ['a', 'c'], [a, c]);
  noOverlap(op, 'c', c, 'a', a);
  if (p.bcast === 0) noOverlap(op, 'c', c, 'b', b);
  else apart(op, 'c', c, 'b', b);
  rt.run(`f32_${op}_fwd`, p.rows * p.cols * COST[op], [a.ptr, b.ptr, c.ptr, p.rows, p.cols, p.bcast]);
}

/**
 * Gradients of c = a op b: da (a's shape) and db (b's shape, summed over the broadcast
 * dimensions) from dc (a's shape). Pass null for a gradient that is not needed. da and db must
 * not overlap a, b, dc or each other.
 */
export function binaryBackward(rt: Runtime, op: BinaryOp, a: Tensor, b: Tensor, dc: Tensor, da: Tensor | null, db: Tensor | null): void {
  checkOp(op);
  const name = `${op} backward`;
  live(rt, 'a', a); live(rt, 'b', b); live(rt, 'dc', dc);
  if (da) live(rt, 'da', da);
  if (db) live(rt, 'db', db);
  const p = binaryPlan(name, a, b);
  sameShape(name, ['a', 'dc'], [a, dc]);
  if (da) sameShape(name, ['a', 'da'], [a, da]);
  if (db) sameShape(name, ['b', 'db'], [b, db]);
  const outs: [string, Tensor][] = [];
  if (da) outs.push(['da', da]);
  if (db) outs.push(['db', db]);
  for (const [n, t] of outs) {
    apart(name, n, t, 'a', a); apart(name, n, t, 'b', b); apart(name, n, t, 'dc', dc);
  }
  if (da && db) apart(name, 'da', da, 'db', db);
  if (!da && !db) return;
  rt.run(`f32_${op}_bwd`, p.rows * p.cols * (COST[op] + 1) * 2, [a.ptr, b.ptr, dc.ptr, da ? da.ptr : 0, db ? db.ptr : 0, p.rows, p.cols, p.bcast]);
}
