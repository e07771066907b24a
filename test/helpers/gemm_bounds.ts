// The GEMM's memory bound check, shared by the default builds' test (test/kernels/gemm.test.ts) and
// the fma builds' (test/runtime/fma.test.ts, whose 6-row tiles pack differently): a guard band
// around c and around the workspace gemmWorkspaceBytes asks for must be untouched, and every
// element of c written.
import { expect } from 'vitest';
import { gemmWorkspaceBytes } from '../../src/kernels/gemm.js';
import { Tensor } from '../../src/tensor.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { uniform } from './data.js';

/** [M, N, K, transA, transB] */
export type GemmShape = [number, number, number, number, number];

export function expectGemmStaysInside(runtimes: Iterable<[string, Runtime]>, shapes: GemmShape[]): void {
  const GUARD = 64;
  for (const [name, rt] of runtimes) {
    for (const [M, N, K, transA, transB] of shapes) {
      rt.step(() => {
        const a = rt.temp(transA ? [K, M] : [M, K]).set(uniform(M * K, -1, 1, 1));
        const b = rt.temp(transB ? [N, K] : [K, N]).set(uniform(K * N, -1, 1, 2));
        const nth = rt.threads;
        const wsFloats = gemmWorkspaceBytes(M, N, K, nth) / 4;
        const cBlock = rt.temp([M * N + 2 * GUARD]).fill(12345);
        const wsBlock = rt.temp([wsFloats + 2 * GUARD]).fill(12345);
        const c = new Tensor(rt, cBlock.ptr + GUARD * 4, [M, N], 'f32', cBlock.generation);
        rt.run('f32_gemm_fwd', 2 * M * N * K, [a.ptr, b.ptr, c.ptr, 0, wsBlock.ptr + GUARD * 4, M, N, K, transA, transB, 0, 0], nth);
        const cb = cBlock.f32(), wb = wsBlock.f32();
        const what = `${name} ${M}x${N}x${K} tA${transA} tB${transB}`;
        for (let i = 0; i < GUARD; i++) {
          expect(cb[i], `${what}: before c`).toBe(12345);
          expect(cb[GUARD + M * N + i], `${what}: after c`).toBe(12345);
          expect(wb[i], `${what}: before ws`).toBe(12345);
          expect(wb[GUARD + wsFloats + i], `${what}: after ws`).toBe(12345);
        }
        const cc = c.f32();
        for (let i = 0; i < M * N; i++) if (cc[i] === 12345) throw new Error(`${what}: c[${i}] not written`);
      });
    }
  }
}
