// What Keras users rely on without thinking: the loss and metrics each output/target pairing
// implies (checked against closed forms computed here from predict's probabilities), and a
// model's life cycle (failed builds, dispose, shared optimizers, trainable flags, concurrent fits).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  init, shutdown, Sequential, Dense, Embedding, LSTM, Conv1D, GlobalMaxPooling1D, GlobalAveragePooling1D, LayerNormalization, EmbeddingBag,
  SGD, Adam, CallbackFunctions, EarlyStopping, confusionMatrix, classReport, MemoryLimitError, Runtime, LearningRateScheduler, exponentialDecay, Bidirectional, GRU,
} from '../../src/index.js';
import { uniform } from '../helpers/data.js';

beforeAll(async () => { await init({ threads: 2 }); });
afterAll(async () => { await shutdown(); });

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** One Dense layer with given weights, compiled. */
function dense(units: number, inDim: number, activation: 'sigmoid' | 'softmax' | 'linear', loss: string, kernel: number[], bias: number[], metrics: string[] = ['accuracy']) {
  const m = new Sequential([new Dense({ units, activation })]);
  m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: loss as any, metrics });
  m.build([inDim]);
  m.setWeights([{ name: 'dense/kernel', values: kernel }, { name: 'dense/bias', values: bias }]);
  return m;
}

describe('binary cross-entropy with a sigmoid output (the standard Keras binary classifier)', () => {
  it('the loss, its gradient and accuracy are those of the probabilities predict returns', () => {
    const m = dense(1, 1, 'sigmoid', 'binaryCrossentropy', [2], [0]);
    const p = sigmoid(2);
    expect(m.predict([[1]]).data[0]).toBeCloseTo(p, 6);
    const e1 = m.evaluate({ data: new Float32Array([1]), shape: [1, 1] }, { data: new Float32Array([1]), shape: [1, 1] });
    expect(e1.loss).toBeCloseTo(-Math.log(p), 5);
    expect(e1.accuracy).toBe(1);
    const e0 = m.evaluate({ data: new Float32Array([1]), shape: [1, 1] }, { data: new Float32Array([0]), shape: [1, 1] });
    expect(e0.loss).toBeCloseTo(-Math.log(1 - p), 5);
    expect(e0.accuracy).toBe(0);
    // d/dw of -log(1 - sigmoid(w x)) at x = 1 is sigmoid(w) - 0
    const { grads } = m.lossAndGradients({ data: new Float32Array([1]), shape: [1, 1] }, { data: new Float32Array([0]), shape: [1, 1] });
    expect(grads.get('dense/kernel')![0]).toBeCloseTo(p, 5);
    m.dispose();
  });

  it('learns a separable problem, and fit / evaluate accuracy agree with predict', async () => {
    const n = 120;
    const x = uniform(n, -1, 1, 4);
    const y = Float32Array.from(x, (v) => (v > 0.1 ? 1 : 0));
    const m = new Sequential([new Dense({ units: 1, activation: 'sigmoid' })]);
    m.compile({ optimizer: new Adam({ learningRate: 0.1 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit({ data: x, shape: [n, 1] }, { data: y, shape: [n, 1] }, { epochs: 40, batchSize: 16 });
    const probs = m.predict({ data: x, shape: [n, 1] }).data;
    let own = 0;
    for (let i = 0; i < n; i++) if ((probs[i] >= 0.5 ? 1 : 0) === y[i]) own++;
    expect(own / n).toBeGreaterThan(0.95);
    expect(h.history.accuracy.at(-1)).toBeGreaterThan(0.9);
    expect(m.evaluate({ data: x, shape: [n, 1] }, { data: y, shape: [n, 1] }).accuracy).toBeCloseTo(own / n, 10);
    m.dispose();
  });

  it('several sigmoid outputs (multi-label): accuracy counts every label, as Keras binary accuracy', () => {
    // outputs sigmoid(x . k + b) for 2 labels; x = 1: logits 3 and -3 -> labels (1, 0)
    const m = dense(2, 1, 'sigmoid', 'binaryCrossentropy', [3, -3], [0, 0], ['accuracy', 'precision', 'recall']);
    const x = { data: new Float32Array([1, 1]), shape: [2, 1] };
    const all = m.evaluate(x, { data: new Float32Array([1, 0, 1, 0]), shape: [2, 2] });
    expect(all.accuracy).toBe(1);
    expect(all.precision).toBe(1);
    expect(all.recall).toBe(1);
    const half = m.evaluate(x, { data: new Float32Array([1, 1, 1, 0]), shape: [2, 2] });
    expect(half.accuracy).toBe(0.75);
    m.dispose();
  });
});

describe('metrics with three or more classes', () => {
  // x is one-hot of 3 features; the kernel maps feature i to class (i + shift) % 3
  const x = { data: new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1]), shape: [4, 3] };
  const kernel = [5, 0, 0, 0, 5, 0, 0, 0, 5];   // predicts the feature's index
  it('sparse labels: evaluate and validation metrics equal those computed from predict', async () => {
    const m = dense(3, 3, 'softmax', 'sparseCategoricalCrossentropy', kernel, [0, 0, 0], ['accuracy', 'precision', 'recall', 'f1']);
    const labels = Int32Array.from([0, 1, 2, 1]);   // the last one is wrong (predicted 2)
    const ev = m.evaluate(x, labels);
    expect(ev.accuracy).toBe(0.75);
    const rep = classReport(labels, [0, 1, 2, 2], 3);
    expect(ev.precision).toBeCloseTo(rep.macroPrecision, 12);
    expect(ev.recall).toBeCloseTo(rep.macroRecall, 12);
    expect(ev.f1).toBeCloseTo(rep.macroF1, 12);
    // the same labels one-hot, with the one-hot loss
    const oneHot = new Float32Array(12);
    labels.forEach((c, i) => { oneHot[i * 3 + c] = 1; });
    const m2 = dense(3, 3, 'softmax', 'categoricalCrossentropy', kernel, [0, 0, 0]);
    expect(m2.evaluate(x, { data: oneHot, shape: [4, 3] }).accuracy).toBe(0.75);
    // validation metrics go through the same path
    const h = await m.fit(x, labels, { epochs: 1, validationData: [x, labels], batchSize: 4 });
    expect(h.history.val_accuracy[0]).toBeCloseTo(m.evaluate(x, labels).accuracy, 12);
    m.dispose(); m2.dispose();
  });

  it('training epochs report precision, recall and F1 too, over the epoch (learning rate 0: equal to evaluate)', async () => {
    const m = dense(3, 3, 'softmax', 'sparseCategoricalCrossentropy', kernel, [0, 0, 0], ['accuracy', 'precision', 'recall', 'f1']);
    m.compile({ optimizer: new SGD({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy', 'precision', 'recall', 'f1'] });
    const labels = Int32Array.from([0, 1, 2, 1]);
    const h = await m.fit(x, labels, { epochs: 1, batchSize: 3 });   // two batches: 3 + 1
    const ev = m.evaluate(x, labels);
    for (const k of ['accuracy', 'precision', 'recall', 'f1']) expect(h.history[k][0]).toBeCloseTo(ev[k], 12);
    expect(ev.recall).toBeCloseTo((1 + 0.5 + 1) / 3, 12);
    m.dispose();
  });

  it('classWeight weights each sparse class by its own weight', async () => {
    const labels = Int32Array.from([0, 1, 2, 2]);
    const lossWith = async (classWeight?: Record<number, number>) => {
      const m = dense(3, 3, 'softmax', 'sparseCategoricalCrossentropy', [1, 0.2, 0, 0, 1, 0.3, 0.1, 0, 1], [0, 0, 0]);
      m.compile({ optimizer: new SGD({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy' });
      const probs = m.predict(x).data;
      const h = await m.fit(x, labels, { epochs: 1, batchSize: 4, shuffle: false, classWeight });
      m.dispose();
      let want = 0;
      labels.forEach((c, i) => { want += (classWeight?.[c] ?? 1) * -Math.log(probs[i * 3 + c]); });
      return { got: h.history.loss[0], want: want / 4 };
    };
    for (const cw of [undefined, { 2: 0 }, { 1: 0 }, { 0: 2, 2: 0.5 }]) {
      const r = await lossWith(cw);
      expect(r.got).toBeCloseTo(r.want, 5);
    }
  });

  it('per-time-step outputs: evaluate and fit count every step', async () => {
    const T = 5, n = 6, V = 7;
    const ids = Int32Array.from({ length: n * T }, (_, i) => 1 + (i * 3) % (V - 1));
    const labels = Int32Array.from(ids, (v) => v % 3);
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: 4 }), new LSTM({ units: 6, returnSequences: true }), new Dense({ units: 3, activation: 'softmax' })]);
    m.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = { data: ids, shape: [n, T] }, y = { data: labels, shape: [n, T] };
    const h = await m.fit(x, y, { epochs: 30, batchSize: n, shuffle: false, seed: 1 });
    const probs = m.predict(x).data;
    let own = 0;
    for (let r = 0; r < n * T; r++) {
      let best = 0;
      for (let c = 1; c < 3; c++) if (probs[r * 3 + c] > probs[r * 3 + best]) best = c;
      if (best === labels[r]) own++;
    }
    expect(m.evaluate(x, y).accuracy).toBeCloseTo(own / (n * T), 12);
    expect(h.history.accuracy.at(-1)).toBeGreaterThan(0.5);
    expect(h.history.accuracy.every((a) => a >= 0 && a <= 1)).toBe(true);
    m.dispose();
  });
});

describe('masked per-time-step outputs (Keras 3: padded steps count nowhere)', () => {
  // Embedding(maskZero) -> LSTM(returnSequences) -> Dense softmax: each row ends in padding (id 0)
  const T = 6, n = 5, V = 9, C = 3;
  const ids = Int32Array.from({ length: n * T }, (_, i) => ((i % T) < 2 + (Math.floor(i / T) % 4) ? 1 + (i * 5) % (V - 1) : 0));
  const labels = Int32Array.from(ids, (v, i) => (v + i) % C);
  const x = { data: ids, shape: [n, T] };
  const make = (lr = 0) => {
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: 4, maskZero: true }), new LSTM({ units: 5, returnSequences: true }), new Dense({ units: C, activation: 'softmax' })], { seed: 3 });
    m.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    m.build([T]);
    return m;
  };

  it('the loss is the mean over the unmasked steps of what predict gives; accuracy counts only them', async () => {
    const m = make();
    const p = m.predict(x).data;
    let sum = 0, valid = 0, right = 0;
    for (let r = 0; r < n * T; r++) {
      if (ids[r] === 0) continue;
      valid++;
      sum += -Math.log(p[r * C + labels[r]]);
      let best = 0;
      for (let c = 1; c < C; c++) if (p[r * C + c] > p[r * C + best]) best = c;
      if (best === labels[r]) right++;
    }
    const ev = m.evaluate(x, { data: labels, shape: [n, T] }, { batchSize: n });
    expect(ev.loss).toBeCloseTo(sum / valid, 5);
    expect(ev.accuracy).toBeCloseTo(right / valid, 12);
    const h = await m.fit(x, { data: labels, shape: [n, T] }, { epochs: 1, batchSize: n, shuffle: false });   // learning rate 0
    expect(h.history.loss[0]).toBeCloseTo(sum / valid, 5);
    expect(h.history.accuracy[0]).toBeCloseTo(right / valid, 12);
    m.dispose();
  });

  it('a batch of padded steps only: loss 0, accuracy 0 (not NaN), as Keras', async () => {
    const m = make();
    const pad = { data: new Int32Array(2 * T), shape: [2, T] };
    const seen: number[] = [];
    const h = await m.fit(pad, { data: new Int32Array(2 * T), shape: [2, T] }, { epochs: 1, batchSize: 1, callbacks: [new CallbackFunctions({ onBatchEnd: (_, logs) => { seen.push(logs.accuracy as number); } })] });
    expect(seen).toEqual([0, 0]);
    expect(h.history.loss[0]).toBe(0);
    expect(h.history.accuracy[0]).toBe(0);
    m.dispose();
  });

  it('labels at padded steps change neither the loss nor a single gradient', () => {
    const m = make();
    const other = Int32Array.from(labels, (l, i) => (ids[i] === 0 ? (l + 1) % C : l));
    const a = m.lossAndGradients(x, { data: labels, shape: [n, T] });
    const b = m.lossAndGradients(x, { data: other, shape: [n, T] });
    expect(b.loss).toBe(a.loss);
    for (const [name, g] of a.grads) expect(b.grads.get(name), name).toEqual(g);
    m.dispose();
  });
});

describe('macro averages: over the classes present in the truth or the predictions (scikit-learn, labels=None)', () => {
  // scikit-learn's documented example (precision_score / recall_score / f1_score, average='macro'):
  // y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1] -> 0.2222..., 0.3333..., 0.2666...
  const yTrue = [0, 1, 2, 0, 1, 2], yPred = [0, 2, 1, 0, 0, 1];
  it('a class absent from both the truth and the predictions is left out of the means', () => {
    for (const classes of [3, 4, 6]) {
      const r = classReport(yTrue, yPred, classes);
      expect(r.macroPrecision, `${classes} classes`).toBeCloseTo(2 / 9, 12);
      expect(r.macroRecall).toBeCloseTo(1 / 3, 12);
      expect(r.macroF1).toBeCloseTo(0.8 / 3, 12);
      // the per-class rows still list the absent classes, with support 0
      expect(r.support).toEqual([2, 2, 2, ...new Array(classes - 3).fill(0)]);
      expect(r.precision.slice(3)).toEqual(new Array(classes - 3).fill(0));
    }
  });

  it('a class that is only predicted counts, with 0', () => {
    // class 2 is predicted once and never true: precision 0/1, recall 0 (no samples: zero_division=0)
    const r = classReport([0, 0, 1, 1], [0, 2, 1, 1], 4);
    expect(r.precision).toEqual([1, 1, 0, 0]);
    expect(r.recall).toEqual([0.5, 1, 0, 0]);
    expect(r.macroPrecision).toBeCloseTo((1 + 1 + 0) / 3, 12);
    expect(r.macroRecall).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
    expect(r.macroF1).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12);
    // no samples at all: no class is present, the means are 0
    expect(classReport([], [], 3)).toMatchObject({ accuracy: 0, macroPrecision: 0, macroRecall: 0, macroF1: 0 });
  });

  it("Sequential's precision / recall / f1 metrics use the same classes", () => {
    // 3 outputs; the inputs reach features 0 and 1 only, so class 2 is neither true nor predicted
    const m = dense(3, 3, 'softmax', 'sparseCategoricalCrossentropy', [5, 0, 0, 0, 5, 0, 0, 0, 5], [0, 0, 0], ['accuracy', 'precision', 'recall', 'f1']);
    const x = { data: new Float32Array([1, 0, 0, 0, 1, 0, 0, 1, 0]), shape: [3, 3] };
    const ev = m.evaluate(x, Int32Array.from([0, 1, 0]));   // predicted 0, 1, 1
    expect(ev.accuracy).toBeCloseTo(2 / 3, 12);
    expect(ev.precision).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(ev.recall).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(ev.f1).toBeCloseTo((2 / 3 + 2 / 3) / 2, 12);
    m.dispose();
  });
});

describe('metric functions check their inputs', () => {
  it('confusionMatrix and classReport refuse classes outside the range and mismatched lengths', () => {
    expect(confusionMatrix([0, 1], [0, 1], 2)).toEqual([[1, 0], [0, 1]]);
    expect(() => confusionMatrix([0, 1], [0, 5], 2)).toThrow(/predicted class 5 at index 1 is not one of the 2 classes/);
    expect(() => confusionMatrix([0, 3], [0, 1], 2)).toThrow(/true class 3 at index 1/);
    expect(() => confusionMatrix([0, 1], [0, -1], 2)).toThrow(/predicted class -1/);
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 true classes but 1 predictions/);
    expect(() => confusionMatrix([0.5], [0], 2)).toThrow(/true class 0.5/);
    expect(() => classReport([0, 1], [0, 2], 2)).toThrow(/predicted class 2/);
  });
});

describe('a model’s life cycle', () => {
  it('an optimizer instance serves one model: compiling it into a second one is an error', () => {
    const opt = new Adam();
    const a = new Sequential([new Dense({ units: 2 })], { name: 'a' });
    a.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const b = new Sequential([new Dense({ units: 2 })]);
    expect(() => b.compile({ optimizer: opt, loss: 'meanSquaredError' })).toThrow(/already compiled into model 'a'.*give each model its own/);
    a.compile({ optimizer: opt, loss: 'meanSquaredError' });   // recompiling the same model is fine
    a.compile({ optimizer: new Adam(), loss: 'meanSquaredError' });
    b.compile({ optimizer: opt, loss: 'meanSquaredError' });   // released by a's recompile
    a.dispose(); b.dispose();
  });

  it('a build that fails part way leaves nothing behind: the retry builds cleanly', async () => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 4 }), new LSTM({ units: 4 }), new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy' });
    // a flat id array has no time axis: the LSTM refuses it after the Embedding has declared its weights
    await expect(m.fit(Int32Array.from([1, 2, 3]), Int32Array.from([0, 1, 0]))).rejects.toThrow();
    expect(m.built).toBe(false);
    await m.fit({ data: Int32Array.from([1, 2, 3, 4, 5, 6]), shape: [3, 2] }, Int32Array.from([0, 1, 0]), { epochs: 1 });
    expect(m.countParams()).toBe(10 * 4 + (4 * 4 * 4 + 4 * 4 * 4 + 4 * 4) + (4 * 2 + 2));
    const names = m.getWeights().map((w) => w.name);
    expect(new Set(names).size).toBe(names.length);
    m.dispose();
  });

  it('a build that runs out of memory can be retried with the same size', async () => {
    // a 256 MB table in a 64 MiB memory: the build fails; a retry must ask for the same, not twice as much
    const rt = await Runtime.create({ build: 'simd', threads: 1, maxMemoryBytes: 64 * 2 ** 20 });
    try {
      const big = new Sequential([new Embedding({ inputDim: 1_000_000, outputDim: 64 })]);
      const attempt = () => { try { big.build([4], rt); return ''; } catch (e) { expect(e).toBeInstanceOf(MemoryLimitError); return (e as Error).message; } };
      const first = attempt();
      expect(first).toMatch(/out of memory allocating/);
      expect(attempt()).toBe(first);
      expect(big.built).toBe(false);
    } finally {
      await rt.close();
    }
  });

  it('using a disposed model is an error, not a silent rebuild with fresh weights', async () => {
    const m = new Sequential([new Dense({ units: 2, activation: 'softmax' })], { name: 'gone' });
    m.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy' });
    await m.fit([[1, 2], [3, 4]], [0, 1], { epochs: 1 });
    m.dispose();
    expect(() => m.predict([[1, 2]])).toThrow(/model 'gone' was disposed/);
    expect(() => m.evaluate([[1, 2]], [0])).toThrow(/was disposed/);
    await expect(m.fit([[1, 2]], [0])).rejects.toThrow(/was disposed/);
    expect(() => m.compile({ loss: 'meanSquaredError' })).toThrow(/was disposed/);
  });

  it('batchSize is checked by evaluate and predict as by fit', () => {
    const m = dense(2, 2, 'softmax', 'sparseCategoricalCrossentropy', [1, 0, 0, 1], [0, 0]);
    for (const b of [0, -1, 2.5, NaN]) {
      expect(() => m.evaluate([[1, 2]], [0], { batchSize: b })).toThrow(/evaluate: batchSize must be a whole number >= 1/);
      expect(() => m.predict([[1, 2]], { batchSize: b })).toThrow(/predict: batchSize must be a whole number >= 1/);
    }
    m.dispose();
  });

  it('a batch size larger than the data is fine (the batch holds the whole data set)', async () => {
    const m = dense(2, 2, 'softmax', 'sparseCategoricalCrossentropy', [1, 0, 0, 1], [0, 0]);
    const h = await m.fit([[1, 2], [2, 1]], [1, 0], { epochs: 1, batchSize: 1e8 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
    m.dispose();
  });

  it('onBatchBegin runs before every batch, onBatchEnd after it', async () => {
    const m = dense(2, 2, 'softmax', 'sparseCategoricalCrossentropy', [1, 0, 0, 1], [0, 0]);
    const log: string[] = [];
    await m.fit([[1, 2], [2, 1], [0, 1]], [1, 0, 1], {
      epochs: 2, batchSize: 2,
      callbacks: [new CallbackFunctions({ onBatchBegin: (b, l) => { log.push(`b${b}:${l.size}`); }, onBatchEnd: (b) => { log.push(`e${b}`); } })],
    });
    expect(log).toEqual(['b0:2', 'e0', 'b1:1', 'e1', 'b0:2', 'e0', 'b1:1', 'e1']);
    m.dispose();
  });

  it('trainable set after build takes effect at the next compile; fit before it says so', async () => {
    const d1 = new Dense({ units: 3, activation: 'tanh' }), d2 = new Dense({ units: 2, activation: 'softmax' });
    const m = new Sequential([d1, d2]);
    m.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
    const x = uniform(8 * 2, -1, 1, 3), y = Int32Array.from({ length: 8 }, (_, i) => i % 2);
    await m.fit({ data: x, shape: [8, 2] }, y, { epochs: 1 });
    d1.trainable = false;
    await expect(m.fit({ data: x, shape: [8, 2] }, y, { epochs: 1 })).rejects.toThrow(/trainable flag of layer 'dense' changed after compile; call model.compile/);
    const before = new Map(m.getWeights().map((w) => [w.name, Float32Array.from(w.values)]));
    m.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
    // the values survive the re-laid slab
    for (const w of m.getWeights()) expect(Float32Array.from(w.values)).toEqual(before.get(w.name));
    expect(m.summary(false)).toMatch(/Trainable params: 8\nNon-trainable params: 9/);
    await m.fit({ data: x, shape: [8, 2] }, y, { epochs: 2 });
    const after = new Map(m.getWeights().map((w) => [w.name, Float32Array.from(w.values)]));
    expect(after.get('dense/kernel')).toEqual(before.get('dense/kernel'));
    expect(after.get('dense/bias')).toEqual(before.get('dense/bias'));
    expect(after.get('dense_1/kernel')).not.toEqual(before.get('dense_1/kernel'));
    m.dispose();
  });

  it('a second fit while one runs is refused; evaluate during it is fine (Keras callbacks call it)', async () => {
    const m = dense(2, 2, 'softmax', 'sparseCategoricalCrossentropy', [1, 0, 0, 1], [0, 0]);
    const x = uniform(64 * 2, -1, 1, 5), y = Int32Array.from({ length: 64 }, (_, i) => i % 2);
    const X = { data: x, shape: [64, 2] };
    // evaluate from onEpochEnd sees the epoch's final weights: it equals the validation figures
    const seen: Array<[number, number]> = [];
    const first = m.fit(X, y, {
      epochs: 3, batchSize: 8, validationData: [X, y],
      callbacks: [new CallbackFunctions({ onEpochEnd: (_e, logs) => { seen.push([m.evaluate(X, y).loss, logs!.val_loss]); } })],
    });
    await expect(m.fit(X, y)).rejects.toThrow(/fit\(\) is still running on model .*await it/);
    expect(Number.isFinite(m.evaluate(X, y).loss)).toBe(true);   // between two batches
    await first;
    expect(seen).toHaveLength(3);
    for (const [a, b] of seen) expect(a).toBe(b);
    await m.fit({ data: x, shape: [64, 2] }, y, { epochs: 1 });   // fine once it is done
    m.dispose();
  });

  it('inputs of another sample shape than the model was built for get the build error, not a kernel one', () => {
    const m = dense(2, 3, 'softmax', 'sparseCategoricalCrossentropy', [1, 0, 0, 1, 0, 0], [0, 0]);
    expect(() => m.predict([[1, 2, 3, 4]])).toThrow(/was built for samples of shape \(None, 3\), got \(None, 4\)/);
    expect(() => m.evaluate([[1, 2, 3, 4]], [0])).toThrow(/was built for samples of shape/);
    m.dispose();
  });

  it('a model without layers says so', async () => {
    const m = new Sequential();
    m.compile({ optimizer: new Adam(), loss: 'meanSquaredError' });
    await expect(m.fit([[1]], [[1]])).rejects.toThrow(/the model has no layers; add some/);
    expect(() => m.predict([[1]])).toThrow(/the model has no layers/);
  });

  it('compile, fit, evaluate and predict refuse unknown options (a misspelt option would silently change the run)', async () => {
    const m = dense(2, 2, 'softmax', 'sparseCategoricalCrossentropy', [1, 0, 0, 1], [0, 0]);
    await expect(m.fit([[1, 2]], [0], { epoch: 5 } as any)).rejects.toThrow(/Sequential\.fit: unknown option 'epoch'; did you mean 'epochs'\?/);
    expect(() => m.evaluate([[1, 2]], [0], { batch_size: 1 } as any)).toThrow(/Sequential\.evaluate: unknown option 'batch_size'; did you mean 'batchSize'\?/);
    expect(() => m.predict([[1, 2]], { batchsize: 1 } as any)).toThrow(/Sequential\.predict: unknown option 'batchsize'; did you mean 'batchSize'\?/);
    expect(() => m.compile({ loss: 'meanSquaredError', metric: ['accuracy'] } as any)).toThrow(/Sequential\.compile: unknown option 'metric'; did you mean 'metrics'\?/);
    expect(() => new Sequential([], { seeds: 1 } as any)).toThrow(/Sequential: unknown option 'seeds'; did you mean 'seed'\?/);
    m.dispose();
  });

  it('EarlyStopping: a named validation monitor without validation data is an error; the default falls back to loss', async () => {
    const m = dense(2, 2, 'softmax', 'sparseCategoricalCrossentropy', [1, 0, 0, 1], [0, 0], ['accuracy']);
    await expect(m.fit([[1, 2], [2, 1]], [1, 0], { epochs: 2, callbacks: [new EarlyStopping({ monitor: 'val_accuracy' })] }))
      .rejects.toThrow(/monitors 'val_accuracy', which the epoch's logs do not have \(they have loss, accuracy\); pass validationData or validationSplit/);
    await expect(m.fit([[1, 2], [2, 1]], [1, 0], { epochs: 2, callbacks: [new EarlyStopping({ monitor: 'f1' })] }))
      .rejects.toThrow(/monitors 'f1'.*add it to compile's metrics/);
    const es = new EarlyStopping({ patience: 0 });
    await m.fit([[1, 2], [2, 1]], [1, 0], { epochs: 2, callbacks: [es] });
    expect(es.bestEpoch).toBeGreaterThanOrEqual(0);
    m.dispose();
  });

  it("Conv1D padding 'causal': output step t sees inputs up to t only (Keras' causal convolution)", () => {
    const m = new Sequential([new Conv1D({ filters: 1, kernelSize: 3, padding: 'causal', dilationRate: 2, useBias: false })]);
    m.build([9, 1]);
    m.setWeights([{ name: 'conv1d/kernel', values: [1, 10, 100] }]);   // y[t] = x[t-4] + 10 x[t-2] + 100 x[t]
    const x = new Float32Array(9); x[3] = 1;   // an impulse at t = 3
    expect(Array.from(m.predict({ data: x, shape: [1, 9, 1] }).data)).toEqual([0, 0, 0, 100, 0, 10, 0, 1, 0]);
    m.dispose();
  });

  it('shape mistakes Keras users make get errors that say what to change', async () => {
    const m = new Sequential([new Embedding({ inputDim: 6, outputDim: 3 }), new LSTM({ units: 4 }), new GlobalAveragePooling1D(), new Dense({ units: 2 })]);
    m.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy' });
    await expect(m.fit([[1, 2, 3]], [0])).rejects.toThrow(/GlobalAveragePooling1D: pools over time steps.*returnSequences: true/);
    const d = dense(3, 2, 'softmax', 'sparseCategoricalCrossentropy', [1, 0, 0, 0, 1, 0], [0, 0, 0]);
    expect(() => d.evaluate([[1, 2], [2, 1]], [[0, 1, 0], [1, 0, 0]])).toThrow(/one-hot rows like the outputs, but sparseCategoricalCrossentropy takes one class index per sample; pass the class indices, or compile with loss 'categoricalCrossentropy'/);
    expect(d.evaluate([[1, 2], [2, 1]], [[1], [0]]).loss).toBeGreaterThan(0);   // (n, 1) labels are indices
    d.dispose();
    const b = new Sequential([new EmbeddingBag({ inputDim: 4, outputDim: 2 }), new Dense({ units: 2, activation: 'softmax' })]);
    b.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy' });
    await expect(b.fit([[1, 9]], [0])).rejects.toThrow(/token id 9 at sample 0, position \[1\] is outside the vocabulary of EmbeddingBag \(the first layer, inputDim 4\)/);
  });

  it('default layer names follow Keras (conv1d, global_max_pooling1d, layer_normalization, embedding_bag)', () => {
    const m = new Sequential([new Embedding({ inputDim: 5, outputDim: 4 }), new Conv1D({ filters: 2, kernelSize: 2 }), new LayerNormalization(), new GlobalMaxPooling1D()]);
    m.build([6]);
    expect(m.layers.map((l) => l.name)).toEqual(['embedding', 'conv1d', 'layer_normalization', 'global_max_pooling1d']);
    m.dispose();
    const b = new Sequential([new EmbeddingBag({ inputDim: 5, outputDim: 2 })]);
    b.build([3]);
    expect(b.layers[0].name).toBe('embedding_bag');
    b.dispose();
  });
});

describe('Keras habits found porting tutorials (QA)', () => {
  const X = (n: number, seed: number) => ({ data: uniform(n * 2, -1, 1, seed), shape: [n, 2] });
  const Y = (n: number) => Int32Array.from({ length: n }, (_, i) => i % 2);
  const weightsOf = (m: Sequential) => m.getWeights().map((w) => Array.from(w.values));

  it("metrics: ['acc'] logs as acc (history, validation, evaluate), and EarlyStopping can monitor val_acc", async () => {
    const m = dense(2, 2, 'softmax', 'sparseCategoricalCrossentropy', [1, 0, 0, 1], [0, 0], ['acc']);
    const h = await m.fit(X(32, 1), Y(32), { epochs: 2, batchSize: 8, validationData: [X(16, 2), Y(16)], callbacks: [new EarlyStopping({ monitor: 'val_acc', patience: 5 })] });
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    expect(Object.keys(m.evaluate(X(16, 2), Y(16))).sort()).toEqual(['acc', 'loss']);
    m.dispose();
  });

  it('a sigmoid output of exactly 0.5 is class 0 (p > 0.5, as Keras and tfjs)', () => {
    const m = dense(1, 1, 'sigmoid', 'binaryCrossentropy', [0], [0]);
    const e = m.evaluate({ data: new Float32Array(4), shape: [4, 1] }, { data: new Float32Array([0, 0, 0, 1]), shape: [4, 1] });
    expect(e.accuracy).toBe(0.75);
    m.dispose();
  });

  it('every fit() call shuffles afresh; one that continues a run (initialEpoch) replays its order', async () => {
    const make = () => dense(2, 2, 'softmax', 'sparseCategoricalCrossentropy', [1, 0.5, -0.5, 1], [0, 0]);
    const run = async (fits: Array<{ epochs: number; initialEpoch?: number }>) => {
      const m = make();
      for (const f of fits) await m.fit(X(24, 3), Y(24), { batchSize: 4, ...f });
      const w = weightsOf(m);
      m.dispose();
      return w;
    };
    const twoEpochs = await run([{ epochs: 2 }]);
    expect(await run([{ epochs: 1 }, { epochs: 2, initialEpoch: 1 }])).toEqual(twoEpochs);     // a continued run: the same
    const loop = await run([{ epochs: 1 }, { epochs: 1 }]);
    expect(loop).not.toEqual(twoEpochs);                                                      // a second call: a new order
    expect(await run([{ epochs: 1 }, { epochs: 1 }])).toEqual(loop);                          // still reproducible
    // a model that took fewer steps than initialEpoch implies (reloaded without its optimizer
    // state) replays the run's orders too: with plain SGD (no state to lose) it ends as the run did
    const m = make();
    await m.fit(X(24, 3), Y(24), { batchSize: 4, epochs: 1 });
    const { decodeWnn, encodeWnn } = await import('../../src/io/wnn.js');
    const reloaded = decodeWnn(encodeWnn({ model: m })).model;
    expect(reloaded.trainSteps).toBe(0);
    reloaded.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
    await reloaded.fit(X(24, 3), Y(24), { batchSize: 4, epochs: 2, initialEpoch: 1 });
    expect(weightsOf(reloaded)).toEqual(twoEpochs);
    m.dispose(); reloaded.dispose();
  });

  it('LearningRateScheduler refuses an optimizer with a schedule (Keras: TypeError) and logs learning_rate', async () => {
    const m = new Sequential([new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD({ learningRate: exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }) }), loss: 'sparseCategoricalCrossentropy' });
    const sched = new LearningRateScheduler((epoch) => 0.1 / (epoch + 1));
    await expect(m.fit(X(8, 4), Y(8), { epochs: 1, callbacks: [sched] })).rejects.toThrow(/learning rate is a schedule \(exponentialDecay\).*use one or the other/);
    m.compile({ optimizer: new SGD({ learningRate: 1 }), loss: 'sparseCategoricalCrossentropy' });
    const h = await m.fit(X(8, 4), Y(8), { epochs: 3, callbacks: [sched] });
    // the rate each epoch trained with: the schedule's value, as it returned it
    expect(h.history.learning_rate).toEqual([0.1, 0.05, 0.1 / 3]);
    m.dispose();
  });

  it('evaluate and predict take verbose (Keras code passes verbose: 0), checked as fit checks it', () => {
    const m = dense(2, 2, 'softmax', 'sparseCategoricalCrossentropy', [1, 0, 0, 1], [0, 0]);
    expect(m.predict(X(4, 5), { verbose: 0 }).shape).toEqual([4, 2]);
    expect(Number.isFinite(m.evaluate(X(4, 5), Y(4), { verbose: 'auto' }).loss)).toBe(true);
    expect(() => m.predict(X(4, 5), { verbose: 3 as never })).toThrow(/predict: verbose must be 0/);
    m.dispose();
  });

  it('setWeights takes one array per weight in order (Keras, tfjs), flat or nested as the shape', () => {
    const m = dense(2, 3, 'linear', 'meanSquaredError', [0, 0, 0, 0, 0, 0], [0, 0]);
    m.setWeights([[[1, 2], [3, 4], [5, 6]], new Float32Array([7, 8])]);
    expect(weightsOf(m)).toEqual([[1, 2, 3, 4, 5, 6], [7, 8]]);
    m.setWeights([[6, 5, 4, 3, 2, 1], [0, 1]]);
    expect(weightsOf(m)).toEqual([[6, 5, 4, 3, 2, 1], [0, 1]]);
    expect(() => m.setWeights([[1, 2, 3, 4, 5, 6]])).toThrow(/1 arrays for the model's 2 weights \(dense\/kernel, dense\/bias\)/);
    expect(() => m.setWeights([[[1, 2, 3], [4, 5, 6]], [0, 0]])).toThrow(/weight dense\/kernel has shape \(3, 2\), got nested arrays of shape \(2, 3\)/);
    expect(() => m.setWeights([[1, 2, 3], [0, 0]])).toThrow(/dense\/kernel/);
    expect(weightsOf(m)).toEqual([[6, 5, 4, 3, 2, 1], [0, 1]]);   // nothing written by a refused call
    m.dispose();
  });

  it('a declared inputShape: summary() before any build (changing nothing), and the time axis is the declared one', async () => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 4, inputShape: [6] }), new GlobalAveragePooling1D(), new Dense({ units: 2 })]);
    const text = m.summary(false);
    expect(text).toMatch(/embedding \(Embedding\)\s+\(None, 6, 4\)\s+40/);
    expect(text).toMatch(/dense \(Dense\)\s+\(None, 2\)\s+10[\s\S]*Total params: 50/);
    expect(() => m.getWeights()).toThrow(/not built yet/);   // summarised, not built
    // a summary() never changes what fit's seed draws
    const make = () => new Sequential([new Dense({ units: 3, activation: 'relu', inputShape: [2] }), new Dense({ units: 2, activation: 'softmax' })]);
    const a = make(), b = make();
    b.summary(false);
    for (const k of [a, b]) { k.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' }); await k.fit(X(8, 9), Y(8), { epochs: 1, seed: 1234 }); }
    expect(weightsOf(b)).toEqual(weightsOf(a));
    expect(b.summary(false)).toBe(a.summary(false));
    a.dispose(); b.dispose();
    // wrapped and repeated layers are named and counted as the build does
    const stack = () => new Sequential([new Embedding({ inputDim: 9, outputDim: 3, inputShape: [5] }), new Bidirectional({ layer: new LSTM({ units: 2, returnSequences: true }) }),
      new Bidirectional({ layer: new GRU({ units: 2 }), name: 'bi' }), new Dense({ units: 4 }), new Dense({ units: 2 })]);
    const planned = stack(), built = stack();
    built.build([5]);
    expect(planned.summary(false)).toBe(built.summary(false));
    expect(planned.summary(false)).toMatch(/bidirectional \(Bidirectional\)[\s\S]*bi \(Bidirectional\)[\s\S]*dense_1 \(Dense\)/);
    built.dispose();
    expect(m.predict({ data: new Int32Array(12), shape: [2, 6] }).shape).toEqual([2, 2]);
    expect(() => m.predict({ data: new Int32Array(3), shape: [1, 3] })).toThrow(/built for samples of shape \(None, 6\), got \(None, 3\)/);
    // undeclared: sequences of any length, as before
    const open = new Sequential([new Embedding({ inputDim: 10, outputDim: 4 }), new GlobalAveragePooling1D(), new Dense({ units: 2 })]);
    expect(() => open.summary(false)).toThrow(/not built yet/);
    open.predict({ data: new Int32Array(6), shape: [1, 6] });
    expect(open.predict({ data: new Int32Array(3), shape: [1, 3] }).shape).toEqual([1, 2]);
    m.dispose(); open.dispose();
  });

  it("one callback object as callbacks (tfjs' form) runs; a plain object's misspelt hook is refused with the nearest", async () => {
    const m = dense(2, 2, 'softmax', 'sparseCategoricalCrossentropy', [1, 0, 0, 1], [0, 0]);
    const epochs: number[] = [];
    await m.fit(X(8, 6), Y(8), { epochs: 2, callbacks: { onEpochEnd: (e: number) => { epochs.push(e); } } });
    expect(epochs).toEqual([0, 1]);
    await expect(m.fit(X(8, 6), Y(8), { callbacks: [{ onEpochend: () => {} } as never] })).rejects.toThrow(/callbacks\[0\] has a function 'onEpochend', which is no hook and would never be called; did you mean 'onEpochEnd'\?/);
    await expect(m.fit(X(8, 6), Y(8), { callbacks: [{ onYield: () => {} }] as never })).rejects.toThrow(/callbacks\[0\] has a function 'onYield', which is no hook .*tfjs' yield/);
    await expect(m.fit(X(8, 6), Y(8), { callbacks: { on_epoch_end: () => {}, onTrainEnd: () => {} } as never })).rejects.toThrow(/callbacks has a function 'on_epoch_end'.*did you mean 'onEpochEnd'/);
    // a Set or Map of callbacks is no callback: refused, not silently ignored
    await expect(m.fit(X(8, 6), Y(8), { callbacks: new Set([{ onEpochEnd: () => {} }]) as never })).rejects.toThrow(/callbacks must be an array of callbacks/);
    // functions of other names are the object's business (onProgress, helpers)
    let progress = 0;
    await m.fit(X(8, 6), Y(8), { callbacks: [{ onEpochEnd() { this.onProgress(); }, onProgress() { progress++; } } as never] });
    expect(progress).toBe(1);
    // a class's own methods and a plain object's data are its business
    class Recorder { seen = 0; onEpochEnd() { this.seen++; } onlyMine() { return 1; } }
    const r = new Recorder();
    await m.fit(X(8, 6), Y(8), { callbacks: [r, { onEpochEnd: () => {}, state: [1], helper: () => 2 } as never] });
    expect(r.seen).toBe(1);
    await expect(m.fit(X(8, 6), Y(8), { callbacks: 5 as never })).rejects.toThrow(/callbacks must be an array of callbacks/);
    m.dispose();
  });

  it("optimizer names in any case, as Keras takes them ('Adam', 'RMSprop')", () => {
    const m = new Sequential([new Dense({ units: 2, activation: 'softmax' })]);
    for (const name of ['Adam', 'RMSprop', 'SGD', 'AdamW', 'Adagrad', 'adam']) {
      m.compile({ optimizer: name as never, loss: 'sparseCategoricalCrossentropy' });
      expect(m.optimizer!.className.toLowerCase()).toBe(name.toLowerCase());
    }
    expect(() => m.compile({ optimizer: 'Adamax' as never, loss: 'sparseCategoricalCrossentropy' })).toThrow(/Adamax/);
    m.dispose();
  });

  it('sampleWeight weighs each sample in the loss; with classWeight the two multiply (Keras)', async () => {
    const make = (lr: number) => {
      const m = new Sequential([new Dense({ units: 3, activation: 'relu' }), new Dense({ units: 2, activation: 'softmax' })], { seed: 4 });
      m.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const x = X(24, 11), y = Y(24);
    const train = async (lr: number, opts: Record<string, unknown>) => { const m = make(lr); await m.fit(x, y, { epochs: 2, batchSize: 8, ...opts }); const w = weightsOf(m); m.dispose(); return w; };
    // per sample what classWeight gives per class: the same run, bit for bit
    const byClass = await train(0.1, { classWeight: { 0: 1, 1: 3 } });
    expect(await train(0.1, { sampleWeight: Array.from(y, (c) => (c === 1 ? 3 : 1)) })).toEqual(byClass);
    // the two multiply: halves times { 0: 2, 1: 6 } is { 0: 1, 1: 3 }
    expect(await train(0.1, { sampleWeight: new Float32Array(24).fill(0.5), classWeight: { 0: 2, 1: 6 } })).toEqual(byClass);
    // twice every weight with half the step size is the unweighted run (SGD: exact scaling by 2)
    expect(await train(0.05, { sampleWeight: new Array(24).fill(2) })).toEqual(await train(0.1, {}));
    const m = make(0.1);
    await expect(m.fit(x, y, { sampleWeight: [1, 2] })).rejects.toThrow(/sampleWeight has 2 weights for 24 samples/);
    await expect(m.fit(x, y, { sampleWeight: Array.from({ length: 24 }, (_, i) => (i === 5 ? -1 : 1)) })).rejects.toThrow(/sampleWeight\[5\] is -1; weights must be finite numbers >= 0/);
    await expect(m.fit(x, y, { sampleWeight: 'heavy' as never })).rejects.toThrow(/sampleWeight must be an array or typed array/);
    m.dispose();
  });

  it('evaluate and the validation loss take per-sample weights too (Keras: evaluate(sample_weight), validation_data (x, y, w))', async () => {
    const m = new Sequential([new Dense({ units: 3, activation: 'relu' }), new Dense({ units: 2, activation: 'softmax' })], { seed: 6 });
    m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = X(12, 12), y = Y(12);
    const w = Array.from({ length: 12 }, (_, i) => (i % 3) * 0.75);
    m.build([2]);
    // the closed form: sum of w_i times sample i's own loss, over the samples
    const own = Array.from({ length: 12 }, (_, i) => m.evaluate({ data: x.data.subarray(2 * i, 2 * i + 2), shape: [1, 2] }, y.subarray(i, i + 1)).loss);
    const want = own.reduce((s, l, i) => s + w[i] * l, 0) / 12;
    const e = m.evaluate(x, y, { sampleWeight: w, batchSize: 5 });
    expect(e.loss).toBeCloseTo(want, 6);
    expect(e.accuracy).toBe(m.evaluate(x, y).accuracy);   // metrics unweighted
    // fit's validation loss: [x, y, w] and validationSplit's held-out weights give what evaluate gives
    const seen: number[][] = [];
    const check = { onEpochEnd: (_e: number, logs: Record<string, number>) => { seen.push([logs.val_loss, m.evaluate(x, y, { sampleWeight: w }).loss]); } };
    await m.fit(x, y, { epochs: 2, validationData: [x, y, w], callbacks: [check] });
    const xs = X(16, 13), ys = Y(16), ws = Array.from({ length: 16 }, (_, i) => 1 + (i % 4));
    const tail = { data: xs.data.subarray(12 * 2), shape: [4, 2] };
    const seen2: number[][] = [];
    await m.fit(xs, ys, { epochs: 1, validationSplit: 0.25, sampleWeight: ws, callbacks: [{ onEpochEnd: (_e: number, logs: Record<string, number>) => { seen2.push([logs.val_loss, m.evaluate(tail, ys.subarray(12), { sampleWeight: ws.slice(12) }).loss]); } }] });
    expect(seen).toHaveLength(2);
    expect(seen2).toHaveLength(1);
    for (const [a, b] of [...seen, ...seen2]) expect(a).toBeCloseTo(b, 6);
    expect(() => m.evaluate(x, y, { sampleWeight: [1] })).toThrow(/evaluate: sampleWeight has 1 weights for 12 samples/);
    await expect(m.fit(x, y, { validationData: [x, y, [1, 2]] })).rejects.toThrow(/validationData sampleWeight has 2 weights for 12 samples/);
    expect(() => m.predict(x, { sampleWeight: w } as never)).toThrow(/unknown option 'sampleWeight'/);
    m.dispose();
  });
});
