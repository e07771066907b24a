// Parity with tfjs-layers 4.22.0 run in the same test: same weights and inputs give the same
// outputs and gradients, and the same losses over a few optimizer steps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, shutdown, Sequential, Dense, Embedding, Adam, SGD, RMSprop, Adagrad, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D } from '../../src/index.js';
import { copyWeightsTo, loadTfjs, maxRelErr, normRelErr, type Tf } from '../helpers/tfjs.js';
import { ints, uniform } from '../helpers/data.js';

let T: Tf;
beforeAll(async () => { T = await loadTfjs(); await init({ threads: 2 }); });
afterAll(async () => { await shutdown(); });

const N = 8;
const labels = Int32Array.from({ length: N }, (_, i) => (i * 5 + 1) % 3);

/** tfjs loss (sparse CE on probabilities, Keras' clip) and gradients of every trainable weight. */
function tfGrads(model: any, x: any, y: Int32Array) {
  const { tf } = T;
  const vars = model.trainableWeights.map((w: any) => w.val);
  const f = () => tf.tidy(() => {
    const p = model.apply(x, { training: true }) as any;
    const oh = tf.oneHot(tf.tensor1d(y, 'int32'), p.shape[p.shape.length - 1]);
    const clipped = tf.clipByValue(p, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.sum(tf.mul(oh, tf.log(clipped)), -1)));
  }) as any;
  const { value, grads } = tf.variableGrads(f, vars);
  const out = { loss: value.dataSync()[0], grads: vars.map((v: any) => grads[v.name].dataSync() as Float32Array) };
  return out;
}

describe('Dense and Embedding agree with tfjs-layers', () => {
  it('a Dense stack: outputs and gradients within 1e-5', async () => {
    const { tf, tfl } = T;
    const ours = new Sequential([new Dense({ units: 16, activation: 'relu' }), new Dense({ units: 8, activation: 'tanh' }), new Dense({ units: 3, activation: 'softmax' })]);
    ours.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    const x = uniform(N * 10, -1, 1, 4);
    ours.build([10]);
    const theirs = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 16, activation: 'relu', inputShape: [10] }),
      tfl.layers.dense({ units: 8, activation: 'tanh' }),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    copyWeightsTo(T, ours, theirs);
    const xt = tf.tensor(x, [N, 10]);
    const pOurs = ours.predict({ data: x, shape: [N, 10] }).data;
    const pTheirs = (theirs.predict(xt) as any).dataSync();
    expect(maxRelErr(pOurs, pTheirs)).toBeLessThan(1e-5);
    const g = tfGrads(theirs, xt, labels);
    const mine = ours.lossAndGradients({ data: x, shape: [N, 10] }, labels);
    expect(Math.abs(mine.loss - g.loss) / g.loss).toBeLessThan(1e-5);
    const names = ours.getWeights().map((w) => w.name);
    // gradients: norm-wise relative error (entries far below a tensor's scale carry f32 cancellation noise)
    names.forEach((name, i) => expect(normRelErr(mine.grads.get(name)!, g.grads[i]), name).toBeLessThan(1e-5));
  });

  it('Embedding -> Dense per step: outputs within 1e-5', () => {
    const { tf, tfl } = T;
    const ours = new Sequential([new Embedding({ inputDim: 50, outputDim: 8 }), new Dense({ units: 4, activation: 'sigmoid' })]);
    ours.compile({ optimizer: new SGD(), loss: 'meanSquaredError' });
    const ids = ints(N * 6, 0, 50, 2);
    ours.build([6]);
    const theirs = tfl.sequential({ layers: [tfl.layers.embedding({ inputDim: 50, outputDim: 8, inputLength: 6 }), tfl.layers.dense({ units: 4, activation: 'sigmoid' })] });
    copyWeightsTo(T, ours, theirs);
    const pOurs = ours.predict({ data: ids, shape: [N, 6] }).data;
    const pTheirs = (theirs.predict(tf.tensor(ids, [N, 6], 'int32')) as any).dataSync();
    expect(maxRelErr(pOurs, pTheirs)).toBeLessThan(1e-5);
  });

  it.each([['adam'], ['sgd'], ['rmsprop'], ['adagrad'], ['momentum']] as const)('five %s steps give the same losses within 1e-4', async (opt) => {
    const { tf, tfl } = T;
    const ours = new Sequential([new Dense({ units: 12, activation: 'tanh' }), new Dense({ units: 3, activation: 'softmax' })]);
    const mine = { adam: () => new Adam({ learningRate: 0.01 }), sgd: () => new SGD({ learningRate: 0.1 }), rmsprop: () => new RMSprop({ learningRate: 0.01 }),
      adagrad: () => new Adagrad({ learningRate: 0.1 }), momentum: () => new SGD({ learningRate: 0.1, momentum: 0.9 }) }[opt];
    ours.compile({ optimizer: mine(), loss: 'sparseCategoricalCrossentropy' });
    const x = uniform(N * 5, -1, 1, 6);
    ours.build([5]);
    const theirs = tfl.sequential({ layers: [tfl.layers.dense({ units: 12, activation: 'tanh', inputShape: [5] }), tfl.layers.dense({ units: 3, activation: 'softmax' })] });
    copyWeightsTo(T, ours, theirs);
    const theirOpt = { adam: () => tf.train.adam(0.01), sgd: () => tf.train.sgd(0.1), rmsprop: () => tf.train.rmsprop(0.01, 0.9),
      adagrad: () => tf.train.adagrad(0.1), momentum: () => tf.train.momentum(0.1, 0.9) }[opt];
    theirs.compile({ optimizer: theirOpt(), loss: 'sparseCategoricalCrossentropy' });
    const h1 = await ours.fit({ data: x, shape: [N, 5] }, labels, { epochs: 5, batchSize: N, shuffle: false });
    const h2 = await theirs.fit(tf.tensor(x, [N, 5]), tf.tensor(labels, [N], 'float32'), { epochs: 5, batchSize: N, shuffle: false, verbose: 0 });
    const l1 = h1.history.loss, l2 = h2.history.loss as number[];
    for (let i = 0; i < 5; i++) expect(Math.abs(l1[i] - l2[i]), `step ${i}: ${l1[i]} vs ${l2[i]}`).toBeLessThan(1e-4);
  });

  it.each([
    ['valid', 1, 'max'], ['same', 1, 'avg'], ['valid', 2, 'avg'], ['same', 2, 'max'],
  ] as const)('Embedding -> Conv1D (padding %s, strides %i) -> global %s pooling -> Dense: outputs and gradients', (padding, strides, pool) => {
    const { tf, tfl } = T;
    const L = 9;
    const ids = ints(N * L, 0, 40, 12);
    const ours = new Sequential([
      new Embedding({ inputDim: 40, outputDim: 6 }),
      new Conv1D({ filters: 5, kernelSize: 3, padding, strides, activation: 'relu' }),
      pool === 'max' ? new GlobalMaxPooling1D() : new GlobalAveragePooling1D(),
      new Dense({ units: 3, activation: 'softmax' }),
    ]);
    ours.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    ours.build([L]);
    const theirs = tfl.sequential({ layers: [
      tfl.layers.embedding({ inputDim: 40, outputDim: 6, inputLength: L }),
      tfl.layers.conv1d({ filters: 5, kernelSize: 3, padding, strides, activation: 'relu' }),
      pool === 'max' ? tfl.layers.globalMaxPooling1d({}) : tfl.layers.globalAveragePooling1d({}),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    copyWeightsTo(T, ours, theirs);
    const x = tf.tensor(ids, [N, L], 'int32');
    expect(maxRelErr(ours.predict({ data: ids, shape: [N, L] }).data, (theirs.predict(x) as any).dataSync())).toBeLessThan(1e-5);
    const g = tfGrads(theirs, x, labels);
    const mine = ours.lossAndGradients({ data: ids, shape: [N, L] }, labels);
    ours.getWeights().forEach((w, i) => expect(normRelErr(mine.grads.get(w.name)!, g.grads[i]), w.name).toBeLessThan(1e-5));
  });
});
