// Reductions sum, mean, max, argmax over either axis: against the scalar twin over a matrix of
// edge shapes, in every build and thread count, bitwise equal across them; axis-0 sums bitwise
// against the plain sequential f32 loop; gradients against the twin and central differences;
// NaN, ties and signed zeros; bad input refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { edgeSizes, expectBitwise, ints, uniform } from '../helpers/data.js';
import { argmax, reduce, reduceBackward, type ReduceOp } from '../../src/kernels/reduce.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { Tensor } from '../../src/tensor.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

type Op = ReduceOp | 'argmax';
const OPS: Op[] = ['sum', 'mean', 'max', 'argmax'];
const ROWS = [0, 1, 2, 3, 5, 17, 67];
const COLS = edgeSizes(4, [15, 16, 17, 33, 48, 1031]);

interface Out { y: Float32Array | Int32Array; dx: Float32Array }

function run(rt: Runtime, op: Op, x: Float32Array, rows: number, cols: number, axis: number, dy: Float32Array | null): Out {
  return rt.step(() => {
    const tx = rt.temp([rows, cols]).set(x);
    const outLen = axis === 1 ? rows : cols;
    const ty = rt.temp([outLen], op === 'argmax' ? 'i32' : 'f32');
    if (op === 'argmax') argmax(rt, tx, ty, axis);
    else reduce(rt, op, tx, ty, axis);
    const tdx = rt.temp([rows, cols]).fill(0);
    if (dy && op !== 'argmax') {
      const tdy = rt.temp([outLen]).set(dy);
      reduceBackward(rt, op, op === 'max' ? tx : null, op === 'max' ? ty : null, tdy, tdx, axis);
    }
    return { y: ty.toArray(), dx: tdx.f32().slice() };
  });
}

// x[r, c] for line k of the reduction, i-th element along it
const at = (x: ArrayLike<number>, k: number, i: number, cols: number, axis: number) => (axis === 1 ? x[k * cols + i] : x[i * cols + k]);

// continuous data, or small integers (many ties), with a few NaNs in some lines when asked
function data(kind: 'uniform' | 'ties' | 'nan', n: number, seed: number): Float32Array {
  if (kind === 'uniform') return uniform(n, -1, 1, seed);
  const x = Float32Array.from(ints(n, -3, 4, seed));
  if (kind === 'nan') {
    const pos = ints(Math.ceil(n / 50), 0, Math.max(n, 1), seed + 1);
    for (const p of pos) if (p < n) x[p] = NaN;
  }
  return x;
}

describe.each(OPS.map((op) => [op]))('%s', (op) => {
  const kinds: ('uniform' | 'ties' | 'nan')[] = op === 'max' || op === 'argmax' ? ['uniform', 'ties', 'nan'] : ['uniform'];
  it.each([1, 0].flatMap((axis) => kinds.map((k) => [axis, k])))('axis %i, %s data: twin in every build, bitwise across threads', (axis, kind) => {
    const ax = axis as number;
    for (const rows of ROWS) {
      for (const cols of COLS) {
        const count = ax === 1 ? cols : rows, outLen = ax === 1 ? rows : cols;
        if (op !== 'sum' && count === 0 && outLen > 0) continue; // refused, tested below
        const n = rows * cols;
        const what = `${op} axis ${ax} ${kind} (${rows}, ${cols})`;
        const x = data(kind as 'uniform', n, rows * 1009 + cols * 7 + ax);
        const dy = uniform(outLen, -1, 1, n + 5);
        ref.reset();
        const px = ref.put(x), py = ref.alloc(outLen), pdx = ref.alloc(n);
        ref.call(`f32_${op}_fwd`, px, py, rows, cols, ax);
        const yRef = op === 'argmax' ? ref.i32(py, outLen) : ref.f32(py, outLen);
        let first: Out | null = null;
        for (const [label, rt] of rts) {
          const out = run(rt, op, x, rows, cols, ax, dy);
          if (op === 'sum' || op === 'mean') {
            // twin sums in f64: within 1e-6 of the sum of |x| (over the count for mean)
            for (let k = 0; k < outLen; k++) {
              let mag = 0;
              for (let i = 0; i < count; i++) mag += Math.abs(at(x, k, i, cols, ax));
              const tol = 1e-6 * (op === 'mean' ? mag / count : mag) + 1e-30;
              const got = out.y[k], want = yRef[k];
              if (!(Math.abs(got - want) <= tol) && !(Number.isNaN(got) && Number.isNaN(want))) {
                throw new Error(`${what} ${label} y[${k}]: got ${got} want ${want} (tol ${tol})`);
              }
            }
            if (ax === 0) {
              // axis 0 is the plain loop: each column top to bottom in f32, from row 0
              const seq = new Float32Array(outLen);
              for (let k = 0; k < outLen; k++) {
                let s = rows > 0 ? x[k] : 0;
                for (let i = 1; i < rows; i++) s = Math.fround(s + x[i * cols + k]);
                seq[k] = op === 'mean' ? Math.fround(s / rows) : s;
              }
              expectBitwise(out.y as Float32Array, seq, `${what} ${label} vs the sequential f32 loop`);
            }
          } else {
            expectBitwise(out.y, yRef, `${what} y ${label}`);
          }
          if (op !== 'argmax') {
            // the twin's backward from the fast forward's y
            const pyFast = ref.put(out.y), pdy = ref.put(dy);
            if (op === 'max') ref.call('f32_max_bwd', px, pyFast, pdy, pdx, rows, cols, ax);
            else ref.call(`f32_${op}_bwd`, pdy, pdx, rows, cols, ax);
            expectBitwise(out.dx, ref.f32(pdx, n), `${what} dx ${label}`);
          }
          if (first) {
            expectBitwise(out.y, first.y, `${what} y ${label} vs simd@1`);
            expectBitwise(out.dx, first.dx, `${what} dx ${label} vs simd@1`);
          } else first = out;
        }
      }
    }
  });
});

describe('gradients match central differences of the fast forward', () => {
  it.each((['sum', 'mean', 'max'] as ReduceOp[]).flatMap((op) => [[op, 1], [op, 0]]))('%s axis %i', (op, axis) => {
    const rt = rts.get('simd@1')!;
    const rows = 5, cols = 7, n = rows * cols;
    const ax = axis as number;
    // distinct values at least 0.1 apart, so max keeps its position under a step of h
    const x = Float32Array.from(uniform(n, 0, 1, 42), (u, i) => ((i * 17) % n) * 0.1 - 1.5 + 0.01 * u);
    const outLen = ax === 1 ? rows : cols;
    const w = uniform(outLen, -1, 1, 43);
    const { dx } = run(rt, op as ReduceOp, x, rows, cols, ax, w);
    const loss = (v: Float32Array) => {
      const y = run(rt, op as ReduceOp, v, rows, cols, ax, null).y;
      let s = 0;
      for (let k = 0; k < outLen; k++) s += w[k] * y[k];
      return s;
    };
    const h = 1 / 64;
    for (let i = 0; i < n; i++) {
      const p = x.slice(), m = x.slice();
      p[i] += h; m[i] -= h;
      const num = (loss(p) - loss(m)) / (p[i] - m[i]);
      if (!(Math.abs(dx[i] - num) <= 1e-4 * Math.max(1, Math.abs(num)))) {
        throw new Error(`${op} axis ${ax} dx[${i}]: kernel ${dx[i]}, central difference ${num}`);
      }
    }
  });
});

describe('semantics', () => {
  it('closed forms on a small matrix, keepdims shapes, 1-D x and negative axes', () => {
    const rt = rts.get('simd-mt@3')!;
    rt.step(() => {
      const x = rt.temp([2, 3]).set([1, 5, 3, 4, 2, 6]);
      const y2 = rt.temp([2, 1]), y3 = rt.temp([1, 3]), yi = rt.temp([3], 'i32');
      reduce(rt, 'sum', x, y2, -1);
      expect([...y2.f32()]).toEqual([9, 12]);
      reduce(rt, 'mean', x, y3, 0);
      expect([...y3.f32()]).toEqual([2.5, 3.5, 4.5]);
      reduce(rt, 'max', x, y2, 1);
      expect([...y2.f32()]).toEqual([5, 6]);
      argmax(rt, x, yi, -2);
      expect([...yi.i32()]).toEqual([1, 0, 1]);
      const v = rt.temp([5]).set([3, -1, 7, 7, 2]);
      const s = rt.temp([1]), s0 = rt.temp([]), i0 = rt.temp([1], 'i32');
      reduce(rt, 'sum', v, s, 0);
      expect(s.f32()[0]).toBe(18);
      reduce(rt, 'max', v, s0, -1);
      expect(s0.f32()[0]).toBe(7);
      argmax(rt, v, i0, 0);
      expect(i0.i32()[0]).toBe(2);
      const dy = rt.temp([1]).set([2]), dv = rt.temp([5]);
      reduceBackward(rt, 'mean', null, null, dy, dv, 0);
      expect([...dv.f32()]).toEqual([0.4, 0.4, 0.4, 0.4, 0.4].map(Math.fround));
      reduceBackward(rt, 'max', v, s0, dy, dv, 0);
      expect([...dv.f32()]).toEqual([0, 0, 2, 0, 0]);
    });
  });

  it('first maximum wins; NaN is the maximum and argmax finds the first one; -0 equals +0', () => {
    for (const [label, rt] of rts) {
      rt.step(() => {
        // rows of 9 so that the hits fall in the SIMD body and in the tail
        const rows = [
          [1, 9, 9, 2, 9, 0, 0, 0, 0],
          [0, 0, 0, 0, 0, 0, 0, 5, 5],
          [1, 2, NaN, 4, NaN, 6, 7, 8, 9],
          [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
          [-0, 0, -0, 0, -1, -1, -1, -1, -1],
          [-5, -5, -5, -5, -5, -5, -5, -5, NaN],
        ];
        const x = rt.temp([6, 9]).set(rows.flat());
        const y = rt.temp([6]), yi = rt.temp([6], 'i32');
        reduce(rt, 'max', x, y, 1);
        argmax(rt, x, yi, 1);
        const m = [...y.f32()];
        expect(m.slice(0, 2)).toEqual([9, 5]);
        expect(Number.isNaN(m[2])).toBe(true);
        expect(m[3]).toBe(-Infinity);
        expect(Object.is(m[4], 0)).toBe(true);
        expect(Number.isNaN(m[5])).toBe(true);
        expect([...yi.i32()], label).toEqual([1, 7, 2, 0, 0, 8]);
        const dy = rt.temp([6]).set([1, 2, 3, 4, 5, 6]), dx = rt.temp([6, 9]);
        reduceBackward(rt, 'max', x, y, dy, dx, 1);
        const g = dx.f32();
        for (let r = 0; r < 6; r++) {
          for (let j = 0; j < 9; j++) expect(g[r * 9 + j], `${label} dx[${r}, ${j}]`).toBe(j === yi.i32()[r] ? r + 1 : 0);
        }
        // the same down the columns: transpose
        const xt = rt.temp([9, 6]);
        const xv = x.f32(), xtv = xt.f32();
        for (let r = 0; r < 6; r++) for (let j = 0; j < 9; j++) xtv[j * 6 + r] = xv[r * 9 + j];
        const yt = rt.temp([6]), yti = rt.temp([6], 'i32');
        reduce(rt, 'max', xt, yt, 0);
        argmax(rt, xt, yti, 0);
        expectBitwise(yt.f32().slice(), y.f32().slice(), `${label} max axis 0 vs axis 1`);
        expect([...yti.i32()]).toEqual([...yi.i32()]);
        const dxt = rt.temp([9, 6]);
        reduceBackward(rt, 'max', xt, yt, dy, dxt, 0);
        const gt = dxt.f32();
        for (let r = 0; r < 6; r++) for (let j = 0; j < 9; j++) expect(gt[j * 6 + r]).toBe(g[r * 9 + j]);
      });
    }
  });

  it('max backward routes nothing when no element equals y', () => {
    const rt = rts.get('simd-mt@2')!;
    rt.step(() => {
      const x = rt.temp([3, 5]).set(uniform(15, -1, 1, 3));
      const y = rt.temp([3]).set([5, 5, 5]), dy = rt.temp([3]).set([1, 1, 1]), dx = rt.temp([3, 5]).fill(9);
      reduceBackward(rt, 'max', x, y, dy, dx, 1);
      expect(dx.f32().every((v) => v === 0)).toBe(true);
    });
  });

  it('sum of an empty axis is 0; reductions of an empty tensor do nothing', () => {
    const rt = rts.get('simd-mt@3')!;
    rt.step(() => {
      const x = rt.temp([4, 0]), y = rt.temp([4]).fill(7);
      reduce(rt, 'sum', x, y, 1);
      expect([...y.f32()]).toEqual([0, 0, 0, 0]);
      const e = rt.temp([0, 0]), ye = rt.temp([0]), yei = rt.temp([0], 'i32');
      reduce(rt, 'max', e, ye, 0);
      argmax(rt, e, yei, 1);
    });
  });
});

describe('bad input', () => {
  it('refuses bad axes, shapes, dtypes, empty axes, overlaps, freed and stale tensors', () => {
    const rt = rts.get('simd@1')!;
    const x = rt.alloc([4, 5]), y4 = rt.alloc([4]), y5 = rt.alloc([5]), yi = rt.alloc([4], 'i32');
    expect(() => reduce(rt, 'sum', x, y4, 2)).toThrow(/sum: axis 2 is out of range for x of shape \(4, 5\); use 0 \(down the columns\) or 1 \/ -1 \(along the rows\)/);
    expect(() => reduce(rt, 'sum', x, y4, -3)).toThrow(/axis -3 is out of range/);
    expect(() => reduce(rt, 'sum', x, y4, 0.5)).toThrow(/axis 0.5 is out of range/);
    expect(() => reduce(rt, 'mean', x, y4, 0)).toThrow(/mean: y has shape \(4,\) but reducing x \(4, 5\) over axis 0 gives \(5,\) or \(1, 5\)/);
    expect(() => reduce(rt, 'max', x, yi, 1)).toThrow(/y must be f32, got i32/);
    expect(() => argmax(rt, x, y4, 1)).toThrow(/y must be i32, got f32/);
    expect(() => reduce(rt, 'prod' as ReduceOp, x, y4, 1)).toThrow(/unknown reduction 'prod'/);
    const x3 = rt.alloc([2, 2, 5]);
    expect(() => reduce(rt, 'sum', x3, y4, 1)).toThrow(/x must be 2-D \(rows, cols\) or 1-D, got shape \(2, 2, 5\)/);
    const empty = rt.alloc([4, 0]);
    expect(() => reduce(rt, 'max', empty, y4, 1)).toThrow(/max: axis 1 of x \(4, 0\) is empty, and max of nothing is undefined/);
    expect(() => reduce(rt, 'mean', empty, y4, -1)).toThrow(/mean: axis -1 of x \(4, 0\) is empty/);
    expect(() => argmax(rt, empty, yi, 1)).toThrow(/argmax: axis 1 of x \(4, 0\) is empty/);
    // overlap: y inside x
    const inside = new Tensor(rt, x.ptr + 8, [4], 'f32');
    expect(() => reduce(rt, 'sum', x, inside, 1)).toThrow(/y and x overlap in memory/);
    // backward
    const dx = rt.alloc([4, 5]);
    expect(() => reduceBackward(rt, 'sum', null, null, y5, dx, 1)).toThrow(/sum backward: dy has shape \(5,\) but reducing dx \(4, 5\) over axis 1 gives \(4,\) or \(4, 1\)/);
    expect(() => reduceBackward(rt, 'max', null, null, y4, dx, 1)).toThrow(/max backward: needs the forward's x and y/);
    expect(() => reduceBackward(rt, 'max', x3, y4, y4, dx, 1)).toThrow(/x must have shape \(4, 5\), got \(2, 2, 5\)/);
    expect(() => reduceBackward(rt, 'max', x, y4, y4, x, 1)).toThrow(/dx and x overlap in memory/);
    expect(() => reduceBackward(rt, 'mean', null, null, y4, dx, 3)).toThrow(/axis 3 is out of range for dx of shape \(4, 5\)/);
    // freed and stale
    rt.free(y5);
    expect(() => reduce(rt, 'sum', x, y5, 0)).toThrow(/y \(5,\) at \d+ \(\+20 bytes\) is not inside a live allocation/);
    const t = rt.temp([4, 5]);
    rt.endStep();
    expect(() => reduce(rt, 'sum', t, y4, 1)).toThrow(/x \(4, 5\) is a step tensor from a step that has ended/);
    for (const v of [x, y4, yi, x3, empty, dx]) rt.free(v);
  });
});
