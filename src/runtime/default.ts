// The default runtime that models use when none is given: init() starts it.
import { PAGE } from './memory.js';
import { INIT_OPTIONS, Runtime, type CreateOptions, type InitOptions } from './runtime.js';
import { checkOptions } from '../options.js';

let current: Runtime | null = null;
let starting: Promise<Runtime> | null = null;
let defaults: InitOptions = {};
// What the caller of the init() that started the runtime asked for (its own options, not an
// entry's substitutes): a later init() asking for something else is refused, not ignored.
let firstAsked: InitOptions = {};

/**
 * Options init() starts from; the caller's override them (wasm sources build by build). The edge
 * entry sets the imported .wasm module here, so load() and init() need no arguments in a Worker.
 */
export function setInitDefaults(options: InitOptions): void { defaults = options; }

// Bumped by shutdown(): a start begun before it must not become the default runtime.
let epoch = 0;

/**
 * Starts the default runtime. Later calls return the same runtime: without options, or with
 * options it already satisfies; options asking for something else (another thread count, build,
 * memory ceiling...) are refused with an error saying to call shutdown() first, never
 * silently ignored. If shutdown() is called while the runtime is still starting, the start is
 * abandoned: the runtime it made is closed and this promise rejects (no runtime is left running);
 * call init() again to start a new one.
 */
export async function init(options: InitOptions = {}): Promise<Runtime> {
  checkOptions('init', options, INIT_OPTIONS);
  return initWith(options);
}

/**
 * init() for the entries that add CreateOptions of their own (defaultReason). `asked` is what the
 * entry's caller gave, when the entry substitutes options of its own (wasmnn/infer's single-thread
 * default): later calls are compared with it.
 */
export async function initWith(options: CreateOptions = {}, asked: InitOptions = options): Promise<Runtime> {
  if (current || starting) {
    const rt = current ?? await starting!;
    const conflict = initConflict(firstAsked, asked, rt);
    if (conflict) {
      throw new Error(`wasmnn: init() already started the runtime (${rt.env().build}, ${rt.threads} thread${rt.threads === 1 ? '' : 's'}) and cannot ` +
        `change it: ${conflict}. Call \`await shutdown()\` first to start it again with other options, or call init() without options ` +
        'to get the running one');
    }
    return rt;
  }
  firstAsked = { ...asked };
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

const given = (v: unknown): boolean => v !== undefined && v !== null;
const show = (v: unknown): string => typeof v === 'string' ? `'${v}'` : String(v);

/**
 * Why a later init(asked) cannot be met by the runtime `rt` that init(first) started, or null if
 * it can: what this call asks for must be what the runtime has or what the first call asked for
 * (threads: 8 on a 2-thread machine runs 2, and asking for 8 again is met). Wasm sources are read
 * only by the call that starts the runtime (a page may pass a fresh Response each time).
 */
function initConflict(first: InitOptions, asked: InitOptions, rt: Runtime): string | null {
  const env = rt.env();
  const same = (key: 'threads' | 'build' | 'fma', has: unknown) => !given(asked[key]) || asked[key] === has || asked[key] === first[key];
  const threads = `${rt.threads} thread${rt.threads === 1 ? '' : 's'}`;
  if (!same('threads', rt.threads)) return `it runs ${threads}, this call asks for threads: ${show(asked.threads)}`;
  if (!same('build', env.build) && asked.build !== 'auto') return `it runs the ${env.build} build, this call asks for build: ${show(asked.build)}`;
  if (!same('fma', env.build.includes('fma'))) return `it runs the ${env.build} build, this call asks for fma: ${show(asked.fma)}`;
  if (given(asked.spin) && asked.spin !== first.spin) return `this call asks for spin: ${show(asked.spin)}, the runtime spins ${given(first.spin) ? show(first.spin) : 'the default'}`;
  if (given(asked.parallelThreshold) && asked.parallelThreshold !== rt.parallelThreshold) {
    return `this call asks for parallelThreshold: ${show(asked.parallelThreshold)}, the runtime has ${rt.parallelThreshold}`;
  }
  const maxBytes = rt.memoryInfo().maxBytes;
  if (given(asked.maxMemoryBytes) && Math.floor(Number(asked.maxMemoryBytes) / PAGE) * PAGE !== maxBytes) {
    return `this call asks for maxMemoryBytes: ${show(asked.maxMemoryBytes)}, the runtime's ceiling is ${maxBytes} bytes`;
  }
  return null;
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
  firstAsked = {};
  await rt?.close();
  if (pending) await pending.then(() => undefined, () => undefined);
}
