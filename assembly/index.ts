// The ABI: the only file that exports. Every export is a kernel listed in src/kernels/manifest.ts
// (the test suite checks both directions), plus the runtime's own entry points below.
// Kernel arguments are byte offsets into linear memory (usize), sizes (i32) and scalars (f32);
// threaded kernels end with (ith, nth). The host validates every pointer and shape before a call.

import './core/abort';
export * from './kernels/unary';
export * from './kernels/binary';
export * from './kernels/reduce';
export * from './kernels/softmax_xent';
export * from './kernels/embedding';
export * from './kernels/dropout';
export * from './kernels/norm';
export * from './kernels/optim';
export * from './kernels/gemm';
export * from './kernels/conv1d';
export * from './kernels/pool';
export { f32_lstm_seq_fwd, f32_lstm_seq_bwd } from './kernels/lstm';   // not f32_lstm_seq_fwd_infer (assembly/infer.ts's)
export * from './kernels/gru';
export * from './kernels/simple_rnn';

export { wasmnn_heap_base, wasmnn_abi_version } from './abi';
