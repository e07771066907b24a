// The thread pool: N-1 workers plus the calling thread over one shared memory.
// A job is dispatched by writing (kernel, nth, args) into the control block, bumping SEQ and
// notifying; each thread runs its static share (ith, nth) of the kernel's output; the caller
// runs share 0 and then joins on DONE. Workers spin briefly before they sleep in Atomics.wait,
// so back-to-back kernels of one step cost well under a microsecond to dispatch.
import { CTL } from './pool-layout.js';

export interface PoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  kernelNames: readonly string[];
  threads: number;        // total, caller included
  spin: number;           // polls before a worker (or the joining caller) sleeps
}

export class WorkerDiedError extends Error {
  constructor(message: string) { super(message); this.name = 'WorkerDiedError'; }
}

export class ThreadPool {
  readonly threads: number;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly msg: Uint8Array;
  private workers: any[] = [];
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
    const { Worker } = await import('node:worker_threads');
    const url = new URL('./worker.js', import.meta.url);
    const ready: Promise<void>[] = [];
    for (let ith = 1; ith < opts.threads; ith++) {
      const w = new Worker(url, {
        // inherit node flags except those that only make sense for the main script
        execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
        workerData: {
          module: opts.module, memory: opts.memory, control: pool.ctl.buffer,
          kernelNames: opts.kernelNames, ith, spin: opts.spin, layout: CTL,
        },
      });
      w.unref();   // an idle pool never keeps the process alive
      pool.workers.push(w);
      ready.push(new Promise((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', (e: Error) => reject(new WorkerDiedError(`wasmnn: pool thread ${ith} failed to start: ${e.message}`)));
        w.once('exit', (code: number) => reject(new WorkerDiedError(`wasmnn: pool thread ${ith} exited (code ${code}) while starting`)));
      }));
      w.on('error', (e: Error) => { pool.broken ??= `pool thread ${ith} failed: ${e.message}`; });
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
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
    await Promise.all(this.workers.map((w) => w.terminate()));
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
