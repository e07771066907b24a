// Inputs and outputs of the model API: plain typed arrays with a shape, or nested arrays.
// Checked once, up front, with errors that name the sample and what is wrong.
import { describe } from '../options.js';

export type TypedArray = Float32Array | Int32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array;
export interface Shaped<T extends TypedArray = TypedArray> { data: T; shape: number[] }
export type NestedArray = number | NestedArray[];
export type DataInput = Shaped | TypedArray | NestedArray[];

export interface Batchable {
  data: Int32Array | Float32Array;
  /** shape[0] is the sample count. */
  shape: number[];
}

/**
 * The flat values of an input, or a TypeError naming `what`: a numeric typed array or a plain
 * array of numbers. BigInt arrays and DataViews are refused here: reading them as numbers would
 * throw a raw "Cannot convert a BigInt" or read bytes as garbage.
 */
function flatData(data: unknown, what: string, field: string): ArrayLike<number> {
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      const v: unknown = data[i];
      if (typeof v !== 'number') throw new TypeError(`wasmnn: ${what}${field}[${i}] is ${typeof v === 'bigint' ? `the BigInt ${v}n` : shown(v)}, not a number`);
    }
    return data;
  }
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      throw new TypeError(`wasmnn: ${what}${field} is a ${data.constructor.name}, which wasmnn does not read; convert it to an Int32Array (token ids, class labels) or a Float32Array (features, targets)`);
    }
    return data as unknown as ArrayLike<number>;
  }
  throw new TypeError(`wasmnn: ${what}${field} must be a typed array (Float32Array, Int32Array, ...) or an array of numbers, got ${describe(data)}`);
}

/** Flattens and checks an input: dtype 'i32' requires whole numbers. */
export function toArray(input: DataInput, what: string, dtype: 'i32' | 'f32'): Batchable {
  let data: ArrayLike<number>;
  let shape: number[];
  if (input && typeof input === 'object' && 'data' in input && 'shape' in input) {
    data = flatData((input as Shaped).data, what, '.data');
    const given: unknown = (input as Shaped).shape;
    if (!Array.isArray(given)) throw new TypeError(`wasmnn: ${what}.shape must be an array of whole numbers such as [32, 4] (samples first), got ${describe(given)}`);
    shape = [...given];
    if (shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) throw new RangeError(`wasmnn: ${what}: bad shape [${shape.map(describe).join(', ')}]; every dimension must be a whole number >= 0`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new RangeError(`wasmnn: ${what}: shape [${shape}] has ${n} values but the data has ${data.length}`);
  } else if (ArrayBuffer.isView(input)) {
    data = flatData(input, what, '');
    shape = [data.length];
  } else if (Array.isArray(input)) {
    shape = [];
    let probe: unknown = input;
    while (Array.isArray(probe)) { shape.push(probe.length); probe = probe[0]; }
    const flat: number[] = [];
    // the index of the entry being walked, per depth: its path ("[3][1]") is spelled only for an error
    const at: number[] = [];
    const path = (depth: number) => at.slice(0, depth).map((i) => `[${i}]`).join('');
    const walk = (a: unknown, depth: number) => {
      if (depth === shape.length) {
        if (typeof a !== 'number') throw new TypeError(`wasmnn: ${what}${path(depth)} is ${typeof a === 'bigint' ? `the BigInt ${a}n` : shown(a)}, not a number`);
        flat.push(a);
        return;
      }
      if (!Array.isArray(a) || a.length !== shape[depth]) {
        const first = depth > 0 ? `${path(depth - 1)}[0]` : '';
        throw new RangeError(`wasmnn: ${what}${path(depth)} has ${Array.isArray(a) ? a.length : 'no'} entries but ${what}${first} has ${shape[depth]}: nested arrays must be rectangular (pad sequences to one length)`);
      }
      for (let i = 0; i < a.length; i++) { at[depth] = i; walk(a[i], depth + 1); }
    };
    walk(input, 0);
    data = flat;
  } else {
    throw new TypeError(`wasmnn: ${what} must be a typed array, a nested array, or { data, shape }; got ${input === null ? 'null' : typeof input}`);
  }
  if (shape.length === 0) throw new RangeError(`wasmnn: ${what} has no samples`);
  if (dtype === 'i32') {
    const out = data instanceof Int32Array ? data : new Int32Array(data.length);
    if (out !== data) {
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
          throw new TypeError(`wasmnn: ${what}: value ${v} at ${position(i, shape)} is not a whole number; token ids and class labels must be integers`);
        }
        out[i] = v;
      }
    }
    return { data: out, shape };
  }
  const out = data instanceof Float32Array ? data : Float32Array.from(data);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw new RangeError(`wasmnn: ${what}: value ${out[i]} at ${position(i, shape)} is not finite; remove or replace NaN and Infinity before training`);
    }
  }
  return { data: out, shape };
}

/** A value for a message: JSON where it can be written (the content helps), else describe() (cycles, functions). */
function shown(v: unknown): string {
  try { return JSON.stringify(v) ?? describe(v); } catch { return describe(v); }
}

/** "sample 12, position [3]" for flat index i of shape. */
export function position(i: number, shape: number[]): string {
  const idx: number[] = [];
  let r = i;
  for (let d = shape.length - 1; d >= 0; d--) { idx.unshift(r % shape[d]); r = Math.floor(r / shape[d]); }
  return idx.length > 1 ? `sample ${idx[0]}, position [${idx.slice(1).join(', ')}]` : `sample ${idx[0]}`;
}

/** Rows [idx...] of a, copied into out (which has room for idx.length rows). */
export function gatherRows<T extends Int32Array | Float32Array>(a: T, rowSize: number, idx: ArrayLike<number>, out: T): T {
  for (let i = 0; i < idx.length; i++) out.set(a.subarray(idx[i] * rowSize, (idx[i] + 1) * rowSize), i * rowSize);
  return out;
}

export const rowSizeOf = (b: Batchable) => b.shape.slice(1).reduce((x, y) => x * y, 1);
