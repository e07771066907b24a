// What the wasmnn/infer bundles (dist/bundle/infer.js, infer-workerd.js) hold in place of pool.ts:
// rollup.config.mjs swaps it in for runtime.ts's import. Those bundles predict on the calling
// thread (a page's main thread cannot block; a Cloudflare Worker has no threads; a small model
// predicts in well under a millisecond), and the pool's 4 KB (1.6 KB gzip) would take most of what
// their 60 KB budget has left. Runtime.create sees `unavailable` and runs one thread, as on any host
// without threads: 'auto' says why in env().reason, an explicit '-mt' build is refused.
import type { PoolOptions } from './pool.js';

export class ThreadPool {
  /** Why no pool can start here (the real ThreadPool's is null). */
  static readonly unavailable: string | null =
    "threads off: the wasmnn/infer bundles run on one thread (import from 'wasmnn' for a thread pool)";

  static start(_options: PoolOptions): Promise<never> {
    return Promise.reject(new Error(`wasmnn: ${ThreadPool.unavailable}`));
  }
}
