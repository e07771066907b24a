// Softmax, log-softmax and fused softmax-cross-entropy: every kernel against its f64 twin over an
// edge-size matrix, in every build and thread count, bitwise equal across them; the fused loss
// against softmax then -log p computed in f64; gradients by finite differences; stability cases
// with closed forms; bad input refused before any kernel runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { edgeSizes, expectBitwise, expectClose, ints, uniform } from '../helpers/data.js';
import {
  logSoftmax, logSoftmaxBackward, softmax, softmaxBackward, softmaxCrossEntropy, softmaxCrossEntropyBackward,
} from '../../src/kernels/softmax_xent.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { Tensor } from '../../src/tensor.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

// (rows, cols): every edge size of cols at 5 rows (3 threads get 2, 2, 1), plus row edge cases
const SHAPES: [number, number][] = [
  ...edgeSizes(4, [1000]).map((c): [number, number] => [5, c]),
  [0, 7], [1, 1], [1, 7], [2, 31], [33, 13], [64, 97],
];

// Tolerances against the f64 twins, from the error analysis in assembly/kernels/softmax_xent.ts:
// x - max rounds once in f32 (error eps |x - max| <= 20 eps for these inputs in [-10, 10]), vexp 2 ulp,
// the sum of exps in 4 f32 lanes (relative, grows with cols / 4), one division.
const SOFTMAX_RTOL = (cols: number) => 2.5e-6 + 2e-9 * cols;
// log-softmax: (x - max) - log(sum), absolute error ~ eps (|x - max| + log sum)
const LOGSOFTMAX_ATOL = 4e-6;

type Kind = 'softmax' | 'logSoftmax';
const FWD = { softmax, logSoftmax };
const BWD = { softmax: softmaxBackward, logSoftmax: logSoftmaxBackward };
const NAME = { softmax: 'softmax', logSoftmax: 'log_softmax' };

function runSoftmax(rt: Runtime, kind: Kind, rows: number, cols: number, x: Float32Array, dy: Float32Array) {
  return rt.step(() => {
    const tx = rt.temp([rows, cols]).set(x);
    const ty = rt.temp([rows, cols]);
    FWD[kind](rt, tx, ty);
    const tdy = rt.temp([rows, cols]).set(dy);
    const tdx = rt.temp([rows, cols]);
    BWD[kind](rt, ty, tdy, tdx);
    return { y: ty.f32().slice(), dx: tdx.f32().slice() };
  });
}

describe.each([['softmax' as Kind], ['logSoftmax' as Kind]])('%s', (kind) => {
  it.each(SHAPES)('(%i, %i) matches the f64 twin in every build, bitwise across threads', (rows, cols) => {
    const n = rows * cols;
    const x = uniform(n, -10, 10, 7 * n + cols);
    const dy = uniform(n, -1, 1, 3 * n + 1);
    ref.reset();
    const px = ref.put(x), py = ref.alloc(n), pdy = ref.put(dy), pdx = ref.alloc(n);
    ref.call(`f32_${NAME[kind]}_fwd`, px, py, rows, cols);
    const yRef = ref.f32(py, n);
    let first: { y: Float32Array; dx: Float32Array } | null = null;
    for (const [label, rt] of rts) {
      const out = runSoftmax(rt, kind, rows, cols, x, dy);
      if (kind === 'softmax') expectClose(out.y, yRef, SOFTMAX_RTOL(cols), 0, `softmax fwd ${label}`);
      else expectClose(out.y, yRef, 0, LOGSOFTMAX_ATOL, `log_softmax fwd ${label}`);
      // the twin's backward from the fast forward's y, so only the gradient formula is compared
      ref.call(`f32_${NAME[kind]}_bwd`, ref.put(out.y), pdy, pdx, rows, cols);
      // the row sum in f32 lanes (error ~ eps sqrt(cols) for random signs), times exp(y) <= 1
      const atol = kind === 'softmax' ? 1e-7 : 6e-8 * (4 + 2 * Math.sqrt(cols));
      expectClose(out.dx, ref.f32(pdx, n), 1e-6, atol, `${kind} bwd ${label}`);
      if (first) { expectBitwise(out.y, first.y, `${kind} y ${label}`); expectBitwise(out.dx, first.dx, `${kind} dx ${label}`); }
      else first = out;
    }
  });

  it('rows sum to 1 (softmax) / logsumexp is 0 (log-softmax) to f32 accuracy', () => {
    const rt = rts.get('simd-mt@3')!;
    const rows = 9, cols = 203;
    const x = uniform(rows * cols, -30, 30, 5);
    const { y } = runSoftmax(rt, kind, rows, cols, x, new Float32Array(rows * cols));
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += kind === 'softmax' ? y[r * cols + j] : Math.exp(y[r * cols + j]);
      expect(Math.abs(s - 1)).toBeLessThan(2e-6);
    }
  });

  it('gradient matches central differences of a random projection of the output', () => {
    const rt = rts.get('simd@1')!;
    const rows = 3, cols = 7, n = rows * cols;
    const x = uniform(n, -3, 3, 11);
    const g = uniform(n, -1, 1, 12);
    const { dx } = runSoftmax(rt, kind, rows, cols, x, g);
    const L = (v: Float32Array) => {
      const { y } = runSoftmax(rt, kind, rows, cols, v, g);
      let s = 0;
      for (let i = 0; i < n; i++) s += g[i] * y[i];
      return s;
    };
    const h = 1e-2;
    for (let i = 0; i < n; i++) {
      const xp = x.slice(), xm = x.slice();
      xp[i] += h; xm[i] -= h;
      const num = (L(xp) - L(xm)) / (xp[i] - xm[i]);
      expect(Math.abs(dx[i] - num)).toBeLessThan(1e-3 * Math.max(1, Math.abs(num)));
    }
  });
});

// ---- fused softmax cross-entropy ----------------------------------------------------------------

type Target = 'labels' | 'targets';

interface XentOut { probs: Float32Array; loss: Float32Array; dl: Float32Array }

function runXent(rt: Runtime, target: Target, rows: number, cols: number, x: Float32Array, t: Int32Array | Float32Array,
  w: Float32Array | null, scale: number): XentOut {
  return rt.step(() => {
    const tx = rt.temp([rows, cols]).set(x);
    const tt = target === 'labels' ? rt.temp([rows], 'i32').set(t) : rt.temp([rows, cols]).set(t);
    const tw = w ? rt.temp([rows]).set(w) : undefined;
    const probs = rt.temp([rows, cols]);
    const loss = rt.temp([rows]);
    softmaxCrossEntropy(rt, tx, tt, { weights: tw, probs, loss });
    const dl = rt.temp([rows, cols]);
    softmaxCrossEntropyBackward(rt, probs, tt, { weights: tw, dlogits: dl, scale });
    return { probs: probs.f32().slice(), loss: loss.f32().slice(), dl: dl.f32().slice() };
  });
}

/** f64 softmax of one row of x, then -sum t log p or -log p[label]. */
function hostLoss(x: Float32Array, r: number, cols: number, t: Int32Array | Float32Array, target: Target): number {
  let m = -Infinity;
  for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j] - m);
  const p = (j: number) => Math.exp(x[r * cols + j] - m) / s;
  if (target === 'labels') return -Math.log(p(t[r]));
  let l = 0;
  for (let j = 0; j < cols; j++) if (t[r * cols + j] !== 0) l -= t[r * cols + j] * Math.log(p(j));
  return l;
}

function makeTargets(target: Target, rows: number, cols: number, seed: number): Int32Array | Float32Array {
  if (target === 'labels') return ints(rows, 0, cols, seed);
  // soft targets, every other row one-hot; row sums not 1 on purpose (tests the probs * sum t term)
  const t = uniform(rows * cols, 0, 1, seed);
  const hot = ints(rows, 0, cols, seed + 1);
  for (let r = 0; r < rows; r++) {
    if (r % 2 === 0) for (let j = 0; j < cols; j++) t[r * cols + j] = j === hot[r] ? 1 : 0;
    else for (let j = 0; j < cols; j += 3) t[r * cols + j] = 0;
  }
  return t;
}

const XENT_SHAPES: [number, number][] = [
  ...edgeSizes(4, [1000]).filter((c) => c > 0).map((c): [number, number] => [5, c]),
  [0, 7], [1, 1], [33, 13], [64, 97],
];

describe.each([['labels' as Target], ['targets' as Target]])('softmax cross-entropy with %s', (target) => {
  const fwdName = target === 'labels' ? 'f32_softmax_xent_fwd' : 'f32_softmax_xent_onehot_fwd';
  const bwdName = target === 'labels' ? 'f32_softmax_xent_bwd' : 'f32_softmax_xent_onehot_bwd';

  it.each(XENT_SHAPES)('(%i, %i) matches the twin and f64 softmax + log in every build, bitwise across threads', (rows, cols) => {
    const n = rows * cols;
    const x = uniform(n, -10, 10, 13 * n + cols);
    const t = makeTargets(target, rows, cols, n + 5);
    for (const weighted of [false, true]) {
      const w = weighted ? uniform(rows, 0, 2, rows + 17).map((v, i) => (i % 4 === 3 ? 0 : v)) : null;
      const scale = weighted ? 1 / Math.max(rows, 1) : 1;
      ref.reset();
      const px = ref.put(x), pt = ref.put(t, target === 'labels' ? 'i32' : 'f32'), pw = w ? ref.put(w) : 0;
      const pp = ref.alloc(n), pl = ref.alloc(rows), pd = ref.alloc(n), psm = ref.alloc(n);
      ref.call(fwdName, px, pt, pw, pp, pl, rows, cols);
      ref.call('f32_softmax_fwd', px, psm, rows, cols);
      const probsRef = ref.f32(pp, n), lossRef = ref.f32(pl, rows);
      expectBitwise(probsRef, ref.f32(psm, n), 'twin probs = twin softmax');
      let first: XentOut | null = null;
      for (const [label, rt] of rts) {
        const out = runXent(rt, target, rows, cols, x, t, w, scale);
        const what = `${target} (${rows}, ${cols}) w=${weighted} ${label}`;
        // probs are exactly the softmax kernel's output
        const sm = rt.step(() => { const a = rt.temp([rows, cols]).set(x); const b = rt.temp([rows, cols]); softmax(rt, a, b); return b.f32().slice(); });
        expectBitwise(out.probs, sm, `probs = softmax ${what}`);
        expectClose(out.probs, probsRef, SOFTMAX_RTOL(cols), 0, `probs ${what}`);
        // loss: |error| ~ eps * (|x| range + log sum) in absolute terms, as for log-softmax
        const tsum = (r: number) => { if (target === 'labels') return 1; let s = 0; for (let j = 0; j < cols; j++) s += Math.abs(t[r * cols + j]); return s; };
        for (let r = 0; r < rows; r++) {
          const wr = w ? w[r] : 1;
          const tol = LOGSOFTMAX_ATOL * wr * Math.max(1, tsum(r)) + 1e-6 * Math.abs(lossRef[r]);
          expect(Math.abs(out.loss[r] - lossRef[r]), `loss[${r}] vs twin ${what}`).toBeLessThanOrEqual(tol);
          expect(Math.abs(out.loss[r] - wr * hostLoss(x, r, cols, t, target)), `loss[${r}] vs f64 softmax then -log ${what}`).toBeLessThanOrEqual(tol);
        }
        // backward from the fast probs: integer labels are pure arithmetic, bitwise; targets sum in lanes
        ref.call(bwdName, ref.put(out.probs), pt, pw, pd, rows, cols, scale);
        if (target === 'labels') expectBitwise(out.dl, ref.f32(pd, n), `dlogits vs twin ${what}`);
        else expectClose(out.dl, ref.f32(pd, n), 1e-6, 1e-7 * Math.max(1, Math.sqrt(cols)), `dlogits vs twin ${what}`);
        if (first) {
          expectBitwise(out.probs, first.probs, `probs ${what}`);
          expectBitwise(out.loss, first.loss, `loss ${what}`);
          expectBitwise(out.dl, first.dl, `dlogits ${what}`);
        } else first = out;
      }
    }
  });

  it('gradient matches central differences of scale * sum(loss)', () => {
    const rt = rts.get('simd@1')!;
    const rows = 4, cols = 6, n = rows * cols;
    const x = uniform(n, -3, 3, 21);
    const t = makeTargets(target, rows, cols, 22);
    const w = new Float32Array([1, 0.5, 2, 0]);
    const scale = 0.25;
    const { dl } = runXent(rt, target, rows, cols, x, t, w, scale);
    const L = (v: Float32Array) => {
      const { loss } = runXent(rt, target, rows, cols, v, t, w, scale);
      let s = 0;
      for (let r = 0; r < rows; r++) s += loss[r];
      return scale * s;
    };
    const h = 1e-2;
    for (let i = 0; i < n; i++) {
      const xp = x.slice(), xm = x.slice();
      xp[i] += h; xm[i] -= h;
      const num = (L(xp) - L(xm)) / (xp[i] - xm[i]);
      expect(Math.abs(dl[i] - num), `dlogits[${i}]`).toBeLessThan(1e-3 * Math.max(1, Math.abs(num)));
    }
  });
});

// ---- stability and special rows -------------------------------------------------------------------

function one(rt: Runtime, x: number[], cols: number) {
  const rows = x.length / cols;
  const xa = new Float32Array(x);
  const sm = runSoftmax(rt, 'softmax', rows, cols, xa, new Float32Array(x.length).fill(1));
  const ls = runSoftmax(rt, 'logSoftmax', rows, cols, xa, new Float32Array(x.length).fill(1));
  return { p: [...sm.y], dp: [...sm.dx], l: [...ls.y], dl: [...ls.dx] };
}

function xent(rt: Runtime, x: number[], cols: number, labels: number[]) {
  const rows = labels.length;
  return runXent(rt, 'labels', rows, cols, new Float32Array(x), new Int32Array(labels), null, 1);
}

describe('stability', () => {
  it('logits of +-1e4 and huge spreads give exact limits', () => {
    for (const rt of rts.values()) {
      const a = one(rt, [1e4, -1e4], 2);
      expect(a.p).toEqual([1, 0]);
      expect(a.l).toEqual([0, -2e4]);
      const b = one(rt, [1e30, -1e30, 0], 3);
      expect(b.p).toEqual([1, 0, 0]);
      expect(b.l).toEqual([0, Math.fround(-2e30), Math.fround(-1e30)]);
      // four equal large logits: exactly uniform
      const c = one(rt, [1e4, 1e4, 1e4, 1e4, -1e4, -1e4, -1e4, -1e4, -1e4], 9);
      expect(c.p).toEqual([0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0, 0]);
      for (let j = 0; j < 4; j++) expect(Math.abs(c.l[j] + Math.log(4))).toBeLessThan(2e-7);
      const xa = xent(rt, [1e4, -1e4, 1e4, -1e4, 5e3, 5e3], 2, [0, 1, 1]);
      expect(xa.loss[0]).toBe(0);
      expect(xa.loss[1]).toBe(2e4);
      expect(Math.abs(xa.loss[2] - Math.LN2)).toBeLessThan(1e-7);
      expect([...xa.dl]).toEqual([0, 0, 1, -1, 0.5, -0.5]);
    }
  });

  it('one column: probability 1, log-probability 0, loss 0, gradient 0, whatever the logit', () => {
    const rt = rts.get('simd-mt@2')!;
    const x = [0, 1e30, -1e30, 3.5, -7];
    const a = one(rt, x, 1);
    expect(a.p).toEqual([1, 1, 1, 1, 1]);
    expect(a.l).toEqual([0, 0, 0, 0, 0]);
    expect(a.dp).toEqual([0, 0, 0, 0, 0]);
    const xa = xent(rt, x, 1, [0, 0, 0, 0, 0]);
    expect([...xa.loss]).toEqual([0, 0, 0, 0, 0]);
    expect([...xa.dl]).toEqual([0, 0, 0, 0, 0]);
  });

  it('-inf entries get probability 0 and finite results elsewhere', () => {
    for (const rt of rts.values()) {
      const a = one(rt, [2, -Infinity, 2, -Infinity, 2, -Infinity, 2, -Infinity, -Infinity], 9);
      expect(a.p).toEqual([0.25, 0, 0.25, 0, 0.25, 0, 0.25, 0, 0]);
      expect(a.l.filter((v, j) => j % 2 === 1 || j === 8)).toEqual([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity]);
      expect(Math.abs(a.l[0] + Math.log(4))).toBeLessThan(2e-7);
      expect(a.dp.every(Number.isFinite)).toBe(true);
      // log-softmax backward: exp(-inf) = 0, so dx = dy there
      expect(a.dl[1]).toBe(1);
      const xa = xent(rt, [0, -Infinity, 0, 0, -Infinity, 0], 3, [0, 1]);
      expect(Math.abs(xa.loss[0] - Math.LN2)).toBeLessThan(1e-7);
      expect(xa.loss[1]).toBe(Infinity);
      expect([...xa.probs]).toEqual([0.5, 0, 0.5, 0.5, 0, 0.5]);
      expect([...xa.dl]).toEqual([-0.5, 0, 0.5, 0.5, -1, 0.5]);
      // soft targets: t = 0 on a -inf logit counts 0, not 0 * -inf = NaN
      const tt = new Float32Array([0.5, 0, 0.5, 0, 1, 0]);
      const xs = runXent(rt, 'targets', 2, 3, new Float32Array([0, -Infinity, 0, 0, -Infinity, 0]), tt, null, 1);
      expect(Math.abs(xs.loss[0] - Math.LN2)).toBeLessThan(1e-7);
      expect(xs.loss[1]).toBe(Infinity);
      expect([...xs.dl]).toEqual([0, 0, 0, 0.5, -1, 0.5]);
    }
  });

  it('a row of all -inf: softmax 0, log-softmax -inf, label loss +inf, gradients finite', () => {
    for (const rt of rts.values()) {
      const x = [-Infinity, -Infinity, -Infinity, 1, 2, 3];
      const a = one(rt, x, 3);
      expect(a.p.slice(0, 3)).toEqual([0, 0, 0]);
      expect(a.l.slice(0, 3)).toEqual([-Infinity, -Infinity, -Infinity]);
      expect(a.dp.slice(0, 3)).toEqual([0, 0, 0]);
      expect(a.dl.slice(0, 3)).toEqual([1, 1, 1]);
      // the other row is untouched by its neighbour
      expect(Math.abs(a.p[5] - 1 / (1 + Math.exp(-1) + Math.exp(-2)))).toBeLessThan(1e-6);
      const xa = xent(rt, x, 3, [1, 2]);
      expect(xa.loss[0]).toBe(Infinity);
      expect(Number.isFinite(xa.loss[1])).toBe(true);
      expect([...xa.dl.slice(0, 3)]).toEqual([0, -1, 0]);
      const xs = runXent(rt, 'targets', 1, 3, new Float32Array([-Infinity, -Infinity, -Infinity]), new Float32Array([0, 1, 0]), null, 1);
      expect(xs.loss[0]).toBe(Infinity);
      expect([...xs.probs]).toEqual([0, 0, 0]);
      expect([...xs.dl]).toEqual([0, -1, 0]);
      // no target mass at all: loss 0
      const xz = runXent(rt, 'targets', 1, 3, new Float32Array([-Infinity, -Infinity, -Infinity]), new Float32Array(3), null, 1);
      expect(Math.abs(xz.loss[0])).toBe(0);
    }
  });

  it('NaN logits pass through to the row (probs and loss NaN), other rows unaffected', () => {
    for (const rt of rts.values()) {
      const xa = xent(rt, [0, NaN, 1, 0, 1, 2, 0, Infinity, 1], 3, [0, 2, 0]);
      expect(xa.probs.slice(0, 3).every(Number.isNaN)).toBe(true);
      expect(Number.isNaN(xa.loss[0])).toBe(true);
      expect(Number.isFinite(xa.loss[1])).toBe(true);
      // +inf is not a usable logit either: NaN
      expect(Number.isNaN(xa.loss[2])).toBe(true);
      const a = one(rt, [NaN, 0, 0], 3);
      expect(a.p.every(Number.isNaN)).toBe(true);
      expect(a.l.every(Number.isNaN)).toBe(true);
    }
  });
});

// ---- bad input ------------------------------------------------------------------------------------

describe('bad input', () => {
  it('refuses labels outside the class range before the kernel runs, naming label, row and range', () => {
    const rt = rts.get('simd-mt@2')!;
    rt.step(() => {
      const x = rt.temp([4, 10]).set(uniform(40, -1, 1, 3));
      const probs = rt.temp([4, 10]).fill(7), loss = rt.temp([4]).fill(7), dl = rt.temp([4, 10]).fill(7);
      const labels = rt.temp([4], 'i32').set([1, 9, 10, 11]);
      expect(() => softmaxCrossEntropy(rt, x, labels, { probs, loss })).toThrow(/label 10 at row 2 .*outside the class range \[0, 10\)/);
      expect(() => softmaxCrossEntropyBackward(rt, probs, labels, { dlogits: dl })).toThrow(/label 10 at row 2 .*\[0, 10\)/);
      expect([...loss.f32()]).toEqual([7, 7, 7, 7]);
      expect(probs.f32().every((v) => v === 7)).toBe(true);
      expect(dl.f32().every((v) => v === 7)).toBe(true);
      labels.set([0, -1, 3, 4]);
      expect(() => softmaxCrossEntropy(rt, x, labels, { probs, loss })).toThrow(/label -1 at row 1/);
      // leading dimensions: the position in the labels tensor too
      const x3 = rt.temp([2, 3, 5]);
      const l3 = rt.temp([2, 3], 'i32').set([0, 1, 2, 3, 4, 5]);
      expect(() => softmaxCrossEntropy(rt, x3, l3, { probs: rt.temp([2, 3, 5]), loss: rt.temp([2, 3]) })).toThrow(/label 5 at row 5 \(labels\[1, 2\]\).*\[0, 5\)/);
    });
  });

  it('refuses mismatched shapes, aliasing outputs, no classes and a bad scale', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const x = rt.temp([4, 10]), probs = rt.temp([4, 10]), loss = rt.temp([4]);
      const labels = rt.temp([4], 'i32').fill(0);
      expect(() => softmax(rt, x, rt.temp([4, 9]))).toThrow(/shape \(4, 9\) but x has \(4, 10\)/);
      expect(() => softmaxBackward(rt, x, x, rt.temp([40]))).toThrow(/dx has shape \(40,\)/);
      expect(() => softmaxCrossEntropy(rt, x, labels, { probs, loss: rt.temp([5]) })).toThrow(/loss must have shape \(4,\)/);
      expect(() => softmaxCrossEntropy(rt, x, rt.temp([5], 'i32'), { probs, loss })).toThrow(/labels must have shape \(4,\)/);
      expect(() => softmaxCrossEntropy(rt, x, labels, { probs, loss, weights: rt.temp([3]) })).toThrow(/weights must have shape \(4,\)/);
      expect(() => softmaxCrossEntropy(rt, x, rt.temp([4, 9]), { probs, loss })).toThrow(/targets has shape \(4, 9\)/);
      expect(() => softmaxCrossEntropy(rt, x, rt.temp([4]), { probs, loss })).toThrow(/labels must be i32 class indices/);
      expect(() => softmaxCrossEntropy(rt, x, labels, { probs: x, loss })).toThrow(/probs and logits overlap/);
      expect(() => softmaxCrossEntropy(rt, x, labels, { probs, loss: labels as any })).toThrow(/loss must be f32/);
      expect(() => softmaxCrossEntropy(rt, rt.temp([4, 0]), labels, { probs: rt.temp([4, 0]), loss })).toThrow(/no classes/);
      expect(() => softmaxCrossEntropyBackward(rt, probs, labels, { dlogits: probs, scale: NaN })).toThrow(/scale must be a finite number/);
      expect(() => softmaxCrossEntropyBackward(rt, probs, labels, { dlogits: rt.temp([4, 11]) })).toThrow(/dlogits has shape \(4, 11\)/);
      expect(() => softmax(rt, rt.temp([]), rt.temp([]))).toThrow(/at least one dimension/);
      // in place is allowed where the kernel supports it; a partial overlap never
      const a = rt.temp([4, 10]);
      softmax(rt, a.fill(0), a);
      expect(a.f32().every((v) => v === Math.fround(0.1))).toBe(true);
      const big = rt.alloc([50]);
      const v0 = new Tensor(rt, big.ptr, [4, 10]), v1 = new Tensor(rt, big.ptr + 16, [4, 10]);
      expect(() => softmax(rt, v0, v1)).toThrow(/partly overlap/);
      expect(() => softmaxBackward(rt, v0, x, v1)).toThrow(/partly overlap/);
      rt.free(big);
    });
  });

  it('refuses freed and stale tensors', () => {
    const rt = rts.get('simd@1')!;
    const x = rt.alloc([2, 3]), y = rt.alloc([2, 3]);
    rt.free(y);
    expect(() => softmax(rt, x, y)).toThrow(/not inside a live allocation/);
    const t = rt.temp([2, 3]);
    rt.endStep();
    expect(() => logSoftmax(rt, t, x)).toThrow(/step that has ended/);
    rt.free(x);
  });
});
