// The oracle build (build/wasmnn-ref.wasm): plain scalar twins of every kernel, same names and
// arguments minus (ith, nth). Tests only; never shipped, never optimised.
import '../core/abort';
export * from './unary';
export * from './binary';
export * from './reduce';
export * from './softmax_xent';
export * from './embedding';
export * from './dropout';
export * from './norm';
export * from './optim';
export * from './gemm';
export * from './conv1d';
export * from './pool';
export * from './lstm';
export * from './gru';
export * from './simple_rnn';

export function wasmnn_heap_base(): usize { return __heap_base; }
