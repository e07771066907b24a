// Host wrappers of every kernel family: checked, threaded calls on tensors.
export * from './unary.js';
export * from './binary.js';
export * from './reduce.js';
export * from './softmax_xent.js';
export * from './embedding.js';
export * from './dropout.js';
export * from './norm.js';
export * from './optim.js';
export * from './gemm.js';
export * from './conv1d.js';
export * from './pool.js';
export * from './lstm.js';
export * from './gru.js';
export * from './simple_rnn.js';
export { KERNELS, KERNEL_FAMILIES } from './manifest.js';
export type { KernelSpec } from './spec.js';
