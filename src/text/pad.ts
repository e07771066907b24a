// Padding id sequences of different lengths into one (n, maxLen) integer matrix.

import { advised } from '../advice.js';
import { checkChoice, checkInt, checkKeys, checkOptionsObject, describe } from './check.js';

export type PadSide = 'pre' | 'post';

export interface PadOptions {
  /** Row length. Default: the longest sequence (at least 1). */
  maxLen?: number | null;
  /** Where padding goes in short sequences. Default 'post' (ids first, as Keras' TextVectorization
   *  layer; note that Keras' pad_sequences() function defaults to 'pre'). */
  padding?: PadSide;
  /** Which end of long sequences is cut off. Default 'post' (keep the beginning of a text, as
   *  TextVectorization; pad_sequences() defaults to 'pre'). */
  truncating?: PadSide;
  /** The padding id. Default 0 (the id Embedding's maskZero and EmbeddingBag ignore). */
  value?: number;
}

export interface ResolvedPadOptions { maxLen: number | null; padding: PadSide; truncating: PadSide; value: number }

export function resolvePadOptions(op: string, o: Record<string, unknown>): ResolvedPadOptions {
  return {
    maxLen: o.maxLen == null ? null : checkInt(op, 'maxLen', o.maxLen, 1, 2147483647, 'rows need room for at least one id; leave it out to use the longest sequence'),
    padding: checkChoice(op, 'padding', o.padding, ['pre', 'post'], 'post'),
    truncating: checkChoice(op, 'truncating', o.truncating, ['pre', 'post'], 'post'),
    value: checkInt(op, 'value', o.value ?? 0, -2147483648, 2147483647, 'the padding id must fit in an Int32Array'),
  };
}

/**
 * Pads (or truncates) integer sequences into { data: Int32Array, shape: [n, maxLen] } row-major,
 * the input format of Sequential.fit/predict. Values must be whole numbers that fit in int32.
 */
export function padSequences(sequences: readonly ArrayLike<number>[], options?: PadOptions): { data: Int32Array; shape: [number, number] } {
  const op = 'padSequences';
  if (!Array.isArray(sequences)) {
    throw new TypeError(`wasmnn: ${op}: sequences must be an array of id arrays, got ${describe(sequences)}; wrap a single sequence as [ids]`);
  }
  const o = checkOptionsObject(op, options);
  checkKeys(op, o, ['maxLen', 'padding', 'truncating', 'value']);
  const r = resolvePadOptions(op, o);
  for (let i = 0; i < sequences.length; i++) {
    const s = sequences[i];
    if (s == null || typeof s !== 'object' || typeof s.length !== 'number') {
      throw new TypeError(`wasmnn: ${op}: sequences[${i}] is ${describe(s)}, not an array of ids`);
    }
    if (!(s instanceof Int32Array)) {
      for (let j = 0; j < s.length; j++) {
        const v = s[j];
        if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
          throw new TypeError(`wasmnn: ${op}: sequences[${i}][${j}] is ${describe(v)}; ids must be whole numbers that fit in int32`);
        }
      }
    }
  }
  return padRows(sequences, r, op);
}

/** Largest output padSequences and TextVectorizer.transform build: 2^28 ids (1 GiB). */
export const MAX_PADDED_IDS = 2 ** 28;

/** padSequences() without checks. */
export function padRows(sequences: readonly ArrayLike<number>[], o: ResolvedPadOptions, op: string): { data: Int32Array; shape: [number, number] } {
  let maxLen = o.maxLen;
  if (maxLen === null) {
    maxLen = 1;
    for (const s of sequences) if (s.length > maxLen) maxLen = s.length;
  }
  const n = sequences.length;
  if (n * maxLen > MAX_PADDED_IDS) {
    const fix = o.maxLen === null ? `rows are as long as the longest sequence; set ${op === 'padSequences' ? 'maxLen' : 'outputSequenceLength'} (e.g. 256) to cut long ones`
      : 'use a smaller row length or transform the texts in batches';
    // rows of a set length can be made shorter, or fewer at a time: what a front end may say its way
    const problem = `wasmnn: ${op}: ${n} rows of ${maxLen} ids would take ${(n * maxLen * 4 / 2 ** 30).toFixed(1)} GiB (the limit is 1 GiB);`;
    const error = new RangeError(`${problem} ${fix}`);
    throw o.maxLen === null ? error : advised(error, 'row-length', problem, fix);
  }
  const data = new Int32Array(n * maxLen);
  if (o.value !== 0) data.fill(o.value);
  for (let i = 0; i < n; i++) {
    const s = sequences[i];
    const len = Math.min(s.length, maxLen);
    const from = o.truncating === 'pre' ? s.length - len : 0; // first kept element
    const to = i * maxLen + (o.padding === 'pre' ? maxLen - len : 0);
    if (s instanceof Int32Array) data.set(s.subarray(from, from + len), to);
    else for (let k = 0; k < len; k++) data[to + k] = s[from + k];
  }
  return { data, shape: [n, maxLen] };
}
