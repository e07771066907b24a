// The thread pool: bitwise results at any thread count, errors instead of hangs when a worker
// fails or dies, and a process with an idle pool exits by itself.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../../src/runtime/runtime.js';
import { WorkerDiedError } from '../../src/runtime/pool.js';
import { unaryForward } from '../../src/kernels/unary.js';
import { uniform, expectBitwise } from '../helpers/data.js';

describe('thread pool', () => {
  it('splits work and gives bitwise-equal results at 1, 2 and 3 threads, many jobs in a row', async () => {
    const x = uniform(10_007, -5, 5, 3);
    const results: Float32Array[] = [];
    for (const threads of [1, 2, 3]) {
      const rt = await Runtime.create({ build: 'simd-mt', threads, parallelThreshold: 1, spin: 100 });
      const tx = rt.fromArray(x), ty = rt.alloc([x.length]);
      for (let i = 0; i < 200; i++) unaryForward(rt, i % 2 ? 'tanh' : 'gelu', tx, ty);
      results.push(ty.f32().slice());
      await rt.close();
    }
    expectBitwise(results[1], results[0], '2 threads');
    expectBitwise(results[2], results[0], '3 threads');
  });

  it('small jobs stay on the calling thread', async () => {
    const rt = await Runtime.create({ build: 'simd-mt', threads: 2 });
    expect(rt.threadsFor(100)).toBe(1);
    expect(rt.threadsFor(rt.parallelThreshold * 2)).toBe(2);
    expect(rt.threadsFor(1e12)).toBe(2);
    await rt.close();
  });

  it('a kernel that traps on a worker is an error on the caller, and the pool keeps working', async () => {
    const rt = await Runtime.create({ build: 'simd-mt', threads: 2, spin: 100 });
    const n = 4096;
    // share 0 (this thread) is in bounds, share 1 (the worker) runs past the end of memory
    const end = rt.memory.buffer.byteLength;
    const ptr = end - (n / 2) * 4;
    expect(() => rt.run('f32_relu_fwd', 1e9, [ptr, ptr, n], 2)).toThrow(/pool thread 1 failed in f32_relu_fwd: .*out of bounds/);
    const t = rt.fromArray([-1, 2]);
    rt.run('f32_relu_fwd', 1e9, [t.ptr, t.ptr, 2], 2);
    expect(Array.from(t.f32())).toEqual([0, 2]);
    await rt.close();
  });

  it('a worker that dies gives an error, not a deadlock', async () => {
    const rt = await Runtime.create({ build: 'simd-mt', threads: 3, spin: 100 });
    const t = rt.alloc([4096]);
    rt.pool!._killWorkerForTest(2);
    const t0 = Date.now();
    expect(() => rt.run('f32_relu_fwd', 1e9, [t.ptr, t.ptr, 4096], 3)).toThrow(WorkerDiedError);
    expect(Date.now() - t0).toBeLessThan(5000);
    // and it stays refused with advice, rather than hanging later
    expect(() => rt.run('f32_relu_fwd', 1e9, [t.ptr, t.ptr, 4096], 3)).toThrow(/init\(\) it again, or use threads: 1/);
    await rt.close();
  });

  it('a process with an idle pool exits normally', () => {
    const script = `
      import { Runtime } from ${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)};
      const rt = await Runtime.create({ build: 'simd-mt', threads: 2 });
      const t = rt.fromArray([1, -1]);
      rt.run('f32_relu_fwd', 1e9, [t.ptr, t.ptr, 2], 2);
      console.log('ran', rt.env().threads);
      // no close(): the idle pool must not keep the process alive
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000, encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ran 2');
    expect(r.status).toBe(0);
  });
});
