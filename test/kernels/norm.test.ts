// Layer normalisation: forward and backward against their f64 twins over the edge-size matrix in
// every build and thread count, bitwise equal across them; gradients against central
// differences (an f64 host forward, and the kernel's own forward); constant rows; bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { edgeSizes, expectBitwise, uniform } from '../helpers/data.js';
import { layerNorm, layerNormBackward } from '../../src/kernels/norm.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { Tensor } from '../../src/tensor.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

const EPS = 1e-3;
const U = 2 ** -24;

interface Fwd { y: Float32Array; mean: Float32Array; rstd: Float32Array }
interface Bwd { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array }

function runFwd(rt: Runtime, x: Float32Array, gamma: Float32Array, beta: Float32Array, rows: number, cols: number, eps = EPS): Fwd {
  return rt.step(() => {
    const tx = rt.temp([rows, cols]).set(x), ty = rt.temp([rows, cols]);
    const tm = rt.temp([rows]), tr = rt.temp([rows]);
    layerNorm(rt, tx, rt.temp([cols]).set(gamma), rt.temp([cols]).set(beta), ty, tm, tr, { epsilon: eps });
    return { y: ty.f32().slice(), mean: tm.f32().slice(), rstd: tr.f32().slice() };
  });
}

function runBwd(rt: Runtime, x: Float32Array, gamma: Float32Array, mean: Float32Array, rstd: Float32Array, dy: Float32Array, rows: number, cols: number): Bwd {
  return rt.step(() => {
    const tdx = rt.temp([rows, cols]), tdg = rt.temp([cols]).fill(123), tdb = rt.temp([cols]).fill(-7);   // overwritten
    layerNormBackward(rt, rt.temp([rows, cols]).set(x), rt.temp([cols]).set(gamma), rt.temp([rows]).set(mean), rt.temp([rows]).set(rstd),
      rt.temp([rows, cols]).set(dy), tdx, tdg, tdb);
    return { dx: tdx.f32().slice(), dgamma: tdg.f32().slice(), dbeta: tdb.f32().slice() };
  });
}

function refFwd(x: Float32Array, gamma: Float32Array, beta: Float32Array, rows: number, cols: number, eps = EPS): Fwd {
  ref.reset();
  const px = ref.put(x), pg = ref.put(gamma), pb = ref.put(beta), py = ref.alloc(rows * cols), pm = ref.alloc(rows), pr = ref.alloc(rows);
  ref.call('f32_layernorm_fwd', px, pg, pb, py, pm, pr, rows, cols, eps);
  return { y: ref.f32(py, rows * cols), mean: ref.f32(pm, rows), rstd: ref.f32(pr, rows) };
}

function refBwd(x: Float32Array, gamma: Float32Array, mean: Float32Array, rstd: Float32Array, dy: Float32Array, rows: number, cols: number): Bwd {
  ref.reset();
  const px = ref.put(x), pg = ref.put(gamma), pm = ref.put(mean), pr = ref.put(rstd), pdy = ref.put(dy);
  const pdx = ref.alloc(rows * cols), pdg = ref.alloc(cols), pdb = ref.alloc(cols);
  ref.call('f32_layernorm_bwd', px, pg, pm, pr, pdy, pdx, pdg, pdb, rows, cols);
  return { dx: ref.f32(pdx, rows * cols), dgamma: ref.f32(pdg, cols), dbeta: ref.f32(pdb, cols) };
}

/** f64 layer norm loss sum(w * y), the oracle for finite differences. */
function lossF64(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, w: ArrayLike<number>, rows: number, cols: number, eps = EPS): number {
  let L = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += x[r * cols + c];
    const mu = s / cols;
    let v = 0;
    for (let c = 0; c < cols; c++) v += (x[r * cols + c] - mu) ** 2;
    const rs = 1 / Math.sqrt(v / cols + Math.fround(eps));
    for (let c = 0; c < cols; c++) L += w[r * cols + c] * ((x[r * cols + c] - mu) * rs * gamma[c] + beta[c]);
  }
  return L;
}

function data(rows: number, cols: number, seed: number) {
  return {
    x: uniform(rows * cols, 1, 5, seed),             // mean about 3: the centring matters
    gamma: uniform(cols, -1.5, 1.5, seed + 1),
    beta: uniform(cols, -1, 1, seed + 2),
    dy: uniform(rows * cols, -1, 1, seed + 3),
  };
}

// Error bounds. The kernel sums a row in 4 f32 lanes: each sum is off by at most about
// (cols / 4 + 2) roundings of the running magnitude, so bounds grow with k = cols / 4 + 8.
function checkFwd(got: Fwd, want: Fwd, gamma: Float32Array, beta: Float32Array, rows: number, cols: number, what: string) {
  const k = cols / 4 + 8;
  for (let r = 0; r < rows; r++) {
    const m = want.mean[r], rs = want.rstd[r];
    // mean: relative to the largest |x| (5 here); rstd relative
    if (!(Math.abs(got.mean[r] - m) <= k * U * 5)) throw new Error(`${what} mean[${r}] ${got.mean[r]} vs ${m}`);
    if (!(Math.abs(got.rstd[r] - rs) <= 2 * k * U * rs)) throw new Error(`${what} rstd[${r}] ${got.rstd[r]} vs ${rs}`);
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const xh = (want.y[i] - beta[c]) / (gamma[c] || 1);
      // an error dm in the mean moves y by dm * rstd * gamma, an error in rstd by xhat * drstd * gamma
      const bound = k * U * (Math.abs(gamma[c]) * (Math.abs(xh) + 5 * rs) + Math.abs(beta[c]));
      if (!(Math.abs(got.y[i] - want.y[i]) <= bound)) throw new Error(`${what} y[${r},${c}] ${got.y[i]} vs ${want.y[i]} (bound ${bound})`);
    }
  }
}

function checkBwd(got: Bwd, want: Bwd, x: Float32Array, gamma: Float32Array, rstd: Float32Array, mean: Float32Array, dy: Float32Array, rows: number, cols: number, what: string) {
  const k = cols / 4 + 8;
  for (let r = 0; r < rows; r++) {
    // dx is rstd * (g - mean(g) - xhat * mean(g xhat)): cancellation, so bound by the terms' size
    let gmax = 0;
    for (let c = 0; c < cols; c++) gmax = Math.max(gmax, Math.abs(dy[r * cols + c] * gamma[c]));
    const bound = 2 * k * U * rstd[r] * gmax;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      if (!(Math.abs(got.dx[i] - want.dx[i]) <= bound)) throw new Error(`${what} dx[${r},${c}] ${got.dx[i]} vs ${want.dx[i]} (bound ${bound})`);
    }
  }
  for (let c = 0; c < cols; c++) {
    // rows are added one by one in f32: at most rows roundings of the running sum of |terms|
    let sg = 0, sb = 0;
    for (let r = 0; r < rows; r++) {
      const i = r * cols + c;
      sg += Math.abs(dy[i] * (x[i] - mean[r]) * rstd[r]);
      sb += Math.abs(dy[i]);
    }
    const kr = rows + 4;
    if (!(Math.abs(got.dgamma[c] - want.dgamma[c]) <= 4 * kr * U * sg)) throw new Error(`${what} dgamma[${c}] ${got.dgamma[c]} vs ${want.dgamma[c]}`);
    if (!(Math.abs(got.dbeta[c] - want.dbeta[c]) <= 2 * kr * U * sb)) throw new Error(`${what} dbeta[${c}] ${got.dbeta[c]} vs ${want.dbeta[c]}`);
  }
}

describe('layernorm', () => {
  const colSizes = edgeSizes(4, [64, 257]).filter((c) => c > 0);
  it.each(colSizes.map((c) => [c]))('cols=%i matches the twins in every build, bitwise across threads', (cols) => {
    for (const rows of [1, 2, 3, 7, 13]) {
      const { x, gamma, beta, dy } = data(rows, cols, rows * 1000 + cols);
      const fRef = refFwd(x, gamma, beta, rows, cols);
      let first: (Fwd & Bwd) | null = null;
      for (const [label, rt] of rts) {
        const f = runFwd(rt, x, gamma, beta, rows, cols);
        checkFwd(f, fRef, gamma, beta, rows, cols, `${label} ${rows}x${cols}`);
        // the backward twin takes the fast forward's statistics: only the gradient is compared
        const b = runBwd(rt, x, gamma, f.mean, f.rstd, dy, rows, cols);
        checkBwd(b, refBwd(x, gamma, f.mean, f.rstd, dy, rows, cols), x, gamma, f.rstd, f.mean, dy, rows, cols, `${label} ${rows}x${cols}`);
        const all = { ...f, ...b };
        if (first) {
          for (const key of ['y', 'mean', 'rstd', 'dx', 'dgamma', 'dbeta'] as const) expectBitwise(all[key], first[key], `${key} ${label} ${rows}x${cols}`);
        } else first = all;
      }
    }
  });

  it('rows = 0: nothing to normalise, dgamma and dbeta are zeros', () => {
    for (const [label, rt] of rts) {
      const f = runFwd(rt, new Float32Array(0), new Float32Array(5).fill(1), new Float32Array(5), 0, 5);
      expect(f.y.length).toBe(0);
      const b = runBwd(rt, new Float32Array(0), new Float32Array(5).fill(1), new Float32Array(0), new Float32Array(0), new Float32Array(0), 0, 5);
      expect([...b.dgamma], label).toEqual([0, 0, 0, 0, 0]);
      expect([...b.dbeta], label).toEqual([0, 0, 0, 0, 0]);
    }
  });

  it('gradients match central differences of an f64 forward', () => {
    const rt = rts.get('simd-mt@2')!;
    const rows = 3, cols = 13;
    const { x, gamma, beta, dy } = data(rows, cols, 77);
    const f = runFwd(rt, x, gamma, beta, rows, cols);
    const b = runBwd(rt, x, gamma, f.mean, f.rstd, dy, rows, cols);
    const h = 1e-4;
    const L = (xs: ArrayLike<number>, gs: ArrayLike<number>, bs: ArrayLike<number>) => lossF64(xs, gs, bs, dy, rows, cols);
    const fd = (arr: Float32Array, i: number, which: 'x' | 'g' | 'b') => {
      const p = Float64Array.from(arr), m = Float64Array.from(arr);
      p[i] += h; m[i] -= h;
      const args = (v: Float64Array): [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>] =>
        which === 'x' ? [v, gamma, beta] : which === 'g' ? [x, v, beta] : [x, gamma, v];
      return (L(...args(p)) - L(...args(m))) / (2 * h);
    };
    for (let i = 0; i < rows * cols; i++) expect(Math.abs(b.dx[i] - fd(x, i, 'x')), `dx[${i}]`).toBeLessThan(2e-5 * Math.max(1, Math.abs(b.dx[i])));
    for (let c = 0; c < cols; c++) {
      expect(Math.abs(b.dgamma[c] - fd(gamma, c, 'g')), `dgamma[${c}]`).toBeLessThan(2e-5 * Math.max(1, Math.abs(b.dgamma[c])));
      expect(Math.abs(b.dbeta[c] - fd(beta, c, 'b')), `dbeta[${c}]`).toBeLessThan(2e-5 * Math.max(1, Math.abs(b.dbeta[c])));
    }
  });

  it('gradients match central differences of the kernel forward itself', () => {
    const rt = rts.get('simd@1')!;
    const rows = 2, cols = 9;
    const { x, gamma, beta, dy } = data(rows, cols, 78);
    const f = runFwd(rt, x, gamma, beta, rows, cols);
    const b = runBwd(rt, x, gamma, f.mean, f.rstd, dy, rows, cols);
    const h = 1e-2;
    const L = (xs: Float32Array, gs: Float32Array, bs: Float32Array) => runFwd(rt, xs, gs, bs, rows, cols).y.reduce((s, v, i) => s + v * dy[i], 0);
    const fd = (arr: Float32Array, i: number, call: (v: Float32Array) => number) => {
      const p = arr.slice(), m = arr.slice();
      p[i] += h; m[i] -= h;
      return (call(p) - call(m)) / (2 * h);
    };
    for (let i = 0; i < rows * cols; i++) {
      expect(Math.abs(b.dx[i] - fd(x, i, (v) => L(v, gamma, beta))), `dx[${i}]`).toBeLessThan(2e-3 * Math.max(1, Math.abs(b.dx[i])));
    }
    for (let c = 0; c < cols; c++) {
      expect(Math.abs(b.dgamma[c] - fd(gamma, c, (v) => L(x, v, beta))), `dgamma[${c}]`).toBeLessThan(2e-3 * Math.max(1, Math.abs(b.dgamma[c])));
      expect(Math.abs(b.dbeta[c] - fd(beta, c, (v) => L(x, gamma, v))), `dbeta[${c}]`).toBeLessThan(2e-3 * Math.max(1, Math.abs(b.dbeta[c])));
    }
  });

  it('constant rows (variance 0): y = beta, rstd = 1 / sqrt(eps), finite gradients', () => {
    const cols = 11;
    const rows = 3;
    const x = new Float32Array(rows * cols);
    x.fill(0.5, 0, cols); x.fill(0.1, cols, 2 * cols); x.fill(-7, 2 * cols);
    const gamma = uniform(cols, 0.5, 2, 5), beta = uniform(cols, -1, 1, 6), dy = uniform(rows * cols, -1, 1, 7);
    for (const [label, rt] of rts) {
      const f = runFwd(rt, x, gamma, beta, rows, cols);
      for (let r = 0; r < rows; r++) {
        expect(Math.abs(f.rstd[r] * Math.sqrt(Math.fround(EPS)) - 1), `${label} rstd[${r}]`).toBeLessThan(1e-6);
        expect(f.mean[r]).toBe(x[r * cols]);
      }
      // the mean of a constant row is exact here (0.5, -7: exact sums; 0.1 rounds back to itself)
      for (let i = 0; i < rows * cols; i++) expect(f.y[i], `${label} y[${i}]`).toBe(beta[i % cols]);
      const b = runBwd(rt, x, gamma, f.mean, f.rstd, dy, rows, cols);
      const want = refBwd(x, gamma, f.mean, f.rstd, dy, rows, cols);
      checkBwd(b, want, x, gamma, f.rstd, f.mean, dy, rows, cols, label);
      expect(b.dx.every(Number.isFinite)).toBe(true);
      expect([...b.dgamma]).toEqual(new Array(cols).fill(0));
    }
  });
});

describe('bad input', () => {
  it('refuses bad shapes, epsilon, aliasing and dtypes', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const x = rt.temp([3, 4]), y = rt.temp([3, 4]), g = rt.temp([4]), b = rt.temp([4]), m = rt.temp([3]), r = rt.temp([3]);
      expect(() => layerNorm(rt, rt.temp([3, 0]), rt.temp([0]), rt.temp([0]), rt.temp([3, 0]), m, r)).toThrow(/last axis is empty/);
      expect(() => layerNorm(rt, x, rt.temp([5]), b, y, m, r)).toThrow(/gamma must have shape \(4,\), got \(5,\)/);
      expect(() => layerNorm(rt, x, g, b, rt.temp([4, 3]), m, r)).toThrow(/y must have shape \(3, 4\)/);
      expect(() => layerNorm(rt, x, g, b, y, rt.temp([4]), r)).toThrow(/mean must hold 3 values/);
      expect(() => layerNorm(rt, x, g, b, y, m, r, { epsilon: 0 })).toThrow(/epsilon must be > 0/);
      expect(() => layerNorm(rt, x, g, b, y, m, r, { epsilon: NaN })).toThrow(/epsilon must be a finite number/);
      expect(() => layerNorm(rt, x, g, b, y, m, m)).toThrow(/mean and rstd share memory/);
      expect(() => layerNorm(rt, x, g, b, y, m, new Tensor(rt, y.ptr, [3]))).toThrow(/y and rstd share memory/);
      expect(() => layerNorm(rt, x, g, b, y, rt.temp([3], 'i32'), r)).toThrow(/mean must be f32, got i32/);
      layerNorm(rt, x, g, b, x, m, r);   // in place is fine
      const dy = rt.temp([3, 4]), dx = rt.temp([3, 4]), dg = rt.temp([4]), db = rt.temp([4]);
      expect(() => layerNormBackward(rt, x, g, m, r, dy, dy, dg, db)).toThrow(/dx and dy share memory/);
      expect(() => layerNormBackward(rt, x, g, m, r, dy, dx, g, db)).toThrow(/dgamma and gamma share memory/);
      expect(() => layerNormBackward(rt, x, g, m, r, dy, dx, dg, dg)).toThrow(/dgamma and dbeta share memory/);
      expect(() => layerNormBackward(rt, x, g, m, r, rt.temp([3, 5]), dx, dg, db)).toThrow(/dy must have shape \(3, 4\)/);
      expect(() => layerNormBackward(rt, x, g, m, rt.temp([2]), dy, dx, dg, db)).toThrow(/rstd must hold 3 values/);
    });
  });
});
