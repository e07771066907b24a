// Host side of kernels/norm.ts.
import type { KernelSpec } from './spec.js';

export const normKernels: KernelSpec[] = [];
