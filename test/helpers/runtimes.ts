// Runtimes under test: every build at 1, 2 and 3 threads. parallelThreshold 1 makes every
// threaded kernel split whatever its size, so the thread tests are real.
import { Runtime } from '../../src/runtime/runtime.js';
import type { BuildName } from '../../src/runtime/features.js';

export interface Variant { build: BuildName; threads: number; label: string }

export const VARIANTS: Variant[] = [
  { build: 'simd', threads: 1, label: 'simd@1' },
  { build: 'simd-mt', threads: 1, label: 'simd-mt@1' },
  { build: 'simd-mt', threads: 2, label: 'simd-mt@2' },
  { build: 'simd-mt', threads: 3, label: 'simd-mt@3' },
];

export async function startAll(opts: { spin?: number } = {}): Promise<Map<string, Runtime>> {
  const out = new Map<string, Runtime>();
  for (const v of VARIANTS) {
    out.set(v.label, await Runtime.create({ build: v.build, threads: v.threads, parallelThreshold: 1, spin: opts.spin ?? 200 }));
  }
  return out;
}

export async function closeAll(rts: Map<string, Runtime>): Promise<void> {
  for (const rt of rts.values()) await rt.close();
}
