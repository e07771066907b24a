// LSTM, GRU, SimpleRNN and Bidirectional against tfjs-layers 4.22.0 in the same process: same weights,
// same padded inputs (masking through Embedding maskZero): outputs and gradients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, shutdown, Sequential, Dense, Embedding, LSTM, GRU, SimpleRNN, Bidirectional, SGD, Adam } from '../../src/index.js';
import { copyWeightsTo, loadTfjs, maxRelErr, normRelErr, type Tf } from '../helpers/tfjs.js';

let T: Tf;
beforeAll(async () => { T = await loadTfjs(); await init({ threads: 2 }); });
afterAll(async () => { await shutdown(); });

const B = 4, L = 7, V = 30, E = 5, H = 6;
// pre-padded (Keras' default) and post-padded rows, one without padding
const ids = Int32Array.from([
  0, 0, 3, 5, 7, 2, 9,
  4, 6, 8, 1, 11, 10, 3,
  12, 13, 14, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 21, 22,
]);
const labels = Int32Array.from([0, 1, 1, 0]);

type Kind = 'lstm' | 'gru' | 'simple_rnn';
type Act = 'tanh' | 'relu' | 'linear';
function ourRnn(kind: Kind, o: { seq?: boolean; back?: boolean; act?: Act }) {
  const a = { units: H, returnSequences: !!o.seq, goBackwards: !!o.back };
  return kind === 'lstm' ? new LSTM(a) : kind === 'gru' ? new GRU(a) : new SimpleRNN({ ...a, activation: o.act });
}
function theirRnn(kind: Kind, o: { seq?: boolean; back?: boolean; act?: Act }) {
  if (kind === 'simple_rnn') return T.tfl.layers.simpleRNN({ units: H, returnSequences: !!o.seq, goBackwards: !!o.back, activation: o.act ?? 'tanh', recurrentInitializer: 'zeros' });
  // weights are copied over ours afterwards; zeros avoids tfjs' orthogonal initializer, which needs chained ops
  const a = { units: H, returnSequences: !!o.seq, goBackwards: !!o.back, recurrentActivation: 'sigmoid' as const, recurrentInitializer: 'zeros' as const };
  return kind === 'lstm' ? T.tfl.layers.lstm(a) : T.tfl.layers.gru(a);
}

function tfGrads(model: any, x: any, y: Int32Array) {
  const { tf } = T;
  const vars = model.trainableWeights.map((w: any) => w.val);
  const f = () => tf.tidy(() => {
    const p = model.apply(x, { training: true }) as any;
    const oh = tf.oneHot(tf.tensor1d(y, 'int32'), p.shape[p.shape.length - 1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(oh, tf.log(tf.clipByValue(p, 1e-7, 1 - 1e-7))), -1)));
  }) as any;
  const { value, grads } = tf.variableGrads(f, vars);
  return { loss: value.dataSync()[0], grads: vars.map((v: any) => grads[v.name].dataSync() as Float32Array) };
}

function pair(kind: Kind, o: { seq?: boolean; back?: boolean; bidi?: 'concat' | 'sum'; act?: Act }) {
  const { tfl } = T;
  const head = () => new Dense({ units: 2, activation: 'softmax' });
  const ours = new Sequential([
    new Embedding({ inputDim: V, outputDim: E, maskZero: true }),
    o.bidi ? new Bidirectional({ layer: ourRnn(kind, o), mergeMode: o.bidi }) : ourRnn(kind, o),
    ...(o.seq ? [new (class extends Dense {})({ units: 2, activation: 'softmax' })] : [head()]),
  ]);
  ours.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
  ours.build([L]);
  const theirs = tfl.sequential({ layers: [
    tfl.layers.embedding({ inputDim: V, outputDim: E, maskZero: true, inputLength: L }),
    o.bidi ? tfl.layers.bidirectional({ layer: theirRnn(kind, o) as any, mergeMode: o.bidi }) : theirRnn(kind, o),
    tfl.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
  copyWeightsTo(T, ours, theirs);
  return { ours, theirs };
}

describe.each([['lstm'], ['gru'], ['simple_rnn']] as const)('%s', (kind) => {
  it.each([
    [{}], [{ back: true }], [{ seq: true }], [{ seq: true, back: true }], [{ bidi: 'concat' as const }], [{ bidi: 'sum' as const, seq: true }],
    // SimpleRNN's other activations (LSTM and GRU compute tanh only)
    ...(kind === 'simple_rnn' ? [[{ act: 'relu' as const }], [{ act: 'linear' as const, back: true }], [{ act: 'relu' as const, bidi: 'concat' as const }]] : []),
  ])('outputs and gradients agree with tfjs (%o)', (o) => {
    const { tf } = T;
    const { ours, theirs } = pair(kind, o);
    const x = tf.tensor(ids, [B, L], 'int32');
    const pOurs = ours.predict({ data: ids, shape: [B, L] }).data;
    const pTheirs = (theirs.predict(x) as any).dataSync();
    expect(maxRelErr(pOurs, pTheirs)).toBeLessThan(1e-5);
    if (!o.seq) {
      const g = tfGrads(theirs, x, labels);
      const mine = ours.lossAndGradients({ data: ids, shape: [B, L] }, labels);
      expect(Math.abs(mine.loss - g.loss) / g.loss).toBeLessThan(1e-5);
      ours.getWeights().forEach((w, i) => expect(normRelErr(mine.grads.get(w.name)!, g.grads[i]), w.name).toBeLessThan(1e-5));
    }
  });
});

it('five Adam steps of Embedding -> LSTM -> Dense give the same losses as tfjs within 1e-4', async () => {
  const { tf } = T;
  const { ours, theirs } = pair('lstm', {});
  ours.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  theirs.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
  const h1 = await ours.fit({ data: ids, shape: [B, L] }, labels, { epochs: 5, batchSize: B, shuffle: false });
  const h2 = await theirs.fit(tf.tensor(ids, [B, L], 'int32'), tf.tensor(labels, [B], 'float32'), { epochs: 5, batchSize: B, shuffle: false, verbose: 0 });
  const l2 = h2.history.loss as number[];
  h1.history.loss.forEach((l, i) => expect(Math.abs(l - l2[i]), `step ${i}: ${l} vs ${l2[i]}`).toBeLessThan(1e-4));
});

it('SimpleRNN(returnSequences, goBackwards) -> SimpleRNN(relu) -> Dense: gradients through the sequence output agree with tfjs within 1e-5', () => {
  const { tf, tfl } = T;
  const ours = new Sequential([
    new Embedding({ inputDim: V, outputDim: E, maskZero: true }),
    new SimpleRNN({ units: H, returnSequences: true, goBackwards: true }),
    new SimpleRNN({ units: 5, activation: 'relu' }),
    new Dense({ units: 2, activation: 'softmax' }),
  ]);
  ours.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
  ours.build([L]);
  // non-zero biases, so a bias gradient mapped to the wrong place shows
  for (const w of ours.getWeights()) if (w.name.endsWith('/bias')) ours.setWeights([{ name: w.name, values: Float32Array.from(w.values, (_, i) => 0.3 * Math.sin(i + 1)) }]);
  const theirs = tfl.sequential({ layers: [
    tfl.layers.embedding({ inputDim: V, outputDim: E, maskZero: true, inputLength: L }),
    tfl.layers.simpleRNN({ units: H, returnSequences: true, goBackwards: true, recurrentInitializer: 'zeros' }),
    tfl.layers.simpleRNN({ units: 5, activation: 'relu', recurrentInitializer: 'zeros' }),
    tfl.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
  copyWeightsTo(T, ours, theirs);
  const x = tf.tensor(ids, [B, L], 'int32');
  expect(maxRelErr(ours.predict({ data: ids, shape: [B, L] }).data, (theirs.predict(x) as any).dataSync())).toBeLessThan(1e-5);
  const g = tfGrads(theirs, x, labels);
  const mine = ours.lossAndGradients({ data: ids, shape: [B, L] }, labels);
  expect(Math.abs(mine.loss - g.loss) / g.loss).toBeLessThan(1e-5);
  ours.getWeights().forEach((w, i) => expect(normRelErr(mine.grads.get(w.name)!, g.grads[i]), w.name).toBeLessThan(1e-5));
});
