// Argument checks at the ABI boundary: a kernel never sees a pointer or shape the host has not
// checked, so a bad argument is an Error that names it, never a silent wrong answer.
import { Tensor, fmtShape, type DType, type Shape } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

/**
 * Refuses an arguments or options object that is missing or not an object (gemm(..., null),
 * lstmSequence(rt)), which would otherwise fail later with a raw TypeError.
 */
export function argsObject<T>(op: string, name: string, v: T, example: string): T {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    const got = v === null ? 'null' : v === undefined ? 'nothing' : Array.isArray(v) ? 'an array' : typeof v;
    throw new TypeError(`wasmnn: ${op}: ${name} must be an object such as ${example}, got ${got}`);
  }
  return v;
}

export function live(rt: Runtime, what: string, t: Tensor, dtype: DType = 'f32'): Tensor {
  rt.checkTensor(t, what);
  if (t.dtype !== dtype) throw new TypeError(`wasmnn: ${what} must be ${dtype}, got ${t.dtype}`);
  return t;
}

export function sameShape(op: string, names: string[], ts: Tensor[]): void {
  const s0 = ts[0].shape;
  for (let i = 1; i < ts.length; i++) {
    const s = ts[i].shape;
    if (s.length !== s0.length || s.some((d, j) => d !== s0[j])) {
      throw new RangeError(`wasmnn: ${op}: ${names[i]} has shape ${fmtShape(s)} but ${names[0]} has ${fmtShape(s0)}; they must match`);
    }
  }
}

export function expectShape(op: string, name: string, t: Tensor, shape: Shape): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`wasmnn: ${op}: ${name} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
  }
}

export function expectRank(op: string, name: string, t: Tensor, rank: number): void {
  if (t.rank !== rank) throw new RangeError(`wasmnn: ${op}: ${name} must have rank ${rank}, got shape ${fmtShape(t.shape)}`);
}

/** Two tensors that would overlap when one must not alias the other. */
export function noOverlap(op: string, a: string, ta: Tensor, b: string, tb: Tensor): void {
  if (ta.size && tb.size && ta.ptr < tb.ptr + tb.bytes && tb.ptr < ta.ptr + ta.bytes && !(ta.ptr === tb.ptr && ta.bytes === tb.bytes)) {
    throw new RangeError(`wasmnn: ${op}: ${a} and ${b} partly overlap in memory`);
  }
}

export function finiteScalar(op: string, name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`wasmnn: ${op}: ${name} must be a finite number, got ${v}`);
  return v;
}

/** Any overlap at all between two tensors' bytes (identical ranges included). */
export function overlaps(a: Tensor, b: Tensor): boolean {
  return a.size > 0 && b.size > 0 && a.ptr < b.ptr + b.bytes && b.ptr < a.ptr + a.bytes;
}

/** Refuses an output that shares any memory with one of the inputs. */
export function apart(op: string, out: string, o: Tensor, inputs: [string, Tensor | null][]): void {
  for (const [name, t] of inputs) {
    if (t && overlaps(o, t)) {
      throw new RangeError(`wasmnn: ${op}: ${out} overlaps ${name} in memory; the output must not alias an input: write to a separate tensor`);
    }
  }
}

/** expectShape with the meaning of the dimensions in the message. */
export function expectShapeWhy(op: string, name: string, t: Tensor, shape: number[], why: string): void {
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`wasmnn: ${op}: ${name} must have shape ${fmtShape(shape)} (${why}), got ${fmtShape(t.shape)}`);
  }
}
