// AUC, top-k and Keras' / tfjs' accuracy names: each figure against a plain oracle computed here
// (pairwise O(n^2) AUC, a sort for top-k) from predict's outputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, shutdown, Sequential, Dense, Embedding, LSTM, SGD, Adam, EarlyStopping, ReduceLROnPlateau, ModelCheckpoint, CallbackFunctions, rocAuc, WnnFormatError } from '../../src/index.js';
import { AucAccumulator, topKCorrect } from '../../src/metrics.js';
import { decodeWnn, encodeWnn } from '../../src/io/wnn.js';
import { encodeSafetensors, decodeSafetensors } from '../../src/io/safetensors.js';
import { ints, rng, uniform } from '../helpers/data.js';

beforeAll(async () => { await init({ threads: 2 }); });
afterAll(async () => { await shutdown(); });

/** The oracle: over every (positive, negative) pair, 1 if the positive scores higher, 1/2 on a tie. */
function pairwiseAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let pairs = 0, wins = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return pairs ? wins / pairs : NaN;
}

/** Macro one-vs-rest AUC of (rows, units) probabilities against class indices, over the classes with both positives and negatives. */
function ovrAuc(probs: ArrayLike<number>, truth: ArrayLike<number>, units: number): number {
  const rows = truth.length;
  if (units === 2) return pairwiseAuc(Array.from({ length: rows }, (_, r) => probs[r * 2 + 1]), Array.from(truth, (t) => (t === 1 ? 1 : 0)));
  const per: number[] = [];
  for (let c = 0; c < units; c++) {
    const a = pairwiseAuc(Array.from({ length: rows }, (_, r) => probs[r * units + c]), Array.from(truth, (t) => (t === c ? 1 : 0)));
    if (!Number.isNaN(a)) per.push(a);
  }
  return per.length ? per.reduce((s, v) => s + v, 0) / per.length : NaN;
}

/** Top-k oracle: the true class's output is at least the k-th largest output of its row. */
function topKOracle(probs: ArrayLike<number>, truth: ArrayLike<number>, units: number, k: number): number {
  let hit = 0;
  for (let r = 0; r < truth.length; r++) {
    const row = Array.from({ length: units }, (_, c) => probs[r * units + c]).sort((a, b) => b - a);
    if (probs[r * units + truth[r]] >= row[Math.min(k, units) - 1]) hit++;
  }
  return hit / truth.length;
}

describe('rocAuc: exact ROC AUC', () => {
  it('hand-computed cases, ties counted half', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);   // scikit-learn's roc_auc_score example
    expect(rocAuc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(rocAuc([0.1, 0.5, 0.5, 0.9], [0, 0, 1, 1])).toBe(3.5 / 4);
    expect(rocAuc([0.9, 0.8, 0.1], [0, 0, 1])).toBe(0);
    expect(rocAuc([0, 0, 0, 0, 0], [1, 0, 1, 0, 0])).toBe(0.5);
    expect(rocAuc([-0, 0], [1, 0])).toBe(0.5);   // -0 and 0 tie
  });

  it('is undefined (NaN) without positives or without negatives', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(rocAuc([0.1, 0.2], [0, 0])).toBeNaN();
    expect(rocAuc([], [])).toBeNaN();
  });

  it('equals the pairwise oracle over random scores with many ties', () => {
    for (const [n, levels, seed] of [[2, 3, 1], [7, 2, 2], [50, 5, 3], [333, 17, 4], [1000, 1000000, 5], [400, 1, 6]]) {
      const r = rng(seed);
      const scores = Float32Array.from({ length: n }, () => Math.floor(r() * levels) / levels);
      const labels = Int32Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0));
      labels[0] = 1; labels[n - 1] = 0;
      expect(rocAuc(scores, labels)).toBe(pairwiseAuc(scores, labels));
    }
  });

  it('refuses scores that are NaN or infinite (no rank to give them)', () => {
    expect(() => rocAuc([0.9, NaN, 0.5, 0.95], [1, 1, 0, 0])).toThrow(/score NaN at index 1 is not a finite number/);
    expect(() => rocAuc([Infinity, 0.5], [1, 0])).toThrow(/score Infinity at index 0/);
  });

  it('refuses labels that are not 0 / 1 and lengths that differ', () => {
    expect(() => rocAuc([0.1, 0.2], [0, 2])).toThrow(/label 2 at index 1 is not 0 or 1/);
    expect(() => rocAuc([0.1], [0, 1])).toThrow(/1 scores but 2 labels/);
  });
});

describe('AucAccumulator', () => {
  it('several classes: the macro mean of one-vs-rest over the classes with both positives and negatives', () => {
    const rows = 120, units = 4;
    const probs = Float32Array.from(ints(rows * units, 0, 6, 11), (v) => v / 6);   // ties
    const truth = ints(rows, 0, 3, 12);   // class 3 never occurs: left out
    const acc = new AucAccumulator('sparse', units, 7);   // too small: grows
    acc.add(probs.subarray(0, 50 * units), truth.subarray(0, 50));
    acc.add(probs.subarray(50 * units), truth.subarray(50));
    expect(acc.value()).toBe(ovrAuc(probs, truth, units));
    // reset starts afresh: the next rows alone count
    acc.reset();
    acc.add(probs.subarray(0, 40 * units), truth.subarray(0, 40));
    expect(acc.value()).toBe(ovrAuc(probs.subarray(0, 40 * units), truth.subarray(0, 40), units));
    expect(acc.value()).not.toBe(ovrAuc(probs, truth, units));
  });

  it('two softmax classes: the AUC of class 1; one class only: NaN', () => {
    const probs = uniform(40, 0, 1, 3), truth = ints(20, 0, 2, 4);
    const acc = new AucAccumulator('categorical', 2, 20);
    acc.add(probs, truth);
    expect(acc.value()).toBe(pairwiseAuc(Array.from({ length: 20 }, (_, r) => probs[2 * r + 1]), truth));
    acc.reset();
    acc.add(probs, new Int32Array(20));
    expect(acc.value()).toBeNaN();
  });

  it('several sigmoid outputs: each its own binary problem, averaged; masked rows left out', () => {
    const rows = 30, units = 3;
    const probs = uniform(rows * units, 0, 1, 5), truth = Int32Array.from(ints(rows * units, 0, 2, 6));
    const mask = Float32Array.from({ length: rows }, (_, r) => (r % 4 === 0 ? 0 : 1.3));
    const acc = new AucAccumulator('binary', units, rows);
    acc.add(probs, truth, mask);
    const keep = (r: number) => r % 4 !== 0;
    let sum = 0, k = 0;
    for (let c = 0; c < units; c++) {
      const s: number[] = [], l: number[] = [];
      for (let r = 0; r < rows; r++) if (keep(r)) { s.push(probs[r * units + c]); l.push(truth[r * units + c]); }
      const a = pairwiseAuc(s, l);
      if (!Number.isNaN(a)) { sum += a; k++; }
    }
    expect(acc.value()).toBe(sum / k);
  });
});

describe('topKCorrect: Keras in_top_k', () => {
  it('equals a sort-based oracle, with ties at the boundary counted in', () => {
    for (const [rows, units, k, levels, seed] of [[200, 10, 5, 3, 1], [100, 7, 2, 2, 2], [50, 3, 5, 4, 3], [80, 6, 1, 1000, 4]]) {
      const probs = Float32Array.from(ints(rows * units, 0, levels, seed), (v) => v / levels);
      const truth = ints(rows, 0, units, seed + 10);
      const t = topKCorrect(probs, truth, units, k);
      expect(t.counted).toBe(rows);
      expect(t.correct / t.counted).toBe(topKOracle(probs, truth, units, k));
    }
    // all tied: every class is in the top 1
    expect(topKCorrect([0.25, 0.25, 0.25, 0.25], [3], 4, 1).correct).toBe(1);
    // 0.3 has two above it: in the top 3, not the top 2
    expect(topKCorrect([0.4, 0.1, 0.3, 0.2, 0.35], [2], 5, 2).correct).toBe(0);
    expect(topKCorrect([0.4, 0.1, 0.3, 0.2, 0.35], [2], 5, 3).correct).toBe(1);
  });
});

/** A seeded dense model, compiled. */
function model(units: number, activation: 'sigmoid' | 'softmax', loss: string, metrics: string[], lr = 0.1, hidden = 8) {
  const m = new Sequential([new Dense({ units: hidden, activation: 'relu' }), new Dense({ units, activation })], { seed: 3 });
  m.compile({ optimizer: lr === 0 ? new SGD({ learningRate: 0 }) : new Adam({ learningRate: lr }), loss: loss as any, metrics: metrics as any });
  return m;
}

/** A noisy problem (AUC neither 0.5 nor 1): class = the bin of x0 + x1 + noise. */
function data(n: number, classes: number, seed: number) {
  const x = uniform(n * 4, -1, 1, seed);
  const noise = uniform(n, -0.8, 0.8, seed + 100);
  const y = Int32Array.from({ length: n }, (_, i) => {
    const v = x[i * 4] + x[i * 4 + 1] + noise[i];   // in (-2.8, 2.8)
    return Math.min(classes - 1, Math.max(0, Math.floor(((v + 1.4) / 2.8) * classes)));
  });
  return { x: { data: x, shape: [n, 4] }, y };
}

describe("fit / evaluate with metrics: ['auc']", () => {
  const cases = [
    { what: 'one sigmoid output (binaryCrossentropy)', units: 1, act: 'sigmoid', loss: 'binaryCrossentropy', classes: 2 },
    { what: 'two softmax classes (class 1 is the positive)', units: 2, act: 'softmax', loss: 'sparseCategoricalCrossentropy', classes: 2 },
    { what: 'three softmax classes (macro one-vs-rest)', units: 3, act: 'softmax', loss: 'sparseCategoricalCrossentropy', classes: 3 },
  ] as const;
  for (const c of cases) {
    it(`${c.what}: auc and val_auc equal the oracle on predict, epoch by epoch; evaluate too`, async () => {
      const tr = data(150, c.classes, 1), va = data(70, c.classes, 2);
      const y = c.units === 1 ? { data: Float32Array.from(tr.y), shape: [150, 1] } : tr.y;
      const vy = c.units === 1 ? { data: Float32Array.from(va.y), shape: [70, 1] } : va.y;
      const m = model(c.units, c.act, c.loss, ['accuracy', 'auc']);
      const seen: number[] = [];
      const check = new CallbackFunctions({
        onEpochEnd: (_e, logs) => {
          // the validation figure is that of the weights the epoch ended with
          const p = m.predict(va.x).data;
          const oracle = c.units === 1 ? pairwiseAuc(p, va.y) : ovrAuc(p, va.y, c.units);
          expect(logs!.val_auc).toBe(oracle);
          seen.push(oracle);
        },
      });
      const h = await m.fit(tr.x, y, { epochs: 3, batchSize: 32, validationData: [va.x, vy], callbacks: [check] });
      expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'auc', 'loss', 'val_accuracy', 'val_auc', 'val_loss']);
      expect(h.history.val_auc).toEqual(seen);
      expect(h.history.auc.every((v) => v > 0.5 && v < 1)).toBe(true);
      const p = m.predict(va.x).data;
      expect(m.evaluate(va.x, vy).auc).toBe(c.units === 1 ? pairwiseAuc(p, va.y) : ovrAuc(p, va.y, c.units));
      // training AUC is over the whole epoch's outputs: with learning rate 0 those are predict's
      m.compile({ optimizer: new SGD({ learningRate: 0 }), loss: c.loss, metrics: ['AUC'] });
      const h0 = await m.fit(tr.x, y, { epochs: 1, batchSize: 32 });
      const pt = m.predict(tr.x).data;
      expect(h0.history.auc[0]).toBe(c.units === 1 ? pairwiseAuc(pt, tr.y) : ovrAuc(pt, tr.y, c.units));
      m.dispose();
    });
  }

  it("each epoch's training AUC is over that epoch's outputs only (learning rate 0, new weights set at each epoch's start)", async () => {
    const tr = data(90, 3, 13);
    const m = model(3, 'softmax', 'sparseCategoricalCrossentropy', ['auc'], 0);
    m.build([4]);
    const oracles: number[] = [];
    const reweigh = new CallbackFunctions({
      onEpochBegin: (e) => {
        m.setWeights(m.getWeights().map((w, i) => ({ name: w.name, values: uniform(w.values.length, -1, 1, 50 + 10 * e + i) })));
        const p = m.predict(tr.x).data;
        oracles.push(ovrAuc(p, tr.y, 3));
      },
    });
    const h = await m.fit(tr.x, tr.y, { epochs: 3, batchSize: 32, callbacks: [reweigh] });
    expect(new Set(oracles).size).toBe(3);
    expect(h.history.auc).toEqual(oracles);
    m.dispose();
  });

  it('a validation set of one class: val_auc is NaN and training goes on', async () => {
    const tr = data(60, 2, 3);
    const m = model(2, 'softmax', 'sparseCategoricalCrossentropy', ['auc']);
    const h = await m.fit(tr.x, tr.y, { epochs: 2, batchSize: 16, validationData: [tr.x, new Int32Array(60)] });
    expect(h.history.val_auc).toHaveLength(2);
    expect(h.history.val_auc[0]).toBeNaN();
    expect(h.history.auc[0]).toBeGreaterThan(0);
    m.dispose();
  });

  it('per time step with a mask: the padded steps are left out', () => {
    const m = new Sequential([new Embedding({ inputDim: 9, outputDim: 4, maskZero: true }), new LSTM({ units: 5, returnSequences: true }), new Dense({ units: 3, activation: 'softmax' })], { seed: 1 });
    m.compile({ loss: 'sparseCategoricalCrossentropy', metrics: ['auc', 'sparse_top_k_categorical_accuracy'] });
    const n = 12, T = 6;
    const ids = ints(n * T, 1, 9, 4);
    for (let i = 0; i < n; i++) for (let t = T - (i % 3); t < T; t++) ids[i * T + t] = 0;   // padding at the end
    const y = ints(n * T, 0, 3, 5);
    const x = { data: ids, shape: [n, T] };
    const p = m.predict(x).data;
    const keep = Array.from({ length: n * T }, (_, r) => r).filter((r) => ids[r] !== 0);
    const kp = keep.flatMap((r) => [p[r * 3], p[r * 3 + 1], p[r * 3 + 2]]), ky = keep.map((r) => y[r]);
    const ev = m.evaluate(x, { data: y, shape: [n, T] });
    expect(ev.auc).toBe(ovrAuc(kp, ky, 3));
    expect(ev.sparse_top_k_categorical_accuracy).toBe(1);   // 3 classes, k = 5
    m.dispose();
  });

  it('EarlyStopping, ReduceLROnPlateau and ModelCheckpoint pick mode max for AUC and the accuracy names', () => {
    for (const k of ['val_auc', 'auc', 'val_binaryAccuracy', 'sparse_top_k_categorical_accuracy', 'val_categoricalAccuracy']) {
      expect(new EarlyStopping({ monitor: k }).mode, k).toBe('max');
      expect(new ReduceLROnPlateau({ monitor: k }).mode, k).toBe('max');
    }
    expect(new EarlyStopping({ monitor: 'val_loss' }).mode).toBe('min');
    expect(new ModelCheckpoint({ filepath: '/tmp/never-written-{epoch}.wnn', monitor: 'val_auc', saveBestOnly: true }).mode).toBe('max');
  });

  it("EarlyStopping({ monitor: 'val_auc' }) stops when the AUC stops rising", async () => {
    const tr = data(80, 2, 5);
    const m = model(2, 'softmax', 'sparseCategoricalCrossentropy', ['auc'], 0);   // learning rate 0: val_auc never improves
    const h = await m.fit(tr.x, tr.y, { epochs: 10, batchSize: 16, validationData: [tr.x, tr.y], callbacks: [new EarlyStopping({ monitor: 'val_auc', patience: 2 })] });
    expect(h.epoch).toEqual([0, 1, 2]);
    m.dispose();
  });
});

describe("Keras' and tfjs' accuracy names", () => {
  it('each logs under its own name (snake_case as Keras 3, camelCase as typed, as tfjs), with the accuracy the loss defines', async () => {
    const tr = data(90, 3, 7), va = data(40, 3, 8);
    const names = ['accuracy', 'sparse_categorical_accuracy', 'sparseCategoricalAccuracy', 'sparse_top_k_categorical_accuracy', 'sparseTopKCategoricalAccuracy'];
    const m = model(3, 'softmax', 'sparseCategoricalCrossentropy', names);
    const batchKeys: string[][] = [];
    const h = await m.fit(tr.x, tr.y, { epochs: 2, batchSize: 30, validationData: [va.x, va.y], callbacks: [new CallbackFunctions({ onBatchEnd: (_b, logs) => { batchKeys.push(Object.keys(logs!)); } })] });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'val_loss', ...names, ...names.map((k) => `val_${k}`)].sort());
    for (const k of names.slice(1, 3)) expect(h.history[k]).toEqual(h.history.accuracy);
    expect(batchKeys[0]).toEqual(['batch', 'size', 'loss', ...names]);
    const ev = m.evaluate(va.x, va.y);
    expect(ev.sparse_categorical_accuracy).toBe(ev.accuracy);
    expect(ev.sparseTopKCategoricalAccuracy).toBe(1);   // 3 classes, k = 5: always in
    m.dispose();
  });

  it('top-k over 8 classes equals the oracle on predict (training epochs with learning rate 0, validation, evaluate)', async () => {
    const tr = data(100, 8, 9);
    const oneHot = new Float32Array(100 * 8);
    tr.y.forEach((c, i) => { oneHot[i * 8 + c] = 1; });
    const Y = { data: oneHot, shape: [100, 8] };
    const m = model(8, 'softmax', 'categoricalCrossentropy', ['top_k_categorical_accuracy', 'topKCategoricalAccuracy', 'categorical_accuracy', 'categoricalAccuracy'], 0);
    const h = await m.fit(tr.x, Y, { epochs: 1, batchSize: 32, validationData: [tr.x, Y] });
    const p = m.predict(tr.x).data;
    const oracle = topKOracle(p, tr.y, 8, 5);
    expect(oracle).toBeGreaterThan(0.3);
    expect(oracle).toBeLessThan(1);
    expect(h.history.top_k_categorical_accuracy[0]).toBe(oracle);
    expect(h.history.val_topKCategoricalAccuracy[0]).toBe(oracle);
    expect(m.evaluate(tr.x, Y).top_k_categorical_accuracy).toBe(oracle);
    expect(h.history.categoricalAccuracy[0]).toBe(topKOracle(p, tr.y, 8, 1));
    m.dispose();
  });

  it('ties: a model whose outputs all tie has every class in the top 1', async () => {
    const m = new Sequential([new Dense({ units: 7, activation: 'softmax', kernelInitializer: 'zeros' })]);
    m.compile({ loss: 'sparseCategoricalCrossentropy', metrics: ['sparse_top_k_categorical_accuracy'] });
    const tr = data(20, 7, 10);
    expect(m.evaluate(tr.x, tr.y).sparse_top_k_categorical_accuracy).toBe(1);
    m.dispose();
  });

  it('binary_accuracy / binaryAccuracy with a sigmoid output (and one mean-squared-error output)', async () => {
    const tr = data(60, 2, 11);
    const Y = { data: Float32Array.from(tr.y), shape: [60, 1] };
    const m = model(1, 'sigmoid', 'binaryCrossentropy', ['binary_accuracy', 'binaryAccuracy', 'acc']);
    const h = await m.fit(tr.x, Y, { epochs: 2, batchSize: 20 });
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'binaryAccuracy', 'binary_accuracy', 'loss']);
    expect(h.history.binary_accuracy).toEqual(h.history.acc);
    m.compile({ loss: 'meanSquaredError', metrics: ['binary_accuracy'] });
    const p = m.predict(tr.x).data;
    const own = Array.from(p).filter((v, i) => (v > 0.5 ? 1 : 0) === tr.y[i]).length / 60;
    expect(own).toBeGreaterThan(0.5);
    expect(m.evaluate(tr.x, Y).binary_accuracy).toBe(own);
    m.dispose();
  });

  it('a name for another loss is refused with the one to use', async () => {
    const sparse = (metrics: string[]) => model(3, 'softmax', 'sparseCategoricalCrossentropy', metrics);
    expect(() => sparse(['binary_accuracy'])).toThrow(RangeError);
    expect(() => sparse(['binary_accuracy'])).toThrow(/metric 'binary_accuracy' compares one yes\/no decision per sigmoid output.*loss is sparseCategoricalCrossentropy; use 'accuracy', which follows the loss, or 'sparse_categorical_accuracy'/);
    expect(() => sparse(['topKCategoricalAccuracy'])).toThrow(/reads the targets as one-hot rows.*or 'sparseTopKCategoricalAccuracy'/);
    expect(() => model(3, 'softmax', 'categoricalCrossentropy', ['sparse_categorical_accuracy'])).toThrow(/reads the targets as class indices.*or 'categorical_accuracy'/);
    expect(() => model(1, 'sigmoid', 'binaryCrossentropy', ['sparse_top_k_categorical_accuracy'])).toThrow(/loss is binaryCrossentropy; use 'accuracy', which follows the loss$/);
    expect(() => model(1, 'sigmoid', 'binaryCrossentropy', ['categoricalAccuracy'])).toThrow(/loss is binaryCrossentropy; use 'accuracy', which follows the loss, or 'binaryAccuracy'$/);
    // mean squared error: the output's units decide, at fit / evaluate
    const mse = new Sequential([new Dense({ units: 3 })]);
    mse.compile({ loss: 'meanSquaredError', metrics: ['binary_accuracy'] });
    const x = { data: uniform(6, 0, 1, 1), shape: [2, 3] };
    expect(() => mse.evaluate(x, x)).toThrow(/loss is meanSquaredError with 3 outputs; use 'accuracy'/);
    await expect(mse.fit(x, x)).rejects.toThrow(/loss is meanSquaredError with 3 outputs/);
    mse.compile({ loss: 'meanSquaredError', metrics: ['categorical_accuracy'] });
    expect(mse.evaluate(x, x).categorical_accuracy).toBe(1);
    mse.dispose();
  });

  it('an unknown name lists the valid ones; a non-name is a TypeError', () => {
    const m = new Sequential([new Dense({ units: 2, activation: 'softmax' })]);
    const compile = (metrics: unknown) => m.compile({ loss: 'sparseCategoricalCrossentropy', metrics: metrics as any });
    expect(() => compile(['auroc'])).toThrow(RangeError);
    expect(() => compile(['auroc'])).toThrow(/unknown metric 'auroc' \(metrics: accuracy, precision, recall, f1, auc, binary_accuracy, .*sparseTopKCategoricalAccuracy, acc, AUC\)/);
    expect(() => compile(['Precision'])).toThrow(/did you mean 'precision'\?/);
    expect(() => compile(['top_k_accuracy'])).toThrow(/unknown metric 'top_k_accuracy'/);
    expect(() => compile([{ name: 'auc' }])).toThrow(TypeError);
    expect(() => compile([() => 1])).toThrow(/metrics are given by name/);
    m.dispose();
  });
});

describe('the model file', () => {
  it('keeps the metric names (as logged) through save and load', async () => {
    const names = ['auc', 'sparseCategoricalAccuracy', 'sparse_top_k_categorical_accuracy', 'f1'];
    const m = model(3, 'softmax', 'sparseCategoricalCrossentropy', [...names, 'AUC']);
    const tr = data(40, 3, 12);
    await m.fit(tr.x, tr.y, { epochs: 1 });
    expect(m.metrics).toEqual(names);
    const b = decodeWnn(encodeWnn({ model: m })).model;
    expect(b.metrics).toEqual(names);
    expect(b.evaluate(tr.x, tr.y)).toEqual(m.evaluate(tr.x, tr.y));
    expect(Object.keys(b.evaluate(tr.x, tr.y))).toEqual(['loss', ...names]);
    b.dispose(); m.dispose();
  });

  /** The file of `m` with its compile entry's metrics replaced. */
  function withMetrics(bytes: Uint8Array, metrics: string[]): Uint8Array {
    const f = decodeSafetensors(bytes);
    const compile = JSON.parse(f.metadata.compile);
    compile.metrics = metrics;
    return encodeSafetensors([...f.tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.data })) as any, { ...f.metadata, compile: JSON.stringify(compile) });
  }

  it('refuses a metric that does not fit the loss, and an unknown name (as a file from a later version)', () => {
    const m = model(3, 'softmax', 'sparseCategoricalCrossentropy', ['accuracy']);
    m.build([4]);
    const bytes = encodeWnn({ model: m });
    expect(decodeWnn(withMetrics(bytes, ['auc'])).model.metrics).toEqual(['auc']);
    expect(() => decodeWnn(withMetrics(bytes, ['binary_accuracy']))).toThrow(WnnFormatError);
    expect(() => decodeWnn(withMetrics(bytes, ['binary_accuracy']))).toThrow(/the compile entry's metric 'binary_accuracy'.*sparseCategoricalCrossentropy/);   // before the model takes memory
    expect(() => decodeWnn(withMetrics(bytes, ['roc']))).toThrow(/has bad metrics; expected some of accuracy, .*auc.*a later version/);
    m.dispose();
  });
});
