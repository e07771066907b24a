// Embedding gather / scatter-add and embedding bags: every kernel against its twin (same f32
// operations in the same order, so bitwise) over edge sizes, in every build and thread count,
// bitwise equal across them, heavily repeated ids and empty bags included; gradients by finite
// differences; bad ids and offsets refused before any kernel runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { edgeSizes, expectBitwise, ints, rng, uniform } from '../helpers/data.js';
import {
  embedding, embeddingBackward, embeddingBag, embeddingBagBackward, embeddingRowsBackward, embeddingBagRowsBackward, rowIndex, type EmbeddingBagMode,
} from '../../src/kernels/embedding.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { Tensor } from '../../src/tensor.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

function runEmbedding(rt: Runtime, vocab: number, dim: number, idsShape: number[], table: Float32Array, ids: Int32Array,
  dout: Float32Array, dtable0: Float32Array) {
  return rt.step(() => {
    const tt = rt.temp([vocab, dim]).set(table);
    const ti = rt.temp(idsShape, 'i32').set(ids);
    const out = rt.temp([...idsShape, dim]);
    embedding(rt, tt, ti, out);
    const tdo = rt.temp([...idsShape, dim]).set(dout);
    const dt = rt.temp([vocab, dim]).set(dtable0);
    embeddingBackward(rt, ti, tdo, dt);
    return { out: out.f32().slice(), dtable: dt.f32().slice() };
  });
}

// [vocab, dim, ids shape, id range]: every edge dim at 37 ids, few and many ids, heavy repetition
const CASES: [number, number, number[], number][] = [
  ...edgeSizes(4, [300]).map((d): [number, number, number[], number] => [50, d, [37], 50]),
  [50, 13, [0], 50], [50, 13, [1], 50], [50, 13, [2], 50], [50, 13, [3, 5], 50],
  [50, 31, [300], 3], [50, 97, [200], 1], [1, 9, [64], 1], [0, 7, [0], 0],
];

describe('embedding', () => {
  it.each(CASES)('vocab %i, dim %i, ids %j in [0, %i): twin bitwise, every build and thread count', (vocab, dim, shape, range) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const seed = vocab * 1000 + dim * 10 + n;
    const table = uniform(vocab * dim, -1, 1, seed);
    const ids = ints(n, 0, range, seed + 1);
    const dout = uniform(n * dim, -1, 1, seed + 2);
    const dtable0 = uniform(vocab * dim, -1, 1, seed + 3);   // the backward accumulates onto this
    ref.reset();
    const pt = ref.put(table), pi = ref.put(ids, 'i32'), po = ref.alloc(n * dim), pdo = ref.put(dout), pdt = ref.put(dtable0);
    ref.call('f32_embedding_fwd', pt, pi, po, n, dim);
    ref.call('f32_embedding_bwd', pi, pdo, pdt, n, dim);
    const outRef = ref.f32(po, n * dim), dtRef = ref.f32(pdt, vocab * dim);
    for (const [label, rt] of rts) {
      const r = runEmbedding(rt, vocab, dim, shape, table, ids, dout, dtable0);
      expectBitwise(r.out, outRef, `out ${label}`);
      expectBitwise(r.dtable, dtRef, `dtable ${label}`);
    }
    // the gather is a copy: out[t] is exactly table[ids[t]]
    for (let t = 0; t < Math.min(n, 5); t++) {
      for (let j = 0; j < dim; j++) expect(outRef[t * dim + j]).toBe(table[ids[t] * dim + j]);
    }
  });

  it('repeated ids accumulate in id order: the sum matches f64 and is bitwise the same at every thread count', () => {
    const vocab = 4, dim = 23, n = 1000;
    const ids = ints(n, 0, 2, 9);
    const dout = uniform(n * dim, -1, 1, 10);
    const outs = [...rts.values()].map((rt) => runEmbedding(rt, vocab, dim, [n], new Float32Array(vocab * dim), ids, dout, new Float32Array(vocab * dim)).dtable);
    for (let k = 1; k < outs.length; k++) expectBitwise(outs[k], outs[0], `dtable thread variant ${k}`);
    for (let j = 0; j < dim; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) if (ids[t] === 1) s += dout[t * dim + j];
      expect(Math.abs(outs[0][dim + j] - s)).toBeLessThan(1e-4);
      expect(outs[0][2 * dim + j]).toBe(0);
    }
  });

  it('gradient matches central differences of a random projection of the output', () => {
    const rt = rts.get('simd-mt@3')!;
    const vocab = 6, dim = 5, n = 8;
    const table = uniform(vocab * dim, -1, 1, 31);
    const ids = new Int32Array([0, 2, 2, 5, 0, 2, 1, 5]);   // 3 and 4 unused: gradient 0
    const g = uniform(n * dim, -1, 1, 32);
    const { dtable } = runEmbedding(rt, vocab, dim, [n], table, ids, g, new Float32Array(vocab * dim));
    const L = (tb: Float32Array) => {
      const { out } = runEmbedding(rt, vocab, dim, [n], tb, ids, g, new Float32Array(vocab * dim));
      let s = 0;
      for (let i = 0; i < out.length; i++) s += g[i] * out[i];
      return s;
    };
    for (let i = 0; i < vocab * dim; i++) {
      const tp = table.slice(), tm = table.slice();
      tp[i] += 0.5; tm[i] -= 0.5;
      const num = (L(tp) - L(tm)) / (tp[i] - tm[i]);
      expect(Math.abs(dtable[i] - num), `dtable[${i}]`).toBeLessThan(1e-5);
    }
  });
});

// ---- embedding bags -----------------------------------------------------------------------------

/** Offsets for `bags` bags of random sizes in [0, maxSize], some empty (first and last ones too). */
function makeOffsets(bags: number, maxSize: number, seed: number): Int32Array {
  const r = rng(seed);
  const off = new Int32Array(bags + 1);
  for (let b = 0; b < bags; b++) {
    const empty = b === 0 || b === bags - 1 || r() < 0.2;
    off[b + 1] = off[b] + (empty && bags > 2 ? 0 : Math.floor(r() * (maxSize + 1)));
  }
  return off;
}

interface BagOut { out: Float32Array; dtable: Float32Array }

function runBag(rt: Runtime, vocab: number, dim: number, table: Float32Array, ids: Int32Array, offsets: Int32Array,
  w: Float32Array | null, mode: EmbeddingBagMode, dout: Float32Array, dtable0: Float32Array): BagOut {
  const bags = offsets.length - 1;
  return rt.step(() => {
    const tt = rt.temp([vocab, dim]).set(table);
    const ti = rt.temp([ids.length], 'i32').set(ids);
    const to = rt.temp([bags + 1], 'i32').set(offsets);
    const tw = w ? rt.temp([ids.length]).set(w) : undefined;
    const out = rt.temp([bags, dim]);
    embeddingBag(rt, tt, ti, to, out, { weights: tw, mode });
    const tdo = rt.temp([bags, dim]).set(dout);
    const dt = rt.temp([vocab, dim]).set(dtable0);
    embeddingBagBackward(rt, ti, to, tdo, dt, { weights: tw, mode });
    return { out: out.f32().slice(), dtable: dt.f32().slice() };
  });
}

// [bags, dim, max bag size, id range]
const BAG_CASES: [number, number, number, number][] = [
  ...edgeSizes(4, [300]).map((d): [number, number, number, number] => [7, d, 6, 40]),
  [0, 13, 5, 40], [1, 13, 0, 40], [1, 13, 50, 40], [2, 5, 3, 40], [40, 31, 12, 2], [64, 9, 30, 1],
];

describe('embedding bag', () => {
  it.each(BAG_CASES)('%i bags, dim %i, up to %i ids each in [0, %i): twin bitwise, every mode and build', (bags, dim, maxSize, range) => {
    const vocab = 40;
    const seed = bags * 1000 + dim * 10 + maxSize;
    const offsets = makeOffsets(bags, maxSize, seed);
    const nIds = offsets[bags];
    const ids = ints(nIds, 0, range, seed + 1);
    const table = uniform(vocab * dim, -1, 1, seed + 2);
    const dout = uniform(bags * dim, -1, 1, seed + 3);
    const dtable0 = uniform(vocab * dim, -1, 1, seed + 4);
    for (const mode of ['sum', 'mean'] as EmbeddingBagMode[]) {
      for (const weighted of [false, true]) {
        const w = weighted ? uniform(nIds, -2, 2, seed + 5) : null;
        ref.reset();
        const pt = ref.put(table), pi = ref.put(ids, 'i32'), pof = ref.put(offsets, 'i32'), pw = w ? ref.put(w) : 0;
        const po = ref.alloc(bags * dim), pdo = ref.put(dout), pdt = ref.put(dtable0);
        const m = mode === 'sum' ? 0 : 1;
        ref.call('f32_embedding_bag_fwd', pt, pi, pof, pw, po, bags, dim, m);
        ref.call('f32_embedding_bag_bwd', pi, pof, pw, pdo, pdt, bags, dim, m);
        const outRef = ref.f32(po, bags * dim), dtRef = ref.f32(pdt, vocab * dim);
        for (const [label, rt] of rts) {
          const r = runBag(rt, vocab, dim, table, ids, offsets, w, mode, dout, dtable0);
          const what = `${mode} weighted=${weighted} ${label}`;
          expectBitwise(r.out, outRef, `out ${what}`);
          expectBitwise(r.dtable, dtRef, `dtable ${what}`);
        }
        // empty bags are zero; a bag's sum agrees with f64 (independent of the twin)
        for (let b = 0; b < bags; b++) {
          for (let j = 0; j < dim; j++) {
            let s = 0;
            for (let k = offsets[b]; k < offsets[b + 1]; k++) s += (w ? w[k] : 1) * table[ids[k] * dim + j];
            const cnt = offsets[b + 1] - offsets[b];
            if (mode === 'mean' && cnt > 0) s /= cnt;
            if (cnt === 0) expect(outRef[b * dim + j]).toBe(0);
            else expect(Math.abs(outRef[b * dim + j] - s)).toBeLessThan(1e-5 * Math.max(1, cnt));
          }
        }
      }
    }
  });

  it('gradient matches central differences (weighted mean, repeated ids, empty bags)', () => {
    const rt = rts.get('simd-mt@2')!;
    const vocab = 6, dim = 6;
    const ids = new Int32Array([1, 1, 4, 0, 1, 5, 5, 5, 2]);
    const offsets = new Int32Array([0, 0, 3, 4, 4, 9]);
    const w = new Float32Array([0.5, -1, 2, 1.5, 1, 0.25, 3, -0.75, 1]);
    const table = uniform(vocab * dim, -1, 1, 41);
    const g = uniform(5 * dim, -1, 1, 42);
    for (const mode of ['sum', 'mean'] as EmbeddingBagMode[]) {
      const { dtable } = runBag(rt, vocab, dim, table, ids, offsets, w, mode, g, new Float32Array(vocab * dim));
      const L = (tb: Float32Array) => {
        const { out } = runBag(rt, vocab, dim, tb, ids, offsets, w, mode, g, new Float32Array(vocab * dim));
        let s = 0;
        for (let i = 0; i < out.length; i++) s += g[i] * out[i];
        return s;
      };
      for (let i = 0; i < vocab * dim; i++) {
        const tp = table.slice(), tm = table.slice();
        tp[i] += 0.5; tm[i] -= 0.5;
        const num = (L(tp) - L(tm)) / (tp[i] - tm[i]);
        expect(Math.abs(dtable[i] - num), `${mode} dtable[${i}]`).toBeLessThan(1e-5);
      }
      // row 3 is never used
      expect([...dtable.slice(3 * dim, 4 * dim)]).toEqual(new Array(dim).fill(0));
    }
  });
});

// ---- bad input ------------------------------------------------------------------------------------

describe('bad input', () => {
  it('refuses ids outside the vocabulary before the kernel runs, naming id, position and vocab size', () => {
    const rt = rts.get('simd-mt@3')!;
    rt.step(() => {
      const table = rt.temp([50, 4]).fill(1);
      const ids = rt.temp([6], 'i32').set([0, 49, 7, 50, 51, 2]);
      const out = rt.temp([6, 4]).fill(7);
      expect(() => embedding(rt, table, ids, out)).toThrow(/ids\[3\] = 50 \(position 3\) is outside the vocabulary \[0, 50\).*inputDim.*at least 51/);
      expect(out.f32().every((v) => v === 7)).toBe(true);
      const dtable = rt.temp([50, 4]).fill(7);
      expect(() => embeddingBackward(rt, ids, rt.temp([6, 4]), dtable)).toThrow(/ids\[3\] = 50/);
      expect(dtable.f32().every((v) => v === 7)).toBe(true);
      ids.set([0, 1, 2, 3, -4, 5]);
      expect(() => embedding(rt, table, ids, out)).toThrow(/ids\[4\] = -4 \(position 4\).*must be >= 0/);
      const ids2 = rt.temp([2, 3], 'i32').set([0, 1, 2, 3, 4, 99]);
      expect(() => embedding(rt, table, ids2, rt.temp([2, 3, 4]))).toThrow(/ids\[1, 2\] = 99 \(position 5\)/);
      const offsets = rt.temp([3], 'i32').set([0, 3, 6]);
      ids.set([0, 1, 2, 3, 4, 60]);
      expect(() => embeddingBag(rt, table, ids, offsets, rt.temp([2, 4]).fill(7))).toThrow(/ids\[5\] = 60.*\[0, 50\)/);
      expect(() => embeddingBagBackward(rt, ids, offsets, rt.temp([2, 4]), dtable)).toThrow(/ids\[5\] = 60/);
      expect(dtable.f32().every((v) => v === 7)).toBe(true);
    });
  });

  it('refuses bad offsets', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const table = rt.temp([10, 4]), ids = rt.temp([6], 'i32').fill(1), out = rt.temp([2, 4]);
      const off = (v: number[]) => rt.temp([v.length], 'i32').set(v);
      expect(() => embeddingBag(rt, table, ids, off([1, 3, 6]), out)).toThrow(/offsets\[0\] must be 0.*got 1/);
      expect(() => embeddingBag(rt, table, ids, off([0, 4, 3, 6]), rt.temp([3, 4]))).toThrow(/must not decrease.*offsets\[2\] = 3 < offsets\[1\] = 4/);
      expect(() => embeddingBag(rt, table, ids, off([0, 3, 5]), out)).toThrow(/end at the id count 6.*offsets\[2\] = 5/);
      expect(() => embeddingBag(rt, table, ids, off([0, 3, 7]), out)).toThrow(/end at the id count 6.*offsets\[2\] = 7/);
      expect(() => embeddingBag(rt, table, ids, rt.temp([0], 'i32'), rt.temp([0, 4]))).toThrow(/bags \+ 1 entries/);
      expect(() => embeddingBag(rt, table, ids, off([0, 3, 6]), rt.temp([3, 4]))).toThrow(/out must have shape \(2, 4\)/);
      expect(() => embeddingBagBackward(rt, ids, off([0, 3, 6]), rt.temp([2, 5]), table)).toThrow(/dout must have shape \(2, 4\)/);
      expect(() => embeddingBag(rt, table, ids, off([0, 3, 6]), out, { weights: rt.temp([5]) })).toThrow(/weights must have shape \(6,\)/);
      expect(() => embeddingBag(rt, table, ids, off([0, 3, 6]), out, { mode: 'max' as EmbeddingBagMode })).toThrow(/unknown mode 'max'/);
      expect(() => embeddingBag(rt, table, rt.temp([2, 3], 'i32'), off([0, 3, 6]), out)).toThrow(/ids must have rank 1/);
      // no bags at all is fine: offsets [0] and no ids
      embeddingBag(rt, table, rt.temp([0], 'i32'), off([0]), rt.temp([0, 4]));
    });
  });

  it('refuses bad shapes, dtypes and aliasing', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const table = rt.temp([10, 4]), ids = rt.temp([3], 'i32').fill(1);
      expect(() => embedding(rt, table, ids, rt.temp([3, 5]))).toThrow(/out must have shape \(3, 4\)/);
      expect(() => embedding(rt, rt.temp([40]), ids, rt.temp([3, 4]))).toThrow(/table must have rank 2/);
      expect(() => embedding(rt, table, rt.temp([3]), rt.temp([3, 4]))).toThrow(/ids must be i32, got f32/);
      expect(() => embeddingBackward(rt, ids, rt.temp([3, 4]), rt.temp([10, 4], 'i32'))).toThrow(/dtable must be f32/);
      // a view over the first rows of the table: the same memory
      const head = new Tensor(rt, table.ptr, [3, 4], 'f32', table.generation);
      expect(() => embedding(rt, table, ids, head)).toThrow(/out and table overlap/);
      expect(() => embeddingBackward(rt, ids, head, table)).toThrow(/dtable and dout overlap/);
    });
  });
});

// Row-sparse backwards: against their twins (bitwise) and against the dense kernels on a zeroed
// table (bitwise: the same additions in the same order), every build and thread count; rows the
// batch does not use are left as they were; accumulate adds onto the touched rows.
describe('row-sparse backward', () => {
  it('rowIndex lists the distinct ids in increasing order with their positions in order', () => {
    const ids = Int32Array.from([5, 2, 5, 0, 2, 5, 10]);
    const ix = rowIndex(ids, 11);
    expect(Array.from(ix.rows)).toEqual([0, 2, 5, 10]);
    expect(Array.from(ix.starts)).toEqual([0, 1, 3, 6, 7]);
    expect(Array.from(ix.entries)).toEqual([3, 1, 4, 0, 2, 5, 6]);
    expect(Array.from(rowIndex(ids, 11).rows)).toEqual([0, 2, 5, 10]);   // scratch state was reset
    // against a plain oracle on random ids
    const r = ints(500, 0, 300, 4);
    const got = rowIndex(r, 300);
    const distinct = [...new Set(r)].sort((a, b) => a - b);
    expect(Array.from(got.rows)).toEqual(distinct);
    distinct.forEach((id, u) => expect(Array.from(got.entries.subarray(got.starts[u], got.starts[u + 1]))).toEqual([...r.keys()].filter((k) => r[k] === id)));
  });

  // [vocab, dim, n ids, id range]
  const ROWS: [number, number, number, number][] = [
    ...edgeSizes(4, [64]).map((d): [number, number, number, number] => [40, d, 37, 40]),
    [40, 13, 0, 40], [40, 13, 1, 40], [1000, 9, 300, 1000], [50, 31, 300, 3], [50, 5, 200, 1],
  ];

  it.each(ROWS)('embedding: vocab %i, dim %i, %i ids in [0, %i): twin and dense kernel bitwise, untouched rows kept', (vocab, dim, n, range) => {
    const seed = vocab + dim * 7 + n * 13;
    const ids = ints(n, 0, range, seed);
    const dout = uniform(n * dim, -1, 1, seed + 1);
    const dtable0 = uniform(vocab * dim, -1, 1, seed + 2);
    const ix = rowIndex(ids, vocab);
    for (const accumulate of [0, 1]) {
      ref.reset();
      const pr = ref.put(ix.rows.length ? ix.rows : new Int32Array(1), 'i32'), ps = ref.put(ix.starts, 'i32');
      const pe = ref.put(ix.entries.length ? ix.entries : new Int32Array(1), 'i32'), pdo = ref.put(dout), pdt = ref.put(dtable0);
      if (ix.rows.length) ref.call('f32_embedding_rows_bwd', pr, ps, pe, pdo, pdt, ix.rows.length, dim, accumulate);
      const want = ref.f32(pdt, vocab * dim);
      // the dense kernel on a table zeroed in the touched rows (accumulate: on the table as it is)
      const dense = dtable0.slice();
      if (!accumulate) for (const r of ix.rows) dense.fill(0, r * dim, r * dim + dim);
      ref.reset();
      const qi = ref.put(n ? ids : new Int32Array(1), 'i32'), qdo = ref.put(dout), qdt = ref.put(dense);
      ref.call('f32_embedding_bwd', qi, qdo, qdt, n, dim);
      expectBitwise(want, ref.f32(qdt, vocab * dim), `twin vs dense kernel, accumulate ${accumulate}`);
      for (const [label, rt] of rts) {
        const got = rt.step(() => {
          const dt = rt.temp([vocab, dim]).set(dtable0);
          const rows = embeddingRowsBackward(rt, rt.temp([n], 'i32').set(ids), rt.temp([n, dim]).set(dout), dt, { accumulate: !!accumulate });
          expect(Array.from(rows)).toEqual(Array.from(ix.rows));
          return dt.f32().slice();
        });
        expectBitwise(got, want, `${label} accumulate ${accumulate}`);
      }
    }
  });

  const BAGS: [number, number, number, EmbeddingBagMode, boolean][] = [
    [60, 1, 7, 'sum', false], [60, 4, 9, 'mean', false], [60, 5, 9, 'mean', true], [60, 13, 17, 'sum', true],
    [300, 32, 33, 'mean', false], [6, 7, 40, 'mean', true], [60, 3, 0, 'sum', false],
  ];

  it.each(BAGS)('embedding bag: vocab %i, dim %i, %i bags, %s, weights %s: twin and dense kernel bitwise', (vocab, dim, bags, mode, weighted) => {
    const seed = vocab * 3 + dim * 11 + bags;
    const r = rng(seed);
    const offsets = new Int32Array(bags + 1);
    for (let b = 0; b < bags; b++) offsets[b + 1] = offsets[b] + (b % 5 === 3 ? 0 : Math.floor(r() * 30)); // some empty bags
    const n = offsets[bags];
    const ids = ints(n, 0, vocab, seed + 1);
    const weights = weighted ? uniform(n, -2, 2, seed + 2) : null;
    const dout = uniform(bags * dim, -1, 1, seed + 3);
    const dtable0 = uniform(vocab * dim, -1, 1, seed + 4);
    const ix = rowIndex(ids, vocab);
    const bagOf = new Int32Array(Math.max(n, 1));
    for (let b = 0; b < bags; b++) bagOf.fill(b, offsets[b], offsets[b + 1]);
    const m = mode === 'mean' ? 1 : 0;
    for (const accumulate of [0, 1]) {
      ref.reset();
      const pr = ref.put(ix.rows.length ? ix.rows : new Int32Array(1), 'i32'), ps = ref.put(ix.starts, 'i32');
      const pe = ref.put(ix.entries.length ? ix.entries : new Int32Array(1), 'i32'), pb = ref.put(bagOf, 'i32'), po = ref.put(offsets, 'i32');
      const pw = weights ? ref.put(weights) : 0, pdo = ref.put(dout), pdt = ref.put(dtable0);
      if (ix.rows.length) ref.call('f32_embedding_bag_rows_bwd', pr, ps, pe, pb, po, pw, pdo, pdt, ix.rows.length, dim, m, accumulate);
      const want = ref.f32(pdt, vocab * dim);
      const dense = dtable0.slice();
      if (!accumulate) for (const row of ix.rows) dense.fill(0, row * dim, row * dim + dim);
      ref.reset();
      const qi = ref.put(n ? ids : new Int32Array(1), 'i32'), qo = ref.put(offsets, 'i32'), qw = weights ? ref.put(weights) : 0;
      const qdo = ref.put(dout), qdt = ref.put(dense);
      ref.call('f32_embedding_bag_bwd', qi, qo, qw, qdo, qdt, bags, dim, m);
      expectBitwise(want, ref.f32(qdt, vocab * dim), `twin vs dense kernel, accumulate ${accumulate}`);
      for (const [label, rt] of rts) {
        const got = rt.step(() => {
          const dt = rt.temp([vocab, dim]).set(dtable0);
          const w = weights ? rt.temp([n]).set(weights) : undefined;
          embeddingBagRowsBackward(rt, rt.temp([n], 'i32').set(ids), rt.temp([bags + 1], 'i32').set(offsets), rt.temp([bags, dim]).set(dout), dt,
            { mode, weights: w, accumulate: !!accumulate });
          return dt.f32().slice();
        });
        expectBitwise(got, want, `${label} accumulate ${accumulate}`);
      }
    }
  });

  it('refuses bad ids before any kernel runs', () => {
    const rt = [...rts.values()][0];
    rt.step(() => {
      const dt = rt.temp([10, 4]);
      expect(() => embeddingRowsBackward(rt, rt.temp([2], 'i32').set([1, 10]), rt.temp([2, 4]), dt)).toThrow(/wasmnn: .*ids\[1\] = 10 .*outside the vocabulary/);
      expect(() => embeddingBagRowsBackward(rt, rt.temp([2], 'i32').set([-1, 3]), rt.temp([2], 'i32').set([0, 2]), rt.temp([1, 4]), dt)).toThrow(/wasmnn: .*ids must be >= 0/);
      expect(() => embeddingRowsBackward(rt, rt.temp([2], 'i32').set([1, 2]), rt.temp([2, 5]), dt)).toThrow(/wasmnn: .*dout/);
    });
  });
});
