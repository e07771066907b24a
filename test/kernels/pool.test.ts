// Global average / max pooling over time, mask-aware: forward and backward against the scalar twin
// over a matrix of batch, steps and channels with no mask, random masks, padding-style masks (with
// empty rows) and ties / NaNs, in every build and thread count, bitwise (same f32 operations in the
// same order) and bitwise across the runtimes; gradients against central differences; masked steps
// never leak into the result; bad input refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { expectBitwise, ints, rng, uniform } from '../helpers/data.js';
import { globalAvgPool1d, globalAvgPool1dBackward, globalMaxPool1d, globalMaxPool1dBackward } from '../../src/kernels/pool.js';
import { Tensor } from '../../src/tensor.js';
import type { Runtime } from '../../src/runtime/runtime.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

type Op = 'avg' | 'max';
type MaskKind = 'none' | 'random' | 'lengths' | 'all-masked';
interface Case { op: Op; B: number; T: number; C: number; mask: MaskKind; data: 'uniform' | 'ties' | 'nan' }
interface Out { y: Float32Array; argmax: Int32Array | null; dx: Float32Array }

function makeMask(kind: MaskKind, B: number, T: number, seed: number): Float32Array | null {
  if (kind === 'none') return null;
  const m = new Float32Array(B * T);
  const r = rng(seed);
  for (let b = 0; b < B; b++) {
    // lengths: each row keeps a prefix (row 0 keeps nothing when B > 1), like padded sequences
    const len = b === 0 && B > 1 ? 0 : Math.floor(r() * (T + 1));
    for (let t = 0; t < T; t++) {
      if (kind === 'random') m[b * T + t] = r() < 0.7 ? 1 : 0;
      else if (kind === 'lengths') m[b * T + t] = t < len ? 1 : 0;
    }
  }
  return m;
}

function makeX(c: Case, seed: number, mask: Float32Array | null): Float32Array {
  const n = c.B * c.T * c.C;
  const x = c.data === 'uniform' ? uniform(n, -2, 2, seed) : Float32Array.from(ints(n, -2, 3, seed));
  if (c.data === 'nan') for (const p of ints(Math.ceil(n / 40), 0, Math.max(n, 1), seed + 1)) if (p < n) x[p] = NaN;
  // masked steps hold garbage, which must not reach y
  if (mask) {
    for (let i = 0; i < n; i++) {
      const bt = Math.floor(i / c.C);
      if (mask[bt] === 0) x[i] = i % 3 === 0 ? Infinity : i % 3 === 1 ? NaN : -Infinity;
    }
  }
  return x;
}

function runFast(rt: Runtime, c: Case, x: Float32Array, mask: Float32Array | null, dy: Float32Array): Out {
  return rt.step(() => {
    const tx = rt.temp([c.B, c.T, c.C]).set(x);
    const tm = mask ? rt.temp([c.B, c.T]).set(mask) : null;
    const ty = rt.temp([c.B, c.C]).fill(NaN);
    const tdy = rt.temp([c.B, c.C]).set(dy);
    const tdx = rt.temp([c.B, c.T, c.C]).fill(NaN);
    let argmax: Int32Array | null = null;
    if (c.op === 'avg') {
      globalAvgPool1d(rt, tx, tm, ty);
      globalAvgPool1dBackward(rt, tm, tdy, tdx);
    } else {
      const ta = rt.temp([c.B, c.C], 'i32').fill(-7);
      globalMaxPool1d(rt, tx, tm, ty, ta);
      globalMaxPool1dBackward(rt, ta, tdy, tdx);
      argmax = ta.i32().slice();
    }
    return { y: ty.f32().slice(), argmax, dx: tdx.f32().slice() };
  });
}

function runRef(c: Case, x: Float32Array, mask: Float32Array | null, dy: Float32Array): Out {
  ref.reset();
  const nY = c.B * c.C, nX = c.B * c.T * c.C;
  const px = ref.put(x), pm = mask ? ref.put(mask) : 0, py = ref.alloc(nY), pa = ref.alloc(nY), pdy = ref.put(dy), pdx = ref.alloc(nX);
  if (c.op === 'avg') {
    ref.call('f32_avgpool1d_fwd', px, pm, py, c.B, c.T, c.C);
    ref.call('f32_avgpool1d_bwd', pm, pdy, pdx, c.B, c.T, c.C);
  } else {
    ref.call('f32_maxpool1d_fwd', px, pm, py, pa, c.B, c.T, c.C);
    ref.call('f32_maxpool1d_bwd', pa, pdy, pdx, c.B, c.T, c.C);
  }
  return { y: ref.f32(py, nY), argmax: c.op === 'max' ? ref.i32(pa, nY) : null, dx: ref.f32(pdx, nX) };
}

function check(c: Case, seed: number): void {
  const mask = makeMask(c.mask, c.B, c.T, seed);
  const x = makeX(c, seed + 1, mask);
  const dy = uniform(c.B * c.C, -1, 1, seed + 2);
  const want = runRef(c, x, mask, dy);
  let first: Out | null = null;
  for (const [name, rt] of rts) {
    const got = runFast(rt, c, x, mask, dy);
    const what = `${c.op} B${c.B} T${c.T} C${c.C} mask ${c.mask} ${c.data} ${name}`;
    expectBitwise(got.y, want.y, `${what} y vs twin`);
    expectBitwise(got.dx, want.dx, `${what} dx vs twin`);
    if (c.op === 'max') expectBitwise(got.argmax!, want.argmax!, `${what} argmax vs twin`);
    if (first) {
      expectBitwise(got.y, first.y, `${what} y vs simd@1`);
      expectBitwise(got.dx, first.dx, `${what} dx vs simd@1`);
      if (c.op === 'max') expectBitwise(got.argmax!, first.argmax!, `${what} argmax vs simd@1`);
    } else first = got;
    // masked garbage (inf, NaN) never reaches y
    if (mask && c.data === 'uniform') for (const v of got.y) if (!Number.isFinite(v)) throw new Error(`${what}: masked garbage reached y: ${v}`);
  }
}

const BS = [0, 1, 2, 3, 5];
const TS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 31, 97];
const CS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 17, 31, 64, 67];
const MASKS: MaskKind[] = ['none', 'random', 'lengths', 'all-masked'];

describe.each([['avg'], ['max']] as [Op][])('%s pooling against the twin', (op) => {
  const datas = op === 'avg' ? ['uniform'] as const : ['uniform', 'ties', 'nan'] as const;
  it.each(MASKS.flatMap((m) => datas.map((d) => [m, d])))('mask %s, %s data: B, T, C over the edge sizes', (mask, data) => {
    let n = 0;
    for (const B of BS) for (const T of TS) for (const C of CS) {
      n++;
      // the biggest shapes with every fourth combination only, to keep the matrix quick
      if (B * T * C > 5000 && n % 4 !== 0) continue;
      check({ op, B, T, C, mask: mask as MaskKind, data: data as Case['data'] }, n * 31 + MASKS.indexOf(mask as MaskKind));
    }
  });

  it('a larger shape: B=9 T=300 C=130, lengths mask', () => {
    check({ op, B: 9, T: 300, C: 130, mask: 'lengths', data: 'uniform' }, 7);
  });
});

describe('closed forms', () => {
  it('mean and max over a prefix of kept steps; rows with nothing kept give 0 and argmax -1', () => {
    const rt = rts.get('simd-mt@3')!;
    const [B, T, C] = [4, 9, 6];
    const lens = [0, 1, 5, 9];
    // x[b,t,c] = t * (c + 1) - c, so the mean over t < L is (L-1)/2 * (c+1) - c, the max is at L-1
    const x = new Float32Array(B * T * C);
    const mask = new Float32Array(B * T);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
      mask[b * T + t] = t < lens[b] ? 1 : 0;
      for (let c = 0; c < C; c++) x[(b * T + t) * C + c] = t * (c + 1) - c;
    }
    const dy = uniform(B * C, -1, 1, 3);
    const avg = runFast(rt, { op: 'avg', B, T, C, mask: 'lengths', data: 'uniform' }, x, mask, dy);
    const mx = runFast(rt, { op: 'max', B, T, C, mask: 'lengths', data: 'uniform' }, x, mask, dy);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
      const L = lens[b];
      expect(avg.y[b * C + c]).toBe(L ? (L - 1) / 2 * (c + 1) - c : 0);
      expect(mx.y[b * C + c]).toBe(L ? (L - 1) * (c + 1) - c : 0);
      expect(mx.argmax![b * C + c]).toBe(L ? L - 1 : -1);
      for (let t = 0; t < T; t++) {
        const g = dy[b * C + c];
        expect(avg.dx[(b * T + t) * C + c]).toBe(t < L ? Math.fround(g / L) : 0);
        expect(mx.dx[(b * T + t) * C + c]).toBe(t === L - 1 ? g : 0);
      }
    }
  });

  it('max ties go to the first step, -0 and +0 tie, and a NaN wins; no mask means every step', () => {
    const rt = rts.get('simd@1')!;
    // T = 4, C = 5: column c's steps
    const cols = [[1, 3, 3, 2], [-0, 0, -1, -0], [0, NaN, 5, NaN], [-Infinity, -Infinity, -Infinity, -Infinity], [2, 2, 2, 2]];
    const [B, T, C] = [1, 4, 5];
    const x = new Float32Array(T * C);
    for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) x[t * C + c] = cols[c][t];
    const out = runFast(rt, { op: 'max', B, T, C, mask: 'none', data: 'uniform' }, x, null, new Float32Array(C).fill(1));
    expect([...out.argmax!]).toEqual([1, 0, 1, 0, 0]);
    expect(out.y[0]).toBe(3);
    expect(Object.is(out.y[1], -0)).toBe(true);
    expect(Number.isNaN(out.y[2])).toBe(true);
    expect(out.y[3]).toBe(-Infinity);
    expect(out.y[4]).toBe(2);
  });
});

describe('gradients against central differences', () => {
  // L = sum(r * y) in f64 over the fast forward's y
  function loss(rt: Runtime, c: Case, x: Float32Array, mask: Float32Array | null, r: Float32Array): number {
    const y = runFast(rt, c, x, mask, r).y;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += r[i] * y[i];
    return s;
  }
  it.each([['avg', 'none'], ['avg', 'random'], ['max', 'none'], ['max', 'lengths']] as [Op, MaskKind][])('%s, mask %s', (op, maskKind) => {
    const rt = rts.get('simd-mt@2')!;
    const [B, T, C] = [3, 7, 5];
    const c: Case = { op, B, T, C, mask: maskKind, data: 'uniform' };
    const mask = makeMask(maskKind, B, T, 11);
    // distinct values at least 0.01 apart along each column, so a step of 1e-3 never reorders the max
    const perm = ints(B * T * C, 0, 1 << 30, 5);
    const x = Float32Array.from(perm, (v, i) => ((v % 1000) * 1000 + i) * 1e-5);
    const r = uniform(B * C, -1, 1, 6);
    const an = runFast(rt, c, x, mask, r).dx;
    const h = op === 'avg' ? 0.25 : 1e-3;
    for (let i = 0; i < x.length; i++) {
      const a = x.slice(), b = x.slice();
      a[i] += h; b[i] -= h;
      const num = (loss(rt, c, a, mask, r) - loss(rt, c, b, mask, r)) / (a[i] - b[i]);
      expect(Math.abs(an[i] - num), `dx[${i}]: ${an[i]} vs ${num}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(num)));
    }
  });
});

describe('bad input', () => {
  it('refuses wrong shapes, dtypes, aliasing and argmax values that are not steps', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const x = rt.temp([2, 5, 3]), m = rt.temp([2, 5]), y = rt.temp([2, 3]), a = rt.temp([2, 3], 'i32');
      const dy = rt.temp([2, 3]), dx = rt.temp([2, 5, 3]);
      expect(() => globalAvgPool1d(rt, x, m, y)).not.toThrow();
      expect(() => globalMaxPool1d(rt, x, null, y, a)).not.toThrow();
      expect(() => globalAvgPool1d(rt, rt.temp([10, 3]), null, y)).toThrow(/globalAvgPool1d: x must have rank 3 \(batch, steps, channels\), got shape \(10, 3\)/);
      expect(() => globalAvgPool1d(rt, x, rt.temp([2, 4]), y)).toThrow(/mask must have shape \(2, 5\) \(batch, steps: nonzero keeps a step\), got \(2, 4\)/);
      expect(() => globalAvgPool1d(rt, x, rt.temp([2, 5], 'i32'), y)).toThrow(/mask must be f32, got i32/);
      expect(() => globalAvgPool1d(rt, x, m, rt.temp([2, 5]))).toThrow(/y must have shape \(2, 3\) \(batch, channels\), got \(2, 5\)/);
      expect(() => globalMaxPool1d(rt, x, m, y, rt.temp([2, 3]))).toThrow(/argmax must be i32, got f32/);
      expect(() => globalMaxPool1d(rt, x, m, y, rt.temp([3, 2], 'i32'))).toThrow(/argmax must have shape \(2, 3\)/);
      expect(() => globalAvgPool1d(rt, x, m, new Tensor(rt, x.ptr + 8, [2, 3], 'f32', x.generation))).toThrow(/y overlaps x in memory/);
      expect(() => globalMaxPool1d(rt, x, m, y, new Tensor(rt, y.ptr, [2, 3], 'i32', y.generation))).toThrow(/y overlaps argmax/);
      expect(() => globalAvgPool1dBackward(rt, m, rt.temp([3, 3]), dx)).toThrow(/dy must have shape \(2, 3\) \(batch, channels: the shape of the forward output\)/);
      expect(() => globalAvgPool1dBackward(rt, rt.temp([2, 4]), dy, dx)).toThrow(/mask must have shape \(2, 5\)/);
      expect(() => globalAvgPool1dBackward(rt, null, dy, new Tensor(rt, dy.ptr, [2, 1, 3], 'f32', dy.generation))).toThrow(/dx overlaps dy/);
      expect(() => globalMaxPool1dBackward(rt, a, dy, rt.temp([2, 5, 4]))).toThrow(/argmax must have shape \(2, 4\)/);
      const bad = rt.temp([2, 3], 'i32').set([0, 1, 2, -1, 5, 0]);
      expect(() => globalMaxPool1dBackward(rt, bad, dy, dx)).toThrow(/argmax\[1, 1\] is 5, not a step of dx \(0 to 4, or -1 for none\)/);
      bad.set([0, 1, 2, -2, 4, 0]);
      expect(() => globalMaxPool1dBackward(rt, bad, dy, dx)).toThrow(/argmax\[1, 0\] is -2/);
      bad.set([0, 1, 2, -1, 4, 0]);
      expect(() => globalMaxPool1dBackward(rt, bad, dy, dx)).not.toThrow();
    });
    const x = rt.alloc([2, 5, 3]), y = rt.alloc([2, 3]);
    const t = rt.temp([2, 5]);
    rt.endStep();
    expect(() => globalAvgPool1d(rt, x, t, y)).toThrow(/mask \(2, 5\) is a step tensor from a step that has ended/);
    rt.free(y);
    expect(() => globalAvgPool1d(rt, x, null, y)).toThrow(/y \(2, 3\).*not inside a live allocation/);
    rt.free(x);
  });
});
