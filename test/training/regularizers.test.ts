// Weight regularizers (kernelRegularizer, biasRegularizer, recurrentRegularizer,
// embeddingsRegularizer, gammaRegularizer, betaRegularizer): the options and their errors; the
// loss and gradients of every regularized layer against the closed forms in f64 (loss + l1 sum|w|
// + l2 sum w^2, gradient + l1 sign(w) + 2 l2 w) and finite differences; the logged loss,
// evaluate and val_loss (Keras 3: all include the penalty); class and sample weights leave the
// penalty alone; a zero regularizer is bitwise no regularizer; a regularized embedding table gets
// a dense update; 1, 2 and 3 threads give the same bits; save / load / resume; wasmnn/infer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  init, shutdown, Sequential, Dense, Embedding, LSTM, GRU, Conv1D, LayerNormalization, Bidirectional, SimpleRNN, GlobalAveragePooling1D, SGD, Adam, regularizers,
} from '../../src/index.js';
import { decodeWnn, encodeWnn } from '../../src/io/wnn.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { decodeWnnForInference, InferenceModel } from '../../src/infer.js';
import { runtime } from '../../src/runtime/default.js';
import { expectBitwise, ints, uniform } from '../helpers/data.js';
import { gradCheck } from '../helpers/gradcheck.js';

beforeAll(async () => { await init({ threads: 1 }); });
afterAll(async () => { await shutdown(); });

const N = 12, T = 6, V = 30;
const ids = ints(N * T, 1, V, 3);
const labels = Int32Array.from({ length: N }, (_, i) => (ids[i * T] + i) % 3);
const X = { data: ids, shape: [N, T] };

type Reg = { l1: number; l2: number };

/** A model over every regularizable weight kind; `regs` gives each layer's regularizer options. */
function model(regs: (r: Reg) => Record<string, Record<string, unknown>>, r: Reg, opts: { sparse?: boolean } = {}): Sequential {
  const o = regs(r);
  return new Sequential([
    new Embedding({ inputDim: V, outputDim: 5, sparse: opts.sparse, ...o.emb }),
    new Conv1D({ filters: 4, kernelSize: 2, padding: 'same', ...o.conv }),
    new LSTM({ units: 4, returnSequences: true, ...o.lstm }),
    new Bidirectional({ layer: new GRU({ units: 3, returnSequences: true, ...o.gru }) }),
    new SimpleRNN({ units: 3, returnSequences: true, ...o.rnn }),
    new GlobalAveragePooling1D(),
    new LayerNormalization({ ...o.ln }),
    new Dense({ units: 3, activation: 'softmax', ...o.dense }),
  ], { seed: 5 });
}
const ALL = (r: Reg) => ({
  emb: { embeddingsRegularizer: r }, conv: { kernelRegularizer: r, biasRegularizer: r },
  lstm: { kernelRegularizer: r, recurrentRegularizer: r, biasRegularizer: r }, gru: { kernelRegularizer: r, recurrentRegularizer: r, biasRegularizer: r },
  rnn: { kernelRegularizer: r, recurrentRegularizer: r, biasRegularizer: r },
  ln: { gammaRegularizer: r, betaRegularizer: r }, dense: { kernelRegularizer: r, biasRegularizer: r },
});
const NONE = () => ({ emb: {}, conv: {}, lstm: {}, gru: {}, rnn: {}, ln: {}, dense: {} });

function compiled(m: Sequential, optimizer: any = new SGD({ learningRate: 0.1 })): Sequential {
  m.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
  m.build([T]);
  return m;
}

/** The same weights in b as in a (non-zero biases, so the bias regularizers show). */
function sameWeights(a: Sequential, b: Sequential): void {
  let s = 1;
  for (const w of a.getWeights()) a.setWeights([{ name: w.name, values: uniform(w.values.length, -0.8, 0.8, s++) }]);
  b.setWeights(a.getWeights());
}

/** The penalty of weights ws in f64: sum over them of l1 sum|w| + l2 sum w^2. */
function penaltyOf(ws: { values: Float32Array }[], r: Reg): number {
  let p = 0;
  for (const w of ws) for (const v of w.values) p += r.l1 * Math.abs(v) + r.l2 * v * v;
  return p;
}

describe('regularizer options', () => {
  it('take the names (0.01 factors), { l1, l2 } and the helpers, and write { l1, l2 } in the config', () => {
    const cfg = (o: Record<string, unknown>) => new Dense({ units: 2, ...o }).getConfig();
    expect(cfg({ kernelRegularizer: 'l1' }).kernelRegularizer).toEqual({ l1: 0.01, l2: 0 });
    expect(cfg({ kernelRegularizer: 'l2' }).kernelRegularizer).toEqual({ l1: 0, l2: 0.01 });
    expect(cfg({ kernelRegularizer: 'l1l2' }).kernelRegularizer).toEqual({ l1: 0.01, l2: 0.01 });
    expect(cfg({ biasRegularizer: 'l1_l2' }).biasRegularizer).toEqual({ l1: 0.01, l2: 0.01 });
    expect(cfg({ kernelRegularizer: { l2: 1e-4 } }).kernelRegularizer).toEqual({ l1: 0, l2: 1e-4 });
    expect(cfg({ kernelRegularizer: regularizers.l2(1e-4) }).kernelRegularizer).toEqual({ l1: 0, l2: 1e-4 });
    expect(regularizers.l1()).toEqual({ l1: 0.01, l2: 0 });
    expect(regularizers.l2()).toEqual({ l1: 0, l2: 0.01 });
    // Keras' L1(None) / L2(None) are the defaults too
    expect([regularizers.l1(null), regularizers.l2(null)]).toEqual([{ l1: 0.01, l2: 0 }, { l1: 0, l2: 0.01 }]);
    expect(regularizers.l1l2()).toEqual({ l1: 0.01, l2: 0.01 });
    expect(regularizers.l1l2({ l1: 0.5 })).toEqual({ l1: 0.5, l2: 0.01 });
    expect(cfg({})).not.toHaveProperty('kernelRegularizer');
    expect(new LSTM({ units: 2, recurrentRegularizer: 'l2' }).getConfig().recurrentRegularizer).toEqual({ l1: 0, l2: 0.01 });
    expect(new Embedding({ inputDim: 3, outputDim: 2, embeddingsRegularizer: 'l1' }).getConfig().embeddingsRegularizer).toEqual({ l1: 0.01, l2: 0 });
  });

  it('refuse bad values with errors that name the fix', () => {
    const mk = (o: Record<string, unknown>) => () => new Dense({ units: 2, ...o } as any);
    expect(mk({ kernelRegularizer: 'l3' })).toThrow(/Dense: kernelRegularizer: unknown regularizer "l3"; use 'l1', 'l2', 'l1l2'/);
    expect(mk({ kernelRegularizer: 'L2' })).toThrow(/unknown regularizer "L2"/);
    expect(mk({ kernelRegularizer: { l2: -1 } })).toThrow(/kernelRegularizer: l2 must be a finite number >= 0 .* got -1/);
    expect(mk({ biasRegularizer: { l1: NaN } })).toThrow(/biasRegularizer: l1 must be a finite number >= 0 .* got NaN/);
    expect(mk({ kernelRegularizer: { l1: Infinity } })).toThrow(/l1 must be a finite number/);
    expect(mk({ kernelRegularizer: { l1: '0.1' } })).toThrow(TypeError);
    expect(mk({ kernelRegularizer: { L2: 0.1 } })).toThrow(/has the keys l1 and l2 only, got 'L2'/);
    expect(mk({ kernelRegularizer: { l2: 0.1, factor: 2 } })).toThrow(/got 'factor'/);
    expect(mk({ kernelRegularizer: () => 0 })).toThrow(/a regularizer is 'l1', 'l2', 'l1l2' or \{ l1, l2 \} .* got a function/);
    expect(mk({ kernelRegularizer: 0.01 })).toThrow(/got 0.01/);
    expect(mk({ activityRegularizer: 'l2' })).toThrow(/Dense: activityRegularizer .* is not supported.*kernelRegularizer/);
    expect(mk({ kernel_regularizer: 'l2' })).toThrow(/unknown option 'kernel_regularizer'; did you mean 'kernelRegularizer'/);
    expect(() => new Dense({ units: 2, recurrentRegularizer: 'l2' } as any)).toThrow(/unknown option 'recurrentRegularizer'/);
    expect(() => new LSTM({ units: 2, recurrentRegularizer: { l2: -0.5 } })).toThrow(/LSTM: recurrentRegularizer: l2 must be/);
    expect(() => regularizers.l2(-1)).toThrow(/regularizers.l2: l2 must be a finite number >= 0/);
    expect(() => regularizers.l2({ l2: 0.1 } as any)).toThrow(/regularizers.l2 takes the factor itself.*regularizers.l2\(0.0001\)/);
    expect(() => regularizers.l1l2({ l1: NaN })).toThrow(/regularizers.l1l2: l1 must be/);
    // null and undefined are "not given", as the other options
    expect(new Dense({ units: 2, kernelRegularizer: undefined, activityRegularizer: null as never }).getConfig()).not.toHaveProperty('kernelRegularizer');
  });
});

describe('loss and gradients of regularized layers', () => {
  it.each([['l1', { l1: 0.02, l2: 0 }], ['l2', { l1: 0, l2: 0.03 }], ['l1l2', { l1: 0.01, l2: 0.02 }]] as const)(
    '%s: loss + the f64 penalty, gradients + l1 sign(w) + 2 l2 w, for every layer kind', (_, r) => {
      const reg = compiled(model(ALL, r)), plain = compiled(model(NONE, r));
      sameWeights(reg, plain);
      const a = reg.lossAndGradients(X, labels), b = plain.lossAndGradients(X, labels);
      const ws = reg.getWeights();
      expect(ws.length).toBe(19);   // every weight is regularized: emb, conv 2, lstm 3, bidi 2 x 3, simple rnn 3, ln 2, dense 2
      const want = b.loss + penaltyOf(ws, r);
      expect(Math.abs(a.loss - want) / want).toBeLessThan(2e-7);
      for (const w of ws) {
        const ga = a.grads.get(w.name)!, gb = b.grads.get(w.name)!;
        for (let i = 0; i < ga.length; i++) {
          const v = w.values[i];
          const exact = gb[i] + r.l1 * Math.sign(v) + 2 * r.l2 * v;
          expect(Math.abs(ga[i] - exact), `${w.name}[${i}]`).toBeLessThanOrEqual(1e-7 + 1e-6 * Math.abs(exact));
        }
      }
      reg.dispose(); plain.dispose();
    });

  it('finite differences of the regularized training loss (L2, no kink)', () => {
    const m = new Sequential([
      new Embedding({ inputDim: V, outputDim: 4, embeddingsRegularizer: { l2: 0.05 } }),
      new LSTM({ units: 3, kernelRegularizer: { l2: 0.1 }, recurrentRegularizer: { l2: 0.2 }, biasRegularizer: { l2: 0.3 } }),
      new Dense({ units: 3, activation: 'softmax', kernelRegularizer: { l2: 0.1 }, biasRegularizer: { l2: 0.2 } }),
    ]);
    compiled(m);
    sameWeights(m, m);
    gradCheck(m, X, labels, { h: 1e-2, rtol: 1e-2, atol: 1e-4 });
    m.dispose();
  });

  it('only trainable weights count (Keras 3): a frozen regularized layer adds no penalty', () => {
    const r = { l1: 0.01, l2: 0.01 };
    const a = compiled(model(ALL, r)), b = compiled(model(NONE, r));
    sameWeights(a, b);
    a.layers[7].trainable = false; b.layers[7].trainable = false;
    a.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' }); b.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    const trainable = a.getWeights().filter((w) => !w.name.startsWith(`${a.layers[7].name}/`));
    expect(trainable.length).toBe(17);
    const want = b.lossAndGradients(X, labels).loss + penaltyOf(trainable, r);
    expect(Math.abs(a.lossAndGradients(X, labels).loss - want) / want).toBeLessThan(2e-7);
    a.dispose(); b.dispose();
  });
});

describe('training with regularizers', () => {
  it('a penalty that overflows while the data\'s loss is finite is named as such, with the weight and the fix', async () => {
    const m = new Sequential([new Dense({ units: 2, activation: 'softmax', biasRegularizer: { l2: 0.01 }, name: 'out', inputShape: [3] })]);
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    m.build([3]);
    m.setWeights([{ name: 'out/bias', values: Float32Array.from([1e20, 1e20]) }]);   // equal logits: the data's loss is ln 2
    const x = { data: Float32Array.from([0.1, 0.2, 0.3]), shape: [1, 3] };
    await expect(m.fit(x, Int32Array.from([0]), { epochs: 1, verbose: 0 })).rejects.toThrow(
      /the loss became Infinity at epoch 1, batch 1 .*appear in the weight regularizers' penalty of out\/bias .*lower the regularizer's factor/);
    m.dispose();
  });

  const r = { l1: 0.005, l2: 0.02 };

  it('the logged loss, evaluate and val_loss include the penalty (Keras 3); sample and class weights leave it alone', async () => {
    for (const weights of [{}, { sampleWeight: Float32Array.from({ length: N }, (_, i) => 0.5 + (i % 3)) }, { classWeight: { 0: 1, 1: 3, 2: 0.5 } }]) {
      // learning rate 0: the weights stay, so every batch's penalty is the same
      const a = compiled(model(ALL, r), new SGD({ learningRate: 0 })), b = compiled(model(NONE, r), new SGD({ learningRate: 0 }));
      sameWeights(a, b);
      const p = penaltyOf(a.getWeights(), r);
      const fitArgs = { epochs: 1, batchSize: 5, shuffle: false, validationData: [X, labels] as [any, any], ...weights };
      const ha = await a.fit(X, labels, fitArgs), hb = await b.fit(X, labels, fitArgs);
      const close = (x: number, y: number, what: string) => expect(Math.abs(x - y) / y, what).toBeLessThan(1e-6);
      close(ha.history.loss[0], hb.history.loss[0] + p, `loss ${JSON.stringify(Object.keys(weights))}`);
      close(ha.history.val_loss[0], hb.history.val_loss[0] + p, 'val_loss');
      close(a.evaluate(X, labels).loss, b.evaluate(X, labels).loss + p, 'evaluate');
      a.dispose(); b.dispose();
    }
  });

  it('a regularizer of 0 trains bit for bit as none', async () => {
    const zero = { l1: 0, l2: 0 };
    const a = compiled(model(ALL, zero), new Adam({ learningRate: 0.01 })), b = compiled(model(NONE, zero), new Adam({ learningRate: 0.01 }));
    sameWeights(a, b);
    const ha = await a.fit(X, labels, { epochs: 2, batchSize: 4, seed: 3 }), hb = await b.fit(X, labels, { epochs: 2, batchSize: 4, seed: 3 });
    expect(ha.history.loss).toEqual(hb.history.loss);
    expectBitwise(a.snapshotWeights(), b.snapshotWeights(), 'weights');
    a.dispose(); b.dispose();
  });

  it.each([['SGD (row-sparse where exact)', false], ['Adam with sparse: true (lazy rows)', true]] as const)(
    'a regularized embedding table is updated in every row: %s', async (_, lazy) => {
      const lr = 0.1;
      const m = new Sequential([
        new Embedding({ inputDim: V, outputDim: 3, sparse: lazy, embeddingsRegularizer: { l1: 0.01, l2: 0.05 } }),
        new GlobalAveragePooling1D(), new Dense({ units: 3, activation: 'softmax' }),
      ]);
      compiled(m, new SGD({ learningRate: lr }));
      sameWeights(m, m);
      // ids 1 .. 4 only: rows 0 and 5 .. 29 have no gradient from the loss, only from the penalty
      const few = { data: Int32Array.from(ids, (v) => 1 + (v % 4)), shape: [N, T] };
      for (let step = 0; step < 3; step++) {   // a few steps: a step must also clear the rows the previous one wrote
        const before = m.getWeights();
        const { grads } = m.lossAndGradients(few, labels);
        await m.fit(few, labels, { epochs: 1, batchSize: N, shuffle: false });
        const after = m.getWeights();
        for (const [i, w] of before.entries()) {
          const g = grads.get(w.name)!;
          const want = Float32Array.from(w.values, (v, k) => Math.fround(v - Math.fround(g[k] * Math.fround(lr))));
          expectBitwise(after[i].values, want, `${w.name} after step ${step + 1}`);
        }
        const table = before[0].values, next = after[0].values;
        expect(next[20 * 3], 'an unused row moves').not.toBe(table[20 * 3]);
      }
      m.dispose();
    });

  it('1, 2 and 3 threads train to the same bits', async () => {
    const run = async (threads: number) => {
      await shutdown();
      await init({ build: threads === 1 ? 'simd' : 'simd-mt', threads, parallelThreshold: 1 });
      const m = compiled(model(ALL, r), new Adam({ learningRate: 0.01 }));
      const h = await m.fit(X, labels, { epochs: 2, batchSize: 5, seed: 7 });
      const w = m.snapshotWeights();
      m.dispose();
      return { w, loss: h.history.loss };
    };
    const one = await run(1), two = await run(2), three = await run(3);
    expectBitwise(two.w, one.w, '2 threads'); expectBitwise(three.w, one.w, '3 threads');
    expect(two.loss).toEqual(one.loss); expect(three.loss).toEqual(one.loss);
    await shutdown();
    await init({ threads: 1 });
  });
});

describe('regularized models in files', () => {
  it('save and load keep the regularizers; training resumes bit for bit; wasmnn/infer loads the file', async () => {
    const r = { l1: 0.003, l2: 0.01 };
    const a = compiled(model(ALL, r), new Adam({ learningRate: 0.01 }));
    await a.fit(X, labels, { epochs: 1, batchSize: 4, seed: 2 });
    const bytes = encodeWnn({ model: a, includeOptimizer: true });
    const b = decodeWnn(bytes).model;
    expect(b.layers.map((l) => l.getConfig())).toEqual(a.layers.map((l) => l.getConfig()));
    expect(b.layers[2].getConfig().recurrentRegularizer).toEqual(r);
    const ha = await a.fit(X, labels, { epochs: 1, batchSize: 4, seed: 9 });
    const hb = await b.fit(X, labels, { epochs: 1, batchSize: 4, seed: 9 });
    expect(hb.history.loss).toEqual(ha.history.loss);
    expectBitwise(b.snapshotWeights(), a.snapshotWeights(), 'resumed weights');
    // the inference-only reader ignores the regularizers and predicts as the full model
    const file = decodeWnnForInference(encodeWnn({ model: a }));
    const lite = InferenceModel.create(runtime(), file.model, file.weights);
    expectBitwise(lite.predict(X).data, a.predict(X).data, 'wasmnn/infer');
    // a damaged regularizer in a file is refused by name
    // a damaged regularizer: the full loader refuses it by name; the inference reader ignores the
    // values (its whitelist only asks for an object, to stay small) and refuses anything else
    const edited = (from: string, to: string) => {
      const { metadata, tensors } = decodeSafetensors(bytes);
      expect(metadata.model).toContain(from);
      metadata.model = metadata.model.replace(from, to);
      return encodeSafetensors([...tensors].map(([name, t]) => ({ name, ...t })), metadata);
    };
    const negative = edited('"kernelRegularizer":{"l1":0.003', '"kernelRegularizer":{"l1":-0.003');
    expect(() => decodeWnn(negative)).toThrow(/layer 2 \(Conv1D\) cannot be built: wasmnn: Conv1D: kernelRegularizer: l1 must be a finite number >= 0 .* got -0.003/);
    expect(() => decodeWnnForInference(negative)).not.toThrow();
    const extraKey = edited('"kernelRegularizer":{"l1":0.003', '"kernelRegularizer":{"L1":0.003');
    expect(() => decodeWnn(extraKey)).toThrow(/Conv1D: kernelRegularizer: a regularizer has the keys l1 and l2 only, got 'L1'/);
    const named = edited('"kernelRegularizer":{"l1":0.003,"l2":0.01}', '"kernelRegularizer":"l2"');
    for (const read of [decodeWnn, decodeWnnForInference]) expect(() => read(named)).toThrow(/\(Conv1D\) option kernelRegularizer must be \{ l1, l2 \}, got "l2"/);
    const stray = edited('"units":3', '"units":3,"gammaRegularizer":{"l1":0.1}');
    for (const read of [decodeWnn, decodeWnnForInference]) expect(() => read(stray)).toThrow(/\(GRU\) has an unknown option 'gammaRegularizer'/);
    a.dispose(); b.dispose();
  });
});
