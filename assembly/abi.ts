// The runtime's own entry points, exported by both kernel sets (index.ts: every kernel;
// infer.ts: the forward kernels a saved model's prediction needs).

// First byte the host may use: everything below holds the module's static data.
export function wasmnn_heap_base(): usize { return __heap_base; }

// ABI version: the host refuses a .wasm built for another one. 2: f32_sgd_update and
// f32_sgd_rows_update take `decoupled` (weight decay as Keras applies it) after weightDecay.
export function wasmnn_abi_version(): i32 { return 2; }
