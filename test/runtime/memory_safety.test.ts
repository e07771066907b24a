// Memory safety of tensors and the runtime: freed, stale and forged tensors are refused in O(1)
// whatever reused their memory; shapes cannot change under a kernel; kernel scratch outside a step
// is released; limits, options and values are checked up front with messages naming the fix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/runtime.js';
import { MemoryLimitError } from '../../src/runtime/memory.js';
import { init, shutdown, hasRuntime } from '../../src/runtime/default.js';
import { Tensor } from '../../src/tensor.js';
import { unaryForward } from '../../src/kernels/unary.js';
import { gemm } from '../../src/kernels/gemm.js';
import { conv1d, conv1dBackward } from '../../src/kernels/conv1d.js';
import { lstmSequence, lstmSequenceBackward } from '../../src/kernels/lstm.js';
import { gruSequence, gruSequenceBackward } from '../../src/kernels/gru.js';
import { globalNorm, clipByGlobalNorm } from '../../src/kernels/optim.js';
import { embeddingRowsBackward, embeddingBagRowsBackward } from '../../src/kernels/embedding.js';

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create({ build: 'simd', maxMemoryBytes: 64 * 2 ** 20 }); });
afterAll(async () => { await rt.close(); });

const filled = (shape: number[], v = 0.25) => rt.alloc(shape).fill(v);

describe('freed tensors (block generations)', () => {
  it('refuses a freed tensor after another allocation reused its memory', () => {
    const a = rt.alloc([4]).fill(1);
    rt.free(a);
    const b = rt.alloc([4]).fill(2);                 // the same bytes
    expect(b.ptr).toBe(a.ptr);
    const x = rt.fromArray([0, 0, 0, 0]);
    expect(() => unaryForward(rt, 'exp', x, a)).toThrow(/y \(4,\) at \d+ \(\+16 bytes\) is not inside a live allocation: the tensor was freed/);
    expect(() => a.f32()).toThrow(/was freed/);
    expect(Array.from(b.f32())).toEqual([2, 2, 2, 2]);
    // a block of another size over the same start: still refused
    rt.free(b); rt.free(x);
    const c = rt.alloc([64]);
    expect(c.ptr).toBe(a.ptr);
    const x2 = rt.fromArray([0, 0, 0, 0]);
    expect(() => unaryForward(rt, 'exp', x2, a)).toThrow(/was freed/);
    rt.free(c); rt.free(x2);
  });

  it('a double free is refused and never frees the block of the tensor that reused the memory', () => {
    const a = rt.alloc([4]);
    rt.free(a);
    const b = rt.alloc([4]).fill(2);
    expect(b.ptr).toBe(a.ptr);
    expect(() => rt.free(a)).toThrow(/tensor \(4,\) was already freed \(double free\).*nothing was freed/);
    const c = rt.alloc([4]).fill(3);                 // must not take b's block
    expect(c.ptr).not.toBe(b.ptr);
    expect(Array.from(b.f32())).toEqual([2, 2, 2, 2]);
    rt.free(b); rt.free(c);
  });
});

describe('shapes are copies; an edited shape never reaches a kernel', () => {
  it('copies the shape, and refuses a tensor whose shape was edited to another size', () => {
    const dims = [4];
    const t = rt.alloc(dims);
    dims[0] = 64;
    expect(t.shape).toEqual([4]);
    (t.shape as number[])[0] = 64;   // edited in place: 64 values in a 4-value block
    const guard = rt.alloc([16]).fill(7);
    expect(() => unaryForward(rt, 'relu', rt.temp([64]).fill(-1), t)).toThrow(/shape was changed to \(64,?\) but the tensor holds 4 values; shapes are fixed/);
    expect(Array.from(guard.f32())).toEqual(new Array(16).fill(7));
    (t.shape as number[])[0] = 4;
    rt.free(guard);
    const s = [4];
    const v = new Tensor(rt, t.ptr, s);
    s[0] = 64;
    expect(v.shape).toEqual([4]);
    expect(v.size).toBe(4);
    const neighbour = rt.alloc([16]).fill(7);
    unaryForward(rt, 'relu', rt.temp([4]).fill(-1), v);
    expect(Array.from(neighbour.f32())).toEqual(new Array(16).fill(7));
    rt.endStep();
    rt.free(t); rt.free(neighbour);
  });
});

describe('kernel scratch outside a step', () => {
  const flat = (calls: number, fn: () => void) => {
    fn();   // the first call may take the arena's chunk
    const before = rt.memoryInfo();
    for (let i = 0; i < calls; i++) fn();
    const after = rt.memoryInfo();
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.arenaBytes).toBe(before.arenaBytes);
    expect(after.memoryBytes).toBe(before.memoryBytes);
  };

  it('200 gemm calls outside a step do not grow live bytes', () => {
    const a = filled([64, 64]), b = filled([64, 64]), c = rt.alloc([64, 64]);
    const live0 = rt.memoryInfo().liveBytes;
    flat(200, () => gemm(rt, a, b, c));
    expect(rt.memoryInfo().liveBytes).toBe(live0);
    expect(c.f32()[0]).toBeCloseTo(64 * 0.0625, 4);
    rt.free(a); rt.free(b); rt.free(c);
  });

  it('conv1d, LSTM, GRU, global norms and row-sparse embedding backward release their scratch', () => {
    const B = 2, T = 5, C = 3, F = 4, K = 3, H = 8;
    const x = filled([B, T, C]), w = filled([K, C, F]), bias = filled([F]), y = rt.alloc([B, T - K + 1, F]);
    const dy = filled([B, T - K + 1, F]), dx = rt.alloc([B, T, C]), dw = rt.alloc([K, C, F]), dbias = rt.alloc([F]);
    flat(20, () => conv1d(rt, x, w, bias, y));
    flat(20, () => conv1dBackward(rt, x, w, dy, { dx, dw, dbias }));
    const xw = filled([B, T, 4 * H], 0.1), u = filled([H, 4 * H], 0.05), hs = rt.alloc([B, T, H]), cs = rt.alloc([B, T, H]), gates = rt.alloc([B, T, 4 * H]);
    const dhs = filled([B, T, H], 0.1), dz = rt.alloc([B, T, 4 * H]), du = rt.alloc([H, 4 * H]);
    flat(20, () => lstmSequence(rt, { xw, u, hs, cs, gates }));
    flat(20, () => lstmSequenceBackward(rt, { u, hs, cs, gates, dhs, dz, du }));
    const xw3 = filled([B, T, 3 * H], 0.1), u3 = filled([H, 3 * H], 0.05), hs3 = rt.alloc([B, T, H]), g3 = rt.alloc([B, T, 3 * H]), rh = rt.alloc([B, T, H]);
    const dz3 = rt.alloc([B, T, 3 * H]), du3 = rt.alloc([H, 3 * H]);
    flat(20, () => gruSequence(rt, { xw: xw3, u: u3, hs: hs3, gates: g3, rh }));
    flat(20, () => gruSequenceBackward(rt, { u: u3, hs: hs3, gates: g3, rh, dhs, dz: dz3, du: du3 }));
    flat(20, () => { expect(globalNorm(rt, [x, w])).toBeGreaterThan(0); });
    flat(20, () => { clipByGlobalNorm(rt, [dx, dw], 1e6); });
    const ids = rt.fromArray([1, 3, 1, 2], [4], 'i32'), offsets = rt.fromArray([0, 2, 4], [3], 'i32');
    const dout = filled([4, 6]), dbag = filled([2, 6]), dtable = rt.alloc([5, 6]);
    flat(20, () => { embeddingRowsBackward(rt, ids, dout, dtable); });
    flat(20, () => { embeddingBagRowsBackward(rt, ids, offsets, dbag, dtable); });
    for (const t of [x, w, bias, y, dy, dx, dw, dbias, xw, u, hs, cs, gates, dhs, dz, du, xw3, u3, hs3, g3, rh, dz3, du3, ids, offsets, dout, dbag, dtable]) rt.free(t);
  });

  it('temps the caller made outside a step stay valid until endStep()', () => {
    const a = rt.temp([8, 8]).fill(1), b = rt.temp([8, 8]).fill(2);
    const c = rt.temp([8, 8]);
    gemm(rt, a, b, c);
    const d = rt.temp([8, 8]);                      // made after a kernel call: must not overlap its scratch
    gemm(rt, c, b, d);
    const e = rt.temp([8, 8]).fill(9);
    expect(c.f32()[0]).toBe(16);
    expect(d.f32()[0]).toBe(16 * 16);
    expect(e.f32()[63]).toBe(9);
    rt.endStep();
    expect(() => c.f32()).toThrow(/step that has ended/);
  });

  it('inside a step the scratch stays in the arena until the step ends', () => {
    const a = filled([32, 32]), b = filled([32, 32]);
    rt.step(() => {
      const c = rt.temp([32, 32]);
      gemm(rt, a, b, c);
      const used = rt.memoryInfo().arenaBytes;
      gemm(rt, a, b, c);
      expect(rt.memoryInfo().arenaBytes).toBeGreaterThan(used);
    });
    expect(rt.memoryInfo().arenaBytes).toBe(0);
    rt.free(a); rt.free(b);
  });
});

describe('views take their lifetime from their block', () => {
  it('a view of a step tensor dies with the step, whatever generation it was given', () => {
    let view!: Tensor, view2!: Tensor;
    rt.step(() => {
      const t = rt.temp([3]).fill(1);
      view = new Tensor(rt, t.ptr, [3]);
      view2 = new Tensor(rt, t.ptr, [3], 'f32', -1);
      expect(Array.from(view.f32())).toEqual([1, 1, 1]);
    });
    rt.step(() => {
      rt.temp([3]).fill(5);
      const out = rt.temp([3]);
      expect(() => unaryForward(rt, 'relu', view, out)).toThrow(/x \(3,\) is a step tensor from a step that has ended/);
      expect(() => unaryForward(rt, 'relu', view2, out)).toThrow(/step that has ended/);
    });
  });

  it('free() refuses views: into the step arena, and inside a heap block', () => {
    rt.step(() => {
      const t = rt.temp([16]);
      expect(() => rt.free(new Tensor(rt, t.ptr, [16]))).toThrow(/free\(\) takes heap tensors.*view into the step arena/);
      const h = rt.alloc([16]);
      expect(h.ptr === t.ptr).toBe(false);
      rt.free(h);
    });
    const a = rt.alloc([16]);
    expect(() => rt.free(new Tensor(rt, a.ptr + 16, [4]))).toThrow(/is a view starting 16 bytes into a heap block; views are not freed/);
    expect(() => rt.free(new Tensor(rt, 8, [4]))).toThrow(/not inside a live heap block/);
    const v = new Tensor(rt, a.ptr + 16, [4]);
    rt.free(a);
    expect(() => v.f32()).toThrow(/was freed/);
  });
});

describe('views stay inside their tensor', () => {
  it('refuses a view past the end, before the start, at a fractional offset; a kernel never writes a neighbour through one', () => {
    const a = rt.fromArray([1, 2, 3, 4]), b = rt.fromArray([10, 20, 30, 40]);
    // the probe of the QA report: a's view placed over b, as a kernel's output
    expect(() => a.view([4], (b.ptr - a.ptr) / 4)).toThrow(/view \(4,\) at offset \d+ does not fit in the tensor \(4,\) \(4 values\)/);
    expect(() => a.view([1000])).toThrow(/view \(1000,\) at offset 0 does not fit/);
    expect(() => a.view([4], -4)).toThrow(/offset must be a whole number >= 0/);
    expect(() => a.view([2], 0.5)).toThrow(/at offset 0.5 does not fit/);
    expect(() => a.view([2], 3)).toThrow(/offset \+ the view's size at most 4/);
    expect(Array.from(b.f32())).toEqual([10, 20, 30, 40]);
    // every in-range view works, at each offset and size
    for (let off = 0; off <= 4; off++) for (let n = 0; off + n <= 4; n++) expect(Array.from(a.view([n], off).f32())).toEqual([1, 2, 3, 4].slice(off, off + n));
    expect(Array.from(a.view([2, 2]).f32())).toEqual([1, 2, 3, 4]);
    // a tensor made at a pointer inside a block but running past its end is refused by every accessor and kernel
    const past = new Tensor(rt, a.ptr + a.block!.bytes - 8, [4]);   // blocks are rounded up to 64 bytes
    expect(() => past.f32()).toThrow(/not inside a live allocation/);
    expect(() => unaryForward(rt, 'relu', rt.fromArray([-5, 7, -5, 7]), past)).toThrow(/not inside a live allocation/);
    rt.free(a); rt.free(b);
  });
});

describe('limits and options at create', () => {
  it('rounds maxMemoryBytes down to whole 64 KiB pages, so running out is a MemoryLimitError', async () => {
    const small = await Runtime.create({ build: 'simd', maxMemoryBytes: 2 ** 20 + 1000 });
    expect(small.memoryInfo().maxBytes).toBe(2 ** 20);
    let err: unknown;
    try { for (;;) small.alloc([4096]); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(MemoryLimitError);
    expect(small.memoryInfo().memoryBytes).toBeLessThanOrEqual(2 ** 20);
    await small.close();
  });

  it('refuses a bad parallelThreshold and unknown option names', async () => {
    for (const v of [NaN, 'abc', 0, 0.5, -1]) {
      await expect(Runtime.create({ build: 'simd', parallelThreshold: v as number })).rejects.toThrow(/parallelThreshold must be a number >= 1/);
    }
    await expect(Runtime.create({ build: 'simd', thread: 1 } as never)).rejects.toThrow(/Runtime.create: unknown option 'thread'; did you mean 'threads'\?/);
    await expect(Runtime.create({ build: 'simd', wasm: { simd_mt: 'x' } } as never)).rejects.toThrow(/did you mean 'simd-mt'/);
    await expect(init({ thread: 1 } as never)).rejects.toThrow(/init: unknown option 'thread'; did you mean 'threads'\?/);
    expect(hasRuntime()).toBe(false);
  });
});

describe('values and dtypes', () => {
  it('fromArray checks before it allocates; alloc checks the dtype; i32 values must be whole numbers in range', () => {
    const before = rt.memoryInfo().heapBytes;
    for (let i = 0; i < 100; i++) expect(() => rt.fromArray([1, 2, 3], [1000])).toThrow(/cannot set 3 values/);
    expect(rt.memoryInfo().heapBytes).toBe(before);
    expect(() => rt.fromArray([1, 2], [2], 'f64' as never)).toThrow(/dtype must be 'f32' or 'i32', got 'f64'/);
    expect(() => rt.alloc([2], 'f64' as never)).toThrow(/dtype must be 'f32' or 'i32'/);
    expect(() => rt.temp([2], 'f16' as never)).toThrow(/dtype must be 'f32' or 'i32'/);
    expect(() => rt.fromArray([1, 1.7], [2], 'i32')).toThrow(/value 1 is 1.7/);
    expect(() => rt.fromArray([NaN], [1], 'i32')).toThrow(/value 0 is NaN/);
    expect(() => rt.fromArray([0, 0, 2 ** 32 + 5], [3], 'i32')).toThrow(/value 2 is 4294967301/);
    expect(rt.memoryInfo().heapBytes).toBe(before);
    const ok = rt.fromArray([-(2 ** 31), 2 ** 31 - 1, 0], [3], 'i32');
    expect(Array.from(ok.i32())).toEqual([-(2 ** 31), 2 ** 31 - 1, 0]);
    expect(() => ok.set([1, 2, 3.5])).toThrow(/value 2 is 3.5/);
    rt.free(ok);
  });
});

describe('messages', () => {
  it('MemoryLimitError never suggests more than 4 GiB', () => {
    let err: Error | undefined;
    try { rt.alloc([65536, 65536]); } catch (e) { err = e as Error; }
    expect(err).toBeInstanceOf(MemoryLimitError);
    expect(err!.message).toMatch(/more than the 4 GiB.*smaller batch size or model/);
    expect(err!.message).not.toMatch(/maxMemoryBytes: \d+/);
    const e2 = new MemoryLimitError(3 * 2 ** 30, 2 ** 31, 'x', 2 ** 30);
    expect(e2.message).toMatch(/maxMemoryBytes: 4096 \* 2 \*\* 20/);
    const e3 = new MemoryLimitError(2 ** 32 - 1, 2 ** 32, 'x', 2 ** 30);
    expect(e3.message).toMatch(/already the largest limit allowed \(4 GiB\): use a smaller batch size or model/);
  });

  it('refuses a nested step up front and keeps the outer step working', () => {
    const r = rt.step(() => {
      const t = rt.temp([3]).fill(2);
      expect(() => rt.step(() => 1)).toThrow(/rt.step calls cannot nest/);
      return Array.from(t.f32());
    });
    expect(r).toEqual([2, 2, 2]);
    expect(rt.step(() => 7)).toBe(7);
  });

  it('names missing arguments instead of raw TypeErrors', () => {
    expect(() => lstmSequence(rt, undefined as never)).toThrow(/wasmnn: lstmSequence: the arguments must be an object/);
    expect(() => lstmSequenceBackward(rt, null as never)).toThrow(/wasmnn: lstmSequenceBackward: /);
    expect(() => gruSequence(rt, undefined as never)).toThrow(/wasmnn: gruSequence: the arguments must be an object/);
    const a = rt.temp([2, 2]), b = rt.temp([2, 2]), c = rt.temp([2, 2]);
    expect(() => gemm(rt, a, b, c, null as never)).toThrow(/wasmnn: gemm: options must be an object/);
    expect(() => gemm(rt, a, b, undefined as never)).toThrow(/wasmnn: c must be a Tensor, got undefined/);
    rt.endStep();
    // the raw entry checks nothing, but a trap comes back as a wasmnn error naming the kernel; the runtime stays usable
    expect(() => rt.run('f32_relu_fwd', 1, [2 ** 31, 0, 10])).toThrow(/^wasmnn: kernel f32_relu_fwd trapped \(.*out of bounds.*\): rt.run passes raw pointers/);
    const t = rt.fromArray([-1, 2]);
    rt.run('f32_relu_fwd', 1, [t.ptr, t.ptr, 2]);
    expect(Array.from(t.f32())).toEqual([0, 2]);
    rt.free(t);
  });

  it('a closed runtime says how to get a new one', async () => {
    const r2 = await Runtime.create({ build: 'simd' });
    const t = r2.alloc([2]);
    await r2.close();
    expect(() => unaryForward(r2, 'relu', t, t)).toThrow(/this runtime was closed.*Runtime.create\(\).*init\(\) again/);
  });

  it('shutdown() during a pending init() leaves no runtime running; init() works again afterwards', async () => {
    const pending = init({ build: 'simd' });
    await shutdown();
    await expect(pending).rejects.toThrow(/shutdown\(\) was called while init\(\) was starting/);
    expect(hasRuntime()).toBe(false);
    const r = await init({ build: 'simd' });
    expect(hasRuntime()).toBe(true);
    expect(r.env().build).toBe('simd');
    await shutdown();
    expect(hasRuntime()).toBe(false);
  });
});
