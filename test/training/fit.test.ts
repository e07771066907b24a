// fit / evaluate / predict: options, callbacks, history, and clear errors for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  init, shutdown, Sequential, Dense, Embedding, LSTM, Adam, SGD, EarlyStopping, LearningRateScheduler,
  CallbackFunctions, exponentialDecay, cosineDecay, stepDecay, piecewiseConstant, linearWarmup,
} from '../../src/index.js';
import { uniform } from '../helpers/data.js';

beforeAll(async () => { await init({ threads: 2 }); });
afterAll(async () => { await shutdown(); });

// a linearly separable two-class problem
const N = 200;
const X = uniform(N * 4, -1, 1, 21);
const Y = Int32Array.from({ length: N }, (_, i) => (X[i * 4] + 0.5 * X[i * 4 + 1] > 0 ? 1 : 0));
const xs = { data: X, shape: [N, 4] };

function mlp() {
  const m = new Sequential([new Dense({ units: 8, activation: 'relu' }), new Dense({ units: 2, activation: 'softmax' })]);
  m.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy', 'precision', 'recall', 'f1'] });
  return m;
}

describe('fit', () => {
  it('learns, returns a History, reports validation metrics, evaluates and predicts', async () => {
    const m = mlp();
    const h = await m.fit(xs, Y, { epochs: 15, batchSize: 16, validationSplit: 0.2, seed: 3 });
    expect(h.epoch).toEqual([...Array(15).keys()]);
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_f1', 'val_loss', 'val_precision', 'val_recall']);
    expect(h.history.loss[14]).toBeLessThan(h.history.loss[0]);
    expect(h.history.val_accuracy[14]).toBeGreaterThan(0.9);
    const ev = m.evaluate(xs, Y);
    expect(ev.accuracy).toBeGreaterThan(0.9);
    expect(ev.f1).toBeGreaterThan(0.85);
    const p = m.predict(xs, { batchSize: 7 });
    expect(p.shape).toEqual([N, 2]);
    for (let i = 0; i < N; i++) expect(p.data[2 * i] + p.data[2 * i + 1]).toBeCloseTo(1, 5);
    m.dispose();
  });

  it('nested arrays work as inputs', async () => {
    const m = mlp();
    const nested = Array.from({ length: 20 }, (_, i) => Array.from(X.subarray(i * 4, i * 4 + 4)));
    await m.fit(nested, Array.from(Y.subarray(0, 20)), { epochs: 1 });
    expect(m.predict(nested).shape).toEqual([20, 2]);
    m.dispose();
  });

  it('validationData, classWeight, shuffle off and callbacks in order', async () => {
    const m = mlp();
    const events: string[] = [];
    const cb = new CallbackFunctions({
      onTrainBegin: () => { events.push('train'); },
      onEpochBegin: (e) => { events.push(`e${e}`); },
      onBatchEnd: (b) => { if (b === 0) events.push('b0'); },
      onEpochEnd: async (e, logs) => { events.push(`end${e}:${'val_loss' in logs}`); },
      onTrainEnd: () => { events.push('done'); },
    });
    await m.fit({ data: X.subarray(0, 160 * 4), shape: [160, 4] }, Y.subarray(0, 160), {
      epochs: 2, batchSize: 40, shuffle: false, classWeight: { 0: 1, 1: 3 },
      validationData: [{ data: X.subarray(160 * 4), shape: [40, 4] }, Y.subarray(160)], callbacks: [cb],
    });
    expect(events).toEqual(['train', 'e0', 'b0', 'end0:true', 'e1', 'b0', 'end1:true', 'done']);
    m.dispose();
  });

  it('EarlyStopping stops and restores the best weights', async () => {
    const m = mlp();
    m.compile({ optimizer: new SGD({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy' });   // nothing improves
    const es = new EarlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    const h = await m.fit(xs, Y, { epochs: 20, callbacks: [es] });
    expect(h.epoch.length).toBe(4);   // best at epoch 0, then 3 epochs without improvement
    expect(es.stoppedEpoch).toBe(3);
    m.dispose();
  });

  it('a LearningRateScheduler callback and schedules set the learning rate', async () => {
    const m = mlp();
    const seen: number[] = [];
    await m.fit(xs, Y, { epochs: 3, callbacks: [new LearningRateScheduler((e) => 0.1 / (e + 1)), new CallbackFunctions({ onEpochEnd: () => { seen.push(m.optimizer!.currentLearningRate()); } })] });
    expect(seen).toEqual([0.1, 0.05, 0.1 / 3]);
    const ed = exponentialDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5 });
    expect(ed(10)).toBeCloseTo(0.5, 12);
    expect(exponentialDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5, staircase: true })(19)).toBe(0.5);
    expect(stepDecay({ initialLearningRate: 1, every: 5, factor: 0.1 })(12)).toBeCloseTo(0.01, 12);
    expect(piecewiseConstant({ boundaries: [10, 20], values: [1, 0.5, 0.1] })(15)).toBe(0.5);
    const cd = cosineDecay({ initialLearningRate: 1, decaySteps: 100, alpha: 0.1 });
    expect(cd(0)).toBe(1);
    expect(cd(50)).toBeCloseTo(0.55, 12);
    expect(cd(1000)).toBeCloseTo(0.1, 12);
    const lw = linearWarmup({ warmupSteps: 4, after: 0.2 });
    expect([lw(0), lw(3), lw(10)]).toEqual([0.05, 0.2, 0.2]);
    // a schedule drives the optimizer per step
    const m2 = mlp();
    m2.compile({ optimizer: new Adam({ learningRate: exponentialDecay({ initialLearningRate: 0.01, decaySteps: 1, decayRate: 0.5 }) }), loss: 'sparseCategoricalCrossentropy' });
    await m2.fit(xs, Y, { epochs: 1, batchSize: 50 });
    expect(m2.optimizer!.currentLearningRate()).toBeCloseTo(0.01 / 16, 12);
    m.dispose(); m2.dispose();
  });

  it('summary lists layers, output shapes and parameter counts', async () => {
    const m = new Sequential([new Embedding({ inputDim: 100, outputDim: 8, maskZero: true }), new LSTM({ units: 4 }), new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    m.build([10]);
    const s = m.summary(false);
    expect(s).toMatch(/embedding \(Embedding\)\s+\(None, None, 8\)\s+800/);
    expect(s).toMatch(/lstm \(LSTM\)\s+\(None, 4\)\s+208/);   // 4 * (8*4 + 4*4 + 4)
    expect(s).toMatch(/dense \(Dense\)\s+\(None, 2\)\s+10/);
    expect(s).toMatch(/Total params: 1018/);
    m.dispose();
  });
});

describe('bad input gets a clear error', () => {
  it('shapes, ids, labels, NaN, empty data, missing compile', async () => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 4 }), new LSTM({ units: 3 }), new Dense({ units: 2, activation: 'softmax' })]);
    await expect(m.fit([[1, 2]], [0])).rejects.toThrow(/compile the model first/);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await expect(m.fit([[1, 2], [3, 12]], [0, 1])).rejects.toThrow(/token id 12 at sample 1, position \[1\] is outside the vocabulary of Embedding .*inputDim 10/);
    await expect(m.fit([[1, 2], [3, 4]], [0, 2])).rejects.toThrow(/label 2 at sample 1 is outside the 2 classes/);
    await expect(m.fit([[1, 2], [3, 4]], [0])).rejects.toThrow(/y has 1 samples but the inputs have 2/);
    await expect(m.fit([[1, 2], [3]], [0, 1])).rejects.toThrow(/nested arrays must be rectangular/);
    await expect(m.fit([[1.5, 2]], [0])).rejects.toThrow(/not a whole number/);
    await expect(m.fit({ data: new Int32Array(0), shape: [0, 5] }, new Int32Array(0))).rejects.toThrow(/empty/);
    await expect(m.fit([[1, 2]], [0], { batchSize: 0 })).rejects.toThrow(/batchSize must be/);
    await expect(m.fit([[1, 2], [3, 4]], [0, 1], { validationSplit: 0.1 })).rejects.toThrow(/leaves no validation/);
    const d = new Sequential([new Dense({ units: 2, activation: 'softmax' })]);
    d.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(d.fit({ data: new Float32Array([1, NaN]), shape: [1, 2] }, [0])).rejects.toThrow(/value NaN at sample 0, position \[1\] is not finite/);
    expect(() => new Dense({ units: 0 })).toThrow(/units must be a whole number >= 1/);
    expect(() => new Dense({ units: 2, activation: 'swish' as any })).toThrow(/unknown activation 'swish'/);
    expect(() => m.compile({ loss: 'hinge' as any })).toThrow(/unknown loss 'hinge'/);
    expect(() => new LSTM({ units: 4, recurrentDropout: 0.2 })).toThrow(/put a Dropout layer/);
    m.dispose(); d.dispose();
  });

  it('a loss that turns NaN names the step and the layer', async () => {
    const m = new Sequential([new Dense({ units: 8, activation: 'relu' }), new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD({ learningRate: 1e30 }), loss: 'sparseCategoricalCrossentropy' });
    await expect(m.fit(xs, Y, { epochs: 3, batchSize: 50 })).rejects.toThrow(/the loss became NaN at epoch \d+, batch \d+ \(training step \d+\); the first non-finite values appear in the output of layer 'dense(_1)?' \(Dense\)\. Lower the learning rate/);
    m.dispose();
  });
});

describe('optimizers through fit', () => {
  it('clipNorm rescales the gradient to the given global norm', async () => {
    const m = mlp();
    m.compile({ optimizer: new SGD({ learningRate: 0.5, clipNorm: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
    await m.fit(xs, Y, { epochs: 0 });   // builds the model
    const w0 = m.snapshotWeights();
    await m.fit(xs, Y, { epochs: 1, batchSize: N, shuffle: false });
    const w1 = m.snapshotWeights();
    let d2 = 0;
    for (let i = 0; i < w0.length; i++) d2 += (w1[i] - w0[i]) ** 2;
    // the initial gradient's norm is above 0.1, so one SGD step moves the weights by lr * clipNorm
    expect(Math.abs(Math.sqrt(d2) - 0.5 * 0.1)).toBeLessThan(1e-5);
    m.dispose();
  });

  it.each([['adamw'], ['rmsprop'], ['adagrad'], ['sgd']] as const)('%s by name trains', async (name) => {
    const m = mlp();
    m.compile({ optimizer: name, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(xs, Y, { epochs: 8, batchSize: 16 });
    expect(h.history.loss[7]).toBeLessThan(h.history.loss[0]);
    m.dispose();
  });
});
