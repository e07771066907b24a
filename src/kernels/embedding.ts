// Host side of kernels/embedding.ts: embedding lookup (gather) and its scatter-add gradient, and
// embedding bags (sum / mean of a variable number of rows per bag, CSR offsets) for fastText-style
// hashed n-gram models, and row-sparse backwards that touch only the rows a batch uses (for
// training big tables: see rowIndex). Every id and offset is checked here, in one O(n) pass, before a kernel
// runs: a kernel never sees an id outside the table.
import { threaded } from './spec.js';
import { expectRank, expectShape, live } from './check.js';
import { checkOptions, optionNames } from '../options.js';
import { fmtShape, type Shape, type Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const embeddingKernels = threaded(
  'f32_embedding_fwd', 'f32_embedding_bwd',
  'f32_embedding_bag_fwd', 'f32_embedding_bag_bwd',
  'f32_embedding_rows_bwd', 'f32_embedding_bag_rows_bwd',
);

export type EmbeddingBagMode = 'sum' | 'mean';
const MODES: Record<EmbeddingBagMode, number> = { sum: 0, mean: 1 };

export interface EmbeddingBagOptions {
  /** Per-id weights, shape (ids,), multiplying each row before the sum. Default: none (all 1). */
  weights?: Tensor;
  /** 'sum' (default) or 'mean' (the sum divided by the bag's id count; an empty bag gives 0). */
  mode?: EmbeddingBagMode;
}

const BAG_OPTIONS = optionNames<EmbeddingBagOptions>({ weights: true, mode: true });
/** PyTorch's names of the options, for the suggestion on a typo. */
const BAG_ALIASES = { perSampleWeights: 'weights', per_sample_weights: 'weights' };

/** Two tensors that must not share a single byte (an output and an input). */
function disjoint(op: string, a: string, ta: Tensor, b: string, tb: Tensor): void {
  if (ta.size && tb.size && ta.ptr < tb.ptr + tb.bytes && tb.ptr < ta.ptr + ta.bytes) {
    throw new RangeError(`wasmnn: ${op}: ${a} and ${b} overlap in memory; give ${a} its own tensor`);
  }
}

function position(s: Shape, i: number): string {
  if (s.length <= 1) return `[${i}]`;
  const idx: number[] = [];
  for (let d = s.length - 1; d >= 0; d--) { idx.unshift(i % s[d]); i = Math.floor(i / s[d]); }
  return `[${idx.join(', ')}]`;
}

function tableOf(op: string, name: string, t: Tensor): { vocab: number; dim: number } {
  expectRank(op, name, t, 2);
  return { vocab: t.shape[0], dim: t.shape[1] };
}

/** Every id in [0, vocab). */
function checkIds(op: string, ids: Tensor, vocab: number): void {
  const v = ids.i32();
  for (let i = 0; i < v.length; i++) {
    const id = v[i];
    if (id < 0 || id >= vocab) {
      const fix = id < 0
        ? 'ids must be >= 0'
        : `keep ids below ${vocab}, or raise the embedding's inputDim (vocabulary size) to at least ${id + 1}`;
      throw new RangeError(`wasmnn: ${op}: ids${position(ids.shape, i)} = ${id} (position ${i}) is outside the vocabulary [0, ${vocab}) of the table (${vocab} rows); ${fix}`);
    }
  }
}

/** offsets: (bags + 1,), offsets[0] = 0, non-decreasing, offsets[bags] = id count. Returns bags. */
function checkOffsets(op: string, offsets: Tensor, nIds: number): number {
  expectRank(op, 'offsets', offsets, 1);
  const n = offsets.shape[0];
  if (n < 1) throw new RangeError(`wasmnn: ${op}: offsets must have bags + 1 entries (at least 1: [0] for no bags), got shape ${fmtShape(offsets.shape)}`);
  const o = offsets.i32();
  if (o[0] !== 0) throw new RangeError(`wasmnn: ${op}: offsets[0] must be 0 (the first bag starts at the first id), got ${o[0]}`);
  for (let b = 1; b < n; b++) {
    if (o[b] < o[b - 1]) {
      throw new RangeError(`wasmnn: ${op}: offsets must not decrease, but offsets[${b}] = ${o[b]} < offsets[${b - 1}] = ${o[b - 1]}; bag b covers ids[offsets[b] .. offsets[b+1])`);
    }
  }
  if (o[n - 1] !== nIds) {
    throw new RangeError(`wasmnn: ${op}: offsets must end at the id count ${nIds}, but offsets[${n - 1}] = ${o[n - 1]}; add the final offset (offsets has bags + 1 entries)`);
  }
  return n - 1;
}

function modeOf(op: string, mode: EmbeddingBagMode | undefined): number {
  const m = mode ?? 'sum';
  if (!Object.prototype.hasOwnProperty.call(MODES, m)) throw new RangeError(`wasmnn: ${op}: unknown mode '${m}'; expected 'sum' or 'mean'`);
  return MODES[m];
}

/** out[..., :] = table[ids[...], :]. table (vocab, dim), ids i32 of any shape, out (...ids.shape, dim). */
export function embedding(rt: Runtime, table: Tensor, ids: Tensor, out: Tensor): void {
  const op = 'embedding';
  live(rt, 'table', table); live(rt, 'ids', ids, 'i32'); live(rt, 'out', out);
  const { vocab, dim } = tableOf(op, 'table', table);
  expectShape(op, 'out', out, [...ids.shape, dim]);
  disjoint(op, 'out', out, 'table', table);
  disjoint(op, 'out', out, 'ids', ids);
  checkIds(op, ids, vocab);
  rt.run('f32_embedding_fwd', ids.size * dim, [table.ptr, ids.ptr, out.ptr, ids.size, dim]);
}

/** The checks of both embedding backwards: tensors live, dout (...ids.shape, dim), dtable apart
 *  from the inputs, ids inside the table. */
function checkEmbeddingBackward(rt: Runtime, op: string, ids: Tensor, dout: Tensor, dtable: Tensor): { vocab: number; dim: number } {
  live(rt, 'ids', ids, 'i32'); live(rt, 'dout', dout); live(rt, 'dtable', dtable);
  const { vocab, dim } = tableOf(op, 'dtable', dtable);
  expectShape(op, 'dout', dout, [...ids.shape, dim]);
  disjoint(op, 'dtable', dtable, 'dout', dout);
  disjoint(op, 'dtable', dtable, 'ids', ids);
  checkIds(op, ids, vocab);
  return { vocab, dim };
}

/**
 * dtable[ids[t]] += dout[t] for every position t in order. Accumulates: zero dtable first for a
 * fresh gradient. Bitwise the same at any thread count, repeated ids included.
 */
export function embeddingBackward(rt: Runtime, ids: Tensor, dout: Tensor, dtable: Tensor): void {
  const { dim } = checkEmbeddingBackward(rt, 'embedding backward', ids, dout, dtable);
  rt.run('f32_embedding_bwd', ids.size * dim, [ids.ptr, dout.ptr, dtable.ptr, ids.size, dim]);
}

function bagArgs(rt: Runtime, op: string, ids: Tensor, offsets: Tensor, options: EmbeddingBagOptions) {
  live(rt, 'ids', ids, 'i32'); live(rt, 'offsets', offsets, 'i32');
  expectRank(op, 'ids', ids, 1);
  const weights = options.weights;
  if (weights !== undefined) {
    live(rt, 'weights', weights);
    expectShape(op, 'weights', weights, ids.shape);
  }
  const mode = modeOf(op, options.mode);
  const bags = checkOffsets(op, offsets, ids.size);
  return { weights, mode, bags };
}

/** The checks every bag kernel makes: the tensors live, the per-bag tensor (bags, dim), the
 *  tensor it writes (`writes`: the table or the per-bag one) apart from every input, ids inside
 *  the table. */
function checkBagCall(rt: Runtime, op: string, tableName: string, table: Tensor, bagName: string, perBag: Tensor,
  ids: Tensor, offsets: Tensor, options: EmbeddingBagOptions, writes: 'table' | 'perBag') {
  live(rt, tableName, table); live(rt, bagName, perBag);
  const { vocab, dim } = tableOf(op, tableName, table);
  const { weights, mode, bags } = bagArgs(rt, op, ids, offsets, options);
  expectShape(op, bagName, perBag, [bags, dim]);
  const [wName, w, rName, r] = writes === 'table' ? [tableName, table, bagName, perBag] : [bagName, perBag, tableName, table];
  const inputs: [string, Tensor][] = [[rName, r], ['ids', ids], ['offsets', offsets]];
  if (weights) inputs.push(['weights', weights]);
  for (const [n, t] of inputs) disjoint(op, wName, w, n, t);
  checkIds(op, ids, vocab);
  return { vocab, dim, weights, mode, bags };
}

/** Bags from padded id rows: padded (B, L) i32 with 0 = padding -> ids (the non-zero ids in
 *  order) and offsets (B + 1), step tensors of rt, for embeddingBag. */
export function bagsFromPadded(rt: Runtime, padded: Tensor): { ids: Tensor; offsets: Tensor } {
  live(rt, 'padded', padded, 'i32');
  expectRank('bagsFromPadded', 'padded', padded, 2);
  const [B, L] = padded.shape;
  const src = padded.i32();
  let count = 0;
  for (let i = 0; i < src.length; i++) if (src[i] !== 0) count++;
  const ids = rt.temp([count], 'i32'), offsets = rt.temp([B + 1], 'i32');
  const idv = ids.i32(), ov = offsets.i32();
  let k = 0;
  for (let b = 0; b < B; b++) {
    ov[b] = k;
    for (let t = 0; t < L; t++) { const v = src[b * L + t]; if (v !== 0) idv[k++] = v; }
  }
  ov[B] = k;
  return { ids, offsets };
}

/**
 * out[b] = sum (or mean) over k in [offsets[b], offsets[b+1]) of weights[k] * table[ids[k]].
 * table (vocab, dim), ids i32 (n,), offsets i32 (bags + 1,), out (bags, dim). Empty bags give 0.
 */
export function embeddingBag(rt: Runtime, table: Tensor, ids: Tensor, offsets: Tensor, out: Tensor, options: EmbeddingBagOptions = {}): void {
  checkOptions('embeddingBag', options, BAG_OPTIONS, BAG_ALIASES);
  const { dim, weights, mode, bags } = checkBagCall(rt, 'embeddingBag', 'table', table, 'out', out, ids, offsets, options, 'perBag');
  rt.run('f32_embedding_bag_fwd', ids.size * dim * (weights ? 2 : 1) + bags * dim,
    [table.ptr, ids.ptr, offsets.ptr, weights ? weights.ptr : 0, out.ptr, bags, dim, mode]);
}

/**
 * dtable[ids[k]] += weights[k] * dout[b] (mean: dout[b] / count) for each bag b in order and each
 * k of the bag in order. Accumulates into dtable; bitwise the same at any thread count.
 */
export function embeddingBagBackward(rt: Runtime, ids: Tensor, offsets: Tensor, dout: Tensor, dtable: Tensor, options: EmbeddingBagOptions = {}): void {
  checkOptions('embeddingBag backward', options, BAG_OPTIONS, BAG_ALIASES);
  const { dim, weights, mode, bags } = checkBagCall(rt, 'embeddingBag backward', 'dtable', dtable, 'dout', dout, ids, offsets, options, 'table');
  rt.run('f32_embedding_bag_bwd', ids.size * dim * (weights ? 2 : 1) + bags * dim,
    [ids.ptr, offsets.ptr, weights ? weights.ptr : 0, dout.ptr, dtable.ptr, bags, dim, mode]);
}

// ---- row-sparse backward -------------------------------------------------------------------------

/**
 * The distinct ids of a batch and where each occurs: rows holds the distinct ids in increasing
 * order (so kernels walking the rows walk the table forwards), and entries[starts[u] ..
 * starts[u+1]) are the positions k (increasing) with ids[k] = rows[u]. Deterministic: it
 * depends on the ids only.
 */
export interface RowIndex { rows: Int32Array; starts: Int32Array; entries: Int32Array }

// scratch of rowIndex: slot[id] is id's row number while it runs (-1 otherwise); counts per row
let slotScratch = new Int32Array(0);
let countScratch = new Int32Array(0);

/** Builds the RowIndex of ids (each must be in [0, vocab): the caller checks them). O(ids + rows log rows). */
export function rowIndex(ids: Int32Array, vocab: number): RowIndex {
  if (slotScratch.length < vocab) slotScratch = new Int32Array(vocab).fill(-1);
  const n = ids.length;
  if (countScratch.length < n) countScratch = new Int32Array(n);
  const slot = slotScratch, counts = countScratch;
  const entries = new Int32Array(n);   // first the distinct ids, then the positions
  let nRows = 0;
  for (let k = 0; k < n; k++) {
    const id = ids[k];
    if (slot[id] < 0) { slot[id] = 0; entries[nRows++] = id; }
  }
  const rows = entries.slice(0, nRows).sort();
  for (let u = 0; u < nRows; u++) { slot[rows[u]] = u; counts[u] = 0; }
  for (let k = 0; k < n; k++) counts[slot[ids[k]]]++;
  const starts = new Int32Array(nRows + 1);
  for (let u = 0; u < nRows; u++) { starts[u + 1] = starts[u] + counts[u]; counts[u] = starts[u]; }
  for (let k = 0; k < n; k++) entries[counts[slot[ids[k]]]++] = k;
  for (let u = 0; u < nRows; u++) slot[rows[u]] = -1;
  return { rows, starts, entries };
}

export interface RowsBackwardOptions {
  /** Add to the current values of the touched rows instead of overwriting them. Default false. */
  accumulate?: boolean;
}

const ROWS_BACKWARD_OPTIONS = optionNames<RowsBackwardOptions>({ accumulate: true });
const BAG_ROWS_BACKWARD_OPTIONS = optionNames<EmbeddingBagOptions & RowsBackwardOptions>({ weights: true, mode: true, accumulate: true });

function upload(rt: Runtime, a: Int32Array): Tensor { return rt.temp([Math.max(a.length, 1)], 'i32').set(a.length ? a : [0]); }

/**
 * The gradient of embedding() written row by row: for each distinct id r of ids,
 * dtable[r] = sum of dout[t] over the positions t with ids[t] = r (in order; with accumulate,
 * added to dtable[r]). Rows no id names are left untouched, so with dtable zero outside them
 * this equals zeroing dtable and calling embeddingBackward, bit for bit, at any thread count.
 * Returns the touched rows (distinct, increasing).
 */
export function embeddingRowsBackward(rt: Runtime, ids: Tensor, dout: Tensor, dtable: Tensor, options: RowsBackwardOptions = {}): Int32Array {
  checkOptions('embedding rows backward', options, ROWS_BACKWARD_OPTIONS);
  const { vocab, dim } = checkEmbeddingBackward(rt, 'embedding rows backward', ids, dout, dtable);
  const ix = rowIndex(ids.i32(), vocab);
  if (ix.rows.length === 0) return ix.rows;
  rt.run('f32_embedding_rows_bwd', ids.size * dim, [upload(rt, ix.rows).ptr, upload(rt, ix.starts).ptr, upload(rt, ix.entries).ptr,
    dout.ptr, dtable.ptr, ix.rows.length, dim, options.accumulate ? 1 : 0]);
  return ix.rows;
}

/**
 * The gradient of embeddingBag() written row by row: for each distinct id r,
 * dtable[r] = sum over the k with ids[k] = r (in order) of weights[k] * dout[bag of k] (mean:
 * divided by the bag's count); with accumulate, added to dtable[r]. Other rows are untouched:
 * with dtable zero outside them this equals zeroing dtable and calling embeddingBagBackward,
 * bit for bit, at any thread count. Returns the touched rows (distinct, increasing).
 */
export function embeddingBagRowsBackward(rt: Runtime, ids: Tensor, offsets: Tensor, dout: Tensor, dtable: Tensor,
  options: EmbeddingBagOptions & RowsBackwardOptions = {}): Int32Array {
  const op = 'embeddingBag rows backward';
  checkOptions(op, options, BAG_ROWS_BACKWARD_OPTIONS, BAG_ALIASES);
  const { vocab, dim, weights, mode, bags } = checkBagCall(rt, op, 'dtable', dtable, 'dout', dout, ids, offsets, options, 'table');
  const ix = rowIndex(ids.i32(), vocab);
  if (ix.rows.length === 0) return ix.rows;
  const bagOf = new Int32Array(ids.size);
  const o = offsets.i32();
  for (let b = 0; b < bags; b++) bagOf.fill(b, o[b], o[b + 1]);
  rt.run('f32_embedding_bag_rows_bwd', ids.size * dim * (weights ? 2 : 1) + bags * dim, [
    upload(rt, ix.rows).ptr, upload(rt, ix.starts).ptr, upload(rt, ix.entries).ptr, upload(rt, bagOf).ptr, offsets.ptr, weights ? weights.ptr : 0,
    dout.ptr, dtable.ptr, ix.rows.length, dim, mode, options.accumulate ? 1 : 0,
  ]);
  return ix.rows;
}
