// Host side of kernels/dropout.ts.
import type { KernelSpec } from './spec.js';

export const dropoutKernels: KernelSpec[] = [];
