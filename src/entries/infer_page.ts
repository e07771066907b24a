// wasmnn/infer as bundled for pages and Web Workers (dist/bundle/infer.js): the same entry as
// src/infer.ts, with init()'s default single-thread kernels being the inference-only set
// (build/wasmnn-infer.wasm: the forward kernels only, about half the size of wasmnn-simd.wasm),
// resolved against this module's URL like the full builds. init({ wasm: { simd } }) overrides it;
// asking for threads (> 1) starts the full threaded build as before.
import { setInitDefaults } from '../runtime/default.js';

setInitDefaults({ wasm: { simd: new URL('../../build/wasmnn-infer.wasm', import.meta.url) } });

export * from '../infer.js';
