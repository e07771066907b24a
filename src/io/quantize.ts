// Quantized weight storage in .wnn files: a model's large weights stored as float16 (half the
// bytes, about 3 significant digits) or int8 with one float32 scale per row (a quarter of the
// bytes). Only storage: a loaded model's weights are float32 again, so every kernel, the training
// code and the inference path stay as they are, and a quantized file predicts the same, bit for
// bit, wherever it is loaded (the dequantization is a correctly rounded float32 product).
//
// int8, per row: a tensor of shape (..., n) is rows of n values (a rank-1 tensor is one row). Row r
// has scale s = fround(max |w| / 127) and stores q = round(w / s) in -127 .. 127 (ties away from
// zero); it is read back as fround(q * s). An all-zero row has s = 0. Rows follow the weights'
// Keras layouts: an Embedding row is one token's vector, a Dense or LSTM kernel row is one input
// feature's weights to every unit. The scales are the F32 tensor `__scale__/<weight name>`.
import { decodeSafetensorsHeader, type SafeDType, type SafeTensorIn, type SafeTensorOut } from './safetensors.js';
import { fileError } from './checks.js';

export type Quantization = 'float16' | 'int8';
export const QUANTIZATIONS: readonly Quantization[] = ['float16', 'int8'];
/** Tensors holding the per-row scales of an int8 weight: `__scale__/<weight name>`. */
export const SCALE_PREFIX = '__scale__/';
/** Weights with fewer values stay F32: biases, normalisation and small output layers are a
 *  negligible share of a file, and the most sensitive to rounding. */
export const QUANTIZE_MIN_VALUES = 4096;
/** The first format version that may hold F16 and I8 weights (files without any stay version 1). */
export const QUANTIZED_FORMAT_VERSION = 2;
/** Largest finite float16. */
const F16_MAX = 65504;

// ---- float16 ------------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds every value to the nearest float16 (ties to even) and returns the bit patterns. A value
 *  beyond the float16 range (|w| >= 65520 rounds to infinity) or not finite is a RangeError. */
export function float32ToFloat16Bits(values: Float32Array, what = 'a weight'): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i];
    const bits = u32[0];
    const sign = (bits >>> 16) & 0x8000;
    const abs = bits & 0x7fffffff;
    if (abs >= 0x477ff000) {   // 65520 and above round to infinity; also Inf and NaN
      throw new RangeError(`wasmnn: ${what} holds ${values[i]} at index ${i}, beyond float16's range (largest ${F16_MAX}); quantize to 'int8' (per-row scales) or keep float32`);
    }
    let h: number;
    if (abs < 0x38800000) {
      // below the smallest normal float16 (2^-14): a multiple of 2^-24, rounded half to even;
      // |w| * 2^24 is exact in a double
      const m = Math.abs(values[i]) * 16777216;
      h = Math.floor(m);
      const rest = m - h;
      if (rest > 0.5 || (rest === 0.5 && (h & 1) === 1)) h++;
    } else {
      // rebias the exponent (127 -> 15) and drop 13 mantissa bits, rounded half to even; a carry
      // into the exponent is the right answer (the range check above keeps it finite)
      const r = abs - 0x38000000;
      h = r >>> 13;
      const rest = r & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
    }
    out[i] = sign | h;
  }
  return out;
}

/** The float32 values of float16 bit patterns (exact: every float16 is a float32). */
export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = (h & 0x8000) << 16;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) out[i] = (sign ? -m : m) * 5.960464477539063e-8;   // subnormal (or zero): m * 2^-24
    else if (e === 31) outBits[i] = sign | 0x7f800000 | (m << 13);   // Inf, NaN (refused by the loader)
    else outBits[i] = sign | ((e + 112) << 23) | (m << 13);
  }
  return out;
}

// ---- int8 with per-row scales -------------------------------------------------------------------

/** Rows of n values of a tensor of this shape: the last axis is a row (a rank-1 tensor is one row). */
export function rowLengthOf(shape: readonly number[]): number {
  return shape.length ? shape[shape.length - 1] : 1;
}

/** int8 values and one scale per row of `rowLength` values; see the file comment. */
export function quantizeInt8Rows(values: Float32Array, rowLength: number): { q: Int8Array; scales: Float32Array } {
  const rows = rowLength > 0 ? values.length / rowLength : 0;
  if (!Number.isInteger(rows)) throw new RangeError(`wasmnn: quantizeInt8Rows: ${values.length} values are not whole rows of ${rowLength}`);
  const q = new Int8Array(values.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const at = r * rowLength;
    let max = 0;
    for (let i = at; i < at + rowLength; i++) {
      const a = Math.abs(values[i]);
      if (!(a < Infinity)) throw new RangeError(`wasmnn: quantizeInt8Rows: row ${r} holds ${values[i]}; the weights must be finite`);
      if (a > max) max = a;
    }
    const s = Math.fround(max / 127);
    scales[r] = s;
    if (s === 0) continue;   // all zero (or below float32's resolution of max / 127)
    for (let i = at; i < at + rowLength; i++) {
      const v = values[i] / s;
      const k = Math.min(127, Math.floor(Math.abs(v) + 0.5));
      q[i] = v < 0 ? -k : k;
    }
  }
  return { q, scales };
}

/** The float32 values of int8 rows: fround(q * scale) (the double product is exact). */
export function dequantizeInt8Rows(q: Int8Array, scales: Float32Array, rowLength: number): Float32Array {
  const out = new Float32Array(q.length);
  for (let r = 0; r < scales.length; r++) {
    const s = scales[r];
    const at = r * rowLength;
    for (let i = at; i < at + rowLength; i++) out[i] = q[i] * s;
  }
  return out;
}

// ---- weights to tensors and back ----------------------------------------------------------------

/** The tensors that store one weight: F32 as it is, or quantized when it is large enough. */
export function weightTensors(name: string, shape: number[], values: Float32Array, quantize: Quantization | null): SafeTensorIn[] {
  if (!quantize || values.length < QUANTIZE_MIN_VALUES) return [{ name, dtype: 'F32', shape, data: values }];
  if (quantize === 'float16') return [{ name, dtype: 'F16', shape, data: float32ToFloat16Bits(values, `weight ${name}`) }];
  const n = rowLengthOf(shape);
  const { q, scales } = quantizeInt8Rows(values, n);
  return [{ name, dtype: 'I8', shape, data: q }, { name: `${SCALE_PREFIX}${name}`, dtype: 'F32', shape: [scales.length], data: scales }];
}

const bad = (what: string): never => fileError(what);

/** How a file stores each weight (F32, F16, I8), read from its header alone: the tensors that are
 *  neither optimizer slots nor scales (both named __...__/). */
export function weightStorage(file: Uint8Array): Record<string, SafeDType> {
  const storage: Record<string, SafeDType> = {};
  for (const [name, t] of decodeSafetensorsHeader(file).tensors) if (!name.startsWith('__')) storage[name] = t.dtype;
  return storage;
}

/**
 * The float32 values of the weight `name` as a file stores it (F32, F16, or I8 with its
 * `__scale__/` tensor), checked: F16 and I8 only in files of format 2 or later, scales of the
 * right count, finite and >= 0. Finiteness of the values is the caller's check.
 */
export function readWeightValues(name: string, t: SafeTensorOut, tensors: Map<string, SafeTensorOut>, formatVersion: number): Float32Array {
  if (t.dtype === 'F32') return t.data as Float32Array;
  if (t.dtype !== 'F16' && t.dtype !== 'I8') return bad(`tensor '${name}' is ${t.dtype}; weights are F32, F16 or I8`);
  if (formatVersion < QUANTIZED_FORMAT_VERSION) bad(`tensor '${name}' is ${t.dtype} in a format ${formatVersion} file (format ${formatVersion} stores weights as F32 only)`);
  if (t.dtype === 'F16') return float16BitsToFloat32(t.data as Uint16Array);
  const s = tensors.get(`${SCALE_PREFIX}${name}`);
  const n = rowLengthOf(t.shape);
  const rows = n > 0 ? t.data.length / n : 0;
  if (!s) return bad(`the I8 weight '${name}' has no scales tensor '${SCALE_PREFIX}${name}'`);
  if (s.dtype !== 'F32' || s.shape.length !== 1 || s.shape[0] !== rows) bad(`scales tensor '${SCALE_PREFIX}${name}' must be F32 of shape [${rows}] (one per row of '${name}'), not ${s.dtype} [${s.shape.join(', ')}]`);
  const scales = s.data as Float32Array;
  for (let r = 0; r < scales.length; r++) {
    if (!(scales[r] >= 0 && scales[r] < Infinity)) bad(`scales tensor '${SCALE_PREFIX}${name}' holds ${scales[r]} at row ${r} (scales are finite and >= 0)`);
  }
  return dequantizeInt8Rows(t.data as Int8Array, scales, n);
}

/** Whether `name` is the scales tensor of an I8 weight in `tensors` (else it is no weight's). */
export function isScalesOfInt8Weight(name: string, tensors: Map<string, SafeTensorOut>): boolean {
  return name.startsWith(SCALE_PREFIX) && tensors.get(name.slice(SCALE_PREFIX.length))?.dtype === 'I8';
}

/** The one option value checks: 'float16', 'int8', or nothing ('float32' says so explicitly). */
export function checkQuantization(v: unknown, where: string): Quantization | null {
  if (v === undefined || v === null || v === false || v === 'float32') return null;
  if (typeof v === 'string' && (QUANTIZATIONS as readonly string[]).includes(v)) return v as Quantization;
  throw new TypeError(`wasmnn: ${where}: quantize must be ${QUANTIZATIONS.map((q) => `'${q}'`).join(' or ')} (or 'float32', or left out, for float32), got ${typeof v === 'string' ? `'${v}'` : String(v)}`);
}
