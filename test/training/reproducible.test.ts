// Training is reproducible: the same seed gives the same weights bit for bit at 1 and 2 threads
// (and in both builds); and 1,000 training steps do not grow live or peak memory.
import { describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/runtime.js';
import { init, shutdown, Sequential, Dense, Embedding, LSTM, Dropout, Adam, Bidirectional } from '../../src/index.js';
import { ints } from '../helpers/data.js';
import { expectBitwise } from '../helpers/data.js';

const N = 96, L = 12, V = 200;
const x = ints(N * L, 0, V, 5);
const y = Int32Array.from({ length: N }, (_, i) => (x[i * L] + x[i * L + 1]) % 3);

function model() {
  return new Sequential([
    new Embedding({ inputDim: V, outputDim: 16, maskZero: true }),
    new LSTM({ units: 16, returnSequences: true }),
    new Dropout({ rate: 0.2 }),
    new LSTM({ units: 12 }),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
}

async function trainWith(build: 'simd' | 'simd-mt', threads: number): Promise<Float32Array> {
  await shutdown();
  await init({ build, threads, parallelThreshold: 1 });
  const m = model();
  m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit({ data: x, shape: [N, L] }, y, { epochs: 3, batchSize: 16, seed: 11, validationSplit: 0.25 });
  const w = m.snapshotWeights();
  m.dispose();
  return w;
}

describe('reproducibility', () => {
  it('same seed, same weights bit for bit: simd@1, simd-mt@1, simd-mt@2, simd-mt@3', async () => {
    const a = await trainWith('simd', 1);
    const b = await trainWith('simd-mt', 1);
    const c = await trainWith('simd-mt', 2);
    const d = await trainWith('simd-mt', 3);
    expectBitwise(b, a, 'simd-mt@1 vs simd@1');
    expectBitwise(c, a, 'simd-mt@2 vs simd@1');
    expectBitwise(d, a, 'simd-mt@3 vs simd@1');
    await shutdown();
  });

  it('LSTM and Bidirectional(LSTM) with dropout and recurrentDropout: same seed, same weights bit for bit at 1, 2 and 3 threads', async () => {
    const fitWith = async (build: 'simd' | 'simd-mt', threads: number, seed = 11) => {
      await shutdown();
      await init({ build, threads, parallelThreshold: 1 });
      const m = new Sequential([
        new Embedding({ inputDim: V, outputDim: 16, maskZero: true }),
        new LSTM({ units: 16, returnSequences: true, dropout: 0.2, recurrentDropout: 0.3 }),
        new Bidirectional({ layer: new LSTM({ units: 9, dropout: 0.1, recurrentDropout: 0.25 }) }),
        new Dense({ units: 3, activation: 'softmax' }),
      ]);
      m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
      // batches of 16 and a last one of 8 (rows in whole blocks of 4), and of 3 (the one-row path)
      await m.fit({ data: x.subarray(0, 75 * L), shape: [75, L] }, y.subarray(0, 75), { epochs: 2, batchSize: 16, seed });
      await m.fit({ data: x.subarray(0, 6 * L), shape: [6, L] }, y.subarray(0, 6), { epochs: 1, batchSize: 3, seed });
      const w = m.snapshotWeights();
      m.dispose();
      return w;
    };
    const a = await fitWith('simd', 1);
    expectBitwise(await fitWith('simd-mt', 2), a, 'simd-mt@2 vs simd@1');
    expectBitwise(await fitWith('simd-mt', 3), a, 'simd-mt@3 vs simd@1');
    expect(await fitWith('simd', 1, 12)).not.toEqual(a);
    await shutdown();
  });

  it('a different seed gives different weights', async () => {
    await init({ threads: 1 });
    const m1 = model(), m2 = model();
    m1.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    m2.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await m1.fit({ data: x, shape: [N, L] }, y, { epochs: 1, seed: 1 });
    await m2.fit({ data: x, shape: [N, L] }, y, { epochs: 1, seed: 2 });
    expect(m1.snapshotWeights()).not.toEqual(m2.snapshotWeights());
    m1.dispose(); m2.dispose();
    await shutdown();
  });
});

describe('memory', () => {
  it('1,000 training steps do not grow live or peak memory', async () => {
    const rt = await Runtime.create({ threads: 2 });
    const m = model();
    m.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy' });
    m.build([L], rt);
    await m.fit({ data: x, shape: [N, L] }, y, { epochs: 2, batchSize: 16, seed: 1 });
    const before = rt.memoryInfo();
    // 1,000 steps: 6 batches an epoch (the last batch smaller) over 167 epochs
    await m.fit({ data: x, shape: [N, L] }, y, { epochs: 167, batchSize: 16, seed: 1 });
    const after = rt.memoryInfo();
    expect(m.trainSteps).toBeGreaterThanOrEqual(1000);
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.peakBytes).toBe(before.peakBytes);
    expect(after.memoryBytes).toBe(before.memoryBytes);
    m.dispose();
    expect(rt.memoryInfo().heapBytes).toBe(0);
    await rt.close();
  });
});
