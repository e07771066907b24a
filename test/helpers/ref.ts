// The oracle: build/wasmnn-ref.wasm, plain scalar twins of every kernel, on its own memory.
// Inputs are copied in, outputs copied out, so the fast build under test shares nothing with it.
import { readFileSync } from 'node:fs';

export class Ref {
  readonly exports: Record<string, any>;
  private readonly memory: WebAssembly.Memory;
  private top: number;
  private readonly base: number;

  constructor() {
    const bytes = readFileSync(new URL('../../build/wasmnn-ref.wasm', import.meta.url));
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: this.memory } });
    this.exports = inst.exports as any;
    this.base = this.top = Math.ceil(this.exports.wasmnn_heap_base() / 64) * 64;
  }

  /** Room for n 4-byte values; returns its byte offset. */
  alloc(n: number): number {
    const ptr = this.top;
    this.top += Math.ceil(Math.max(n, 1) * 4 / 64) * 64;
    const need = this.top - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / 65536));
    return ptr;
  }

  put(values: ArrayLike<number>, dtype: 'f32' | 'i32' = 'f32'): number {
    const ptr = this.alloc(values.length);
    (dtype === 'f32' ? new Float32Array(this.memory.buffer, ptr, values.length) : new Int32Array(this.memory.buffer, ptr, values.length)).set(values);
    return ptr;
  }

  f32(ptr: number, n: number): Float32Array { return new Float32Array(this.memory.buffer, ptr, n).slice(); }
  i32(ptr: number, n: number): Int32Array { return new Int32Array(this.memory.buffer, ptr, n).slice(); }

  call(name: string, ...args: number[]): any {
    const fn = this.exports[name];
    if (typeof fn !== 'function') throw new Error(`ref build has no ${name}`);
    return fn(...args);
  }

  /** Frees everything (call between cases). */
  reset(): void { this.top = this.base; }
}
