// Windowed max / average pooling over time (MaxPooling1D / AveragePooling1D) and SpatialDropout1D's
// channel mask: forward and backward against the scalar twins over edge sizes (T, C in 1, 3, 4, 5,
// 7, 13; poolSize 1, 2, 3 and larger than T with 'same'; strides below, equal to and above
// poolSize), bitwise at 1, 2 and 3 threads in both builds; output lengths against Keras' formulas;
// closed forms; gradients against central differences; bad input refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { expectBitwise, ints, uniform } from '../helpers/data.js';
import { avgPool1d, avgPool1dBackward, maxPool1d, maxPool1dBackward, pool1dGeometry, type Pool1dOptions } from '../../src/kernels/pool.js';
import { dropout, spatialDropout } from '../../src/kernels/dropout.js';
import type { Runtime } from '../../src/runtime/runtime.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

type Op = 'avg' | 'max';
interface Out { y: Float32Array; argmax: Int32Array | null; dx: Float32Array }

function runFast(rt: Runtime, op: Op, B: number, T: number, C: number, o: Pool1dOptions, x: Float32Array, dy: Float32Array): Out {
  const { Tout } = pool1dGeometry('test', T, o);
  return rt.step(() => {
    const tx = rt.temp([B, T, C]).set(x);
    const ty = rt.temp([B, Tout, C]).fill(NaN);
    const tdy = rt.temp([B, Tout, C]).set(dy);
    const tdx = rt.temp([B, T, C]).fill(NaN);
    let argmax: Int32Array | null = null;
    if (op === 'avg') {
      avgPool1d(rt, tx, ty, o);
      avgPool1dBackward(rt, tdy, tdx, o);
    } else {
      const ta = rt.temp([B, Tout, C], 'i32').fill(-7);
      maxPool1d(rt, tx, ty, ta, o);
      maxPool1dBackward(rt, ta, tdy, tdx, o);
      argmax = ta.i32().slice();
      // without an argmax the forward writes the same y
      const y2 = rt.temp([B, Tout, C]).fill(NaN);
      maxPool1d(rt, tx, y2, null, o);
      expectBitwise(y2.f32(), ty.f32(), 'max y without argmax');
    }
    return { y: ty.f32().slice(), argmax, dx: tdx.f32().slice() };
  });
}

function runRef(op: Op, B: number, T: number, C: number, o: Pool1dOptions, x: Float32Array, dy: Float32Array): Out {
  const { Tout, pad } = pool1dGeometry('test', T, o);
  ref.reset();
  const nY = B * Tout * C, nX = B * T * C;
  const px = ref.put(x), py = ref.alloc(nY), pa = ref.alloc(nY), pdy = ref.put(dy), pdx = ref.alloc(nX);
  const g = [B, T, C, Tout, o.poolSize, o.strides, pad];
  if (op === 'avg') {
    ref.call('f32_avgpool1d_win_fwd', px, py, ...g);
    ref.call('f32_avgpool1d_win_bwd', pdy, pdx, ...g);
  } else {
    ref.call('f32_maxpool1d_win_fwd', px, py, pa, ...g);
    ref.call('f32_maxpool1d_win_bwd', pa, pdy, pdx, ...g);
  }
  return { y: ref.f32(py, nY), argmax: op === 'max' ? ref.i32(pa, nY) : null, dx: ref.f32(pdx, nX) };
}

function check(op: Op, B: number, T: number, C: number, o: Pool1dOptions, data: 'uniform' | 'ties' | 'nan', seed: number): void {
  const { Tout } = pool1dGeometry('test', T, o);
  const n = B * T * C;
  const x = data === 'uniform' ? uniform(n, -2, 2, seed) : Float32Array.from(ints(n, -1, 2, seed));
  if (data === 'nan') for (const p of ints(Math.ceil(n / 9), 0, Math.max(n, 1), seed + 1)) if (p < n) x[p] = NaN;
  const dy = uniform(B * Tout * C, -1, 1, seed + 2);
  const want = runRef(op, B, T, C, o, x, dy);
  const what = `${op} B${B} T${T} C${C} k${o.poolSize} s${o.strides} ${o.padding} ${data}`;
  let first: Out | null = null;
  for (const [name, rt] of rts) {
    const got = runFast(rt, op, B, T, C, o, x, dy);
    expectBitwise(got.y, want.y, `${what} ${name} y vs twin`);
    expectBitwise(got.dx, want.dx, `${what} ${name} dx vs twin`);
    if (op === 'max') expectBitwise(got.argmax!, want.argmax!, `${what} ${name} argmax vs twin`);
    if (first) {
      expectBitwise(got.y, first.y, `${what} ${name} y vs simd@1`);
      expectBitwise(got.dx, first.dx, `${what} ${name} dx vs simd@1`);
    } else first = got;
  }
}

const SIZES = [1, 3, 4, 5, 7, 13];
// [poolSize, strides]: strides equal to, below and above poolSize; poolSize 1
const WINDOWS: [number, number][] = [[1, 1], [2, 2], [3, 3], [2, 1], [3, 2], [3, 1], [2, 3], [5, 2], [1, 2]];

describe.each([['avg'], ['max']] as [Op][])('%s pooling against the twin', (op) => {
  it.each([['valid'], ['same']] as ['valid' | 'same'][])('padding %s: T, C over the edge sizes, every window shape', (padding) => {
    let n = 0;
    for (const B of [1, 3]) for (const T of SIZES) for (const C of SIZES) for (const [k, s] of WINDOWS) {
      if (padding === 'valid' && k > T) continue;
      n++;
      check(op, B, T, C, { poolSize: k, strides: s, padding }, op === 'max' && n % 3 === 0 ? 'ties' : op === 'max' && n % 3 === 1 ? 'nan' : 'uniform', n);
    }
  });

  it("poolSize larger than T with 'same' (one or more padded windows hold every step)", () => {
    for (const T of [1, 3, 4, 5]) for (const C of [1, 4, 7]) for (const [k, s] of [[7, 1], [7, 7], [13, 2], [6, 3]] as [number, number][]) {
      check(op, 2, T, C, { poolSize: k, strides: s, padding: 'same' }, 'uniform', T * 100 + C * 10 + k);
    }
  });

  it('a larger shape: B=5 T=97 C=67, poolSize 4 strides 3 same', () => {
    check(op, 5, 97, 67, { poolSize: 4, strides: 3, padding: 'same' }, 'uniform', 9);
  });
});

describe('output lengths and windows as Keras', () => {
  it('valid: floor((T - k) / s) + 1; same: ceil(T / s), left padding floor(total / 2)', () => {
    for (let T = 1; T <= 13; T++) for (let k = 1; k <= 6; k++) for (let s = 1; s <= 4; s++) {
      if (k <= T) expect(pool1dGeometry('t', T, { poolSize: k, strides: s, padding: 'valid' })).toEqual({ Tout: Math.floor((T - k) / s) + 1, pad: 0 });
      const Tout = Math.ceil(T / s);
      expect(pool1dGeometry('t', T, { poolSize: k, strides: s, padding: 'same' })).toEqual({ Tout, pad: Math.floor(Math.max(0, (Tout - 1) * s + k - T) / 2) });
    }
  });

  it("closed form: x[t] = t; 'same' average divides by the steps inside the sequence; max takes the last step of each window", () => {
    const rt = rts.get('simd-mt@2')!;
    // T = 5, k = 4, s = 2, same: Tout 3, total pad (3-1)*2+4-5 = 3, left 1: windows [-1,3) [1,5) [3,7)
    const x = Float32Array.from({ length: 5 }, (_, t) => t);
    const o: Pool1dOptions = { poolSize: 4, strides: 2, padding: 'same' };
    const avg = runFast(rt, 'avg', 1, 5, 1, o, x, Float32Array.from([1, 1, 1]));
    expect([...avg.y]).toEqual([(0 + 1 + 2) / 3, (1 + 2 + 3 + 4) / 4, (3 + 4) / 2]);
    expect([...avg.dx]).toEqual([1 / 3, Math.fround(1 / 3) + 0.25, Math.fround(Math.fround(1 / 3) + 0.25), 0.25 + 0.5, 0.25 + 0.5].map(Math.fround));
    const mx = runFast(rt, 'max', 1, 5, 1, o, x, Float32Array.from([1, 10, 100]));
    expect([...mx.y]).toEqual([2, 4, 4]);
    expect([...mx.argmax!]).toEqual([2, 4, 4]);
    expect([...mx.dx]).toEqual([0, 0, 1, 0, 110]);
  });

  it('max ties go to the first step of the window (as tfjs), overlapping windows add their gradients', () => {
    const rt = rts.get('simd@1')!;
    const x = Float32Array.from([3, 3, 1, 3, 3]);
    const out = runFast(rt, 'max', 1, 5, 1, { poolSize: 2, strides: 1, padding: 'valid' }, x, Float32Array.from([1, 2, 4, 8]));
    expect([...out.argmax!]).toEqual([0, 1, 3, 3]);
    expect([...out.dx]).toEqual([1, 2, 0, 12, 0]);
  });
});

describe('gradients against central differences', () => {
  it.each([
    ['avg', 2, 1, 'valid'], ['avg', 3, 2, 'same'], ['avg', 6, 2, 'same'], ['max', 3, 1, 'valid'], ['max', 2, 2, 'same'], ['max', 4, 3, 'same'],
  ] as [Op, number, number, 'valid' | 'same'][])('%s poolSize %i strides %i %s', (op, k, s, padding) => {
    const rt = rts.get('simd-mt@3')!;
    const [B, T, C] = [2, 7, 5];
    const o = { poolSize: k, strides: s, padding };
    const { Tout } = pool1dGeometry('t', T, o);
    const perm = ints(B * T * C, 0, 1 << 30, 5);
    const x = Float32Array.from(perm, (v, i) => ((v % 1000) * 1000 + i) * 1e-5);
    const r = uniform(B * Tout * C, -1, 1, 6);
    const loss = (xx: Float32Array) => runFast(rt, op, B, T, C, o, xx, r).y.reduce((a, v, i) => a + r[i] * v, 0);
    const an = runFast(rt, op, B, T, C, o, x, r).dx;
    const h = op === 'avg' ? 0.25 : 1e-3;
    for (let i = 0; i < x.length; i++) {
      const a = x.slice(), b = x.slice();
      a[i] += h; b[i] -= h;
      const num = (loss(a) - loss(b)) / (a[i] - b[i]);
      expect(Math.abs(an[i] - num), `dx[${i}]: ${an[i]} vs ${num}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(num)));
    }
  });
});

describe('spatial dropout mask application against the twin', () => {
  it('B, T, C over the edge sizes, bitwise at every thread count; dropped channels are 0 even for inf / NaN', () => {
    for (const B of [1, 2, 3]) for (const T of [1, 3, 4, 5, 7, 13]) for (const C of [1, 3, 4, 5, 7, 13]) {
      const x = uniform(B * T * C, -2, 2, B * 1000 + T * 10 + C);
      x[0] = Infinity; if (x.length > 2) x[2] = NaN;
      const m = Float32Array.from(ints(B * C, 0, 2, T + C), (v) => v * 1.25);
      ref.reset();
      const px = ref.put(x), pm = ref.put(m), py = ref.alloc(x.length), pdx = ref.alloc(x.length);
      ref.call('f32_spatial_dropout_fwd', px, pm, py, B, T, C);
      ref.call('f32_spatial_dropout_bwd', px, pm, pdx, B, T, C);
      const want = ref.f32(py, x.length);
      expectBitwise(ref.f32(pdx, x.length), want, 'twin bwd = fwd');
      for (let i = 0; i < x.length; i++) {
        const mv = m[Math.floor(i / (T * C)) * C + (i % C)];
        expect(Object.is(want[i], mv ? Math.fround(x[i] * mv) : 0), `twin ${i}`).toBe(true);
      }
      for (const [name, rt] of rts) {
        const [y, dx] = rt.step(() => {
          const tx = rt.temp([B, T, C]).set(x), tm = rt.temp([B, C]).set(m), ty = rt.temp([B, T, C]).fill(7), tdx = rt.temp([B, T, C]).fill(7);
          spatialDropout(rt, tx, tm, ty);
          spatialDropout(rt, tx, tm, tdx, true);
          return [ty.f32().slice(), tdx.f32().slice()];
        });
        expectBitwise(y, want, `B${B} T${T} C${C} ${name} fwd`);
        expectBitwise(dx, want, `B${B} T${T} C${C} ${name} bwd`);
      }
    }
  });
});

describe('bad input', () => {
  it('refuses bad options, shapes, dtypes, aliasing and argmax entries outside their window', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const o: Pool1dOptions = { poolSize: 2, strides: 2, padding: 'valid' };
      const x = rt.temp([2, 5, 3]), y = rt.temp([2, 2, 3]), a = rt.temp([2, 2, 3], 'i32'), dy = rt.temp([2, 2, 3]), dx = rt.temp([2, 5, 3]);
      expect(() => maxPool1d(rt, x, y, a, o)).not.toThrow();
      expect(() => avgPool1d(rt, x, rt.temp([2, 3, 3]), o)).toThrow(/avgPool1d: y must have shape \(2, 2, 3\) \(batch, windows, channels\), got \(2, 3, 3\)/);
      expect(() => avgPool1d(rt, rt.temp([10, 3]), y, o)).toThrow(/avgPool1d: x must have rank 3/);
      expect(() => avgPool1d(rt, x, y, { ...o, poolSize: 6 })).toThrow(/with padding 'valid' a window of poolSize 6 steps does not fit in sequences of 5 steps; use padding 'same'/);
      expect(() => avgPool1d(rt, x, y, { ...o, strides: 0 })).toThrow(/strides must be a whole number >= 1, got 0/);
      expect(() => avgPool1d(rt, x, y, { ...o, padding: 'causal' as any })).toThrow(/padding must be 'valid' or 'same', got causal/);
      expect(() => avgPool1d(rt, x, y, null as any)).toThrow(TypeError);
      expect(() => maxPool1d(rt, x, y, rt.temp([2, 2, 3]), o)).toThrow(/argmax must be i32, got f32/);
      expect(() => maxPool1d(rt, x, y, x as any, o)).toThrow(/argmax must be i32/);
      expect(() => avgPool1dBackward(rt, dy, dx, o)).not.toThrow();
      expect(() => avgPool1dBackward(rt, dy, dy.view([2, 2, 3]) as any, o)).toThrow(/dy must have shape \(2, 1, 3\)/);
      const bad = rt.temp([2, 2, 3], 'i32').set([0, 0, 1, 2, 3, 3, 0, 1, 1, 3, 1, 3]);
      expect(() => maxPool1dBackward(rt, bad, dy, dx, o)).toThrow(/argmax entry 10 is 1, not a step of its window \(2 to 3\)/);
      bad.set([0, 0, 1, 2, 3, 3, 0, 1, 1, 3, 3, 3]);
      expect(() => maxPool1dBackward(rt, bad, dy, dx, o)).not.toThrow();
      const m = rt.temp([2, 3]);
      expect(() => spatialDropout(rt, x, rt.temp([2, 5]), rt.temp([2, 5, 3]))).toThrow(/m must have shape \(2, 3\) \(batch, channels\), got \(2, 5\)/);
      expect(() => spatialDropout(rt, rt.temp([2, 3]), m, rt.temp([2, 3]))).toThrow(/x must have rank 3/);
      expect(() => spatialDropout(rt, x, m, rt.temp([2, 5, 4]))).toThrow(/y has shape \(2, 5, 4\) but x has \(2, 5, 3\)/);
      // the mask kernel is Dropout's on ones: kept channels are exactly 1 / (1 - rate)
      const ones = rt.temp([4, 64]).fill(1);
      dropout(rt, ones, ones, { rate: 0.25, seed: 5 });
      for (const v of ones.f32()) expect(v === 0 || v === Math.fround(1 / 0.75)).toBe(true);
    });
  });
});
