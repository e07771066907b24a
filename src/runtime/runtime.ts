// The runtime: one instance of the kernels on one linear memory, its allocators and, for the
// threaded build, its pool. `init()` makes the default one that the layers use; tests make
// several side by side (both builds, several thread counts).
import { compileWasm, defaultWasmUrl, instantiate, type WasmSource } from './loader.js';
import { hasSimd, hardwareThreads, hostKind, requireRelaxedSimd, threadSupport, type BuildName, type HostKind } from './features.js';
import { Arena, Heap, PAGE, fmtBytes, type HeapBlock } from './memory.js';
import { ThreadPool } from './pool.js';
import { KERNELS } from '../kernels/manifest.js';
import { Tensor, HEAP, checkDType, checkValues, fmtShape, shapeSize, type DType, type Shape } from '../tensor.js';
import { checkOptions, describe, optionNames } from '../options.js';

export interface InitOptions {
  /** Threads, the calling one included. Default: every hardware thread where threads can run. */
  threads?: number;
  /**
   * 'auto' (default) picks simd-mt when threads can run and more than one is asked for, else simd.
   * 'simd-fma' (one thread) and 'simd-fma-mt' are opt-in only: fused multiply-add (relaxed SIMD) in
   * the products, faster training where the CPU fuses it, results not bit-exact with the default
   * builds nor across machines (see docs/architecture.md). In node 20 they turn on V8's relaxed
   * SIMD flag; where relaxed SIMD cannot run they throw.
   */
  build?: 'auto' | BuildName;
  /**
   * With build 'auto' (or none): the fma build of what 'auto' would pick ('simd-fma-mt' where
   * threads run and more than one may be used, else 'simd-fma'). Default false.
   */
  fma?: boolean;
  /** Where the .wasm builds are: a path, URL, bytes, Response or compiled module per build. */
  wasm?: Partial<Record<BuildName, WasmSource>>;
  /**
   * Ceiling on linear memory, 1 MiB to 4 GiB; rounded down to whole 64 KiB pages (memoryInfo().maxBytes
   * gives the value in force). Default: 2 GiB in node, 1 GiB in browsers, 96 MiB in edge workers.
   */
  maxMemoryBytes?: number;
  /** Polls before an idle thread sleeps (default 20000, about 20-40 us). 0 sleeps at once. */
  spin?: number;
  /**
   * Work (about one flop a unit) below which a kernel stays on one thread; per extra thread. A
   * number >= 1 (Infinity: never split). Default 32768.
   */
  parallelThreshold?: number;
}

/** The option names of init() and Runtime.create(), for checkOptions. */
export const INIT_OPTIONS = optionNames<InitOptions>({
  threads: true, build: true, fma: true, wasm: true, maxMemoryBytes: true, spin: true, parallelThreshold: true,
});
const CREATE_OPTIONS = optionNames<CreateOptions>({
  threads: true, build: true, fma: true, wasm: true, maxMemoryBytes: true, spin: true, parallelThreshold: true, defaultReason: true,
});
const BUILD_NAMES: readonly BuildName[] = ['simd', 'simd-mt', 'simd-fma', 'simd-fma-mt'];

/** Runtime.create's options: init's, and for an entry that picks the build itself (not the
 *  caller), the reason env() gives for it. Not part of the public InitOptions. */
export interface CreateOptions extends InitOptions {
  defaultReason?: string;
}

export interface EnvInfo {
  build: BuildName;
  threads: number;
  simd: boolean;
  host: HostKind;
  hardwareThreads: number;
  /** Why this build and thread count, e.g. "threads off: page is not cross-origin isolated". */
  reason: string;
}

export interface MemoryInfo {
  /** Bytes in live heap blocks and the used part of the step arena. */
  liveBytes: number;
  /** Highest liveBytes seen. */
  peakBytes: number;
  /** Heap blocks other than the arena: parameter slabs and other long-lived buffers. */
  heapBytes: number;
  /** Used by the current step. */
  arenaBytes: number;
  /** Held by the arena for steps (its chunks). */
  arenaReservedBytes: number;
  /** Size of linear memory now. */
  memoryBytes: number;
  /** Configured ceiling. */
  maxBytes: number;
}

const DEFAULT_SPIN = 20000;
// Work (about one flop a unit) per extra thread before a kernel is split. `npm run bench --
// dispatch` shows the best case (an empty 2-thread job costs ~0.7 us while the worker spins, and a
// 4096-float relu already gains); but a worker that has gone to sleep, or a core taken by another
// process, costs 35-1000 us to wake, so small kernels (a Dense head, a bias sum) stay on the
// calling thread. See bench/RESULTS.md.
const DEFAULT_PARALLEL_THRESHOLD = 32768;

interface KernelEntry { id: number; fn: (...a: number[]) => void; threaded: boolean }

/** The most threads `init({ threads })` takes (the CLI's --threads checks against it too). */
export const MAX_THREADS = 256;

export class Runtime {
  readonly heap: Heap;
  readonly arena: Arena;
  private readonly kernels = new Map<string, KernelEntry>();
  /** Whether this runtime runs the inference-only kernel set (no training kernels). */
  readonly inferenceOnly: boolean;
  private closed = false;
  private peakLive = 0;
  /** 1 inside rt.step(fn) (steps do not nest). */
  private stepDepth = 0;
  /** Depth of scratchScope() calls. */
  private scopeDepth = 0;

  private constructor(
    readonly instance: WebAssembly.Instance,
    readonly memory: WebAssembly.Memory,
    readonly pool: ThreadPool | null,
    private readonly info: EnvInfo,
    maxBytes: number,
    readonly parallelThreshold: number,
  ) {
    const ex = instance.exports as any;
    this.heap = new Heap(memory, ex.wasmnn_heap_base(), maxBytes);
    this.arena = new Arena(this.heap);
    // the inference-only kernel set (build/wasmnn-infer.wasm, assembly/infer.ts) has the forward
    // kernels only: the others are left out of the table, and run() says what to do instead
    this.inferenceOnly = typeof ex.wasmnn_inference_only === 'function' && ex.wasmnn_inference_only() === 1;
    KERNELS.forEach((k, id) => {
      const fn = ex[k.name];
      if (typeof fn !== 'function') {
        if (this.inferenceOnly) return;
        throw new Error(`wasmnn: the kernels lack ${k.name}; they are out of date: run 'npm run build'`);
      }
      this.kernels.set(k.name, { id, fn, threaded: k.threaded });
    });
  }

  static async create(options: CreateOptions = {}): Promise<Runtime> {
    checkOptions('Runtime.create', options, CREATE_OPTIONS);
    checkOptions('Runtime.create: wasm', options.wasm, BUILD_NAMES);
    const host = hostKind();
    if (!hasSimd()) {
      throw new Error('wasmnn: this JavaScript engine has no WebAssembly SIMD; wasmnn needs it (Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+, Cloudflare Workers)');
    }
    // the inference bundles have no pool (pool_absent.ts): one thread there, as on hosts without threads
    const support = ThreadPool.unavailable ? { ok: false, reason: ThreadPool.unavailable } : threadSupport(host);
    const asked = options.threads;
    if (asked !== undefined && (!Number.isInteger(asked) || asked < 1 || asked > MAX_THREADS)) {
      throw new RangeError(`wasmnn: threads must be a whole number from 1 to ${MAX_THREADS}, got ${asked}`);
    }
    const askedMax = options.maxMemoryBytes ?? (host === 'node' ? 2 ** 31 : host === 'workerd' ? 96 * 2 ** 20 : 2 ** 30);
    if (!Number.isInteger(askedMax) || askedMax < 2 ** 20 || askedMax > 2 ** 32) {
      throw new RangeError(`wasmnn: maxMemoryBytes must be a whole number of bytes from 1 MiB to 4 GiB, got ${String(askedMax)}`);
    }
    // linear memory grows by whole 64 KiB pages: the limit in force is the rounded-down one, so a
    // request past it is a MemoryLimitError, never the engine's failed grow
    const maxBytes = Math.floor(askedMax / PAGE) * PAGE;
    const parallelThreshold = options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD;
    if (typeof parallelThreshold !== 'number' || !(parallelThreshold >= 1)) {
      throw new RangeError(`wasmnn: parallelThreshold must be a number >= 1 (units of work, about one flop each, per extra thread; ` +
        `default ${DEFAULT_PARALLEL_THRESHOLD}; Infinity keeps every kernel on one thread), got ${typeof parallelThreshold === 'string' ? JSON.stringify(parallelThreshold) : String(parallelThreshold)}`);
    }
    // the host's thread count (in node the os module: about a millisecond where it has to be
    // imported) is awaited first only where it picks the build; otherwise it is looked up while
    // the kernels are read and compiled
    let hwThreads: Promise<number> | null = null;
    let build: BuildName;
    let threads: number;
    let reason: string;
    let want = options.build ?? 'auto';
    if (want !== 'auto' && want !== 'simd' && want !== 'simd-mt' && want !== 'simd-fma' && want !== 'simd-fma-mt') {
      throw new RangeError(`wasmnn: build must be 'auto', 'simd', 'simd-mt', 'simd-fma' or 'simd-fma-mt', got ${String(want)}`);
    }
    if (options.fma) {
      if (want === 'simd' || want === 'simd-mt') throw new Error(`wasmnn: fma: true asks for an fma build but build is '${want}'; leave build unset (or 'auto'), or ask for '${want.replace('simd', 'simd-fma')}'`);
      if (want === 'auto') want = !support.ok || asked === 1 ? 'simd-fma' : 'simd-fma-mt';
    }
    const fma = want === 'simd-fma' || want === 'simd-fma-mt';
    if (fma) await requireRelaxedSimd(host, want as BuildName);
    if (want === 'simd' || want === 'simd-fma') {
      build = want;
      threads = 1;
      reason = options.defaultReason ?? (fma ? 'single-thread fused multiply-add build chosen by the caller' : 'single-thread build chosen by the caller');
      if (asked && asked > 1) throw new Error(`wasmnn: the '${want}' build runs one thread; ask for build '${want}-mt'${fma ? '' : " or 'auto'"} to use ${asked}`);
    } else if (!support.ok) {
      if (want === 'simd-mt' || want === 'simd-fma-mt') throw new Error(`wasmnn: cannot run the '${want}' build here: ${support.reason}`);
      build = 'simd';
      threads = 1;
      reason = support.reason;
    } else {
      const hardware = await (hwThreads = hardwareThreads(host));
      threads = asked ?? hardware;
      build = want === 'simd-fma-mt' ? 'simd-fma-mt' : want === 'simd-mt' || threads > 1 ? 'simd-mt' : 'simd';
      reason = asked ? `${threads} thread${threads > 1 ? 's' : ''} as asked (${hardware} hardware)` : `threads on: ${threads} = hardware threads`;
      if (fma) reason += '; fused multiply-add build chosen by the caller';
    }
    const source = options.wasm?.[build] ?? defaultWasmUrl(build);
    const [module, hw] = await Promise.all([compileWasm(source), hwThreads ?? hardwareThreads(host)]);
    const maximum = maxBytes / PAGE;
    const memory = new WebAssembly.Memory({ initial: 2, maximum, shared: build === 'simd-mt' || build === 'simd-fma-mt' } as any);
    const instance = await instantiate(module, memory);
    const spin = options.spin ?? DEFAULT_SPIN;
    const pool = threads > 1
      ? await ThreadPool.start({ module, memory, kernelNames: KERNELS.map((k) => k.name), threads, spin })
      : null;
    const info: EnvInfo = { build, threads, simd: true, host, hardwareThreads: hw, reason };
    return new Runtime(instance, memory, pool, info, maxBytes, parallelThreshold);
  }

  env(): EnvInfo { return { ...this.info }; }

  get threads(): number { return this.info.threads; }
  get build(): BuildName { return this.info.build; }

  memoryInfo(): MemoryInfo {
    const arenaReserved = this.arena.reservedBytes;
    const heapBytes = this.heap.liveBytes - arenaReserved;
    const live = heapBytes + this.arena.usedBytes;
    if (live > this.peakLive) this.peakLive = live;
    return {
      liveBytes: live,
      peakBytes: Math.max(this.peakLive, heapBytes + this.arena.peakUsedBytes),
      heapBytes,
      arenaBytes: this.arena.usedBytes,
      arenaReservedBytes: arenaReserved,
      memoryBytes: this.memory.buffer.byteLength,
      maxBytes: this.heap.maxBytes,
    };
  }

  // ---- tensors ------------------------------------------------------------------------------

  /** A tensor on the heap: lives until free(). */
  alloc(shape: Shape, dtype: DType = 'f32'): Tensor {
    checkDType(dtype);
    const bytes = shapeSize(shape) * 4;
    let block: HeapBlock;
    try {
      block = this.heap.allocBlock(bytes, TENSOR);
    } catch (e) {
      throw describeTensor(e, shape, dtype);
    }
    return new Tensor(this, block.ptr, shape, dtype, HEAP, block);
  }

  /** A tensor in the step arena: valid until the step ends (endStep / step()). */
  temp(shape: Shape, dtype: DType = 'f32'): Tensor {
    checkDType(dtype);
    const bytes = shapeSize(shape) * 4;
    let ptr: number;
    try {
      ptr = this.arena.alloc(bytes, TENSOR);
    } catch (e) {
      throw describeTensor(e, shape, dtype);
    }
    return new Tensor(this, ptr, shape, dtype, this.arena.generation, this.arena.lastBlock);
  }

  /**
   * A heap tensor holding a copy of `values`. The values are checked before anything is allocated:
   * their count must match the shape, and for i32 each must be a whole number in i32 range.
   */
  fromArray(values: ArrayLike<number>, shape?: Shape, dtype: DType = 'f32'): Tensor {
    checkDType(dtype);
    if (values === null || typeof values !== 'object' || typeof (values as ArrayLike<number>).length !== 'number') {
      throw new TypeError(`wasmnn: fromArray: values must be an array or typed array of numbers, got ${values === null ? 'null' : typeof values}`);
    }
    const s = shape ?? [values.length];
    checkValues(values, shapeSize(s), dtype, s, 'fromArray');
    const t = this.alloc(s, dtype);
    (dtype === 'f32' ? t.f32() : t.i32()).set(values);
    return t;
  }

  /**
   * Frees a heap tensor made by alloc() / fromArray(). Refused (nothing is freed): a step tensor or
   * a view into the step arena, a tensor already freed, and a view that does not start its block.
   */
  free(t: Tensor): void {
    if (!(t instanceof Tensor)) throw new TypeError('wasmnn: free() takes a Tensor made by alloc() or fromArray()');
    if (t.rt !== this) throw new Error(`wasmnn: free(): tensor ${fmtShape(t.shape)} belongs to another runtime; free it with that runtime`);
    const b = t.block;
    if (t.generation !== HEAP || (b !== null && b.arena)) {
      throw new Error(`wasmnn: free() takes heap tensors; tensor ${fmtShape(t.shape)} is a step tensor (or a view into the step arena), and step tensors are released when the step ends`);
    }
    if (b === null) {
      throw new Error(`wasmnn: free(): tensor ${fmtShape(t.shape)} at ${t.ptr} is not inside a live heap block (a bad pointer, or a view of memory freed before it was made); nothing was freed`);
    }
    if (!b.live) {
      throw new Error(`wasmnn: free(): tensor ${fmtShape(t.shape)} was already freed (double free): it is not a live heap block any more; nothing was freed`);
    }
    if (t.ptr !== b.ptr) {
      throw new Error(`wasmnn: free(): tensor ${fmtShape(t.shape)} is a view starting ${t.ptr - b.ptr} bytes into a heap block; views are not freed: free the tensor alloc() returned for the block`);
    }
    this.heap.freeBlock(b);
  }

  /** Ends the step: every temp() tensor is released at once. */
  endStep(): void { this.arena.reset(); }

  /**
   * Runs fn as one step: its temp() tensors are released when it returns or throws. Steps do not
   * nest: rt.step inside rt.step throws before running fn (the inner step's end would release the
   * outer step's tensors).
   */
  step<T>(fn: () => T): T {
    if (this.stepDepth > 0) {
      throw new Error('wasmnn: rt.step calls cannot nest; the inner step would release the outer step\'s tensors when it ends: run the inner work directly in the outer step');
    }
    this.stepDepth = 1;
    try { return fn(); } finally { this.stepDepth = 0; this.endStep(); }
  }

  /** Whether an rt.step(fn) is running. */
  get inStep(): boolean { return this.stepDepth > 0; }

  /**
   * Runs fn, a kernel wrapper's work that takes scratch with temp() and calls several kernels:
   * outside rt.step() everything fn allocated with temp() is released when it returns (inside a
   * step it stays until the step ends, as all temps). fn must not return a tensor it allocated.
   */
  scratchScope<T>(fn: () => T): T {
    if (this.stepDepth > 0) return fn();
    const outer = this.scopeDepth === 0;
    if (outer) this.arena.mark();
    this.scopeDepth++;
    try { return fn(); } finally {
      this.scopeDepth--;
      if (outer) this.arena.rollback();
    }
  }

  /**
   * Refuses a tensor that is not a live range of this runtime's memory. O(1): the step arena's
   * generation or the heap block's record (see HeapBlock), both kept by the tensor. Kernel wrappers
   * call it (through live()) on every tensor before they take scratch: outside rt.step() the
   * scratch taken after the checks is released when the kernel returns (see run()).
   */
  checkTensor(t: Tensor, what: string): void {
    this.checkLive(t, what);
    if (this.stepDepth === 0 && this.scopeDepth === 0) this.arena.mark();
  }

  /** checkTensor without marking the arena: Tensor's own accessors. */
  checkLive(t: Tensor, what: string): void {
    if (!(t instanceof Tensor)) throw new TypeError(`wasmnn: ${what} must be a Tensor, got ${describeValue(t)}`);
    if (t.rt !== this) throw new Error(`wasmnn: ${what} belongs to another runtime`);
    // the shape array is the tensor's own copy, but not frozen (frozen arrays slow every shape read
    // in V8): a shape edited to more elements than the tensor holds is refused here, before any kernel
    if (shapeSize(t.shape) !== t.size) {
      throw new Error(`wasmnn: ${what}'s shape was changed to ${fmtShape(t.shape)} but the tensor holds ${t.size} values; shapes are fixed: make a view with t.view(shape) instead`);
    }
    const b = t.block;
    if (t.generation !== HEAP) {
      if (t.generation !== this.arena.generation) {
        throw new Error(`wasmnn: ${what} ${fmtShape(t.shape)} is a step tensor from a step that has ended; keep results with toArray() or allocate them with alloc()`);
      }
    } else if (b !== null && !b.live) {
      throw new Error(`wasmnn: ${what} ${fmtShape(t.shape)} at ${t.ptr} (+${t.bytes} bytes) is not inside a live allocation: the tensor ` +
        `was freed (its memory may now belong to another tensor); use a tensor only until free(), and allocate a new one with alloc()`);
    }
    // the whole range inside its block: a tensor made at a pointer (new Tensor(rt, ptr, shape)) that
    // starts in a block but runs past its end would let a kernel write into the next allocation
    if (b === null ? t.size > 0 : !b.live || t.ptr < b.ptr || t.ptr + t.bytes > b.ptr + b.bytes) {
      throw new RangeError(`wasmnn: ${what} ${fmtShape(t.shape)} at ${t.ptr} (+${t.bytes} bytes) is not inside a live allocation (a bad pointer, or a view past its block)`);
    }
  }

  // ---- kernels ------------------------------------------------------------------------------

  /** Threads a kernel with `work` units should use. */
  threadsFor(work: number): number {
    const t = this.info.threads;
    if (t === 1) return 1;
    return Math.max(1, Math.min(t, Math.floor(work / this.parallelThreshold)));
  }

  /**
   * Calls a kernel by name. Threaded kernels get (ith, nth); nth defaults to threadsFor(work).
   * The raw entry: pointers and sizes go to the kernel as given, unchecked (the wrappers in
   * `kernels` check them). A kernel that traps (a pointer outside memory) throws a wasmnn error
   * naming the kernel; the wasm sandbox keeps the trap inside linear memory.
   */
  run(name: string, work: number, args: number[], nth = this.threadsFor(work)): void {
    if (this.closed) {
      throw new Error('wasmnn: this runtime was closed (close() or shutdown()); start a new one with Runtime.create(), or call init() again for the default runtime');
    }
    const k = this.kernels.get(name);
    if (!k) {
      if (this.inferenceOnly && KERNELS.some((s) => s.name === name)) {
        throw new Error(`wasmnn: ${name} is not in the inference-only kernels (wasmnn-infer.wasm, the default of the ` +
          `wasmnn/infer bundles), which can only predict; to train, start the runtime on the full kernels ` +
          `(import from 'wasmnn', or init({ wasm: { simd: <url of wasmnn-simd.wasm> } }) before anything else)`);
      }
      throw new Error(`wasmnn: no kernel named ${name}`);
    }
    try {
      if (!k.threaded) k.fn(...args);
      else if (nth > 1 && this.pool) this.pool.run(k.id, k.fn, args, Math.min(nth, this.pool.threads));
      else callOne(k.fn, args);
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      throw new RangeError(`wasmnn: kernel ${name} trapped (${e.message}): rt.run passes raw pointers and sizes unchecked; ` +
        'call the checked wrappers in kernels (import { kernels } from \'wasmnn\') or pass pointers of live tensors', { cause: e });
    } finally {
      // outside a step the wrapper's scratch (temps taken after its tensor checks) dies with the
      // call: without this every gemm/conv1d/LSTM call outside rt.step() would grow the arena
      if (this.stepDepth === 0 && this.scopeDepth === 0) this.arena.rollback();
    }
  }

  /** Whether a kernel exists in this build. */
  hasKernel(name: string): boolean { return this.kernels.has(name); }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool?.close();
  }
}

// Allocation errors name the tensor, e.g. "a f32 tensor (32, 100, 256)"; the allocators get a
// placeholder that is replaced only when they throw, so no shape string is built per allocation.
const TENSOR = 'a tensor';

function describeTensor(e: unknown, shape: Shape, dtype: DType): unknown {
  if (e instanceof Error) {
    const what = `a ${dtype} tensor ${fmtShape(shape)}`;
    e.message = e.message.replace(TENSOR, what);
    if (e.stack) e.stack = e.stack.replace(TENSOR, what);
  }
  return e;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined (a missing argument?)';
  if (Array.isArray(v)) return 'an array (make a tensor with rt.fromArray())';
  return describe(v);
}

function callOne(fn: (...a: number[]) => void, a: number[]): void {
  switch (a.length) {
    case 3: fn(a[0], a[1], a[2], 0, 1); return;
    case 4: fn(a[0], a[1], a[2], a[3], 0, 1); return;
    case 5: fn(a[0], a[1], a[2], a[3], a[4], 0, 1); return;
    default: fn(...a, 0, 1);
  }
}

export { fmtBytes };
