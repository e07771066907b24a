// Recurrent layers on sequences of zero steps (T = 0): no step runs, so the final state is the
// initial one, zeros, whatever earlier calls left in the runtime's temp memory; and fit on such
// input gives the recurrent weights (and the embeddings before them) a zero gradient.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, shutdown, Sequential, Dense, Embedding, LSTM, GRU, Bidirectional, SGD } from '../../src/index.js';
import { ints } from '../helpers/data.js';

beforeAll(async () => { await init({ threads: 2, parallelThreshold: 1 }); });
afterAll(async () => { await shutdown(); });

const empty = (n: number) => ({ data: new Int32Array(0), shape: [n, 0] });
const long = { data: ints(3 * 9, 1, 10, 4), shape: [3, 9] };

const RECURRENT: [string, () => LSTM | GRU | Bidirectional, number][] = [
  ['LSTM', () => new LSTM({ units: 3 }), 3],
  ['LSTM goBackwards', () => new LSTM({ units: 3, goBackwards: true }), 3],
  ['GRU', () => new GRU({ units: 3 }), 3],
  ['GRU resetAfter', () => new GRU({ units: 3, resetAfter: true }), 3],
  ['Bidirectional LSTM', () => new Bidirectional({ layer: new LSTM({ units: 3 }) }), 6],
  ['Bidirectional GRU (sum)', () => new Bidirectional({ layer: new GRU({ units: 3 }), mergeMode: 'sum' }), 3],
];

describe('zero-length sequences', () => {
  it.each(RECURRENT)('%s: predict gives the initial state (zeros), also after other predictions', (_, make, width) => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 4 }), make()]);
    const fresh = m.predict(empty(3));
    expect(fresh.shape).toEqual([3, width]);
    expect(Array.from(fresh.data)).toEqual(new Array(3 * width).fill(0));
    // earlier calls of several sizes leave ids and activations where the output's temp lands
    for (const [n, T] of [[1, 9], [3, 9], [2, 5], [4, 1]]) {
      for (const n0 of [1, 3, 5]) {
        const seen = m.predict({ data: ints(n * T, 1, 10, n * T), shape: [n, T] }).data;
        expect(seen.some((v) => v !== 0)).toBe(true);
        const again = m.predict(empty(n0));
        expect(again.shape).toEqual([n0, width]);
        expect(Array.from(again.data), `after (${n}, ${T}), (${n0}, 0)`).toEqual(new Array(n0 * width).fill(0));
      }
    }
    m.dispose();
  });

  it.each(RECURRENT)('%s: fit on it leaves the recurrent weights and embeddings alone; only the head learns, the same every run', async (_, make) => {
    const run = async (dirty: boolean) => {
      const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 4 }), make(), new Dense({ units: 2, activation: 'softmax' })], { seed: 3 });
      m.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
      m.build([null]);
      if (dirty) m.predict(long);
      const before = m.getWeights();
      const h = await m.fit(empty(4), new Int32Array([0, 1, 1, 1]), { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });
      const after = m.getWeights();
      for (let i = 0; i < before.length; i++) {
        const w = before[i].name;
        if (w.startsWith('dense/')) continue;
        expect(Array.from(after[i].values), w).toEqual(Array.from(before[i].values));
      }
      // the Dense kernel sees zeros: its gradient is zero; its bias learns the class balance
      const k = after.findIndex((w) => w.name === 'dense/kernel');
      expect(Array.from(after[k].values)).toEqual(Array.from(before[k].values));
      const b = after.findIndex((w) => w.name === 'dense/bias');
      expect(after[b].values[1]).toBeGreaterThan(after[b].values[0]);
      const loss = h.history.loss;
      m.dispose();
      return { loss, bias: Array.from(after[b].values) };
    };
    const a = await run(false), b = await run(true);
    expect(a.loss.every(Number.isFinite)).toBe(true);
    expect(b).toEqual(a);
  });

  it('returnSequences on T = 0 still gives an empty sequence', () => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 4 }), new LSTM({ units: 3, returnSequences: true })]);
    m.predict(long);
    expect(m.predict(empty(2)).shape).toEqual([2, 0, 3]);
    m.dispose();
  });
});
