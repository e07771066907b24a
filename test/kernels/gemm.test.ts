// GEMM: the kernel against its scalar twin over an edge-size matrix of M, N, K, every transpose,
// accumulate and bias combination and every fused activation, in every build and thread count,
// bitwise equal across them. Linear and relu must equal the twin bit for bit (both sum in k order
// with separate f32 mul and add); sigmoid, tanh and gelu are within the vector math's stated
// accuracy of the twin's f64 activation, and equal to the unary kernels bit for bit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { Ref } from '../helpers/ref.js';
import { expectBitwise, expectClose, uniform } from '../helpers/data.js';
import { expectGemmStaysInside } from '../helpers/gemm_bounds.js';
import { GEMM_ACTIVATIONS, gemm, gemmWorkspaceBytes, type GemmActivation } from '../../src/kernels/gemm.js';
import { unaryForward } from '../../src/kernels/unary.js';
import { Tensor } from '../../src/tensor.js';
import type { Runtime } from '../../src/runtime/runtime.js';

// max relative error of the fused activations vs the f64 twin (as test/kernels/unary.test.ts)
const RTOL: Record<GemmActivation, number> = { linear: 0, relu: 0, sigmoid: 5e-7, tanh: 5e-7, gelu: 1e-6 };
const ATOL: Record<GemmActivation, number> = { linear: 0, relu: 0, sigmoid: 0, tanh: 0, gelu: 1e-10 };

let rts: Map<string, Runtime>;
const ref = new Ref();
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

interface Case {
  M: number; N: number; K: number;
  transA: boolean; transB: boolean; accumulate: boolean; bias: boolean; activation: GemmActivation;
}
interface Data { a: Float32Array; b: Float32Array; c0: Float32Array; bias: Float32Array }

const label = (c: Case) => `${c.M}x${c.N}x${c.K}${c.transA ? ' tA' : ''}${c.transB ? ' tB' : ''}${c.accumulate ? ' acc' : ''}${c.bias ? ' bias' : ''} ${c.activation}`;

function makeData(c: Case, seed: number): Data {
  // the scale keeps pre-activations in the interesting range of sigmoid/tanh/gelu
  const s = 1 / Math.sqrt(Math.max(c.K, 1));
  return {
    a: uniform(c.M * c.K, -1, 1, seed),
    b: uniform(c.K * c.N, -2 * s, 2 * s, seed + 1),
    // without accumulate c's old values must not be read: NaN would show through
    c0: c.accumulate ? uniform(c.M * c.N, -1, 1, seed + 2) : new Float32Array(c.M * c.N).fill(NaN),
    bias: uniform(c.N, -0.5, 0.5, seed + 3),
  };
}

function runFast(rt: Runtime, c: Case, d: Data, activation = c.activation): Float32Array {
  return rt.step(() => {
    const ta = rt.temp(c.transA ? [c.K, c.M] : [c.M, c.K]).set(d.a);
    const tb = rt.temp(c.transB ? [c.N, c.K] : [c.K, c.N]).set(d.b);
    const tc = rt.temp([c.M, c.N]).set(d.c0);
    const tbias = c.bias ? rt.temp([c.N]).set(d.bias) : null;
    gemm(rt, ta, tb, tc, { transA: c.transA, transB: c.transB, accumulate: c.accumulate, bias: tbias, activation });
    return tc.f32().slice();
  });
}

function runRef(c: Case, d: Data): Float32Array {
  ref.reset();
  const pa = ref.put(d.a), pb = ref.put(d.b), pc = ref.put(d.c0), pbias = c.bias ? ref.put(d.bias) : 0;
  ref.call('f32_gemm_fwd', pa, pb, pc, pbias, 0, c.M, c.N, c.K, +c.transA, +c.transB, +c.accumulate, GEMM_ACTIVATIONS.indexOf(c.activation));
  return ref.f32(pc, c.M * c.N);
}

/** Every runtime against the twin, and bitwise against each other. */
function check(c: Case, seed = 1): void {
  const d = makeData(c, seed);
  const want = runRef(c, d);
  let first: Float32Array | null = null;
  for (const [name, rt] of rts) {
    const got = runFast(rt, c, d);
    const what = `${label(c)} ${name}`;
    if (RTOL[c.activation] === 0) expectBitwise(got, want, `${what} vs twin`);
    else expectClose(got, want, RTOL[c.activation], ATOL[c.activation], `${what} vs twin`);
    if (first) expectBitwise(got, first, `${what} vs simd@1`);
    else first = got;
  }
}

const EDGE = [0, 1, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33, 64, 67];
const KS = [0, 1, 4, 5, 17, 67];

describe('f32_gemm_fwd against the twin', () => {
  // M x N over the edge values, K over a subset; the transposes, accumulate, bias and activation
  // rotate with the case number so every combination appears many times across the matrix.
  it.each(EDGE.map((M) => [M]))('M=%i, N and K over the edge sizes', (M) => {
    let n = M * 7;
    for (const N of EDGE) {
      for (const K of KS) {
        n++;
        check({
          M, N, K,
          transA: (n & 1) === 1, transB: (n & 2) === 2, accumulate: (n & 4) === 4, bias: (n & 8) === 8,
          activation: GEMM_ACTIVATIONS[n % GEMM_ACTIVATIONS.length],
        }, n);
      }
    }
  });

  // every combination of flags and activation on shapes that take each path: GEMV (M <= 3 and
  // K x N >= 4096: 2x300x513, 1x4100x9, 3x2053x5), packed with M <= 3 (1x67x33, 3x33x67),
  // edge tiles in both directions, several blocks of K (> 256), N (> 256) and M (> 128)
  const shapes: [number, number, number][] = [[1, 67, 33], [3, 33, 67], [2, 9, 0], [5, 9, 13], [67, 33, 17], [129, 257, 65], [37, 300, 600], [2, 300, 513], [261, 19, 300], [1, 4100, 9], [3, 2053, 5]];
  it.each(shapes)('%i x %i x %i: every transpose, accumulate, bias and activation', (M, N, K) => {
    let n = 0;
    for (const transA of [false, true]) for (const transB of [false, true]) for (const accumulate of [false, true]) {
      for (const bias of [false, true]) for (const activation of GEMM_ACTIVATIONS) {
        // the biggest shapes: every flag combination, the activations rotating
        if (M * N * K > 1e6 && GEMM_ACTIVATIONS.indexOf(activation) !== n % GEMM_ACTIVATIONS.length) continue;
        check({ M, N, K, transA, transB, accumulate, bias, activation }, ++n);
      }
      n++;
    }
  });

  it('a closed form: ones(M,K) · ones(K,N) = K, plus bias', () => {
    const rt = rts.get('simd-mt@3')!;
    const [M, N, K] = [9, 13, 300];
    const out = rt.step(() => {
      const a = rt.temp([M, K]).fill(1), b = rt.temp([K, N]).fill(1), c = rt.temp([M, N]);
      const bias = rt.temp([N]).set(Array.from({ length: N }, (_, j) => j));
      gemm(rt, a, b, c, { bias });
      return c.f32().slice();
    });
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) expect(out[i * N + j]).toBe(K + j);
  });
});

describe('fused activations', () => {
  it('equal the unary kernels bit for bit', () => {
    const c: Case = { M: 7, N: 37, K: 19, transA: false, transB: true, accumulate: false, bias: true, activation: 'linear' };
    const d = makeData(c, 5);
    for (const [name, rt] of rts) {
      const pre = runFast(rt, c, d, 'linear');
      for (const op of ['relu', 'sigmoid', 'tanh', 'gelu'] as const) {
        const fused = runFast(rt, c, d, op);
        const separate = rt.step(() => {
          const x = rt.temp([pre.length]).set(pre), y = rt.temp([pre.length]);
          unaryForward(rt, op, x, y);
          return y.f32().slice();
        });
        expectBitwise(fused, separate, `${op} ${name}`);
      }
    }
  });
});

describe('memory', () => {
  it('writes nothing outside c and the workspace gemmWorkspaceBytes asks for', () => {
    expectGemmStaysInside(rts, [[37, 300, 600, 0, 0], [9, 517, 3, 0, 1], [261, 20, 300, 1, 0], [2, 45, 70, 0, 0], [2, 45, 70, 1, 1], [3, 2100, 7, 0, 0]]);
  });

  it('each thread writes only its own slice of the workspace', () => {
    // the shares run one at a time on the calling thread, so an overlap shows as a changed byte
    const rt = rts.get('simd@1')!;
    const fn = (rt.instance.exports as any).f32_gemm_fwd as (...args: number[]) => void;
    for (const [M, N, K, transA, transB] of [[37, 300, 600, 0, 0], [261, 20, 300, 1, 1], [5, 9, 13, 0, 0]]) {
      rt.step(() => {
        const nth = 3;
        const per = gemmWorkspaceBytes(M, N, K, 1) / 4;
        expect(gemmWorkspaceBytes(M, N, K, nth)).toBe(nth * per * 4);
        const a = rt.temp([M * K]).set(uniform(M * K, -1, 1, 1));
        const b = rt.temp([K * N]).set(uniform(K * N, -1, 1, 2));
        const c = rt.temp([M, N]);
        const ws = rt.temp([nth * per]);
        let used = 0;
        for (let ith = 0; ith < nth; ith++) {
          ws.fill(12345);
          fn(a.ptr, b.ptr, c.ptr, 0, ws.ptr, M, N, K, transA, transB, 0, 0, ith, nth);
          const w = ws.f32();
          for (let i = 0; i < nth * per; i++) {
            if (w[i] === 12345) continue;
            if (i < ith * per || i >= (ith + 1) * per) throw new Error(`${M}x${N}x${K}: thread ${ith} of ${nth} wrote ws[${i}], outside its slice [${ith * per}, ${(ith + 1) * per})`);
            used++;
          }
        }
        expect(used).toBeGreaterThan(0);
      });
    }
  });

  it('gemmWorkspaceBytes grows with the thread count and is 0 for an empty output', () => {
    expect(gemmWorkspaceBytes(0, 10, 10, 2)).toBe(0);
    expect(gemmWorkspaceBytes(10, 0, 10, 2)).toBe(0);
    expect(gemmWorkspaceBytes(64, 64, 64, 3)).toBe(3 * gemmWorkspaceBytes(64, 64, 64, 1));
    expect(() => gemmWorkspaceBytes(-1, 1, 1, 1)).toThrow(/M must be a whole number/);
  });
});

describe('bad input', () => {
  it('refuses wrong shapes, aliasing, wrong dtypes and bad options with a clear error', () => {
    const rt = rts.get('simd@1')!;
    rt.step(() => {
      const a = rt.temp([3, 4]), b = rt.temp([4, 5]), c = rt.temp([3, 5]);
      expect(() => gemm(rt, a, rt.temp([5, 4]), c)).toThrow(/inner dimensions differ: a is \(3, 4\) but b is \(5, 4\).*check the shapes or transA\/transB/);
      expect(() => gemm(rt, a, b, c, { transA: true })).toThrow(/a\(3, 4\) transposed is \(4, 3\)/);
      expect(() => gemm(rt, a, b, rt.temp([5, 3]))).toThrow(/c must have shape \(3, 5\).*got \(5, 3\)/);
      expect(() => gemm(rt, rt.temp([12]), b, c)).toThrow(/a must be a matrix \(rank 2\)/);
      // aliasing: c is a, c overlaps b, c overlaps bias
      const sq = rt.temp([4, 4]);
      expect(() => gemm(rt, sq, sq, sq)).toThrow(/c overlaps a/);
      const big = rt.temp([40]);
      const bView = new Tensor(rt, big.ptr, [4, 5], 'f32', big.generation);
      const cView = new Tensor(rt, big.ptr + 16 * 4, [3, 5], 'f32', big.generation);
      expect(() => gemm(rt, a, bView, cView)).toThrow(/c overlaps b/);
      const biasView = new Tensor(rt, c.ptr, [5], 'f32', c.generation);
      expect(() => gemm(rt, a, b, c, { bias: biasView })).toThrow(/c overlaps bias/);
      // dtypes, bias shape, options
      expect(() => gemm(rt, rt.temp([3, 4], 'i32'), b, c)).toThrow(/a must be f32, got i32/);
      expect(() => gemm(rt, a, b, rt.temp([3, 5], 'i32'))).toThrow(/c must be f32, got i32/);
      expect(() => gemm(rt, a, b, c, { bias: rt.temp([3]) })).toThrow(/bias must have shape \(5,\).*got \(3,\)/);
      expect(() => gemm(rt, a, b, c, { bias: rt.temp([5], 'i32') })).toThrow(/bias must be f32/);
      expect(() => gemm(rt, a, b, c, { activation: 'softmax' as GemmActivation })).toThrow(/unknown activation 'softmax'/);
      expect(() => gemm(rt, a, b, c, { transB: 1 as unknown as boolean })).toThrow(/transB must be true or false/);
    });
    // freed and stale tensors
    const a = rt.alloc([3, 4]), b = rt.alloc([4, 5]), c = rt.alloc([3, 5]);
    rt.free(b);
    expect(() => gemm(rt, a, b, c)).toThrow(/b \(4, 5\).*not inside a live allocation/);
    const t = rt.temp([3, 4]);
    rt.endStep();
    const b2 = rt.alloc([4, 5]);
    expect(() => gemm(rt, t, b2, c)).toThrow(/a \(3, 4\) is a step tensor from a step that has ended/);
    rt.free(a); rt.free(b2); rt.free(c);
  });
});
