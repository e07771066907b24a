// Host side of kernels/pool.ts: global average / max pooling over time, mask-aware, channels last.
//   x (B, T, C) [mask (B, T): a step is kept where mask != 0] -> y (B, C)
// Unlike tfjs-layers (which ignores masks) and Keras (whose GlobalMaxPooling1D ignores them and
// whose average gives NaN for a fully masked row), both poolings skip masked steps, and a row with
// no kept step gives 0 (and argmax -1). See assembly/kernels/pool.ts.
import { threaded } from './spec.js';
import { live, apart, expectShapeWhy } from './check.js';
import { fmtShape, type Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const poolKernels = threaded('f32_avgpool1d_fwd', 'f32_avgpool1d_bwd', 'f32_maxpool1d_fwd', 'f32_maxpool1d_bwd');




function input3(op: string, name: string, t: Tensor): [number, number, number] {
  if (t.rank !== 3) {
    throw new RangeError(`wasmnn: ${op}: ${name} must have rank 3 (batch, steps, channels), got shape ${fmtShape(t.shape)}`);
  }
  return [t.shape[0], t.shape[1], t.shape[2]];
}

function checkMask(rt: Runtime, op: string, mask: Tensor | null | undefined, B: number, T: number): Tensor | null {
  if (mask === null || mask === undefined) return null;
  live(rt, 'mask', mask);
  expectShapeWhy(op, 'mask', mask, [B, T], 'batch, steps: nonzero keeps a step');
  return mask;
}

/** y (B, C) = mean over the kept steps of x (B, T, C); mask (B, T) or null (all kept). 0 where no step is kept. */
export function globalAvgPool1d(rt: Runtime, x: Tensor, mask: Tensor | null, y: Tensor): void {
  const op = 'globalAvgPool1d';
  live(rt, 'x', x); live(rt, 'y', y);
  const [B, T, C] = input3(op, 'x', x);
  const m = checkMask(rt, op, mask, B, T);
  expectShapeWhy(op, 'y', y, [B, C], 'batch, channels');
  apart(op, 'y', y, [['x', x], ['mask', m]]);
  if (y.size === 0) return;
  rt.run('f32_avgpool1d_fwd', x.size + B * T, [x.ptr, m ? m.ptr : 0, y.ptr, B, T, C]);
}

/** dx (B, T, C) = dy (B, C) / (kept steps) at kept steps, 0 at masked ones; overwritten. */
export function globalAvgPool1dBackward(rt: Runtime, mask: Tensor | null, dy: Tensor, dx: Tensor): void {
  const op = 'globalAvgPool1d backward';
  live(rt, 'dy', dy); live(rt, 'dx', dx);
  const [B, T, C] = input3(op, 'dx', dx);
  const m = checkMask(rt, op, mask, B, T);
  expectShapeWhy(op, 'dy', dy, [B, C], 'batch, channels: the shape of the forward output');
  apart(op, 'dx', dx, [['dy', dy], ['mask', m]]);
  if (dx.size === 0) return;
  rt.run('f32_avgpool1d_bwd', 2 * dx.size + B * T, [m ? m.ptr : 0, dy.ptr, dx.ptr, B, T, C]);
}

/**
 * y (B, C) = max over the kept steps of x (B, T, C); argmax (B, C) i32 gets the step (the first
 * one on ties; the first NaN if there is one), kept for the backward pass. A row with no kept step
 * gives y = 0 and argmax = -1.
 */
export function globalMaxPool1d(rt: Runtime, x: Tensor, mask: Tensor | null, y: Tensor, argmax: Tensor): void {
  const op = 'globalMaxPool1d';
  live(rt, 'x', x); live(rt, 'y', y); live(rt, 'argmax', argmax, 'i32');
  const [B, T, C] = input3(op, 'x', x);
  const m = checkMask(rt, op, mask, B, T);
  expectShapeWhy(op, 'y', y, [B, C], 'batch, channels');
  expectShapeWhy(op, 'argmax', argmax, [B, C], 'batch, channels');
  apart(op, 'y', y, [['x', x], ['mask', m], ['argmax', argmax]]);
  apart(op, 'argmax', argmax, [['x', x], ['mask', m]]);
  if (y.size === 0) return;
  rt.run('f32_maxpool1d_fwd', 2 * x.size + B * T, [x.ptr, m ? m.ptr : 0, y.ptr, argmax.ptr, B, T, C]);
}

/** dx (B, T, C) = dy (B, C) at the step argmax picked, 0 elsewhere; overwritten. */
export function globalMaxPool1dBackward(rt: Runtime, argmax: Tensor, dy: Tensor, dx: Tensor): void {
  const op = 'globalMaxPool1d backward';
  live(rt, 'argmax', argmax, 'i32'); live(rt, 'dy', dy); live(rt, 'dx', dx);
  const [B, T, C] = input3(op, 'dx', dx);
  expectShapeWhy(op, 'argmax', argmax, [B, C], 'batch, channels: from globalMaxPool1d');
  expectShapeWhy(op, 'dy', dy, [B, C], 'batch, channels: the shape of the forward output');
  apart(op, 'dx', dx, [['dy', dy], ['argmax', argmax]]);
  const a = argmax.i32();
  for (let i = 0; i < a.length; i++) {
    if (!(a[i] >= -1 && a[i] < T)) {
      throw new RangeError(`wasmnn: ${op}: argmax[${Math.floor(i / Math.max(C, 1))}, ${i % Math.max(C, 1)}] is ${a[i]}, ` +
        `not a step of dx (0 to ${T - 1}, or -1 for none); pass the argmax globalMaxPool1d wrote for this input`);
    }
  }
  if (dx.size === 0) return;
  rt.run('f32_maxpool1d_bwd', dx.size, [argmax.ptr, dy.ptr, dx.ptr, B, T, C]);
}
