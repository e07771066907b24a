// Embedding(20000, 64) -> GRU(64) -> Dense(2, softmax), sequences of 100 random token ids: training
// and prediction speed against tfjs-layers on tfjs-backend-wasm and onnxruntime-web, in the same run;
// the GRU twin of bench/lstm.mjs (shared code: bench/_rnn.mjs). `npm run bench -- gru [--json]
// [--quick] [--reset-after]`
//
//   ours@1    wasmnn 'simd' build, 1 thread             tfjs@1  tfjs-layers 4.22 on tfjs-backend-wasm 4.22
//   ours@2    wasmnn 'simd-mt' build, 2 threads                 (SIMD build, 1 thread: its threads are off in node)
//   ours@2 fma  wasmnn 'simd-fma-mt' build, 2 threads (opt-in relaxed-SIMD fused multiply-add; node 20
//             turns on V8's relaxed SIMD flag for it at run time): not bit-exact with the others
//   ort@1/2   onnxruntime-web (wasm, SIMD) with ort.env.wasm.numThreads = 1 / 2: inference only, the same
//             model as one ONNX graph with a fused GRU op (built by bench/_onnx_gru.mjs)
//
// The GRU is tfjs-layers' (and Keras' reset_after=False): the reset gate multiplies h before the
// recurrent product, ONNX's GRU with linear_before_reset = 0. --reset-after runs our
// GRU({ resetAfter: true }) (Keras 2/3's default, the CuDNN form: r multiplies h · U_h + b_rec, with a
// (2, 3 x 64) bias) against ORT's GRU with linear_before_reset = 1; tfjs-layers 4.22 cannot build
// that layer (its GRUCell refuses reset_after), so tfjs is skipped and the output says so.
//
// Figures, data and checks as bench/lstm.mjs: training samples/s (model.fit, batch 32, Adam, sparse
// categorical cross-entropy), one-sequence latency (B = 1), batch-32 sequences/s; every
// implementation starts from our seeded weights (the GRU's bias, zeros at init, set to seeded values
// so the check covers its layout) and its probabilities must agree with ours within 1e-5 before
// anything is timed. tfjs-backend-wasm trains the Embedding only with the
// UnsortedSegmentSum kernel this bench registers (plain JS, bench/_rnn.mjs), and the output says so.
import os from 'node:os';
import { gruClassifierOnnx } from './_onnx_gru.mjs';
import { V, E, H, C, SEED, benchData, loadOurs, opts, oursAll, ortBoth, report, seededWeights, tfjsRun } from './_rnn.mjs';

// Probabilities must agree this closely before anything is timed.
const AGREE = 1e-5;

function oursModel(W, resetAfter) {
  return new W.Sequential([
    new W.Embedding({ inputDim: V, outputDim: E }),
    new W.GRU(resetAfter ? { units: H, resetAfter: true } : { units: H }),
    new W.Dense({ units: C, activation: 'softmax' }),
  ], { seed: SEED });
}

// Keras' GRU (sigmoid gates; tfjs defaults to hardSigmoid). glorotUniform recurrent initializer as in
// bench/lstm.mjs (tfjs 4.22's orthogonal one fails on the LSTM's matrix); the weights are ours anyway.
const tfjsGru = (tfl) => tfl.layers.gru({ units: H, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' });

/** Why tfjs cannot run the resetAfter model: what tfjs-layers says when asked for the layer. */
async function tfjsResetAfterRefusal() {
  try {
    const tfl = await import('@tensorflow/tfjs-layers');
    tfl.layers.gru({ units: H, resetAfter: true });
    return 'this tfjs-layers builds GRU({ resetAfter: true }), but the bench does not run it (tfjs-layers 4.22 refused it)';
  } catch (e) {
    return `tfjs-layers cannot build GRU({ resetAfter: true }) ("${String(e?.message ?? e).split('\n')[0]}"): no tfjs figures`;
  }
}

/**
 * The GRU's bias starts at zeros; seeded values in [-0.5, 0.5) instead, so the agreement checks also
 * cover where the bias goes (ONNX's Wb and Rb; with resetAfter its recurrent row inside r ⊙ (...)).
 */
function withBias(weights) {
  let s = 12345;
  return weights.map((w) => (w.name !== 'gru/bias' ? w : {
    ...w, values: Float32Array.from(w.values, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 - 0.5; }),
  }));
}

export default async function main(args) {
  const known = ['--json', '--quick', '--reset-after'];
  const unknown = args.filter((a) => !known.includes(a));
  if (unknown.length) throw new Error(`bench gru: unknown option ${unknown.join(' ')}; the options are ${known.join(' ')}`);
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const resetAfter = args.includes('--reset-after');
  const o = opts(quick);
  const loadBefore = os.loadavg();
  const started = new Date().toISOString();
  const W = await loadOurs();

  // the weights every implementation starts from: ours, seeded
  const makeModel = (w) => oursModel(w, resetAfter);
  const data = benchData();
  const weights = withBias(await seededWeights(W, makeModel));

  const { ours1, ours2, oursFma, oursSame } = await oursAll(W, makeModel, weights, data, o);

  // ONNX file with the same weights, our predictions to compare with, then ORT at 1 and 2 threads
  const w = Object.fromEntries(weights.map((x) => [x.name, x.values]));
  const [ort1, ort2] = ortBoth(gruClassifierOnnx({
    V, E, H, C, resetAfter, embeddings: w['embedding/embeddings'], kernel: w['gru/kernel'], recurrentKernel: w['gru/recurrent_kernel'],
    bias: w['gru/bias'], denseKernel: w['dense/kernel'], denseBias: w['dense/bias'],
  }), data, ours1.check, quick, AGREE, resetAfter ? 'gru-reset-after' : 'gru');

  let tfjs;
  if (resetAfter) tfjs = { skipped: await tfjsResetAfterRefusal() };
  else {
    try { tfjs = await tfjsRun({ recurrent: tfjsGru, layerName: 'gru', weights, data, ours: ours1.check, o, agree: AGREE }); } catch (e) { tfjs = { error: String(e?.message ?? e).split('\n')[0] }; }
  }
  const loadAfter = os.loadavg();

  report({
    bench: 'gru', json, started, loadBefore, loadAfter, ours1, ours2, oursFma, oursSame, tfjs, ort1, ort2,
    model: `Embedding(${V}, ${E}) -> GRU(${H}${resetAfter ? ', resetAfter: true' : ''}) -> Dense(${C}, softmax)`,
    notes: [resetAfter
      ? 'GRU: reset gate after the recurrent product (Keras reset_after=True), bias (2, 3H); ORT: one GRU op, linear_before_reset = 1, B = [bias[0], bias[1]]'
      : 'GRU: reset gate before the recurrent product (tfjs-layers, Keras reset_after=False); ORT: one GRU op, linear_before_reset = 0'],
    head: { reset_after: resetAfter },
    extra: { agree: AGREE, tfjs_skipped: tfjs.skipped ?? null },
  });
}
