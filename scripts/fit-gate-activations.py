#!/usr/bin/env python3
"""Fits and checks the gate activations of the recurrent cells (assembly/core/mathf.ts:
expNegGate, vsigmoidGate, vtanhGate).

    python3 scripts/fit-gate-activations.py            # fit, print the constants, check every 13th f32
    python3 scripts/fit-gate-activations.py --full     # check every f32 (a few minutes)

The functions (f32, each operation rounded once, as the wasm code does it: separate mul and add):
    expNegGate(v) = e^-v = 2^n e^-s,  n = round(-v log2 e) (magic-number rounding),
                    s = v + n ln2 (one-constant reduction), e^-s ~ q(s) = p(-s),
                    2^n = the bits of the rounded value shifted left by 23
    vsigmoidGate(x) = 1 / (1 + expNegGate(clamp(x, -88.5, 20)))
    vtanhGate(x)    = sign(x) (1 - e) / (1 + e),  e = expNegGate(min(2|x|, 19))
They are meant for products (gates, tanh(c)): the requirement is ABSOLUTE error <= 2e-7 over all
f32 inputs, outputs exactly 0 / 1 / +-1 at the ends, tanh odd, NaN through. The one-constant
reduction and the degree-5 polynomial are enough for that because the outputs damp the relative
error of e: |d sigmoid / d ln e| <= 1/4 and |d tanh / d ln e| <= 1/2, and where n is large the
output is within far less than 2e-7 of its limit.

p(r) = 1 + c1 r + ... + c5 r^5 is fitted to e^r on |r| <= ln2/2 (plus a margin for the rounding of
n) in minimax RELATIVE error by Lawson's iteratively reweighted least squares, p(0) = 1 exactly
(sigmoid(0) = 0.5 and tanh(0) = 0 exactly). The coefficients are then rounded to f32 and the
functions checked in f32 arithmetic (numpy float32: IEEE round-to-nearest per operation, the same
results as wasm's f32x4 mul / add / div) against f64 references.
"""
import sys
import time

import numpy as np

f32 = np.float32
LOG2E = f32(1.4426950408889634)
LN2 = f32(0.6931471805599453)
MAGIC = f32(12582912.0 + 127.0)     # 1.5 * 2^23 + 127: t = v * -log2e + MAGIC holds n + 127 in its low bits
SIG_LO, SIG_HI = f32(-88.5), f32(20.0)
TANH_HI = f32(19.0)                 # clamp of 2|x|


def fit_exp(deg=5, a=0.3466 + 2e-3, iters=3000, n=20001):
    """Minimax relative-error fit of e^r on [-a, a] by p(r) = 1 + sum c_k r^k (Lawson)."""
    r = np.linspace(-a, a, n)
    A = np.stack([r ** k for k in range(1, deg + 1)], 1)
    rhs = np.exp(r) - 1.0
    w = np.exp(-r)
    lw = np.ones_like(r) / n
    for _ in range(iters):
        sw = np.sqrt(lw) * w
        c = np.linalg.lstsq(A * sw[:, None], rhs * sw, rcond=None)[0]
        e = (1 + A @ c) * np.exp(-r) - 1
        lw = lw * np.abs(e)
        lw /= lw.sum()
    return [1.0] + list(c), float(np.abs(e).max())


def horner(cs, v):
    p = np.full_like(v, cs[-1])
    for k in range(len(cs) - 2, -1, -1):
        p = p * v + cs[k]
    return p


def pmin(a, b):   # wasm f32x4.pmin: b < a ? b : a
    return np.where(b < a, b, a)


def pmax(a, b):   # wasm f32x4.pmax: a < b ? b : a
    return np.where(a < b, b, a)


def exp_neg_gate(v, q):
    t = v * f32(-LOG2E) + MAGIC
    n = t - MAGIC
    s = v + n * LN2
    scale = (t.view(np.uint32) << np.uint32(23)).view(f32)
    return horner(q, s) * scale


def sigmoid_gate(x, q):
    return f32(1) / (exp_neg_gate(pmax(pmin(x, SIG_HI), SIG_LO), q) + f32(1))


def tanh_gate(x, q):
    ax = np.abs(x)
    e = exp_neg_gate(pmin(ax + ax, TANH_HI), q)
    y = (f32(1) - e) / (f32(1) + e)
    return (y.view(np.uint32) | (x.view(np.uint32) & np.uint32(0x80000000))).view(f32)


def sweep(fn, ref, step, negative):
    """Max abs error of fn over the f32 with bits 0 .. inf (every step-th), of one sign."""
    top = 0x7F800000
    worst, wx, chunk = 0.0, 0.0, 1 << 24
    for s0 in range(0, top + 1, chunk * step):
        b = np.arange(s0, min(top + 1, s0 + chunk * step), step, dtype=np.uint32)
        if negative:
            b |= np.uint32(0x80000000)
        x = b.view(f32)
        y = fn(x)
        err = np.abs(y.astype(np.float64) - ref(x.astype(np.float64)))
        i = int(err.argmax())
        if err[i] > worst:
            worst, wx = float(err[i]), float(x[i])
    return worst, wx


def sigmoid64(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def main():
    np.seterr(over='ignore', invalid='ignore')   # 2|x| of huge x, inf - inf of NaN inputs: as in wasm
    full = '--full' in sys.argv
    step = 1 if full else 13
    c, rel = fit_exp()
    c32 = [f32(v) for v in c]
    q = [f32(v * (-1.0) ** k) for k, v in enumerate(c32)]   # q(s) = p(-s): exact sign flips
    print(f'p(r) ~ e^r on |r| <= ln2/2: max rel err {rel:.3e} (f64 coefficients)')
    print('q(s) = p(-s), f32 coefficients (mathf.ts expNegGate, highest degree first):')
    for k in range(len(q) - 1, -1, -1):
        print(f'  q{k} = {float(q[k]):.10e}   (bits 0x{int(np.array([q[k]], f32).view(np.uint32)[0]):08x})')
    # the f32 polynomial against e^-s over the reduced range
    s = np.linspace(-0.3486, 0.3486, 200001).astype(f32)
    qrel = np.abs(horner(q, s).astype(np.float64) * np.exp(s.astype(np.float64)) - 1).max()
    print(f'q(s) in f32 vs e^-s: max rel err {qrel:.3e}')
    t0 = time.time()
    print(f"checking {'every' if full else f'every {step}th'} f32 input (both signs)...")
    res = {
        'sigmoid +': sweep(lambda x: sigmoid_gate(x, q), sigmoid64, step, False),
        'sigmoid -': sweep(lambda x: sigmoid_gate(x, q), sigmoid64, step, True),
        'tanh +': sweep(lambda x: tanh_gate(x, q), np.tanh, step, False),
        'tanh -': sweep(lambda x: tanh_gate(x, q), np.tanh, step, True),
    }
    for k, (e, x) in res.items():
        print(f'  {k}: max abs err {e:.3e} at x = {x!r}')
    print(f'  ({time.time() - t0:.0f} s)')
    sp = np.array([0.0, -0.0, 1e-30, -1e-30, 8.0, 9.5, 10.0, 88.0, 1e30, np.inf, -8.0, -9.5, -np.inf, np.nan], f32)
    print('tanh at', list(map(float, sp)), '->', list(map(float, tanh_gate(sp, q))))
    ss = np.array([0.0, -0.0, 16.0, 17.0, 20.0, 1e30, np.inf, -16.0, -87.0, -88.0, -88.5, -89.0, -1e30, -np.inf, np.nan], f32)
    print('sigmoid at', list(map(float, ss)), '->', list(map(float, sigmoid_gate(ss, q))))
    ok = max(e for e, _ in res.values()) <= 2e-7
    assert float(tanh_gate(np.array([9.5], f32), q)[0]) == 1.0 and float(tanh_gate(np.array([-np.inf], f32), q)[0]) == -1.0
    assert float(sigmoid_gate(np.array([17.0], f32), q)[0]) == 1.0 and float(sigmoid_gate(np.array([-88.5], f32), q)[0]) == 0.0
    assert np.signbit(tanh_gate(np.array([-0.0], f32), q)[0]) and np.isnan(tanh_gate(np.array([np.nan], f32), q)[0])
    print('max abs err <= 2e-7:', ok)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
