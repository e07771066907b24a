// The default runtime that models use when none is given: init() starts it.
import { INIT_OPTIONS, Runtime, type CreateOptions, type InitOptions } from './runtime.js';
import { checkOptions } from '../options.js';

let current: Runtime | null = null;
let starting: Promise<Runtime> | null = null;
let defaults: InitOptions = {};

/**
 * Options init() starts from; the caller's override them (wasm sources build by build). The edge
 * entry sets the imported .wasm module here, so load() and init() need no arguments in a Worker.
 */
export function setInitDefaults(options: InitOptions): void { defaults = options; }

// Bumped by shutdown(): a start begun before it must not become the default runtime.
let epoch = 0;

/**
 * Starts the default runtime (idempotent: later calls return it; options count only the first
 * time, though their names are checked every time). If shutdown() is called while the runtime is
 * still starting, the start is abandoned: the runtime it made is closed and this promise rejects
 * (no runtime is left running); call init() again to start a new one.
 */
export async function init(options: InitOptions = {}): Promise<Runtime> {
  checkOptions('init', options, INIT_OPTIONS);
  return initWith(options);
}

/** init() for the entries that add CreateOptions of their own (defaultReason). */
export async function initWith(options: CreateOptions = {}): Promise<Runtime> {
  if (current) return current;
  if (starting) return starting;
  const merged: CreateOptions = { ...defaults, ...options, wasm: { ...defaults.wasm, ...options.wasm } };
  const mine = epoch;
  const p: Promise<Runtime> = Runtime.create(merged).then(async (rt) => {
    if (epoch !== mine) {
      await rt.close();
      throw new Error('wasmnn: shutdown() was called while init() was starting the runtime, so it was closed; call init() again to start a new one');
    }
    return (current = rt);
  }).finally(() => { if (starting === p) starting = null; });
  starting = p;
  return p;
}

/** The default runtime; throws if init() has not finished. */
export function runtime(): Runtime {
  if (!current) throw new Error('wasmnn: not initialised; call `await init()` first');
  return current;
}

export function hasRuntime(): boolean { return current !== null; }

/**
 * Stops the default runtime's threads; init() may be called again afterwards. A runtime still
 * starting (an init() not yet resolved) is closed as soon as it is made and that init() rejects;
 * shutdown() resolves once it is closed, so no runtime is left running.
 */
export async function shutdown(): Promise<void> {
  epoch++;
  const rt = current, pending = starting;
  current = null;
  starting = null;
  await rt?.close();
  if (pending) await pending.then(() => undefined, () => undefined);
}
