// Host side of kernels/pool.ts: global average / max pooling over time, mask-aware, channels last.
//   x (B, T, C) [mask (B, T): a step is kept where mask != 0] -> y (B, C)
// Unlike tfjs-layers (which ignores masks) and Keras (whose GlobalMaxPooling1D ignores them and
// whose average gives NaN for a fully masked row), both poolings skip masked steps, and a row with
// no kept step gives 0 (and argmax -1). See assembly/kernels/pool.ts.
import { threaded } from './spec.js';
import { live, apart, argsObject, expectShapeWhy } from './check.js';
import { fmtShape, type Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const poolKernels = threaded('f32_avgpool1d_fwd', 'f32_avgpool1d_bwd', 'f32_maxpool1d_fwd', 'f32_maxpool1d_bwd',
  'f32_avgpool1d_win_fwd', 'f32_avgpool1d_win_bwd', 'f32_maxpool1d_win_fwd', 'f32_maxpool1d_win_bwd');

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

// Windowed pooling over time (MaxPooling1D / AveragePooling1D): x (B, T, C) -> y (B, Tout, C),
// windows of poolSize steps every `strides` steps. No mask (the layers drop it, as Keras 3).

export const POOL1D_PADDINGS = ['valid', 'same'] as const;
export type Pool1dPadding = (typeof POOL1D_PADDINGS)[number];

/** Window size, step between windows, and Keras' padding mode. */
export interface Pool1dOptions { poolSize: number; strides: number; padding: Pool1dPadding }

/**
 * Output length and left padding, as Keras / TF: 'valid' gives floor((T - k) / s) + 1 windows
 * (T >= k), 'same' gives ceil(T / s) with the padding split left floor(total / 2), the rest right.
 */
export function pool1dGeometry(op: string, T: number, o: Pool1dOptions): { Tout: number; pad: number } {
  const { poolSize: k, strides: s, padding } = argsObject(op, 'options', o, "{ poolSize: 2, strides: 2, padding: 'valid' }");
  for (const [n, v] of [['poolSize', k], ['strides', s]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`wasmnn: ${op}: ${n} must be a whole number >= 1, got ${v}`);
  }
  if (padding === 'valid') {
    if (k > T) {
      throw new RangeError(`wasmnn: ${op}: with padding 'valid' a window of poolSize ${k} steps does not fit in sequences of ${T} steps; ` +
        "use padding 'same', a smaller poolSize, or longer (padded) sequences");
    }
    return { Tout: Math.floor((T - k) / s) + 1, pad: 0 };
  }
  if (padding !== 'same') throw new RangeError(`wasmnn: ${op}: padding must be 'valid' or 'same', got ${String(padding)}`);
  const Tout = Math.ceil(T / s);
  return { Tout, pad: Math.floor(Math.max((Tout - 1) * s + k - T, 0) / 2) };
}

function pool1dCheck(rt: Runtime, op: string, x: Tensor, y: Tensor, o: Pool1dOptions, back = false): number[] {
  const [xn, yn] = back ? ['dx', 'dy'] : ['x', 'y'];
  live(rt, xn, x); live(rt, yn, y);
  const [B, T, C] = input3(op, xn, x);
  const { Tout, pad } = pool1dGeometry(op, T, o);
  expectShapeWhy(op, yn, y, [B, Tout, C], 'batch, windows, channels');
  apart(op, back ? xn : yn, back ? x : y, [[back ? yn : xn, back ? y : x]]);
  return [B, T, C, Tout, o.poolSize, o.strides, pad];
}

/** y (B, Tout, C) = the mean of each window of x (B, T, C), over its steps inside the sequence ('same' padding is not counted). */
export function avgPool1d(rt: Runtime, x: Tensor, y: Tensor, options: Pool1dOptions): void {
  const a = pool1dCheck(rt, 'avgPool1d', x, y, options);
  if (y.size) rt.run('f32_avgpool1d_win_fwd', y.size * options.poolSize, [x.ptr, y.ptr, ...a]);
}

/** dx (B, T, C) = the sum over the windows holding each step of dy / (the window's steps); overwritten. */
export function avgPool1dBackward(rt: Runtime, dy: Tensor, dx: Tensor, options: Pool1dOptions): void {
  const a = pool1dCheck(rt, 'avgPool1d backward', dx, dy, options, true);
  if (dx.size) rt.run('f32_avgpool1d_win_bwd', dy.size * options.poolSize, [dy.ptr, dx.ptr, ...a]);
}

/**
 * y (B, Tout, C) = the max of each window of x (B, T, C) (the first step on ties; a NaN wins);
 * argmax (B, Tout, C) i32, if given, gets that step for the backward pass.
 */
export function maxPool1d(rt: Runtime, x: Tensor, y: Tensor, argmax: Tensor | null, options: Pool1dOptions): void {
  const op = 'maxPool1d';
  const a = pool1dCheck(rt, op, x, y, options);
  if (argmax) {
    live(rt, 'argmax', argmax, 'i32');
    expectShapeWhy(op, 'argmax', argmax, [...y.shape], 'the shape of y');
    apart(op, 'argmax', argmax, [['x', x], ['y', y]]);
  }
  if (y.size) rt.run('f32_maxpool1d_win_fwd', y.size * options.poolSize, [x.ptr, y.ptr, argmax ? argmax.ptr : 0, ...a]);
}

/**
 * dx (B, T, C) = the sum of dy over the windows whose argmax is that step; overwritten. `argmax`
 * is what maxPool1d wrote: its entries are checked to lie in their windows (a full scan), unless
 * `fromForward` says the caller took it from its own forward pass (the layer's backward, every
 * training step).
 */
export function maxPool1dBackward(rt: Runtime, argmax: Tensor, dy: Tensor, dx: Tensor, options: Pool1dOptions, fromForward = false): void {
  const op = 'maxPool1d backward';
  const a = pool1dCheck(rt, op, dx, dy, options, true);
  live(rt, 'argmax', argmax, 'i32');
  expectShapeWhy(op, 'argmax', argmax, [...dy.shape], 'the shape of dy: from maxPool1d');
  apart(op, 'dx', dx, [['argmax', argmax]]);
  // every entry must be a step of its own window, or the kernel would drop its gradient
  if (!fromForward) {
    const [, T, C, Tout, k, s, pad] = a;
    const v = argmax.i32();
    for (let i = 0; i < v.length; i++) {
      const w0 = Math.floor(i / C) % Tout * s - pad;
      if (!(v[i] >= Math.max(w0, 0) && v[i] < Math.min(w0 + k, T))) {
        throw new RangeError(`wasmnn: ${op}: argmax entry ${i} is ${v[i]}, not a step of its window (${Math.max(w0, 0)} to ${Math.min(w0 + k, T) - 1}); ` +
          'pass the argmax maxPool1d wrote for this input');
      }
    }
  }
  if (dx.size) rt.run('f32_maxpool1d_win_bwd', dy.size * options.poolSize, [argmax.ptr, dy.ptr, dx.ptr, ...a]);
}
