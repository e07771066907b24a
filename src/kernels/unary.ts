// Host side of kernels/unary.ts: elementwise activations with their gradients.
import { threaded } from './spec.js';
import { live, noOverlap, sameShape } from './check.js';
import type { Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const UNARY_OPS = [
  'relu', 'sigmoid', 'tanh', 'gelu', 'exp', 'log', 'softplus',
  'elu', 'selu', 'silu', 'leakyRelu', 'relu6', 'hardSigmoid', 'hardSigmoidRelu6', 'softsign', 'mish',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** The kernels' names spell an op in snake case: leakyRelu -> f32_leaky_relu_fwd. */
const kernelOf = (op: UnaryOp): string => op.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const FWD = Object.fromEntries(UNARY_OPS.map((op) => [op, `f32_${kernelOf(op)}_fwd`])) as Record<UnaryOp, string>;
const BWD = Object.fromEntries(UNARY_OPS.map((op) => [op, `f32_${kernelOf(op)}_bwd`])) as Record<UnaryOp, string>;

export const unaryKernels = threaded(...UNARY_OPS.flatMap((op) => [FWD[op], BWD[op]]));

// rough cost per element in flops, for the thread decision
const COST: Record<UnaryOp, number> = {
  relu: 1, sigmoid: 25, tanh: 30, gelu: 45, exp: 20, log: 25, softplus: 50,
  elu: 30, selu: 30, silu: 30, leakyRelu: 2, relu6: 2, hardSigmoid: 4, hardSigmoidRelu6: 4, softsign: 5, mish: 35,
};

function checkOp(op: string): UnaryOp {
  if (!(UNARY_OPS as readonly string[]).includes(op)) {
    throw new RangeError(`wasmnn: unknown activation '${op}'; expected one of ${UNARY_OPS.join(', ')}`);
  }
  return op as UnaryOp;
}

/** y = op(x), elementwise; x and y have the same shape (y may be x, but must not partly overlap it). */
export function unaryForward(rt: Runtime, op: UnaryOp, x: Tensor, y: Tensor): void {
  checkOp(op);
  live(rt, 'x', x); live(rt, 'y', y);
  sameShape(op, ['x', 'y'], [x, y]);
  // each element is read before it is written, so y = x works; a shifted y would read outputs
  noOverlap(op, 'y', y, 'x', x);
  rt.run(FWD[op], x.size * COST[op], [x.ptr, y.ptr, x.size]);
}

/**
 * dx = dy * op'(x), where y = op(x) from the forward pass. dx may be x, y or dy (the same range),
 * but must not partly overlap any of them.
 */
export function unaryBackward(rt: Runtime, op: UnaryOp, x: Tensor, y: Tensor, dy: Tensor, dx: Tensor): void {
  checkOp(op);
  const name = `${op} backward`;
  live(rt, 'x', x); live(rt, 'y', y); live(rt, 'dy', dy); live(rt, 'dx', dx);
  sameShape(name, ['x', 'y', 'dy', 'dx'], [x, y, dy, dx]);
  noOverlap(name, 'dx', dx, 'x', x); noOverlap(name, 'dx', dx, 'y', y); noOverlap(name, 'dx', dx, 'dy', dy);
  rt.run(BWD[op], x.size * COST[op], [x.ptr, y.ptr, dy.ptr, dx.ptr, x.size]);
}
