// Argument checks of the kernel wrappers that are not about one family's numbers: an output that
// partly overlaps an input (unary), misspelt option names (every wrapper with an options object),
// and integers that would wrap in the kernels' i32 parameters (conv1d, row selections).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/runtime.js';
import { Tensor } from '../../src/tensor.js';
import { UNARY_OPS, unaryBackward, unaryForward } from '../../src/kernels/unary.js';
import { gemm } from '../../src/kernels/gemm.js';
import { conv1d, conv1dBackward } from '../../src/kernels/conv1d.js';
import { dropout, dropoutBackward, philox } from '../../src/kernels/dropout.js';
import { embeddingBag, embeddingBagBackward, embeddingBagRowsBackward, embeddingRowsBackward } from '../../src/kernels/embedding.js';
import { lstmSequence, lstmSequenceBackward } from '../../src/kernels/lstm.js';
import { gruSequence, gruSequenceBackward } from '../../src/kernels/gru.js';
import { layerNorm } from '../../src/kernels/norm.js';
import { adagradUpdate, adamUpdate, rmspropUpdate, sgdUpdate } from '../../src/kernels/optim.js';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from '../../src/kernels/softmax_xent.js';

let rt: Runtime;
beforeAll(async () => { rt = await Runtime.create({ build: 'simd', threads: 1 }); });
afterAll(async () => { await rt.close(); });

const bits = (a: Float32Array) => [...new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength))];

describe('unary kernels: partial overlap', () => {
  it('unaryForward refuses a y that partly overlaps x', () => {
    rt.step(() => {
      const blk = rt.temp([13]).set([0.5, -1, 2, -3, 4, -5, 6, -7, 8, -9, 10, -11, 0]);
      const x = new Tensor(rt, blk.ptr, [12]), y = new Tensor(rt, blk.ptr + 4, [12]);
      expect(() => unaryForward(rt, 'exp', x, y)).toThrow(/^wasmnn: exp: y and x partly overlap in memory$/);
      expect(() => unaryForward(rt, 'relu', y, x)).toThrow(/^wasmnn: relu: y and x partly overlap in memory$/);
    });
  });

  it('unaryBackward refuses a dx that partly overlaps x, y or dy', () => {
    rt.step(() => {
      const x = rt.temp([8]).set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]), y = rt.temp([8]);
      unaryForward(rt, 'tanh', x, y);
      const blk = rt.temp([9]).fill(1);
      const dy = new Tensor(rt, blk.ptr, [8]), dx = new Tensor(rt, blk.ptr + 4, [8]);
      expect(() => unaryBackward(rt, 'tanh', x, y, dy, dx)).toThrow(/^wasmnn: tanh backward: dx and dy partly overlap in memory$/);
      const xs = rt.temp([9]); xs.f32().set(x.f32());
      const x2 = new Tensor(rt, xs.ptr, [8]), dx2 = new Tensor(rt, xs.ptr + 4, [8]);
      expect(() => unaryBackward(rt, 'gelu', x2, y, rt.temp([8]).fill(1), dx2)).toThrow(/^wasmnn: gelu backward: dx and x partly overlap in memory$/);
      const ys = rt.temp([9]); ys.f32().set(y.f32());
      const y3 = new Tensor(rt, ys.ptr + 4, [8]), dx3 = new Tensor(rt, ys.ptr, [8]);
      expect(() => unaryBackward(rt, 'sigmoid', x, y3, rt.temp([8]).fill(1), dx3)).toThrow(/^wasmnn: sigmoid backward: dx and y partly overlap in memory$/);
    });
  });

  it('exact in-place calls still work and equal the out-of-place results, forward and backward', () => {
    rt.step(() => {
      const n = 37;
      const xv = Float32Array.from({ length: n }, (_, i) => 0.05 + ((i * 7919) % 97) / 40 - (i % 3 === 0 ? 1.2 : 0));
      const dyv = Float32Array.from({ length: n }, (_, i) => Math.sin(i) + 0.25);
      for (const op of UNARY_OPS) {
        const v = op === 'log' ? xv.map((a) => Math.abs(a) + 1e-3) : xv;
        const x = rt.temp([n]).set(v), y = rt.temp([n]);
        unaryForward(rt, op, x, y);
        const inPlace = rt.temp([n]).set(v);
        unaryForward(rt, op, inPlace, inPlace);
        expect(bits(inPlace.f32()), op).toEqual(bits(y.f32()));
        const dy = rt.temp([n]).set(dyv), dx = rt.temp([n]);
        unaryBackward(rt, op, x, y, dy, dx);
        const dyIn = rt.temp([n]).set(dyv);
        unaryBackward(rt, op, x, y, dyIn, dyIn);   // dx = dy
        expect(bits(dyIn.f32()), `${op} backward dx = dy`).toEqual(bits(dx.f32()));
        const yIn = rt.temp([n]); yIn.f32().set(y.f32());
        unaryBackward(rt, op, x, yIn, dy, yIn);    // dx = y
        expect(bits(yIn.f32()), `${op} backward dx = y`).toEqual(bits(dx.f32()));
      }
    });
  });
});

describe('kernel wrappers refuse unknown option names', () => {
  const t = () => rt.temp([1]);

  it('gemm', () => {
    rt.step(() => {
      const a = rt.temp([2, 2]).set([1, 2, 3, 4]), b = rt.temp([2, 2]).set([1, 0, 0, 0]), c = rt.temp([2, 2]);
      expect(() => gemm(rt, a, b, c, { transposeA: true } as never))
        .toThrow("wasmnn: gemm: unknown option 'transposeA'; did you mean 'transA'? (options: transA, transB, accumulate, bias, activation)");
      expect(() => gemm(rt, a, b, c, { accumulated: true } as never)).toThrow(/^wasmnn: gemm: unknown option 'accumulated'; did you mean 'accumulate'\?/);
      expect(() => gemm(rt, a, b, c, { transA: true, trans_b: true, foo: 1 } as never))
        .toThrow(/^wasmnn: gemm: unknown options 'trans_b' \(did you mean 'transB'\?\), 'foo' \(options: /);
      // the valid names still work, undefined values included
      gemm(rt, a, b, c, { transA: true, transB: undefined, bias: null, accumulate: false, activation: 'linear' });
      expect([...c.f32()]).toEqual([1, 0, 2, 0]);
    });
  });

  it('conv1d and conv1d backward (options and grads)', () => {
    rt.step(() => {
      const x = rt.temp([1, 5, 1]).set([1, 2, 3, 4, 5]), w = rt.temp([2, 1, 1]).fill(1), y = rt.temp([1, 4, 1]);
      expect(() => conv1d(rt, x, w, null, y, { dilationRate: 2 } as never))
        .toThrow("wasmnn: conv1d: unknown option 'dilationRate'; did you mean 'dilation'? (options: stride, dilation, padding, activation)");
      expect(() => conv1d(rt, x, w, null, y, { strides: 2 } as never)).toThrow(/^wasmnn: conv1d: unknown option 'strides'; did you mean 'stride'\?/);
      const dy = rt.temp([1, 4, 1]).fill(1);
      expect(() => conv1dBackward(rt, x, w, dy, { dw: rt.temp([2, 1, 1]) }, { paddding: 'valid' } as never))
        .toThrow(/^wasmnn: conv1d backward: unknown option 'paddding'; did you mean 'padding'\?/);
      expect(() => conv1dBackward(rt, x, w, dy, { dW: rt.temp([2, 1, 1]) } as never))
        .toThrow("wasmnn: conv1d backward (grads): unknown option 'dW'; did you mean 'dw'? (options: dx, dw, dbias)");
      conv1d(rt, x, w, null, y, { stride: 1, dilation: 1, padding: 'valid', activation: 'linear' });
      expect([...y.f32()]).toEqual([3, 5, 7, 9]);
    });
  });

  it('dropout, dropout backward and philox', () => {
    rt.step(() => {
      const x = rt.temp([4]).fill(1), y = rt.temp([4]);
      expect(() => dropout(rt, x, y, { p: 0.5, seed: 1 } as never))
        .toThrow("wasmnn: dropout: unknown option 'p'; did you mean 'rate'? (options: rate, seed, offset)");
      expect(() => dropoutBackward(rt, x, y, { rate: 0.5, seed: 1, ofset: 4 } as never))
        .toThrow(/^wasmnn: dropout backward: unknown option 'ofset'; did you mean 'offset'\?/);
      expect(() => philox(rt, rt.temp([1, 4], 'i32'), { counter: [0, 0, 0, 0], keys: [1, 2] } as never))
        .toThrow("wasmnn: philox: unknown option 'keys'; did you mean 'key'? (options: counter, key)");
    });
  });

  it('embedding bags and the row-sparse backwards', () => {
    rt.step(() => {
      const table = rt.temp([3, 2]).set([1, 1, 2, 2, 3, 3]), ids = rt.temp([2], 'i32').set([0, 2]), off = rt.temp([2], 'i32').set([0, 2]);
      const w = rt.temp([2]).set([10, 10]), out = rt.temp([1, 2]);
      expect(() => embeddingBag(rt, table, ids, off, out, { weight: w, mode: 'sum' } as never))
        .toThrow("wasmnn: embeddingBag: unknown option 'weight'; did you mean 'weights'? (options: weights, mode)");
      expect(() => embeddingBagBackward(rt, ids, off, out, rt.temp([3, 2]), { per_sample_weights: w } as never))
        .toThrow(/^wasmnn: embeddingBag backward: unknown option 'per_sample_weights'; did you mean 'weights'\?/);
      expect(() => embeddingRowsBackward(rt, ids, rt.temp([2, 2]), rt.temp([3, 2]), { accumulated: true } as never))
        .toThrow("wasmnn: embedding rows backward: unknown option 'accumulated'; did you mean 'accumulate'? (options: accumulate)");
      expect(() => embeddingBagRowsBackward(rt, ids, off, out, rt.temp([3, 2]), { Mode: 'mean' } as never))
        .toThrow("wasmnn: embeddingBag rows backward: unknown option 'Mode'; did you mean 'mode'? (options: weights, mode, accumulate)");
      embeddingBag(rt, table, ids, off, out, { weights: w, mode: 'sum' });
      expect([...out.f32()]).toEqual([40, 40]);
    });
  });

  it('lstmSequence, gruSequence and their backwards', () => {
    rt.step(() => {
      const xw = rt.temp([1, 2, 4]).set([1, 1, 1, 1, -1, -1, -1, -1]), u = rt.temp([1, 4]).fill(0), hs = rt.temp([1, 2, 1]), cs = rt.temp([1, 2, 1]);
      expect(() => lstmSequence(rt, { xw, u, hs, cs, goBackwards: true } as never)).toThrow(
        "wasmnn: lstmSequence: unknown option 'goBackwards'; did you mean 'reverse'? " +
        '(options: xw, xwRows, u, h0, c0, mask, hs, cs, gates, reverse, recurrentActivation, recurrentMask)');
      expect(() => lstmSequenceBackward(rt, { u, hs, cs, gates: t(), dz: t(), dU: t() } as never))
        .toThrow(/^wasmnn: lstmSequenceBackward: unknown option 'dU'; did you mean 'du'\?/);
      const u3 = rt.temp([1, 3]).fill(0), xw3 = rt.temp([1, 2, 3]).fill(0);
      expect(() => gruSequence(rt, { xw: xw3, u: u3, hs, gates: rt.temp([1, 2, 3]), rh: rt.temp([1, 2, 1]), recurrentActivaton: 'sigmoid' } as never))
        .toThrow(/^wasmnn: gruSequence: unknown option 'recurrentActivaton'; did you mean 'recurrentActivation'\?/);
      expect(() => gruSequenceBackward(rt, { u: u3, hs, gates: t(), rh: t(), dz: t(), go_backwards: true } as never))
        .toThrow(/^wasmnn: gruSequenceBackward: unknown option 'go_backwards'; did you mean 'reverse'\?/);
      // the real name works: reverse processes the last step first
      lstmSequence(rt, { xw, u, hs, cs, reverse: true });
      const rev = [...hs.f32()];
      lstmSequence(rt, { xw, u, hs, cs });
      expect(rev).not.toEqual([...hs.f32()]);
    });
  });

  it('layerNorm', () => {
    rt.step(() => {
      const x = rt.temp([1, 4]).set([0, 0, 0, 1e-3]), g = rt.temp([4]).fill(1), b = rt.temp([4]).fill(0);
      expect(() => layerNorm(rt, x, g, b, rt.temp([1, 4]), rt.temp([1]), rt.temp([1]), { eps: 1e-12 } as never))
        .toThrow("wasmnn: layerNorm: unknown option 'eps'; did you mean 'epsilon'? (options: epsilon)");
    });
  });

  it('optimizer updates', () => {
    rt.step(() => {
      const p = rt.temp([1]).set([1]), g = rt.temp([1]).set([1]), m = rt.temp([1]).fill(0), v = rt.temp([1]).fill(0);
      expect(() => adamUpdate(rt, p, g, m, v, { learningRate: 0.1, step: 1, beta_1: 0.5 } as never)).toThrow(
        "wasmnn: adam: unknown option 'beta_1'; did you mean 'beta1'? " +
        '(options: learningRate, beta1, beta2, epsilon, step, weightDecay, decoupled, biasCorrection1, biasCorrection2)');
      expect(() => sgdUpdate(rt, p, g, null, { lr: 0.1 } as never))
        .toThrow("wasmnn: sgd: unknown option 'lr'; did you mean 'learningRate'? (options: learningRate, momentum, nesterov, weightDecay, decoupled)");
      expect(() => rmspropUpdate(rt, p, g, m, null, null, { learningRate: 0.1, centred: true } as never))
        .toThrow(/^wasmnn: rmsprop: unknown option 'centred'; did you mean 'centered'\?/);
      expect(() => adagradUpdate(rt, p, g, m, { learning_rate: 0.1 } as never))
        .toThrow("wasmnn: adagrad: unknown option 'learning_rate'; did you mean 'learningRate'? (options: learningRate, epsilon)");
      expect([...p.f32(), ...m.f32()]).toEqual([1, 0]);   // nothing ran
      adamUpdate(rt, p, g, m, v, { learningRate: 0.1, step: 1, beta1: 0.5 });
      expect(m.f32()[0]).toBeCloseTo(0.5, 6);
    });
  });

  it('softmax cross-entropy and its backward', () => {
    rt.step(() => {
      const logits = rt.temp([1, 2]).set([0, 0]), lab = rt.temp([1], 'i32').set([0]), probs = rt.temp([1, 2]), loss = rt.temp([1]);
      expect(() => softmaxCrossEntropy(rt, logits, lab, { probs, losses: loss } as never))
        .toThrow("wasmnn: softmaxCrossEntropy: unknown option 'losses'; did you mean 'loss'? (options: weights, probs, loss)");
      softmaxCrossEntropy(rt, logits, lab, { probs, loss });
      const dl = rt.temp([1, 2]);
      expect(() => softmaxCrossEntropyBackward(rt, probs, lab, { dlogits: dl, scales: 0.5 } as never))
        .toThrow("wasmnn: softmaxCrossEntropy backward: unknown option 'scales'; did you mean 'scale'? (options: weights, dlogits, scale)");
      softmaxCrossEntropyBackward(rt, probs, lab, { dlogits: dl, scale: 0.5 });
      expect([...dl.f32()]).toEqual([-0.25, 0.25]);
    });
  });
});

describe('integers that would wrap in the kernels\' i32 arguments', () => {
  it('conv1d refuses a stride or dilation of 2^31 or more', () => {
    rt.step(() => {
      const x = rt.temp([1, 5, 1]).set([1, 2, 3, 4, 5]), w = rt.temp([2, 1, 1]).fill(1);
      for (const dilation of [2 ** 31, 2 ** 32, 2 ** 53 - 1]) {
        expect(() => conv1d(rt, x, w, null, rt.temp([1, 5, 1]), { dilation, padding: 'causal' }))
          .toThrow(`wasmnn: conv1d: dilation ${dilation} does not fit the kernel's 32-bit integer argument; dilation must be at most 2^31 - 1 (2147483647)`);
      }
      expect(() => conv1d(rt, x, w, null, rt.temp([1, 1, 1]), { stride: 2 ** 32 }))
        .toThrow(/^wasmnn: conv1d: stride 4294967296 does not fit the kernel's 32-bit integer argument/);
      expect(() => conv1dBackward(rt, x, w, rt.temp([1, 5, 1]), { dw: rt.temp([2, 1, 1]) }, { dilation: 2 ** 31, padding: 'same' }))
        .toThrow(/^wasmnn: conv1d backward: dilation 2147483648 does not fit/);
    });
  });

  it('conv1d refuses tap positions beyond 2^31 - 1 and takes large ones that fit', () => {
    rt.step(() => {
      const x = rt.temp([1, 5, 1]).set([1, 2, 3, 4, 5]);
      // K = 3 at dilation 2^30: the first tap is 2^31 steps back, which an i32 cannot hold
      const w3 = rt.temp([3, 1, 1]).fill(1);
      expect(() => conv1d(rt, x, w3, null, rt.temp([1, 5, 1]), { dilation: 2 ** 30, padding: 'causal' }))
        .toThrow(/^wasmnn: conv1d: stride 1 and dilation 1073741824 with kernel size 3, 5 steps and padding 'causal' need input positions up to 2147483652, beyond the kernel's 32-bit positions/);
      expect(() => conv1dBackward(rt, x, w3, rt.temp([1, 5, 1]), { dx: rt.temp([1, 5, 1]) }, { dilation: 2 ** 30, padding: 'causal' }))
        .toThrow(/^wasmnn: conv1d backward: stride 1 and dilation 1073741824 .* beyond the kernel's 32-bit positions/);
      // K = 2 at dilation 2^30 fits: the other tap always reads the padding, so y = x
      const w2 = rt.temp([2, 1, 1]).fill(1), y = rt.temp([1, 5, 1]);
      conv1d(rt, x, w2, null, y, { dilation: 2 ** 30, padding: 'causal' });
      expect([...y.f32()]).toEqual([1, 2, 3, 4, 5]);
      // 'same' at dilation 2^30: 2^29 zeros on the left, both taps always in the padding
      const y2 = rt.temp([1, 5, 1]).fill(7);
      conv1d(rt, x, w2, null, y2, { dilation: 2 ** 30, padding: 'same' });
      expect([...y2.f32()]).toEqual([0, 0, 0, 0, 0]);
      expect(() => conv1d(rt, x, w2, null, rt.temp([1, 5, 1]), { dilation: 2 ** 31 - 1, padding: 'same' }))
        .toThrow(/beyond the kernel's 32-bit positions/);
    });
  });

  it('conv1d refuses empty tensors whose sizes do not fit an i32', () => {
    rt.step(() => {
      const x = rt.temp([1, 2 ** 31, 0]), w = rt.temp([1, 0, 2]);
      expect(() => conv1d(rt, x, w, null, rt.temp([1]), {})).toThrow(/^wasmnn: conv1d: T \(steps\) is 2147483648/);
    });
  });

  it('a row selection refuses a dim of 2^31 or more', () => {
    rt.step(() => {
      const e = rt.temp([0]);
      expect(() => sgdUpdate(rt, e, rt.temp([0]), null, { learningRate: 0.1 }, { rows: rt.temp([0], 'i32'), dim: 2 ** 32 }))
        .toThrow(/^wasmnn: sgd: rows.dim must be a whole number >= 1 dividing the table's 0 values \(and at most 2\^31 - 1/);
    });
  });
});
