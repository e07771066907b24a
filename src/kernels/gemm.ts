// Host side of kernels/gemm.ts.
import type { KernelSpec } from './spec.js';

export const gemmKernels: KernelSpec[] = [];
