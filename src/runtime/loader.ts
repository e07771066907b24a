// Finds, compiles and instantiates a build of the kernels.
// A source may be a file path (node), a URL (a relative one, in browsers, resolved as fetch()
// resolves it: against the page, or a Worker's own URL), bytes, a Response, or an already compiled WebAssembly.Module (Cloudflare Workers refuse
// to compile from bytes: import the .wasm and pass the module).
import { nodeModule, type BuildName } from './features.js';

/** Where kernels come from: a URL or path, the bytes, a fetch Response, or a compiled module
 *  (`& object`: lib "dom" declares WebAssembly.Module as an empty interface, which a number would fit). */
export type WasmSource = string | URL | ArrayBuffer | ArrayBufferView | Response | (WebAssembly.Module & object);

// The WebAssembly types the published declarations name (Module, Memory, Instance), declared here
// empty: they merge with lib "dom"'s where a project has it, and let a node project without lib
// "dom" compile against wasmnn's declarations (skipLibCheck off) instead of failing on the namespace.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace WebAssembly {
    // eslint-disable-next-line @typescript-eslint/no-empty-interface
    interface Module {}
    // eslint-disable-next-line @typescript-eslint/no-empty-interface
    interface Memory {}
    // eslint-disable-next-line @typescript-eslint/no-empty-interface
    interface Instance {}
  }
}

export const ABI_VERSION = 2;

/**
 * Where the builds sit next to this module: <pkg>/build/ from <pkg>/dist/runtime/ or <pkg>/src/runtime/
 * (and from <pkg>/dist/bundle/). One literal `new URL('...', import.meta.url)` per build, evaluated
 * only for the build asked for: bundlers (Vite, webpack, rollup/parcel plugins) follow only this
 * static form to copy the file and rewrite the URL; a template literal is opaque to them (Vite's dev
 * pre-bundler turned it into .../deps/undefined).
 */
export function defaultWasmUrl(build: BuildName): URL {
  switch (build) {
    case 'simd': return new URL('../../build/wasmnn-simd.wasm', import.meta.url);
    case 'simd-mt': return new URL('../../build/wasmnn-simd-mt.wasm', import.meta.url);
    case 'simd-fma': return new URL('../../build/wasmnn-simd-fma.wasm', import.meta.url);
    case 'simd-fma-mt': return new URL('../../build/wasmnn-simd-fma-mt.wasm', import.meta.url);
    default: throw new RangeError(`wasmnn: no build named ${String(build)}`);
  }
}

export async function compileWasm(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer) return compileBytes(source, 'the bytes given');
  if (ArrayBuffer.isView(source)) return compileBytes(source as unknown as BufferSource, 'the bytes given');
  if (typeof source === 'string' || source instanceof URL) return compileBytes((await readBytes(source)) as BufferSource, String(source));
  // only now touch the global Response: in node its first use loads the fetch implementation (10-40 ms)
  if (typeof Response !== 'undefined' && source instanceof Response) {
    if (!source.ok) throw new Error(`wasmnn: could not fetch the kernels (${source.status} ${source.statusText} from ${source.url})`);
    return compileBytes(await source.arrayBuffer(), source.url || 'the Response');
  }
  throw new TypeError('wasmnn: a wasm source is a path, URL, ArrayBuffer, typed array, Response or WebAssembly.Module');
}

/** Node: no page to keep responsive, and there a synchronous compile skips the background job's hand-offs. */
const inNode = typeof (globalThis as any).process?.versions?.node === 'string';

/**
 * WebAssembly.compile, with an engine's CompileError turned into one that says what to do. In node
 * the compile is synchronous (new WebAssembly.Module): the same work without the asynchronous job's
 * hand-offs, 0.4-0.6 ms sooner for the 107 KB inference build here (decoding and validation; V8
 * compiles each function lazily on its first call either way). Pages keep the asynchronous compile
 * (Chromium refuses synchronous compiles of large modules on a page's main thread: above 4 KB until
 * version 114, 8 MB since), and so does a host that reports node but refuses the synchronous one (an
 * Electron renderer with node integration): any error but a CompileError falls back to it.
 */
async function compileBytes(bytes: BufferSource, where: string): Promise<WebAssembly.Module> {
  try {
    if (inNode) {
      try {
        return new WebAssembly.Module(bytes);
      } catch (e) {
        if (e instanceof WebAssembly.CompileError) throw e;
      }
    }
    return await WebAssembly.compile(bytes);
  } catch (e) {
    if (!(e instanceof WebAssembly.CompileError)) throw e;
    throw new Error(`wasmnn: the kernels from ${where} are not a WebAssembly module this engine can compile (${e.message}); ` +
      'the file is damaged, is not a wasmnn build (an HTML error page served in its place?), or needs a feature this engine lacks: ' +
      'rebuild with npm run build, or pass init({ wasm: { ... } }) the right file');
  }
}

async function readBytes(where: string | URL): Promise<ArrayBuffer | Uint8Array> {
  let url: URL | null = null;
  if (where instanceof URL) url = where;
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(where)) url = new URL(where);
  if (inNode && (url === null || url.protocol === 'file:')) {
    const fs = await nodeModule<typeof import('node:fs/promises')>('fs/promises');
    try {
      return await fs.readFile(url ?? where);   // readFile takes file: URLs as they are
    } catch (e: any) {
      const path = url ? (await nodeModule<typeof import('node:url')>('url')).fileURLToPath(url) : where as string;
      throw new Error(`wasmnn: cannot read the kernels at ${path} (${e.code ?? e.message}). ` +
        'In a clone of wasmnn, build them with npm run build; in an installed package they ship in its build/ folder, ' +
        'so reinstall it if they are missing; or pass init({ wasm: { ... } }) with their location.');
    }
  }
  // a relative URL is the page's, as for fetch() (not this module's: once bundled, the module's
  // URL is a chunk's, or with webpack a file: URL of the build machine)
  const res = await fetch(url ?? (where as string));
  if (!res.ok) throw new Error(`wasmnn: could not fetch the kernels (${res.status} ${res.statusText} from ${res.url}); pass init({ wasm: { ... } }) with their location`);
  return res.arrayBuffer();
}

/** Instantiates a compiled build on the given memory and checks its ABI. */
export async function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<WebAssembly.Instance> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const v = (instance.exports as any).wasmnn_abi_version?.();
  if (v !== ABI_VERSION) {
    throw new Error(`wasmnn: the kernels have ABI version ${v} but this library needs ${ABI_VERSION}; rebuild them (npm run build) or use matching files`);
  }
  return instance;
}
