// Host side of kernels/conv1d.ts: 1-D convolution over time, channels last (Keras Conv1D).
//   x (B, T, C) · w (K, C, F) [+ bias (F)] -> y (B, Tout, F), then an optional relu.
import { threaded } from './spec.js';
import { live, apart, expectShapeWhy, overlaps } from './check.js';
import { checkOptions, optionNames } from '../options.js';
import { fmtShape, type Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const conv1dKernels = threaded('f32_conv1d_fwd', 'f32_conv1d_bwd');

/** 'valid': no padding; 'same': Tout = ceil(T / stride), zeros split as TF does (the extra one on
 *  the right); 'causal': dilation * (K - 1) zeros on the left only (Keras' causal Conv1D). */
export const CONV1D_PADDINGS = ['valid', 'same', 'causal'] as const;
export type Conv1dPadding = (typeof CONV1D_PADDINGS)[number];

/** Activations fused into the forward kernel (numbered as the GEMM epilogue's). */
export const CONV1D_ACTIVATIONS = ['linear', 'relu'] as const;
export type Conv1dActivation = (typeof CONV1D_ACTIVATIONS)[number];

export interface Conv1dOptions {
  /** Step between output positions (default 1). */
  stride?: number;
  /** Spacing between kernel taps (default 1). */
  dilation?: number;
  /** Default 'valid'. */
  padding?: Conv1dPadding;
  /** Forward only; default 'linear'. The backward pass takes the gradient before it. */
  activation?: Conv1dActivation;
}

const CONV1D_OPTIONS = optionNames<Conv1dOptions>({ stride: true, dilation: true, padding: true, activation: true });
/** Keras' names of the options, for the suggestion on a typo. */
const CONV1D_ALIASES = { strides: 'stride', dilationRate: 'dilation', dilation_rate: 'dilation' };

/** Largest value of the kernel's i32 arguments and positions. */
const I32_MAX = 2 ** 31 - 1;

// Blocking of the kernel (assembly/kernels/conv1d.ts): must match conv1dFwdWsFloats / conv1dBwdWsFloats.
const MC = 32;
const NB = 256;

function whole(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RangeError(`wasmnn: ${op}: ${name} must be a whole number >= ${min}, got ${String(v)}`);
  }
  return v;
}

function paddingOf(op: string, p: unknown): Conv1dPadding {
  const padding = p ?? 'valid';
  if (!(CONV1D_PADDINGS as readonly unknown[]).includes(padding)) {
    throw new RangeError(`wasmnn: ${op}: unknown padding '${String(padding)}'; expected one of ${CONV1D_PADDINGS.join(', ')}`);
  }
  return padding as Conv1dPadding;
}

/** Output length and left padding of a Conv1D, as Keras / TF compute them. */
export function conv1dGeometry(T: number, K: number, stride = 1, dilation = 1, padding: Conv1dPadding = 'valid'):
    { Tout: number; padLeft: number } {
  const op = 'conv1d';
  whole(op, 'T (the input length)', T, 0);
  whole(op, 'K (the kernel size)', K, 1);
  whole(op, 'stride', stride, 1);
  whole(op, 'dilation', dilation, 1);
  const pad = paddingOf(op, padding);
  const span = (K - 1) * dilation + 1;     // input steps one output position sees
  if (pad === 'valid') {
    if (span > T) {
      throw new RangeError(`wasmnn: conv1d: with padding 'valid' the kernel spans ${span} steps ` +
        `(kernel size ${K}${dilation > 1 ? `, dilation ${dilation}` : ''}) but the input has only ${T}; ` +
        `use padding 'same' or 'causal', a smaller kernel or dilation, or longer (padded) sequences`);
    }
    return { Tout: Math.floor((T - span) / stride) + 1, padLeft: 0 };
  }
  const Tout = Math.ceil(T / stride);
  if (pad === 'causal') return { Tout, padLeft: (K - 1) * dilation };
  const total = Math.max((Tout - 1) * stride + span - T, 0);
  return { Tout, padLeft: Math.floor(total / 2) };
}

/** Output length of a Conv1D over T steps (Keras' conv_output_length). */
export function conv1dOutputLength(T: number, K: number, stride = 1, dilation = 1, padding: Conv1dPadding = 'valid'): number {
  return conv1dGeometry(T, K, stride, dilation, padding).Tout;
}

function checkSizes(name: string, C: number, F: number, K: number, nth: number): void {
  for (const [n, v] of [['C', C], ['F', F], ['K', K], ['nth', nth]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`wasmnn: ${name}: ${n} must be a whole number >= 0, got ${v}`);
  }
}

/** Bytes of scratch f32_conv1d_fwd needs on nth threads: per thread w packed in 8-filter panels,
 *  a zero row of C floats and the row-pointer tables of one block of tiles. */
export function conv1dForwardWorkspaceBytes(C: number, F: number, K: number, nth: number): number {
  checkSizes('conv1dForwardWorkspaceBytes', C, F, K, nth);
  const floats = Math.ceil(F / 8) * K * C * 8 + Math.ceil(C / 4) * 4 + (MC / 4) * (K * 4 + 4);
  return Math.max(nth, 1) * Math.ceil(floats / 16) * 16 * 4;
}

/** Bytes of scratch f32_conv1d_bwd needs on nth threads: per thread a zero row of max(C, F) floats,
 *  then room for either the dx part (w packed transposed in 8-channel panels, the row-pointer
 *  tables) or the dw part (a block of NB rows of dy in 8-filter panels, NB x 4 packed x values,
 *  a 4 x 8 edge tile). */
export function conv1dBackwardWorkspaceBytes(C: number, F: number, K: number, nth: number): number {
  checkSizes('conv1dBackwardWorkspaceBytes', C, F, K, nth);
  const dxPart = Math.ceil(C / 8) * K * F * 8 + (MC / 4) * (K * 4 + 4);
  const dwPart = Math.ceil(F / 8) * NB * 8 + NB * 4 + 32;   // + the kernel's 4 x 8 edge tile
  const floats = Math.ceil(Math.max(C, F) / 4) * 4 + Math.max(dxPart, dwPart);
  return Math.max(nth, 1) * Math.ceil(floats / 16) * 16 * 4;
}

interface Geometry { B: number; T: number; C: number; F: number; K: number; stride: number; dilation: number; padLeft: number; Tout: number }

function rank3(op: string, name: string, t: Tensor, dims: string): void {
  if (t.rank !== 3) throw new RangeError(`wasmnn: ${op}: ${name} must have rank 3 ${dims}, got shape ${fmtShape(t.shape)}`);
}

function geometry(op: string, x: Tensor, w: Tensor, options: Conv1dOptions): Geometry {
  rank3(op, 'x', x, '(batch, steps, channels)');
  rank3(op, 'w', w, '(kernelSize, channels, filters)');
  const [B, T, C] = x.shape;
  const [K, Cw, F] = w.shape;
  if (Cw !== C) {
    throw new RangeError(`wasmnn: ${op}: w${fmtShape(w.shape)} is for ${Cw} input channels but x${fmtShape(x.shape)} has ${C}; ` +
      `w must be (kernelSize, ${C}, filters)`);
  }
  if (K < 1) throw new RangeError(`wasmnn: ${op}: w${fmtShape(w.shape)} has kernel size 0; it must be at least 1`);
  const stride = whole(op, 'stride', options.stride ?? 1, 1);
  const dilation = whole(op, 'dilation', options.dilation ?? 1, 1);
  for (const [name, v] of [['stride', stride], ['dilation', dilation]] as const) {
    if (v > I32_MAX) {
      throw new RangeError(`wasmnn: ${op}: ${name} ${v} does not fit the kernel's 32-bit integer argument; ${name} must be at most 2^31 - 1 (${I32_MAX})`);
    }
  }
  const padding = paddingOf(op, options.padding);
  const { Tout, padLeft } = conv1dGeometry(T, K, stride, dilation, padding);
  fitsKernel(op, x, w, { B, T, C, F, K, stride, dilation, padLeft, Tout }, padding);
  return { B, T, C, F, K, stride, dilation, padLeft, Tout };
}

/**
 * The kernels compute sizes, row numbers and input positions in i32: B, T, C, F, K, Tout and
 * padLeft, the row counts B T and B Tout, and the terms of every tap position (t stride + k dilation
 * - padLeft forwards, i + padLeft - k dilation backwards) must stay below 2^31, or they would wrap
 * and read the wrong rows (a tap wrapped into [0, T) reads a real row instead of the padding).
 * Sizes only reach that with empty tensors (C or F 0); positions with a huge stride or dilation.
 */
function fitsKernel(op: string, x: Tensor, w: Tensor, g: Geometry, padding: Conv1dPadding): void {
  const { B, T, C, F, K, stride, dilation, padLeft, Tout } = g;
  const sizes: [string, number][] = [['B (batch)', B], ['T (steps)', T], ['C (channels)', C], ['F (filters)', F], ['K (kernel size)', K],
    ['B x T (rows of x)', B * T], ['B x Tout (rows of y)', B * Tout]];
  for (const [name, v] of sizes) {
    if (v > I32_MAX) {
      throw new RangeError(`wasmnn: ${op}: ${name} is ${v} for x${fmtShape(x.shape)} and w${fmtShape(w.shape)}, more than the kernel's 32-bit ` +
        `sizes hold (at most 2^31 - 1); split the batch or the sequence`);
    }
  }
  const reach = Math.max((Tout - 1) * stride + (K - 1) * dilation, T - 1 + padLeft);
  if (reach > I32_MAX) {
    throw new RangeError(`wasmnn: ${op}: stride ${stride} and dilation ${dilation} with kernel size ${K}, ${T} steps and padding '${padding}' ` +
      `need input positions up to ${reach}, beyond the kernel's 32-bit positions (at most 2^31 - 1); use a smaller stride or dilation ` +
      `(a tap further away than the sequence is long only ever reads padding)`);
  }
}




/**
 * y = act(conv1d(x, w) + bias): x (B, T, C), w (K, C, F) (Keras kernel layout), bias (F,) or null,
 * y (B, Tout, F) with Tout = conv1dOutputLength(T, K, stride, dilation, padding). y must not share
 * memory with the inputs. The scratch space is a step tensor (rt.temp()).
 */
export function conv1d(rt: Runtime, x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor, options: Conv1dOptions = {}): void {
  const op = 'conv1d';
  checkOptions(op, options, CONV1D_OPTIONS, CONV1D_ALIASES);
  live(rt, 'x', x); live(rt, 'w', w); live(rt, 'y', y);
  const g = geometry(op, x, w, options);
  const activation = options.activation ?? 'linear';
  const act = (CONV1D_ACTIVATIONS as readonly string[]).indexOf(activation);
  if (act < 0) {
    throw new RangeError(`wasmnn: ${op}: unknown activation '${activation}'; expected one of ${CONV1D_ACTIVATIONS.join(', ')} ` +
      `(apply others with the unary kernels)`);
  }
  if (bias !== null && bias !== undefined) {
    live(rt, 'bias', bias);
    if (bias.rank !== 1 || bias.shape[0] !== g.F) {
      throw new RangeError(`wasmnn: ${op}: bias must have shape (${g.F},) (one value per filter), got ${fmtShape(bias.shape)}`);
    }
  }
  const b = bias ?? null;
  expectShapeWhy(op, 'y', y, [g.B, g.Tout, g.F], `batch, output steps, filters`);
  apart(op, 'y', y, [['x', x], ['w', w], ['bias', b]]);
  if (y.size === 0) return;
  const work = 2 * g.B * g.Tout * g.K * g.C * g.F + y.size;
  const nth = rt.threadsFor(work);
  const ws = rt.temp([conv1dForwardWorkspaceBytes(g.C, g.F, g.K, nth) / 4]);
  rt.run('f32_conv1d_fwd', work, [x.ptr, w.ptr, b ? b.ptr : 0, y.ptr, g.B, g.T, g.C, g.F, g.K,
    g.stride, g.dilation, g.padLeft, g.Tout, act, ws.ptr], nth);
}

export interface Conv1dGradients {
  /** (B, T, C), overwritten; null to skip. */
  dx?: Tensor | null;
  /** (K, C, F), overwritten; null to skip. */
  dw?: Tensor | null;
  /** (F,), overwritten; null to skip. */
  dbias?: Tensor | null;
}

const CONV1D_GRADIENTS = optionNames<Conv1dGradients>({ dx: true, dw: true, dbias: true });
const CONV1D_GRADIENT_ALIASES = { db: 'dbias', bias: 'dbias' };

/**
 * Gradients of conv1d: dy (B, Tout, F) is the gradient at the pre-activation output (apply the
 * activation's backward first, e.g. unaryBackward(rt, 'relu', ...)). dx, dw and dbias are
 * overwritten (sums over the batch and time in a fixed order); leave any of them out to skip it.
 * Options: the forward pass's stride, dilation and padding.
 */
export function conv1dBackward(rt: Runtime, x: Tensor, w: Tensor, dy: Tensor, grads: Conv1dGradients,
                               options: Conv1dOptions = {}): void {
  const op = 'conv1d backward';
  checkOptions(op, options, CONV1D_OPTIONS, CONV1D_ALIASES);
  checkOptions(`${op} (grads)`, grads, CONV1D_GRADIENTS, CONV1D_GRADIENT_ALIASES);
  live(rt, 'x', x); live(rt, 'w', w); live(rt, 'dy', dy);
  const g = geometry(op, x, w, options);
  expectShapeWhy(op, 'dy', dy, [g.B, g.Tout, g.F], `the shape of the forward output`);
  const dx = grads.dx ?? null, dw = grads.dw ?? null, dbias = grads.dbias ?? null;
  const outs: [string, Tensor | null][] = [['dx', dx], ['dw', dw], ['dbias', dbias]];
  if (dx) { live(rt, 'dx', dx); expectShapeWhy(op, 'dx', dx, [g.B, g.T, g.C], 'the shape of x'); }
  if (dw) { live(rt, 'dw', dw); expectShapeWhy(op, 'dw', dw, [g.K, g.C, g.F], 'the shape of w'); }
  if (dbias) { live(rt, 'dbias', dbias); expectShapeWhy(op, 'dbias', dbias, [g.F], 'one value per filter'); }
  for (const [name, t] of outs) {
    if (t) apart(op, name, t, [['x', x], ['w', w], ['dy', dy]]);
  }
  for (let i = 0; i < outs.length; i++) {
    for (let j = i + 1; j < outs.length; j++) {
      const [na, ta] = outs[i], [nb, tb] = outs[j];
      if (ta && tb && overlaps(ta, tb)) throw new RangeError(`wasmnn: ${op}: ${na} and ${nb} share memory; give each gradient its own tensor`);
    }
  }
  if (!dx && !dw && !dbias) return;
  const mac = g.B * g.Tout * g.K * g.C * g.F;
  const work = (dx ? 2 * mac + dx.size : 0) + (dw ? 2 * mac + dw.size : 0) + (dbias ? dy.size : 0);
  const nth = rt.threadsFor(work);
  const ws = rt.temp([conv1dBackwardWorkspaceBytes(g.C, g.F, g.K, nth) / 4]);
  rt.run('f32_conv1d_bwd', work, [x.ptr, w.ptr, dy.ptr, dx ? dx.ptr : 0, dw ? dw.ptr : 0, dbias ? dbias.ptr : 0,
    g.B, g.T, g.C, g.F, g.K, g.stride, g.dilation, g.padLeft, g.Tout, ws.ptr], nth);
}
