// Host side of kernels/softmax_xent.ts.
import type { KernelSpec } from './spec.js';

export const softmaxXentKernels: KernelSpec[] = [];
