// Host side of kernels/reduce.ts.
import type { KernelSpec } from './spec.js';

export const reduceKernels: KernelSpec[] = [];
