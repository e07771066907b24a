// core/mathf.ts against f64, over 2^20+ points per function and the edges: the accuracy table at
// the top of mathf.ts. The elementwise forms (vexp, vlog, vsigmoid, vtanh) are reached through the
// unary kernels, in relative error (ulps of the f32 result); the recurrent cells' gate forms
// (vsigmoidGate, vtanhGate) through the LSTM forward with U = 0 and one step, whose stored gates
// are exactly sigmoid(xw) for blocks i, f, o and tanh(xw) for block c, in absolute error. The GRU
// stores the same bits (same functions), and every build and thread count gives the same bits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startAll } from '../helpers/runtimes.js';
import { expectBitwise, rng } from '../helpers/data.js';
import { unaryForward, type UnaryOp } from '../../src/kernels/unary.js';
import { lstmSequence } from '../../src/kernels/lstm.js';
import { gruSequence } from '../../src/kernels/gru.js';
import type { Runtime } from '../../src/runtime/runtime.js';

let rts: Map<string, Runtime>;
beforeAll(async () => { rts = await startAll(); });
afterAll(async () => { await closeAll(rts); });

const N = 1 << 20;
const F32_MAX = 3.4028234663852886e38;

/** Spacing of the f32 values at |v| (the ulp of an f32 result there). */
function ulp(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 23);
}

/** n points: a third uniform on [lo, hi], a third log-spaced magnitudes from 2^-40 to max(|lo|, |hi|) with both signs clipped to [lo, hi], a third random f32 bit patterns inside [lo, hi]. */
function points(n: number, lo: number, hi: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  const m = Math.max(Math.abs(lo), Math.abs(hi));
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    let x: number;
    if (k === 0) x = lo + (hi - lo) * r();
    else if (k === 1) x = (r() < 0.5 ? -1 : 1) * 2 ** (-40 + (Math.log2(m) + 40) * r());
    else {
      bits[i] = (r() * 2 ** 32) >>> 0;
      x = out[i];
      if (!(x >= lo && x <= hi)) x = lo + (hi - lo) * r();
    }
    out[i] = Math.min(hi, Math.max(lo, x));
  }
  return out;
}

function unary(rt: Runtime, op: UnaryOp, x: Float32Array): Float32Array {
  return rt.step(() => {
    const tx = rt.temp([x.length]).set(x);
    const ty = rt.temp([x.length]);
    unaryForward(rt, op, tx, ty);
    return ty.f32().slice();
  });
}

function maxUlps(x: Float32Array, y: Float32Array, ref: (v: number) => number): { ulps: number; at: number } {
  let worst = 0, at = NaN;
  for (let i = 0; i < x.length; i++) {
    const r = ref(x[i]);
    const e = Math.abs(y[i] - r) / ulp(Math.fround(r));
    if (!(e <= worst)) { worst = e; at = x[i]; }
  }
  return { ulps: worst, at };
}

const sigmoid64 = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

describe('elementwise forms (unary kernels): max relative error in ulps over 2^20 points', () => {
  // [op, f64 reference, domain, documented bound in ulps]: the domain stops where the f32 result
  // leaves the normal range (exp flushes to 0 below -87.33, as documented)
  const cases: [UnaryOp, (v: number) => number, number, number, number][] = [
    ['exp', Math.exp, -87.3, 88.7, 2],
    ['log', Math.log, 1.1754944e-38, F32_MAX, 2],
    ['sigmoid', sigmoid64, -87, 100, 3],
    ['tanh', Math.tanh, -20, 20, 3],
  ];
  it.each(cases)('%s', (op, ref, lo, hi, bound) => {
    const x = points(N, lo, hi, 11);
    const y = unary(rts.get('simd@1')!, op, x);
    const { ulps, at } = maxUlps(x, y, ref);
    expect(ulps, `${op}: ${ulps.toFixed(2)} ulp at x = ${at}`).toBeLessThanOrEqual(bound);
  });
});

// ---- gate forms ------------------------------------------------------------------------------

const H = 256, B = 1024, G = 4 * H;
// the edges (each also taken negated): zeros, tiny, the saturation and clamp points, huge, inf, NaN
const SPECIAL = [0, 1e-30, 1e-45, 0.5, 9.4999, 9.5, 16.9, 17, 19, 20, 88.3, 88.37, 88.38, 88.4, 88.5, 89, 100, F32_MAX, Infinity, NaN];

/** 4 sets of B*H inputs (one per LSTM gate block), each point followed by its negation; the edges first. */
function gateInputs(): Float32Array[] {
  const sets = [points(B * H, -12, 12, 21), points(B * H, -1, 1, 22), points(B * H, -100, 100, 23), points(B * H, -F32_MAX, F32_MAX, 24)];
  SPECIAL.forEach((v, k) => { sets[0][2 * k] = v; });
  for (const s of sets) for (let i = 1; i < s.length; i += 2) s[i] = -s[i - 1];
  return sets;
}

/** LSTM forward, one step, U = 0, no initial state: the gates (B, 1, 4H) for xw with block g of every row from sets[(g + rot) % 4]. */
function lstmGates(rt: Runtime, sets: Float32Array[], rot: number, rows = B): Float32Array {
  return rt.step(() => {
    const xw = new Float32Array(rows * G);
    for (let b = 0; b < rows; b++) for (let g = 0; g < 4; g++) xw.set(sets[(g + rot) % 4].subarray(b * H, b * H + H), b * G + g * H);
    const gates = rt.temp([rows, 1, G]);
    lstmSequence(rt, {
      xw: rt.temp([rows, 1, G]).set(xw), u: rt.temp([H, G]).fill(0),
      hs: rt.temp([rows, 1, H]), cs: rt.temp([rows, 1, H]), gates,
    });
    return gates.f32().slice();
  });
}

/** Block g of every row of an LSTM gates array, as one array (the order of the input set). */
function block(gates: Float32Array, g: number, rows = B): Float32Array {
  const out = new Float32Array(rows * H);
  for (let b = 0; b < rows; b++) out.set(gates.subarray(b * G + g * H, b * G + g * H + H), b * H);
  return out;
}

function checkGate(x: Float32Array, y: Float32Array, kind: 'sigmoid' | 'tanh'): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i], out = y[i];
    if (Number.isNaN(v)) { expect(Number.isNaN(out), `${kind}(NaN)`).toBe(true); continue; }
    const ref = kind === 'sigmoid' ? sigmoid64(v) : Math.tanh(v);
    const e = Math.abs(out - ref);
    if (e > worst) worst = e;
    if (kind === 'sigmoid') {
      if (!(out >= 0 && out <= 1) || (v >= 17 && out !== 1) || (v <= -88.38 && out !== 0)) throw new Error(`sigmoidGate(${v}) = ${out}`);
    } else {
      if (!(Math.abs(out) <= 1) || (Math.abs(v) >= 9.5 && out !== Math.sign(v))) throw new Error(`tanhGate(${v}) = ${out}`);
      if (v !== 0 && Math.sign(out) !== Math.sign(v) && out !== 0) throw new Error(`tanhGate(${v}) = ${out}: wrong sign`);
    }
  }
  return worst;
}

describe('gate forms (recurrent cells): max absolute error over 2^20+ points and the edges', () => {
  it('vsigmoidGate <= 1e-7 (3 x 2^20 points), vtanhGate <= 1.2e-7 (2^20 points), odd, saturating, NaN through', () => {
    const rt = rts.get('simd@1')!;
    const sets = gateInputs();
    let sig = 0, th = 0;
    for (let rot = 0; rot < 4; rot++) {
      const gates = lstmGates(rt, sets, rot);
      for (let g = 0; g < 4; g++) {
        const x = sets[(g + rot) % 4], y = block(gates, g);
        if (g === 2) {
          th = Math.max(th, checkGate(x, y, 'tanh'));
          // odd: tanh(-x) is -tanh(x), bit for bit (the pairs of the set; the cell's z = 0 + xw
          // turns an input -0 into +0, so the zero pair is skipped: scripts/fit-gate-activations.py checks it)
          for (let i = 1; i < x.length; i += 2) {
            if (x[i] !== 0 && !Number.isNaN(y[i]) && !Object.is(y[i], -y[i - 1])) throw new Error(`tanhGate(${x[i]}) = ${y[i]}, tanhGate(${x[i - 1]}) = ${y[i - 1]}`);
          }
        } else {
          sig = Math.max(sig, checkGate(x, y, 'sigmoid'));
        }
      }
    }
    expect(sig).toBeLessThanOrEqual(1e-7);
    expect(th).toBeLessThanOrEqual(1.2e-7);
  });

  it('same bits in every build and thread count, in the one-row path (B < 4) and in the GRU', () => {
    const sets = gateInputs();
    const want = lstmGates(rts.get('simd@1')!, sets, 1);
    for (const [label, rt] of rts) {
      expectBitwise(lstmGates(rt, sets, 1), want, `${label} lstm gates`);
      // rows 0..2 alone take the one-row path
      expectBitwise(lstmGates(rt, sets, 1, 3), want.subarray(0, 3 * G), `${label} lstm gates B=3`);
    }
    // GRU, one step, U = 0: z, r = sigmoid, hh = tanh of the same inputs
    const rt = rts.get('simd@1')!;
    const G3 = 3 * H;
    const got = rt.step(() => {
      const xw = new Float32Array(B * G3);
      for (let b = 0; b < B; b++) {
        xw.set(sets[1].subarray(b * H, b * H + H), b * G3);            // z: block i's inputs
        xw.set(sets[2].subarray(b * H, b * H + H), b * G3 + H);        // r: block f's inputs
        xw.set(sets[3].subarray(b * H, b * H + H), b * G3 + 2 * H);    // hh: block c's inputs
      }
      const gates = rt.temp([B, 1, G3]);
      gruSequence(rt, { xw: rt.temp([B, 1, G3]).set(xw), u: rt.temp([H, G3]).fill(0), hs: rt.temp([B, 1, H]), gates, rh: rt.temp([B, 1, H]) });
      return gates.f32().slice();
    });
    for (let g = 0; g < 3; g++) {
      const gru = new Float32Array(B * H);
      for (let b = 0; b < B; b++) gru.set(got.subarray(b * G3 + g * H, b * G3 + g * H + H), b * H);
      expectBitwise(gru, block(want, g), `gru block ${g}`);
    }
  });
});
