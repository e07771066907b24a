// init() of the inference entry: the default runtime on the single-thread 'simd' build, run on the
// calling thread. A small model predicts in well under a millisecond; starting threads would cost
// far more, and the entry's bundles (what the package's exports map gives) leave the thread pool
// out (runtime/pool_absent.ts): asking them for `threads` runs one thread and env().reason says so;
// a `build` gets the rest of the choice of src/runtime/runtime.ts.
import { initWith } from '../runtime/default.js';
import { checkOptions } from '../options.js';
import { INIT_OPTIONS } from '../runtime/runtime.js';
import { hostKind, threadSupport } from '../runtime/features.js';
import type { CreateOptions, InitOptions, Runtime } from '../runtime/runtime.js';

/** Starts the default runtime; later calls return it, as init() of src/runtime/default.ts does. */
export async function init(options: InitOptions = {}): Promise<Runtime> {
  checkOptions('init', options, INIT_OPTIONS);
  // where threads cannot run, 'auto' picks simd anyway and says why; elsewhere ask for simd, and
  // env().reason says it is this entry's default (the caller chose nothing)
  const pick = options.build || (options.threads ?? 1) > 1 || !threadSupport(hostKind()).ok;
  const single: CreateOptions = { ...options, build: 'simd', defaultReason: "single-thread build: the default of wasmnn/infer (import from 'wasmnn' for threads)" };
  return initWith(pick ? options : single, options);
}
