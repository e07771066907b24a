// Where a model file's bytes come from: a path or file: URL in node, an http(s) or relative URL
// (fetch), a Response, or bytes. Shared by the full loader (wnn.ts) and the inference entry; no
// static node: imports, so browsers and workers can load it.
import { nodeModule } from '../runtime/features.js';

export type ModelSource = string | URL | ArrayBuffer | ArrayBufferView | Response;

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;

/** The bytes of a model: a path or file: URL in node, an http(s) URL (fetch), a Response, or bytes. */
export async function readModelSource(source: ModelSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof source === 'string' || source instanceof URL) {
    const s = String(source);
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s)?.[1]?.toLowerCase();
    const remote = scheme !== undefined && scheme !== 'file' && !(scheme.length === 1 && isNode());   // 'C:' is a Windows drive
    if (!remote && isNode()) {
      const fs = await nodeModule<typeof import('node:fs/promises')>('fs/promises');
      const path = scheme === 'file' ? (await nodeModule<typeof import('node:url')>('url')).fileURLToPath(s) : s;
      try {
        // a device or pipe (/dev/zero, a FIFO) would be read without end: only regular files
        const stat = await fs.stat(path);
        if (!stat.isFile() && !stat.isDirectory()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
        return new Uint8Array(await fs.readFile(path));
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ENOENT') throw new Error(`wasmnn: no model file at ${path}; check the path`);
        if (code === 'EISDIR') throw new Error(`wasmnn: ${path} is a directory, not a model file`);
        if (code === 'ENOTREG') throw new Error(`wasmnn: ${path} is not a regular file (a device, pipe or socket); a model file is a .wnn file on disk`);
        throw new Error(`wasmnn: cannot read the model file ${path}: ${(err as Error).message}`);
      }
    }
    if (typeof fetch !== 'function') throw new Error(`wasmnn: cannot load ${s}: this host has no fetch; pass the file's bytes instead`);
    let res: Response;
    try {
      res = await fetch(s);
    } catch (err) {
      throw new Error(`wasmnn: could not fetch the model from ${s}: ${(err as Error).message}`);
    }
    return responseBytes(res, s);
  }
  // only now touch the global Response: in node its first use loads the fetch implementation (tens of ms)
  if (typeof Response !== 'undefined' && source instanceof Response) return responseBytes(source, source.url || 'the response');
  throw new TypeError(`wasmnn: a model source is a path, URL, Response, ArrayBuffer or typed array, got ${source === null ? 'null' : typeof source}`);
}

async function responseBytes(res: Response, where: string): Promise<Uint8Array> {
  if (!res.ok) throw new Error(`wasmnn: could not fetch the model from ${where}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  return new Uint8Array(await res.arrayBuffer());
}

