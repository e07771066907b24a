// Conv1D: forward and backward against the scalar twin over an edge-size matrix of T, C, F, K with
// every stride, dilation, padding, bias and activation, in every build and thread count, bitwise
// (both sum in the same order with separate f32 mul and add) and bitwise across the runtimes;
// gradients against f64 central differences; Keras/TF geometry against tfjs-core (cpu backend);
// nothing written outside the outputs and the workspace; bad input refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { expectBitwise, rng, uniform } from '../helpers/data.js';
import {
  CONV1D_PADDINGS, conv1d, conv1dBackward, conv1dBackwardWorkspaceBytes, conv1dForwardWorkspaceBytes, conv1dGeometry,
  conv1dOutputLength, type Conv1dActivation, type Conv1dPadding,
} from '../../src/kernels/conv1d.js';
import { unaryBackward } from '../../src/kernels/unary.js';
import { Tensor } from '../../src/tensor.js';
import type { Runtime } from '../../src/runtime/runtime.js';

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

interface Case {
  B: number; T: number; C: number; F: number; K: number;
  stride: number; dilation: number; padding: Conv1dPadding; bias: boolean; activation: Conv1dActivation;
  /** which gradients to ask for: bit 0 dx, bit 1 dw, bit 2 dbias */
  grads: number;
}
interface Data { x: Float32Array; w: Float32Array; bias: Float32Array; dy: Float32Array }
interface Out { y: Float32Array; dx: Float32Array | null; dw: Float32Array | null; dbias: Float32Array | null }

const label = (c: Case) => `B${c.B} T${c.T} C${c.C} F${c.F} K${c.K} s${c.stride} d${c.dilation} ${c.padding}` +
  `${c.bias ? ' bias' : ''} ${c.activation} g${c.grads}`;

function makeData(c: Case, seed: number): Data {
  const { Tout } = conv1dGeometry(c.T, c.K, c.stride, c.dilation, c.padding);
  const s = 1 / Math.sqrt(Math.max(c.K * c.C, 1));
  return {
    x: uniform(c.B * c.T * c.C, -1, 1, seed),
    w: uniform(c.K * c.C * c.F, -2 * s, 2 * s, seed + 1),
    bias: uniform(c.F, -0.5, 0.5, seed + 2),
    dy: uniform(c.B * Tout * c.F, -1, 1, seed + 3),
  };
}

const opts = (c: Case) => ({ stride: c.stride, dilation: c.dilation, padding: c.padding });

function runFast(rt: Runtime, c: Case, d: Data): Out {
  const { Tout } = conv1dGeometry(c.T, c.K, c.stride, c.dilation, c.padding);
  return rt.step(() => {
    const x = rt.temp([c.B, c.T, c.C]).set(d.x);
    const w = rt.temp([c.K, c.C, c.F]).set(d.w);
    const bias = c.bias ? rt.temp([c.F]).set(d.bias) : null;
    // outputs start as NaN: anything the kernels fail to write shows up
    const y = rt.temp([c.B, Tout, c.F]).fill(NaN);
    conv1d(rt, x, w, bias, y, { ...opts(c), activation: c.activation });
    const dy = rt.temp([c.B, Tout, c.F]).set(d.dy);
    const dx = c.grads & 1 ? rt.temp([c.B, c.T, c.C]).fill(NaN) : null;
    const dw = c.grads & 2 ? rt.temp([c.K, c.C, c.F]).fill(NaN) : null;
    const dbias = c.grads & 4 ? rt.temp([c.F]).fill(NaN) : null;
    conv1dBackward(rt, x, w, dy, { dx, dw, dbias }, opts(c));
    return {
      y: y.f32().slice(),
      dx: dx ? dx.f32().slice() : null, dw: dw ? dw.f32().slice() : null, dbias: dbias ? dbias.f32().slice() : null,
    };
  });
}

function runRef(c: Case, d: Data): Out {
  const { Tout, padLeft } = conv1dGeometry(c.T, c.K, c.stride, c.dilation, c.padding);
  ref.reset();
  const nY = c.B * Tout * c.F, nX = c.B * c.T * c.C, nW = c.K * c.C * c.F;
  const px = ref.put(d.x), pw = ref.put(d.w), pb = c.bias ? ref.put(d.bias) : 0, py = ref.alloc(nY);
  ref.call('f32_conv1d_fwd', px, pw, pb, py, c.B, c.T, c.C, c.F, c.K, c.stride, c.dilation, padLeft, Tout,
    c.activation === 'relu' ? 1 : 0, 0);
  const pdy = ref.put(d.dy), pdx = ref.alloc(nX), pdw = ref.alloc(nW), pdb = ref.alloc(c.F);
  ref.call('f32_conv1d_bwd', px, pw, pdy, c.grads & 1 ? pdx : 0, c.grads & 2 ? pdw : 0, c.grads & 4 ? pdb : 0,
    c.B, c.T, c.C, c.F, c.K, c.stride, c.dilation, padLeft, Tout, 0);
  return {
    y: ref.f32(py, nY),
    dx: c.grads & 1 ? ref.f32(pdx, nX) : null, dw: c.grads & 2 ? ref.f32(pdw, nW) : null, dbias: c.grads & 4 ? ref.f32(pdb, c.F) : null,
  };
}

/** Every runtime against the twin, bit for bit, and against each other. */
function check(c: Case, seed: number): void {
  const d = makeData(c, seed);
  const want = runRef(c, d);
  let first: Out | null = null;
  for (const [name, rt] of rts) {
    const got = runFast(rt, c, d);
    const what = `${label(c)} ${name}`;
    for (const k of ['y', 'dx', 'dw', 'dbias'] as const) {
      const g = got[k], wv = want[k];
      if (g === null || wv === null) { expect(g).toBe(wv); continue; }
      expectBitwise(g, wv, `${what} ${k} vs twin`);
      if (first) expectBitwise(g, first[k]!, `${what} ${k} vs simd@1`);
    }
    first ??= got;
  }
}

// Stride, dilation, padding, bias, activation, batch and the gradients asked for come from a
// seeded generator per case, so that across the matrix every combination appears many times.
function variant(B: number, T: number, C: number, F: number, K: number, n: number): Case | null {
  const r = rng(n * 7919 + 13);
  const pick = <V>(vs: readonly V[]) => vs[Math.floor(r() * vs.length)];
  const c: Case = {
    B: B < 0 ? pick([1, 2, 3]) : B, T, C, F, K,
    stride: pick([1, 1, 2, 3]), dilation: pick([1, 1, 2]), padding: pick(CONV1D_PADDINGS),
    bias: r() < 0.6, activation: pick(['linear', 'relu'] as const), grads: r() < 0.7 ? 7 : pick([1, 2, 3, 4, 5, 6]),
  };
  if (c.padding === 'valid' && (c.K - 1) * c.dilation + 1 > c.T) c.padding = 'same';
  return c;
}

const TS = [1, 2, 3, 4, 5, 7, 8, 9, 13];
const CS = [1, 3, 4, 5, 8, 9, 17];
const FS = [1, 3, 4, 5, 7, 8, 9, 16, 17];
const KS = [1, 2, 3, 4, 5, 7];

describe('f32_conv1d_fwd / f32_conv1d_bwd against the twin', () => {
  it.each(KS.map((K) => [K]))('K=%i: T, C, F over the edge sizes', (K) => {
    let n = K * 100000;
    for (const T of TS) for (const C of CS) for (const F of FS) {
      n++;
      check(variant(-1, T, C, F, K, n)!, n);
    }
  });

  // every stride, dilation and padding on shapes that take several tile blocks (32 rows), dw
  // blocks (256 rows of dy), tiles straddling two sequences, the F % 8 == 4 tail (100 filters)
  const shapes: [number, number, number, number, number][] = [
    [3, 50, 32, 24, 5], [2, 67, 13, 37, 3], [4, 33, 20, 100, 4], [1, 300, 8, 8, 7], [3, 200, 9, 20, 3], [5, 1, 3, 5, 1],
    [7, 11, 6, 9, 2],
  ];
  it.each(shapes)('B=%i T=%i C=%i F=%i K=%i: every stride, dilation and padding', (B, T, C, F, K) => {
    let n = B * 1000 + T;
    for (const stride of [1, 2, 3]) for (const dilation of [1, 2]) for (const padding of CONV1D_PADDINGS) {
      if (padding === 'valid' && (K - 1) * dilation + 1 > T) continue;
      n++;
      check({ B, T, C, F, K, stride, dilation, padding, bias: (n & 1) === 1, activation: n & 2 ? 'relu' : 'linear', grads: 7 }, n);
    }
  });

  it('zero sizes: empty batch, sequence, channels or filters (gradients that are sums over nothing are 0)', () => {
    const cases: Case[] = [
      { B: 0, T: 5, C: 3, F: 4, K: 2, stride: 1, dilation: 1, padding: 'valid', bias: true, activation: 'linear', grads: 7 },
      { B: 2, T: 0, C: 3, F: 4, K: 3, stride: 1, dilation: 1, padding: 'same', bias: true, activation: 'relu', grads: 7 },
      { B: 2, T: 6, C: 0, F: 5, K: 3, stride: 2, dilation: 1, padding: 'same', bias: true, activation: 'relu', grads: 7 },
      { B: 2, T: 6, C: 0, F: 5, K: 3, stride: 1, dilation: 1, padding: 'valid', bias: false, activation: 'linear', grads: 7 },
      { B: 2, T: 6, C: 3, F: 0, K: 3, stride: 1, dilation: 2, padding: 'causal', bias: true, activation: 'linear', grads: 7 },
    ];
    cases.forEach((c, i) => check(c, 50 + i));
    // and the values: dw and dbias of an empty batch are zeros, y with no channels is act(bias)
    const rt = rts.get('simd-mt@3')!;
    const e = runFast(rt, cases[0], makeData(cases[0], 1));
    expect([...e.dw!].every((v) => Object.is(v, 0))).toBe(true);
    expect([...e.dbias!].every((v) => Object.is(v, 0))).toBe(true);
    const d2 = makeData(cases[2], 2);
    const y = runFast(rt, cases[2], d2).y;
    for (let i = 0; i < y.length; i++) expect(y[i]).toBe(Math.max(d2.bias[i % 5], 0));
  });
});

describe('closed forms and Keras geometry', () => {
  it('output length and padding as Keras / TF compute them', () => {
    expect(conv1dGeometry(10, 3)).toEqual({ Tout: 8, padLeft: 0 });
    expect(conv1dGeometry(10, 3, 2)).toEqual({ Tout: 4, padLeft: 0 });
    expect(conv1dGeometry(10, 3, 1, 2)).toEqual({ Tout: 6, padLeft: 0 });
    // 'same': the odd zero goes to the right
    expect(conv1dGeometry(5, 4, 1, 1, 'same')).toEqual({ Tout: 5, padLeft: 1 });
    expect(conv1dGeometry(10, 3, 3, 1, 'same')).toEqual({ Tout: 4, padLeft: 1 });
    expect(conv1dGeometry(10, 3, 1, 3, 'same')).toEqual({ Tout: 10, padLeft: 3 });
    expect(conv1dGeometry(4, 1, 2, 1, 'same')).toEqual({ Tout: 2, padLeft: 0 });
    expect(conv1dGeometry(7, 3, 2, 2, 'causal')).toEqual({ Tout: 4, padLeft: 4 });
    expect(conv1dOutputLength(3, 3)).toBe(1);
    expect(conv1dOutputLength(0, 5, 1, 1, 'same')).toBe(0);
  });

  it('an impulse through a one-hot kernel lands where Keras puts it (same, causal, stride, dilation)', () => {
    const rt = rts.get('simd-mt@2')!;
    // x[t] = 1 at t = 6 only; w picks tap k only: y[t] = x[t*s + k*d - padLeft]
    for (const [T, K, stride, dilation, padding, k] of [
      [12, 4, 1, 1, 'same', 0], [12, 4, 1, 1, 'same', 3], [12, 3, 2, 1, 'same', 1], [12, 3, 1, 2, 'causal', 0],
      [12, 3, 1, 3, 'valid', 2], [13, 5, 3, 1, 'same', 4],
    ] as [number, number, number, number, Conv1dPadding, number][]) {
      const { Tout, padLeft } = conv1dGeometry(T, K, stride, dilation, padding);
      const y = rt.step(() => {
        const x = rt.temp([1, T, 1]).fill(0);
        x.f32()[6] = 1;
        const w = rt.temp([K, 1, 1]).fill(0);
        w.f32()[k] = 1;
        const yt = rt.temp([1, Tout, 1]);
        conv1d(rt, x, w, null, yt, { stride, dilation, padding });
        return yt.f32().slice();
      });
      const want = Array.from({ length: Tout }, (_, t) => (t * stride + k * dilation - padLeft === 6 ? 1 : 0));
      expect([...y], `${T} ${K} s${stride} d${dilation} ${padding} k${k}`).toEqual(want);
    }
  });
});

// Loss L = sum(r * y) in f64 over the fast forward's y; its gradients from conv1dBackward(dy = r).
describe('gradients against central differences', () => {
  function grads(rt: Runtime, c: Case, d: Data, r: Float32Array) {
    return runFast(rt, c, { ...d, dy: r });
  }
  function loss(rt: Runtime, c: Case, d: Data, r: Float32Array): number {
    const y = runFast(rt, { ...c, grads: 0 }, d).y;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += r[i] * y[i];
    return s;
  }
  function fd(rt: Runtime, c: Case, d: Data, r: Float32Array, key: 'x' | 'w' | 'bias', i: number, h: number): number {
    const a = d[key].slice(), b = d[key].slice();
    a[i] += h; b[i] -= h;
    return (loss(rt, c, { ...d, [key]: a }, r) - loss(rt, c, { ...d, [key]: b }, r)) / (a[i] - b[i]);
  }

  const configs: [number, number, number, number, number, number, number, Conv1dPadding][] = [
    [2, 7, 3, 4, 3, 1, 1, 'valid'], [2, 7, 3, 5, 3, 2, 2, 'same'], [1, 9, 2, 3, 4, 3, 1, 'same'], [2, 6, 3, 2, 2, 1, 3, 'causal'],
  ];
  it.each(configs)('linear: B=%i T=%i C=%i F=%i K=%i stride %i dilation %i %s: dx, dw, dbias', (B, T, C, F, K, stride, dilation, padding) => {
    const rt = rts.get('simd-mt@2')!;
    const c: Case = { B, T, C, F, K, stride, dilation, padding, bias: true, activation: 'linear', grads: 7 };
    const d = makeData(c, 77);
    const r = d.dy;
    const g = grads(rt, c, d, r);
    // L is linear in every input, so a wide step is exact up to the f32 rounding of y
    const h = 0.25;
    for (const [key, an] of [['x', g.dx!], ['w', g.dw!], ['bias', g.dbias!]] as const) {
      for (let i = 0; i < an.length; i++) {
        const num = fd(rt, c, d, r, key, i, h);
        expect(Math.abs(an[i] - num), `${key}[${i}]: ${an[i]} vs ${num}`).toBeLessThan(2e-5 * Math.max(1, Math.abs(num)));
      }
    }
  });

  it('relu fused, its backward applied by the host with the unary kernel', () => {
    const rt = rts.get('simd-mt@3')!;
    const c: Case = { B: 2, T: 8, C: 3, F: 4, K: 3, stride: 1, dilation: 1, padding: 'same', bias: true, activation: 'relu', grads: 7 };
    const d = makeData(c, 5);
    const r = d.dy;
    const { Tout } = conv1dGeometry(c.T, c.K, c.stride, c.dilation, c.padding);
    const an = rt.step(() => {
      const x = rt.temp([c.B, c.T, c.C]).set(d.x), w = rt.temp([c.K, c.C, c.F]).set(d.w), bias = rt.temp([c.F]).set(d.bias);
      const y = rt.temp([c.B, Tout, c.F]);
      conv1d(rt, x, w, bias, y, { padding: 'same', activation: 'relu' });
      // relu'(pre) = pre > 0 = y > 0, so y stands in for the pre-activation
      const dyPost = rt.temp([c.B, Tout, c.F]).set(r), dyPre = rt.temp([c.B, Tout, c.F]);
      unaryBackward(rt, 'relu', y, y, dyPost, dyPre);
      const dx = rt.temp([c.B, c.T, c.C]), dw = rt.temp([c.K, c.C, c.F]), db = rt.temp([c.F]);
      conv1dBackward(rt, x, w, dyPre, { dx, dw, dbias: db }, { padding: 'same' });
      return { x: dx.f32().slice(), w: dw.f32().slice(), bias: db.f32().slice() };
    });
    const h = 1e-3;
    for (const key of ['x', 'w', 'bias'] as const) {
      for (let i = 0; i < an[key].length; i++) {
        const num = fd(rt, c, d, r, key, i, h);
        expect(Math.abs(an[key][i] - num), `${key}[${i}]: ${an[key][i]} vs ${num}`).toBeLessThan(2e-3 * Math.max(1, Math.abs(num)));
      }
    }
  });
});

// tfjs-backend-cpu: the wasm backend has no Conv2DBackpropFilter (tfjs 4.22); the cpu backend
// comes with tfjs-backend-wasm (its dependency).
describe('parity with tfjs-core (cpu backend)', () => {
  it('forward, and dx and dw where tfjs has gradients (dilation 1)', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    tf.env().set('PROD', true);   // quiet: no "install tfjs-node" banner
    expect(await tf.setBackend('cpu')).toBe(true);
    const rt = rts.get('simd@1')!;
    const closeTo = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
      expect(a.length, what).toBe(b.length);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `${what}[${i}] ${a[i]} vs ${b[i]}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(b[i])));
    };
    let n = 0;
    for (const [T, K] of [[9, 3], [10, 4], [7, 5]]) {
      for (const [stride, dilation] of [[1, 1], [2, 1], [3, 1], [1, 2]]) {
        for (const padding of ['valid', 'same'] as const) {
          if (padding === 'valid' && (K - 1) * dilation + 1 > T) continue;
          const c: Case = { B: 2, T, C: 3, F: 5, K, stride, dilation, padding, bias: false, activation: 'linear', grads: 3 };
          const d = makeData(c, ++n);
          const ours = runFast(rt, c, d);
          const x = tf.tensor3d(d.x, [c.B, T, c.C]), w = tf.tensor3d(d.w, [K, c.C, c.F]);
          const f = (a: any, b: any) => tf.conv1d(a, b, stride, padding, 'NWC', dilation);
          const what = `T${T} K${K} s${stride} d${dilation} ${padding}`;
          closeTo(ours.y, f(x, w).dataSync() as Float32Array, `${what} y`);
          if (dilation === 1) {
            const [gx, gw] = tf.grads(f)([x, w], tf.tensor(d.dy, [c.B, ours.y.length / c.B / c.F, c.F]) as any);
            closeTo(ours.dx!, gx.dataSync() as Float32Array, `${what} dx`);
            closeTo(ours.dw!, gw.dataSync() as Float32Array, `${what} dw`);
          }
          tf.disposeVariables();
        }
      }
    }
  }, 60000);
});

describe('memory', () => {
  it('writes nothing outside the outputs and the workspace the size functions ask for', () => {
    const GUARD = 64;
    const SENT = 12345;
    for (const [name, rt] of rts) {
      for (const [B, T, C, F, K, stride, dilation, padding] of [
        [3, 50, 13, 24, 5, 1, 1, 'same'], [2, 9, 5, 3, 3, 2, 2, 'causal'], [1, 70, 17, 9, 4, 1, 1, 'valid'],
        [2, 300, 6, 20, 3, 1, 1, 'same'],
      ] as [number, number, number, number, number, number, number, Conv1dPadding][]) {
        rt.step(() => {
          const { Tout, padLeft } = conv1dGeometry(T, K, stride, dilation, padding);
          const nth = rt.threads;
          const guarded = (n: number) => {
            const block = rt.temp([n + 2 * GUARD]).fill(SENT);
            return { block, ptr: block.ptr + GUARD * 4, n };
          };
          const x = rt.temp([B, T, C]).set(uniform(B * T * C, -1, 1, 1));
          const w = rt.temp([K, C, F]).set(uniform(K * C * F, -1, 1, 2));
          const bias = rt.temp([F]).set(uniform(F, -1, 1, 3));
          const dy = rt.temp([B, Tout, F]).set(uniform(B * Tout * F, -1, 1, 4));
          const y = guarded(B * Tout * F), dx = guarded(B * T * C), dw = guarded(K * C * F), db = guarded(F);
          const wsf = guarded(conv1dForwardWorkspaceBytes(C, F, K, nth) / 4);
          const wsb = guarded(conv1dBackwardWorkspaceBytes(C, F, K, nth) / 4);
          rt.run('f32_conv1d_fwd', 1e9, [x.ptr, w.ptr, bias.ptr, y.ptr, B, T, C, F, K, stride, dilation, padLeft, Tout, 1, wsf.ptr], nth);
          rt.run('f32_conv1d_bwd', 1e9, [x.ptr, w.ptr, dy.ptr, dx.ptr, dw.ptr, db.ptr, B, T, C, F, K, stride, dilation, padLeft, Tout, wsb.ptr], nth);
          for (const [what, g] of [['y', y], ['dx', dx], ['dw', dw], ['dbias', db], ['fwd ws', wsf], ['bwd ws', wsb]] as const) {
            const v = g.block.f32();
            for (let i = 0; i < GUARD; i++) {
              expect(v[i], `${name} before ${what}`).toBe(SENT);
              expect(v[GUARD + g.n + i], `${name} after ${what}`).toBe(SENT);
            }
            if (!what.includes('ws')) for (let i = 0; i < g.n; i++) if (v[GUARD + i] === SENT) throw new Error(`${name}: ${what}[${i}] not written`);
          }
        });
      }
    }
  });

  it('the workspace grows with the thread count', () => {
    expect(conv1dForwardWorkspaceBytes(64, 100, 5, 3)).toBe(3 * conv1dForwardWorkspaceBytes(64, 100, 5, 1));
    expect(conv1dBackwardWorkspaceBytes(64, 100, 5, 2)).toBe(2 * conv1dBackwardWorkspaceBytes(64, 100, 5, 1));
    expect(() => conv1dForwardWorkspaceBytes(-1, 1, 1, 1)).toThrow(/C must be a whole number/);
  });
});

describe('bad input', () => {
  it('refuses wrong shapes, bad geometry, aliasing, wrong dtypes and bad options with a clear error', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const x = rt.temp([2, 6, 3]), w = rt.temp([3, 3, 4]), y = rt.temp([2, 4, 4]), b = rt.temp([4]);
      const dy = rt.temp([2, 4, 4]);
      expect(() => conv1d(rt, x, w, b, y)).not.toThrow();
      expect(() => conv1d(rt, rt.temp([6, 3]), w, b, y)).toThrow(/x must have rank 3 \(batch, steps, channels\), got shape \(6, 3\)/);
      expect(() => conv1d(rt, x, rt.temp([3, 12]), b, y)).toThrow(/w must have rank 3 \(kernelSize, channels, filters\)/);
      expect(() => conv1d(rt, x, rt.temp([3, 2, 4]), b, y)).toThrow(/w\(3, 2, 4\) is for 2 input channels but x\(2, 6, 3\) has 3; w must be \(kernelSize, 3, filters\)/);
      expect(() => conv1d(rt, x, rt.temp([0, 3, 4]), b, y)).toThrow(/kernel size 0/);
      expect(() => conv1d(rt, x, rt.temp([7, 3, 4]), b, rt.temp([2, 0, 4]))).toThrow(/padding 'valid' the kernel spans 7 steps \(kernel size 7\) but the input has only 6; use padding 'same'/);
      expect(() => conv1d(rt, x, w, b, y, { dilation: 3 })).toThrow(/spans 7 steps \(kernel size 3, dilation 3\)/);
      expect(() => conv1d(rt, x, w, b, y, { stride: 0 })).toThrow(/stride must be a whole number >= 1, got 0/);
      expect(() => conv1d(rt, x, w, b, y, { dilation: 1.5 })).toThrow(/dilation must be a whole number >= 1, got 1.5/);
      expect(() => conv1d(rt, x, w, b, y, { padding: 'full' as Conv1dPadding })).toThrow(/unknown padding 'full'; expected one of valid, same, causal/);
      expect(() => conv1d(rt, x, w, b, y, { activation: 'tanh' as Conv1dActivation })).toThrow(/unknown activation 'tanh'.*unary kernels/);
      expect(() => conv1d(rt, x, w, b, rt.temp([2, 6, 4]))).toThrow(/y must have shape \(2, 4, 4\) \(batch, output steps, filters\), got \(2, 6, 4\)/);
      expect(() => conv1d(rt, x, w, b, rt.temp([2, 6, 4]), { padding: 'same' })).not.toThrow();
      expect(() => conv1d(rt, x, w, rt.temp([3]), y)).toThrow(/bias must have shape \(4,\) \(one value per filter\), got \(3,\)/);
      expect(() => conv1d(rt, x, w, rt.temp([4], 'i32'), y)).toThrow(/bias must be f32, got i32/);
      expect(() => conv1d(rt, rt.temp([2, 6, 3], 'i32'), w, b, y)).toThrow(/x must be f32, got i32/);
      // aliasing
      const big = rt.temp([200]);
      const xv = new Tensor(rt, big.ptr, [2, 6, 3], 'f32', big.generation);
      const yv = new Tensor(rt, big.ptr + 20 * 4, [2, 4, 4], 'f32', big.generation);
      expect(() => conv1d(rt, xv, w, b, yv)).toThrow(/y overlaps x in memory/);
      expect(() => conv1d(rt, x, w, b, new Tensor(rt, w.ptr, [2, 4, 4], 'f32', w.generation))).toThrow(/y overlaps w/);
      // backward
      const dx = rt.temp([2, 6, 3]), dw = rt.temp([3, 3, 4]), db = rt.temp([4]);
      expect(() => conv1dBackward(rt, x, w, dy, { dx, dw, dbias: db })).not.toThrow();
      expect(() => conv1dBackward(rt, x, w, rt.temp([2, 6, 4]), { dx })).toThrow(/dy must have shape \(2, 4, 4\) \(the shape of the forward output\), got \(2, 6, 4\)/);
      expect(() => conv1dBackward(rt, x, w, dy, { dx: rt.temp([2, 6, 4]) })).toThrow(/dx must have shape \(2, 6, 3\) \(the shape of x\)/);
      expect(() => conv1dBackward(rt, x, w, dy, { dw: rt.temp([3, 4, 3]) })).toThrow(/dw must have shape \(3, 3, 4\) \(the shape of w\)/);
      expect(() => conv1dBackward(rt, x, w, dy, { dbias: rt.temp([3]) })).toThrow(/dbias must have shape \(4,\)/);
      expect(() => conv1dBackward(rt, x, w, dy, { dx: x })).toThrow(/dx overlaps x/);
      expect(() => conv1dBackward(rt, x, w, dy, { dw: w })).toThrow(/dw overlaps w/);
      expect(() => conv1dBackward(rt, x, w, dy, { dbias: new Tensor(rt, dy.ptr, [4], 'f32', dy.generation) })).toThrow(/dbias overlaps dy/);
      expect(() => conv1dBackward(rt, x, w, dy, { dw, dbias: new Tensor(rt, dw.ptr + 8, [4], 'f32', dw.generation) })).toThrow(/dw and dbias share memory/);
      expect(() => conv1dBackward(rt, x, w, dy, { dx }, { stride: -1 })).toThrow(/stride must be a whole number >= 1/);
      expect(() => conv1dBackward(rt, x, w, dy, { dw: rt.temp([3, 3, 4], 'i32') })).toThrow(/dw must be f32, got i32/);
    });
    // freed and stale tensors
    const x = rt.alloc([2, 6, 3]), w = rt.alloc([3, 3, 4]), y = rt.alloc([2, 4, 4]);
    rt.free(w);
    expect(() => conv1d(rt, x, w, null, y)).toThrow(/w \(3, 3, 4\).*not inside a live allocation/);
    const t = rt.temp([2, 6, 3]);
    rt.endStep();
    const w2 = rt.alloc([3, 3, 4]);
    expect(() => conv1d(rt, t, w2, null, y)).toThrow(/x \(2, 6, 3\) is a step tensor from a step that has ended/);
    rt.free(x); rt.free(w2); rt.free(y);
  });
});
