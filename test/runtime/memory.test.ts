// The memory plan: heap blocks and the step arena, limits with a clear error, views re-made
// after growth, and no growth over thousands of steps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/runtime.js';
import { MemoryLimitError } from '../../src/runtime/memory.js';
import { Tensor } from '../../src/tensor.js';
import { unaryForward } from '../../src/kernels/unary.js';

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create({ build: 'simd', maxMemoryBytes: 64 * 2 ** 20 }); });
afterAll(async () => { await rt.close(); });

describe('step arena', () => {
  it('10,000 steps do not grow live or peak bytes', () => {
    const slab = rt.alloc([1000]);   // a long-lived block, as a model's parameters
    const oneStep = (i: number) => rt.step(() => {
      // varying sizes and counts, as batches of different lengths
      const n = 256 + (i % 7) * 300;
      const a = rt.temp([n]).fill(0.5);
      const b = rt.temp([n]);
      unaryForward(rt, 'tanh', a, b);
      for (let j = 0; j < (i % 5); j++) rt.temp([64 * (j + 1)]);
      return b.f32()[0];
    });
    for (let i = 0; i < 50; i++) oneStep(i);
    const after50 = rt.memoryInfo();
    for (let i = 50; i < 10_000; i++) oneStep(i);
    const after10k = rt.memoryInfo();
    expect(after10k.peakBytes).toBe(after50.peakBytes);
    expect(after10k.liveBytes).toBe(after50.liveBytes);
    expect(after10k.arenaReservedBytes).toBe(after50.arenaReservedBytes);
    expect(after10k.memoryBytes).toBe(after50.memoryBytes);
    expect(after10k.arenaBytes).toBe(0);
    rt.free(slab);
  });

  it('a step that needs more than one chunk is served, and later steps reuse one merged chunk', () => {
    rt.step(() => { for (let i = 0; i < 5; i++) rt.temp([300_000]); });   // 5 x 1.2 MB > the 1 MiB chunk
    const reserved = rt.memoryInfo().arenaReservedBytes;
    expect(reserved).toBeGreaterThanOrEqual(5 * 1_200_000);
    rt.step(() => { for (let i = 0; i < 5; i++) rt.temp([300_000]); });
    expect(rt.memoryInfo().arenaReservedBytes).toBe(reserved);
  });

  it('step() releases temps when the step throws', () => {
    const before = rt.memoryInfo().arenaBytes;
    expect(() => rt.step(() => { rt.temp([1000]); throw new Error('boom'); })).toThrow('boom');
    expect(rt.memoryInfo().arenaBytes).toBe(before);
  });
});

describe('heap', () => {
  it('freed blocks are reused and coalesced', () => {
    const live0 = rt.memoryInfo().heapBytes;
    const a = rt.alloc([10_000]), b = rt.alloc([10_000]), c = rt.alloc([10_000]);
    const pa = a.ptr;
    rt.free(a); rt.free(b);
    const d = rt.alloc([20_000]);   // fits in a+b merged
    expect(d.ptr).toBe(pa);
    rt.free(c); rt.free(d);
    expect(rt.memoryInfo().heapBytes).toBe(live0);
    expect(() => rt.free(d)).toThrow(/not a live heap block/);
  });

  it('views are re-made after memory grows; data survives', () => {
    const t = rt.fromArray([1, 2, 3, 4]);
    const old = t.f32();
    const before = rt.memory.buffer.byteLength;
    const big = rt.alloc([4 * 2 ** 20]);   // 16 MiB: forces memory.grow
    expect(rt.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(old.length).toBe(0);             // the old view is detached by the grow
    expect(Array.from(t.f32())).toEqual([1, 2, 3, 4]);
    rt.free(big); rt.free(t);
  });
});

describe('limits and bad input', () => {
  it('refuses a request past maxMemoryBytes with the bytes needed and how to raise it', () => {
    let err: unknown;
    try { rt.alloc([32 * 2 ** 20]); } catch (e) { err = e; }   // 128 MiB > 64 MiB
    expect(err).toBeInstanceOf(MemoryLimitError);
    expect(String((err as Error).message)).toMatch(/allocating a f32 tensor \(33554432,\) \(128\.0 MiB\): needs 1\d\d\.\d MiB .* limit is 64\.0 MiB.*maxMemoryBytes/);
    // the runtime still works afterwards
    const t = rt.alloc([4]);
    rt.free(t);
  });

  it('refuses bad pointers and shapes at the ABI boundary', () => {
    const a = rt.alloc([16]);
    const forged = new Tensor(rt, 8, [16]);                          // static data, not the heap
    expect(() => unaryForward(rt, 'relu', forged, a)).toThrow(/not inside a live allocation/);
    const past = new Tensor(rt, a.ptr, [1_000_000]);                 // runs past its block
    expect(() => unaryForward(rt, 'relu', past, past)).toThrow(/not inside a live allocation/);
    const outside = new Tensor(rt, rt.memory.buffer.byteLength + 64, [4]);
    expect(() => unaryForward(rt, 'relu', outside, outside)).toThrow(/not inside a live allocation/);
    expect(() => rt.alloc([2, -1])).toThrow(/bad shape/);
    expect(() => rt.alloc([1.5])).toThrow(/bad shape/);
    expect(() => a.set([1, 2, 3])).toThrow(/cannot set 3 values/);
    rt.free(a);
  });

  it('refuses tensors of another runtime', async () => {
    const other = await Runtime.create({ build: 'simd' });
    const t = other.alloc([4]);
    const mine = rt.alloc([4]);
    expect(() => unaryForward(rt, 'relu', t, mine)).toThrow(/another runtime/);
    rt.free(mine);
    await other.close();
  });

  it('refuses bad options', async () => {
    await expect(Runtime.create({ maxMemoryBytes: 1000 })).rejects.toThrow(/maxMemoryBytes/);
    await expect(Runtime.create({ threads: 0 })).rejects.toThrow(/threads must be/);
    await expect(Runtime.create({ build: 'simd', threads: 2 })).rejects.toThrow(/one thread/);
  });
});
