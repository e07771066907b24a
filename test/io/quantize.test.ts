// Quantized weights in .wnn files (src/io/quantize.ts). Oracles: every float16 value decoded by the
// textbook formula in float64, rounding checked against every float16 neighbour pair and its
// midpoint (ties to even); int8 rows against a float64 reference with the error bound of half a
// step; whole files: the decoded weights equal the reference dequantization, the model predicts
// bit for bit what a model given those weights by setWeights predicts, in the full library and in
// wasmnn/infer; damaged files are refused by both readers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, shutdown, Sequential, Dense, Embedding, LSTM, Conv1D, GlobalMaxPooling1D, Adam, TextVectorizer, TextClassifier } from '../../src/index.js';
import { decodeSafetensors, encodeSafetensors, WnnFormatError, type SafeTensorIn } from '../../src/io/safetensors.js';
import { decodeWnn, encodeWnn } from '../../src/io/wnn.js';
import { dequantizeInt8Rows, float16BitsToFloat32, float32ToFloat16Bits, quantizeInt8Rows, QUANTIZE_MIN_VALUES, SCALE_PREFIX } from '../../src/io/quantize.js';
import { TextClassifier as InferClassifier, decodeWnnForInference, InferenceModel, runtime } from '../../src/infer.js';
import { ints, uniform } from '../helpers/data.js';

beforeAll(async () => { await init({ threads: 1 }); });
afterAll(async () => { await shutdown(); });

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** float16 bit pattern -> value, by the IEEE 754 formula in float64. */
function f16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The float32 next to x, up or down (x finite). */
function nextF32(x: number, up: boolean): number {
  const f = new Float32Array([x]), u = new Uint32Array(f.buffer);
  if (x === 0) { u[0] = up ? 1 : 0x80000001; return f[0]; }
  u[0] += (x > 0) === up ? 1 : -1;
  return f[0];
}

describe('float16', () => {
  it('decodes every one of the 65,536 bit patterns as the IEEE formula does', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const got = float16BitsToFloat32(all);
    for (let h = 0; h < 65536; h++) {
      const want = f16Value(h);
      if (Number.isNaN(want)) expect(Number.isNaN(got[h])).toBe(true);
      else if (!Object.is(got[h], want)) expect.fail(`0x${h.toString(16)}: ${got[h]} != ${want}`);
    }
  });

  it('rounds to the nearest float16, ties to even, at every value and between every two neighbours', () => {
    // every finite non-negative float16 (0 .. 0x7bff) encodes to itself, negated to itself with the sign
    for (let h = 0; h <= 0x7bff; h++) {
      const v = f16Value(h);
      const [a, b] = float32ToFloat16Bits(new Float32Array([v, -v]));
      if (a !== h || b !== (h | 0x8000)) expect.fail(`${v}: 0x${a.toString(16)} / 0x${b.toString(16)}, want 0x${h.toString(16)}`);
      if (h === 0x7bff) break;
      // the midpoint to the next one (exact in float32: 12 significant bits) goes to the even
      // pattern; the float32s just below and above it go down and up
      const mid = (v + f16Value(h + 1)) / 2;
      expect(Math.fround(mid)).toBe(mid);
      const [m, below, above] = float32ToFloat16Bits(new Float32Array([mid, nextF32(mid, false), nextF32(mid, true)]));
      if (m !== (h % 2 === 0 ? h : h + 1) || below !== h || above !== h + 1) expect.fail(`between 0x${h.toString(16)} and the next: ${m}, ${below}, ${above}`);
    }
  });

  it('refuses what float16 cannot hold, naming the weight and int8 as the way out', () => {
    expect(float32ToFloat16Bits(new Float32Array([nextF32(65520, false)]))[0]).toBe(0x7bff);   // just below the tie: 65504
    for (const v of [65520, -70000, 1e30, Infinity, NaN]) {
      expect(() => float32ToFloat16Bits(new Float32Array([0, v]), 'weight w')).toThrow(/weight w holds .* at index 1, beyond float16's range .*'int8'/);
    }
    // below half the smallest subnormal: zero, keeping the sign
    const [z, nz] = float32ToFloat16Bits(new Float32Array([2 ** -26, -(2 ** -26)]));
    expect([z, nz]).toEqual([0, 0x8000]);
  });
});

/** The float64 reference of quantizeInt8Rows: scale max|w| / 127 (as float32), q = round half away from zero. */
function int8Reference(w: Float32Array, n: number): { q: number[]; scales: number[] } {
  const q: number[] = [], scales: number[] = [];
  for (let r = 0; r < w.length / n; r++) {
    const row = Array.from(w.subarray(r * n, (r + 1) * n));
    const s = Math.fround(Math.max(0, ...row.map(Math.abs)) / 127);
    scales.push(s);
    for (const v of row) q.push(s === 0 ? 0 : Math.sign(v) * Math.min(127, Math.floor(Math.abs(v / s) + 0.5)) || 0);
  }
  return { q, scales };
}

describe('int8 with a scale per row', () => {
  const cases: [string, Float32Array, number][] = [
    ['rows of mixed magnitudes', Float32Array.from(uniform(7 * 13, -1, 1, 3), (v, i) => v * 10 ** ((i / 13 | 0) - 3)), 13],
    ['a zero row and a row of one value', Float32Array.from([0, 0, 0, 0, 0, 0, 0.5, 0, -1e-30, 3, -3, 1.5]), 3],
    ['one row (a rank-1 tensor)', uniform(97, -5, 5, 4), 97],
    ['rows of one value', uniform(11, -2, 2, 5), 1],
  ];
  for (const [name, w, n] of cases) {
    it(`matches the float64 reference, within half a step of every weight: ${name}`, () => {
      const { q, scales } = quantizeInt8Rows(w, n);
      const ref = int8Reference(w, n);
      expect(Array.from(scales)).toEqual(ref.scales);
      expect(Array.from(q)).toEqual(ref.q);
      const back = dequantizeInt8Rows(q, scales, n);
      for (let i = 0; i < w.length; i++) {
        const s = scales[Math.floor(i / n)];
        expect(back[i]).toBe(Math.fround(q[i] * s));
        expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(s / 2 * (1 + 1e-6) + 1e-45);
      }
      // the largest magnitude of each row that is not all zero maps to +-127
      for (let r = 0; r < scales.length; r++) if (scales[r] > 0) expect(Math.max(...Array.from(q.subarray(r * n, (r + 1) * n), Math.abs))).toBe(127);
    });
  }

  it('refuses non-finite values and rows that do not divide the values', () => {
    expect(() => quantizeInt8Rows(new Float32Array([1, NaN, 2, 3]), 2)).toThrow(/row 0 holds NaN/);
    expect(() => quantizeInt8Rows(new Float32Array([1, 2, -Infinity, 3]), 2)).toThrow(/row 1 holds -Infinity/);
    expect(() => quantizeInt8Rows(new Float32Array(5), 2)).toThrow(/not whole rows of 2/);
  });
});

// ---- whole files --------------------------------------------------------------------------------

const V = 300, T = 9;
const x = { data: ints(5 * T, 0, V, 8), shape: [5, T] };

/** Embedding (300 x 16 = 4,800 values: quantized), Conv1D kernel (3 x 16 x 96 = 4,608: quantized),
 *  LSTM kernel (96 x 64: quantized), recurrent (16 x 64: F32), Dense: F32. */
function model(): Sequential {
  const m = new Sequential([
    new Embedding({ inputDim: V, outputDim: 16, maskZero: true }), new Conv1D({ filters: 96, kernelSize: 3, padding: 'same' }),
    new LSTM({ units: 16, returnSequences: true }), new GlobalMaxPooling1D(), new Dense({ units: 3, activation: 'softmax' }),
  ], { seed: 5 });
  m.build([T]);
  return m;
}

/** Weights as the reference dequantization gives them (large ones through float16 or int8). */
function referenceWeights(m: Sequential, q: 'float16' | 'int8') {
  return m.getWeights().map((w) => {
    if (w.values.length < QUANTIZE_MIN_VALUES) return { name: w.name, values: w.values };
    if (q === 'int8') {
      const n = w.shape[w.shape.length - 1];
      const r = int8Reference(w.values, n);
      return { name: w.name, values: Float32Array.from(r.q, (v, i) => Math.fround(v * r.scales[Math.floor(i / n)])) };
    }
    return { name: w.name, values: Float32Array.from(w.values, (v) => nearestF16(v)) };
  });
}

/** The float16 value nearest v (ties to the even pattern), by search over all positive float16s. */
const F16 = Array.from({ length: 0x7c00 }, (_, h) => f16Value(h));
function nearestF16(v: number): number {
  let lo = 0, hi = F16.length - 1;
  const a = Math.abs(v);
  while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (F16[mid] <= a) lo = mid; else hi = mid; }
  const d0 = a - F16[lo], d1 = F16[hi] - a;
  const h = d0 < d1 || (d0 === d1 && lo % 2 === 0) ? lo : hi;
  return v < 0 ? -F16[h] : F16[h];
}

describe('quantized .wnn files', () => {
  for (const q of ['float16', 'int8'] as const) {
    it(`${q}: large weights stored as ${q === 'int8' ? 'I8 with scales' : 'F16'}, read back as the reference gives them, predicting as that model does`, () => {
      const m = model();
      const bytes = encodeWnn({ model: m, quantize: q });
      const { metadata, tensors } = decodeSafetensors(bytes);
      expect(metadata.format_version).toBe('2');
      const stored = Object.fromEntries([...tensors].map(([n, t]) => [n, t.dtype]));
      const big = q === 'int8' ? 'I8' : 'F16';
      expect(stored).toEqual({
        'embedding/embeddings': big, 'conv1d/kernel': big, 'conv1d/bias': 'F32', 'lstm/kernel': big, 'lstm/recurrent_kernel': 'F32', 'lstm/bias': 'F32',
        'dense/kernel': 'F32', 'dense/bias': 'F32',
        ...(q === 'int8' ? { [`${SCALE_PREFIX}embedding/embeddings`]: 'F32', [`${SCALE_PREFIX}conv1d/kernel`]: 'F32', [`${SCALE_PREFIX}lstm/kernel`]: 'F32' } : {}),
      });
      expect(tensors.get(`${SCALE_PREFIX}conv1d/kernel`)?.shape ?? [48]).toEqual([48]);   // one scale per (tap, input channel) row
      const f32Size = encodeWnn({ model: m }).length;
      expect(bytes.length).toBeLessThan(f32Size * (q === 'int8' ? 0.45 : 0.65));

      const ref = referenceWeights(m, q);
      const back = decodeWnn(bytes).model;
      back.getWeights().forEach((w, i) => expect(bits(w.values), w.name).toEqual(bits(ref[i].values)));
      const oracle = model();
      oracle.setWeights(ref);
      const want = oracle.predict(x);
      expect(bits(back.predict(x).data)).toEqual(bits(want.data));
      // quantization error in the output: small against the float32 model's
      const p32 = m.predict(x).data;
      const worst = Math.max(...Array.from(want.data, (v, i) => Math.abs(v - p32[i])));
      expect(worst).toBeLessThan(q === 'int8' ? 2e-2 : 2e-3);
      // saved again without quantize: float32 of the dequantized weights, format 1
      const again = encodeWnn({ model: back });
      expect(decodeSafetensors(again).metadata.format_version).toBe('1');
      decodeWnn(again).model.getWeights().forEach((w, i) => expect(bits(w.values)).toEqual(bits(ref[i].values)));
      for (const s of [m, back, oracle]) s.dispose();
    });
  }

  it('wasmnn/infer reads a quantized classifier and predicts what the full library predicts, bit for bit', async () => {
    const texts = ['free money now', 'meeting at noon', 'win a prize', 'lunch tomorrow', 'cheap pills', 'the design review'];
    const vec = new TextVectorizer({ maxTokens: 60, outputSequenceLength: 6 });
    vec.adapt(texts);
    const m = new Sequential([new Embedding({ inputDim: vec.vocabularySize, outputDim: 80, maskZero: true }), new LSTM({ units: 32 }), new Dense({ units: 2, activation: 'softmax' })], { seed: 2 });
    m.build([6]);
    const c = new TextClassifier(m, vec, ['ham', 'spam']);
    for (const q of ['float16', 'int8'] as const) {
      const bytes = c.toBytes({ quantize: q });
      const full = TextClassifier.fromBytes(bytes);
      const lite = InferClassifier.fromBytes(bytes);
      expect(bits(lite.predictProbabilities(texts).data)).toEqual(bits(full.predictProbabilities(texts).data));
      expect(decodeWnnForInference(bytes).weights.get('lstm/recurrent_kernel')!.data).toEqual(full.model.getWeights().find((w) => w.name === 'lstm/recurrent_kernel')!.values);
      full.model.dispose();
      lite.dispose();
    }
    m.dispose();
  });

  it('refuses bad options: an unknown quantization, quantize with the optimizer state, a float16 overflow, a misspelt key', () => {
    const m = model();
    expect(() => encodeWnn({ model: m, quantize: 'int4' as any })).toThrow(/quantize must be 'float16' or 'int8' .*got 'int4'/);
    m.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy' });
    expect(() => encodeWnn({ model: m, quantize: 'int8', includeOptimizer: true })).toThrow(/quantize and includeOptimizer exclude each other/);
    const w = m.getWeights();
    w[0].values[123] = 1e6;
    m.setWeights(w);
    expect(() => encodeWnn({ model: m, quantize: 'float16' })).toThrow(/weight embedding\/embeddings holds 1000000 at index 123, beyond float16's range/);
    expect(encodeWnn({ model: m, quantize: 'int8' }).length).toBeGreaterThan(0);   // int8 scales the row instead
    expect(() => encodeWnn({ model: m, quantise: 'int8' } as any)).toThrow(/unknown option 'quantise'; did you mean 'quantize'\?/);
    m.dispose();
  });

  it('corrupted quantized files (truncated, bytes flipped in the header, the scales or the int8 data) load or are refused with a WnnFormatError', () => {
    const m = model();
    const good = encodeWnn({ model: m, quantize: 'int8' });
    m.dispose();
    const headerEnd = 8 + new DataView(good.buffer).getUint32(0, true);
    let r = 12345;
    const rand = (n: number) => { r = (r * 1103515245 + 12345) % 2 ** 31; return r % n; };
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      let bad: Uint8Array;
      if (i % 3 === 0) bad = good.slice(0, rand(good.length));
      else {
        bad = good.slice();
        const at = i % 3 === 1 ? rand(headerEnd) : headerEnd + rand(good.length - headerEnd);
        bad[at] ^= 1 << rand(8);
      }
      for (const read of [(b: Uint8Array) => decodeWnn(b).model.dispose(), (b: Uint8Array) => { const f = decodeWnnForInference(b); InferenceModel.create(runtime(), f.model, f.weights).dispose(); }]) {
        try { read(bad); } catch (e) {
          if (!(e instanceof WnnFormatError)) throw new Error(`case ${i}: ${(e as Error).stack}`);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(200);
  });

  describe('damaged quantized files are refused by both readers', () => {
    /** The int8 file with its tensors and metadata edited, re-encoded as a valid safetensors file. */
    function edited(edit: (t: Map<string, SafeTensorIn>, meta: Record<string, string>) => void): Uint8Array {
      const m = model();
      const { metadata, tensors } = decodeSafetensors(encodeWnn({ model: m, quantize: 'int8' }));
      m.dispose();
      const list = new Map([...tensors].map(([name, t]) => [name, { name, ...t }]));
      edit(list, metadata);
      return encodeSafetensors([...list.values()], metadata);
    }
    const S = `${SCALE_PREFIX}embedding/embeddings`;
    const cases: [string, (t: Map<string, SafeTensorIn>, meta: Record<string, string>) => void, RegExp][] = [
      ['an I8 weight without its scales', (t) => t.delete(S), /the I8 weight 'embedding\/embeddings' has no scales tensor/],
      ['scales of the wrong count', (t) => { t.set(S, { name: S, dtype: 'F32', shape: [5], data: new Float32Array(5) }); }, /must be F32 of shape \[300\]/],
      ['a negative scale', (t) => { (t.get(S)!.data as Float32Array)[7] = -0.5; }, /holds -0.5 at row 7 \(scales are finite and >= 0\)/],
      ['a NaN scale', (t) => { (t.get(S)!.data as Float32Array)[0] = NaN; }, /holds NaN at row 0/],
      ['scales of a float32 weight', (t) => { t.set(`${SCALE_PREFIX}dense/kernel`, { name: `${SCALE_PREFIX}dense/kernel`, dtype: 'F32', shape: [32], data: new Float32Array(32) }); }, /tensor '__scale__\/dense\/kernel' that is not a weight of the model/],
      ['an I8 weight in a format 1 file', (_, meta) => { meta.format_version = '1'; }, /is I8 in a format 1 file/],
      ['an infinite float16', (t) => { t.set('conv1d/kernel', { name: 'conv1d/kernel', dtype: 'F16', shape: [3, 16, 96], data: new Uint16Array(3 * 16 * 96).fill(0x7c00) }); t.delete(`${SCALE_PREFIX}conv1d/kernel`); }, /non-finite|Infinity/],
      ['an I32 weight', (t) => { t.set('dense/bias', { name: 'dense/bias', dtype: 'I32', shape: [3], data: new Int32Array(3) }); }, /'dense\/bias' is I32; weights are F32, F16 or I8/],
    ];
    for (const [name, edit, message] of cases) {
      it(name, () => {
        const bytes = edited(edit);
        const inferRead = (b: Uint8Array) => { const f = decodeWnnForInference(b); InferenceModel.create(runtime(), f.model, f.weights).dispose(); };
        for (const read of [(b: Uint8Array) => decodeWnn(b).model.dispose(), inferRead]) {
          let err: unknown = null;
          try { read(bytes); } catch (e) { err = e; }
          expect(err, name).toBeInstanceOf(WnnFormatError);
          expect((err as Error).message).toMatch(message);
        }
      });
    }
  });
});
