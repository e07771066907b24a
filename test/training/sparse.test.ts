// Row-sparse embedding training. Where a row-sparse update is exact (SGD, Adagrad) fit() with
// row-sparse gradients and updates gives the same weights, bit for bit, as the same optimizer
// forced to update the whole table (the oracle), at 1 and 2 threads; with clipNorm the norm sees
// the whole gradient. Adam stays dense unless the layer asks for sparse: true, which makes it
// lazy: a row without a gradient keeps its weights and moments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, shutdown, Sequential, Dense, Embedding, EmbeddingBag, GlobalAveragePooling1D, SGD, Adagrad, Adam, type Optimizer } from '../../src/index.js';
import { expectBitwise, expectClose, ints } from '../helpers/data.js';

const N = 64, L = 10, V = 300;
const x = ints(N * L, 0, V, 3);
const y = Int32Array.from({ length: N }, (_, i) => (x[i * L] + 2 * x[i * L + 1]) % 3);

/** The same optimizer made to update every row (as before row-sparse updates existed). */
function dense<T extends Optimizer>(o: T): T {
  Object.defineProperty(o, 'zeroGradIsIdentity', { value: () => false });
  return o;
}

function model(kind: 'bag' | 'seq', sparse = false): Sequential {
  return kind === 'bag'
    ? new Sequential([new EmbeddingBag({ inputDim: V, outputDim: 12, sparse }), new Dense({ units: 3, activation: 'softmax' })])
    : new Sequential([new Embedding({ inputDim: V, outputDim: 9, sparse }), new GlobalAveragePooling1D(), new Dense({ units: 3, activation: 'softmax' })]);
}

async function train(kind: 'bag' | 'seq', opt: () => Optimizer, threads: number, sparse = false, epochs = 2): Promise<Float32Array> {
  await shutdown();
  await init({ build: 'simd-mt', threads, parallelThreshold: 1 });
  const m = model(kind, sparse);
  m.compile({ optimizer: opt(), loss: 'sparseCategoricalCrossentropy' });
  await m.fit({ data: x, shape: [N, L] }, y, { epochs, batchSize: 8, seed: 5 });
  const w = m.snapshotWeights();
  m.dispose();
  return w;
}

afterAll(async () => { await shutdown(); });

describe('row-sparse updates where they are exact', () => {
  const opts: [string, () => Optimizer][] = [
    ['SGD', () => new SGD({ learningRate: 0.5 })],
    ['Adagrad', () => new Adagrad({ learningRate: 0.2 })],
  ];
  for (const kind of ['bag', 'seq'] as const) {
    it.each(opts)(`${kind}: %s gives the dense update's weights bit for bit at 1 and 2 threads`, async (_, opt) => {
      const want = await train(kind, () => dense(opt()), 1);
      expectBitwise(await train(kind, opt, 1), want, 'sparse @1');
      expectBitwise(await train(kind, opt, 2), want, 'sparse @2');
    });
  }

  it('clipNorm sees the whole gradient: the same weights as clipping the dense gradient (within rounding of the norm)', async () => {
    const opt = () => new Adagrad({ learningRate: 0.2, clipNorm: 0.05 });
    const want = await train('bag', () => dense(opt()), 2);
    const got = await train('bag', opt, 2);
    expectClose(got, want, 1e-4, 1e-6, 'clipped');
    // and clipping really happened
    const free = await train('bag', () => new Adagrad({ learningRate: 0.2 }), 2);
    expect(Math.max(...got.map((v, i) => Math.abs(v - free[i])))).toBeGreaterThan(1e-3);
  });
});

describe('lazy updates (sparse: true)', () => {
  it('Adam stays dense by default: sparse: false equals the forced-dense oracle; sparse: true differs', async () => {
    const want = await train('bag', () => dense(new Adam({ learningRate: 0.01 })), 1);
    expectBitwise(await train('bag', () => new Adam({ learningRate: 0.01 }), 1), want, 'default Adam');
    const lazy = await train('bag', () => new Adam({ learningRate: 0.01 }), 1, true);
    expect(lazy.some((v, i) => v !== want[i])).toBe(true);
  });

  it('lazy Adam leaves the weights of rows without a gradient alone; dense Adam moves them (their moments decay)', async () => {
    await shutdown();
    await init({ threads: 2, parallelThreshold: 1 });
    // sample 0 uses ids 1..4, sample 1 uses ids 5..8: disjoint rows
    const xs = { data: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), shape: [2, 4] };
    const ys = Int32Array.from([0, 1]);
    for (const sparse of [true, false]) {
      const m = new Sequential([new EmbeddingBag({ inputDim: 10, outputDim: 4, sparse }), new Dense({ units: 2, activation: 'softmax' })]);
      m.compile({ optimizer: new Adam({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
      await m.fit(xs, ys, { epochs: 1, batchSize: 1, shuffle: false, seed: 1 });   // step 1: rows 1..4, step 2: rows 5..8
      const after2 = m.getWeights()[0].values.slice();
      await m.fit({ data: xs.data.subarray(4), shape: [1, 4] }, ys.subarray(1), { epochs: 1, batchSize: 1, shuffle: false, seed: 1 }); // step 3: rows 5..8 again
      const after3 = m.getWeights()[0].values;
      const rows1to4 = (w: Float32Array) => w.slice(4, 20);
      if (sparse) expectBitwise(rows1to4(after3), rows1to4(after2), 'lazy: untouched rows keep their weights');
      else expect(rows1to4(after3).some((v, i) => v !== rows1to4(after2)[i])).toBe(true);
      m.dispose();
    }
  });
});

describe('gradients', () => {
  beforeAll(async () => { await shutdown(); await init({ threads: 2, parallelThreshold: 1 }); });

  it('lossAndGradients returns the whole table gradient (zero outside the batch rows) after earlier sparse steps', async () => {
    const m = model('bag');
    m.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
    await m.fit({ data: x, shape: [N, L] }, y, { epochs: 1, batchSize: 8, seed: 5 });
    const xb = { data: x.subarray(0, 2 * L), shape: [2, L] };
    const { grads } = m.lossAndGradients(xb, y.subarray(0, 2));
    const gt = grads.get([...grads.keys()][0])!;
    const used = new Set(Array.from(xb.data).filter((v) => v !== 0));
    for (let r = 0; r < V; r++) {
      const row = gt.subarray(r * 12, r * 12 + 12);
      if (!used.has(r)) expect(row.every((v) => v === 0)).toBe(true);
      else expect(row.some((v) => v !== 0)).toBe(true);
    }
    m.dispose();
  });
});
