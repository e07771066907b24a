// Broadcast add, sub, mul, div: every op and broadcast mode against the scalar twin over a matrix
// of edge shapes, in every build and thread count, bitwise equal across them; gradients against
// the twin and against central differences of the fast forward; bad input refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { edgeSizes, expectBitwise, rng, uniform } from '../helpers/data.js';
import { BINARY_OPS, binaryBackward, binaryForward, binaryPlan, type BinaryOp } from '../../src/kernels/binary.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { Tensor } from '../../src/tensor.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

type Mode = 0 | 1 | 2 | 3;
const MODES: Mode[] = [0, 1, 2, 3];
const MODE_NAME = ['elementwise', 'row vector (cols)', 'column vector (rows, 1)', 'scalar (1)'];

function bShape(mode: Mode, rows: number, cols: number): number[] {
  return mode === 0 ? [rows, cols] : mode === 1 ? [cols] : mode === 2 ? [rows, 1] : [1];
}

function data(op: BinaryOp, mode: Mode, rows: number, cols: number, seed: number) {
  const n = rows * cols;
  const nb = bShape(mode, rows, cols).reduce((p, d) => p * d, 1);
  const a = uniform(n, -2, 2, seed);
  let b = uniform(nb, -2, 2, seed + 1);
  // div: keep |b| in [0.5, 2] so that quotients and gradients stay moderate
  if (op === 'div') {
    const r = rng(seed + 2);
    b = b.map((v) => (r() < 0.5 ? -1 : 1) * (0.5 + Math.abs(v) * 0.75));
  }
  const dc = uniform(n, -1, 1, seed + 3);
  return { a, b, dc };
}

// the bcast the kernels really get (one row, one column or one element become elementwise)
const planOf = (op: BinaryOp, aShape: number[], bs: number[]) =>
  binaryPlan(op, { rank: aShape.length, shape: aShape } as Tensor, { rank: bs.length, shape: bs } as Tensor).bcast;

interface Out { c: Float32Array; da: Float32Array; db: Float32Array }

function run(rt: Runtime, op: BinaryOp, aShape: number[], bShape_: number[], a: Float32Array, b: Float32Array, dc: Float32Array, grads = true): Out {
  return rt.step(() => {
    const ta = rt.temp(aShape).set(a);
    const tb = rt.temp(bShape_).set(b);
    const tc = rt.temp(aShape);
    binaryForward(rt, op, ta, tb, tc);
    const tdc = rt.temp(aShape).set(dc);
    const tda = rt.temp(aShape);
    const tdb = rt.temp(bShape_);
    if (grads) binaryBackward(rt, op, ta, tb, tdc, tda, tdb);
    return { c: tc.f32().slice(), da: tda.f32().slice(), db: tdb.f32().slice() };
  });
}

// |term| summed in f64 per element of db, for the tolerance of the lane sums (modes 2, 3)
function termMagnitude(op: BinaryOp, mode: Mode, rows: number, cols: number, a: Float32Array, b: Float32Array, dc: Float32Array): Float64Array {
  const out = new Float64Array(mode === 2 ? rows : 1);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const i = r * cols + j;
      const bv = mode === 2 ? b[r] : b[0];
      const t = op === 'mul' ? dc[i] * a[i] : op === 'div' ? dc[i] * a[i] / (bv * bv) : dc[i];
      out[mode === 2 ? r : 0] += Math.abs(t);
    }
  }
  return out;
}

describe.each(BINARY_OPS.map((op) => [op]))('%s', (op) => {
  const ROWS = [0, 1, 2, 3, 5, 17, 67];
  const COLS = edgeSizes(4, [15, 16, 17, 33, 48, 1031]);

  it.each(MODES.map((m) => [m, MODE_NAME[m]]))('bcast %i, %s: twin in every build, bitwise across threads', (mode) => {
    for (const rows of ROWS) {
      for (const cols of COLS) {
        const aShape = [rows, cols], bs = bShape(mode, rows, cols);
        const { a, b, dc } = data(op, mode, rows, cols, rows * 7919 + cols * 31 + mode);
        const what = `${op} bcast ${mode} (${rows}, ${cols})`;
        const n = rows * cols;
        const nb = b.length;
        const kmode = planOf(op, aShape, bs);
        ref.reset();
        const pa = ref.put(a), pb = ref.put(b), pc = ref.alloc(n), pdc = ref.put(dc), pda = ref.alloc(n), pdb = ref.alloc(nb);
        ref.call(`f32_${op}_fwd`, pa, pb, pc, rows, cols, kmode);
        ref.call(`f32_${op}_bwd`, pa, pb, pdc, pda, pdb, rows, cols, kmode);
        const cRef = ref.f32(pc, n), daRef = ref.f32(pda, n), dbRef = ref.f32(pdb, nb);
        const mag = kmode === 2 || kmode === 3 ? termMagnitude(op, kmode, rows, cols, a, b, dc) : null;
        let first: Out | null = null;
        for (const [label, rt] of rts) {
          const out = run(rt, op, aShape, bs, a, b, dc);
          expectBitwise(out.c, cRef, `${what} c ${label}`);
          expectBitwise(out.da, daRef, `${what} da ${label}`);
          if (mag) {
            for (let k = 0; k < nb; k++) {
              const tol = 1e-6 * mag[k] + 1e-30;
              if (!(Math.abs(out.db[k] - dbRef[k]) <= tol)) {
                throw new Error(`${what} db ${label} at ${k}: got ${out.db[k]} want ${dbRef[k]} (tol ${tol})`);
              }
            }
          } else {
            expectBitwise(out.db, dbRef, `${what} db ${label}`);
          }
          if (first) {
            expectBitwise(out.c, first.c, `${what} c ${label} vs simd@1`);
            expectBitwise(out.da, first.da, `${what} da ${label} vs simd@1`);
            expectBitwise(out.db, first.db, `${what} db ${label} vs simd@1`);
          } else first = out;
        }
      }
    }
  });

  it.each(MODES.map((m) => [m, MODE_NAME[m]]))('bcast %i, %s: gradients match central differences of the fast forward', (mode) => {
    const rt = rts.get('simd@1')!;
    const rows = 3, cols = 5;
    const aShape = [rows, cols], bs = bShape(mode, rows, cols);
    const { a, b, dc } = data(op, mode, rows, cols, 1234 + mode);
    const { da, db } = run(rt, op, aShape, bs, a, b, dc);
    // L = sum(dc * c), in f64 from the f32 outputs
    const loss = (av: Float32Array, bv: Float32Array) => {
      const c = run(rt, op, aShape, bs, av, bv, dc, false).c;
      let s = 0;
      for (let i = 0; i < c.length; i++) s += dc[i] * c[i];
      return s;
    };
    const h = 1 / 256;
    const check = (which: 'a' | 'b', grad: Float32Array) => {
      const base = which === 'a' ? a : b;
      for (let i = 0; i < base.length; i++) {
        const p = base.slice(), m = base.slice();
        p[i] += h; m[i] -= h;
        const lp = which === 'a' ? loss(p, b) : loss(a, p);
        const lm = which === 'a' ? loss(m, b) : loss(a, m);
        const num = (lp - lm) / (p[i] - m[i]);
        if (!(Math.abs(grad[i] - num) <= 2e-3 * Math.max(1, Math.abs(num)))) {
          throw new Error(`${op} bcast ${mode} d${which}[${i}]: kernel ${grad[i]}, central difference ${num}`);
        }
      }
    };
    check('a', da);
    check('b', db);
  });
});

describe('broadcast shapes and options', () => {
  it('infers bcast from the shapes; one row, one column or one element are elementwise', () => {
    const cases: [number[], number[], number][] = [
      [[4, 5], [4, 5], 0], [[4, 5], [5], 1], [[4, 5], [1, 5], 1], [[4, 5], [4, 1], 2], [[4, 5], [1], 3], [[4, 5], [1, 1], 3],
      [[1, 5], [5], 0], [[4, 1], [4, 1], 0], [[4, 1], [1], 3], [[1, 1], [1], 0], [[5], [5], 0], [[5], [1], 3], [[5], [1, 5], 0],
      [[5, 5], [5], 1], [[5, 5], [5, 1], 2],
    ];
    for (const [as, bs, want] of cases) expect(planOf('add', as, bs), `${as} with ${bs}`).toBe(want);
  });

  it('accepts b as (1, cols), (1, 1), and a 1-D a, with the same results as the plain shapes', () => {
    const rt = rts.get('simd-mt@3')!;
    const rows = 6, cols = 9;
    const { a, b: bRow, dc } = data('mul', 1, rows, cols, 5);
    const plain = run(rt, 'mul', [rows, cols], [cols], a, bRow, dc);
    const row2d = run(rt, 'mul', [rows, cols], [1, cols], a, bRow, dc);
    expectBitwise(row2d.c, plain.c, 'c (1, cols)'); expectBitwise(row2d.da, plain.da, 'da (1, cols)'); expectBitwise(row2d.db, plain.db, 'db (1, cols)');
    const s = new Float32Array([1.5]);
    const sc1 = run(rt, 'div', [rows, cols], [1], a, s, dc);
    const sc11 = run(rt, 'div', [rows, cols], [1, 1], a, s, dc);
    expectBitwise(sc11.c, sc1.c, 'c (1, 1)'); expectBitwise(sc11.db, sc1.db, 'db (1, 1)');
    // 1-D a is one row: b (n) is elementwise, b (1) a scalar
    const v = a.subarray(0, cols), w = bRow;
    const oneD = run(rt, 'sub', [cols], [cols], v, w, dc.subarray(0, cols));
    for (let j = 0; j < cols; j++) expect(oneD.c[j]).toBe(Math.fround(v[j] - w[j]));
    expectBitwise(oneD.db, dc.subarray(0, cols).map((x) => -x), 'sub db 1-D');
    const oneDs = run(rt, 'add', [cols], [1], v, s, dc.subarray(0, cols));
    for (let j = 0; j < cols; j++) expect(oneDs.c[j]).toBe(Math.fround(v[j] + 1.5));
  });

  it('closed forms: add of a bias, sum of dc for a scalar, column sums for a row vector', () => {
    const rt = rts.get('simd-mt@2')!;
    const rows = 4, cols = 3;
    const a = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const dc = new Float32Array(12).fill(1);
    const bias = run(rt, 'add', [rows, cols], [cols], a, new Float32Array([10, 20, 30]), dc);
    expect([...bias.c]).toEqual([11, 22, 33, 14, 25, 36, 17, 28, 39, 20, 31, 42]);
    expect([...bias.db]).toEqual([4, 4, 4]);
    const perRow = run(rt, 'mul', [rows, cols], [rows, 1], a, new Float32Array([1, 2, 3, 4]), dc);
    expect([...perRow.c]).toEqual([1, 2, 3, 8, 10, 12, 21, 24, 27, 40, 44, 48]);
    expect([...perRow.db]).toEqual([6, 15, 24, 33]);
    const scalar = run(rt, 'sub', [rows, cols], [1], a, new Float32Array([1]), dc);
    expect([...scalar.db]).toEqual([-12]);
    expect([...scalar.da]).toEqual(new Array(12).fill(1));
  });

  it('runs in place (c = a, and c = b when elementwise) and skips a null gradient', () => {
    for (const [label, rt] of rts) {
      const rows = 7, cols = 13;
      const { a, b, dc } = data('div', 0, rows, cols, 77);
      const want = run(rt, 'div', [rows, cols], [rows, cols], a, b, dc);
      rt.step(() => {
        const ta = rt.temp([rows, cols]).set(a), tb = rt.temp([rows, cols]).set(b);
        binaryForward(rt, 'div', ta, tb, ta);
        expectBitwise(ta.f32().slice(), want.c, `c = a ${label}`);
        ta.set(a);
        binaryForward(rt, 'div', ta, tb, tb);
        expectBitwise(tb.f32().slice(), want.c, `c = b ${label}`);
        tb.set(b);
        const tdc = rt.temp([rows, cols]).set(dc);
        const tda = rt.temp([rows, cols]).fill(7), tdb = rt.temp([rows, cols]).fill(7);
        binaryBackward(rt, 'div', ta, tb, tdc, tda, null);
        expectBitwise(tda.f32().slice(), want.da, `da only ${label}`);
        expect(tdb.f32().every((x) => x === 7)).toBe(true);
        tda.fill(7);
        binaryBackward(rt, 'div', ta, tb, tdc, null, tdb);
        expectBitwise(tdb.f32().slice(), want.db, `db only ${label}`);
        expect(tda.f32().every((x) => x === 7)).toBe(true);
      });
      // broadcast modes with one gradient skipped match the full call
      for (const mode of [1, 2, 3] as Mode[]) {
        const bs = bShape(mode, rows, cols);
        const d = data('mul', mode, rows, cols, 78 + mode);
        const full = run(rt, 'mul', [rows, cols], bs, d.a, d.b, d.dc);
        rt.step(() => {
          const ta = rt.temp([rows, cols]).set(d.a), tb = rt.temp(bs).set(d.b), tdc = rt.temp([rows, cols]).set(d.dc);
          const tda = rt.temp([rows, cols]), tdb = rt.temp(bs);
          binaryBackward(rt, 'mul', ta, tb, tdc, tda, null);
          binaryBackward(rt, 'mul', ta, tb, tdc, null, tdb);
          expectBitwise(tda.f32().slice(), full.da, `mul bcast ${mode} da alone ${label}`);
          expectBitwise(tdb.f32().slice(), full.db, `mul bcast ${mode} db alone ${label}`);
        });
      }
    }
  });

  it('div by zero and NaN follow IEEE, and a zero in a padding lane never leaks into db', () => {
    const rt = rts.get('simd-mt@3')!;
    // one row of 5 and b = 0: every term of db is -(dc * (a / 0)) / 0
    const a = new Float32Array([1, 2, 3, 4, 5]);
    const dc = new Float32Array([1, 1, 1, 1, 1]);
    const out = run(rt, 'div', [5, 1], [5, 1], a, new Float32Array([0, -0, 1, NaN, 2]), dc);
    expect(out.c[0]).toBe(Infinity);
    expect(out.c[1]).toBe(-Infinity);
    expect(Number.isNaN(out.c[3])).toBe(true);
    const row = run(rt, 'div', [1, 5], [1], a, new Float32Array([0]), dc);
    expect([...row.c]).toEqual([Infinity, Infinity, Infinity, Infinity, Infinity]);
    expect(row.db[0]).toBe(-Infinity);
    const perRow = run(rt, 'div', [2, 5], [2, 1], new Float32Array([...a, ...a]), new Float32Array([0, 1]), new Float32Array(10).fill(1));
    expect(perRow.db[0]).toBe(-Infinity);
    expect(Math.abs(perRow.db[1] + 15)).toBeLessThan(1e-5);
  });
});

describe('bad input', () => {
  it('refuses shapes that do not broadcast, wrong dtypes, ranks, unknown ops, freed and stale tensors, overlaps', () => {
    const rt = rts.get('simd@1')!;
    const a = rt.alloc([4, 5]), c = rt.alloc([4, 5]);
    const b35 = rt.alloc([3, 5]), b4 = rt.alloc([4]), b15 = rt.alloc([1, 5]), b5 = rt.alloc([5]);
    expect(() => binaryForward(rt, 'add', a, b35, c)).toThrow(/add: b has shape \(3, 5\), which does not broadcast against a \(4, 5\); b must be one of \(4, 5\), \(5,\), \(1, 5\), \(4, 1\), \(1,\), \(1, 1\)/);
    expect(() => binaryForward(rt, 'mul', a, b4, c)).toThrow(/b has shape \(4,\), which does not broadcast/);
    expect(() => binaryForward(rt, 'add', a, b5, b15)).toThrow(/c has shape \(1, 5\) but a has \(4, 5\)/);
    const a3 = rt.alloc([2, 2, 5]);
    expect(() => binaryForward(rt, 'add', a3, b5, a3)).toThrow(/a must be 2-D \(rows, cols\) or 1-D, got shape \(2, 2, 5\)/);
    const ai = rt.alloc([4, 5], 'i32');
    expect(() => binaryForward(rt, 'add', ai, b5, c)).toThrow(/a must be f32, got i32/);
    expect(() => binaryForward(rt, 'nope' as BinaryOp, a, b5, c)).toThrow(/unknown binary op 'nope'/);
    // c may not overlap a broadcast b
    const big = rt.alloc([4, 5]);
    const bView = new Tensor(rt, big.ptr, [5], 'f32');
    expect(() => binaryForward(rt, 'add', a, bView, big)).toThrow(/c and b overlap in memory/);
    // backward: gradient shapes and overlaps
    const dc = rt.alloc([4, 5]), da = rt.alloc([4, 5]), db = rt.alloc([5]);
    expect(() => binaryBackward(rt, 'mul', a, b5, dc, da, b4)).toThrow(/mul backward: db has shape \(4,\) but b has \(5,\)/);
    expect(() => binaryBackward(rt, 'mul', a, b5, dc, b15, db)).toThrow(/da has shape \(1, 5\) but a has \(4, 5\)/);
    expect(() => binaryBackward(rt, 'mul', a, b5, dc, dc, db)).toThrow(/da and dc overlap in memory/);
    expect(() => binaryBackward(rt, 'mul', a, b5, dc, da, b5)).toThrow(/db and b overlap in memory/);
    expect(() => binaryBackward(rt, 'mul', a, b35, dc, da, db)).toThrow(/does not broadcast/);
    // freed and stale tensors
    rt.free(b5);
    expect(() => binaryForward(rt, 'add', a, b5, c)).toThrow(/b \(5,\) at \d+ \(\+20 bytes\) is not inside a live allocation/);
    expect(() => binaryBackward(rt, 'add', a, db, dc, da, b5)).toThrow(/db \(5,\) .* not inside a live allocation/);
    const t = rt.temp([4, 5]);
    rt.endStep();
    expect(() => binaryForward(rt, 'sub', t, db, c)).toThrow(/a \(4, 5\) is a step tensor from a step that has ended/);
    for (const x of [a, c, b35, b4, b15, a3, ai, big, dc, da, db]) rt.free(x);
  });
});
