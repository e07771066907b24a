// Unary activations: every op against its f64 twin over the edge-size matrix, in every build and
// thread count, bitwise equal across them; gradients against the twin and finite differences.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { edgeSizes, expectBitwise, expectClose, uniform } from '../helpers/data.js';
import { UNARY_OPS, unaryBackward, unaryForward, type UnaryOp } from '../../src/kernels/unary.js';
import type { Runtime } from '../../src/runtime/runtime.js';

const RANGE: Record<UnaryOp, [number, number]> = {
  relu: [-3, 3], sigmoid: [-20, 20], tanh: [-6, 6], gelu: [-6, 6], exp: [-20, 20], log: [1e-3, 100], softplus: [-30, 30],
};
// max relative error of the fast kernels vs the f64 twin (documented in assembly/core/mathf.ts)
const RTOL: Record<UnaryOp, number> = { relu: 0, sigmoid: 5e-7, tanh: 5e-7, gelu: 1e-6, exp: 3e-7, log: 3e-7, softplus: 5e-7 };
// gelu below x = -4 (|y| < 1e-4): the erfc fit evaluated in f32 reaches 2e-6 relative there
const ATOL: Record<UnaryOp, number> = { relu: 0, sigmoid: 0, tanh: 0, gelu: 1e-10, exp: 0, log: 0, softplus: 0 };

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

function run(rt: Runtime, op: UnaryOp, x: Float32Array, dyv: Float32Array) {
  return rt.step(() => {
    const tx = rt.temp([x.length]).set(x);
    const ty = rt.temp([x.length]);
    unaryForward(rt, op, tx, ty);
    const tdy = rt.temp([x.length]).set(dyv);
    const tdx = rt.temp([x.length]);
    unaryBackward(rt, op, tx, ty, tdy, tdx);
    return { y: ty.f32().slice(), dx: tdx.f32().slice() };
  });
}

describe.each(UNARY_OPS.map((op) => [op]))('%s', (op) => {
  const sizes = edgeSizes(4, [1000, 4099]);
  it.each(sizes.map((n) => [n]))('n=%i matches the twin in every build, bitwise across threads', (n) => {
    const [lo, hi] = RANGE[op];
    const x = uniform(n, lo, hi, n + 1);
    const dy = uniform(n, -1, 1, n + 2);
    ref.reset();
    const px = ref.put(x), py = ref.alloc(n), pdy = ref.put(dy), pdx = ref.alloc(n);
    ref.call(`f32_${op}_fwd`, px, py, n);
    const yRef = ref.f32(py, n);
    let first: { y: Float32Array; dx: Float32Array } | null = null;
    for (const [label, rt] of rts) {
      const out = run(rt, op, x, dy);
      expectClose(out.y, yRef, RTOL[op], ATOL[op], `${op} fwd ${label}`);
      // the twin's backward from the fast forward's y, so only the gradient formula is compared
      const pyFast = ref.put(out.y);
      ref.call(`f32_${op}_bwd`, px, pyFast, pdy, pdx, n);
      expectClose(out.dx, ref.f32(pdx, n), Math.max(RTOL[op], 1e-6) * 4, 1e-7, `${op} bwd ${label}`);
      if (first) { expectBitwise(out.y, first.y, `${op} y ${label}`); expectBitwise(out.dx, first.dx, `${op} dx ${label}`); }
      else first = out;
    }
  });

  it('gradient matches finite differences (f64 central differences of the fast forward)', () => {
    const rt = rts.get('simd@1')!;
    const [lo, hi] = RANGE[op];
    // keep away from relu's kink and log's pole
    const x = uniform(64, op === 'log' ? 0.5 : Math.max(lo, -4), Math.min(hi, 4), 99).map((v) => (op === 'relu' && Math.abs(v) < 0.05 ? 0.5 : v));
    const dy = new Float32Array(64).fill(1);
    const { dx } = run(rt, op, x, dy);
    const h = 1e-2;
    const f = (v: Float32Array) => run(rt, op, v, dy).y;
    const xp = x.map((v) => v + h), xm = x.map((v) => v - h);
    const yp = f(xp), ym = f(xm);
    for (let i = 0; i < 64; i++) {
      const num = (yp[i] - ym[i]) / (2 * h);
      expect(Math.abs(dx[i] - num)).toBeLessThan(2e-3 * Math.max(1, Math.abs(num)));
    }
  });
});

describe('special values', () => {
  it('exp, log, sigmoid, tanh at the edges of their range', () => {
    const rt = rts.get('simd@1')!;
    const x = new Float32Array([0, -0, 1e-30, -1e4, 1e4, Infinity, -Infinity, NaN, 88, -87, 100, -100]);
    const dy = new Float32Array(x.length).fill(1);
    const exp = run(rt, 'exp', x, dy).y;
    expect(exp[3]).toBe(0);
    expect(exp[4]).toBe(Infinity);
    expect(exp[5]).toBe(Infinity);
    expect(exp[6]).toBe(0);
    expect(Number.isNaN(exp[7])).toBe(true);
    expect(Math.abs(exp[8] - Math.exp(88)) / Math.exp(88)).toBeLessThan(3e-7);
    const sig = run(rt, 'sigmoid', x, dy).y;
    expect(sig[3]).toBe(0);
    expect(sig[4]).toBe(1);
    expect(sig[0]).toBe(0.5);
    const th = run(rt, 'tanh', x, dy).y;
    expect(th[4]).toBe(1);
    expect(th[3]).toBe(-1);
    expect(Object.is(th[1], -0)).toBe(true);
    const lg = run(rt, 'log', new Float32Array([0, -1, Infinity, NaN, 1, Math.E]), dy.subarray(0, 6)).y;
    expect(lg[0]).toBe(-Infinity);
    expect(Number.isNaN(lg[1])).toBe(true);
    expect(lg[2]).toBe(Infinity);
    expect(Number.isNaN(lg[3])).toBe(true);
    expect(lg[4]).toBe(0);
    const sp = run(rt, 'softplus', new Float32Array([-1e4, 1e4, 0]), dy.subarray(0, 3)).y;
    expect(sp[0]).toBe(0);
    expect(sp[1]).toBe(1e4);
    expect(Math.abs(sp[2] - Math.LN2)).toBeLessThan(1e-7);
  });
});

describe('bad input', () => {
  it('refuses mismatched shapes, unknown ops, freed and stale tensors', () => {
    const rt = rts.get('simd@1')!;
    const a = rt.alloc([4]), b = rt.alloc([5]);
    expect(() => unaryForward(rt, 'tanh', a, b)).toThrow(/shape \(5,\) but x has \(4,\)/);
    expect(() => unaryForward(rt, 'nope' as UnaryOp, a, a)).toThrow(/unknown activation 'nope'/);
    rt.free(b);
    expect(() => unaryForward(rt, 'tanh', a, b)).toThrow(/not inside a live allocation/);
    const t = rt.temp([4]);
    rt.endStep();
    expect(() => unaryForward(rt, 'tanh', t, a)).toThrow(/step that has ended/);
    rt.free(a);
  });
});
