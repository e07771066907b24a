// Host side of kernels/embedding.ts.
import type { KernelSpec } from './spec.js';

export const embeddingKernels: KernelSpec[] = [];
