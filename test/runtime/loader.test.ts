// Loading: every kind of source, both builds, feature detection and env() reporting, the
// default runtime's lifecycle, and the manifest checked against the builds' exports.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../../src/runtime/runtime.js';
import { defaultWasmUrl } from '../../src/runtime/loader.js';
import { KERNELS } from '../../src/kernels/manifest.js';
import { init, env, memory, shutdown, runtime } from '../../src/index.js';

const simdUrl = defaultWasmUrl('simd');
const bytes = readFileSync(simdUrl);
const buildFile = (name: string) => new URL(`../../build/${name}`, import.meta.url);

describe('loader', () => {
  it.each([
    ['a file path', () => fileURLToPath(simdUrl)],
    ['a file URL', () => simdUrl],
    ['a file URL string', () => simdUrl.href],
    ['bytes', () => new Uint8Array(bytes)],
    ['an ArrayBuffer', () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)],
    ['a compiled module', () => new WebAssembly.Module(bytes)],
    ['a Response', () => new Response(bytes, { headers: { 'content-type': 'application/wasm' } })],
  ])('loads the simd build from %s', async (_, source) => {
    const rt = await Runtime.create({ build: 'simd', wasm: { simd: source() as any } });
    const t = rt.fromArray([-2, 3]);
    rt.run('f32_relu_fwd', 1, [t.ptr, t.ptr, 2]);
    expect(Array.from(t.f32())).toEqual([0, 3]);
    await rt.close();
  });

  it('says where it looked and what to do when the file is missing', async () => {
    await expect(Runtime.create({ build: 'simd', wasm: { simd: '/nonexistent/wasmnn-simd.wasm' } }))
      .rejects.toThrow(/cannot read the kernels at \/nonexistent\/wasmnn-simd.wasm \(ENOENT\).*npm run build/);
    await expect(Runtime.create({ build: 'simd', wasm: { simd: new Response('nope', { status: 404 }) } }))
      .rejects.toThrow(/could not fetch the kernels \(404/);
    // bytes that are no wasm (a damaged file, an HTML page served in its place): a wasmnn error, not the engine's CompileError
    await expect(Runtime.create({ build: 'simd', wasm: { simd: new Uint8Array([1, 2, 3]) } }))
      .rejects.toThrow(/^wasmnn: the kernels from the bytes given are not a WebAssembly module this engine can compile \(.+\); .*npm run build/);
    await expect(Runtime.create({ build: 'simd', wasm: { simd: new Response('<!doctype html><p>not found</p>') } }))
      .rejects.toThrow(/^wasmnn: the kernels from the Response are not a WebAssembly module .*an HTML error page/);
  });

  it('in node compiles synchronously, and falls back to the asynchronous compile where a host refuses that (an Electron renderer)', async () => {
    const real = WebAssembly.Module;
    let syncCalls = 0;
    const refusing = new Proxy(real, {
      construct() { syncCalls++; throw new RangeError('WebAssembly.Module(): Buffer size is larger than 4 KB. Use WebAssembly.compile, or compile on a worker thread.'); },
    });
    (WebAssembly as any).Module = refusing;
    try {
      const rt = await Runtime.create({ build: 'simd', wasm: { simd: new Uint8Array(bytes) } });
      expect(syncCalls).toBe(1);   // tried, refused, and compiled by WebAssembly.compile instead
      const t = rt.fromArray([-2, 3]);
      rt.run('f32_relu_fwd', 1, [t.ptr, t.ptr, 2]);
      expect(Array.from(t.f32())).toEqual([0, 3]);
      await rt.close();
    } finally {
      (WebAssembly as any).Module = real;
    }
  });

  it('the threaded build imports shared memory; the single-thread build does not', () => {
    const mt = new WebAssembly.Module(readFileSync(buildFile('wasmnn-simd-mt.wasm')));
    const st = new WebAssembly.Module(bytes);
    const plain = new WebAssembly.Memory({ initial: 2, maximum: 100 });
    const shared = new WebAssembly.Memory({ initial: 2, maximum: 100, shared: true } as any);
    expect(() => new WebAssembly.Instance(mt, { env: { memory: plain } })).toThrow(/shared/);
    expect(() => new WebAssembly.Instance(st, { env: { memory: plain } })).not.toThrow();
    expect(() => new WebAssembly.Instance(mt, { env: { memory: shared } })).not.toThrow();
    // the imports are the memory and nothing else: runs in hosts that provide nothing
    expect(WebAssembly.Module.imports(st).map((i) => `${i.module}.${i.name}`)).toEqual(['env.memory']);
    expect(WebAssembly.Module.imports(mt).map((i) => `${i.module}.${i.name}`)).toEqual(['env.memory']);
  });

  it('env() reports the build, the threads and why', async () => {
    const a = await Runtime.create({ build: 'simd' });
    expect(a.env()).toMatchObject({ build: 'simd', threads: 1, simd: true, host: 'node' });
    expect(a.env().reason).toMatch(/single-thread build/);
    await a.close();
    const b = await Runtime.create({ threads: 2 });
    expect(b.env()).toMatchObject({ build: 'simd-mt', threads: 2 });
    expect(b.env().reason).toMatch(/2 threads as asked/);
    await b.close();
  });
});

describe('default runtime', () => {
  it('init, env, memory, shutdown', async () => {
    expect(() => runtime()).toThrow(/call `await init\(\)` first/);
    const [r1, r2] = await Promise.all([init({ threads: 1 }), init()]);
    expect(r1).toBe(r2);
    expect(env().threads).toBe(1);
    expect(memory().liveBytes).toBe(0);
    const t = r1.alloc([256]);
    expect(memory().liveBytes).toBe(1024);
    r1.free(t);
    await shutdown();
    expect(() => env()).toThrow(/not initialised/);
  });

  it('a later init() asking for another runtime is refused, not ignored; one it satisfies returns it', async () => {
    const rt = await init({ threads: 1, build: 'simd', maxMemoryBytes: 64 * 2 ** 20 + 100 });
    // satisfied: no options, the same ones, or what the runtime has (the ceiling rounds to pages)
    expect(await init()).toBe(rt);
    expect(await init({ threads: 1, build: 'simd' })).toBe(rt);
    expect(await init({ build: 'auto', fma: false, maxMemoryBytes: 64 * 2 ** 20, parallelThreshold: rt.parallelThreshold, threads: null as unknown as number })).toBe(rt);
    // refused, each naming what runs, what was asked and the way out
    await expect(init({ threads: 2 })).rejects.toThrow(/already started the runtime \(simd, 1 thread\).*it runs 1 thread, this call asks for threads: 2.*await shutdown\(\)/);
    await expect(init({ build: 'simd-mt' })).rejects.toThrow(/it runs the simd build, this call asks for build: 'simd-mt'/);
    await expect(init({ fma: true })).rejects.toThrow(/fma: true/);
    await expect(init({ maxMemoryBytes: 2 ** 30 })).rejects.toThrow(/maxMemoryBytes: 1073741824, the runtime's ceiling is 67108864 bytes/);
    await expect(init({ parallelThreshold: 5 })).rejects.toThrow(/parallelThreshold: 5/);
    await expect(init({ spin: 3 })).rejects.toThrow(/spin: 3/);
    expect(runtime()).toBe(rt);                     // the refusals left it running
    // a call while the runtime is still starting is compared too
    await shutdown();
    const starting = init({ threads: 1 });
    await expect(init({ threads: 2 })).rejects.toThrow(/this call asks for threads: 2/);
    const again = await starting;
    // after shutdown() the options are free again
    await shutdown();
    const other = await init({ threads: 2 });
    expect(other).not.toBe(again);
    expect(other.threads).toBe(2);
    expect(await init({ threads: 2 })).toBe(other);
    await shutdown();
  });

  it('wasmnn/infer compares with what its caller asked for, not its own single-thread default', async () => {
    const infer = await import('../../src/infer.js');
    const rt = await infer.init();
    expect(rt.threads).toBe(1);
    expect(await infer.init({ threads: 1 })).toBe(rt);
    await expect(infer.init({ threads: 2 })).rejects.toThrow(/this call asks for threads: 2/);
    await infer.shutdown();
  });
});

describe('manifest', () => {
  const fast = (name: string) => new WebAssembly.Module(readFileSync(buildFile(name)));
  const exportsOf = (m: WebAssembly.Module) => WebAssembly.Module.exports(m).filter((e) => e.kind === 'function').map((e) => e.name);
  const RUNTIME_ENTRIES = ['wasmnn_heap_base', 'wasmnn_abi_version'];

  it.each([['wasmnn-simd.wasm'], ['wasmnn-simd-mt.wasm'], ['wasmnn-ref.wasm']])('%s exports exactly the manifest', (file) => {
    const names = exportsOf(fast(file)).filter((n) => !RUNTIME_ENTRIES.includes(n)).sort();
    expect(names).toEqual(KERNELS.map((k) => k.name).sort());
  });

  it('wasmnn-infer.wasm (the inference-only set) exports forward kernels of the manifest, marked as such', () => {
    const m = fast('wasmnn-infer.wasm');
    const names = exportsOf(m).filter((n) => !RUNTIME_ENTRIES.includes(n) && n !== 'wasmnn_inference_only').sort();
    const manifest = new Set(KERNELS.map((k) => k.name));
    expect(names.filter((n) => !manifest.has(n))).toEqual([]);
    expect(names.filter((n) => !n.endsWith('_fwd'))).toEqual([]);
    for (const need of ['f32_gemm_fwd', 'f32_embedding_fwd', 'f32_embedding_bag_fwd', 'f32_lstm_seq_fwd', 'f32_gru_seq_fwd', 'f32_conv1d_fwd', 'f32_softmax_fwd']) {
      expect(names).toContain(need);
    }
    expect(exportsOf(m)).toContain('wasmnn_inference_only');
    expect(exportsOf(fast('wasmnn-simd.wasm'))).not.toContain('wasmnn_inference_only');
  });

  it('threaded kernels take (ith, nth) beyond their twin\'s arguments', async () => {
    const rt = await Runtime.create({ build: 'simd' });
    const refMem = new WebAssembly.Memory({ initial: 2, maximum: 100 });
    const ref = new WebAssembly.Instance(fast('wasmnn-ref.wasm'), { env: { memory: refMem } }).exports as any;
    const ex = rt.instance.exports as any;
    for (const k of KERNELS) {
      expect(ex[k.name].length, k.name).toBe(ref[k.name].length + (k.threaded ? 2 : 0));
    }
    await rt.close();
  });

  it('kernel names follow <dtype>_<op>[_<fusion>]_<fwd|bwd|update>', () => {
    for (const k of KERNELS) expect(k.name).toMatch(/^(f32|i32)_[a-z0-9_]+_(fwd|bwd|update|partial)$/);
    expect(new Set(KERNELS.map((k) => k.name)).size).toBe(KERNELS.length);
  });
});
