// Bad input to Sequential (build / compile / fit / evaluate / predict), the losses, the callbacks,
// the schedules and the optimizers: each is refused with a wasmnn error that names the problem
// and the fix, never a raw TypeError, a hang or a silently wrong answer (QA fuzz pass 9).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  init, shutdown, runtime, Sequential, Dense, Embedding, LSTM, Adam, SGD, RMSprop, Adagrad, EarlyStopping, CallbackFunctions,
  exponentialDecay, cosineDecay, piecewiseConstant,
} from '../../src/index.js';
import { Graph } from '../../src/autograd.js';
import { lossAndBackward } from '../../src/losses.js';
import { checkCallbacks } from '../../src/training/callbacks.js';

beforeAll(async () => { await init({ threads: 2 }); });
afterAll(async () => { await shutdown(); });

const X = [[1, 2], [3, 4], [5, 6], [7, 8]], Y = [0, 1, 2, 1];

/** The report's default model: Dense(3, softmax), sparse categorical cross-entropy. */
function softmax3(): Sequential {
  const m = new Sequential([new Dense({ units: 3, activation: 'softmax' })]);
  m.compile({ loss: 'sparseCategoricalCrossentropy' });
  return m;
}

describe('#3 a layer belongs to one model', () => {
  it('a layer of model A is refused by model B, and A keeps its weights, predictions and summary', async () => {
    const l = new Dense({ units: 2 });
    const a = new Sequential([l]);
    a.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'mse' });
    await a.fit(X, [[1, 0], [0, 1], [1, 1], [0, 0]], { epochs: 2 });
    const before = a.predict([[1, 2]]).data.slice();
    const summary = a.summary(false);
    const msg = /^wasmnn: layer 'dense' already belongs to another model; a layer's weights live in one model: create a new layer \(or copy its config\)$/;
    expect(() => new Sequential([l])).toThrow(msg);
    const b = new Sequential([new Dense({ units: 2, name: 'first' })]);
    expect(() => b.add(l)).toThrow(msg);
    // a layer pushed past add() is refused at build, before the rollback could reset it
    const c = new Sequential([]);
    c.layers.push(l);
    expect(() => c.predict([[1, 2]])).toThrow(msg);
    expect(a.predict([[1, 2]]).data).toEqual(before);
    expect(a.summary(false)).toBe(summary);
    expect(a.getWeights().map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias']);
    expect(b.predict([[1, 2]]).shape).toEqual([1, 2]);   // B is unharmed too
    a.dispose(); b.dispose();
  });

  it('the same layer twice in one model is refused, naming both positions', () => {
    const d = new Dense({ units: 2 });
    expect(() => new Sequential([d, d])).toThrow(/^wasmnn: a Dense layer is already in this model \(layer 1\); a layer's weights live in one place: create a new layer \(or copy its config\) for each position$/);
    const m = new Sequential([new Dense({ units: 2, name: 'x' })]);
    expect(() => m.add(m.layers[0])).toThrow(/^wasmnn: layer 'x' is already in this model \(layer 1\)/);
    m.layers.push(m.layers[0]);
    expect(() => m.build([2])).toThrow(/^wasmnn: layer 'x' is in this model twice \(layers 1 and 2\)/);
  });

  it('a constructor that fails frees the layers it took; a layer built on its own is refused', () => {
    const e = new Dense({ units: 2 });
    expect(() => new Sequential([e, 5 as any])).toThrow(/^wasmnn: Sequential\.add takes a layer, got 5$/);
    const m = new Sequential([e]);   // e was not kept by the model that failed
    expect(m.predict([[1, 2]]).shape).toEqual([1, 2]);
    const hand = new Dense({ units: 2 });
    hand.build([2]);
    expect(() => new Sequential([hand])).toThrow(/^wasmnn: a Dense layer was already built on its own \(layer\.build\); a model builds its layers itself: add a new, unbuilt layer$/);
    m.dispose();
  });
});

describe('#4 non-sparse targets have the output\'s shape', () => {
  it.each(['mse', 'binaryCrossentropy', 'categoricalCrossentropy'] as const)('%s: (4, 3, 2) targets for a (4, 2) output are refused, naming both shapes', async (loss) => {
    const m = new Sequential([new Dense({ units: 2, activation: loss === 'mse' ? 'linear' : loss === 'binaryCrossentropy' ? 'sigmoid' : 'softmax' })]);
    m.compile({ loss });
    const name = loss === 'mse' ? 'meanSquaredError' : loss;
    const bad = { data: new Float32Array(24), shape: [4, 3, 2] };
    const want = new RegExp(`^wasmnn: y: targets have shape \\(4, 3, 2\\) but the model's outputs have shape \\(4, 2\\); for ${name} they must have the same shape \\(one target value per output value\\)$`);
    await expect(m.fit(X, bad)).rejects.toThrow(want);
    expect(() => m.evaluate(X, bad)).toThrow(want);
    await expect(m.fit(X, { data: new Float32Array(8), shape: [4, 2] }, { validationData: [X, bad] })).rejects.toThrow(/^wasmnn: validationData y: targets have shape \(4, 3, 2\)/);
    // the right shape still trains
    const h = await m.fit(X, { data: new Float32Array([1, 0, 0, 1, 1, 0, 0, 1]), shape: [4, 2] }, { epochs: 2 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    m.dispose();
  });

  it('a per-time-step output: the time axis comes from the inputs, and (n, C) targets for (n, T, C) outputs are refused', async () => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 4 }), new LSTM({ units: 3, returnSequences: true }), new Dense({ units: 2 })]);
    m.compile({ loss: 'mse' });
    const x = [[1, 2, 3], [4, 5, 6]];
    await expect(m.fit(x, [[0, 1], [1, 0]])).rejects.toThrow(/^wasmnn: y: targets have shape \(2, 2\) but the model's outputs have shape \(2, 3, 2\); for meanSquaredError/);
    await expect(m.fit(x, { data: new Float32Array(8), shape: [2, 2, 2] })).rejects.toThrow(/targets have shape \(2, 2, 2\) but the model's outputs have shape \(2, 3, 2\)/);
    const h = await m.fit(x, { data: new Float32Array(12), shape: [2, 3, 2] }, { epochs: 1 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
    m.dispose();
  });

  it('sparse targets keep their rules; the loss itself refuses targets it would read misaligned', () => {
    const m = softmax3();
    expect(m.evaluate(X, [[0], [1], [2], [1]]).loss).toBeGreaterThan(0);   // (n, 1) labels still read as (n)
    m.dispose();
    const rt = runtime();
    rt.step(() => {
      const g = new Graph(rt, false);
      const y = g.constant(rt.temp([4, 2]).fill(0.5));
      expect(() => lossAndBackward(g, y, rt.temp([4, 3]).fill(0), null, { name: 'meanSquaredError' }, false)).toThrow(
        /^wasmnn: meanSquaredError: the targets have shape \(4, 3\) but the model's output has shape \(4, 2\); they must have the same shape$/);
      expect(() => lossAndBackward(g, y, rt.temp([2], 'i32').fill(0), null, { name: 'sparseCategoricalCrossentropy' }, false)).toThrow(
        /^wasmnn: sparseCategoricalCrossentropy: the targets have shape \(2\) but the model's output has shape \(4, 2\); sparse targets hold one class index per output row, shape \(4\)$/);
    });
  });
});

describe('#5 the loss and the optimizer given to compile', () => {
  it('a loss object takes only name and fromLogits, a boolean', () => {
    const m = new Sequential([new Dense({ units: 1 })]);
    expect(() => m.compile({ loss: { name: 'binaryCrossentropy', from_logits: true } as any })).toThrow(
      /^wasmnn: loss: unknown option 'from_logits'; did you mean 'fromLogits'\? \(options: name, fromLogits\)$/);
    expect(() => m.compile({ loss: { name: 'mse', fromLogits: 'yes' } as any })).toThrow(/^wasmnn: loss: fromLogits must be true or false, got "yes"$/);
    expect(() => m.compile({ loss: { name: 'hinge' } as any })).toThrow(/^wasmnn: unknown loss 'hinge'; expected one of /);
    m.compile({ loss: { name: 'binaryCrossentropy', fromLogits: true } });
    expect(m.loss).toEqual({ name: 'binaryCrossentropy', fromLogits: true });
    m.compile({ loss: 'mse' });
    expect(m.loss).toEqual({ name: 'meanSquaredError', fromLogits: false });
  });

  it('compile without a usable loss says what is missing', () => {
    const m = new Sequential([new Dense({ units: 1 })]);
    const missing = /^wasmnn: compile needs a loss: pass loss: one of sparseCategoricalCrossentropy, categoricalCrossentropy, binaryCrossentropy, meanSquaredError \(or mse\), or \{ name, fromLogits \}; got /;
    expect(() => m.compile({ optimizer: 'adam' } as any)).toThrow(missing);
    expect(() => m.compile({ optimizer: 'adam' } as any)).toThrow(/got undefined$/);
    expect(() => m.compile({ loss: 5 } as any)).toThrow(/got 5$/);
    expect(() => m.compile({ loss: null } as any)).toThrow(/got null$/);
    expect(() => m.compile({ loss: {} } as any)).toThrow(/^wasmnn: compile needs a loss: the loss object has no name; give \{ name, fromLogits \} a name, one of /);
  });

  it('an optimizer class instead of an instance gets a short message, not the class source', () => {
    const m = new Sequential([new Dense({ units: 1 })]);
    let msg = '';
    try { m.compile({ optimizer: Adam as any, loss: 'mse' }); } catch (e) { msg = (e as Error).message; }
    expect(msg).toMatch(/^wasmnn: compile: optimizer is the class Adam, not an optimizer; pass an instance, new Adam\(\{ \.\.\. \}\), or a name such as 'adam'$/);
    expect(() => m.compile({ optimizer: {} as any, loss: 'mse' })).toThrow(/^wasmnn: unknown optimizer an object; pass an Optimizer instance or one of sgd, adam, adamw, rmsprop, adagrad$/);
    expect(() => m.compile({ optimizer: 'adamax' as any, loss: 'mse' })).toThrow(/^wasmnn: unknown optimizer 'adamax'; /);
  });
});

describe('#7 fit initialEpoch', () => {
  it('must be a whole number >= 0', async () => {
    const m = softmax3();
    for (const bad of ['1', -1, 0.5, NaN]) {
      await expect(m.fit(X, Y, { epochs: 3, initialEpoch: bad as any }), String(bad)).rejects.toThrow(
        /^wasmnn: fit: initialEpoch must be a whole number >= 0 \(the epoch to resume at; training runs epochs initialEpoch \.\. epochs - 1\), got /);
    }
    expect((await m.fit(X, Y, { epochs: 3, initialEpoch: 1 })).epoch).toEqual([1, 2]);
    m.dispose();
  });

  it('at or past epochs, nothing runs and no shuffle replay does (1e12 returns at once)', async () => {
    const m = softmax3();
    // 1e7 first: a replay of that many epochs' shuffles takes seconds (1e12 would hang)
    let t0 = performance.now();
    expect((await m.fit(X, Y, { epochs: 1, initialEpoch: 1e7 })).epoch).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(1000);
    t0 = performance.now();
    expect((await m.fit(X, Y, { epochs: 1, initialEpoch: 1e12 })).epoch).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect((await m.fit(X, Y, { epochs: 2, initialEpoch: 2 })).epoch).toEqual([]);
    m.dispose();
  });
});

describe('#8 evaluate and predict report non-finite outputs', () => {
  const overflow = () => new Sequential([new Dense({ units: 2, activation: 'softmax', kernelInitializer: 'ones' })]);

  it('predict returns NaN and infinities as they are, as Keras: one overflowing sample costs no other result', () => {
    const m = overflow();
    const out = m.predict([[1, 2], [3, 4], [3e38, 3e38]], { batchSize: 2 });
    const row = out.shape[1];
    expect(Array.from(out.data.slice(0, 2 * row)).every(Number.isFinite)).toBe(true);
    expect(Array.from(out.data.slice(2 * row)).every(Number.isNaN)).toBe(true);
    m.dispose();
  });

  it('evaluate (and fit\'s validation) report a NaN output instead of returning loss NaN', async () => {
    const m = overflow();
    m.compile({ loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy', 'f1'] });
    expect(() => m.evaluate([[1, 2], [3e38, 3e38]], [0, 1], { batchSize: 1 })).toThrow(
      /^wasmnn: evaluate: the model's output for sample 1 is NaN \(the loss is NaN\); the first non-finite values appear in the output of layer 'dense' \(Dense\)\. Check the weights/);
    const mse = new Sequential([new Dense({ units: 2, kernelInitializer: 'ones' })]);
    mse.compile({ loss: 'mse' });
    expect(() => mse.evaluate([[3e38, 3e38]], [[0, 0]])).toThrow(/^wasmnn: evaluate: the model's output for sample 0 is Infinity \(the loss is Infinity\); the first non-finite values appear in the output of layer 'dense'/);
    expect(m.evaluate([[1, 2]], [0]).loss).toBeGreaterThan(0);
    m.dispose(); mse.dispose();
    const v = overflow();
    v.compile({ loss: 'sparseCategoricalCrossentropy' });
    await expect(v.fit(X, [0, 1, 0, 1], { epochs: 1, validationData: [[[1, 2], [3e38, 3e38]], [0, 1]] })).rejects.toThrow(
      /^wasmnn: fit: the validation data at epoch 1: the model's output for sample 1 is NaN/);
    v.dispose();
  });
});

describe('#10 classWeight', () => {
  it('a plain object, an array of weights by class or a Map (the same weights); anything else refused', async () => {
    const m = softmax3();
    for (const bad of [5, 'x', new Set([1])]) {
      await expect(m.fit(X, Y, { classWeight: bad as any }), String(bad)).rejects.toThrow(
        /^wasmnn: fit: classWeight must map class indices to weights: a plain object such as \{ 0: 1, 1: 5 \}, an array of weights by class, or a Map; got /);
    }
    // the three forms train alike (same seed, same weights from the start)
    const lossWith = async (cw: unknown) => {
      const k = softmax3();
      const h = await k.fit(X, Y, { classWeight: cw as any, epochs: 2, seed: 1 });
      k.dispose();
      return h.history.loss;
    };
    const want = await lossWith({ 0: 1, 1: 3, 2: 0.5 });
    expect(await lossWith([1, 3, 0.5])).toEqual(want);
    expect(await lossWith(new Map([[0, 1], [1, 3], [2, 0.5]]))).toEqual(want);
    expect(await lossWith(null)).toEqual(await lossWith(undefined));
    expect(want).not.toEqual(await lossWith(undefined));
    m.dispose();
  });

  it('keys are class indices as written (no spaces, decimals or leading zeros) within the classes; values finite >= 0', async () => {
    const m = softmax3();
    for (const k of [' 1', '1.5', '01', '-1', 'a', '']) {
      await expect(m.fit(X, Y, { classWeight: { [k]: 100 } as any }), k).rejects.toThrow(
        new RegExp(`^wasmnn: fit: classWeight key '${k.replace('.', '\\.')}' is not a class index; keys are the classes' whole numbers 0 \\.\\. 2, written plainly`));
    }
    await expect(m.fit(X, Y, { classWeight: { 3: 1 } })).rejects.toThrow(/^wasmnn: classWeight has class 3, outside the model's classes \(0 \.\. 2\)/);
    await expect(m.fit(X, Y, { classWeight: { 1: NaN } })).rejects.toThrow(/^wasmnn: classWeight for class 1 must be a finite number >= 0, got NaN$/);
    await expect(m.fit(X, Y, { classWeight: { 1: '2' as any } })).rejects.toThrow(/^wasmnn: classWeight for class 1 must be a finite number >= 0, got "2"$/);
    // valid ones still weigh: class 1 weighted up changes the loss
    const plain = (await m.fit(X, Y, { epochs: 1, shuffle: false })).history.loss[0];
    const weighted = (await m.fit(X, Y, { epochs: 1, shuffle: false, classWeight: { 1: 5, 0: 1 } })).history.loss[0];
    expect(weighted).not.toBeCloseTo(plain, 3);
    m.dispose();
  });
});

describe('#11 dispose or compile while fit runs', () => {
  it('dispose from a callback is refused, and the model keeps working', async () => {
    const m = softmax3();
    await expect(m.fit(X, Y, { epochs: 3, batchSize: 2, callbacks: [new CallbackFunctions({ onBatchEnd: (b) => { if (b === 0) m.dispose(); } })] })).rejects.toThrow(
      /^wasmnn: dispose: fit\(\) is still running on model 'sequential'; await it before calling dispose on the same model$/);
    expect(m.predict(X).shape).toEqual([4, 3]);
    m.dispose();
  });

  it('compile between epochs is refused', async () => {
    const m = softmax3();
    await expect(m.fit(X, Y, { epochs: 3, callbacks: [{ onEpochEnd: async () => { await new Promise((r) => setTimeout(r, 0)); m.compile({ optimizer: new SGD(), loss: 'mse' }); } }] })).rejects.toThrow(
      /^wasmnn: compile: fit\(\) is still running on model 'sequential'; await it before calling compile on the same model$/);
    expect(m.loss!.name).toBe('sparseCategoricalCrossentropy');
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });   // after fit: fine
    m.dispose();
  });
});

describe('#12 bad argument types get wasmnn errors naming the argument', () => {
  it('new Sequential(null) and build(null)', () => {
    expect(() => new Sequential(null as any)).toThrow(/^wasmnn: new Sequential\(layers, options\): layers must be an array of layers, such as \[new Dense\(\{ units: 2 \}\)\] \(or \[\] to add them later\), got null$/);
    expect(() => new Sequential({} as any)).toThrow(/layers must be an array of layers, .*got an object$/);
    const m = new Sequential([new Dense({ units: 2 })]);
    expect(() => m.build(null as any)).toThrow(/^wasmnn: build: inputShape must be the shape of one sample without the batch dimension, an array of whole numbers \(null where it varies\) such as \[4\] or \[20\], got null$/);
    expect(() => m.build(['4'] as any)).toThrow(/^wasmnn: build: inputShape must be .*, got \["4"\]$/);
    m.build([2]);
    expect(() => m.build(null as any)).toThrow(/^wasmnn: build: inputShape must be/);   // also once built
    m.dispose();
  });

  it('predict inputs: data null, a shape that is not an array, BigInt arrays', () => {
    const m = new Sequential([new Dense({ units: 2 })]);
    expect(() => m.predict({ data: null, shape: [2, 2] } as any)).toThrow(/^wasmnn: x\.data must be a typed array \(Float32Array, Int32Array, \.\.\.\) or an array of numbers, got null$/);
    expect(() => m.predict({ data: new Float32Array(4), shape: 4 } as any)).toThrow(/^wasmnn: x\.shape must be an array of whole numbers such as \[32, 4\] \(samples first\), got 4$/);
    expect(() => m.predict({ data: new Float32Array(4), shape: null } as any)).toThrow(/^wasmnn: x\.shape must be an array .*got null$/);
    expect(() => m.predict({ data: new Float32Array(4), shape: [2, '2'] } as any)).toThrow(/^wasmnn: x: bad shape \[2, "2"\]; every dimension must be a whole number >= 0$/);
    expect(() => m.predict({ data: new BigInt64Array([1n, 2n]), shape: [1, 2] } as any)).toThrow(
      /^wasmnn: x\.data is a BigInt64Array, which wasmnn does not read; convert it to an Int32Array \(token ids, class labels\) or a Float32Array \(features, targets\)$/);
    expect(() => m.predict(new BigUint64Array([1n, 2n]) as any)).toThrow(/^wasmnn: x is a BigUint64Array, which wasmnn does not read/);
    expect(() => m.predict([[1, 2n]] as any)).toThrow(/^wasmnn: x\[0\]\[1\] is the BigInt 2n, not a number$/);
    expect(() => m.predict({ data: [1, 'a'], shape: [1, 2] } as any)).toThrow(/^wasmnn: x\.data\[1\] is "a", not a number$/);
    expect(() => m.predict({ data: new DataView(new ArrayBuffer(8)), shape: [1, 2] } as any)).toThrow(/^wasmnn: x\.data must be a typed array .*got a DataView$/);
    m.dispose();
  });

  it('fit callbacks: not an array, null or non-object entries, hooks that are not functions', async () => {
    const m = softmax3();
    await expect(m.fit(X, Y, { callbacks: 'onEpochEnd' as any })).rejects.toThrow(
      /^wasmnn: fit: callbacks must be an array of callbacks, such as \[new EarlyStopping\(\{ \.\.\. \}\)\] or \[\{ onEpochEnd: \(epoch, logs\) => \.\.\. \}\], got "onEpochEnd"$/);
    await expect(m.fit(X, Y, { callbacks: [null] as any })).rejects.toThrow(/^wasmnn: fit: callbacks\[0\] is null, not a callback; a callback is an object with hooks such as onEpochEnd/);
    await expect(m.fit(X, Y, { callbacks: [new CallbackFunctions({}), 5] as any })).rejects.toThrow(/^wasmnn: fit: callbacks\[1\] is 5, not a callback/);
    await expect(m.fit(X, Y, { callbacks: [{ onEpochEnd: 5 }] as any })).rejects.toThrow(/^wasmnn: fit: callbacks\[0\]\.onEpochEnd must be a function, got 5$/);
    expect(() => new CallbackFunctions({ onEpochEnd: 5 } as any)).toThrow(/^wasmnn: CallbackFunctions: onEpochEnd must be a function, got 5$/);
    expect(() => new EarlyStopping({ monitor: 5 } as any)).toThrow(/^wasmnn: EarlyStopping: monitor must be the name of a log entry such as 'val_loss', 'loss' or 'val_accuracy', got 5$/);
    // hooks left undefined are fine (trainTextClassifier passes such wrappers)
    expect(checkCallbacks([{ onEpochBegin: undefined, onEpochEnd: () => {} }], 'fit')).toHaveLength(1);
    expect(checkCallbacks(undefined, 'fit')).toEqual([]);
    m.dispose();
  });

  it('setWeights takes an array (checked by the store before any write)', () => {
    const m = new Sequential([new Dense({ units: 2 })]);
    m.build([2]);
    expect(() => m.setWeights({ name: 'x' } as any)).toThrow(/^wasmnn: setWeights takes an array/);
    m.dispose();
  });

  it('fit validationData must be [x, y] or [x, y, sampleWeight]', async () => {
    const m = softmax3();
    await expect(m.fit(X, Y, { validationData: X as any })).rejects.toThrow(/^wasmnn: fit: validationData must be \[x, y\] \(or \[x, y, sampleWeight\]\), an array of the inputs and the targets, got an array of 4$/);
    m.dispose();
  });
});

describe('what Keras and tfjs users pass stays accepted (the review of the checks above)', () => {
  it('null means not given; a hook set to null is no hook; patience Infinity tracks the best epoch without stopping', async () => {
    class Cb { onEpochEnd: null = null; ends = 0; onTrainEnd() { this.ends++; } }
    const cb = new Cb();
    const m = softmax3();
    const es = new EarlyStopping({ monitor: 'loss', baseline: null as any, restoreBestWeights: null as any, patience: Infinity });
    expect(es.baseline).toBeUndefined();
    const h = await m.fit(X, Y, { epochs: 3, callbacks: [cb as any, new CallbackFunctions(null as any), new CallbackFunctions({ onEpochEnd: null as any }), es] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(cb.ends).toBe(1);
    expect(exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: null as any })(10)).toBeCloseTo(0.05, 12);
    expect(cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: null as any })(10)).toBeCloseTo(0, 12);
    m.dispose();
  });

  it('a disposed model gives its layers back, unbuilt: another model takes and builds them', () => {
    const d = new Dense({ units: 2, inputShape: [3] });
    const a = new Sequential([d]);
    a.predict([[1, 2, 3]]);
    a.dispose();
    const b = new Sequential([d]);
    expect(b.predict([[1, 2, 3]]).shape).toEqual([1, 2]);
    expect(() => new Sequential([d])).toThrow(/already belongs to another model/);
    b.dispose();
  });
});

describe('samples of another shape than the model takes', () => {
  it('a first layer\'s declared inputShape, and validationData, are checked before any kernel runs', async () => {
    const m = new Sequential([new Dense({ units: 3, activation: 'softmax', inputShape: [5] })]);
    m.compile({ loss: 'sparseCategoricalCrossentropy' });
    // both used to end in the gemm's "inner dimensions differ: a is (1, 2) but b is (5, 3)"
    expect(() => m.predict([[1, 2]])).toThrow(/^wasmnn: a Dense layer declares inputShape \(None, 5\), but the samples have shape \(None, 2\); pass samples of the declared shape/);
    await expect(m.fit([[1, 2, 3, 4, 5]], [0], { validationData: [[[1, 2]], [0]] }))
      .rejects.toThrow(/^wasmnn: fit: validationData x: model sequential was built for samples of shape \(None, 5\), got \(None, 2\)$/);
    expect(m.predict([[1, 2, 3, 4, 5]]).shape).toEqual([1, 3]);
    // a declared null dimension takes any size
    const r = new Sequential([new Embedding({ inputDim: 10, outputDim: 4, inputShape: [null] }), new LSTM({ units: 2 })]);
    expect(r.predict([[1, 2, 3]]).shape).toEqual([1, 2]);
    m.dispose(); r.dispose();
  });
});

describe('#13 a feature dimension of 0', () => {
  it('is refused at build and predict, naming the dimension', () => {
    const msg = /^wasmnn: build: the last input dimension must be >= 1, got 0 \(samples of shape \(None, 0\)\); every sample needs at least one feature$/;
    expect(() => new Sequential([new Dense({ units: 4 })]).build([0])).toThrow(msg);
    expect(() => new Sequential([new Dense({ units: 4 })]).predict([[]])).toThrow(msg);
    expect(() => new Sequential([new Dense({ units: 4 })]).predict({ data: new Float32Array(0), shape: [2, 0] })).toThrow(msg);
    expect(() => new Sequential([new Dense({ units: 4 })]).predict({ data: new Float32Array(0), shape: [1e9, 0] })).toThrow(msg);
    const m = new Sequential([new Dense({ units: 4 })]);
    expect(() => m.build([0])).toThrow(msg);
    m.build([3]);   // the failed build left nothing behind
    expect(m.predict([[1, 2, 3]]).shape).toEqual([1, 4]);
    m.dispose();
  });
});

describe('#14 option values', () => {
  it('fit: seed, verbose and shuffle', async () => {
    const m = softmax3();
    for (const s of ['abc', NaN, {}, -1, 2 ** 32, 1.5]) {
      await expect(m.fit(X, Y, { seed: s as any }), String(s)).rejects.toThrow(/^wasmnn: fit: seed must be a whole number in \[0, 2\^32\), got /);
    }
    await expect(m.fit(X, Y, { seed: 'abc' as any })).rejects.toThrow(/got "abc"$/);
    await expect(m.fit(X, Y, { verbose: 5 as any })).rejects.toThrow(/^wasmnn: fit: verbose must be 0 \(silent\), 1 or 2 \(one line per epoch\), or 'auto', got 5$/);
    // Keras' values, and null for the defaults
    for (const v of [2, 'auto', true, false, null]) expect((await m.fit(X, Y, { verbose: v as any, seed: null as any, shuffle: null as any, initialEpoch: null as any, callbacks: null as any })).epoch).toEqual([0]);
    await expect(m.fit(X, Y, { shuffle: 'no' as any })).rejects.toThrow(/^wasmnn: fit: shuffle must be true or false, got "no"$/);
    expect((await m.fit(X, Y, { seed: 2 ** 32 - 1, verbose: 0, shuffle: false })).epoch).toEqual([0]);
    expect(() => m.lossAndGradients(X, Y, { seed: -1 })).toThrow(/^wasmnn: lossAndGradients: seed must be a whole number in \[0, 2\^32\), got -1$/);
    m.dispose();
    expect(() => new Sequential([], { seed: 'x' as any })).toThrow(/^wasmnn: Sequential: seed must be a whole number in \[0, 2\^32\), got "x"$/);
    expect(new Sequential([], { seed: 7 }).seed).toBe(7);
    // names: the model file's rule (a name it could not load again is refused here, not at save)
    for (const n of ['', 'x'.repeat(257), 5]) {
      expect(() => new Sequential([], { name: n as any }), String(n).slice(0, 9)).toThrow(/^wasmnn: new Sequential\(layers, options\): name must be a string of 1 \.\. 256 characters, got /);
    }
    expect(new Sequential([], { name: 'x'.repeat(256) }).name).toHaveLength(256);
  });

  it('EarlyStopping: patience, minDelta, baseline, restoreBestWeights', () => {
    for (const p of [NaN, -1, 1.5, '2']) {
      expect(() => new EarlyStopping({ patience: p as any }), String(p)).toThrow(/^wasmnn: EarlyStopping: patience must be a whole number >= 0 or Infinity \(epochs without improvement before stopping\), got /);
    }
    for (const d of [NaN, -Infinity, Infinity, '0.1']) {
      expect(() => new EarlyStopping({ minDelta: d as any }), String(d)).toThrow(/^wasmnn: EarlyStopping: minDelta must be a finite number \(the least change that counts as an improvement\), got /);
    }
    expect(new EarlyStopping({ minDelta: -0.1 }).minDelta).toBe(0.1);   // Keras: abs(min_delta)
    expect(() => new EarlyStopping({ baseline: 'x' as any })).toThrow(/^wasmnn: EarlyStopping: baseline must be a finite number \(the value the monitor must beat\) or left out, got "x"$/);
    expect(() => new EarlyStopping({ baseline: NaN })).toThrow(/baseline must be a finite number/);
    expect(() => new EarlyStopping({ restoreBestWeights: 'yes' as any })).toThrow(/^wasmnn: EarlyStopping: restoreBestWeights must be true or false, got "yes"$/);
    expect(() => new EarlyStopping({ monitor: '' })).toThrow(/monitor must be the name of a log entry/);
    expect(new EarlyStopping({ patience: 0, minDelta: 0, baseline: -1 }).baseline).toBe(-1);
  });

  it('CallbackFunctions refuses a hook name it does not know, listing the known ones', () => {
    expect(() => new CallbackFunctions({ onEpochend: () => {} } as any)).toThrow(
      /^wasmnn: CallbackFunctions: unknown option 'onEpochend'; did you mean 'onEpochEnd'\? \(options: setModel, onTrainBegin, onEpochBegin, onBatchBegin, onBatchEnd, onEpochEnd, onTrainEnd\)$/);
    expect(() => new CallbackFunctions(5 as any)).toThrow(/^wasmnn: CallbackFunctions: options must be an object/);
    expect(typeof new CallbackFunctions({ onTrainEnd: () => {} }).onTrainEnd).toBe('function');
  });

  it('cosineDecay checks alpha, warmupSteps and warmupTarget at construction', () => {
    const base = { initialLearningRate: 0.1, decaySteps: 10 };
    expect(() => cosineDecay({ ...base, alpha: 'x' as any })).toThrow(/^wasmnn: cosineDecay: alpha must be a finite number in \[0, 1\], got "x"$/);
    expect(() => cosineDecay({ ...base, alpha: -1 })).toThrow(/^wasmnn: cosineDecay: alpha must be a finite number in \[0, 1\], got -1$/);
    expect(() => cosineDecay({ ...base, alpha: 1.5 })).toThrow(/alpha must be a finite number in \[0, 1\], got 1.5$/);
    expect(() => cosineDecay({ ...base, warmupSteps: NaN })).toThrow(/^wasmnn: cosineDecay: warmupSteps must be a finite number >= 0, got NaN$/);
    expect(() => cosineDecay({ ...base, warmupSteps: -5 })).toThrow(/warmupSteps must be a finite number >= 0, got -5$/);
    expect(() => cosineDecay({ ...base, warmupTarget: -1 })).toThrow(/^wasmnn: cosineDecay: warmupTarget must be a finite number >= 0, got -1$/);
    expect(() => cosineDecay({ ...base, decaySteps: '10' as any })).toThrow(/^wasmnn: cosineDecay: decaySteps must be a positive number, got "10"$/);
    expect(cosineDecay({ ...base, alpha: 1, warmupSteps: 0, warmupTarget: 0.2 })(0)).toBeCloseTo(0.2, 12);
  });

  it('piecewiseConstant: numeric boundaries that increase strictly, finite values', () => {
    expect(() => piecewiseConstant({ boundaries: [NaN], values: [1, 2] })).toThrow(/^wasmnn: piecewiseConstant: boundaries\[0\] must be a finite number \(a step\), got NaN$/);
    expect(() => piecewiseConstant({ boundaries: ['10', '9'] as any, values: [1, 2, 3] })).toThrow(/^wasmnn: piecewiseConstant: boundaries\[0\] must be a finite number \(a step\), got "10"$/);
    expect(() => piecewiseConstant({ boundaries: [10, 10], values: [1, 2, 3] })).toThrow(/^wasmnn: piecewiseConstant: boundaries must increase strictly, but boundaries\[1\] \(10\) is not above boundaries\[0\] \(10\)$/);
    expect(() => piecewiseConstant({ boundaries: [10], values: [1, NaN] })).toThrow(/^wasmnn: piecewiseConstant: values\[1\] must be a learning rate \(a finite number >= 0\), got NaN$/);
    expect(() => piecewiseConstant({ boundaries: [10], values: [-1, 1] })).toThrow(/values\[0\] must be a learning rate/);
    expect(() => piecewiseConstant({ boundaries: 5 as any, values: [1, 2] })).toThrow(/^wasmnn: piecewiseConstant: boundaries must be an array of steps such as \[100, 200\], got 5$/);
    expect(() => piecewiseConstant({ boundaries: [1], values: [1] })).toThrow(/^wasmnn: piecewiseConstant: values must have one more entry than boundaries .*got 1 values for 1 boundaries$/);
  });

  it('exponentialDecay: staircase must be a boolean', () => {
    expect(() => exponentialDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5, staircase: 'no' as any })).toThrow(
      /^wasmnn: exponentialDecay: staircase must be true or false, got "no"$/);
    const s = exponentialDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expect([s(5), s(10)]).toEqual([1, 0.5]);
  });

  it('an epsilon that rounds to 0 in float32 is refused at construction, as the update kernels would', () => {
    expect(() => new Adagrad({ epsilon: 1e-300 })).toThrow(/^wasmnn: Adagrad: epsilon must be a finite number > 0 that float32 can hold \(at least about 1\.4e-45\), got 1e-300$/);
    expect(() => new Adam({ epsilon: 1e-300 })).toThrow(/^wasmnn: Adam: epsilon must be a finite number > 0 that float32 can hold/);
    expect(() => new RMSprop({ epsilon: 1e-50 })).toThrow(/^wasmnn: RMSprop: epsilon must be a finite number > 0 that float32 can hold/);
    expect(() => new Adagrad({ epsilon: Infinity })).toThrow(/^wasmnn: Adagrad: epsilon must be a finite number > 0, got Infinity$/);   // unchanged
    expect(new Adagrad({ epsilon: 1e-40 }).epsilon).toBe(1e-40);   // a float32 subnormal: the kernel takes it
  });

  it('an Adagrad with the smallest epsilon accepted here trains (the kernel agrees)', async () => {
    const m = new Sequential([new Dense({ units: 3, activation: 'softmax' })]);
    m.compile({ optimizer: new Adagrad({ initialAccumulatorValue: 0.1, epsilon: 1e-45 }), loss: 'sparseCategoricalCrossentropy' });
    const h = await m.fit(X, Y, { epochs: 2 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    m.dispose();
  });
});

describe('nested-array inputs name the entry that is wrong', () => {
  it('a ragged or non-number entry by its full index, and a rectangular one as the same values', async () => {
    const { toArray } = await import('../../src/training/data.js');
    expect(() => toArray([[1, 2], [3]], 'x', 'f32')).toThrow(/x\[1\] has 1 entries but x\[0\] has 2: nested arrays must be rectangular/);
    expect(() => toArray([[[1], [2]], [[3], [4, 5]]], 'x', 'f32')).toThrow(/x\[1\]\[1\] has 2 entries but x\[1\]\[0\] has 1/);
    expect(() => toArray([[[1], [2]], [3, [4]]], 'x', 'f32')).toThrow(/x\[1\]\[0\] has no entries but x\[1\]\[0\] has 1/);
    expect(() => toArray([[1, 2], [3, 'a']], 'x', 'f32')).toThrow(/x\[1\]\[1\] is "a", not a number/);
    expect(() => toArray([[1, 2], [3, 4n]], 'x', 'f32')).toThrow(/x\[1\]\[1\] is the BigInt 4n, not a number/);
    const t = toArray([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], 'x', 'f32');
    expect(t.shape).toEqual([2, 2, 2]);
    expect(Array.from(t.data as ArrayLike<number>)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
