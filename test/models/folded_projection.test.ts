// Inference folding of Embedding -> LSTM/GRU input projections (src/folded_projection.ts):
// predictions with the folded table must be the same bits as the unfolded path (embedding gather,
// then the projection GEMM). The oracle is the same model on a runtime whose memory limit is too
// small for the table (the fold is refused there, so the GEMM path runs), given the same weights.
// Checked on every runtime variant (1, 2 and 3 threads, every kernel split), for B = 1 and 32,
// padded/masked ids, goBackwards, GRU, Bidirectional, returnSequences, the inference-only model,
// and after every kind of weight write (fit, setWeights, restoreWeights, loading a model file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/runtime.js';
import { Sequential } from '../../src/models/sequential.js';
import { Bidirectional, Dense, Dropout, Embedding, GRU, LSTM, type Layer } from '../../src/layers/index.js';
import { FoldedProjection, FOLD_MAX_BYTES, foldFits } from '../../src/folded_projection.js';
import { InferenceModel, decodeWnnForInference } from '../../src/infer.js';
import { decodeWnn, encodeWnn } from '../../src/io/wnn.js';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { expectBitwise, ints } from '../helpers/data.js';

const V = 3000, E = 8, H = 32, T = 13;
let all: Map<string, Runtime>;
let small: Runtime;   // the oracle: 16 MiB limit, so a (3000, >= 96) table (>= 1.1 MiB) exceeds 1/16 of it

beforeAll(async () => {
  all = await startAll();
  small = await Runtime.create({ build: 'simd', threads: 1, maxMemoryBytes: 16 * 2 ** 20 });
});
afterAll(async () => {
  await closeAll(all);
  await small.close();
});

type Stack = () => Layer[];
const STACKS: [string, Stack][] = [
  ['LSTM', () => [new Embedding({ inputDim: V, outputDim: E }), new LSTM({ units: H }), new Dense({ units: 3, activation: 'softmax' })]],
  ['LSTM, maskZero, goBackwards, hardSigmoid', () => [new Embedding({ inputDim: V, outputDim: E, maskZero: true }),
    new LSTM({ units: H, goBackwards: true, recurrentActivation: 'hardSigmoid' }), new Dense({ units: 2, activation: 'softmax' })]],
  ['GRU, maskZero, returnSequences', () => [new Embedding({ inputDim: V, outputDim: E, maskZero: true }), new GRU({ units: H, returnSequences: true }),
    new Dense({ units: 2, activation: 'softmax' })]],
  ['GRU without bias, goBackwards', () => [new Embedding({ inputDim: V, outputDim: E }), new GRU({ units: H, useBias: false, goBackwards: true }), new Dense({ units: 2 })]],
  ['Dropout between, Bidirectional LSTM (concat), maskZero', () => [new Embedding({ inputDim: V, outputDim: E, maskZero: true }), new Dropout({ rate: 0.5 }),
    new Bidirectional({ layer: new LSTM({ units: H }) }), new Dense({ units: 2, activation: 'softmax' })]],
  ['Bidirectional GRU (sum, returnSequences)', () => [new Embedding({ inputDim: V, outputDim: E }),
    new Bidirectional({ layer: new GRU({ units: H, returnSequences: true }), mergeMode: 'sum' }), new Dense({ units: 2 })]],
];

/** ids (n, T) in [0, V), with trailing zeros (padding) in every third row. */
function batch(n: number, seed: number): { data: Int32Array; shape: number[] } {
  const data = ints(n * T, 1, V, seed);
  for (let r = 0; r < n; r += 3) for (let t = T - 1 - (r % 5); t < T; t++) data[r * T + t] = 0;
  return { data, shape: [n, T] };
}

function model(stack: Stack, rt: Runtime, seed = 5): Sequential {
  const m = new Sequential(stack(), { seed });
  m.build([T], rt);
  return m;
}

/** The folds a model's recurrent layers made (its ParamStore's caches). */
function folds(m: Sequential): (FoldedProjection | null)[] {
  const rnns = m.layers.flatMap((l) => (l instanceof Bidirectional ? [l.forwardLayer, l.backwardLayer] : l instanceof LSTM || l instanceof GRU ? [l] : []));
  return rnns.map((l) => m.store!.derived(l, () => null));
}

/** Predictions of the same weights through the unfolded path. */
function unfolded(stack: Stack, weights: ReturnType<Sequential['getWeights']>, x: { data: Int32Array; shape: number[] }): Float32Array {
  const ref = model(stack, small);
  try {
    ref.setWeights(weights);
    const y = ref.predict(x, { batchSize: 32 }).data;
    expect(folds(ref).every((f) => f === null)).toBe(true);   // the oracle really took the GEMM path
    return y;
  } finally {
    ref.dispose();
  }
}

describe('folded Embedding -> LSTM/GRU projections equal the unfolded path bit for bit', () => {
  for (const [name, stack] of STACKS) {
    it(name, () => {
      const x1 = batch(1, 3), x32 = batch(32, 4), x45 = batch(45, 6);
      let weights: ReturnType<Sequential['getWeights']> | null = null;
      const want = new Map<string, Float32Array>();
      for (const [label, rt] of all) {
        const m = model(stack, rt);
        weights ??= m.getWeights();
        for (const [xn, x] of [['B=1', x1], ['B=32', x32], ['B=45 (batches of 32 and 13)', x45]] as const) {
          want.set(xn, want.get(xn) ?? unfolded(stack, weights, x));
          const got = m.predict(x, { batchSize: 32 }).data;
          expectBitwise(got, want.get(xn)!, `${label} ${xn}`);
        }
        expect(folds(m).every((f) => f instanceof FoldedProjection)).toBe(true);
        m.dispose();
      }
    });
  }

  it('the inference-only model (wasmnn/infer) folds too, with the same bits', () => {
    for (const [, stack] of STACKS) {
      for (const [label, rt] of all) {
        const m = model(stack, rt);
        const file = decodeWnnForInference(encodeWnn({ model: m }));
        const lite = InferenceModel.create(rt, file.model, file.weights);
        const x = batch(32, 8), x1 = batch(1, 9);
        const want = unfolded(stack, m.getWeights(), x), want1 = unfolded(stack, m.getWeights(), x1);
        expectBitwise(lite.predict(x).data, want, `${label} B=32`);
        expectBitwise(lite.predict(x1).data, want1, `${label} B=1`);
        expectBitwise(lite.predict(x).data, want, `${label} B=32 again (rows from the table)`);
        lite.dispose();
        m.dispose();
      }
    }
  });

  it('where the table does not fit, the inference-only model gathers the embeddings it skipped and runs the GEMM', () => {
    // on `small` the fold is refused: the Embedding before a recurrent layer has left its output
    // unwritten (the recurrent layer reads the table instead), so the fallback must gather it
    for (const [name, stack] of STACKS) {
      const m = model(stack, all.get('simd@1')!);
      const file = decodeWnnForInference(encodeWnn({ model: m }));
      const lite = InferenceModel.create(small, file.model, file.weights);
      const x = batch(32, 10);
      expectBitwise(lite.predict(x).data, unfolded(stack, m.getWeights(), x), `${name}: inference model without the table`);
      lite.dispose();
      m.dispose();
    }
  });
});

describe('the folded table follows the weights', () => {
  const stack = STACKS[1][1];
  const x = batch(32, 12);
  const labels = Int32Array.from({ length: 32 }, (_, i) => i % 2);

  it('after fit, setWeights, restoreWeights and loading a model file', async () => {
    const rt = all.get('simd-mt@2')!;
    const m = model(stack, rt);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const check = (what: string) => expectBitwise(m.predict(x).data, unfolded(stack, m.getWeights(), x), what);
    check('fresh');
    const before = m.snapshotWeights();
    const v0 = m.store!.version;
    await m.fit(x, labels, { epochs: 1, batchSize: 16 });
    expect(m.store!.version).toBeGreaterThan(v0);
    check('after fit');
    // only the embedding changes: every row of the table must be recomputed
    const ws = m.getWeights();
    const emb = ws.find((w) => w.name.endsWith('/embeddings'))!;
    m.setWeights([{ name: emb.name, values: emb.values.map((v) => v * 1.5 + 0.01) }]);
    check('after setWeights of the embeddings');
    const lstm = ws.find((w) => w.name.endsWith('/kernel') && w.name.startsWith('lstm'))!;
    m.setWeights([{ name: lstm.name, values: lstm.values.map((v) => -v) }]);
    check('after setWeights of the LSTM kernel');
    m.restoreWeights(before);
    check('after restoreWeights');
    const loaded = decodeWnn(encodeWnn({ model: m }), { runtime: rt }).model as Sequential;
    expectBitwise(loaded.predict(x).data, unfolded(stack, m.getWeights(), x), 'a loaded model');
    loaded.dispose();
    m.dispose();
  });

  it('is freed with the model', () => {
    const rt = all.get('simd@1')!;
    const heap0 = rt.memoryInfo().heapBytes;
    const m = model(stack, rt);
    const heapModel = rt.memoryInfo().heapBytes;
    m.predict(x);
    expect(rt.memoryInfo().heapBytes - heapModel).toBeGreaterThanOrEqual(V * 4 * H * 4);   // the (V, 4H) table
    m.dispose();
    expect(rt.memoryInfo().heapBytes).toBe(heap0);
  });

  it('falls back to the GEMM when memory has no room for the table', async () => {
    const rt = await Runtime.create({ build: 'simd', threads: 1, maxMemoryBytes: 32 * 2 ** 20 });
    try {
      const m = model(stack, rt);
      expect(foldFits(rt, V, 4 * H)).toBe(true);
      // take every 256 KiB block memory holds, then give back 5 neighbours: room for the step, not for the table
      const blocks = [];
      for (;;) { try { blocks.push(rt.alloc([2 ** 16])); } catch { break; } }
      for (const b of blocks.splice(blocks.length - 5, 5)) rt.free(b);
      const heap = rt.memoryInfo().heapBytes;
      expectBitwise(m.predict(x).data, unfolded(stack, m.getWeights(), x), 'without room for the table');
      expect(rt.memoryInfo().heapBytes).toBeLessThan(heap + V * 4 * H * 4);
      for (const b of blocks) rt.free(b);
      m.dispose();
    } finally {
      await rt.close();
    }
  });

  it('is not made when it would be too big', () => {
    const rt = all.get('simd@1')!;
    expect(foldFits(rt, V, 4 * H)).toBe(true);
    expect(foldFits(rt, FOLD_MAX_BYTES / 4 / 256 + 1, 256)).toBe(false);
    expect(foldFits(small, V, 3 * H)).toBe(false);
  });
});
