// Optimizer updates and global-norm clipping: every variant against its twin (bitwise: same f32
// operations in the same order) over the edge-size matrix in every build and thread count,
// bitwise equal across them; a few steps against an f64 host recurrence; closed forms;
// clipping against an f64 host computation; bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { edgeSizes, expectBitwise, expectClose, uniform } from '../helpers/data.js';
import {
  adagradUpdate, adamUpdate, biasCorrection, clipByGlobalNorm, fillRows, globalNorm, regularize, rmspropUpdate, scaleInPlace, sgdUpdate, SUMSQ_CHUNK,
  type AdamOptions, type RmspropOptions, type RowSelection, type SgdOptions,
} from '../../src/kernels/optim.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { Tensor } from '../../src/tensor.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

// ---- one update of each kind, on the runtime and on the twin ------------------------------------

type Kind = 'sgd' | 'adam' | 'rmsprop' | 'adagrad';
interface Case { kind: Kind; label: string; opts: any }

const CASES: Case[] = [
  { kind: 'sgd', label: 'plain', opts: { learningRate: 0.05 } },
  { kind: 'sgd', label: 'momentum', opts: { learningRate: 0.05, momentum: 0.9 } },
  { kind: 'sgd', label: 'nesterov', opts: { learningRate: 0.05, momentum: 0.9, nesterov: true } },
  { kind: 'sgd', label: 'momentum + L2', opts: { learningRate: 0.05, momentum: 0.5, weightDecay: 0.01 } },
  { kind: 'sgd', label: 'plain + L2', opts: { learningRate: 0.05, weightDecay: 0.1 } },
  { kind: 'sgd', label: 'momentum + decoupled decay', opts: { learningRate: 0.05, momentum: 0.5, weightDecay: 0.01, decoupled: true } },
  { kind: 'sgd', label: 'nesterov + decoupled decay', opts: { learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.1, decoupled: true } },
  { kind: 'adam', label: 'step 1', opts: { learningRate: 1e-3, step: 1 } },
  { kind: 'adam', label: 'step 7, eps 1e-2', opts: { learningRate: 1e-2, beta1: 0.8, beta2: 0.99, epsilon: 1e-2, step: 7 } },
  { kind: 'adam', label: 'AdamW', opts: { learningRate: 1e-2, step: 3, weightDecay: 0.05, decoupled: true } },
  { kind: 'adam', label: 'L2', opts: { learningRate: 1e-2, step: 3, weightDecay: 0.05 } },
  { kind: 'rmsprop', label: 'plain', opts: { learningRate: 1e-2 } },
  { kind: 'rmsprop', label: 'momentum', opts: { learningRate: 1e-2, momentum: 0.9, rho: 0.95 } },
  { kind: 'rmsprop', label: 'centered', opts: { learningRate: 1e-2, centered: true } },
  { kind: 'rmsprop', label: 'centered + momentum', opts: { learningRate: 1e-2, centered: true, momentum: 0.5, epsilon: 1e-3 } },
  { kind: 'adagrad', label: 'eps 1e-7', opts: { learningRate: 0.1 } },
];

/** State arrays per kind, in kernel argument order after p and g. */
const STATE: Record<Kind, string[]> = { sgd: ['v'], adam: ['m', 'v'], rmsprop: ['ms', 'mom', 'mg'], adagrad: ['acc'] };

interface Arrays { p: Float32Array; g: Float32Array; [state: string]: Float32Array }

function initial(kind: Kind, n: number, seed: number): Arrays {
  const a: Arrays = { p: uniform(n, -1, 1, seed), g: uniform(n, -1, 1, seed + 1) };
  STATE[kind].forEach((s, i) => {
    // plausible state after a few steps: second moments and accumulators positive
    const positive = s === 'v' && kind === 'adam' || s === 'ms' || s === 'acc';
    a[s] = positive ? uniform(n, 0.1, 1, seed + 2 + i) : uniform(n, -0.1, 0.1, seed + 2 + i);
  });
  if (kind === 'rmsprop') for (let i = 0; i < n; i++) a.ms[i] += a.mg[i] * a.mg[i];   // ms >= mg^2
  return a;
}

function apply(rt: Runtime, c: Case, t: Record<string, Tensor>, rows?: RowSelection): void {
  switch (c.kind) {
    case 'sgd': return sgdUpdate(rt, t.p, t.g, t.v, c.opts as SgdOptions, rows);
    case 'adam': return adamUpdate(rt, t.p, t.g, t.m, t.v, c.opts as AdamOptions, rows);
    case 'rmsprop': return rmspropUpdate(rt, t.p, t.g, t.ms, t.mom, t.mg, c.opts as RmspropOptions, rows);
    case 'adagrad': return adagradUpdate(rt, t.p, t.g, t.acc, c.opts, rows);
  }
}

/** Runs `steps` updates (gradients from gradFor) and returns every array afterwards. */
function runFast(rt: Runtime, c: Case, a: Arrays, steps = 1, gradFor?: (s: number) => Float32Array): Arrays {
  return rt.step(() => {
    const t: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(a)) t[k] = rt.temp([v.length]).set(v);
    for (let s = 0; s < steps; s++) {
      if (gradFor) t.g.set(gradFor(s));
      apply(rt, { ...c, opts: c.kind === 'adam' && steps > 1 ? { ...c.opts, step: c.opts.step + s } : c.opts }, t);
    }
    const out: Arrays = { p: t.p.f32().slice(), g: t.g.f32().slice() };
    for (const k of Object.keys(a)) out[k] = t[k].f32().slice();
    return out;
  });
}

/** The twin, with the kernel arguments the host wrappers compute. */
function runRef(c: Case, a: Arrays): Arrays {
  ref.reset();
  const ptr: Record<string, number> = {};
  for (const [k, v] of Object.entries(a)) ptr[k] = ref.put(v);
  const n = a.p.length, o = c.opts;
  switch (c.kind) {
    case 'sgd': ref.call('f32_sgd_update', ptr.p, ptr.g, ptr.v, n, o.learningRate, o.momentum ?? 0, o.nesterov ? 1 : 0, o.weightDecay ?? 0, o.decoupled ? 1 : 0); break;
    case 'adam': {
      const b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999;
      ref.call('f32_adam_update', ptr.p, ptr.g, ptr.m, ptr.v, n, o.learningRate, b1, 1 - b1, b2, 1 - b2, o.epsilon ?? 1e-7,
        biasCorrection(b1, o.step), biasCorrection(b2, o.step), o.weightDecay ?? 0, o.decoupled ? 1 : 0);
      break;
    }
    case 'rmsprop': {
      const rho = o.rho ?? 0.9;
      ref.call('f32_rmsprop_update', ptr.p, ptr.g, ptr.ms, ptr.mom, n, o.learningRate, rho, 1 - rho, o.epsilon ?? 1e-7, o.momentum ?? 0, o.centered ? 1 : 0, ptr.mg);
      break;
    }
    case 'adagrad': ref.call('f32_adagrad_update', ptr.p, ptr.g, ptr.acc, n, o.learningRate, o.epsilon ?? 1e-7); break;
  }
  const out: Arrays = { p: new Float32Array(0), g: new Float32Array(0) };
  for (const k of Object.keys(a)) out[k] = ref.f32(ptr[k], n);
  return out;
}

describe.each(CASES.map((c) => [`${c.kind} ${c.label}`, c]))('%s', (_, c) => {
  it.each(edgeSizes(4, [1000, 4099]).map((n) => [n]))('n=%i matches the twin bitwise in every build and thread count', (n) => {
    const a = initial(c.kind, n, n * 7 + 1);
    const want = runRef(c, a);
    for (const [label, rt] of rts) {
      const got = runFast(rt, c, a);
      for (const k of Object.keys(a)) expectBitwise(got[k], want[k], `${k} ${label}`);
    }
  });
});

// ---- row-sparse updates ---------------------------------------------------------------------

/** Runs one rows update of a (vocab, dim) table on the runtime. */
function runFastRows(rt: Runtime, c: Case, a: Arrays, rows: Int32Array, dim: number): Arrays {
  return rt.step(() => {
    const t: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(a)) t[k] = rt.temp([v.length]).set(v);
    apply(rt, c, t, { rows: rt.temp([rows.length], 'i32').set(rows), dim });
    const out: Arrays = { p: new Float32Array(0), g: new Float32Array(0) };
    for (const k of Object.keys(a)) out[k] = t[k].f32().slice();
    return out;
  });
}

/** The rows twin. */
function runRefRows(c: Case, a: Arrays, rows: Int32Array, dim: number): Arrays {
  ref.reset();
  const ptr: Record<string, number> = {};
  for (const [k, v] of Object.entries(a)) ptr[k] = ref.put(v);
  const pr = ref.put(rows, 'i32'), n = rows.length, o = c.opts;
  switch (c.kind) {
    case 'sgd': ref.call('f32_sgd_rows_update', ptr.p, ptr.g, ptr.v, pr, n, dim, o.learningRate, o.momentum ?? 0, o.nesterov ? 1 : 0, o.weightDecay ?? 0, o.decoupled ? 1 : 0); break;
    case 'adam': {
      const b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999;
      ref.call('f32_adam_rows_update', ptr.p, ptr.g, ptr.m, ptr.v, pr, n, dim, o.learningRate, b1, 1 - b1, b2, 1 - b2, o.epsilon ?? 1e-7,
        biasCorrection(b1, o.step), biasCorrection(b2, o.step), o.weightDecay ?? 0, o.decoupled ? 1 : 0);
      break;
    }
    case 'rmsprop': {
      const rho = o.rho ?? 0.9;
      ref.call('f32_rmsprop_rows_update', ptr.p, ptr.g, ptr.ms, ptr.mom, pr, n, dim, o.learningRate, rho, 1 - rho, o.epsilon ?? 1e-7, o.momentum ?? 0, o.centered ? 1 : 0, ptr.mg);
      break;
    }
    case 'adagrad': ref.call('f32_adagrad_rows_update', ptr.p, ptr.g, ptr.acc, pr, n, dim, o.learningRate, o.epsilon ?? 1e-7); break;
  }
  const out: Arrays = { p: new Float32Array(0), g: new Float32Array(0) };
  for (const k of Object.keys(a)) out[k] = ref.f32(ptr[k], a.p.length);
  return out;
}

/** Some distinct rows of [0, vocab), shuffled. */
function someRows(vocab: number, seed: number): Int32Array {
  const r = uniform(vocab, 0, 1, seed);
  const picked = Array.from({ length: vocab }, (_, i) => i).filter((i) => r[i] < 0.4);
  return Int32Array.from(picked.sort((x, y) => r[x] - r[y]));
}

/** Where a zero gradient is the identity: the rows update is the dense update. */
const exact = (c: Case) => c.kind === 'adagrad' || (c.kind === 'sgd' && !c.opts.momentum && !c.opts.weightDecay);

describe.each(CASES.map((c) => [`${c.kind} ${c.label}`, c]))('rows update, %s', (_, c) => {
  it.each([[23, 1], [23, 5], [17, 13], [40, 32], [9, 4], [3, 1]])('vocab %i, dim %i: twin bitwise everywhere; listed rows get the dense update, the rest is untouched', (vocab, dim) => {
    const a = initial(c.kind, vocab * dim, vocab * 31 + dim);
    const rows = someRows(vocab, vocab + dim);
    const want = runRefRows(c, a, rows, dim);
    for (const [label, rt] of rts) {
      const got = runFastRows(rt, c, a, rows, dim);
      for (const k of Object.keys(a)) expectBitwise(got[k], want[k], `${k} ${label}`);
    }
    const dense = runRef(c, a);
    const listed = new Set(rows);
    for (const k of Object.keys(a)) {
      const expected = a[k].slice();
      for (const r of listed) expected.set(dense[k].subarray(r * dim, r * dim + dim), r * dim);
      expectBitwise(want[k], expected, `${k}: listed rows dense, others untouched`);
    }
    if (exact(c)) {
      // with the gradient zero outside the rows, the dense update of the whole table is the same, bit for bit
      const z = { ...a, g: a.g.slice() };
      for (let r = 0; r < vocab; r++) if (!listed.has(r)) z.g.fill(0, r * dim, r * dim + dim);
      const full = runRef(c, z);
      for (const k of Object.keys(a)) if (k !== 'g') expectBitwise(want[k], full[k], `${k}: exact, equals the dense update`);
    }
  });
});

describe('lazy Adam (closed form)', () => {
  it('a row without a gradient at step 2 keeps its moments; at step 3 it continues from step 1 with step-3 bias corrections', () => {
    const rt = rts.get('simd-mt@2')!;
    const dim = 6, vocab = 3, lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    const p0 = uniform(vocab * dim, -1, 1, 5), g1 = uniform(vocab * dim, -1, 1, 6), g3 = uniform(vocab * dim, -1, 1, 7);
    const got = rt.step(() => {
      const p = rt.temp([vocab * dim]).set(p0), g = rt.temp([vocab * dim]), m = rt.temp([vocab * dim]).fill(0), v = rt.temp([vocab * dim]).fill(0);
      const sel = (r: number[]) => ({ rows: rt.temp([r.length], 'i32').set(r), dim });
      g.set(g1); adamUpdate(rt, p, g, m, v, { learningRate: lr, step: 1 }, sel([0, 1, 2]));
      g.set(g1); adamUpdate(rt, p, g, m, v, { learningRate: lr, step: 2 }, sel([2]));
      g.set(g3); adamUpdate(rt, p, g, m, v, { learningRate: lr, step: 3 }, sel([1, 2]));
      return p.f32().slice();
    });
    for (let j = 0; j < dim; j++) {
      // row 0: only step 1, p - lr * g / (|g| + eps)
      const a = g1[j];
      expect(got[j]).toBeCloseTo(p0[j] - lr * a / (Math.abs(a) + eps), 5);
      // row 1: steps 1 and 3
      const i = dim + j, x = g1[i], y = g3[i];
      const p1 = p0[i] - lr * x / (Math.abs(x) + eps);
      const m = b1 * (1 - b1) * x + (1 - b1) * y, v = b2 * (1 - b2) * x * x + (1 - b2) * y * y;
      const want = p1 - lr * (m / (1 - b1 ** 3)) / (Math.sqrt(v / (1 - b2 ** 3)) + eps);
      expect(Math.abs(got[i] - want)).toBeLessThan(1e-5);
    }
  });
});

describe('fillRows (a row-sparse gradient\'s stale rows zeroed)', () => {
  it.each([1, 3, 4, 5, 8, 13, 64])('dim %i: the listed rows take the value, every other value is untouched; the twin\'s bits; every build and thread count', (dim) => {
    const vocab = 37;
    const rows = someRows(vocab, dim + 11);
    const table = uniform(vocab * dim, -1, 1, dim);
    ref.reset();
    const px = ref.put(table), pr = ref.put(rows, 'i32');
    ref.call('f32_fill_rows_fwd', px, pr, rows.length, dim, 0);
    const twin = ref.f32(px, vocab * dim);
    const want = table.slice();
    for (const r of rows) want.fill(0, r * dim, r * dim + dim);
    expectBitwise(twin, want, 'twin');
    for (const [label, rt] of rts) {
      const got = rt.step(() => {
        const t = rt.temp([vocab * dim]).set(table);
        fillRows(rt, t, { rows: rt.temp([rows.length], 'i32').set(rows), dim }, 0);
        fillRows(rt, t, { rows: rt.temp([0], 'i32'), dim }, 5);   // no rows: nothing changes
        return t.f32().slice();
      });
      expectBitwise(got, want, label);
    }
  });

  it('refuses rows outside the table, repeated rows, a dim that does not divide the table and a value that is not finite', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const t = rt.temp([20]);
      const rows = (a: number[]) => rt.temp([a.length], 'i32').set(a);
      expect(() => fillRows(rt, t, { rows: rows([1, 5]), dim: 4 }, 0)).toThrow(/fillRows: rows\[1\] = 5 is outside the table's rows \[0, 5\)/);
      expect(() => fillRows(rt, t, { rows: rows([2, 2]), dim: 4 }, 0)).toThrow(/fillRows: rows\[1\] = 2 is listed twice/);
      expect(() => fillRows(rt, t, { rows: rows([0]), dim: 3 }, 0)).toThrow(/fillRows: rows.dim must be a whole number >= 1 dividing the table's 20 values/);
      expect(() => fillRows(rt, t, { rows: rows([0]), dim: 4 }, NaN)).toThrow(/fillRows: value must be a finite number/);
    });
  });
});

describe('row-sparse clipping', () => {
  it('row partial sums match the twin within one f32 rounding; clipping rows of a table equals clipping the whole zero-elsewhere table', () => {
    const vocab = 50, dim = 13;
    const rows = someRows(vocab, 3);
    const table = uniform(vocab * dim, -1, 1, 4);
    for (let r = 0; r < vocab; r++) if (!rows.includes(r)) table.fill(0, r * dim, r * dim + dim);
    const dense = uniform(37, -1, 1, 5);
    ref.reset();
    const px = ref.put(table), pr = ref.put(rows, 'i32'), pp = ref.alloc(rows.length);
    ref.call('f32_sumsq_rows_partial', px, pr, rows.length, dim, pp);
    const twin = ref.f32(pp, rows.length);
    const outs: Float32Array[] = [];
    for (const [label, rt] of rts) {
      const r = rt.step(() => {
        const t = rt.temp([vocab * dim]).set(table), d = rt.temp([37]).set(dense), sel = rt.temp([rows.length], 'i32').set(rows);
        const n1 = globalNorm(rt, [d], [{ table: t, rows: sel, dim }]);
        const n2 = globalNorm(rt, [d, t]);
        expect(Math.abs(n1 - n2) / n2).toBeLessThan(1e-6);
        const norm = clipByGlobalNorm(rt, [d], n2 / 3, [{ table: t, rows: sel, dim }]);
        expect(norm).toBe(n1);
        return { t: t.f32().slice(), d: d.f32().slice() };
      });
      expectClose(r.t, table.map((x) => x / 3), 1e-6, 1e-7, `scaled table ${label}`);
      expectClose(r.d, dense.map((x) => x / 3), 1e-6, 1e-7, `scaled dense ${label}`);
      outs.push(r.t);
    }
    for (let k = 1; k < outs.length; k++) expectBitwise(outs[k], outs[0], `variant ${k}`);
    for (let u = 0; u < rows.length; u++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += table[rows[u] * dim + j] ** 2;
      expect(Math.abs(twin[u] - s) / s).toBeLessThan(1.2e-7);
    }
  });

  it('refuses rows outside the table, repeated rows and a dim that does not divide the table', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const p = rt.temp([20]), g = rt.temp([20]), acc = rt.temp([20]);
      const sel = (r: number[], dim = 4) => ({ rows: rt.temp([r.length], 'i32').set(r), dim });
      expect(() => adagradUpdate(rt, p, g, acc, { learningRate: 0.1 }, sel([0, 5]))).toThrow(/wasmnn: adagrad: rows\[1\] = 5 is outside the table's rows \[0, 5\)/);
      expect(() => sgdUpdate(rt, p, g, null, { learningRate: 0.1 }, sel([1, 2, 1]))).toThrow(/wasmnn: sgd: rows\[2\] = 1 is listed twice/);
      expect(() => adamUpdate(rt, p, g, acc, rt.temp([20]), { learningRate: 0.1, step: 1 }, sel([1], 3))).toThrow(/wasmnn: adam: rows.dim must be a whole number >= 1 dividing/);
      expect(() => clipByGlobalNorm(rt, [p], 1, [{ table: g, ...sel([-1]) }])).toThrow(/wasmnn: clipByGlobalNorm: rows\[0\] = -1/);
    });
  });
});

// ---- a few steps against an f64 recurrence --------------------------------------------------

function stepF64(c: Case, s: Record<string, Float64Array>, step: number): void {
  const o = c.opts, { p, g } = s;
  for (let i = 0; i < p.length; i++) {
    switch (c.kind) {
      case 'sgd': {
        const gi = g[i] + (o.decoupled ? 0 : (o.weightDecay ?? 0) * p[i]);
        if (o.decoupled) p[i] -= o.learningRate * (o.weightDecay ?? 0) * p[i];   // Keras: decay first, then the update
        const mu = o.momentum ?? 0;
        if (mu === 0) { p[i] -= o.learningRate * gi; break; }
        s.v[i] = mu * s.v[i] - o.learningRate * gi;
        p[i] += o.nesterov ? mu * s.v[i] - o.learningRate * gi : s.v[i];
        break;
      }
      case 'adam': {
        const b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999, eps = o.epsilon ?? 1e-7, wd = o.weightDecay ?? 0;
        const gi = g[i] + (o.decoupled ? 0 : wd * p[i]);
        s.m[i] = b1 * s.m[i] + (1 - b1) * gi;
        s.v[i] = b2 * s.v[i] + (1 - b2) * gi * gi;
        const mhat = s.m[i] / (1 - b1 ** step), vhat = s.v[i] / (1 - b2 ** step);
        if (o.decoupled) p[i] -= o.learningRate * wd * p[i];
        p[i] -= o.learningRate * mhat / (Math.sqrt(vhat) + eps);
        break;
      }
      case 'rmsprop': {
        const rho = o.rho ?? 0.9, eps = o.epsilon ?? 1e-7, mu = o.momentum ?? 0;
        s.ms[i] = rho * s.ms[i] + (1 - rho) * g[i] * g[i];
        let den = s.ms[i];
        if (o.centered) {
          s.mg[i] = rho * s.mg[i] + (1 - rho) * g[i];
          den -= s.mg[i] * s.mg[i];
        }
        const inc = o.learningRate * g[i] / Math.sqrt(den + eps);
        if (mu) { s.mom[i] = mu * s.mom[i] + inc; p[i] -= s.mom[i]; } else p[i] -= inc;
        break;
      }
      case 'adagrad': {
        s.acc[i] += g[i] * g[i];
        p[i] -= o.learningRate * g[i] / Math.sqrt(s.acc[i] + (o.epsilon ?? 1e-7));
        break;
      }
    }
  }
}

describe('a few steps against an f64 recurrence', () => {
  it.each(CASES.map((c) => [`${c.kind} ${c.label}`, c]))('%s', (_, c) => {
    const n = 203, steps = 4;
    const a = initial(c.kind, n, 5);
    const grads = Array.from({ length: steps }, (_, s) => uniform(n, -1, 1, 100 + s));
    const got = runFast(rts.get('simd-mt@3')!, c, a, steps, (s) => grads[s]);
    const st: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(a)) st[k] = Float64Array.from(v);
    for (let s = 0; s < steps; s++) {
      st.g = Float64Array.from(grads[s]);
      stepF64(c, st, (c.opts.step ?? 1) + s);
    }
    // a few roundings of p (|p| <= about 1) and of the update (<= about lr * steps)
    for (const k of Object.keys(a)) if (k !== 'g') expectClose(got[k], st[k], 2e-6, 2e-7, `${k}`);
  });

  it('Adam step 1 is p - lr * g / (|g| + eps) (closed form)', () => {
    const n = 64, lr = 0.01, eps = 0.05;
    const a = initial('adam', n, 9);
    a.m.fill(0); a.v.fill(0);
    const got = runFast(rts.get('simd@1')!, { kind: 'adam', label: '', opts: { learningRate: lr, epsilon: eps, step: 1 } }, a);
    const want = a.p.map((p, i) => p - lr * a.g[i] / (Math.abs(a.g[i]) + eps));
    expectClose(got.p, want, 1e-6, 1e-8, 'p');
  });

  it('SGD with momentum from zero velocity: p_2 = p - lr * g1 - lr * (g2 + momentum * g1) (closed form)', () => {
    const n = 50, lr = 0.1, mu = 0.9;
    const a = initial('sgd', n, 10);
    a.v.fill(0);
    const g1 = uniform(n, -1, 1, 1), g2 = uniform(n, -1, 1, 2);
    const got = runFast(rts.get('simd@1')!, { kind: 'sgd', label: '', opts: { learningRate: lr, momentum: mu } }, a, 2, (s) => (s ? g2 : g1));
    expectClose(got.p, a.p.map((p, i) => p - lr * g1[i] - lr * (g2[i] + mu * g1[i])), 1e-6, 1e-7, 'p');
  });

  it('centered RMSprop stays finite where the variance estimate is below eps (tfjs-core 4.22 gives NaN)', () => {
    const n = 16, lr = 0.01, eps = 1e-7;
    const a = initial('rmsprop', n, 11);
    a.ms.fill(0); a.mg.fill(0); a.mom.fill(0);
    a.g.fill(1e-4);   // ms - mg^2 = rho (1 - rho) g^2 = 9e-10 < eps after one step
    const got = runFast(rts.get('simd@1')!, { kind: 'rmsprop', label: '', opts: { learningRate: lr, centered: true } }, a);
    const want = a.p.map((p) => p - lr * 1e-4 / Math.sqrt(0.9 * 0.1 * 1e-8 + eps));
    expectClose(got.p, want, 1e-6, 1e-9, 'p');
  });

  it('momentum 0 leaves the velocity alone (it may be absent)', () => {
    const rt = rts.get('simd-mt@2')!;
    rt.step(() => {
      const p = rt.temp([9]).set(uniform(9, -1, 1, 1)), g = rt.temp([9]).set(uniform(9, -1, 1, 2));
      const before = p.f32().slice();
      sgdUpdate(rt, p, g, null, { learningRate: 0.5 });
      expectBitwise(p.f32().slice(), before.map((v, i) => Math.fround(v - Math.fround(g.f32()[i] * 0.5))), 'p');
      rmspropUpdate(rt, p, g, rt.temp([9]).fill(0), null, null, { learningRate: 0.5 });
    });
  });
});

// ---- global norm ------------------------------------------------------------------------------

function sumsqRef(x: Float32Array): Float32Array {
  ref.reset();
  const chunks = Math.ceil(x.length / SUMSQ_CHUNK);
  const px = ref.put(x), pp = ref.alloc(chunks);
  ref.call('f32_sumsq_partial', px, x.length, pp);
  return ref.f32(pp, chunks);
}

describe('global norm and clipping', () => {
  const sizes = [...edgeSizes(4, [SUMSQ_CHUNK - 1, SUMSQ_CHUNK, SUMSQ_CHUNK + 1, 3 * SUMSQ_CHUNK + 5, 20000])];

  it('partial sums of squares match the twin within one f32 rounding, bitwise across builds and threads', () => {
    for (const n of sizes) {
      const x = uniform(n, -3, 3, n + 5);
      const want = sumsqRef(x);
      let first: Float32Array | null = null;
      for (const [label, rt] of rts) {
        const got = rt.step(() => {
          const tx = rt.temp([n]).set(x), tp = rt.temp([Math.ceil(n / SUMSQ_CHUNK)]);
          if (n) rt.run('f32_sumsq_partial', 1e9, [tx.ptr, n, tp.ptr]);   // work 1e9: every thread takes part
          return tp.f32().slice();
        });
        expectClose(got, want, 2 ** -23, 0, `partials n=${n} ${label}`);
        if (first) expectBitwise(got, first, `partials n=${n} ${label}`); else first = got;
      }
    }
  });

  it('globalNorm of several tensors equals the f64 norm, bitwise across builds and threads', () => {
    const xs = sizes.map((n) => uniform(n, -2, 2, n));
    let exact = 0;
    for (const x of xs) for (const v of x) exact += v * v;
    exact = Math.sqrt(exact);
    let first: number | null = null;
    for (const [label, rt] of rts) {
      const norm = rt.step(() => globalNorm(rt, xs.map((x) => rt.temp([x.length]).set(x))));
      expect(Math.abs(norm - exact) / exact, label).toBeLessThan(1e-7);
      if (first === null) first = norm; else expect(norm, label).toBe(first);
    }
    expect(rts.get('simd@1')!.step(() => globalNorm(rts.get('simd@1')!, []))).toBe(0);
  });

  it('clipByGlobalNorm scales by clipNorm / norm above the limit, leaves tensors alone below it', () => {
    const xs = [uniform(5000, -1, 1, 1), uniform(7, -1, 1, 2), new Float32Array(0), uniform(4099, -1, 1, 3)];
    let exact = 0;
    for (const x of xs) for (const v of x) exact += v * v;
    exact = Math.sqrt(exact);
    let first: Float32Array[] | null = null;
    for (const [label, rt] of rts) {
      rt.step(() => {
        const ts = xs.map((x) => rt.temp([x.length]).set(x));
        const norm = clipByGlobalNorm(rt, ts, 2);
        expect(Math.abs(norm - exact) / exact).toBeLessThan(1e-7);
        const s = Math.fround(2 / norm);
        const out = ts.map((t) => t.f32().slice());
        out.forEach((o, j) => expectBitwise(o, xs[j].map((v) => Math.fround(v * s)), `scaled ${j} ${label}`));
        expect(Math.abs(globalNorm(rt, ts) - 2)).toBeLessThan(1e-5);
        if (first) out.forEach((o, j) => expectBitwise(o, first![j], `bitwise ${j} ${label}`)); else first = out;
        // below the limit: untouched
        const norm2 = clipByGlobalNorm(rt, ts, 100);
        out.forEach((o, j) => expectBitwise(ts[j].f32().slice(), o, `unclipped ${j} ${label}`));
        expect(norm2).toBeLessThan(100);
      });
    }
  });

  it('a non-finite norm is returned and the tensors are left alone', () => {
    const rt = rts.get('simd-mt@3')!;
    rt.step(() => {
      const a = rt.temp([10]).set(uniform(10, -1, 1, 1)), b = rt.temp([6]).set([1, 2, Infinity, 3, 4, 5]);
      const before = a.f32().slice();
      expect(clipByGlobalNorm(rt, [a, b], 1)).toBe(Infinity);
      expectBitwise(a.f32().slice(), before, 'a');
      b.f32()[2] = NaN;
      expect(clipByGlobalNorm(rt, [a, b], 1)).toBeNaN();
    });
  });

  it('scaleInPlace matches the twin', () => {
    for (const n of edgeSizes(4, [1000])) {
      const x = uniform(n, -5, 5, n);
      ref.reset();
      const px = ref.put(x);
      ref.call('f32_scale_fwd', px, n, 0.3);
      const want = ref.f32(px, n);
      for (const [label, rt] of rts) {
        const got = rt.step(() => { const t = rt.temp([n]).set(x); scaleInPlace(rt, t, 0.3); return t.f32().slice(); });
        expectBitwise(got, want, `n=${n} ${label}`);
      }
    }
  });
});

// ---- bad input --------------------------------------------------------------------------------

describe('bad input', () => {
  it('refuses mismatched sizes, shared memory and bad hyper-parameters', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const p = rt.temp([8]), g = rt.temp([8]), m = rt.temp([8]), v = rt.temp([8]), short = rt.temp([7]);
      expect(() => sgdUpdate(rt, p, short, null, { learningRate: 0.1 })).toThrow(/sgd: g has 7 values .* but p has 8/);
      expect(() => sgdUpdate(rt, p, p, null, { learningRate: 0.1 })).toThrow(/sgd: p and g share memory/);
      expect(() => sgdUpdate(rt, p, g, null, { learningRate: -1 })).toThrow(/learningRate must be >= 0/);
      expect(() => sgdUpdate(rt, p, g, null, { learningRate: NaN })).toThrow(/learningRate must be a finite number/);
      expect(() => sgdUpdate(rt, p, g, null, { learningRate: 0.1, momentum: 0.9 })).toThrow(/needs a velocity tensor v/);
      expect(() => sgdUpdate(rt, p, g, v, { learningRate: 0.1, momentum: 1.5 })).toThrow(/momentum must be in \[0, 1\]/);
      expect(() => sgdUpdate(rt, p, g, v, { learningRate: 0.1, weightDecay: -1 })).toThrow(/weightDecay must be >= 0/);
      expect(() => adamUpdate(rt, p, g, m, v, { learningRate: 0.1, step: 0 })).toThrow(/step must be a whole number >= 1/);
      expect(() => adamUpdate(rt, p, g, m, v, { learningRate: 0.1, step: 1, beta1: 1 })).toThrow(/beta1 must be in \[0, 1\)/);
      expect(() => adamUpdate(rt, p, g, m, v, { learningRate: 0.1, step: 1, beta2: -0.1 })).toThrow(/beta2 must be in \[0, 1\)/);
      expect(() => adamUpdate(rt, p, g, m, v, { learningRate: 0.1, step: 1, epsilon: 0 })).toThrow(/epsilon must be > 0/);
      expect(() => adamUpdate(rt, p, g, m, v, { learningRate: 0.1, step: 1, epsilon: Infinity })).toThrow(/epsilon must be a finite number/);
      expect(() => adamUpdate(rt, p, g, m, v, { learningRate: 0.1, step: 1, biasCorrection1: 0 })).toThrow(/biasCorrection1 must be in \(0, 1\]/);
      expect(() => adamUpdate(rt, p, g, m, m, { learningRate: 0.1, step: 1 })).toThrow(/m and v share memory/);
      expect(() => adamUpdate(rt, p, g, m, short, { learningRate: 0.1, step: 1 })).toThrow(/v has 7 values/);
      expect(() => rmspropUpdate(rt, p, g, m, null, null, { learningRate: 0.1, centered: true })).toThrow(/centered needs an mg tensor/);
      expect(() => rmspropUpdate(rt, p, g, m, null, null, { learningRate: 0.1, momentum: 0.5 })).toThrow(/needs a mom tensor/);
      expect(() => rmspropUpdate(rt, p, g, m, null, null, { learningRate: 0.1, rho: 1 })).toThrow(/rho must be in \[0, 1\)/);
      expect(() => adagradUpdate(rt, p, g, rt.temp([8], 'i32'), { learningRate: 0.1 })).toThrow(/acc must be f32, got i32/);
      expect(() => clipByGlobalNorm(rt, [p, g], 0)).toThrow(/clipNorm must be > 0/);
      expect(() => clipByGlobalNorm(rt, [p, g, p], 1)).toThrow(/tensors\[0\] and tensors\[2\] share memory/);
      expect(() => globalNorm(rt, [p, rt.temp([3], 'i32')])).toThrow(/tensors\[1\] must be f32/);
    });
  });
});

// ---- weight regularization (f32_regularize_bwd) ---------------------------------------------------

/** The twin: g (changed in place unless gNull) and the partials [sum |w|, sum w^2] per chunk. */
function regularizeRef(w: Float32Array, g: Float32Array | null, l1: number, l2: number): { g: Float32Array | null; partials: Float32Array } {
  ref.reset();
  const chunks = Math.ceil(w.length / SUMSQ_CHUNK);
  const pw = ref.put(w), pg = g ? ref.put(g) : 0, pp = ref.alloc(2 * chunks);
  ref.call('f32_regularize_bwd', pw, pg, w.length, l1, Math.fround(l2) * 2, pp);
  return { g: g ? ref.f32(pg, g.length) : null, partials: ref.f32(pp, 2 * chunks) };
}

/** Weights with exact zeros and both signs (sign(0) = 0 matters for L1). */
function weightsWithZeros(n: number, seed: number): Float32Array {
  const w = uniform(n, -2, 2, seed);
  for (let i = 0; i < n; i += 5) w[i] = 0;
  if (n > 3) w[3] = -0;
  return w;
}

describe('weight regularization (f32_regularize_bwd)', () => {
  const sizes = [...edgeSizes(4, [SUMSQ_CHUNK - 1, SUMSQ_CHUNK, SUMSQ_CHUNK + 1, 2 * SUMSQ_CHUNK + 3])];
  const FACTORS: [number, number][] = [[0.01, 0], [0, 0.01], [0.003, 0.02], [1e-4, 1e-4]];

  it('gradient bitwise as the twin, partials within one f32 rounding, both bitwise across builds and threads', () => {
    for (const n of sizes) {
      for (const [l1, l2] of FACTORS) {
        const w = weightsWithZeros(n, n + 11), g0 = uniform(n, -1, 1, n + 12);
        const want = regularizeRef(w, g0, l1, l2);
        let first: { g: Float32Array; partials: Float32Array } | null = null;
        for (const [label, rt] of rts) {
          const got = rt.step(() => {
            const tw = rt.temp([n]).set(w), tg = rt.temp([n]).set(g0), tp = rt.temp([2 * Math.ceil(n / SUMSQ_CHUNK)]);
            if (n) rt.run('f32_regularize_bwd', 1e9, [tw.ptr, tg.ptr, n, l1, Math.fround(l2) * 2, tp.ptr]);   // work 1e9: every thread takes part
            expectBitwise(tw.f32(), w, `w is not written n=${n}`);
            return { g: tg.f32().slice(), partials: tp.f32().slice() };
          });
          const what = `n=${n} l1=${l1} l2=${l2} ${label}`;
          expectBitwise(got.g, want.g!, `gradient ${what}`);
          expectClose(got.partials, want.partials, 2 ** -23, 0, `partials ${what}`);
          if (first) { expectBitwise(got.g, first.g, what); expectBitwise(got.partials, first.partials, what); } else first = got;
        }
      }
    }
  });

  it('regularize() gives the closed forms: penalty l1 sum|w| + l2 sum w^2, gradient g + l1 sign(w) + 2 l2 w (f64 oracle)', () => {
    for (const n of [1, 7, 97, SUMSQ_CHUNK + 1, 3 * SUMSQ_CHUNK + 5]) {
      for (const [l1, l2] of FACTORS) {
        const w = weightsWithZeros(n, n), g0 = uniform(n, -1, 1, n + 1);
        let sa = 0, ss = 0;
        for (const v of w) { sa += Math.abs(v); ss += v * v; }
        const penalty = l1 * sa + l2 * ss;
        const wantG = Array.from(g0, (g, i) => g + l1 * Math.sign(w[i]) + 2 * l2 * w[i]);
        let first: number | null = null;
        for (const [label, rt] of rts) {
          const [p, g, pOnly, gUntouched] = rt.step(() => {
            const tw = rt.temp([n]).set(w), tg = rt.temp([n]).set(g0);
            const p = regularize(rt, tw, tg, l1, l2);
            const g = tg.f32().slice();
            tg.set(g0);
            const pOnly = regularize(rt, tw, null, l1, l2);
            return [p, g, pOnly, tg.f32().slice()] as const;
          });
          expect(Math.abs(p - penalty), `penalty n=${n} ${label}`).toBeLessThanOrEqual(1e-7 * penalty);
          expect(pOnly, 'without a gradient: the same penalty').toBe(p);
          expectBitwise(gUntouched, g0, 'g null: no gradient written');
          expectClose(g, wantG, 1e-6, 1e-7, `gradient n=${n} l1=${l1} l2=${l2} ${label}`);
          // sign(0) = 0: a zero weight's gradient gets nothing from L1 (nor from L2)
          expect(g[0], 'w = 0 keeps its gradient').toBe(g0[0]);
          if (first === null) first = p; else expect(p, `penalty bitwise across builds and threads (${label})`).toBe(first);
        }
      }
    }
  });

  it('the gradient is the finite difference of the penalty (away from the L1 kink at 0)', () => {
    const rt = rts.get('simd@1')!;
    const n = 13, h = 1e-2, l1 = 0.02, l2 = 0.03;
    const w = uniform(n, -1, 1, 5);
    for (let i = 0; i < n; i++) if (Math.abs(w[i]) < 2 * h) w[i] = 0.5;
    rt.step(() => {
      const tw = rt.temp([n]).set(w), tg = rt.temp([n]).fill(0);
      regularize(rt, tw, tg, l1, l2);
      const grad = tg.f32().slice();
      const pen = (v: Float32Array) => regularize(rt, tw.set(v), null, l1, l2);
      for (let i = 0; i < n; i++) {
        const up = w.slice(), down = w.slice();
        up[i] += h; down[i] -= h;
        const num = (pen(up) - pen(down)) / (up[i] - down[i]);
        expect(Math.abs(num - grad[i]), `w[${i}]: finite difference ${num}, analytic ${grad[i]}`).toBeLessThan(1e-4);
      }
    });
  });

  it('refuses bad factors and mismatched tensors', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const w = rt.temp([8]).fill(1), g = rt.temp([8]), g7 = rt.temp([7]);
      expect(() => regularize(rt, w, g, -0.1, 0)).toThrow(/l1 and l2 must be >= 0/);
      expect(() => regularize(rt, w, g, 0, NaN)).toThrow(/l2 must be a finite number/);
      expect(() => regularize(rt, w, g7, 0.1, 0)).toThrow(/g has 7 values .* but w has 8/);
      expect(() => regularize(rt, w, w, 0.1, 0)).toThrow(/share memory/);
    });
  });
});
