// LSTM / GRU dropout and recurrentDropout (Keras 3 semantics, see src/layers/recurrent.ts): the
// training loss and every weight's gradient against a float64 implementation of Keras' equations
// given the same masks (regenerated here from the model's seeded stream: one (B, E) mask on x and
// one (B, H) mask on h_{t-1}, the same at every step, different per sample); finite differences
// through masked sequences; rate 0 is the layer without dropout, bit for bit; predict and evaluate
// ignore the options; Bidirectional draws its own masks per direction; bad values refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, shutdown, Sequential, Dense, Embedding, LSTM, GRU, SimpleRNN, Bidirectional, SGD, encodeWnn, decodeWnn } from '../../src/index.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { dropout } from '../../src/kernels/dropout.js';
import { deriveSeed } from '../../src/random.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { expectBitwise, uniform } from '../helpers/data.js';

let maskRt: Runtime;
beforeAll(async () => {
  await init({ threads: 2, parallelThreshold: 1 });
  maskRt = await Runtime.create({ build: 'simd', threads: 1 });
});
afterAll(async () => { await shutdown(); await maskRt.close(); });

const SEED = 5;

/** The (B, n) mask the layer `name` draws at step 0 of a call with seed SEED, at counter offset `offset`. */
function layerMask(name: string, B: number, n: number, rate: number, offset: number): Float64Array {
  if (rate === 0) return new Float64Array(B * n).fill(1);
  return maskRt.step(() => {
    const m = maskRt.temp([B, n]).fill(1);
    dropout(maskRt, m, m, { rate, seed: deriveSeed(SEED, name) + 0 * 2 ** 32, offset });
    return Float64Array.from(m.f32());
  });
}

const sig = (v: number) => 1 / (1 + Math.exp(-v));
type W = Map<string, Float64Array>;

/**
 * Keras 3's LSTMCell.call (implementation 2) over a sequence in f64: x (B, T, E) ⊙ mx, h ⊙ mh in
 * the recurrent product, one mask for every step and gate. Returns every step's h in processing
 * order (tfjs' goBackwards order), (B, T, H).
 */
function lstmF64(x: Float32Array, B: number, T: number, E: number, H: number, w: W, p: string, mx: Float64Array, mh: Float64Array, back = false): Float64Array {
  const K = w.get(`${p}/kernel`)!, U = w.get(`${p}/recurrent_kernel`)!, bias = w.get(`${p}/bias`)!;
  const G = 4 * H, out = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(H), c = new Float64Array(H);
    for (let s = 0; s < T; s++) {
      const t = back ? T - 1 - s : s;
      const z = Float64Array.from(bias);
      for (let e = 0; e < E; e++) {
        const xv = x[(b * T + t) * E + e] * mx[b * E + e];
        for (let j = 0; j < G; j++) z[j] += xv * K[e * G + j];
      }
      for (let k = 0; k < H; k++) {
        const hv = h[k] * mh[b * H + k];
        for (let j = 0; j < G; j++) z[j] += hv * U[k * G + j];
      }
      const hn = new Float64Array(H), cn = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const i = sig(z[j]), f = sig(z[H + j]), g = Math.tanh(z[2 * H + j]), o = sig(z[3 * H + j]);
        cn[j] = f * c[j] + i * g;
        hn[j] = o * Math.tanh(cn[j]);
      }
      h = hn; c = cn;
      out.set(h, (b * T + s) * H);
    }
  }
  return out;
}

/** Keras 3's GRUCell.call, implementation 2 (recurrent_dropout 0): x ⊙ mx, both reset_after forms. */
function gruF64(x: Float32Array, B: number, T: number, E: number, H: number, w: W, p: string, mx: Float64Array, resetAfter: boolean): Float64Array {
  const K = w.get(`${p}/kernel`)!, U = w.get(`${p}/recurrent_kernel`)!, bias = w.get(`${p}/bias`)!;
  const G = 3 * H, out = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(H);
    for (let t = 0; t < T; t++) {
      const xz = Float64Array.from(bias.subarray(0, G));
      for (let e = 0; e < E; e++) {
        const xv = x[(b * T + t) * E + e] * mx[b * E + e];
        for (let j = 0; j < G; j++) xz[j] += xv * K[e * G + j];
      }
      const rec = resetAfter ? Float64Array.from(bias.subarray(G, 2 * G)) : new Float64Array(G);
      for (let k = 0; k < H; k++) for (let j = 0; j < (resetAfter ? G : 2 * H); j++) rec[j] += h[k] * U[k * G + j];
      const hn = new Float64Array(H);
      const z = new Float64Array(H), r = new Float64Array(H);
      for (let j = 0; j < H; j++) { z[j] = sig(xz[j] + rec[j]); r[j] = sig(xz[H + j] + rec[H + j]); }
      for (let j = 0; j < H; j++) {
        let rh: number;
        if (resetAfter) rh = r[j] * rec[2 * H + j];
        else { rh = 0; for (let k = 0; k < H; k++) rh += r[k] * h[k] * U[k * G + 2 * H + j]; }
        const hh = Math.tanh(xz[2 * H + j] + rh);
        hn[j] = z[j] * h[j] + (1 - z[j]) * hh;
      }
      h = hn;
      out.set(h, (b * T + t) * H);
    }
  }
  return out;
}

const mse = (a: Float64Array, y: Float32Array) => a.reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / a.length;
const weightsOf = (m: Sequential): W => new Map(m.getWeights().map((w) => [w.name, Float64Array.from(w.values)]));

/** The wasm loss and gradients against the f64 oracle's loss and its central differences (f64) for a sample of entries per weight. */
function compare(m: Sequential, x: Float32Array, xShape: number[], y: Float32Array, yShape: number[], oracleLoss: (w: W) => number) {
  const { loss, grads } = m.lossAndGradients({ data: x, shape: xShape }, { data: y, shape: yShape }, { seed: SEED });
  const w = weightsOf(m);
  const want = oracleLoss(w);
  expect(Math.abs(loss - want), `loss ${loss} vs f64 ${want}`).toBeLessThanOrEqual(2e-6 * Math.abs(want) + 1e-7);
  let checked = 0;
  for (const [name, values] of w) {
    const g = grads.get(name)!;
    for (let n = 0; n < 12; n++) {
      const i = (n * 7919 + 13) % values.length;
      const v = values[i], h = 1e-5;
      values[i] = v + h; const lp = oracleLoss(w);
      values[i] = v - h; const lm = oracleLoss(w);
      values[i] = v;
      const num = (lp - lm) / (2 * h);
      expect(Math.abs(g[i] - num), `${name}[${i}]: wasm ${g[i]}, f64 ${num}`).toBeLessThanOrEqual(2e-3 * Math.abs(num) + 2e-6);
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(20);
}

describe('LSTM dropout / recurrentDropout against Keras 3 equations in f64', () => {
  // B 3: the kernel's small-batch path; B 6: whole blocks of 4 and a tail
  it.each([
    [3, 0.3, 0.4], [6, 0.3, 0.4], [6, 0, 0.5], [5, 0.25, 0],
  ])('B %i, dropout %f, recurrentDropout %f', (B, d, rd) => {
    const T = 7, E = 5, H = 9;
    const m = new Sequential([new LSTM({ units: H, returnSequences: true, dropout: d, recurrentDropout: rd, name: 'rnn', inputShape: [T, E] })]);
    m.compile({ optimizer: new SGD(), loss: 'meanSquaredError' });
    const x = uniform(B * T * E, -1, 1, 3), y = uniform(B * T * H, -0.5, 0.5, 4);
    const mx = layerMask('rnn', B, E, d, 0), mh = layerMask('rnn', B, H, rd, B * E);
    // the masks differ per sample (one row would be a single mask for the batch)
    if (d) expect(mx.subarray(0, E)).not.toEqual(mx.subarray(E, 2 * E));
    if (rd) expect(mh.subarray(0, H)).not.toEqual(mh.subarray(H, 2 * H));
    compare(m, x, [B, T, E], y, [B, T, H], (w) => mse(lstmF64(x, B, T, E, H, w, 'rnn', mx, mh), y));
    // and the oracle with other masks (a fresh mask per step would be one) does not fit
    const { loss } = m.lossAndGradients({ data: x, shape: [B, T, E] }, { data: y, shape: [B, T, H] }, { seed: SEED });
    const ones = new Float64Array(B * Math.max(E, H)).fill(1);
    expect(Math.abs(loss - mse(lstmF64(x, B, T, E, H, weightsOf(m), 'rnn', ones, ones), y))).toBeGreaterThan(1e-4);
    m.dispose();
  });

  it('Bidirectional: each direction has its own masks (its own layer name)', () => {
    const B = 4, T = 6, E = 3, H = 5;
    const m = new Sequential([new Bidirectional({ layer: new LSTM({ units: H, dropout: 0.3, recurrentDropout: 0.3 }), name: 'bi', inputShape: [T, E] })]);
    m.compile({ optimizer: new SGD(), loss: 'meanSquaredError' });
    const x = uniform(B * T * E, -1, 1, 8), y = uniform(B * 2 * H, -0.5, 0.5, 9);
    const names = ['bi/forward_lstm', 'bi/backward_lstm'];
    const masks = names.map((n) => [layerMask(n, B, E, 0.3, 0), layerMask(n, B, H, 0.3, B * E)]);
    expect(masks[0][1]).not.toEqual(masks[1][1]);
    compare(m, x, [B, T, E], y, [B, 2 * H], (w) => {
      const out = new Float64Array(B * 2 * H);
      names.forEach((n, dir) => {
        const hs = lstmF64(x, B, T, E, H, w, n, masks[dir][0], masks[dir][1], dir === 1);
        for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) out[b * 2 * H + dir * H + j] = hs[(b * T + T - 1) * H + j];
      });
      return mse(out, y);
    });
    m.dispose();
  });
});

/** Keras 3's SimpleRNNCell.call over a sequence in f64: h = tanh((x ⊙ mx) W + b + h U), one mask for every step. */
function simpleRnnF64(x: Float32Array, B: number, T: number, E: number, H: number, w: W, p: string, mx: Float64Array): Float64Array {
  const K = w.get(`${p}/kernel`)!, U = w.get(`${p}/recurrent_kernel`)!, bias = w.get(`${p}/bias`)!;
  const out = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(H);
    for (let t = 0; t < T; t++) {
      const z = Float64Array.from(bias);
      for (let e = 0; e < E; e++) {
        const xv = x[(b * T + t) * E + e] * mx[b * E + e];
        for (let j = 0; j < H; j++) z[j] += xv * K[e * H + j];
      }
      for (let k = 0; k < H; k++) for (let j = 0; j < H; j++) z[j] += h[k] * U[k * H + j];
      h = z.map(Math.tanh);
      out.set(h, (b * T + t) * H);
    }
  }
  return out;
}

describe('SimpleRNN dropout against Keras 3 equations in f64', () => {
  it.each([[3], [6]])('B %i: the inputs\' mask, the same at every step, different per sample; kept in the model file', (B) => {
    const T = 7, E = 5, H = 9;
    const m = new Sequential([new SimpleRNN({ units: H, returnSequences: true, dropout: 0.3, name: 'rnn', inputShape: [T, E] })]);
    m.compile({ optimizer: new SGD(), loss: 'meanSquaredError' });
    const x = uniform(B * T * E, -1, 1, 13), y = uniform(B * T * H, -0.5, 0.5, 14);
    const mx = layerMask('rnn', B, E, 0.3, 0);
    expect(mx.subarray(0, E)).not.toEqual(mx.subarray(E, 2 * E));
    compare(m, x, [B, T, E], y, [B, T, H], (w) => mse(simpleRnnF64(x, B, T, E, H, w, 'rnn', mx), y));
    const ones = new Float64Array(B * E).fill(1);
    const { loss } = m.lossAndGradients({ data: x, shape: [B, T, E] }, { data: y, shape: [B, T, H] }, { seed: SEED });
    expect(Math.abs(loss - mse(simpleRnnF64(x, B, T, E, H, weightsOf(m), 'rnn', ones), y))).toBeGreaterThan(1e-4);
    const again = decodeWnn(encodeWnn({ model: m })).model;
    expect((again.layers[0] as SimpleRNN).dropout).toBe(0.3);
    again.dispose(); m.dispose();
  });
});

describe('GRU dropout against Keras 3 equations in f64', () => {
  it.each([[false, 3], [true, 6], [false, 5]])('resetAfter %s, B %i', (resetAfter, B) => {
    const T = 6, E = 4, H = 7;
    const m = new Sequential([new GRU({ units: H, returnSequences: true, dropout: 0.35, resetAfter, name: 'g', inputShape: [T, E] })]);
    m.compile({ optimizer: new SGD(), loss: 'meanSquaredError' });
    const x = uniform(B * T * E, -1, 1, 13), y = uniform(B * T * H, -0.5, 0.5, 14);
    const mx = layerMask('g', B, E, 0.35, 0);
    compare(m, x, [B, T, E], y, [B, T, H], (w) => mse(gruF64(x, B, T, E, H, w, 'g', mx, resetAfter), y));
    m.dispose();
  });
});

describe('recurrent dropout: finite differences, rate 0, inference', () => {
  const B = 3, T = 5, V = 12;
  const ids = Int32Array.from([3, 5, 7, 2, 9, 0, 0, 4, 6, 8, 1, 11, 10, 3, 0]);
  it.each([['LSTM', false], ['LSTM', true], ['GRU', false]] as const)('%s (goBackwards %s) over masked sequences: gradients match finite differences', (kind, back) => {
    const rnn = kind === 'LSTM' ? new LSTM({ units: 4, goBackwards: back, dropout: 0.3, recurrentDropout: 0.3 }) : new GRU({ units: 4, goBackwards: back, dropout: 0.3 });
    const m = new Sequential([new Embedding({ inputDim: V, outputDim: 3, maskZero: true }), rnn, new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    gradCheck(m, { data: ids, shape: [B, T] }, Int32Array.from([0, 1, 1]), { perWeight: 16, seed: 4 });
    m.dispose();
  });

  /** Two models, one without the options: after an Embedding (inference folds the projection) or on float inputs (the projection GEMM). */
  function pair(kind: 'LSTM' | 'GRU', opts: Record<string, number>, embedding = true) {
    const make = (o: Record<string, number>) => new Sequential([
      ...(embedding ? [new Embedding({ inputDim: V, outputDim: 6, maskZero: true })] : []),
      kind === 'LSTM' ? new LSTM({ units: 8, returnSequences: true, ...o }) : new GRU({ units: 8, returnSequences: true, ...o }),
      new Dense({ units: 2, activation: 'softmax' }),
    ]);
    const a = make({}), b = make(opts);
    for (const m of [a, b]) m.compile({ optimizer: new SGD(), loss: 'sparseCategoricalCrossentropy' });
    const x = embedding ? { data: ids, shape: [B, T] } : { data: uniform(B * T * 6, -1, 1, 21), shape: [B, T, 6] };
    const y = { data: Int32Array.from({ length: B * T }, (_, i) => i % 2), shape: [B, T] };
    a.predict(x); b.predict(x);
    b.setWeights(a.getWeights());
    return { a, b, x, y };
  }

  it.each([['LSTM'], ['GRU']] as const)('%s: rate 0 is the layer without dropout, bit for bit', (kind) => {
    const { a, b, x, y } = pair(kind, { dropout: 0, recurrentDropout: 0 });
    const ga = a.lossAndGradients(x, y, { seed: 2 }), gb = b.lossAndGradients(x, y, { seed: 2 });
    expect(gb.loss).toBe(ga.loss);
    for (const [k, v] of ga.grads) expectBitwise(gb.grads.get(k)!, v, k);
    a.dispose(); b.dispose();
  });

  it.each([
    ['LSTM', { dropout: 0.5, recurrentDropout: 0.5 }, true], ['GRU', { dropout: 0.5 }, true],
    ['LSTM', { dropout: 0.5, recurrentDropout: 0.5 }, false], ['GRU', { dropout: 0.5 }, false],
  ] as const)('%s %o (after an Embedding: %s): no effect in predict and evaluate, an effect in training', async (kind, opts, embedding) => {
    const { a, b, x, y } = pair(kind, opts, embedding);
    expectBitwise(b.predict(x).data as Float32Array, a.predict(x).data as Float32Array, 'predict');
    expect(await b.evaluate(x, y)).toEqual(await a.evaluate(x, y));
    expect(b.lossAndGradients(x, y, { seed: 2 }).loss).not.toBe(a.lossAndGradients(x, y, { seed: 2 }).loss);
    a.dispose(); b.dispose();
  });
});

describe('recurrent dropout: bad values', () => {
  const bad = (o: unknown) => o as any;
  it.each([
    ['LSTM dropout -0.1', () => new LSTM({ units: 3, dropout: -0.1 }), RangeError, /^wasmnn: LSTM: dropout must be a number in \[0, 1\), got -0\.1$/],
    ['LSTM recurrentDropout 1', () => new LSTM({ units: 3, recurrentDropout: 1 }), RangeError, /^wasmnn: LSTM: recurrentDropout must be a number in \[0, 1\), got 1$/],
    ['LSTM dropout NaN', () => new LSTM({ units: 3, dropout: NaN }), RangeError, /^wasmnn: LSTM: dropout must be a number in \[0, 1\), got NaN$/],
    ['LSTM dropout "0.2"', () => new LSTM(bad({ units: 3, dropout: '0.2' })), TypeError, /^wasmnn: LSTM: dropout must be a number in \[0, 1\), got "0\.2" \(a string\)$/],
    ['GRU dropout 1.5', () => new GRU({ units: 3, dropout: 1.5 }), RangeError, /^wasmnn: GRU: dropout must be a number in \[0, 1\), got 1\.5$/],
    ['GRU recurrentDropout 0.2', () => new GRU({ units: 3, recurrentDropout: 0.2 }), RangeError, /^wasmnn: GRU: recurrentDropout is not supported for GRU \(got 0\.2\): Keras 3's GRU then draws one mask per gate/],
    ['GRU recurrentDropout "x"', () => new GRU(bad({ units: 3, recurrentDropout: 'x' })), TypeError, /^wasmnn: GRU: recurrentDropout must be a number in \[0, 1\)/],
  ] as const)('%s', (_, make, cls, re) => {
    expect(make).toThrow(re);
    expect(make).toThrow(cls);
  });

  it('GRU recurrentDropout 0 is accepted (no dropout)', () => {
    expect(new GRU({ units: 3, recurrentDropout: 0 }).recurrentDropout).toBe(0);
  });
});
