// Philox4x32-10 and dropout: known-answer vectors, the twin over the edge-size matrix in every
// build and thread count (bitwise: the mask is integer arithmetic and x * scale one f32 multiply),
// the documented counter mapping, the same mask forward and backward, the kept fraction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { edgeSizes, expectBitwise, uniform } from '../helpers/data.js';
import { dropout, dropoutBackward, philox, seedWords } from '../../src/kernels/dropout.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { Tensor } from '../../src/tensor.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

// Known-answer vectors of Philox4x32-10 from the Random123 distribution (D. E. Shaw Research),
// file tests/kat_vectors, lines "philox4x32 10 <counter x4> <key x2> <expected x4>" (all hex).
const KAT: { counter: number[]; key: number[]; expected: number[] }[] = [
  { counter: [0, 0, 0, 0], key: [0, 0], expected: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
  { counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], key: [0xffffffff, 0xffffffff], expected: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd] },
  { counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], key: [0xa4093822, 0x299f31d0], expected: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1] },
];

function philoxFast(rt: Runtime, nblocks: number, counter: number[], key: number[]): Uint32Array {
  return rt.step(() => {
    const out = rt.temp([nblocks, 4], 'i32');
    philox(rt, out, { counter: counter as [number, number, number, number], key: key as [number, number] });
    return new Uint32Array(out.i32().slice().buffer);
  });
}

function philoxRef(nblocks: number, counter: number[], key: number[]): Uint32Array {
  ref.reset();
  const out = ref.alloc(nblocks * 4);
  ref.call('i32_philox_fwd', out, nblocks, ...counter.map((v) => v | 0), ...key.map((v) => v | 0));
  return new Uint32Array(ref.i32(out, nblocks * 4).buffer);
}

interface Opts { rate: number; seed: number | bigint; offset: number }

function runDrop(rt: Runtime, x: Float32Array, dy: Float32Array, o: Opts) {
  return rt.step(() => {
    const tx = rt.temp([x.length]).set(x), ty = rt.temp([x.length]);
    dropout(rt, tx, ty, o);
    const tdy = rt.temp([x.length]).set(dy), tdx = rt.temp([x.length]);
    dropoutBackward(rt, tdy, tdx, o);
    return { y: ty.f32().slice(), dx: tdx.f32().slice() };
  });
}

function refDrop(name: string, x: Float32Array, o: Opts): Float32Array {
  const [lo, hi] = seedWords('test', o.seed);
  ref.reset();
  const px = ref.put(x), py = ref.alloc(x.length);
  ref.call(name, px, py, x.length, o.rate, lo, hi, o.offset | 0);
  return ref.f32(py, x.length);
}

describe('philox4x32-10', () => {
  it.each(KAT.map((k, i) => [i, k]))('known-answer vector %i in the twin and every build', (_, k) => {
    expect([...philoxRef(1, k.counter, k.key)]).toEqual(k.expected);
    for (const [label, rt] of rts) {
      expect([...philoxFast(rt, 1, k.counter, k.key)], label).toEqual(k.expected);
    }
  });

  it.each(edgeSizes(4, [100]).map((n) => [n]))('%i blocks match the twin, counters carrying into c1, bitwise across builds', (n) => {
    for (const counter of [[5, 6, 7, 8], [0xfffffffe, 0xffffffff, 1, 2], [0xfffffff0, 3, 0, 0]]) {
      const key = [0x12345678, 0x9abcdef0];
      const want = philoxRef(n, counter, key);
      for (const [label, rt] of rts) expect(philoxFast(rt, n, counter, key), `${label} ${counter}`).toEqual(want);
    }
  });

  it('block b is the single block at counter + b (the 64-bit add carries)', () => {
    const rt = rts.get('simd@1')!;
    const many = philoxFast(rt, 20, [0xfffffff8, 0xffffffff, 9, 9], [1, 2]);
    for (const b of [0, 7, 8, 19]) {
      const lo = (0xfffffff8 + b) >>> 0, carry = 0xfffffff8 + b >= 2 ** 32 ? 1 : 0;
      const one = philoxFast(rt, 1, [lo, (0xffffffff + carry) >>> 0, 9, 9], [1, 2]);
      expect([...many.subarray(4 * b, 4 * b + 4)]).toEqual([...one]);
    }
  });
});

describe('dropout', () => {
  const offsets = [0, 1, 2, 3, 6, 2 ** 32 - 3];
  const rates = [0, 0.25, 0.9];
  it.each(edgeSizes(16, [1000, 4099]).map((n) => [n]))('n=%i matches the twin in every build, bitwise across threads', (n) => {
    const x = uniform(n, -3, 3, n + 1);
    const dy = uniform(n, -1, 1, n + 2);
    for (const offset of offsets) {
      for (const rate of rates) {
        const o = { rate, seed: 0x1234567890a + n, offset };
        const yRef = refDrop('f32_dropout_fwd', x, o);
        const dxRef = refDrop('f32_dropout_bwd', dy, o);
        for (const [label, rt] of rts) {
          const out = runDrop(rt, x, dy, o);
          expectBitwise(out.y, yRef, `y ${label} offset ${offset} rate ${rate}`);
          expectBitwise(out.dx, dxRef, `dx ${label} offset ${offset} rate ${rate}`);
        }
      }
    }
  });

  it('uses the forward mask in the backward pass, and scales kept values by 1 / (1 - rate)', () => {
    const n = 777;
    const x = uniform(n, 0.5, 2, 3), dy = uniform(n, 0.5, 2, 4);
    for (const [label, rt] of rts) {
      const o = { rate: 0.4, seed: 99, offset: 12345 };
      const { y, dx } = runDrop(rt, x, dy, o);
      const scale = Math.fround(1 / Math.fround(1 - Math.fround(0.4)));
      let kept = 0;
      for (let i = 0; i < n; i++) {
        expect(y[i] === 0, `${label} element ${i}`).toBe(dx[i] === 0);
        if (y[i] !== 0) {
          kept++;
          expect(y[i]).toBe(Math.fround(x[i] * scale));
          expect(dx[i]).toBe(Math.fround(dy[i] * scale));
        }
      }
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(n);
    }
  });

  it('element i draws word (j mod 4) of block floor(j / 4), j = offset + i, key = the seed halves', () => {
    const rt = rts.get('simd-mt@3')!;
    const seed = 2n ** 40n + 17n, offset = 4 * 1000 + 3, n = 301;
    const [lo, hi] = seedWords('test', seed);
    const first = Math.floor(offset / 4), nblocks = Math.floor((offset + n - 1) / 4) - first + 1;
    const words = philoxFast(rt, nblocks, [first, 0, 0, 0], [lo >>> 0, hi >>> 0]);
    const u = (i: number) => (words[4 * (Math.floor((offset + i) / 4) - first) + ((offset + i) % 4)] >>> 8) / 2 ** 24;
    // rate = u of element 5 exactly: kept (u >= rate), as are the elements with the same u or more
    for (const rate of [0.5, u(5)]) {
      const { y } = runDrop(rt, new Float32Array(n).fill(1), new Float32Array(n), { rate, seed, offset });
      for (let i = 0; i < n; i++) expect(y[i] !== 0, `element ${i} rate ${rate}`).toBe(u(i) >= rate);
      if (rate !== 0.5) expect(y[5]).not.toBe(0);
    }
  });

  it('depends only on (seed, offset + i): a call at offset k+1 is the tail of a call at offset k', () => {
    const rt = rts.get('simd-mt@2')!;
    const x = uniform(200, -1, 1, 5), z = new Float32Array(200);
    const a = runDrop(rt, x, z, { rate: 0.5, seed: 7, offset: 40 }).y;
    for (const shift of [1, 2, 3, 4, 5, 17]) {
      const b = runDrop(rt, x.subarray(shift), z.subarray(shift), { rate: 0.5, seed: 7, offset: 40 + shift }).y;
      expectBitwise(b, a.subarray(shift), `shift ${shift}`);
    }
    const other = runDrop(rt, x, z, { rate: 0.5, seed: 8, offset: 40 }).y;
    expect(other.some((v, i) => (v === 0) !== (a[i] === 0))).toBe(true);
  });

  it('keeps a fraction 1 - rate of the elements (within 5 binomial standard deviations)', () => {
    const rt = rts.get('simd-mt@3')!;
    const n = 200_003;
    const ones = new Float32Array(n).fill(1);
    for (const rate of [0.1, 0.5, 0.8]) {
      for (const seed of [1, 2 ** 33 + 5]) {
        const { y } = runDrop(rt, ones, ones, { rate, seed, offset: 0 });
        const kept = y.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
        const sd = Math.sqrt(n * rate * (1 - rate));
        expect(Math.abs(kept - n * (1 - rate)), `rate ${rate} seed ${seed}`).toBeLessThan(5 * sd);
      }
    }
  });

  it('rate 0 is the identity', () => {
    const x = uniform(1001, -5, 5, 11);
    for (const [label, rt] of rts) {
      const { y, dx } = runDrop(rt, x, x, { rate: 0, seed: 3, offset: 5 });
      expectBitwise(y, x, `y ${label}`);
      expectBitwise(dx, x, `dx ${label}`);
    }
  });

  it('works in place (y = x)', () => {
    const rt = rts.get('simd-mt@2')!;
    const x = uniform(500, -1, 1, 12);
    const o = { rate: 0.3, seed: 4, offset: 9 };
    const want = refDrop('f32_dropout_fwd', x, o);
    const got = rt.step(() => {
      const t = rt.temp([500]).set(x);
      dropout(rt, t, t, o);
      return t.f32().slice();
    });
    expectBitwise(got, want, 'in place');
  });
});

describe('bad input', () => {
  it('refuses bad rates, seeds, offsets, shapes and overlaps', () => {
    const rt = rts.get('simd@1')!;
    const a = rt.alloc([8]), b = rt.alloc([8]), c = rt.alloc([9]);
    const ok = { rate: 0.5, seed: 1, offset: 0 };
    expect(() => dropout(rt, a, b, { ...ok, rate: 1 })).toThrow(/rate must be a number in \[0, 1\), got 1/);
    expect(() => dropout(rt, a, b, { ...ok, rate: -0.1 })).toThrow(/rate must be a number in \[0, 1\)/);
    expect(() => dropout(rt, a, b, { ...ok, rate: NaN })).toThrow(/rate must be a number in \[0, 1\)/);
    expect(() => dropout(rt, a, b, { ...ok, rate: 1 - 2 ** -30 })).toThrow(/rounds to 1 in f32/);
    expect(() => dropoutBackward(rt, a, b, { ...ok, rate: 1.5 })).toThrow(/dropout backward: rate/);
    expect(() => dropout(rt, a, b, { ...ok, seed: -1 })).toThrow(/seed must be a whole number/);
    expect(() => dropout(rt, a, b, { ...ok, seed: 1.5 })).toThrow(/seed must be a whole number/);
    expect(() => dropout(rt, a, b, { ...ok, seed: 2n ** 64n })).toThrow(/seed .* outside 0 .. 2\^64 - 1/);
    expect(() => dropout(rt, a, b, { ...ok, offset: -1 })).toThrow(/offset must be a whole number from 0 to 2\^32 - 1/);
    expect(() => dropout(rt, a, b, { ...ok, offset: 2 ** 32 })).toThrow(/offset must be a whole number/);
    expect(() => dropout(rt, a, c, ok)).toThrow(/shape \(9,\) but x has \(8,\)/);
    const a4 = rt.alloc([4]);
    const part = new Tensor(rt, a4.ptr + 4, [3]), head = new Tensor(rt, a4.ptr, [3]);
    expect(() => dropout(rt, head, part, ok)).toThrow(/partly overlap/);
    const ints = rt.alloc([8], 'i32');
    expect(() => dropout(rt, ints, b, ok)).toThrow(/x must be f32, got i32/);
    expect(() => philox(rt, a, { counter: [0, 0, 0, 0], key: [0, 0] })).toThrow(/out must be i32/);
    const i3 = rt.alloc([2, 3], 'i32');
    expect(() => philox(rt, i3, { counter: [0, 0, 0, 0], key: [0, 0] })).toThrow(/out must have shape \(nblocks, 4\), .* got \(2, 3\)/);
    const i4 = rt.alloc([2, 4], 'i32');
    expect(() => philox(rt, i4, { counter: [0, 0, 0], key: [0, 0] } as any)).toThrow(/counter must be an array of four/);
    expect(() => philox(rt, i4, { counter: [0, 0, 0, 2 ** 32], key: [0, 0] })).toThrow(/counter\[3\] must be a 32-bit whole number/);
    rt.free(b);
    expect(() => dropout(rt, a, b, ok)).toThrow(/not inside a live allocation/);
    for (const t of [a, a4, c, ints, i3, i4]) rt.free(t);
  });
});
