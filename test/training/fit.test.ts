// fit / evaluate / predict: options, callbacks, history, and clear errors for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  init, shutdown, Sequential, Dense, Embedding, LSTM, Adam, SGD, EarlyStopping, LearningRateScheduler,
  CallbackFunctions, exponentialDecay, cosineDecay, stepDecay, piecewiseConstant, linearWarmup,
  EmbeddingBag, GRU, Bidirectional, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, Dropout, LayerNormalization, AdamW, RMSprop, Adagrad, TrainingDivergedError, adviceOf, Flatten, MaxPooling1D, AveragePooling1D, SpatialDropout1D, Activation, SimpleRNN,
} from '../../src/index.js';
import { checkOptions, closestOption } from '../../src/options.js';
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
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'f1', 'loss', 'precision', 'recall', 'val_accuracy', 'val_f1', 'val_loss', 'val_precision', 'val_recall']);
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
    expect(h.epoch.length).toBe(3);   // best at epoch 0, then 2 epochs without improvement (Keras, tfjs)
    expect(es.stoppedEpoch).toBe(2);
    m.dispose();
  });

  it('compiling again with the same optimizer keeps its state and step count; after a trainable change, those of the weights still training', async () => {
    const make = () => {
      const m = new Sequential([new Dense({ units: 8, activation: 'relu' }), new Dense({ units: 2, activation: 'softmax' })], { seed: 4 });
      m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const fit = (m: Sequential) => m.fit(xs, Y, { epochs: 1, batchSize: 50, shuffle: false });
    const w = (m: Sequential) => Object.fromEntries(m.getWeights().map((x) => [x.name, Array.from(x.values)]));
    const [a, b, c] = [make(), make(), make()];
    for (const m of [a, b, c]) await fit(m);   // 4 steps each
    a.compile({ optimizer: a.optimizer!, loss: 'sparseCategoricalCrossentropy' });   // the same Adam again
    expect(a.optimizer!.iterations).toBe(4);
    c.layers[0].trainable = false;
    c.compile({ optimizer: c.optimizer!, loss: 'sparseCategoricalCrossentropy' });   // re-lays the slab
    const before = w(c);
    // one step (the frozen layer's outputs are the same as b's only until b updates that layer)
    for (const m of [a, b, c]) await m.fit(xs, Y, { epochs: 1, batchSize: N, shuffle: false });
    expect(w(a)).toEqual(w(b));   // as if never recompiled
    const [wc, wb] = [w(c), w(b)];
    expect([wc['dense/kernel'], wc['dense/bias']]).toEqual([before['dense/kernel'], before['dense/bias']]);
    expect([wc['dense_1/kernel'], wc['dense_1/bias']]).toEqual([wb['dense_1/kernel'], wb['dense_1/bias']]);   // its moments carried over: the same updates
    // a different optimizer starts from scratch
    b.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    expect(b.optimizer!.iterations).toBe(0);
    for (const m of [a, b, c]) m.dispose();
  });

  it('layer names that make two weights share a name are refused at build, before any training', () => {
    const m = new Sequential([
      new Embedding({ inputDim: 10, outputDim: 3 }), new Bidirectional({ layer: new LSTM({ units: 2 }), name: 'bidirectional' }),
      new Dense({ units: 4, name: 'bidirectional/forward_lstm' }), new Dense({ units: 2, activation: 'softmax' }),
    ]);
    expect(() => m.build([6])).toThrow(/layers 'bidirectional' and 'bidirectional\/forward_lstm' both have a weight named 'bidirectional\/forward_lstm\/kernel'; rename one of them/);
    expect(m.store).toBeNull();
    m.dispose();
  });

  it('weightDecay is Keras 3\'s decoupled decay for every optimizer: Adam({ weightDecay }) is AdamW, SGD decays before its update', async () => {
    const run = async (optimizer: any) => {
      const m = new Sequential([new Dense({ units: 3, activation: 'relu' }), new Dense({ units: 2, activation: 'softmax' })], { seed: 8 });
      m.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
      await m.fit(xs, Y, { epochs: 1, batchSize: 100, shuffle: false });
      const w = m.getWeights().map((x) => Array.from(x.values));
      m.dispose();
      return w;
    };
    expect(await run(new Adam({ learningRate: 0.01, weightDecay: 0.1 }))).toEqual(await run(new AdamW({ learningRate: 0.01, weightDecay: 0.1 })));
    // SGD with momentum, one step from zero velocity: p1 = p0 - lr*wd*p0 - lr*g (Keras); the L2 form,
    // p0 - lr*(g + wd*p0), is the same here, so take two steps where the momentum sees the difference
    const lr = 0.1, wd = 0.5, mu = 0.9;
    const m = new Sequential([new Dense({ units: 1, useBias: false })]);
    m.compile({ optimizer: new SGD({ learningRate: lr, momentum: mu, weightDecay: wd }), loss: 'meanSquaredError' });
    m.build([1]);
    m.setWeights([{ name: 'dense/kernel', values: [1] }]);
    await m.fit({ data: Float32Array.from([1]), shape: [1, 1] }, Float32Array.from([0]), { epochs: 2, batchSize: 1 });
    // loss (p*1 - 0)^2: g = 2p. Keras: p -= lr*wd*p; v = mu*v - lr*g(p_before_decay); p += v
    let p = 1, v = 0;
    for (let k = 0; k < 2; k++) { const g = 2 * p; p -= lr * wd * p; v = mu * v - lr * g; p += v; }
    expect(m.getWeights()[0].values[0]).toBeCloseTo(p, 6);
    let q = 1, u = 0;
    for (let k = 0; k < 2; k++) { const g = 2 * q + wd * q; u = mu * u - lr * g; q += u; }   // L2: a different answer
    expect(Math.abs(p - q)).toBeGreaterThan(0.01);
    m.dispose();
  });

  it('validationSplit holds out the last n - floor(n * (1 - f)) samples, as Keras and tfjs do', async () => {
    // y = x with kernel 1 and target 0: each sample's squared error is x^2, so val_loss tells which samples validate
    for (const [n, f, k] of [[10, 0.25, 3], [7, 0.5, 4], [2, 0.1, 1], [200, 0.1, 20], [5, 0.999, 5]] as const) {
      const m = new Sequential([new Dense({ units: 1, useBias: false })]);
      m.compile({ optimizer: new SGD({ learningRate: 0 }), loss: 'meanSquaredError' });
      m.build([1]);
      m.setWeights([{ name: 'dense/kernel', values: [1] }]);
      const x = Float32Array.from({ length: n }, (_, i) => i + 1);
      if (k === n) {
        await expect(m.fit({ data: x, shape: [n, 1] }, new Float32Array(n), { epochs: 1, validationSplit: f })).rejects.toThrow(/leaves no training samples/);
      } else {
        const h = await m.fit({ data: x, shape: [n, 1] }, new Float32Array(n), { epochs: 1, validationSplit: f, batchSize: n });
        let want = 0;
        for (let i = n - k + 1; i <= n; i++) want += i * i / k;
        expect(h.history.val_loss[0]).toBeCloseTo(want, 3);
      }
      m.dispose();
    }
  });

  it('EarlyStopping follows Keras 3 epoch for epoch: patience, minDelta, mode, baseline, the best weights', () => {
    // the monitored values of each epoch, driven through the callback with a stand-in model; the
    // expected stops and best epochs are traced by hand from keras/src/callbacks/early_stopping.py
    function run(values: number[], args: ConstructorParameters<typeof EarlyStopping>[0]) {
      let snapshot = -1, restored = -1, epoch = 0;
      const model = { stopTraining: false, snapshotWeights: () => { snapshot = epoch; return new Float32Array([epoch]); }, restoreWeights: (w: Float32Array) => { restored = w[0]; } };
      const es = new EarlyStopping(args);
      es.setModel(model as any);
      es.onTrainBegin();
      let ran = 0;
      for (epoch = 0; epoch < values.length && !model.stopTraining; epoch++, ran++) es.onEpochEnd(epoch, { loss: values[epoch], accuracy: values[epoch] });
      es.onTrainEnd();
      return { ran, stopped: es.stoppedEpoch, best: es.bestEpoch, snapshot, restored };
    }
    const flat = [1, 1, 1, 1, 1, 1, 1];
    expect([0, 1, 2, 3].map((p) => run(flat, { monitor: 'loss', patience: p }).ran)).toEqual([2, 2, 3, 4]);
    const noisy = [5, 4, 4.5, 4.2, 3.9, 4.0, 4.1, 3.8];
    expect(run(noisy, { monitor: 'loss', patience: 2 })).toMatchObject({ ran: 4, stopped: 3, best: 1 });
    expect(run(noisy, { monitor: 'loss', patience: 3, restoreBestWeights: true })).toMatchObject({ ran: 8, stopped: -1, best: 7, restored: 7 });
    expect(run(noisy, { monitor: 'loss', patience: 1, minDelta: 0.5 })).toMatchObject({ ran: 3, stopped: 2, best: 1 });
    expect(run([0.5, 0.6, 0.6, 0.7], { monitor: 'accuracy', patience: 1 })).toMatchObject({ ran: 3, stopped: 2, best: 1 });   // 'auto': max for accuracy
    // a baseline never beaten: the wait is never reset, yet the best epoch is kept and restored
    expect(run([5, 4, 3, 3.5, 3.2, 1], { monitor: 'loss', patience: 2, baseline: 2, restoreBestWeights: true })).toMatchObject({ ran: 4, stopped: 3, best: 2, restored: 2 });
    // beaten: as without one
    expect(run([5, 1, 3, 3.5, 3.2], { monitor: 'loss', patience: 2, baseline: 2 })).toMatchObject({ ran: 4, stopped: 3, best: 1 });
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
    expect([lw(0), lw(2), lw(4), lw(10)]).toEqual([0, 0.1, 0.2, 0.2]);
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
    await expect(m.fit([[1, 2], [3, 4]], [0, 1], { validationSplit: 0.9 })).rejects.toThrow(/leaves no training/);
    const d = new Sequential([new Dense({ units: 2, activation: 'softmax' })]);
    d.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(d.fit({ data: new Float32Array([1, NaN]), shape: [1, 2] }, [0])).rejects.toThrow(/value NaN at sample 0, position \[1\] is not finite/);
    expect(() => new Dense({ units: 0 })).toThrow(/units must be a whole number >= 1/);
    expect(() => new Dense({ units: 2, activation: 'hard_swish' as any })).toThrow(/unknown activation 'hard_swish'/);
    expect(() => m.compile({ loss: 'hinge' as any })).toThrow(/unknown loss 'hinge'/);
    expect(() => new GRU({ units: 4, recurrentDropout: 0.2 })).toThrow(/recurrentDropout is not supported for GRU/);
    m.dispose(); d.dispose();
  });

  it('a loss that turns NaN names the step and the layer', async () => {
    const m = new Sequential([new Dense({ units: 8, activation: 'relu' }), new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD({ learningRate: 1e30 }), loss: 'sparseCategoricalCrossentropy' });
    const e = await m.fit(xs, Y, { epochs: 3, batchSize: 50 }).catch((x) => x);
    expect(e.message).toMatch(/the loss became NaN at epoch \d+, batch \d+ \(training step \d+\); the first non-finite values appear in the output of layer 'dense(_1)?' \(Dense\)\. Lower the learning rate/);
    // the facts and the fix apart, for a front end that words the fix its own way
    expect(e).toBeInstanceOf(TrainingDivergedError);
    expect(e).toMatchObject({ loss: NaN, step: expect.any(Number), where: expect.stringMatching(/^the output of layer/) });
    expect(adviceOf(e)).toEqual({ kind: 'diverged', problem: expect.stringMatching(/^wasmnn: the loss became NaN .*\(Dense\)\.$/), fix: expect.stringMatching(/^Lower the learning rate/) });
    expect(e.message).toBe(`${adviceOf(e)!.problem} ${adviceOf(e)!.fix}`);
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

// ---- options objects: unknown keys and bad hyper-parameters are refused by name ----------------

describe('learning-rate schedules against their closed forms at the boundary steps', () => {
  it('piecewiseConstant keeps values[i] up to and including boundaries[i] (Keras PiecewiseConstantDecay)', () => {
    const boundaries = [10, 20], values = [1, 0.5, 0.1];
    const pc = piecewiseConstant({ boundaries, values });
    const closed = (s: number) => (s <= 10 ? 1 : s <= 20 ? 0.5 : 0.1);
    expect([pc(0), pc(9), pc(10), pc(11), pc(19), pc(20), pc(21), pc(1000)]).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.1, 0.1]);
    for (let s = 0; s <= 30; s++) expect(pc(s), `step ${s}`).toBe(closed(s));
    const one = piecewiseConstant({ boundaries: [0], values: [3, 4] });
    expect([one(0), one(1)]).toEqual([3, 4]);
  });

  it('linearWarmup rises from 0 at step 0 to the full rate at step warmupSteps (Keras CosineDecay warmup)', () => {
    const lw = linearWarmup({ warmupSteps: 4, after: 0.2 });
    const closed = (s: number) => (s < 4 ? 0.2 * (s / 4) : 0.2);
    for (let s = 0; s <= 8; s++) expect(lw(s), `step ${s}`).toBe(closed(s));
    expect([lw(0), lw(3), lw(4)]).toEqual([0, 0.15000000000000002, 0.2]);
    // the wrapped schedule starts (at its step 0) at step warmupSteps
    const ed = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 });
    const we = linearWarmup({ warmupSteps: 3, after: ed });
    for (let s = 0; s <= 10; s++) expect(we(s), `step ${s}`).toBe(s < 3 ? 0.1 * (s / 3) : 0.1 * Math.pow(0.5, (s - 3) / 2));
    // the same rates as Keras' CosineDecay(initial 0, warmup_target, warmup_steps)
    const keras = cosineDecay({ initialLearningRate: 0, decaySteps: 10, alpha: 0.1, warmupSteps: 4, warmupTarget: 0.2 });
    const ours = linearWarmup({ warmupSteps: 4, after: cosineDecay({ initialLearningRate: 0.2, decaySteps: 10, alpha: 0.1 }) });
    for (let s = 0; s <= 20; s++) expect(ours(s), `step ${s}`).toBeCloseTo(keras(s), 15);
  });

  it('cosineDecay warmup goes from initialLearningRate to warmupTarget, then decays from warmupTarget', () => {
    const cd = cosineDecay({ initialLearningRate: 0.01, decaySteps: 8, alpha: 0, warmupSteps: 4, warmupTarget: 0.05 });
    const closed = (s: number) => (s < 4 ? 0.01 + 0.04 * (s / 4) : 0.05 * 0.5 * (1 + Math.cos(Math.PI * Math.min(s - 4, 8) / 8)));
    for (let s = 0; s <= 16; s++) expect(cd(s), `step ${s}`).toBeCloseTo(closed(s), 15);
    expect(cd(0)).toBe(0.01);
    expect(cd(4)).toBe(0.05);
  });
});

describe('options objects: unknown keys are refused with the closest valid key', () => {
  it('layers name the key, the class, the suggestion and every option', () => {
    expect(() => new LSTM({ units: 4, returnSequence: true } as any)).toThrow(
      /^wasmnn: LSTM: unknown option 'returnSequence'; did you mean 'returnSequences'\? \(options: units, activation, recurrentActivation, useBias, returnSequences, goBackwards, kernelInitializer, recurrentInitializer, biasInitializer, dropout, recurrentDropout, kernelRegularizer, recurrentRegularizer, biasRegularizer, activityRegularizer, unitForgetBias, name, trainable, inputShape\)$/);
    expect(() => new Embedding({ inputDim: 10, outputDim: 4, mask_zero: true } as any)).toThrow(
      /^wasmnn: Embedding: unknown option 'mask_zero'; did you mean 'maskZero'\? \(options: inputDim, outputDim, maskZero, embeddingsInitializer, sparse, embeddingsRegularizer, activityRegularizer, name, trainable, inputShape\)$/);
    expect(() => new Dense({ units: 2, activaton: 'relu' } as any)).toThrow(/^wasmnn: Dense: unknown option 'activaton'; did you mean 'activation'\? \(options: units, activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, name, trainable, inputShape\)$/);
    expect(() => new EmbeddingBag({ inputDim: 10, outputDim: 4, Mode: 'sum' } as any)).toThrow(/^wasmnn: EmbeddingBag: unknown option 'Mode'; did you mean 'mode'\?/);
    expect(() => new GRU({ units: 4, reset_after: false } as any)).toThrow(/^wasmnn: GRU: unknown option 'reset_after'; did you mean 'resetAfter'\?/);
    expect(() => new GRU({ units: 4, unitForgetBias: true } as any)).toThrow(/^wasmnn: GRU: unknown option 'unitForgetBias' \(options: units, .*resetAfter, name, trainable, inputShape\)$/);
    expect(() => new Bidirectional({ layer: new LSTM({ units: 2 }), merge_mode: 'sum' } as any)).toThrow(/^wasmnn: Bidirectional: unknown option 'merge_mode'; did you mean 'mergeMode'\? \(options: layer, mergeMode, name, trainable, inputShape\)$/);
    expect(() => new Conv1D({ filters: 2, kernel_size: 3 } as any)).toThrow(/^wasmnn: Conv1D: unknown option 'kernel_size'; did you mean 'kernelSize'\?/);
    expect(() => new GlobalAveragePooling1D({ dataFormat: 'channelsLast' } as any)).toThrow(/^wasmnn: GlobalAveragePooling1D: unknown option 'dataFormat' \(options: name, trainable, inputShape\)$/);
    expect(() => new GlobalMaxPooling1D({ input_shape: [5, 3] } as any)).toThrow(/^wasmnn: GlobalMaxPooling1D: unknown option 'input_shape'; did you mean 'inputShape'\?/);
    expect(() => new Dropout({ rate: 0.5, sed: 1 } as any)).toThrow(/^wasmnn: Dropout: unknown option 'sed'; did you mean 'seed'\? \(options: rate, seed, name, trainable, inputShape\)$/);
    expect(() => new LayerNormalization({ epsilion: 1e-3 } as any)).toThrow(/^wasmnn: LayerNormalization: unknown option 'epsilion'; did you mean 'epsilon'\?/);
    // several at once, and keys that are not near any option
    expect(() => new Dense({ units: 2, use_bias: false, kernel_constraint: 'nonNeg' } as any)).toThrow(
      /^wasmnn: Dense: unknown options 'use_bias' \(did you mean 'useBias'\?\), 'kernel_constraint' \(options: units, /);
    expect(() => new Dense({ units: 2, kernel_regularizer: 'l2' } as any)).toThrow(/^wasmnn: Dense: unknown option 'kernel_regularizer'; did you mean 'kernelRegularizer'\?/);
    expect(() => new Dense({ units: 2, rate: 0.1 } as any)).toThrow(/^wasmnn: Dense: unknown option 'rate' \(options: /);   // not 'name'
    // not an options object
    expect(() => new Dense(4 as any)).toThrow(/^wasmnn: Dense: options must be an object such as \{ units: \.\.\. \}, got 4/);
    expect(() => new LayerNormalization(null as any)).toThrow(/^wasmnn: LayerNormalization: options must be an object/);
  });

  it('every layer still takes all its options, and rebuilds from its getConfig() (what a model file passes)', async () => {
    const { LAYERS, layerFromConfig } = await import('../../src/layers/index.js');
    const common = { trainable: false, inputShape: [5, 3] };
    const layers = [
      new Dense({ units: 2, activation: 'relu', useBias: false, kernelInitializer: 'heNormal', biasInitializer: 'zeros', name: 'd', ...common }),
      new Embedding({ inputDim: 10, outputDim: 4, maskZero: true, embeddingsInitializer: 'uniform', sparse: true, name: 'e', ...common }),
      new EmbeddingBag({ inputDim: 10, outputDim: 4, mode: 'sum', embeddingsInitializer: 'uniform', sparse: true, name: 'eb', ...common }),
      new Dropout({ rate: 0.2, seed: 3, name: 'dr', ...common }),
      new LayerNormalization({ epsilon: 1e-5, center: false, scale: true, name: 'ln', ...common }),
      new LSTM({
        units: 3, activation: 'tanh', recurrentActivation: 'hardSigmoid', useBias: true, returnSequences: true, goBackwards: true, kernelInitializer: 'glorotUniform',
        recurrentInitializer: 'orthogonal', biasInitializer: 'zeros', dropout: 0, recurrentDropout: 0, unitForgetBias: false, name: 'l', ...common,
      }),
      new GRU({ units: 3, resetAfter: false, returnSequences: false, name: 'g', ...common }),
      new SimpleRNN({
        units: 3, activation: 'relu', useBias: true, returnSequences: true, goBackwards: true, kernelInitializer: 'glorotUniform', recurrentInitializer: 'orthogonal',
        biasInitializer: 'zeros', kernelRegularizer: 'l2', recurrentRegularizer: { l1: 0.01 }, biasRegularizer: { l1: 0, l2: 0.5 }, name: 's', ...common,
      }),
      new Bidirectional({ layer: new GRU({ units: 2, trainable: false }), mergeMode: 'ave', name: 'b', ...common }),
      new Conv1D({ filters: 2, kernelSize: 3, strides: 1, padding: 'same', dilationRate: 2, activation: 'gelu', useBias: true, kernelInitializer: 'glorotUniform', biasInitializer: 'zeros', name: 'c', ...common }),
      new GlobalAveragePooling1D({ name: 'ga', ...common }),
      new GlobalMaxPooling1D({ name: 'gm', ...common }),
      new Flatten({ dataFormat: 'channels_last', name: 'f', ...common }),
      new MaxPooling1D({ poolSize: [3], strides: 2, padding: 'same', dataFormat: 'channelsLast', name: 'mp', ...common }),
      new AveragePooling1D({ poolSize: 2, strides: null, padding: 'valid', dataFormat: 'channels_last', name: 'ap', ...common }),
      new SpatialDropout1D({ rate: 0.3, seed: 4, name: 'sd', ...common }),
      new Activation({ activation: 'leaky_relu', name: 'a', ...common }),
    ];
    expect(layers.map((l) => l.className).sort()).toEqual(Object.keys(LAYERS).sort());
    for (const l of layers) {
      const config = l.getConfig();
      expect(layerFromConfig(l.className, config).getConfig(), l.className).toEqual(config);
    }
    // the defaults, with no options object at all where none is required
    expect(new GlobalMaxPooling1D().name).toBe('');
    expect(new LayerNormalization().epsilon).toBe(1e-3);
  });

  it('optimizers name the key, the class and the suggestion', () => {
    expect(() => new Adam({ learning_rate: 0.5 } as any)).toThrow(/^wasmnn: Adam: unknown option 'learning_rate'; did you mean 'learningRate'\? \(options: learningRate, clipNorm, beta1, beta2, epsilon, weightDecay\)$/);
    expect(() => new AdamW({ weight_decay: 0.1 } as any)).toThrow(/^wasmnn: AdamW: unknown option 'weight_decay'; did you mean 'weightDecay'\?/);
    expect(() => new SGD({ momentun: 0.9 } as any)).toThrow(/^wasmnn: SGD: unknown option 'momentun'; did you mean 'momentum'\? \(options: learningRate, clipNorm, momentum, nesterov, weightDecay\)$/);
    expect(() => new RMSprop({ centred: true } as any)).toThrow(/^wasmnn: RMSprop: unknown option 'centred'; did you mean 'centered'\?/);
    expect(() => new Adagrad({ initial_accumulator_value: 0.2 } as any)).toThrow(/^wasmnn: Adagrad: unknown option 'initial_accumulator_value'; did you mean 'initialAccumulatorValue'\?/);
    expect(() => new Adam({ lr: 0.1 } as any)).toThrow(/^wasmnn: Adam: unknown option 'lr' \(options: /);
    expect(() => new Adam({ beta: 0.9 } as any)).toThrow(/^wasmnn: Adam: unknown option 'beta' \(options: /);   // beta1 or beta2: no obvious one
    expect(() => new SGD({ clipnorm: 1 } as any)).toThrow(/did you mean 'clipNorm'\?/);
    expect(() => new SGD(0.1 as any)).toThrow(/^wasmnn: SGD: options must be an object/);
  });

  it('optimizer hyper-parameters are checked against their ranges', () => {
    expect(() => new SGD({ momentum: 2 })).toThrow(/^wasmnn: SGD: momentum must be a number in \[0, 1\], got 2$/);
    expect(() => new SGD({ momentum: -0.1 })).toThrow(/^wasmnn: SGD: momentum must be a number in \[0, 1\], got -0.1$/);
    expect(() => new SGD({ weightDecay: -1 })).toThrow(/^wasmnn: SGD: weightDecay must be a finite number >= 0, got -1$/);
    expect(() => new SGD({ nesterov: 'yes' as any })).toThrow(/^wasmnn: SGD: nesterov must be true or false, got the string "yes"$/);
    expect(() => new Adam({ beta1: 1.5 })).toThrow(/^wasmnn: Adam: beta1 must be a number in \[0, 1\), got 1.5$/);
    expect(() => new Adam({ beta1: 1 })).toThrow(/^wasmnn: Adam: beta1 must be a number in \[0, 1\), got 1$/);
    expect(() => new Adam({ beta2: -0.5 })).toThrow(/^wasmnn: Adam: beta2 must be a number in \[0, 1\), got -0.5$/);
    expect(() => new Adam({ epsilon: 0 })).toThrow(/^wasmnn: Adam: epsilon must be a finite number > 0, got 0$/);
    expect(() => new AdamW({ beta1: 1.5 })).toThrow(/^wasmnn: AdamW: beta1 must be a number in \[0, 1\), got 1.5$/);
    expect(() => new AdamW({ weightDecay: NaN })).toThrow(/^wasmnn: AdamW: weightDecay must be a finite number >= 0, got NaN$/);
    expect(() => new RMSprop({ rho: 2 })).toThrow(/^wasmnn: RMSprop: rho must be a number in \[0, 1\), got 2$/);
    expect(() => new RMSprop({ rho: 1 })).toThrow(/^wasmnn: RMSprop: rho must be a number in \[0, 1\), got 1$/);
    expect(() => new RMSprop({ momentum: 1.1 })).toThrow(/^wasmnn: RMSprop: momentum must be a number in \[0, 1\], got 1.1$/);
    expect(() => new RMSprop({ epsilon: -1e-7 })).toThrow(/^wasmnn: RMSprop: epsilon must be a finite number > 0, got -1e-7$/);
    expect(() => new RMSprop({ centered: 1 as any })).toThrow(/^wasmnn: RMSprop: centered must be true or false, got 1$/);
    expect(() => new Adagrad({ initialAccumulatorValue: -0.1 })).toThrow(/^wasmnn: Adagrad: initialAccumulatorValue must be a finite number >= 0, got -0.1$/);
    expect(() => new Adagrad({ epsilon: Infinity })).toThrow(/^wasmnn: Adagrad: epsilon must be a finite number > 0, got Infinity$/);
    // the learning rate: a finite number >= 0 or a schedule, found at construction (not as 'lr is not a function' in fit)
    expect(() => new SGD({ learningRate: '0.1' as any })).toThrow(/^wasmnn: SGD: learningRate must be a number or a schedule such as exponentialDecay\(\{ \.\.\. \}\), got the string "0.1"$/);
    expect(() => new Adam({ learningRate: { initialLearningRate: 0.1 } as any })).toThrow(/^wasmnn: Adam: learningRate must be a number or a schedule/);
    expect(() => new Adam({ learningRate: -0.1 })).toThrow(/^wasmnn: Adam: learningRate must be a finite number >= 0, got -0.1$/);
    expect(() => new RMSprop({ learningRate: NaN })).toThrow(/^wasmnn: RMSprop: learningRate must be a finite number >= 0, got NaN$/);
    expect(() => new Adagrad({ learningRate: Infinity })).toThrow(/^wasmnn: Adagrad: learningRate must be a finite number >= 0, got Infinity$/);
    expect(() => new SGD({ clipNorm: 0 })).toThrow(/^wasmnn: SGD: clipNorm must be a positive number, got 0$/);
  });

  it('valid hyper-parameters still work, including the edges Keras allows', () => {
    const sgd = new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01, clipNorm: 1 });
    expect(sgd.getConfig()).toEqual({ learningRate: 0.1, clipNorm: 1, momentum: 0.9, nesterov: true, weightDecay: 0.01 });
    expect(new SGD({ nesterov: true }).nesterov).toBe(true);   // Keras' SGD allows nesterov without momentum (then plain SGD)
    expect(new SGD({ momentum: 1 }).momentum).toBe(1);   // Keras: momentum in [0, 1]
    expect(new SGD({ learningRate: 0 }).currentLearningRate()).toBe(0);   // a frozen model; LearningRateScheduler may set 0 too
    const adam = new Adam({ learningRate: 0.01, beta1: 0, beta2: 0.99, epsilon: 1e-8, weightDecay: 0 });
    expect([adam.beta1, adam.beta2, adam.epsilon]).toEqual([0, 0.99, 1e-8]);
    expect(new AdamW().weightDecay).toBe(0.004);
    expect(new AdamW({ weightDecay: 0.1, learningRate: cosineDecay({ initialLearningRate: 0.1, decaySteps: 10 }) }).weightDecay).toBe(0.1);
    const rms = new RMSprop({ rho: 0, momentum: 0.5, epsilon: 1e-6, centered: true });
    expect([rms.rho, rms.momentum, rms.centered]).toEqual([0, 0.5, true]);
    expect(new Adagrad({ initialAccumulatorValue: 0, epsilon: 1e-3 }).initialAccumulatorValue).toBe(0);
    // a schedule, and a plain function of the step
    expect(new Adam({ learningRate: stepDecay({ initialLearningRate: 0.1, every: 2, factor: 0.5 }) }).currentLearningRate()).toBe(0.1);
    expect(new Adam({ learningRate: Object.assign((s: number) => 0.1 / (s + 1), { config: { name: 'custom' } }) }).currentLearningRate()).toBe(0.1);
  });

  it('schedules name the unknown key and the schedule', () => {
    expect(() => exponentialDecay({ initialLearningRate: 1, decay_steps: 10, decayRate: 0.5 } as any)).toThrow(
      /^wasmnn: exponentialDecay: unknown option 'decay_steps'; did you mean 'decaySteps'\? \(options: initialLearningRate, decaySteps, decayRate, staircase\)$/);
    expect(() => stepDecay({ initialLearningRate: 1, every: 2, factor: 0.5, staircase: true } as any)).toThrow(/^wasmnn: stepDecay: unknown option 'staircase' \(options: initialLearningRate, every, factor\)$/);
    expect(() => piecewiseConstant({ boundries: [1], values: [1, 2] } as any)).toThrow(/^wasmnn: piecewiseConstant: unknown option 'boundries'; did you mean 'boundaries'\? \(options: boundaries, values\)$/);
    expect(() => cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmup_target: 0.1, warmup_steps: 5 } as any)).toThrow(
      /^wasmnn: cosineDecay: unknown options 'warmup_target' \(did you mean 'warmupTarget'\?\), 'warmup_steps' \(did you mean 'warmupSteps'\?\)/);
    expect(() => linearWarmup({ warmupSteps: 3, after: 0.1, target: 0.2 } as any)).toThrow(/^wasmnn: linearWarmup: unknown option 'target' \(options: warmupSteps, after\)$/);
    expect(() => linearWarmup({ warmupSteps: 3, after: '0.1' as any })).toThrow(/^wasmnn: linearWarmup: after must be a learning rate \(a number\) or a schedule/);
    expect(() => stepDecay(undefined as any)).toThrow(/^wasmnn: stepDecay: needs an options object \{ initialLearningRate, every, factor \}$/);
  });

  it('callbacks with options: EarlyStopping', () => {
    expect(() => new EarlyStopping({ restore_best_weights: true } as any)).toThrow(
      /^wasmnn: EarlyStopping: unknown option 'restore_best_weights'; did you mean 'restoreBestWeights'\? \(options: monitor, minDelta, patience, mode, baseline, restoreBestWeights\)$/);
    expect(() => new EarlyStopping({ patiance: 3 } as any)).toThrow(/^wasmnn: EarlyStopping: unknown option 'patiance'; did you mean 'patience'\?/);
    expect(() => new EarlyStopping({ mode: 'maximum' as any })).toThrow(/^wasmnn: EarlyStopping: mode must be 'auto', 'min' or 'max', got "maximum"$/);
    const es = new EarlyStopping({ monitor: 'val_accuracy', minDelta: 0.01, patience: 2, mode: 'auto', baseline: 0.5, restoreBestWeights: true });
    expect([es.mode, es.patience, es.restoreBestWeights]).toEqual(['max', 2, true]);
  });

  it('the shared helper: suggestions only when obvious, for any owner (e.g. Sequential.fit)', () => {
    const FIT = ['batchSize', 'epochs', 'shuffle', 'seed', 'validationSplit', 'validationData', 'classWeight', 'callbacks', 'verbose', 'initialEpoch'];
    expect(() => checkOptions('Sequential.fit', { epoch: 5, batch_size: 1, validation_split: 0.5 }, FIT)).toThrow(
      /^wasmnn: Sequential\.fit: unknown options 'epoch' \(did you mean 'epochs'\?\), 'batch_size' \(did you mean 'batchSize'\?\), 'validation_split' \(did you mean 'validationSplit'\?\) \(options: batchSize, epochs, /);
    const opts = { epochs: 2, batchSize: 4 };
    expect(checkOptions('Sequential.fit', opts, FIT)).toBe(opts);
    expect(checkOptions('Sequential.fit', undefined, FIT)).toBeUndefined();
    expect(closestOption('mask-zero', ['maskZero'])).toBe('maskZero');           // kebab-case
    expect(closestOption('LearningRate', ['learningRate'])).toBe('learningRate');   // letter case
    expect(closestOption('mdoe', ['mode', 'name'])).toBe('mode');                // a swap is one edit
    expect(closestOption('return_sequence', ['returnSequences'])).toBe('returnSequences');   // snake_case and a typo
    expect(closestOption('rate', ['name', 'units'])).toBeNull();                 // 2 edits is too far for a 4-letter key
    expect(closestOption('beta', ['beta1', 'beta2'])).toBeNull();                // a tie is not obvious
    expect(closestOption('kernelRegularizer', ['kernelInitializer'])).toBeNull();
  });
});
