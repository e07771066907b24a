// Activations as layer options: which run fused in the GEMM epilogue, which as their own kernel,
// and the backward of each from the saved tensors.
import { unaryBackward, unaryForward } from '../kernels/unary.js';
import { softmax, softmaxBackward } from '../kernels/softmax_xent.js';
import type { GemmActivation } from '../kernels/gemm.js';
import type { Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

import { ACTIVATIONS, activationProblem, canonicalActivation, unaryOpOf, type Activation } from '../activation_names.js';

export { ACTIVATIONS, type Activation };

/** The canonical name of a layer's activation option (aliases mapped; undefined and null are linear). */
export function checkActivation(layer: string, a: unknown): Activation {
  if (a === undefined || a === null) return 'linear';
  if (typeof a !== 'string') throw new TypeError(`wasmnn: ${layer}: activation must be a name (one of ${ACTIVATIONS.join(', ')}), got ${typeof a === 'function' ? 'a function' : String(a)}`);
  const c = canonicalActivation(a);
  if (!c) throw new RangeError(`wasmnn: ${layer}: ${activationProblem(a)}`);
  return c;
}

/** The part a GEMM can apply in its epilogue (the rest runs after it). */
export function epilogueOf(a: Activation): GemmActivation {
  return a === 'relu' || a === 'sigmoid' || a === 'tanh' ? a : 'linear';
}

/** y = a(z) as its own kernel (for the activations a GEMM epilogue does not apply). */
export function applyAfter(rt: Runtime, a: Activation, z: Tensor, y: Tensor): void {
  if (a === 'softmax') softmax(rt, z, y);
  else if (a === 'linear') y.set(z.f32());
  else unaryForward(rt, unaryOpOf(a), z, y);
}

/**
 * dz = dy * a'(z), given z (pre-activation, may be y where the activation ran in the epilogue)
 * and y = a(z). Which of the two each backward reads: relu, sigmoid and tanh only y (so they can
 * run in an epilogue that keeps no z); exponential y (dz = dy y); the hard sigmoids y (their slope
 * where 0 < y < 1, as the recurrent cells); every other one z, which the layers keep whenever the
 * activation runs as its own kernel (elu, selu, silu, mish recompute e^z: from y they would lose
 * digits where y is near its bound, e.g. elu's y + 1 for z << 0).
 */
export function activationBackward(rt: Runtime, a: Activation, z: Tensor, y: Tensor, dy: Tensor, dz: Tensor): void {
  switch (a) {
    case 'linear': throw new Error('wasmnn: internal: linear has no backward');
    case 'relu': unaryBackward(rt, 'relu', y, y, dy, dz); return;   // y > 0 exactly where z > 0
    case 'sigmoid': case 'tanh': unaryBackward(rt, a, y, y, dy, dz); return;
    case 'gelu': case 'softplus': unaryBackward(rt, a, z, y, dy, dz); return;
    case 'softmax': softmaxBackward(rt, y, dy, dz); return;
    case 'exponential': unaryBackward(rt, 'exp', y, y, dy, dz); return;
    case 'hardSigmoid': case 'hardSigmoidRelu6': unaryBackward(rt, a, y, y, dy, dz); return;
    case 'elu': case 'selu': case 'silu': case 'leakyRelu': case 'relu6': case 'softsign': case 'mish':
      if (z === y) throw new Error(`wasmnn: internal: the ${a} backward needs the pre-activation`);
      unaryBackward(rt, a, z, y, dy, dz); return;
  }
}
