// Unary activations: every op against its f64 twin over the edge-size matrix, in every build and
// thread count, bitwise equal across them; gradients against the twin and finite differences;
// extreme and special inputs (huge, tiny, subnormal, +-0, +-inf, NaN) against the twin and their limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { edgeSizes, expectBitwise, expectClose, uniform } from '../helpers/data.js';
import { UNARY_OPS, unaryBackward, unaryForward, type UnaryOp } from '../../src/kernels/unary.js';
import type { Runtime } from '../../src/runtime/runtime.js';

const RANGE: Record<UnaryOp, [number, number]> = {
  relu: [-3, 3], sigmoid: [-20, 20], tanh: [-6, 6], gelu: [-6, 6], exp: [-20, 20], log: [1e-3, 100], softplus: [-30, 30],
  elu: [-20, 5], selu: [-20, 5], silu: [-20, 20], leakyRelu: [-3, 3], relu6: [-2, 8], hardSigmoid: [-4, 4], hardSigmoidRelu6: [-4, 4],
  softsign: [-20, 20], mish: [-20, 20],
};
// max relative error of the fast kernels vs the f64 twin (documented in assembly/core/mathf.ts and
// assembly/kernels/unary.ts; measured over 2^20 points per op: elu 1.3e-7, selu 1.6e-7, silu 2.4e-7,
// leakyRelu 1.2e-7 (0.2 as f32), hardSigmoidRelu6 1.2e-7, softsign 1.2e-7, mish 2.9e-7)
const RTOL: Record<UnaryOp, number> = {
  relu: 0, sigmoid: 5e-7, tanh: 5e-7, gelu: 1e-6, exp: 3e-7, log: 3e-7, softplus: 5e-7,
  elu: 3e-7, selu: 3e-7, silu: 4e-7, leakyRelu: 2e-7, relu6: 0, hardSigmoid: 0, hardSigmoidRelu6: 2.4e-7, softsign: 2.4e-7, mish: 5e-7,
};
// gelu below x = -4 (|y| < 1e-4): the erfc fit evaluated in f32 reaches 2e-6 relative there.
// hardSigmoid is tfjs' f32 formula 0.5 + 0.2 x (0.2 as f32, two roundings), bit for bit: an
// absolute error up to 4e-8 against the exact clip(0.2 x + 0.5), large relative to y near 0.
// silu and mish flush to -0 below x = -87.3 (e^x subnormal), where |y| < 1e-36.
const ATOL: Record<UnaryOp, number> = {
  relu: 0, sigmoid: 0, tanh: 0, gelu: 1e-10, exp: 0, log: 0, softplus: 0,
  elu: 0, selu: 0, silu: 1e-36, leakyRelu: 0, relu6: 0, hardSigmoid: 6e-8, hardSigmoidRelu6: 0, softsign: 0, mish: 1e-36,
};
// where an op's derivative jumps (softsign's second derivative): finite differences keep away from these
const KINKS: Partial<Record<UnaryOp, number[]>> = { relu: [0], leakyRelu: [0], selu: [0], softsign: [0], relu6: [0, 6], hardSigmoid: [-2.5, 2.5], hardSigmoidRelu6: [-3, 3] };
/** The twin's kernel name of an op (the kernels spell it in snake case). */
const kernel = (op: UnaryOp) => op.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

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
    ref.call(`f32_${kernel(op)}_fwd`, px, py, n);
    const yRef = ref.f32(py, n);
    let first: { y: Float32Array; dx: Float32Array } | null = null;
    for (const [label, rt] of rts) {
      const out = run(rt, op, x, dy);
      expectClose(out.y, yRef, RTOL[op], ATOL[op], `${op} fwd ${label}`);
      // the twin's backward from the fast forward's y, so only the gradient formula is compared
      const pyFast = ref.put(out.y);
      ref.call(`f32_${kernel(op)}_bwd`, px, pyFast, pdy, pdx, n);
      expectClose(out.dx, ref.f32(pdx, n), Math.max(RTOL[op], 1e-6) * 4, 1e-7, `${op} bwd ${label}`);
      if (first) { expectBitwise(out.y, first.y, `${op} y ${label}`); expectBitwise(out.dx, first.dx, `${op} dx ${label}`); }
      else first = out;
    }
  });

  it('gradient matches finite differences (f64 central differences of the fast forward)', () => {
    const rt = rts.get('simd@1')!;
    const [lo, hi] = RANGE[op];
    // keep away from the kinks and log's pole
    const kinks = KINKS[op] ?? [];
    const x = uniform(64, op === 'log' ? 0.5 : Math.max(lo, -4), Math.min(hi, 4), 99).map((v) => (kinks.some((k) => Math.abs(v - k) < 0.05) ? v + 0.2 : v));
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

describe('extreme and special inputs of the Keras activations', () => {
  const NEW: UnaryOp[] = ['elu', 'selu', 'silu', 'leakyRelu', 'relu6', 'hardSigmoid', 'hardSigmoidRelu6', 'softsign', 'mish'];
  // 33 values (not a multiple of 4: the tail lanes too): zeros, tiny and subnormal, the branch
  // points (elu's -0.7 series / exp split, the hard sigmoids' corners), where e^x flushes, huge, inf, NaN
  const X = new Float32Array([
    0, -0, 1e-30, -1e-30, 1e-40, -1e-40, 1e-8, -1e-8, 0.5, -0.5, -0.7, -0.69999, -0.70001, 2.5, -2.5, 3, -3, 6,
    1e4, -1e4, 20, -20, 1.5, 88, -87, -87.5, -90, -104, 3e38, -3e38, Infinity, -Infinity, NaN,
  ]);
  const at = (v: number) => X.findIndex((u) => Object.is(u, Math.fround(v)) || (Number.isNaN(v) && Number.isNaN(u)));

  it.each(NEW.map((op) => [op]))('%s matches the twin on them (subnormal outputs within 1e-44), bitwise across builds and threads', (op) => {
    const n = X.length;
    const dy = uniform(n, 0.5, 1.5, 5);
    ref.reset();
    const px = ref.put(X), py = ref.alloc(n), pdy = ref.put(dy), pdx = ref.alloc(n);
    ref.call(`f32_${kernel(op)}_fwd`, px, py, n);
    const yRef = ref.f32(py, n);
    let first: { y: Float32Array; dx: Float32Array } | null = null;
    for (const [label, rt] of rts) {
      const out = run(rt, op, X, dy);
      expectClose(out.y, yRef, RTOL[op], Math.max(ATOL[op], 1e-44), `${op} fwd ${label}`);
      ref.call(`f32_${kernel(op)}_bwd`, px, ref.put(out.y), pdy, pdx, n);
      expectClose(out.dx, ref.f32(pdx, n), 4e-6, 1e-7, `${op} bwd ${label}`);
      if (first) { expectBitwise(out.y, first.y, `${op} y ${label}`); expectBitwise(out.dx, first.dx, `${op} dx ${label}`); } else first = out;
    }
  });

  it('NaN: every forward gives NaN; the piecewise-linear backwards take the slope their comparison picks (as relu), the smooth ones NaN', () => {
    const rt = rts.get('simd-mt@3')!;
    const x = new Float32Array([NaN, 1, NaN, -1, NaN]);
    const dy = new Float32Array(5).fill(1);
    const slopeAtNaN: Record<string, number> = { relu6: 0, leakyRelu: 0.2, hardSigmoid: 0, hardSigmoidRelu6: 0 };
    for (const op of NEW) {
      const { y, dx } = run(rt, op, x, dy);
      for (const i of [0, 2, 4]) {
        expect(Number.isNaN(y[i]), `${op}(NaN)`).toBe(true);
        if (op in slopeAtNaN) expect(dx[i], `${op}'(NaN)`).toBeCloseTo(slopeAtNaN[op], 7);
        else expect(Number.isNaN(dx[i]), `${op}'(NaN)`).toBe(true);
      }
      expect(Number.isNaN(y[1]) || Number.isNaN(y[3]), `${op}: NaN stays in its lane`).toBe(false);
    }
  });

  it('signed zeros, infinities and saturation: the limits, no NaN from inf * 0 or inf / inf', () => {
    const rt = rts.get('simd@1')!;
    const dy = new Float32Array(X.length).fill(1);
    const y = (op: UnaryOp, v: number) => run(rt, op, X, dy).y[at(v)];
    const d = (op: UnaryOp, v: number) => run(rt, op, X, dy).dx[at(v)];
    // -0 keeps its sign through the odd-at-0 ones; relu6 (max(-0, 0)) gives +0, as relu
    for (const op of ['elu', 'selu', 'silu', 'leakyRelu', 'softsign', 'mish'] as const) expect(Object.is(y(op, -0), -0), `${op}(-0)`).toBe(true);
    expect(Object.is(y('relu6', -0), 0)).toBe(true);
    expect(y('hardSigmoid', -0)).toBe(0.5);
    expect(y('hardSigmoidRelu6', -0)).toBe(0.5);
    // +inf
    for (const op of ['elu', 'silu', 'leakyRelu', 'mish', 'selu'] as const) expect(y(op, Infinity), `${op}(inf)`).toBe(Infinity);
    expect(y('relu6', Infinity)).toBe(6);
    expect(y('hardSigmoid', Infinity)).toBe(1);
    expect(y('hardSigmoidRelu6', Infinity)).toBe(1);
    expect(y('softsign', Infinity)).toBe(1);
    // -inf
    expect(y('elu', -Infinity)).toBe(-1);
    expect(y('selu', -Infinity)).toBe(Math.fround(-1.7580993408473766));
    expect(Object.is(y('silu', -Infinity), -0)).toBe(true);
    expect(Object.is(y('mish', -Infinity), -0)).toBe(true);
    expect(y('leakyRelu', -Infinity)).toBe(-Infinity);
    expect(y('relu6', -Infinity)).toBe(0);
    expect(y('hardSigmoid', -Infinity)).toBe(0);
    expect(y('hardSigmoidRelu6', -Infinity)).toBe(0);
    expect(y('softsign', -Infinity)).toBe(-1);
    // huge finite: the asymptotes, exactly
    expect(y('elu', -1e4)).toBe(-1);
    expect(y('softsign', 3e38)).toBe(1);
    expect(y('mish', 20)).toBe(20);
    expect(y('mish', 1e4)).toBe(1e4);
    expect(y('silu', 1e4)).toBe(1e4);
    expect(y('selu', 3e38)).toBe(Math.fround(Math.fround(3e38) * Math.fround(1.0507009873554805)));
    // where e^x flushes to 0 (x < -87.34) silu and mish give -0 (the exact values are below 6e-37)
    expect(Object.is(y('silu', -90), -0)).toBe(true);
    expect(Math.abs(y('silu', -87) + 87 * Math.exp(-87))).toBeLessThan(1e-42);
    // gradients: the limits at +-inf and far out
    for (const [op, pos, neg] of [['elu', 1, 0], ['selu', Math.fround(1.0507009873554805), 0], ['silu', 1, 0], ['mish', 1, 0], ['softsign', 0, 0], ['leakyRelu', 1, Math.fround(0.2)], ['relu6', 0, 0]] as const) {
      expect(d(op, Infinity), `${op}'(inf)`).toBe(pos);
      expect(Math.abs(d(op, -Infinity)), `${op}'(-inf)`).toBe(neg);
      expect(d(op, 1e4), `${op}'(1e4)`).toBeCloseTo(pos, 6);
    }
    // elu's gradient below 0 is e^x itself (not y + 1, which would be 0 here)
    expect(d('elu', -20) / Math.exp(-20)).toBeCloseTo(1, 6);
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
