// The default runtime that models use when none is given: init() starts it.
import { Runtime, type CreateOptions, type InitOptions } from './runtime.js';

let current: Runtime | null = null;
let starting: Promise<Runtime> | null = null;
let defaults: InitOptions = {};

/**
 * Options init() starts from; the caller's override them (wasm sources build by build). The edge
 * entry sets the imported .wasm module here, so load() and init() need no arguments in a Worker.
 */
export function setInitDefaults(options: InitOptions): void { defaults = options; }

/** Starts the default runtime (idempotent: later calls return it; options count only the first time). */
export async function init(options: InitOptions = {}): Promise<Runtime> {
  if (current) return current;
  const merged: CreateOptions = { ...defaults, ...options, wasm: { ...defaults.wasm, ...options.wasm } };
  starting ??= Runtime.create(merged).then((rt) => (current = rt)).finally(() => { starting = null; });
  return starting;
}

/** The default runtime; throws if init() has not finished. */
export function runtime(): Runtime {
  if (!current) throw new Error('wasmnn: not initialised; call `await init()` first');
  return current;
}

export function hasRuntime(): boolean { return current !== null; }

/** Stops the default runtime's threads; init() may be called again afterwards. */
export async function shutdown(): Promise<void> {
  const rt = current;
  current = null;
  await rt?.close();
}
