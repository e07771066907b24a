// The inference-only kernel set (build/wasmnn-infer.wasm): the forward kernels that predicting
// with a saved model needs, and nothing for training (no backward, optimizer or dropout kernels).
// The same source functions as index.ts, so the same bits; about half the wasm, so the page and
// Worker inference bundles (wasmnn/infer) download, validate and compile less. The host binds the
// kernels this set lacks to an error that says to use the full kernels (src/runtime/runtime.ts).
// A kernel the inference path (src/entries/inference_model.ts) starts to call must be added here;
// test/env/infer.test.ts runs every architecture on this set.

import './core/abort';
export {
  f32_relu_fwd, f32_sigmoid_fwd, f32_tanh_fwd, f32_gelu_fwd, f32_exp_fwd, f32_log_fwd, f32_softplus_fwd,
  f32_elu_fwd, f32_selu_fwd, f32_silu_fwd, f32_leaky_relu_fwd, f32_relu6_fwd, f32_hard_sigmoid_fwd, f32_hard_sigmoid_relu6_fwd,
  f32_softsign_fwd, f32_mish_fwd,
} from './kernels/unary';
export { f32_add_fwd, f32_sub_fwd, f32_mul_fwd, f32_div_fwd } from './kernels/binary';
export { f32_softmax_fwd, f32_log_softmax_fwd } from './kernels/softmax_xent';
export { f32_embedding_fwd, f32_embedding_bag_fwd } from './kernels/embedding';
export { f32_layernorm_fwd } from './kernels/norm';
export { f32_gemm_fwd } from './kernels/gemm';
export { f32_conv1d_fwd } from './kernels/conv1d';
export { f32_avgpool1d_fwd, f32_maxpool1d_fwd, f32_avgpool1d_win_fwd, f32_maxpool1d_win_fwd } from './kernels/pool';
export { f32_lstm_seq_fwd_infer as f32_lstm_seq_fwd } from './kernels/lstm';   // without the gate-storing variants
export { f32_gru_seq_fwd, f32_gru_seq_reset_after_fwd } from './kernels/gru';
export { f32_simple_rnn_seq_fwd } from './kernels/simple_rnn';
export { wasmnn_heap_base, wasmnn_abi_version } from './abi';

// Marks this set for the host: 1 = inference only (kernels not listed above are absent).
export function wasmnn_inference_only(): i32 { return 1; }
