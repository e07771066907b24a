// ReduceLROnPlateau and ModelCheckpoint, against Keras' rules: the epochs where the learning rate
// drops (a closed form of Keras' patience and cooldown), and the files a checkpoint writes (names
// formatted as Python formats them, only on improvement with saveBestOnly, loading to the model
// of that epoch).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  init, shutdown, Sequential, Dense, SGD, Adam, ReduceLROnPlateau, ModelCheckpoint, CallbackFunctions, EarlyStopping,
  exponentialDecay, loadModel, decodeWnn, adviceOf, type Logs,
} from '../../src/index.js';
import { formatFilepath, formatFixed, pythonFloat } from '../../src/training/model_checkpoint.js';
import { uniform } from '../helpers/data.js';

let dir = '';
beforeAll(async () => {
  await init({ threads: 2 });
  dir = await mkdtemp(join(tmpdir(), 'wasmnn-callbacks-'));
});
afterAll(async () => {
  await shutdown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const N = 48;
const X = uniform(N * 4, -1, 1, 5);
const Y = Int32Array.from({ length: N }, (_, i) => (X[i * 4] - X[i * 4 + 2] > 0 ? 1 : 0));
const xs = { data: X, shape: [N, 4] };

/** A tiny compiled model whose optimizer's learning rate the tests read. */
function tiny(learningRate: number | ReturnType<typeof exponentialDecay> = 1) {
  const m = new Sequential([new Dense({ units: 1 })]);
  m.compile({ optimizer: new SGD({ learningRate }), loss: 'meanSquaredError' });
  return m;
}

function classifier(lr = 0.05) {
  const m = new Sequential([new Dense({ units: 6, activation: 'relu' }), new Dense({ units: 2, activation: 'softmax' })], { seed: 4 });
  m.compile({ optimizer: new Adam({ learningRate: lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/**
 * Calls the callback's hooks as fit would, with these logs, without training: returns each
 * epoch's logged learning_rate and the rate the optimizer has after the epoch.
 */
function drive(cb: ReduceLROnPlateau, m: Sequential, seq: Logs[]) {
  cb.setModel(m);
  cb.onTrainBegin();
  return seq.map((logs, epoch) => {
    const l = { ...logs };
    cb.onEpochEnd(epoch, l);
    return { logged: l.learning_rate, after: m.optimizer!.learningRate as number };
  });
}

/** The epochs at whose end the rate changed. */
const drops = (r: { logged: number; after: number }[]) => r.flatMap((x, e) => (x.after !== x.logged ? [e] : []));

/**
 * Keras' rule in closed form for a figure that improves at epoch 0 only: the first reduction
 * after `patience` epochs, then one every patience + max(cooldown - 1, 0) epochs (the last
 * cooldown epoch already counts towards patience).
 */
function kerasDropEpochs(patience: number, cooldown: number, epochs: number): number[] {
  const out: number[] = [];
  for (let e = patience; e < epochs; e += patience + Math.max(cooldown - 1, 0)) out.push(e);
  return out;
}

const flat = (n: number, logs: Logs = { loss: 0.7, val_loss: 0.5 }) => Array.from({ length: n }, () => ({ ...logs }));

describe('ReduceLROnPlateau', () => {
  it('lowers the rate at the epochs of Keras\' patience and cooldown rules, by factor each time', () => {
    for (const [patience, cooldown] of [[1, 0], [2, 0], [3, 0], [3, 1], [3, 2], [2, 3], [4, 5], [1, 2]]) {
      const m = tiny(1);
      const r = drive(new ReduceLROnPlateau({ patience, cooldown, factor: 0.5 }), m, flat(30));
      const want = kerasDropEpochs(patience, cooldown, 30);
      expect(drops(r), `patience ${patience}, cooldown ${cooldown}`).toEqual(want);
      // the log holds the rate the epoch trained with; each drop halves it (exact powers of 2)
      let k = 0;
      r.forEach((x, e) => {
        expect(x.logged).toBe(2 ** -k);
        if (want.includes(e)) k++;
        expect(x.after).toBe(2 ** -k);
      });
      m.dispose();
    }
    // patience 0: every epoch without improvement lowers it
    const m = tiny(1);
    expect(drops(drive(new ReduceLROnPlateau({ patience: 0 }), m, flat(5)))).toEqual([1, 2, 3, 4]);
    m.dispose();
  });

  it('an improvement by more than minDelta resets the wait; smaller changes do not', () => {
    // val_loss falls by 4e-5 an epoch: below minDelta (1e-4) from the best for two epochs, above it at the third
    const seq = Array.from({ length: 9 }, (_, e) => ({ loss: 1, val_loss: 1 - 4e-5 * e }));
    const m = tiny(1);
    expect(drops(drive(new ReduceLROnPlateau({ patience: 2, factor: 0.5 }), m, seq))).toEqual([2, 5, 8]);
    // minDelta 0: every epoch improves
    expect(drops(drive(new ReduceLROnPlateau({ patience: 2, factor: 0.5, minDelta: 0 }), m, seq))).toEqual([]);
    m.dispose();
  });

  it('never goes below minLr, and stops lowering once there', () => {
    const m = tiny(1);
    const r = drive(new ReduceLROnPlateau({ patience: 1, factor: 0.1, minLr: 0.05 }), m, flat(6));
    expect(r.map((x) => x.logged)).toEqual([1, 1, 0.1, 0.05, 0.05, 0.05]);
    expect(r.map((x) => x.after)).toEqual([1, 0.1, 0.05, 0.05, 0.05, 0.05]);
    m.dispose();
    // the closed form with factor 0.1 from 0.1: lr * factor^k as the double arithmetic gives it
    const m2 = tiny(0.1);
    const r2 = drive(new ReduceLROnPlateau({ patience: 2 }), m2, flat(7));
    expect(r2.map((x) => x.after)).toEqual([0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1, 0.1 * 0.1 * 0.1, 0.1 * 0.1 * 0.1 * 0.1]);
    m2.dispose();
  });

  it('mode max (given, or auto for accuracy-like figures) counts a rise as the improvement', () => {
    const m = tiny(1);
    const rising = Array.from({ length: 6 }, (_, e) => ({ loss: 1, val_loss: 0.1 * e, val_accuracy: 0.1 * e }));
    const falling = Array.from({ length: 6 }, (_, e) => ({ loss: 1, val_loss: 1 - 0.1 * e, val_accuracy: 1 - 0.1 * e }));
    expect(drops(drive(new ReduceLROnPlateau({ monitor: 'val_accuracy', patience: 1 }), m, rising))).toEqual([]);
    expect(drops(drive(new ReduceLROnPlateau({ monitor: 'val_accuracy', patience: 1 }), m, falling))).toEqual([1, 2, 3, 4, 5]);
    expect(drops(drive(new ReduceLROnPlateau({ monitor: 'val_loss', mode: 'max', patience: 1 }), m, rising))).toEqual([]);
    expect(drops(drive(new ReduceLROnPlateau({ monitor: 'val_loss', mode: 'max', patience: 1 }), m, falling))).toEqual([1, 2, 3, 4, 5]);
    expect(drops(drive(new ReduceLROnPlateau({ monitor: 'val_accuracy', mode: 'min', patience: 1 }), m, rising))).toEqual([1, 2, 3, 4, 5]);
    expect(new ReduceLROnPlateau({ monitor: 'val_f1' }).mode).toBe('max');
    expect(new ReduceLROnPlateau().mode).toBe('min');
    m.dispose();
  });

  it('falls back to loss without validation (as EarlyStopping); a monitor named and missing is an error naming the logs\' keys', () => {
    const m = tiny(1);
    expect(drops(drive(new ReduceLROnPlateau({ patience: 2, factor: 0.5 }), m, flat(5, { loss: 0.3 })))).toEqual([2, 4]);
    const named = new ReduceLROnPlateau({ monitor: 'val_loss', patience: 2 });
    expect(() => drive(named, m, flat(2, { loss: 0.3, accuracy: 0.5 })))
      .toThrow(/^wasmnn: ReduceLROnPlateau monitors 'val_loss', which the epoch's logs do not have \(they have loss, accuracy, learning_rate\); pass validationData or validationSplit/);
    expect(() => drive(new ReduceLROnPlateau({ monitor: 'f1' }), m, flat(1, { loss: 0.3 }))).toThrow(/monitors 'f1'.*add it to compile's metrics/);
    // EarlyStopping's message is unchanged by the shared monitor
    const es = new EarlyStopping({ monitor: 'val_accuracy' });
    es.onTrainBegin();
    expect(() => es.onEpochEnd(0, { loss: 1, accuracy: 0.5 })).toThrow(/^wasmnn: EarlyStopping monitors 'val_accuracy', which the epoch's logs do not have \(they have loss, accuracy\); pass validationData/);
    m.dispose();
  });

  it('refuses an optimizer whose learning rate is a schedule, and a model without an optimizer', () => {
    const m = tiny(exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }));
    const r = new ReduceLROnPlateau();
    expect(() => r.setModel(m)).toThrow(TypeError);
    expect(() => r.setModel(m)).toThrow(/^wasmnn: ReduceLROnPlateau: the optimizer's learning rate is a schedule \(exponentialDecay\).*use one or the other/);
    m.dispose();
    const bare = new Sequential([new Dense({ units: 1 })]);
    r.setModel(bare);
    expect(() => r.onEpochEnd(0, { loss: 1 })).toThrow(/no optimizer yet; call model.compile/);
  });

  it('checks its options at construction: ranges, types, unknown keys by the nearest name; null is not given', () => {
    for (const factor of [1, 0, -0.5, 1.5, NaN, '0.5']) {
      expect(() => new ReduceLROnPlateau({ factor: factor as any }), String(factor)).toThrow(/^wasmnn: ReduceLROnPlateau: factor must be a number in \(0, 1\)/);
    }
    for (const patience of [-1, 1.5, NaN, Infinity, '3']) expect(() => new ReduceLROnPlateau({ patience: patience as any })).toThrow(/patience must be a whole number >= 0/);
    for (const cooldown of [-1, 0.5, '1']) expect(() => new ReduceLROnPlateau({ cooldown: cooldown as any })).toThrow(/cooldown must be a whole number >= 0/);
    for (const minLr of [-1, NaN, Infinity, '0']) expect(() => new ReduceLROnPlateau({ minLr: minLr as any })).toThrow(/minLr must be a finite number >= 0/);
    expect(() => new ReduceLROnPlateau({ minDelta: NaN })).toThrow(/^wasmnn: ReduceLROnPlateau: minDelta must be a finite number/);
    expect(() => new ReduceLROnPlateau({ mode: 'maximum' as any })).toThrow(/^wasmnn: ReduceLROnPlateau: mode must be 'auto', 'min' or 'max', got "maximum"$/);
    expect(() => new ReduceLROnPlateau({ monitor: 5 as any })).toThrow(/monitor must be the name of a log entry/);
    expect(() => new ReduceLROnPlateau({ verbose: 2 as any })).toThrow(/verbose must be 0 \(silent\) or 1/);
    expect(() => new ReduceLROnPlateau({ min_lr: 0.1 } as any)).toThrow(/^wasmnn: ReduceLROnPlateau: unknown option 'min_lr'; did you mean 'minLr'\?/);
    expect(() => new ReduceLROnPlateau({ patiense: 3 } as any)).toThrow(/did you mean 'patience'/);
    const d = new ReduceLROnPlateau({ monitor: null, factor: null, patience: null, mode: null, minDelta: null, cooldown: null, minLr: null, verbose: null } as any);
    expect([d.monitor, d.factor, d.patience, d.mode, d.minDelta, d.cooldown, d.minLr, d.verbose]).toEqual(['val_loss', 0.1, 10, 'min', 1e-4, 0, 0, 0]);
    expect(new ReduceLROnPlateau({ minDelta: -0.01 }).minDelta).toBe(0.01);   // Keras takes its absolute value
  });

  it('in fit: a plateau of val_loss lowers the rate, and the History shows learning_rate', async () => {
    // frozen layers: the weights, so val_loss, stay as they are while the rate is lowered
    const m = new Sequential([new Dense({ units: 2, activation: 'softmax', trainable: false })], { seed: 1 });
    m.compile({ optimizer: new SGD({ learningRate: 1 }), loss: 'sparseCategoricalCrossentropy' });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const h = await m.fit(xs, Y, { epochs: 10, batchSize: 16, validationSplit: 0.25, callbacks: [new ReduceLROnPlateau({ patience: 2, factor: 0.5, verbose: 1 })] });
      expect(new Set(h.history.val_loss).size).toBe(1);
      expect(kerasDropEpochs(2, 0, 10)).toEqual([2, 4, 6, 8]);
      expect(h.history.learning_rate).toEqual([1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625]);
      expect(m.optimizer!.learningRate).toBe(0.0625);
      expect(log.mock.calls.map((c) => c[0])).toEqual([3, 5, 7, 9].map((e, i) => `Epoch ${e}: ReduceLROnPlateau reducing learning rate to ${0.5 ** (i + 1)}.`));
    } finally {
      log.mockRestore();
      m.dispose();
    }
  });
});

describe('ModelCheckpoint: file names', () => {
  it('formats {epoch} and log values as Python\'s str.format does (Keras\' filepath.format(epoch=epoch + 1, **logs))', () => {
    const logs = { loss: 0.1, val_loss: 0.125, tiny: 1e-5, two: 2, big: 1e16 };
    expect(formatFilepath('m-{epoch:02d}-{val_loss:.2f}.wnn', 4, logs)).toBe('m-05-0.12.wnn');   // 0.125 exactly: half to even
    expect(formatFilepath('{epoch}_{epoch:3d}_{epoch:d}_{epoch:.1f}_{epoch:03d}', 11, logs)).toBe('12_ 12_12_12.0_012');
    expect(formatFilepath('{loss}_{tiny}_{two}_{big}_{val_loss:f}', 0, logs)).toBe('0.1_1e-05_2.0_1e+16_0.125000');
    expect(formatFilepath('{{epoch}}-{epoch}}}', 0, logs)).toBe('{epoch}-1}');
    expect(formatFilepath('plain.wnn', 3, {})).toBe('plain.wnn');
  });

  it('.Nf rounds the double\'s exact value half to even, as Python; str() is Python\'s float repr', () => {
    // Python 3: format(x, spec)
    const cases: [number, number, string][] = [
      [0.125, 2, '0.12'], [0.375, 2, '0.38'], [2.675, 2, '2.67'], [1.005, 2, '1.00'], [0.5, 0, '0'], [1.5, 0, '2'], [2.5, 0, '2'],
      [-0.0, 2, '-0.00'], [-0.001, 2, '-0.00'], [-1.25, 1, '-1.2'], [0.69314718, 4, '0.6931'], [1e22, 1, '10000000000000000000000.0'],
      [1e23, 0, '99999999999999991611392'], [5e-324, 3, '0.000'], [NaN, 4, 'nan'], [Infinity, 4, 'inf'], [-Infinity, 2, '-inf'],
      [0.1, 20, '0.10000000000000000555'],
    ];
    for (const [x, n, want] of cases) expect(formatFixed(x, n), `${x} .${n}f`).toBe(want);
    const reprs: [number, string][] = [
      [0.1, '0.1'], [1, '1.0'], [123.456, '123.456'], [1e-4, '0.0001'], [1e-5, '1e-05'], [1.5e-7, '1.5e-07'], [1e15, '1000000000000000.0'],
      [1e16, '1e+16'], [1.2345678901234568e17, '1.2345678901234568e+17'], [-0.0, '-0.0'], [-2.5, '-2.5'], [0.30000000000000004, '0.30000000000000004'],
    ];
    for (const [x, want] of reprs) expect(pythonFloat(x), String(x)).toBe(want);
  });

  it('refuses what Python would not format, or ModelCheckpoint does not take, at construction', () => {
    const bad = (filepath: string, re: RegExp) => expect(() => new ModelCheckpoint({ filepath }), filepath).toThrow(re);
    bad('m-{val_loss:.4e}.wnn', /formats \{val_loss\} as '\.4e', which ModelCheckpoint does not support \(placeholders: /);
    bad('m-{val_loss:08.4f}.wnn', /does not support/);
    bad('m-{val_loss:d}.wnn', /formats \{val_loss\} as a whole number \('d'\), and log values are fractional; use \{val_loss:\.Nf\}/);
    bad('m-{}.wnn', /placeholder \{\} without a name/);
    bad('m-{0}.wnn', /without a name/);
    bad('m-{epoch!r}.wnn', /attribute, index or conversion/);
    bad('m-{logs.loss}.wnn', /attribute, index or conversion/);
    bad('m-}.wnn', /single '\}' at 2; write '\}\}'/);
    bad('m-{epoch.wnn', /never closed/);
    bad('m-{val_loss:.{n}f}.wnn', /placeholder inside a placeholder/);
  });
});

describe('ModelCheckpoint', () => {
  it('saves every epoch under Keras-formatted names, in a directory it creates; each file loads to that epoch\'s model', async () => {
    const m = classifier();
    const out = join(dir, 'every', 'nested');   // does not exist yet
    const preds: Float32Array[] = [];
    const h = await m.fit(xs, Y, {
      epochs: 3, batchSize: 8, validationSplit: 0.25, seed: 2,
      callbacks: [
        new ModelCheckpoint({ filepath: join(out, 'ckpt-{epoch:02d}-{val_loss:.4f}.wnn') }),
        // after the checkpoint: what the model predicts at that epoch's end, as saved
        new CallbackFunctions({ onEpochEnd: () => { preds.push(Float32Array.from(m.predict(xs).data)); } }),
      ],
    });
    const names = h.history.val_loss.map((v, e) => `ckpt-${String(e + 1).padStart(2, '0')}-${v.toFixed(4)}.wnn`);
    expect(new Set(names).size).toBe(3);
    expect((await readdir(out)).sort()).toEqual([...names].sort());   // no temp files left behind
    for (const [e, name] of names.entries()) {
      const { model, metadata } = await loadModel(join(out, name));
      expect(model.predict(xs).data, name).toEqual(preds[e]);
      expect(metadata.optimizer, 'the full model: optimizer state too').toBeDefined();
      expect(model.optimizer!.iterations).toBe(Math.ceil(36 / 8) * (e + 1));
      model.dispose();
    }
    m.dispose();
  });

  it('saveBestOnly saves only epochs that improve on the best (min for loss, max for accuracy), in fit', async () => {
    const m = classifier(0.3);
    const byLoss = join(dir, 'best-loss'), byAcc = join(dir, 'best-acc');
    const h = await m.fit(xs, Y, {
      epochs: 8, batchSize: 8, validationSplit: 0.25, seed: 3,
      callbacks: [
        new ModelCheckpoint({ filepath: join(byLoss, '{epoch}.wnn'), saveBestOnly: true }),
        new ModelCheckpoint({ filepath: join(byAcc, '{epoch}.wnn'), saveBestOnly: true, monitor: 'val_accuracy' }),
      ],
    });
    const improving = (vs: number[], better: (a: number, b: number) => boolean) =>
      vs.flatMap((v, e) => (vs.slice(0, e).every((u) => better(v, u)) ? [`${e + 1}.wnn`] : []));
    const sorted = async (d: string) => (await readdir(d)).sort();
    expect(await sorted(byLoss)).toEqual(improving(h.history.val_loss, (a, b) => a < b).sort());
    expect(await sorted(byAcc)).toEqual(improving(h.history.val_accuracy, (a, b) => a > b).sort());
    m.dispose();
  });

  it('saveBestOnly with one file name: the file holds the best epoch\'s model, untouched by epochs that do not improve', async () => {
    const m = classifier();
    await m.fit(xs, Y, { epochs: 1, batchSize: 8 });
    const path = join(dir, 'best', 'model.wnn');
    const cb = new ModelCheckpoint({ filepath: path, saveBestOnly: true, monitor: 'val_loss' });
    cb.setModel(m);
    const losses = [1, 0.5, 0.7, 0.4, 0.4, 0.3];
    const saved: number[] = [];
    let last: Uint8Array | null = null, bestPreds: Float32Array | null = null;
    for (const [e, val_loss] of losses.entries()) {
      // other weights each epoch, so each save writes other bytes
      m.setWeights(m.getWeights().map((w) => ({ name: w.name, values: Float32Array.from(w.values, (v) => v * 0.9 + 0.01) })));
      await cb.onEpochEnd(e, { loss: 1, val_loss });
      const bytes = new Uint8Array(await readFile(path));
      if (!last || Buffer.compare(bytes, last) !== 0) { saved.push(e); bestPreds = Float32Array.from(m.predict(xs).data); }
      last = bytes;
    }
    expect(saved).toEqual([0, 1, 3, 5]);
    expect(cb.best).toBe(0.3);
    const { model } = await loadModel(path);
    expect(model.predict(xs).data).toEqual(bestPreds);
    model.dispose();
    m.dispose();
  });

  it('saveWeightsOnly leaves out the optimizer state; the file still predicts as the model did', async () => {
    const m = classifier();
    const path = join(dir, 'weights', 'w-{epoch}.wnn');
    const preds: Float32Array[] = [];
    await m.fit(xs, Y, {
      epochs: 2, batchSize: 8,
      callbacks: [new ModelCheckpoint({ filepath: path, saveWeightsOnly: true }), { onEpochEnd: () => { preds.push(Float32Array.from(m.predict(xs).data)); } }],
    });
    for (const e of [1, 2]) {
      const bytes = new Uint8Array(await readFile(join(dir, 'weights', `w-${e}.wnn`)));
      const { model, metadata } = decodeWnn(bytes);
      expect(metadata.optimizer).toBeUndefined();
      expect(new TextDecoder().decode(bytes)).not.toContain('__optimizer__');
      expect(model.optimizer!.iterations).toBe(0);
      expect(model.predict(xs).data).toEqual(preds[e - 1]);
      model.dispose();
    }
    m.dispose();
  });

  it('a monitor or placeholder the logs do not have is an error naming their keys; without validation val_loss falls back to loss', async () => {
    const m = classifier();
    await expect(m.fit(xs, Y, { epochs: 1, callbacks: [new ModelCheckpoint({ filepath: join(dir, 'x', 'a.wnn'), saveBestOnly: true, monitor: 'val_accuracy' })] }))
      .rejects.toThrow(/^wasmnn: ModelCheckpoint monitors 'val_accuracy', which the epoch's logs do not have \(they have loss, accuracy\); pass validationData or validationSplit/);
    await expect(m.fit(xs, Y, { epochs: 1, validationSplit: 0.25, callbacks: [new ModelCheckpoint({ filepath: join(dir, 'x', '{val_los:.3f}.wnn') })] }))
      .rejects.toThrow(/^wasmnn: ModelCheckpoint: filepath ".*" names \{val_los:\.3f\}, which the epoch's logs do not have \(they have loss, accuracy, val_loss, val_accuracy\); did you mean \{val_loss\}\?/);
    const fallback = join(dir, 'fallback');
    const h = await m.fit(xs, Y, { epochs: 2, callbacks: [new ModelCheckpoint({ filepath: join(fallback, '{epoch}-{loss:.5f}.wnn'), saveBestOnly: true })] });
    const want = h.history.loss.flatMap((v, e) => (e === 0 || v < h.history.loss[0] ? [`${e + 1}-${v.toFixed(5)}.wnn`] : []));
    expect((await readdir(fallback)).sort()).toEqual(want.sort());
    m.dispose();
  });

  it('errors from saving name the path', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a directory');
    const m = classifier();
    const path = join(blocker, 'm.wnn');
    await expect(m.fit(xs, Y, { epochs: 1, callbacks: [new ModelCheckpoint({ filepath: path })] }))
      .rejects.toThrow(new RegExp(`^wasmnn: ModelCheckpoint, epoch 1: could not save the model to ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
    // an encoding error (a weight became NaN, written as a diverged update would: setWeights refuses it) keeps its advice
    (m.layers[0] as Dense).kernel.p.value.f32()[0] = NaN;
    const cb = new ModelCheckpoint({ filepath: join(dir, 'nan', 'm.wnn') });
    cb.setModel(m);
    const err = await cb.onEpochEnd(0, { loss: NaN }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^wasmnn: ModelCheckpoint, epoch 1: could not save the model to .*nan\/m\.wnn: encodeWnn: weight .* holds NaN/);
    expect(adviceOf(err)?.kind).toBe('non-finite-weights');
    m.dispose();
  });

  it('checks its options at construction: filepath, booleans, saveFreq, mode, unknown keys by the nearest name', () => {
    expect(() => new ModelCheckpoint(undefined as any)).toThrow(/needs \{ filepath: /);
    expect(() => new ModelCheckpoint('m.wnn' as any)).toThrow(/^wasmnn: ModelCheckpoint: options must be an object such as \{ filepath: \.\.\. \}, got "m.wnn"/);
    for (const filepath of [undefined, null, '', 5]) expect(() => new ModelCheckpoint({ filepath } as any), String(filepath)).toThrow(/filepath must be the path of the file to save/);
    expect(() => new ModelCheckpoint({ filepath: 'm.wnn', saveBestOnly: 'yes' as any })).toThrow(/^wasmnn: ModelCheckpoint: saveBestOnly must be true or false, got "yes"$/);
    expect(() => new ModelCheckpoint({ filepath: 'm.wnn', saveWeightsOnly: 1 as any })).toThrow(/saveWeightsOnly must be true or false/);
    expect(() => new ModelCheckpoint({ filepath: 'm.wnn', saveFreq: 100 as any })).toThrow(/^wasmnn: ModelCheckpoint: saveFreq 100 \(every 100 batches\) is not supported; saveFreq is 'epoch'/);
    expect(() => new ModelCheckpoint({ filepath: 'm.wnn', saveFreq: 'batch' as any })).toThrow(/saveFreq must be 'epoch'/);
    expect(() => new ModelCheckpoint({ filepath: 'm.wnn', mode: 'maximum' as any })).toThrow(/^wasmnn: ModelCheckpoint: mode must be 'auto', 'min' or 'max'/);
    expect(() => new ModelCheckpoint({ filepath: 'm.wnn', verbose: 3 as any })).toThrow(/verbose must be 0/);
    expect(() => new ModelCheckpoint({ filepath: 'm.wnn', save_best_only: true } as any)).toThrow(/^wasmnn: ModelCheckpoint: unknown option 'save_best_only'; did you mean 'saveBestOnly'\?/);
    expect(() => new ModelCheckpoint({ filepath: 'm.wnn', minDelta: 0.1 } as any)).toThrow(/unknown option 'minDelta'/);
    const d = new ModelCheckpoint({ filepath: 'm.wnn', monitor: null, saveBestOnly: null, saveWeightsOnly: null, mode: null, saveFreq: null, verbose: null } as any);
    expect([d.monitor, d.mode, d.saveBestOnly, d.saveWeightsOnly, d.saveFreq, d.verbose, d.best]).toEqual(['val_loss', 'min', false, false, 'epoch', 0, Infinity]);
    expect(new ModelCheckpoint({ filepath: 'm.wnn', monitor: 'val_accuracy' }).best).toBe(-Infinity);
  });
});
