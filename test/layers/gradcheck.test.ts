// Finite-difference gradient checks of every layer, through whole models.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { init, shutdown, Sequential, Dense, Embedding, EmbeddingBag, Dropout, LayerNormalization, LSTM, GRU, Bidirectional, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, SGD } from '../../src/index.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { ints, uniform } from '../helpers/data.js';

beforeAll(async () => { await init({ threads: 2, parallelThreshold: 1 }); });
afterAll(async () => { await shutdown(); });

const labels = (n: number, k: number) => Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % k);

describe('gradients match finite differences', () => {
  it.each([['relu'], ['sigmoid'], ['tanh'], ['gelu'], ['softplus'], ['linear']] as const)('Dense (%s) stack with a softmax head', (act) => {
    const m = new Sequential([new Dense({ units: 5, activation: act }), new Dense({ units: 3, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    const x = uniform(7 * 4, -1, 1, 11).map((v) => (act === 'relu' && Math.abs(v) < 0.05 ? 0.3 : v));
    gradCheck(m, { data: x, shape: [7, 4] }, labels(7, 3), { h: act === 'relu' ? 2e-3 : 1e-2 });
  });

  it('Dense on sequences (B, T, C) with a sigmoid head and binary cross-entropy', () => {
    const m = new Sequential([new Dense({ units: 3, activation: 'tanh' }), new Dense({ units: 1, activation: 'sigmoid' })]);
    m.compile({ optimizer: new SGD(), loss: 'binaryCrossentropy' });
    gradCheck(m, { data: uniform(2 * 3 * 4, -1, 1, 5), shape: [6, 4] }, { data: new Float32Array([0, 1, 1, 0, 1, 0]), shape: [6, 1] });
  });

  it('mean squared error and a softmax that is not fused (categorical targets on probabilities)', () => {
    const m = new Sequential([new Dense({ units: 4, activation: 'relu' }), new Dense({ units: 3 })]);
    m.compile({ optimizer: new SGD(), loss: 'meanSquaredError' });
    gradCheck(m, { data: uniform(5 * 3, -1, 1, 2), shape: [5, 3] }, { data: uniform(15, -1, 1, 3), shape: [5, 3] });
  });

  it('Embedding (maskZero) into Dense per step, then a sum over the classes', () => {
    const m = new Sequential([new Embedding({ inputDim: 11, outputDim: 4, maskZero: true }), new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD(), loss: 'categoricalCrossentropy' });
    // (B, T) ids -> (B, T, 2) probabilities; targets one-hot per step
    const ids = ints(3 * 5, 0, 11, 9);
    const t = new Float32Array(3 * 5 * 2);
    for (let i = 0; i < 15; i++) t[i * 2 + (i % 2)] = 1;
    gradCheck(m, { data: ids, shape: [3, 5] }, { data: t, shape: [3, 5, 2] });
  });

  it('EmbeddingBag (mean and sum) with padding ids skipped', () => {
    for (const mode of ['mean', 'sum'] as const) {
      const m = new Sequential([new EmbeddingBag({ inputDim: 13, outputDim: 4, mode }), new Dense({ units: 3, activation: 'softmax' })]);
      m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
      const ids = ints(4 * 6, 0, 13, 4);   // zeros are padding
      gradCheck(m, { data: ids, shape: [4, 6] }, labels(4, 3));
    }
  });

  it('LayerNormalization', () => {
    const m = new Sequential([new Dense({ units: 6 }), new LayerNormalization(), new Dense({ units: 3, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    gradCheck(m, { data: uniform(5 * 4, -1, 1, 8), shape: [5, 4] }, labels(5, 3));
  });

  it('Dropout (the same mask in the loss and its gradient)', () => {
    const m = new Sequential([new Dense({ units: 8, activation: 'tanh' }), new Dropout({ rate: 0.4 }), new Dense({ units: 3, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    gradCheck(m, { data: uniform(6 * 4, -1, 1, 8), shape: [6, 4] }, labels(6, 3), { seed: 3 });
  });
});

describe('recurrent layers: gradients match finite differences', () => {
  const B = 3, T = 5, V = 12;
  // padded sequences: sample 1 has two padding steps in front, sample 2 one at the end
  const ids = Int32Array.from([3, 5, 7, 2, 9, 0, 0, 4, 6, 8, 1, 11, 10, 3, 0]);
  it.each([
    ['LSTM', false, false], ['LSTM', true, false], ['LSTM', false, true],
    ['GRU', false, false], ['GRU', true, false], ['GRU', false, true],
  ] as const)('%s (returnSequences %s, goBackwards %s) over masked sequences', (kind, seq, back) => {
    const rnn = kind === 'LSTM' ? new LSTM({ units: 4, returnSequences: seq, goBackwards: back }) : new GRU({ units: 4, returnSequences: seq, goBackwards: back });
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: 3, maskZero: true }), rnn, new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    const y = seq ? Int32Array.from({ length: B * T }, (_, i) => i % 2) : Int32Array.from([0, 1, 1]);
    gradCheck(m, { data: ids, shape: [B, T] }, seq ? { data: y, shape: [B, T] } : y, { perWeight: 16 });
  });
});

describe('Bidirectional: gradients match finite differences', () => {
  it.each([['concat', true], ['sum', true], ['mul', false], ['ave', false]] as const)('mergeMode %s (returnSequences %s)', (mode, seq) => {
    const ids = Int32Array.from([3, 5, 7, 2, 0, 0, 4, 6, 8, 1]);
    const m = new Sequential([
      new Embedding({ inputDim: 10, outputDim: 3, maskZero: true }),
      new Bidirectional({ layer: new LSTM({ units: 3, returnSequences: seq }), mergeMode: mode }),
      new Dense({ units: 2, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    const y = seq ? { data: Int32Array.from({ length: 10 }, (_, i) => (i * 3) % 2), shape: [2, 5] } : Int32Array.from([0, 1]);
    gradCheck(m, { data: ids, shape: [2, 5] }, y, { perWeight: 12 });
  });
});

describe('Conv1D and global pooling: gradients match finite differences', () => {
  const ids = Int32Array.from([3, 5, 7, 2, 9, 4, 0, 0, 4, 6, 8, 1, 11, 10, 3, 2]);
  it.each([
    ['valid', 1, 1, 'relu', 'max'], ['same', 1, 1, 'tanh', 'avg'], ['valid', 2, 1, 'linear', 'avg'], ['same', 1, 2, 'relu', 'max'],
    ['causal', 1, 2, 'tanh', 'avg'], ['causal', 2, 1, 'relu', 'max'],
  ] as const)('Conv1D padding %s stride %i dilation %i %s, then %s pooling', (padding, strides, dilationRate, activation, pool) => {
    const m = new Sequential([
      new Embedding({ inputDim: 12, outputDim: 3 }),
      new Conv1D({ filters: 4, kernelSize: 3, padding, strides, dilationRate, activation }),
      pool === 'max' ? new GlobalMaxPooling1D() : new GlobalAveragePooling1D(),
      new Dense({ units: 2, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    gradCheck(m, { data: ids, shape: [2, 8] }, Int32Array.from([0, 1]), { perWeight: 16, h: activation === 'relu' || pool === 'max' ? 5e-4 : 1e-2 });
  });

  it('mask-aware average pooling after Embedding(maskZero)', () => {
    const m = new Sequential([new Embedding({ inputDim: 12, outputDim: 4, maskZero: true }), new GlobalAveragePooling1D(), new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    gradCheck(m, { data: ids, shape: [2, 8] }, Int32Array.from([1, 0]));
  });
});
