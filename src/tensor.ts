// A typed view of a range of wasm linear memory: where it is, its shape, and whether it belongs
// to the step arena (then it is valid only until the step ends) or to the heap.
import type { Runtime } from './runtime/runtime.js';
import type { HeapBlock } from './runtime/memory.js';

export type DType = 'f32' | 'i32';
export type Shape = readonly number[];

export const HEAP = -1;

export class Tensor {
  readonly size: number;
  /** A copy of the shape given (the runtime refuses a tensor whose shape was edited to another size). */
  readonly shape: Shape;
  /** Arena generation the tensor was allocated in, or HEAP. */
  readonly generation: number;
  /**
   * The heap block the tensor lies in (an arena chunk for step tensors), or null when its range is
   * not inside a live block. The block's record dies when it is freed, so a freed tensor is refused
   * whatever reused its memory.
   */
  readonly block: HeapBlock | null;

  /**
   * A tensor over [ptr, ptr + size * 4) of rt's memory. Made by rt.alloc() / rt.temp() /
   * rt.fromArray(), or as a view of memory they returned: a view takes its lifetime from the block
   * its pointer lies in (a step-arena view dies with the step; a heap view with its block), whatever
   * `generation` says. Views are never freed with rt.free().
   */
  constructor(
    readonly rt: Runtime,
    readonly ptr: number,
    shape: Shape,
    readonly dtype: DType = 'f32',
    generation: number = HEAP,
    /** @internal the block, when the allocator that made the tensor knows it */
    block?: HeapBlock | null,
  ) {
    if (shape === null || typeof shape !== 'object' || typeof shape.length !== 'number') {
      throw new TypeError(`wasmnn: a tensor's shape must be an array of dimensions, got ${shape === null ? 'null' : typeof shape}`);
    }
    this.shape = Array.prototype.slice.call(shape) as number[];   // not frozen: see Runtime.checkLive
    this.size = shapeSize(this.shape);
    if (block === undefined) {
      // a view: find its block (O(log blocks)); its lifetime is that block's
      const heap = (rt as { heap?: { blockAt?(p: number, b: number): HeapBlock | null } } | null)?.heap;
      block = heap && typeof heap.blockAt === 'function' ? heap.blockAt(ptr, this.size * 4) : null;
      const current = (rt as { arena?: { generation: number } }).arena?.generation ?? HEAP;
      if (block !== null && block.arena) {
        // a view of a step tensor: this step's, unless it names an earlier step (then it is stale)
        if (generation === HEAP) generation = current;
      } else if (generation === current) {
        generation = HEAP;
      }
    }
    this.generation = generation;
    this.block = block;
  }

  /**
   * A view of this tensor's memory from `offset` values on, in `shape`: the same block and lifetime,
   * without the constructor's block lookup (views are made on every kernel call). The view must lie
   * inside this tensor: a kernel writing through a view must never reach another tensor's memory.
   */
  view(shape: Shape, offset = 0): Tensor {
    const t = new Tensor(this.rt, this.ptr + offset * 4, shape, this.dtype, this.generation, this.block);
    if (!Number.isInteger(offset) || offset < 0 || offset + t.size > this.size) {
      throw new RangeError(`wasmnn: a view ${fmtShape(t.shape)} at offset ${String(offset)} does not fit in the tensor ${fmtShape(this.shape)} ` +
        `(${this.size} values): the offset must be a whole number >= 0 and offset + the view's size at most ${this.size}`);
    }
    return t;
  }

  get bytes(): number { return this.size * 4; }
  get rank(): number { return this.shape.length; }

  /** A live view of the data. Re-take it after any allocation: memory growth detaches old views. */
  f32(): Float32Array {
    if (this.dtype !== 'f32') throw new TypeError(`wasmnn: tensor ${fmtShape(this.shape)} is ${this.dtype}, not f32`);
    this.rt.checkLive(this, 'tensor');
    return new Float32Array(this.rt.memory.buffer, this.ptr, this.size);
  }

  i32(): Int32Array {
    if (this.dtype !== 'i32') throw new TypeError(`wasmnn: tensor ${fmtShape(this.shape)} is ${this.dtype}, not i32`);
    this.rt.checkLive(this, 'tensor');
    return new Int32Array(this.rt.memory.buffer, this.ptr, this.size);
  }

  /** A copy of the data that outlives the tensor. */
  toArray(): Float32Array | Int32Array {
    return this.dtype === 'f32' ? this.f32().slice() : this.i32().slice();
  }

  /** Copies values in (their length must equal size; for i32, whole numbers in i32 range). */
  set(values: ArrayLike<number>): this {
    checkValues(values, this.size, this.dtype, this.shape, 'set');
    (this.dtype === 'f32' ? this.f32() : this.i32()).set(values);
    return this;
  }

  fill(value: number): this {
    if (this.dtype === 'i32' && !isI32(value)) {
      throw new RangeError(`wasmnn: cannot fill an i32 tensor with ${value}: the value must be a whole number from -2147483648 to 2147483647`);
    }
    (this.dtype === 'f32' ? this.f32() : this.i32()).fill(value);
    return this;
  }
}

const isI32 = (v: number) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;

/** Refuses a dtype other than 'f32' and 'i32'. */
export function checkDType(dtype: unknown): asserts dtype is DType {
  if (dtype !== 'f32' && dtype !== 'i32') {
    throw new TypeError(`wasmnn: dtype must be 'f32' or 'i32', got ${typeof dtype === 'string' ? `'${dtype}'` : String(dtype)}`);
  }
}

/**
 * Refuses values that do not fit a tensor of `size` values of dtype: a count other than size, and
 * for i32 a value that is not a whole number in i32 range (1.7, NaN, 2 ** 32 + 5 would be
 * truncated or wrapped silently by the typed array).
 */
export function checkValues(values: ArrayLike<number>, size: number, dtype: DType, shape: Shape, op: string): void {
  if (values.length !== size) {
    throw new RangeError(`wasmnn: ${op}: cannot set ${values.length} values into a tensor of shape ${fmtShape(shape)} (${size} values)`);
  }
  if (dtype !== 'i32' || values instanceof Int32Array || values instanceof Int16Array || values instanceof Int8Array ||
    values instanceof Uint16Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray) return;
  for (let i = 0; i < size; i++) {
    const v = values[i];
    if (!isI32(v)) {
      throw new RangeError(`wasmnn: ${op}: value ${i} is ${v}, which an i32 tensor cannot hold: i32 values must be whole numbers ` +
        `from -2147483648 to 2147483647 (round them first, or use an f32 tensor)`);
    }
  }
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  // an index loop: shapes are frozen arrays, which V8's for-of iterates on a slow path
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`wasmnn: bad shape ${fmtShape(shape)}: dimensions must be whole numbers >= 0`);
    n *= d;
  }
  return n;
}

export const fmtShape = (shape: Shape) => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
