// wasmnn: the public API.
import { Runtime, type InitOptions, type EnvInfo, type MemoryInfo } from './runtime/runtime.js';

export { Runtime, type InitOptions, type EnvInfo, type MemoryInfo } from './runtime/runtime.js';
export { Tensor, type DType, type Shape } from './tensor.js';
export { MemoryLimitError } from './runtime/memory.js';
export { WorkerDiedError } from './runtime/pool.js';
export type { WasmSource } from './runtime/loader.js';
export * as kernels from './kernels/index.js';

let current: Runtime | null = null;
let starting: Promise<Runtime> | null = null;

/** Starts the default runtime (idempotent: later calls return it; pass options only the first time). */
export async function init(options?: InitOptions): Promise<Runtime> {
  if (current) return current;
  starting ??= Runtime.create(options).then((rt) => (current = rt)).finally(() => { starting = null; });
  return starting;
}

/** The default runtime; throws if init() has not finished. */
export function runtime(): Runtime {
  if (!current) throw new Error('wasmnn: not initialised; call `await init()` first');
  return current;
}

/** Build, thread count and the reason for them, of the default runtime. */
export function env(): EnvInfo { return runtime().env(); }

/** Live and peak bytes of the default runtime. */
export function memory(): MemoryInfo { return runtime().memoryInfo(); }

/** Stops the default runtime's threads; init() may be called again afterwards. */
export async function shutdown(): Promise<void> {
  const rt = current;
  current = null;
  await rt?.close();
}
