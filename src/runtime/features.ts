// Feature detection: which build this host can run, and why threads are on or off.

/**
 * The kernel builds: 'simd' (one thread), 'simd-mt' (threads over shared memory), and the opt-in
 * 'simd-fma' / 'simd-fma-mt', the same with relaxed SIMD's fused multiply-add in the products
 * (faster where the CPU fuses it; results differ in the last bits from the default builds and may
 * differ between machines). The fma builds are used only when asked for by name.
 */
export type BuildName = 'simd' | 'simd-mt' | 'simd-fma' | 'simd-fma-mt';
export type HostKind = 'node' | 'browser' | 'web-worker' | 'workerd' | 'unknown';

/** The bytes of (module (func (result v128) EXPR)), for WebAssembly.validate probes. */
function probeModule(expr: number[]): BufferSource {
  const body = [0, ...expr, 11];   // no locals, EXPR, end
  return new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, body.length + 2, 1, body.length, ...body]);
}

/** (v128.const i32x4 0 0 0 0) */
const V128_ZERO = [253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

export function hostKind(): HostKind {
  const g = globalThis as any;
  if (typeof g.navigator === 'object' && g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (typeof g.process === 'object' && g.process?.versions?.node) return 'node';
  if (typeof g.window === 'object' && typeof g.document === 'object') return 'browser';
  if (typeof g.WorkerGlobalScope === 'function' && g instanceof g.WorkerGlobalScope) return 'web-worker';
  return 'unknown';
}

/**
 * A node built-in module without the ES module loader: process.getBuiltinModule (node 20.16+,
 * 22.3+) is synchronous and takes a fraction of a millisecond, where the first import('node:...')
 * of a process costs about one (measured on a cold start). Undefined elsewhere.
 */
function getBuiltin<T>(name: string): T | undefined {
  return (globalThis as any).process?.getBuiltinModule?.(name) as T | undefined;
}

/**
 * A node built-in module (`name` without the node: prefix), for the node-only code paths of
 * modules that browser and Worker bundles also hold: getBuiltin, else a dynamic import that
 * bundlers leave alone. A literal import('node:...') breaks page builds: webpack fails on the
 * node: scheme (UnhandledSchemeError) and esbuild on a built-in it cannot resolve for browsers; a
 * computed specifier is one they do not follow, and the comments (kept in our bundles) silence
 * webpack's and Vite's notes about it. Pages never reach these paths.
 */
export async function nodeModule<T>(name: string): Promise<T> {
  const builtin = getBuiltin<T>(name);
  if (builtin) return builtin;
  return import(/* webpackIgnore: true */ /* @vite-ignore */ `node:${name}`) as Promise<T>;
}

export function hasSimd(): boolean {
  try { return WebAssembly.validate(probeModule(V128_ZERO)); } catch { return false; }
}

/** Whether the engine compiles relaxed SIMD now (f32x4.relaxed_madd, which the fma builds use). */
export function hasRelaxedSimd(): boolean {
  // (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))
  try { return WebAssembly.validate(probeModule([...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 253, 133, 2])); } catch { return false; }
}

/**
 * Makes relaxed SIMD available for an fma build, or throws an error naming the problem and the fix.
 * Node 20 has it only behind the V8 flag --experimental-wasm-relaxed-simd: here it is turned on at
 * run time with v8.setFlagsFromString (node:v8, imported only on this path). V8 flags belong to the
 * process, so the pool's worker threads compile and run the same module. Chrome 114+, node 22+ and
 * Cloudflare Workers have relaxed SIMD on by default.
 */
export async function requireRelaxedSimd(host: HostKind, build: BuildName): Promise<void> {
  if (hasRelaxedSimd()) return;
  if (host === 'node') {
    try {
      const v8 = await nodeModule<typeof import('node:v8')>('v8');
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch { /* reported below */ }
    if (hasRelaxedSimd()) return;
  }
  throw new Error(`wasmnn: the '${build}' build needs WebAssembly relaxed SIMD, which this engine does not support` +
    (host === 'node' ? ' (not even with --experimental-wasm-relaxed-simd)' : '') +
    `; use a newer engine (node 22+, Chrome 114+) or the default '${build.endsWith('-mt') ? 'simd-mt' : 'simd'}' build`);
}

/** Hardware threads the host reports (1 where it reports none). */
export async function hardwareThreads(host: HostKind): Promise<number> {
  if (host === 'node') {
    const os = await nodeModule<typeof import('node:os')>('os');
    return (os as any).availableParallelism?.() ?? os.cpus().length;
  }
  const n = (globalThis as any).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 1;
}

/** Whether threads can run here; when not, the reason in words a user can act on. */
export function threadSupport(host: HostKind): { ok: boolean; reason: string } {
  if (typeof SharedArrayBuffer === 'undefined') {
    return { ok: false, reason: host === 'browser' || host === 'web-worker'
      ? 'threads off: page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)'
      : 'threads off: SharedArrayBuffer is not available on this host' };
  }
  if (host === 'workerd') return { ok: false, reason: 'threads off: edge workers have no threads' };
  if (host === 'browser' || host === 'web-worker') {
    if (!(globalThis as any).crossOriginIsolated) {
      return { ok: false, reason: 'threads off: page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)' };
    }
    if (host === 'browser') {
      return { ok: false, reason: 'threads off: the page\'s main thread cannot block; train in a Worker to use threads' };
    }
    return { ok: true, reason: 'threads on: Web Workers over shared memory (cross-origin isolated)' };
  }
  if (host === 'node') {
    try {
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as any);
    } catch {
      return { ok: false, reason: 'threads off: this node cannot create shared WebAssembly memory' };
    }
    return { ok: true, reason: 'threads on: node worker_threads over shared memory' };
  }
  return { ok: false, reason: 'threads off: unknown host' };
}
