// Host side of kernels/lstm.ts: the whole-sequence LSTM recurrence, forward and backward through
// time, one kernel call per sequence. The layer computes the input projection first
// (xw = x · W + b for every step, one gemm over (B*T, E)), and after the backward turns dz into
// dW = xᵀ · dz, db = Σ dz and dx = dz · Wᵀ (three gemms). dU = Σ_t h_{t-1}ᵀ · dz_t is one more
// gemm over all steps, done here from a copy of hs shifted by one step.
// Also the pieces the GRU wrappers share (recurrent activations, thread choice, checks).
import { threaded } from './spec.js';
import { argsObject, live } from './check.js';
import { gemm } from './gemm.js';
import { RECURRENT_ALIASES, blocks4, groups8 } from './recurrent_common.js';
import { spatialDropout } from './dropout.js';
import { checkOptions, optionNames } from '../options.js';
import { Tensor, fmtShape, type Shape } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const lstmKernels = threaded('f32_lstm_seq_fwd', 'f32_lstm_seq_bwd');

/** Recurrent activations of the gates: Keras' default 'sigmoid', or tfjs-layers' 'hardSigmoid' (clip(0.2 x + 0.5, 0, 1)). */
export const RECURRENT_ACTIVATIONS = ['sigmoid', 'hardSigmoid'] as const;
export type RecurrentActivation = (typeof RECURRENT_ACTIVATIONS)[number];

/** i32 words of the per-call barrier state (see assembly/core/barrier.ts). */
const SYNC_WORDS = 4;

// A sequence kernel meets its threads at a barrier every step (once per LSTM step, twice per GRU
// step), so splitting pays only when one step's work is well above a barrier's cost. With threads
// running side by side a barrier costs a few tenths of a microsecond, one LSTM step of B = 1,
// H = 64 a few microseconds; when other processes hold the cores a barrier waits for a thread to
// be scheduled again (tens of microseconds). Hence a margin: n threads need one step's product
// (in flops) to reach n x STEP_WORK_FACTOR x the runtime's parallelThreshold; two threads need 64K
// flops at the default threshold (B = 2 at H = 64; B = 1 from H = 91; B = 8 at H = 32). Tests set
// the threshold to 1, so every problem with two unit groups or more is split there.
const STEP_WORK_FACTOR = 8;

/**
 * Threads a sequence kernel uses for B rows, H units and `gates` gate blocks: every pool thread
 * when one step's product (2 B H gates H flops) is large enough to pay for a barrier, one thread
 * for small problems, never more threads than groups of 8 units (a thread owns whole groups).
 */
export function recurrentThreads(rt: Runtime, B: number, H: number, gates: number): number {
  const groups = Math.ceil(H / 8);
  const stepWork = 2 * B * H * gates * H;
  return Math.max(1, Math.min(groups, rt.threadsFor(stepWork / STEP_WORK_FACTOR)));
}

// ---- threads of the small-batch forward ----------------------------------------------------------
// Batches of 1 to 3 rows (the forward's one-row path) are the latency case: one step's product is
// too small for the rule above (B = 1, H = 64: 32K flops), yet two threads take a 100-step call
// from about 0.28 to 0.18 ms when both cores are free, and make it 2 to 20 times slower when
// another process holds a core (every step's barrier then waits for a descheduled thread). Which
// one holds depends on the load of the moment, so the runtime measures: per runtime and (B, H), the
// time per step of the calls it ran on one thread and on n (EWMA); it runs the faster count and
// tries the other once every `every` calls (16, doubling each time that try loses, up to 1024;
// back to 16 when it wins). Results are the same bits at any thread count, so only time changes.

/** Smallest step product (2 B H 4H flops) worth trying on several threads: B = 1 from H = 45, B = 2 from H = 32. */
const SMALL_SPLIT_MIN_STEP_WORK = 16384;
const PROBE_FIRST = 16, PROBE_MAX = 1024;

/** The thread count of one small-batch forward problem on one runtime: 1 or n, chosen by measured time. */
export class ThreadChoice {
  /** EWMA of ms per step on 1 thread ([0]) and on n threads ([1]); NaN until measured. */
  readonly cost = [NaN, NaN];
  private best = 0;
  private calls = 0;
  private every = PROBE_FIRST;
  private probeAt = PROBE_FIRST;

  constructor(readonly n: number) {}

  /** The count to run the next call on. */
  pick(): number {
    this.calls++;
    const i = Number.isNaN(this.cost[0]) ? 0 : Number.isNaN(this.cost[1]) ? 1 : this.calls >= this.probeAt ? 1 - this.best : this.best;
    return i === 0 ? 1 : this.n;
  }

  /** Records a call run on `nth` threads that took `msPerStep` per step. */
  record(nth: number, msPerStep: number): void {
    const i = nth === 1 ? 0 : 1;
    if (!(msPerStep >= 0)) return;
    if (i === this.best || Number.isNaN(this.cost[i])) {
      this.cost[i] = Number.isNaN(this.cost[i]) ? msPerStep : 0.7 * this.cost[i] + 0.3 * msPerStep;
    } else {
      // a try of the other count: a fresh observation replaces what is known of it
      this.cost[i] = msPerStep;
      this.every = this.cost[i] < this.cost[this.best] ? PROBE_FIRST : Math.min(2 * this.every, PROBE_MAX);
      this.probeAt = this.calls + this.every;
    }
    if (!Number.isNaN(this.cost[1 - this.best]) && this.cost[1 - this.best] < this.cost[this.best]) this.best = 1 - this.best;
  }
}

const smallChoices = new WeakMap<Runtime, Map<number, ThreadChoice>>();

/** The measured choice for a small-batch forward on rt, or null when it runs on one thread by rule. */
function smallForwardChoice(rt: Runtime, B: number, H: number): ThreadChoice | null {
  const n = Math.min(Math.ceil(H / 8), rt.pool ? rt.pool.threads : 1);
  if (B >= 4 || n < 2 || 2 * B * H * 4 * H < SMALL_SPLIT_MIN_STEP_WORK) return null;
  let m = smallChoices.get(rt);
  if (!m) smallChoices.set(rt, (m = new Map()));
  const key = B * 65536 + H;
  let c = m.get(key);
  if (!c) m.set(key, (c = new ThreadChoice(n)));
  return c;
}

// ---- checks shared with the GRU wrappers -------------------------------------------------------

/** Index of a recurrent activation for the kernels (0 sigmoid, 1 hardSigmoid); throws on anything else. */
export function recurrentActivationIndex(op: string, a: unknown): number {
  const v = a ?? 'sigmoid';
  const i = (RECURRENT_ACTIVATIONS as readonly unknown[]).indexOf(v);
  if (i < 0) throw new RangeError(`wasmnn: ${op}: unknown recurrentActivation '${String(v)}'; expected one of ${RECURRENT_ACTIVATIONS.join(', ')}`);
  return i;
}

/** A boolean option; undefined is false. */
export function recurrentFlag(op: string, name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new TypeError(`wasmnn: ${op}: ${name} must be true or false, got ${String(v)}`);
  return v;
}

/** A required tensor of an exact shape. */
export function recurrentTensor(rt: Runtime, op: string, name: string, t: Tensor | null | undefined, shape: Shape, why: string): Tensor {
  if (t == null) throw new TypeError(`wasmnn: ${op}: ${name} is required: ${why}`);
  live(rt, name, t);
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`wasmnn: ${op}: ${name} must have shape ${fmtShape(shape)} (${why}), got ${fmtShape(t.shape)}`);
  }
  return t;
}

/** An optional tensor (null / undefined for none) of an exact shape. */
export function recurrentOptional(rt: Runtime, op: string, name: string, t: Tensor | null | undefined, shape: Shape, why: string): Tensor | null {
  return t == null ? null : recurrentTensor(rt, op, name, t, shape, why);
}

/** H of the recurrent kernel u (H, gates H), checked. */
function recurrentUnits(rt: Runtime, op: string, u: Tensor | null | undefined, gates: number): number {
  if (u == null) throw new TypeError(`wasmnn: ${op}: u (the recurrent kernel) is required`);
  live(rt, 'u', u);
  if (u.rank !== 2 || u.shape[1] !== gates * u.shape[0]) {
    throw new RangeError(`wasmnn: ${op}: u must have shape (H, ${gates}H) (the recurrent kernel, gate blocks side by side), got ${fmtShape(u.shape)}`);
  }
  return u.shape[0];
}

/** (B, T, H) of a recurrent problem from the tensor that carries B and T and the recurrent kernel u (H, gates H). */
export function recurrentDims(rt: Runtime, op: string, seqName: string, seq: Tensor | null | undefined, seqCols: number, u: Tensor | null | undefined, gates: number): [number, number, number] {
  const H = recurrentUnits(rt, op, u, gates);
  if (seq == null) throw new TypeError(`wasmnn: ${op}: ${seqName} is required`);
  live(rt, seqName, seq);
  const cols = seqCols * H;
  if (seq.rank !== 3 || seq.shape[2] !== cols) {
    throw new RangeError(`wasmnn: ${op}: ${seqName} must have shape (batch, steps, ${cols}) for ${H} units, got ${fmtShape(seq.shape)}; ` +
      'check that it matches u');
  }
  return [seq.shape[0], seq.shape[1], H];
}

/**
 * (B, T, H) of a recurrent problem whose projections are rows of a table: table (rows, gates H),
 * rows (B, T) i32, every value a row of the table (checked: the kernel reads them unchecked).
 */
export function tableDims(rt: Runtime, op: string, table: Tensor | null | undefined, rows: Tensor, u: Tensor | null | undefined, gates: number): [number, number, number] {
  const H = recurrentUnits(rt, op, u, gates);
  if (table == null) throw new TypeError(`wasmnn: ${op}: xw is required`);
  live(rt, 'xw', table); live(rt, 'xwRows', rows, 'i32');
  if (table.rank !== 2 || table.shape[1] !== gates * H) {
    throw new RangeError(`wasmnn: ${op}: with xwRows, xw must be a table of shape (rows, ${gates * H}) for ${H} units, got ${fmtShape(table.shape)}`);
  }
  if (rows.rank !== 2) throw new RangeError(`wasmnn: ${op}: xwRows must have shape (batch, steps), got ${fmtShape(rows.shape)}`);
  const n = table.shape[0], v = rows.i32();
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0 && v[i] < n)) {
      throw new RangeError(`wasmnn: ${op}: xwRows[${Math.floor(i / rows.shape[1])}, ${i % rows.shape[1]}] is ${v[i]}, not a row of xw (0 .. ${n - 1})`);
    }
  }
  return [rows.shape[0], rows.shape[1], H];
}

/** No output shares a byte with another output or with an input. */
export function recurrentSeparate(op: string, outs: [string, Tensor | null][], ins: [string, Tensor | null][]): void {
  const o = outs.filter((e): e is [string, Tensor] => e[1] !== null);
  const all = [...o, ...ins.filter((e): e is [string, Tensor] => e[1] !== null)];
  o.forEach(([a, ta], i) => {
    all.forEach(([b, tb], j) => {
      if (j <= i) return;
      if (ta.size && tb.size && ta.ptr < tb.ptr + tb.bytes && tb.ptr < ta.ptr + ta.bytes) {
        throw new RangeError(`wasmnn: ${op}: ${a} and ${b} share memory; ${a} must be a buffer of its own`);
      }
    });
  });
}


/** Zeroed barrier words for one call. */
export function recurrentSync(rt: Runtime): Tensor {
  return rt.temp([SYNC_WORDS], 'i32').fill(0);
}

// ---- workspace -------------------------------------------------------------------------------

/**
 * Bytes of scratch f32_lstm_seq_fwd needs: U packed into 8-column panels, a B x 4H step tile (the
 * product), two packed copies of h; with a recurrent dropout mask, two B x H copies of h ⊙ mask.
 */
export function lstmForwardWorkspaceBytes(B: number, H: number, recurrentMask = false): number {
  const N8 = groups8(H);
  return (4 * N8 * H + 4 * B * N8 + 2 * blocks4(B) * H + (recurrentMask ? 2 * B * H : 0)) * 4;
}

/** Bytes of scratch f32_lstm_seq_bwd needs: Uᵀ panels, three B x H tiles, two packed copies of dz. */
export function lstmBackwardWorkspaceBytes(B: number, H: number): number {
  const N8 = groups8(H);
  return (4 * H * N8 + 3 * B * N8 + 2 * blocks4(B) * 4 * H) * 4;
}

// ---- forward ---------------------------------------------------------------------------------

export interface LstmSequenceArgs {
  /**
   * (B, T, 4H): x · W + b for every step, in time order; gate blocks i, f, c, o. Or, with xwRows,
   * a table (rows, 4H) of such rows: the folded embedding projection at inference, read in place.
   */
  xw: Tensor;
  /** (B, T) i32, or null: step t of row b takes row xwRows[b, t] of the table xw (each in [0, rows)). */
  xwRows?: Tensor | null;
  /** (H, 4H): the recurrent kernel. */
  u: Tensor;
  /** (B, H) initial states; null for zeros. */
  h0?: Tensor | null;
  c0?: Tensor | null;
  /** (B, T) f32: a step is taken where the value is non-zero; masked steps carry the state and repeat the previous output. */
  mask?: Tensor | null;
  /** Outputs, in processing order: (B, T, H) h after every step (the layer's sequence output), (B, T, H) c. */
  hs: Tensor;
  cs: Tensor;
  /** Output (B, T, 4H): the activated gates, which the backward needs; null when no backward follows (inference). */
  gates?: Tensor | null;
  /** Process t = T-1 .. 0 (Keras goBackwards); hs[:, s] is then the output for input step T-1-s, as in tfjs. */
  reverse?: boolean;
  /** Default 'sigmoid' (Keras); tfjs-layers defaults to 'hardSigmoid'. */
  recurrentActivation?: RecurrentActivation;
  /**
   * (B, H) or null: recurrent dropout (Keras' recurrent_dropout, training): every step's product
   * reads h_{s-1} ⊙ recurrentMask (one mask for all steps and all four gates); hs keeps the
   * unmasked h. Needs gates (training) and no h0.
   */
  recurrentMask?: Tensor | null;
}

const LSTM_SEQUENCE_ARGS = optionNames<LstmSequenceArgs>({
  xw: true, xwRows: true, u: true, h0: true, c0: true, mask: true, hs: true, cs: true, gates: true, reverse: true, recurrentActivation: true,
  recurrentMask: true,
});

/**
 * Runs an LSTM over a whole sequence in one call: hs, cs and gates for every step (keep them for
 * lstmSequenceBackward). The final states are hs[:, T-1] and cs[:, T-1].
 */
export function lstmSequence(rt: Runtime, a: LstmSequenceArgs): void {
  const op = 'lstmSequence';
  argsObject(op, 'the arguments', a, '{ xw, u, hs, cs }');
  checkOptions(op, a, LSTM_SEQUENCE_ARGS, RECURRENT_ALIASES);
  const xwRows = a.xwRows ?? null;
  const [B, T, H] = xwRows ? tableDims(rt, op, a.xw, xwRows, a.u, 4) : recurrentDims(rt, op, 'xw', a.xw, 4, a.u, 4);
  const h0 = recurrentOptional(rt, op, 'h0', a.h0, [B, H], 'batch, units');
  const c0 = recurrentOptional(rt, op, 'c0', a.c0, [B, H], 'batch, units');
  const mask = recurrentOptional(rt, op, 'mask', a.mask, [B, T], 'batch, steps');
  const hs = recurrentTensor(rt, op, 'hs', a.hs, [B, T, H], 'batch, steps, units');
  const cs = recurrentTensor(rt, op, 'cs', a.cs, [B, T, H], 'batch, steps, units');
  const gates = recurrentOptional(rt, op, 'gates', a.gates, [B, T, 4 * H], 'batch, steps, 4 x units');
  const rdm = recurrentOptional(rt, op, 'recurrentMask', a.recurrentMask, [B, H], 'batch, units');
  if (rdm && (!gates || h0)) throw new RangeError(`wasmnn: ${op}: recurrentMask (training) needs gates and no h0`);
  const reverse = recurrentFlag(op, 'reverse', a.reverse);
  const act = recurrentActivationIndex(op, a.recurrentActivation);
  recurrentSeparate(op, [['hs', hs], ['cs', cs], ['gates', gates]],
    [['xw', a.xw], ['xwRows', xwRows], ['u', a.u], ['h0', h0], ['c0', c0], ['mask', mask], ['recurrentMask', rdm]]);
  if (gates && rt.inferenceOnly) {
    throw new Error('wasmnn: lstmSequence: storing the gates (for a backward pass) needs the full kernels; the inference-only kernels ' +
      "(wasmnn-infer.wasm, the default of the wasmnn/infer bundles) can only predict: pass gates: null, or start the runtime on the full kernels (import from 'wasmnn')");
  }
  if (B === 0 || T === 0 || H === 0) return;
  let nth = recurrentThreads(rt, B, H, 4);
  const choice = nth === 1 ? smallForwardChoice(rt, B, H) : null;
  if (choice) nth = choice.pick();
  const ws = rt.temp([lstmForwardWorkspaceBytes(B, H, !!rdm) / 4]);
  const sync = recurrentSync(rt);
  const t0 = choice ? performance.now() : 0;
  rt.run('f32_lstm_seq_fwd', 8 * B * T * H * H, [a.xw.ptr, a.u.ptr, h0 ? h0.ptr : 0, c0 ? c0.ptr : 0, mask ? mask.ptr : 0,
    hs.ptr, cs.ptr, gates ? gates.ptr : 0, ws.ptr, sync.ptr, B, T, H, reverse ? 1 : 0, act, xwRows ? xwRows.ptr : 0, rdm ? rdm.ptr : 0], nth);
  if (choice) choice.record(nth, (performance.now() - t0) / T);
}

// ---- backward --------------------------------------------------------------------------------

export interface LstmSequenceBackwardArgs {
  /** The forward's inputs and outputs: u, h0, c0, mask, reverse, recurrentActivation as given to lstmSequence; hs, cs, gates as it wrote them. */
  u: Tensor;
  h0?: Tensor | null;
  c0?: Tensor | null;
  mask?: Tensor | null;
  hs: Tensor;
  cs: Tensor;
  gates: Tensor;
  reverse?: boolean;
  recurrentActivation?: RecurrentActivation;
  /** (B, T, H): gradient w.r.t. every step's output (processing order, like hs); null for none (a layer that returns only the last output passes dhT). */
  dhs?: Tensor | null;
  /** (B, H): gradients w.r.t. the final h and c states; null for none. */
  dhT?: Tensor | null;
  dcT?: Tensor | null;
  /** Output (B, T, 4H), time order: gradient w.r.t. the gate pre-activations, which is the gradient w.r.t. xw. */
  dz: Tensor;
  /** Outputs (B, H): gradients w.r.t. h0 and c0; null to skip. */
  dh0?: Tensor | null;
  dc0?: Tensor | null;
  /** Output (H, 4H): gradient w.r.t. u, OVERWRITTEN (not accumulated); null to skip. */
  du?: Tensor | null;
  /** (B, H): the forward's recurrentMask, or null: dh_{s-1} = (dz · Uᵀ) ⊙ mask, dU sums (h_{s-1} ⊙ mask)ᵀ dz. */
  recurrentMask?: Tensor | null;
}

const LSTM_SEQUENCE_BACKWARD_ARGS = optionNames<LstmSequenceBackwardArgs>({
  u: true, h0: true, c0: true, mask: true, hs: true, cs: true, gates: true, reverse: true, recurrentActivation: true,
  dhs: true, dhT: true, dcT: true, dz: true, dh0: true, dc0: true, du: true, recurrentMask: true,
});

/** Backpropagation through the whole sequence in one call (see LstmSequenceBackwardArgs). */
export function lstmSequenceBackward(rt: Runtime, a: LstmSequenceBackwardArgs): void {
  const op = 'lstmSequenceBackward';
  argsObject(op, 'the arguments', a, '{ u, hs, cs, gates, dz }');
  checkOptions(op, a, LSTM_SEQUENCE_BACKWARD_ARGS, RECURRENT_ALIASES);
  const [B, T, H] = recurrentDims(rt, op, 'hs', a.hs, 1, a.u, 4);
  const h0 = recurrentOptional(rt, op, 'h0', a.h0, [B, H], 'batch, units');
  const c0 = recurrentOptional(rt, op, 'c0', a.c0, [B, H], 'batch, units');
  const mask = recurrentOptional(rt, op, 'mask', a.mask, [B, T], 'batch, steps');
  const cs = recurrentTensor(rt, op, 'cs', a.cs, [B, T, H], 'batch, steps, units');
  const gates = recurrentTensor(rt, op, 'gates', a.gates, [B, T, 4 * H], 'batch, steps, 4 x units');
  const dhs = recurrentOptional(rt, op, 'dhs', a.dhs, [B, T, H], 'batch, steps, units');
  const dhT = recurrentOptional(rt, op, 'dhT', a.dhT, [B, H], 'batch, units');
  const dcT = recurrentOptional(rt, op, 'dcT', a.dcT, [B, H], 'batch, units');
  const dz = recurrentTensor(rt, op, 'dz', a.dz, [B, T, 4 * H], 'batch, steps, 4 x units');
  const dh0 = recurrentOptional(rt, op, 'dh0', a.dh0, [B, H], 'batch, units');
  const dc0 = recurrentOptional(rt, op, 'dc0', a.dc0, [B, H], 'batch, units');
  const du = recurrentOptional(rt, op, 'du', a.du, [H, 4 * H], 'units, 4 x units');
  const rdm = recurrentOptional(rt, op, 'recurrentMask', a.recurrentMask, [B, H], 'batch, units');
  if (rdm && h0) throw new RangeError(`wasmnn: ${op}: recurrentMask (training) needs gates and no h0`);
  const reverse = recurrentFlag(op, 'reverse', a.reverse);
  const act = recurrentActivationIndex(op, a.recurrentActivation);
  recurrentSeparate(op, [['dz', dz], ['dh0', dh0], ['dc0', dc0], ['du', du]],
    [['u', a.u], ['h0', h0], ['c0', c0], ['mask', mask], ['hs', a.hs], ['cs', cs], ['gates', gates], ['dhs', dhs], ['dhT', dhT], ['dcT', dcT],
      ['recurrentMask', rdm]]);
  if (H === 0) return;
  const nth = recurrentThreads(rt, B, H, 4);
  const ws = rt.temp([lstmBackwardWorkspaceBytes(B, H) / 4]);
  const sync = recurrentSync(rt);
  rt.run('f32_lstm_seq_bwd', 8 * B * T * H * H, [a.u.ptr, c0 ? c0.ptr : 0, mask ? mask.ptr : 0, cs.ptr, gates.ptr,
    dhs ? dhs.ptr : 0, dhT ? dhT.ptr : 0, dcT ? dcT.ptr : 0, dz.ptr, dh0 ? dh0.ptr : 0, dc0 ? dc0.ptr : 0,
    ws.ptr, sync.ptr, B, T, H, reverse ? 1 : 0, act, rdm ? rdm.ptr : 0], nth);
  // hprev and the gemm's scratch: released on return outside a step
  if (du) rt.scratchScope(() => shiftedGemm(rt, a.hs, h0, dz, du, B, T, H, reverse, rdm));
}

/**
 * du = Σ over rows and steps of h_prevᵀ · dz, as one gemm: hprev (B T, H) holds, in time order,
 * the state each step started from (hs of the previous processing step, h0 or zeros first).
 */
/** With a recurrent dropout mask m (B, H), the product read h_prev ⊙ m: hprev is masked likewise (spatialDropout's broadcast over steps). */
function shiftedGemm(rt: Runtime, hs: Tensor, h0: Tensor | null, dz: Tensor, du: Tensor, B: number, T: number, H: number, reverse: boolean,
  rdm: Tensor | null): void {
  if (B === 0 || T === 0) { du.fill(0); return; }
  const hprev = rt.temp([B * T, H]);
  const src = hs.f32(), dst = hprev.f32(), init = h0 ? h0.f32() : null;
  for (let b = 0; b < B; b++) {
    const row = b * T * H;
    // the first processing step starts from h0: time step 0, or T-1 in reverse
    const first = row + (reverse ? T - 1 : 0) * H;
    if (init) dst.set(init.subarray(b * H, (b + 1) * H), first);
    else dst.fill(0, first, first + H);
    if (!reverse) {
      dst.set(src.subarray(row, row + (T - 1) * H), row + H);
    } else {
      // time step t is processing step s = T-1-t, which started from hs slot s-1
      for (let t = 0; t < T - 1; t++) dst.set(src.subarray(row + (T - 2 - t) * H, row + (T - 1 - t) * H), row + t * H);
    }
  }
  let lhs = hprev;
  if (rdm) {
    lhs = rt.temp([B * T, H]);
    spatialDropout(rt, hprev.view([B, T, H]), rdm, lhs.view([B, T, H]));
  }
  gemm(rt, lhs, dz.view([B * T, dz.shape[2]]), du, { transA: true });
}
