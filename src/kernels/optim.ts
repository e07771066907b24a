// Host side of kernels/optim.ts.
import type { KernelSpec } from './spec.js';

export const optimKernels: KernelSpec[] = [];
