// Inference only: an Embedding that feeds an LSTM/GRU directly, with the recurrent layer's input
// projection folded into the embedding table. The layer computes xw = gather(E, ids) · W + b for
// every step with one GEMM; at inference the same rows come from a (V, G) table P = E · W + b,
// which the LSTM and GRU kernels read in place (xwRows: row (b, t) of the projections is P[ids[b, t]]):
// no GEMM and no copy. Used by the layers (Sequential.predict) and by
// the inference-only model (src/entries/inference_model.ts); it imports kernels only.
//
// Bitwise equal to the unfolded path: every element of f32_gemm_fwd's output (assembly/kernels/
// gemm.ts) is one sequential f32 sum from 0 over k in order, then + bias[j], and depends only on its
// own row of A, whatever M, blocking, GEMV or packed path and thread count; so row v of E · W + b
// has the same bits computed alone, among the B·T rows of a batch or among the vocabulary's V rows.
//
// Rows are computed lazily, the first time an id is seen (one GEMM over a call's new ids), so a
// one-off prediction costs no more than the unfolded path and repeated ids cost nothing.
// The table follows the weights: the caller passes a version that changes whenever the weights are
// written (ParamStore.version); a new version forgets every row.
//
// Size bound: the table takes V x G floats (G = 4 x units for an LSTM, 3 x units for a GRU) that stay
// allocated while the model lives. Folding is skipped (the GEMM path runs) when the table would take
// more than FOLD_MAX_BYTES (64 MiB) or a sixteenth of the runtime's memory limit (edge workers
// run with ~96 MiB).
import { gemm } from './kernels/gemm.js';
import { embedding } from './kernels/embedding.js';
import type { Tensor } from './tensor.js';
import { MemoryLimitError } from './runtime/memory.js';
import type { Runtime } from './runtime/runtime.js';

export const FOLD_MAX_BYTES = 64 * 2 ** 20;

/** Whether a (vocab, gates) folded table fits the size bound on rt. */
export function foldFits(rt: Runtime, vocab: number, gates: number): boolean {
  return vocab * gates * 4 <= Math.min(FOLD_MAX_BYTES, rt.heap.maxBytes / 16);
}

export class FoldedProjection {
  /** (V, G): row v is E[v] · W + b once ready[v] is 1. */
  private table: Tensor | null = null;
  /** Per vocabulary row: 1 computed at `version`, 0 not yet (2 while being computed). */
  private readonly ready: Uint8Array;
  private version = NaN;
  private outOfMemory = false;

  /** Folds embeddings (V, C) into the projection W (C, G) + bias (G). */
  constructor(readonly rt: Runtime, readonly embeddings: Tensor, readonly kernel: Tensor, readonly bias: Tensor | null) {
    const [V, C] = embeddings.shape, [Ck, G] = kernel.shape;
    if (embeddings.rank !== 2 || kernel.rank !== 2 || C !== Ck || (bias && (bias.rank !== 1 || bias.shape[0] !== G))) {
      throw new RangeError(`wasmnn: folded projection: embeddings (${embeddings.shape.join(', ')}), kernel (${kernel.shape.join(', ')}) and bias do not chain; this is a bug in wasmnn`);
    }
    this.ready = new Uint8Array(V);
  }

  /**
   * The table (V, G) with the rows of ids (n) computed at weights version `version`, for a kernel
   * that reads them in place (lstmSequence's xwRows); null when there was no memory for it. Ids
   * outside [0, V) are left for the reader to refuse.
   */
  rows(ids: Tensor, version: number): Tensor | null {
    const rt = this.rt;
    const [V, C] = this.embeddings.shape, G = this.kernel.shape[1];
    if (this.outOfMemory) return null;
    if (!this.table) {
      try {
        this.table = rt.alloc([V, G]);
      } catch (e) {
        if (!(e instanceof MemoryLimitError)) throw e;
        this.outOfMemory = true;   // the memory limit leaves no room for the table: keep to the GEMM
        return null;
      }
    }
    if (version !== this.version) { this.ready.fill(0); this.version = version; }
    const ready = this.ready, v = ids.i32();
    const fresh: number[] = [];
    // ids outside [0, V) are skipped here (ready[id] is undefined) and refused by the reader
    for (let i = 0; i < v.length; i++) {
      const id = v[i];
      if (ready[id] === 0) { ready[id] = 2; fresh.push(id); }
    }
    if (fresh.length) {
      let done = false;
      try {
        const n = fresh.length;
        const freshIds = rt.temp([n], 'i32').set(fresh);
        const rowsE = rt.temp([n, C]), rowsP = rt.temp([n, G]);
        embedding(rt, this.embeddings, freshIds, rowsE);
        gemm(rt, rowsE, this.kernel, rowsP, { bias: this.bias });
        const tv = this.table.f32(), pv = rowsP.f32();
        for (let k = 0; k < n; k++) tv.set(pv.subarray(k * G, (k + 1) * G), fresh[k] * G);
        done = true;
      } finally {
        for (const id of fresh) ready[id] = done ? 1 : 0;
      }
    }
    return this.table;
  }

  /** Frees the table (it is made again on the next rows()). */
  free(): void {
    if (this.table) this.rt.free(this.table);
    this.table = null;
    this.version = NaN;
  }
}
