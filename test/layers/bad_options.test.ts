// Bad option values of the layer constructors: each is refused when the layer is made, by the
// rule the model-file loader applies to the same option (src/io/checks.ts), so no model the
// constructors accept fails to load again; a non-boolean is never read as its truthiness.
// Also: initializer options and functions, the feature dimension at build, and what the build
// errors say about the input the user passed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  init, shutdown, Sequential, Dense, Embedding, EmbeddingBag, LSTM, GRU, Bidirectional, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D,
  Dropout, LayerNormalization,
} from '../../src/index.js';
import { decodeWnn, encodeWnn } from '../../src/io/wnn.js';
import { ints, rng, uniform } from '../helpers/data.js';

beforeAll(async () => { await init({ threads: 1 }); });
afterAll(async () => { await shutdown(); });

const bad = (o: unknown) => o as never;

describe('layer constructors refuse what a model file refuses', () => {
  const long = 'x'.repeat(300);
  it.each<[string, () => unknown, RegExp]>([
    ['Embedding maskZero "yes"', () => new Embedding(bad({ inputDim: 5, outputDim: 2, maskZero: 'yes' })), /^wasmnn: Embedding: maskZero must be true or false, got "yes" \(a string\)$/],
    ['Dense useBias 1', () => new Dense(bad({ units: 2, useBias: 1 })), /^wasmnn: Dense: useBias must be true or false, got 1$/],
    ['Dropout seed "x"', () => new Dropout(bad({ rate: 0.5, seed: 'x' })), /^wasmnn: Dropout: seed must be a whole number, got "x" \(a string\)$/],
    ['Dropout seed 1.5', () => new Dropout({ rate: 0.5, seed: 1.5 }), /^wasmnn: Dropout: seed must be a whole number, got 1.5$/],
    ['a name of 300 characters', () => new Dense({ units: 2, name: long }), /^wasmnn: Dense: name must be a string of 1 \.\. 256 characters, got "x{40}…" \(a string\)$/],
    ['a name that is a number', () => new LSTM(bad({ units: 2, name: 5 })), /^wasmnn: LSTM: name must be a string of 1 \.\. 256 characters, got 5$/],
    ['an empty name', () => new GlobalMaxPooling1D({ name: '' }), /^wasmnn: GlobalMaxPooling1D: name must be a string of 1 \.\. 256 characters, got "" \(a string\)$/],
    ['LayerNormalization epsilon 2', () => new LayerNormalization({ epsilon: 2 }), /^wasmnn: LayerNormalization: epsilon must be a number in \(0, 1\], got 2$/],
    ['LayerNormalization epsilon 1e300 (outputs all beta)', () => new LayerNormalization({ epsilon: 1e300 }), /^wasmnn: LayerNormalization: epsilon must be a number in \(0, 1\], got 1e\+300$/],
    ['LayerNormalization epsilon Infinity', () => new LayerNormalization({ epsilon: Infinity }), /^wasmnn: LayerNormalization: epsilon must be a number in \(0, 1\], got Infinity$/],
    ['LayerNormalization epsilon "abc"', () => new LayerNormalization(bad({ epsilon: 'abc' })), /^wasmnn: LayerNormalization: epsilon must be a number in \(0, 1\], got "abc" \(a string\)$/],
    ['LayerNormalization center 0', () => new LayerNormalization(bad({ center: 0 })), /^wasmnn: LayerNormalization: center must be true or false, got 0$/],
    ['LayerNormalization scale "no"', () => new LayerNormalization(bad({ scale: 'no' })), /^wasmnn: LayerNormalization: scale must be true or false, got "no" \(a string\)$/],
    ['LSTM returnSequences "false"', () => new LSTM(bad({ units: 3, returnSequences: 'false' })), /^wasmnn: LSTM: returnSequences must be true or false, got "false" \(a string\)$/],
    ['GRU goBackwards 1', () => new GRU(bad({ units: 3, goBackwards: 1 })), /^wasmnn: GRU: goBackwards must be true or false, got 1$/],
    ['LSTM unitForgetBias "yes"', () => new LSTM(bad({ units: 3, unitForgetBias: 'yes' })), /^wasmnn: LSTM: unitForgetBias must be true or false, got "yes" \(a string\)$/],
    ['LSTM useBias 0', () => new LSTM(bad({ units: 3, useBias: 0 })), /^wasmnn: LSTM: useBias must be true or false, got 0$/],
    ['trainable "yes"', () => new Dense(bad({ units: 2, trainable: 'yes' })), /^wasmnn: Dense: trainable must be true or false, got "yes" \(a string\)$/],
    ['Bidirectional trainable 0', () => new Bidirectional(bad({ layer: new LSTM({ units: 2 }), trainable: 0 })), /^wasmnn: Bidirectional: trainable must be true or false, got 0$/],
    ['GRU resetAfter "false" (a string, not the boolean)', () => new GRU(bad({ units: 3, resetAfter: 'false' })), /^wasmnn: GRU: resetAfter must be true or false, got "false" \(a string\)$/],
    ['Dense units "4"', () => new Dense(bad({ units: '4' })), /^wasmnn: Dense: units must be a whole number >= 1, got "4" \(a string\)$/],
    ['Conv1D kernelSize [3]', () => new Conv1D(bad({ filters: 2, kernelSize: [3] })), /^wasmnn: Conv1D: kernelSize must be a whole number >= 1, got \[3\] \(an array\)$/],
    ['Dense units 2^31 (beyond what a file takes)', () => new Dense({ units: 2 ** 31 }), /^wasmnn: Dense: units must be a whole number >= 1 \(at most 1073741824\), got 2147483648$/],
    ['inputShape [0]', () => new Dense({ units: 2, inputShape: [0] }), /^wasmnn: Dense: inputShape must be an array of 1 \.\. 4 dimensions.*got \[0\] \(an array\)$/],
    ['inputShape "3"', () => new Dense(bad({ units: 2, inputShape: '3' })), /^wasmnn: Dense: inputShape must be an array of 1 \.\. 4 dimensions.*got "3" \(a string\)$/],
    ['Embedding sparse "yes"', () => new Embedding(bad({ inputDim: 5, outputDim: 2, sparse: 'yes' })), /^wasmnn: Embedding: sparse must be true or false, got "yes" \(a string\)$/],
    ['LSTM dropout NaN (would read as no dropout)', () => new LSTM({ units: 3, dropout: NaN }), /^wasmnn: LSTM: dropout must be a number in \[0, 1\), got NaN$/],
    ['GRU recurrentDropout "0.2"', () => new GRU(bad({ units: 3, recurrentDropout: '0.2' })), /^wasmnn: GRU: recurrentDropout must be a number in \[0, 1\), got "0\.2" \(a string\)$/],
    ['Conv1D padding 5', () => new Conv1D(bad({ filters: 2, kernelSize: 3, padding: 5 })), /^wasmnn: Conv1D: padding must be 'valid', 'same', 'causal', got 5$/],
  ])('%s', (_, make, message) => {
    expect(make).toThrow(message);
  });

  it('refuses with a TypeError when the type is wrong and a RangeError when the value is', () => {
    expect(() => new LSTM(bad({ units: 3, returnSequences: 'false' }))).toThrow(TypeError);
    expect(() => new Dropout({ rate: 0.5, seed: 1.5 })).toThrow(RangeError);
    expect(() => new LayerNormalization({ epsilon: 2 })).toThrow(RangeError);
    // by the kind of value each option takes, whatever its message says
    expect(() => new Dense(bad({ units: 2, activation: 5 }))).toThrow(TypeError);
    expect(() => new Dense(bad({ units: 2, activation: 'hard_swish' }))).toThrow(RangeError);
    expect(() => new Dense(bad({ units: 2, activation: 'hard_sigmoid' }))).toThrow(RangeError);
    expect(() => new Dense(bad({ units: '2' }))).toThrow(TypeError);
    expect(() => new Dense(bad({ units: 2, name: '' }))).toThrow(RangeError);
    expect(() => new Dense(bad({ units: 2, name: 7 }))).toThrow(TypeError);
    expect(() => new Dense(bad({ units: 2, inputShape: 3 }))).toThrow(TypeError);
    expect(() => new Dense(bad({ units: 2, inputShape: [0] }))).toThrow(RangeError);
    expect(new GRU({ units: 2, resetAfter: true }).resetAfter).toBe(true);   // Keras' default form: supported
    expect(() => new GRU(bad({ units: 2, resetAfter: 1 }))).toThrow(TypeError);
  });

  it('null is "not given", as the defaults treat it, and such a layer saves and loads', () => {
    const m = new Sequential([new Dense(bad({ units: 2, useBias: null, activation: null, name: null })), new Dropout(bad({ rate: 0.1, seed: null }))]);
    m.build([3]);
    const back = decodeWnn(encodeWnn({ model: m })).model;
    expect(back.getWeights().map((w) => w.name)).toEqual(m.getWeights().map((w) => w.name));
    back.dispose(); m.dispose();
  });
});

describe('every model the constructors accept saves and loads again', () => {
  // values drawn for every option, good and bad: whatever a constructor accepts must survive the
  // file's whitelist, dry build and rebuild, with the same predictions
  const values = [undefined, null, true, false, 0, 1, 2, 3, -1, 1.5, 0.5, 1e-3, 1e300, NaN, Infinity, '', 'x', 'false', 'same', 'concat', 'sum', 'relu', 'sigmoid', [3], [null, 4], 'n'.repeat(300), {}];
  const pick = <T>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const maybe = (r: () => number, ks: string[]) => Object.fromEntries(ks.filter(() => r() < 0.12).map((k) => [k, pick(r, values)]));
  const COMMON = ['name', 'trainable'];

  /** A random stack (Embedding first: ids in) and the input it takes, or what a constructor threw. */
  function randomModel(r: () => number): { layers: unknown[]; x: { data: Int32Array | Float32Array; shape: number[] } } {
    const kind = Math.floor(r() * 4);
    const layers: unknown[] = [];
    const tryMake = (f: () => unknown) => { try { layers.push(f()); } catch (e) { layers.push(e); } };
    if (kind === 3) {
      tryMake(() => new Dense(bad({ units: 3, ...maybe(r, [...COMMON, 'useBias', 'activation', 'units']) })));
      tryMake(() => new Dropout(bad({ rate: 0.25, ...maybe(r, [...COMMON, 'seed', 'rate']) })));
      tryMake(() => new LayerNormalization(bad(maybe(r, [...COMMON, 'epsilon', 'center', 'scale']))));
      tryMake(() => new Dense(bad({ units: 2, activation: 'softmax', ...maybe(r, [...COMMON, 'useBias']) })));
      return { layers, x: { data: uniform(2 * 4, -1, 1, 3), shape: [2, 4] } };
    }
    if (kind === 2) {
      tryMake(() => new EmbeddingBag(bad({ inputDim: 12, outputDim: 3, ...maybe(r, [...COMMON, 'mode', 'sparse']) })));
      tryMake(() => new Dense(bad({ units: 2, ...maybe(r, [...COMMON, 'useBias', 'activation']) })));
      return { layers, x: { data: ints(2 * 5, 0, 12, 4), shape: [2, 5] } };
    }
    tryMake(() => new Embedding(bad({ inputDim: 12, outputDim: 4, ...maybe(r, [...COMMON, 'maskZero', 'sparse']) })));
    if (kind === 0) {
      const rnn = () => {
        const o = bad({ units: 3, returnSequences: true, ...maybe(r, [...COMMON, 'useBias', 'goBackwards', 'recurrentActivation', 'returnSequences']) });
        return r() < 0.5 ? new LSTM({ ...(o as object), ...maybe(r, ['unitForgetBias']) } as never) : new GRU({ ...(o as object), ...maybe(r, ['resetAfter']) } as never);
      };
      tryMake(() => (r() < 0.5 ? rnn() : new Bidirectional(bad({ layer: rnn(), ...maybe(r, [...COMMON, 'mergeMode']) }))));
    } else {
      tryMake(() => new Conv1D(bad({ filters: 3, kernelSize: 2, ...maybe(r, [...COMMON, 'strides', 'padding', 'dilationRate', 'activation', 'useBias']) })));
    }
    tryMake(() => (r() < 0.5 ? new GlobalAveragePooling1D(bad(maybe(r, COMMON))) : new GlobalMaxPooling1D(bad(maybe(r, COMMON)))));
    tryMake(() => new Dense(bad({ units: 2, activation: 'softmax' })));
    return { layers, x: { data: ints(2 * 6, 1, 12, 5), shape: [2, 6] } };
  }

  it('300 random configurations', () => {
    const r = rng(2024);
    let saved = 0, refused = 0;
    for (let i = 0; i < 300; i++) {
      const { layers, x } = randomModel(r);
      const thrown = layers.find((l) => l instanceof Error) as Error | undefined;
      if (thrown) {
        expect(thrown.message, `model ${i}`).toMatch(/^wasmnn: /);
        refused++;
        continue;
      }
      let m: Sequential;
      try {
        m = new Sequential(layers as never);
        m.predict(x);
      } catch (e) {
        // a model the layers cannot form (two layers of one name, a stack whose shapes do not chain) is refused with a wasmnn error
        expect((e as Error).message, `model ${i}`).toMatch(/^wasmnn: /);
        refused++;
        continue;
      }
      const bytes = encodeWnn({ model: m });
      const back = decodeWnn(bytes).model;
      const a = m.predict(x).data, b = back.predict(x).data;
      expect(Array.from(b), `model ${i}: ${JSON.stringify(m.getConfig()).slice(0, 300)}`).toEqual(Array.from(a));
      back.dispose(); m.dispose();
      saved++;
    }
    expect(saved).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});

describe('initializers', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['uniform minval NaN', () => new Dense({ units: 3, kernelInitializer: { name: 'uniform', minval: NaN } }), /^wasmnn: Dense: kernelInitializer 'uniform': minval must be a finite number, got NaN$/],
    ['randomNormal stddev "a"', () => new Dense({ units: 3, kernelInitializer: { name: 'randomNormal', stddev: 'a' } }), /^wasmnn: Dense: kernelInitializer 'randomNormal': stddev must be a finite number >= 0, got "a" \(a string\)$/],
    ['randomNormal stddev -1', () => new LSTM({ units: 3, recurrentInitializer: { name: 'randomNormal', stddev: -1 } }), /^wasmnn: LSTM: recurrentInitializer 'randomNormal': stddev must be a finite number >= 0, got -1$/],
    ['a seed that is no whole number', () => new Dense({ units: 3, kernelInitializer: { name: 'glorotUniform', seed: 'x' } }), /^wasmnn: Dense: kernelInitializer 'glorotUniform': seed must be a whole number \(it is not used: the weights are drawn from the model's seed\), got "x"$/],
    ['randomNormal mean Infinity', () => new Embedding({ inputDim: 3, outputDim: 2, embeddingsInitializer: { name: 'randomNormal', mean: Infinity } }), /mean must be a finite number, got Infinity$/],
    ['uniform maxval below minval', () => new Dense({ units: 3, biasInitializer: { name: 'uniform', minval: 1, maxval: -1 } }), /^wasmnn: Dense: biasInitializer 'uniform': maxval must be at least minval, got minval 1 and maxval -1$/],
    ['uniform minval 1e39 (not a float32)', () => new Dense({ units: 3, kernelInitializer: { name: 'uniform', minval: 1e39, maxval: 2e39 } }), /minval must be a finite number, got 1e\+39$/],
    ['orthogonal gain "2"', () => new GRU({ units: 3, recurrentInitializer: { name: 'orthogonal', gain: '2' } }), /^wasmnn: GRU: recurrentInitializer 'orthogonal': gain must be a finite number, got "2" \(a string\)$/],
    ['an unknown option', () => new Dense({ units: 3, kernelInitializer: { name: 'uniform', min_val: 0 } }), /^wasmnn: Dense: kernelInitializer 'uniform': unknown option 'min_val'; did you mean 'minval'\?/],
    ['an unknown name', () => new Dense(bad({ units: 3, kernelInitializer: 'glorot' })), /^wasmnn: Dense: kernelInitializer 'glorot' is not an initializer; use one of zeros, /],
    ['an object without a known name', () => new Conv1D(bad({ filters: 2, kernelSize: 2, kernelInitializer: { minval: 0 } })), /^wasmnn: Conv1D: kernelInitializer: the object's name undefined is not an initializer/],
    ['a number', () => new Dense(bad({ units: 3, kernelInitializer: 5 })), /^wasmnn: Dense: kernelInitializer must be one of zeros, .* or a function \(shape, rng\) => Float32Array, got 5$/],
  ])('%s is refused when the layer is made', (_, make, message) => {
    expect(make).toThrow(message);
  });

  it('good options still draw as before', () => {
    // what Keras allows: a constant from stddev 0 or minval = maxval, and a per-initializer seed (taken, not used)
    const konst = new Sequential([new Dense({ units: 2, kernelInitializer: { name: 'randomNormal', mean: 0.5, stddev: 0 }, biasInitializer: { name: 'uniform', minval: 0.25, maxval: 0.25, seed: 3 } })]);
    konst.build([2]);
    expect(Array.from(konst.getWeights().find((w) => w.name.endsWith('kernel'))!.values)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(konst.getWeights().find((w) => w.name.endsWith('bias'))!.values)).toEqual([0.25, 0.25]);
    konst.dispose();
    const m = new Sequential([new Dense({ units: 3, kernelInitializer: { name: 'uniform', minval: 2, maxval: 3 }, biasInitializer: { name: 'randomNormal', mean: 5, stddev: 1e-3 } })]);
    m.build([4]);
    const [k, b] = m.getWeights();
    expect(k.values.every((v) => v >= 2 && v <= 3)).toBe(true);
    expect(b.values.every((v) => Math.abs(v - 5) < 0.01)).toBe(true);
    m.dispose();
  });

  it.each<[string, () => unknown, RegExp]>([
    ['null', () => null, /^wasmnn: weight dense\/kernel: its initializer function returned null; an initializer function \(shape, rng\) must return a Float32Array of 12 values \(shape \(4, 3\)\)$/],
    ['too few values', () => new Float32Array(5), /^wasmnn: weight dense\/kernel: its initializer function returned 5 values; .*12 values/],
    ['a string in an array', () => [...new Array(11).fill(0), 'a'], /^wasmnn: weight dense\/kernel: its initializer function returned "a" at index 11/],
    ['a NaN', () => new Float32Array(12).fill(NaN), /^wasmnn: weight dense\/kernel: its initializer function gave NaN at index 0; weights must be finite/],
  ])('an initializer function that returns %s fails the build, naming the weight', (_, result, message) => {
    const m = new Sequential([new Dense({ units: 3, kernelInitializer: () => result() as never })]);
    expect(() => m.build([4])).toThrow(message);
    expect(m.built).toBe(false);
  });

  it('an initializer function may return an array of numbers', () => {
    const m = new Sequential([new Dense({ units: 2, kernelInitializer: () => [1, 2, 3, 4] as never })]);
    m.build([2]);
    expect(Array.from(m.getWeights()[0].values)).toEqual([1, 2, 3, 4]);
    m.dispose();
  });
});

describe('build errors name the input the user passed', () => {
  it('a feature dimension of 0 is refused at build, not at the first matrix product', () => {
    expect(() => new Dense({ units: 4, name: 'd' }).build([0])).toThrow(/^wasmnn: Dense d: the last input dimension must be >= 1, got 0 \(samples of shape \(None, 0\)\); each sample needs at least one feature$/);
    expect(() => new Dense({ units: 4, name: 'd' }).build([3, 0])).toThrow(/^wasmnn: Dense d: the last input dimension must be >= 1, got 0 \(samples of shape \(None, 3, 0\)\)/);
    const m = new Sequential([new Dense({ units: 4 })]);
    expect(() => m.build([0])).toThrow(/the last input dimension must be >= 1, got 0/);
    expect(() => m.predict({ data: new Float32Array(0), shape: [2, 0] })).toThrow(/the last input dimension must be >= 1, got 0/);
    expect(() => new LayerNormalization({ name: 'ln' }).build([3, 0])).toThrow(/^wasmnn: LayerNormalization ln: the last input dimension must be >= 1, got 0/);
    expect(() => new LSTM({ units: 2, name: 'r' }).build([5, 0])).toThrow(/^wasmnn: LSTM r: the last input dimension must be >= 1, got 0/);
    expect(() => new Conv1D({ filters: 2, kernelSize: 1, name: 'c' }).build([5, 0])).toThrow(/^wasmnn: Conv1D c: the last input dimension must be >= 1, got 0/);
    expect(() => new Dense({ units: 2, name: 'd' }).build([null])).toThrow(/^wasmnn: Dense d: the last input dimension must be known, got samples of shape \(None, None\)/);
  });

  it('a flat Float64Array into a Dense model says the input is 1-D and what to pass', () => {
    const m = new Sequential([new Dense({ units: 2 })]);
    expect(() => m.predict(new Float64Array([1, 2, 3, 4]) as never)).toThrow(/^wasmnn: Dense dense: the input is 1-D .*pass a 2-D input of \(samples, features\)/);
  });

  it('3-D ids into Embedding -> LSTM say where the shape comes from and what to pass', () => {
    const m = new Sequential([new Embedding({ inputDim: 10, outputDim: 4 }), new LSTM({ units: 3 })]);
    expect(() => m.predict({ data: new Int32Array(4), shape: [1, 1, 4] })).toThrow(
      /^wasmnn: LSTM lstm: takes sequences \(batch, steps, features\), but its input is \(None, 1, None, 4\): samples of rank 3 where it takes \(steps, features\); an Embedding adds the feature axis .*takes ids of shape \(samples, steps\)/);
  });
});
