// The kernel manifest: every kernel of the wasm builds, by family. The runtime binds them by
// name, the pool dispatches them by index, and the tests check this list against the exports of
// the fast and the ref builds in both directions.
import type { KernelSpec } from './spec.js';
import { unaryKernels } from './unary.js';
import { binaryKernels } from './binary.js';
import { reduceKernels } from './reduce.js';
import { softmaxXentKernels } from './softmax_xent.js';
import { embeddingKernels } from './embedding.js';
import { dropoutKernels } from './dropout.js';
import { normKernels } from './norm.js';
import { optimKernels } from './optim.js';
import { gemmKernels } from './gemm.js';
import { conv1dKernels } from './conv1d.js';
import { poolKernels } from './pool.js';
import { lstmKernels } from './lstm.js';
import { gruKernels } from './gru.js';
import { simpleRnnKernels } from './simple_rnn.js';

export const KERNEL_FAMILIES: Record<string, readonly KernelSpec[]> = {
  unary: unaryKernels,
  binary: binaryKernels,
  reduce: reduceKernels,
  softmax_xent: softmaxXentKernels,
  embedding: embeddingKernels,
  dropout: dropoutKernels,
  norm: normKernels,
  optim: optimKernels,
  gemm: gemmKernels,
  conv1d: conv1dKernels,
  pool: poolKernels,
  lstm: lstmKernels,
  gru: gruKernels,
  simple_rnn: simpleRnnKernels,
};

export const KERNELS: readonly KernelSpec[] = Object.values(KERNEL_FAMILIES).flat();
