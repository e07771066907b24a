// The thread pool: N-1 workers plus the calling thread over one shared memory.
// A job is dispatched by writing (kernel, nth, args) into the control block, bumping SEQ and
// notifying; each thread runs its static share (ith, nth) of the kernel's output; the caller
// runs share 0 and then joins on DONE. Workers spin briefly before they sleep in Atomics.wait,
// so back-to-back kernels of one step cost well under a microsecond to dispatch. Threads are
// node worker_threads (worker.js) or, in a cross-origin isolated Web Worker, module Web Workers
// (web-worker.js); both run pool-thread.js over the same control block (pool-layout.ts).
import { CTL } from './pool-layout.js';
import { nodeModule } from './features.js';

export interface PoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  kernelNames: readonly string[];
  threads: number;        // total, caller included
  spin: number;           // polls before a worker (or the joining caller) sleeps
}

const START_TIMEOUT_MS = 15_000;
let webWorkerUrl: URL | null = null;

/**
 * Where the browser pool thread script (web-worker.js) is, for bundles that move it; by default
 * it sits next to this module.
 */
export function setPoolWorkerUrl(url: string | URL | null): void {
  webWorkerUrl = url === null ? null : new URL(url, (globalThis as any).location?.href ?? import.meta.url);
}

function isNode(): boolean {
  return typeof (globalThis as any).process?.versions?.node === 'string';
}

export class WorkerDiedError extends Error {
  constructor(message: string) { super(message); this.name = 'WorkerDiedError'; }
}

export class ThreadPool {
  /** Why no pool can start (pool_absent.ts, the inference bundles' stand-in, says); null: this is the pool. */
  static readonly unavailable: string | null = null;
  readonly threads: number;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly msg: Uint8Array;
  private workers: (() => unknown)[] = [];   // each stops one thread
  private broken: string | null = null;
  private closed = false;

  private constructor(private readonly opts: PoolOptions) {
    this.threads = opts.threads;
    const control = new SharedArrayBuffer(CTL.BYTES);
    this.ctl = new Int32Array(control);
    this.args = new Float64Array(control, CTL.ARGS_BYTE_OFFSET, CTL.MAX_ARGS);
    this.msg = new Uint8Array(control, CTL.MSG_BYTE_OFFSET, CTL.MSG_BYTES);
  }

  static async start(opts: PoolOptions): Promise<ThreadPool> {
    const pool = new ThreadPool(opts);
    const starting = isNode() ? pool.startNodeThreads() : pool.startWebThreads();
    try {
      await Promise.all(starting);
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  private threadData(ith: number) {
    const { module, memory, kernelNames, spin } = this.opts;
    return { module, memory, control: this.ctl.buffer, kernelNames, ith, spin, layout: CTL };
  }

  /** node: worker_threads running worker.js. */
  private startNodeThreads(): Promise<void>[] {
    const ready: Promise<void>[] = [];
    const url = new URL('./worker.js', import.meta.url);
    const threads = nodeModule<typeof import('node:worker_threads')>('worker_threads');
    for (let ith = 1; ith < this.threads; ith++) {
      ready.push(threads.then(({ Worker }) => new Promise<void>((resolve, reject) => {
        const w = new Worker(url, {
          // inherit node flags except those that only make sense for the main script
          execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
          workerData: this.threadData(ith),
        });
        w.unref();   // an idle pool never keeps the process alive
        this.workers.push(() => w.terminate());
        w.once('message', () => resolve());
        w.once('error', (e: Error) => reject(new WorkerDiedError(`wasmnn: pool thread ${ith} failed to start: ${e.message}`)));
        w.once('exit', (code: number) => reject(new WorkerDiedError(`wasmnn: pool thread ${ith} exited (code ${code}) while starting`)));
        w.on('error', (e: Error) => { this.broken ??= `pool thread ${ith} failed: ${e.message}`; });
      })));
    }
    return ready;
  }

  /**
   * Browsers: module Web Workers running web-worker.js, started from a dedicated Worker of a
   * cross-origin isolated page (the joining caller blocks in Atomics.wait, which a page's main
   * thread may not). A thread that cannot load or start is an error after at most START_TIMEOUT_MS.
   */
  private startWebThreads(): Promise<void>[] {
    const ready: Promise<void>[] = [];
    // for messages only: not a literal new URL('./web-worker.js', import.meta.url), which a bundler
    // would copy as a plain asset besides the worker it bundles
    const url = webWorkerUrl ? webWorkerUrl.href : "the library's web-worker.js (beside the module that starts the pool)";
    for (let ith = 1; ith < this.threads; ith++) {
      ready.push(new Promise<void>((resolve, reject) => {
        const fail = (why: string, loading = true) => {
          clearTimeout(timer);
          const fix = loading ? `serve ${url} as text/javascript from the page's origin with COOP/COEP headers, or use threads: 1` : 'use threads: 1';
          reject(new WorkerDiedError(`wasmnn: pool thread ${ith} failed to start: ${why}; ${fix}`));
        };
        const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
        let w: Worker;
        try {
          // the default is the one-expression form new Worker(new URL('./x.js', import.meta.url), { type: 'module' })
          // that bundlers (Vite, webpack) recognise as a worker entry to bundle and rewrite
          w = webWorkerUrl
            ? new Worker(webWorkerUrl, { type: 'module', name: `wasmnn pool thread ${ith}` })
            : new Worker(new URL('./web-worker.js', import.meta.url), { type: 'module', name: `wasmnn pool thread ${ith}` });
        } catch (e: any) {
          fail(e?.message ?? String(e));
          return;
        }
        this.workers.push(() => w.terminate());
        w.onmessage = (e: MessageEvent) => {
          clearTimeout(timer);
          if (e.data?.ready === ith) resolve();
          else fail(e.data?.error ?? 'unexpected message', false);
        };
        w.onmessageerror = () => fail('the module or memory could not be sent to it', false);
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          // after start the caller may be blocked in a join and learns of a death from the
          // control block; this records it for the next run()
          this.broken ??= `pool thread ${ith} failed: ${e.message || 'error'}`;
          fail(e.message || 'its script did not load or threw');
        };
        w.postMessage(this.threadData(ith));
      }));
    }
    return ready;
  }

  /**
   * Runs `fn` as (args..., ith, nth) on nth threads: share 0 here, the rest on workers.
   * Returns after every share is done. Throws if a share threw or a worker died.
   */
  run(kernel: number, fn: (...a: number[]) => void, args: ArrayLike<number>, nth: number): void {
    if (this.closed) throw new Error('wasmnn: the runtime was closed; call init() again');
    if (this.broken) throw new WorkerDiedError(`wasmnn: the thread pool is broken (${this.broken}); close() the runtime and init() it again, or use threads: 1`);
    const ctl = this.ctl;
    const n = args.length;
    if (n > CTL.MAX_ARGS) throw new Error(`wasmnn: kernel ${kernel} has ${n} arguments; the pool carries at most ${CTL.MAX_ARGS}`);
    for (let i = 0; i < n; i++) this.args[i] = args[i];
    ctl[CTL.KERNEL] = kernel;
    ctl[CTL.NTH] = nth;
    ctl[CTL.NARGS] = n;
    ctl[CTL.DONE] = 0;
    ctl[CTL.ERROR] = 0;
    Atomics.add(ctl, CTL.SEQ, 1);               // release: the stores above are visible to workers
    Atomics.notify(ctl, CTL.SEQ);
    let ownError: unknown = null;
    try {
      callShare(fn, args, 0, nth);
    } catch (e) {
      ownError = e;
    }
    this.join(nth - 1);
    if (ownError) throw ownError;
    const failed = ctl[CTL.ERROR];
    if (failed) {
      const text = new TextDecoder().decode(this.msg.slice()).replace(/\0+$/, '');
      throw new Error(`wasmnn: pool thread ${failed - 1} failed in ${text}`);
    }
  }

  private join(expected: number): void {
    const ctl = this.ctl;
    let k = 0;
    for (;;) {
      const done = Atomics.load(ctl, CTL.DONE);
      if (done >= expected) return;
      const dead = Atomics.load(ctl, CTL.DEAD);
      if (dead) {
        const ith = 31 - Math.clz32(dead & -dead);
        this.broken = `pool thread ${ith} exited`;
        throw new WorkerDiedError(`wasmnn: pool thread ${ith} exited during a job; the result is incomplete. ` +
          `close() the runtime and init() it again, or use threads: 1`);
      }
      if (++k > this.opts.spin) {
        Atomics.wait(ctl, CTL.DONE, done, 20);   // the timeout lets us notice a dead worker
        k = 0;
      }
    }
  }

  /** Tests only: makes worker `ith` exit as though it crashed, at its next job. */
  _killWorkerForTest(ith: number): void {
    const ctl = this.ctl;
    ctl[CTL.KERNEL] = CTL.EXIT_KERNEL;
    ctl[CTL.NARGS] = ith;
    Atomics.add(ctl, CTL.SEQ, 1);
    Atomics.notify(ctl, CTL.SEQ);
    const t0 = Date.now();
    while (!(Atomics.load(ctl, CTL.DEAD) & (1 << ith)) && Date.now() - t0 < 5000) Atomics.wait(ctl, CTL.DONE, ctl[CTL.DONE], 5);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const ctl = this.ctl;
    ctl[CTL.KERNEL] = CTL.STOP_KERNEL;
    Atomics.add(ctl, CTL.SEQ, 1);
    Atomics.notify(ctl, CTL.SEQ);
    await Promise.all(this.workers.map((stop) => stop()));
    this.workers = [];
  }
}

function callShare(fn: (...a: number[]) => void, a: ArrayLike<number>, ith: number, nth: number): void {
  switch (a.length) {
    case 3: fn(a[0], a[1], a[2], ith, nth); return;
    case 4: fn(a[0], a[1], a[2], a[3], ith, nth); return;
    case 5: fn(a[0], a[1], a[2], a[3], a[4], ith, nth); return;
    default: fn(...Array.from(a), ith, nth);
  }
}
