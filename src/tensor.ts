// A typed view of a range of wasm linear memory: where it is, its shape, and whether it belongs
// to the step arena (then it is valid only until the step ends) or to the heap.
import type { Runtime } from './runtime/runtime.js';

export type DType = 'f32' | 'i32';
export type Shape = readonly number[];

export const HEAP = -1;

export class Tensor {
  readonly size: number;

  constructor(
    readonly rt: Runtime,
    readonly ptr: number,
    readonly shape: Shape,
    readonly dtype: DType = 'f32',
    /** Arena generation the tensor was allocated in, or HEAP. */
    readonly generation: number = HEAP,
  ) {
    this.size = shapeSize(shape);
  }

  get bytes(): number { return this.size * 4; }
  get rank(): number { return this.shape.length; }

  /** A live view of the data. Re-take it after any allocation: memory growth detaches old views. */
  f32(): Float32Array {
    if (this.dtype !== 'f32') throw new TypeError(`wasmnn: tensor ${fmtShape(this.shape)} is ${this.dtype}, not f32`);
    this.rt.checkTensor(this, 'tensor');
    return new Float32Array(this.rt.memory.buffer, this.ptr, this.size);
  }

  i32(): Int32Array {
    if (this.dtype !== 'i32') throw new TypeError(`wasmnn: tensor ${fmtShape(this.shape)} is ${this.dtype}, not i32`);
    this.rt.checkTensor(this, 'tensor');
    return new Int32Array(this.rt.memory.buffer, this.ptr, this.size);
  }

  /** A copy of the data that outlives the tensor. */
  toArray(): Float32Array | Int32Array {
    return this.dtype === 'f32' ? this.f32().slice() : this.i32().slice();
  }

  /** Copies values in (their length must equal size). */
  set(values: ArrayLike<number>): this {
    if (values.length !== this.size) {
      throw new RangeError(`wasmnn: cannot set ${values.length} values into a tensor of shape ${fmtShape(this.shape)} (${this.size} values)`);
    }
    (this.dtype === 'f32' ? this.f32() : this.i32()).set(values);
    return this;
  }

  fill(value: number): this {
    (this.dtype === 'f32' ? this.f32() : this.i32()).fill(value);
    return this;
  }
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`wasmnn: bad shape ${fmtShape(shape)}: dimensions must be whole numbers >= 0`);
    n *= d;
  }
  return n;
}

export const fmtShape = (shape: Shape) => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
