// Host side of kernels/binary.ts.
import type { KernelSpec } from './spec.js';

export const binaryKernels: KernelSpec[] = [];
