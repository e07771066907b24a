// wasmnn/infer for Cloudflare Workers (the `workerd` / `worker` export conditions). Workers refuse
// to compile wasm from bytes, so the single-thread SIMD build is imported as a module (wrangler
// bundles it as a compiled WebAssembly.Module) and becomes init()'s default: the inference-only
// kernel set (assembly/infer.ts: the forward kernels, about half the size of the full build). Workers have no
// threads (features.ts): the runtime runs the simd build on one thread and never waits.
import simd from '../../build/wasmnn-infer.wasm';
import { setInitDefaults } from '../runtime/default.js';

setInitDefaults({ wasm: { simd } });

export * from '../infer.js';
