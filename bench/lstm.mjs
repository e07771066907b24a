// Embedding(20000, 64) -> LSTM(64) -> Dense(2, softmax), sequences of 100 random token ids:
// training and prediction speed against tfjs-layers on tfjs-backend-wasm and onnxruntime-web, in
// the same run. `npm run bench -- lstm [--json] [--quick] [--breakdown [--fma]]`
// (--breakdown: ours only, the time of every kernel call in a prediction and a training step;
// with --fma on the opt-in fused multiply-add builds 'simd-fma' / 'simd-fma-mt')
//
//   ours@1    wasmnn 'simd' build, 1 thread             tfjs@1  tfjs-layers 4.22 on tfjs-backend-wasm 4.22
//   ours@2    wasmnn 'simd-mt' build, 2 threads                 (SIMD build, 1 thread: its threads are off in node)
//   ours@2 fma  wasmnn 'simd-fma-mt' build, 2 threads (opt-in relaxed-SIMD fused multiply-add; node 20
//             turns on V8's relaxed SIMD flag for it at run time): not bit-exact with the others
//   ort@1/2   onnxruntime-web (wasm, SIMD) with ort.env.wasm.numThreads = 1 / 2: inference only, the same
//             model as one ONNX graph with a fused LSTM op (built by bench/_onnx_lstm.mjs)
//
// Figures: training samples/s (model.fit, batch 32, Adam, sparse categorical cross-entropy), the
// latency of predicting one sequence (B = 1) and batch-32 prediction throughput (sequences/s). Every
// implementation starts from the same weights (ours, seeded) and its predictions are checked against
// ours before any timing (max abs difference of the probabilities printed). Each prediction call goes
// from a JS array of ids to a JS array of probabilities (input tensor made, output read back).
// Training data: 256 sequences of uniform random ids, labels alternating 0/1.
//
// tfjs-backend-wasm cannot train this model as shipped: the gradient of the embedding gather needs
// UnsortedSegmentSum, which it does not register. The bench registers a plain JS kernel for it (below)
// and says so in its output. onnxruntime-web runs in child processes, one per thread count, because
// numThreads is read once per process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { timeit, median, machine, table, tfjsWasmOneThread } from './_util.mjs';
import { lstmClassifierOnnx } from './_onnx_lstm.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');

const V = 20000, E = 64, H = 64, C = 2, T = 100, BATCH = 32;
const TRAIN_N = 256;            // samples per timed fit() call of ours (8 batches)
const TFJS_TRAIN_N = 128;       // tfjs trains far slower: 4 batches per timed call
const SEED = 7;
// Targets (the issue): training at 2 threads, one-sequence latency, batch-32 throughput against ORT.
const TARGET_TRAIN_2 = 2500, TARGET_LATENCY_MS = 0.25, TARGET_VS_ORT = 1.5;
// Probabilities must agree this closely before anything is timed.
const AGREE = 1e-4;

function ids(n, seed) {
  const out = new Int32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = Math.floor((s / 4294967296) * V); }
  return out;
}

const maxAbsDiff = (a, b) => {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

// Runs fn for at least warmMs (V8 tiers wasm and JS up after the first calls), then times it.
function measureSync(fn, { warmMs, reps, minSeconds }) {
  const t0 = performance.now();
  while (performance.now() - t0 < warmMs) fn();
  return timeit(fn, { warmup: 1, reps, minSeconds });
}

// The same for async functions (fit, ORT's run): seconds per call, median of reps samples.
async function measureAsync(fn, { warmMs, reps, minSeconds, warmCalls = 1 }) {
  const t0 = performance.now();
  for (let i = 0; i < warmCalls || performance.now() - t0 < warmMs; i++) await fn();
  let inner = 1;
  for (;;) {
    const s = performance.now();
    for (let i = 0; i < inner; i++) await fn();
    if ((performance.now() - s) / 1000 >= minSeconds || inner >= 1 << 20) break;
    inner *= 2;
  }
  const samples = [];
  for (let r = 0; r < reps; r++) {
    const s = performance.now();
    for (let i = 0; i < inner; i++) await fn();
    samples.push((performance.now() - s) / 1000 / inner);
  }
  return { median: median(samples), samples, inner };
}

function opts(quick) {
  return quick
    ? { pred: { warmMs: 150, reps: 3, minSeconds: 0.05 }, train: { warmMs: 200, reps: 3, minSeconds: 0.2 }, tfTrain: { warmMs: 0, reps: 2, minSeconds: 0 } }
    : { pred: { warmMs: 400, reps: 7, minSeconds: 0.1 }, train: { warmMs: 500, reps: 5, minSeconds: 0.5 }, tfTrain: { warmMs: 0, reps: 3, minSeconds: 0 } };
}

// ---- ours --------------------------------------------------------------------------------------

async function loadOurs() {
  return import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
}

function oursModel(W) {
  return new W.Sequential([
    new W.Embedding({ inputDim: V, outputDim: E }),
    new W.LSTM({ units: H }),
    new W.Dense({ units: C, activation: 'softmax' }),
  ], { seed: SEED });
}

async function oursRun(W, threads, weights, data, o, fma = false) {
  const rt = await W.Runtime.create(threads === 1 ? { build: fma ? 'simd-fma' : 'simd', threads: 1 } : { build: fma ? 'simd-fma-mt' : 'simd-mt', threads });
  try {
    const m = oursModel(W);
    m.build([T], rt);
    m.setWeights(weights);
    m.compile({ optimizer: new W.Adam({ learningRate: 0.001 }), loss: 'sparseCategoricalCrossentropy' });
    const check = m.predict({ data: data.check, shape: [BATCH, T] }, { batchSize: BATCH }).data;
    const x1 = { data: data.check.subarray(0, T), shape: [1, T] };
    const x32 = { data: data.check, shape: [BATCH, T] };
    const p1 = measureSync(() => m.predict(x1), o.pred).median;
    const p32 = measureSync(() => m.predict(x32, { batchSize: BATCH }), o.pred).median;
    const xt = { data: data.train, shape: [TRAIN_N, T] };
    const tr = (await measureAsync(() => m.fit(xt, data.labels, { batchSize: BATCH, epochs: 1 }), o.train)).median;
    const env = rt.env();
    m.dispose();
    return { threads: env.threads, build: env.build, check, latencyMs: p1 * 1e3, seqPerS: BATCH / p32, trainPerS: TRAIN_N / tr };
  } finally {
    await rt.close();
  }
}

// Where our time goes (--breakdown): rt.run wrapped to time every kernel call, per kernel (gemm
// per shape), in ms per operation; 'host' is the rest (JS: graph, checks, copies, allocation).
function instrument(rt) {
  const acc = new Map();
  const run = rt.run.bind(rt);
  rt.run = (name, work, args, nth) => {
    const t0 = performance.now();
    run(name, work, args, nth);
    const dt = performance.now() - t0;
    const used = nth ?? rt.threadsFor(work);
    let key = name;
    if (name === 'f32_gemm_fwd') key += ` ${args[5]}x${args[6]}x${args[7]}${args[8] ? ' tA' : ''}${args[9] ? ' tB' : ''}`;
    key += ` @${used}`;
    const e = acc.get(key) ?? { ms: 0, calls: 0 };
    e.ms += dt; e.calls++;
    acc.set(key, e);
  };
  return acc;
}

async function oursBreakdown(W, threads, weights, data, quick, fma = false) {
  const rt = await W.Runtime.create(threads === 1 ? { build: fma ? 'simd-fma' : 'simd', threads: 1 } : { build: fma ? 'simd-fma-mt' : 'simd-mt', threads });
  const rows = [];
  try {
    const m = oursModel(W);
    m.build([T], rt);
    m.setWeights(weights);
    m.compile({ optimizer: new W.Adam({ learningRate: 0.001 }), loss: 'sparseCategoricalCrossentropy' });
    const x1 = { data: data.check.subarray(0, T), shape: [1, T] };
    const x32 = { data: data.check, shape: [BATCH, T] };
    const xt = { data: data.train, shape: [TRAIN_N, T] };
    const ops = [
      ['predict B=1', 1, () => m.predict(x1)],
      ['predict B=32', 1, () => m.predict(x32, { batchSize: BATCH })],
      ['train step B=32', TRAIN_N / BATCH, () => m.fit(xt, data.labels, { batchSize: BATCH, epochs: 1 })],
    ];
    for (const [op, per, fn] of ops) {
      const t0 = performance.now();
      while (performance.now() - t0 < (quick ? 300 : 1000)) await fn();
      const acc = instrument(rt);
      const reps = quick ? 5 : 20;
      const s = performance.now();
      for (let i = 0; i < reps; i++) await fn();
      const total = (performance.now() - s) / (reps * per);
      delete rt.run;   // back to the prototype's
      let kernels = 0;
      const parts = [...acc].map(([k, e]) => ({ k, ms: e.ms / (reps * per), calls: e.calls / (reps * per) })).sort((a, b) => b.ms - a.ms);
      for (const p of parts) kernels += p.ms;
      rows.push({ threads, op, part: 'total', ms: total, share: 1, calls: '' });
      for (const p of parts) rows.push({ threads, op, part: p.k, ms: p.ms, share: p.ms / total, calls: p.calls });
      rows.push({ threads, op, part: 'host (rest)', ms: total - kernels, share: (total - kernels) / total, calls: '' });
    }
    m.dispose();
  } finally {
    await rt.close();
  }
  return rows;
}

// ---- tfjs-layers on tfjs-backend-wasm ----------------------------------------------------------

// UnsortedSegmentSum for the wasm backend, in plain JS: out[segmentIds[i]] += x[i] over rows of x.
// tfjs-backend-wasm 4.22 lacks it, and the embedding's gradient (the gather's) is built from it.
function registerSegmentSum(tf) {
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs;
      const n = attrs.numSegments;
      const row = x.shape.slice(1).reduce((a, b) => a * b, 1);
      const xv = backend.readSync(x.dataId);
      const seg = backend.readSync(segmentIds.dataId);
      const out = backend.makeOutput([n, ...x.shape.slice(1)], x.dtype);
      const o = backend.typedArrayFromHeap(out);   // a view of the wasm heap: read inputs first
      o.fill(0);
      for (let i = 0; i < seg.length; i++) {
        const s = seg[i];
        if (s < 0 || s >= n) continue;
        const dst = s * row, src = i * row;
        for (let j = 0; j < row; j++) o[dst + j] += xv[src + j];
      }
      return out;
    },
  });
}

async function tfjsRun(weights, data, ours, o) {
  const { tf, tfl, wasm } = await tfjsWasmOneThread();
  tf.env().set('PROD', true);
  const registered = !tf.getKernel('UnsortedSegmentSum', 'wasm');
  if (registered) registerSegmentSum(tf);
  const info = { threads: wasm.getThreadsCount(), simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), registered };
  // Keras' LSTM (sigmoid gates; tfjs defaults to hardSigmoid). The orthogonal initializer of tfjs
  // 4.22 fails on a 64 x 256 matrix (rMat.flatten is not a function); the weights are ours anyway.
  const m = tfl.sequential({
    layers: [
      tfl.layers.embedding({ inputDim: V, outputDim: E, inputShape: [T] }),
      tfl.layers.lstm({ units: H, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' }),
      tfl.layers.dense({ units: C, activation: 'softmax' }),
    ],
  });
  const byName = Object.fromEntries(weights.map((w) => [w.name, w]));
  const t = (name) => tf.tensor(byName[name].values, byName[name].shape);
  m.layers[0].setWeights([t('embedding/embeddings')]);
  m.layers[1].setWeights([t('lstm/kernel'), t('lstm/recurrent_kernel'), t('lstm/bias')]);
  m.layers[2].setWeights([t('dense/kernel'), t('dense/bias')]);
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy' });
  const predict = (x, n) => tf.tidy(() => {
    const xt = tf.tensor2d(x, [n, T], 'int32');
    return m.predict(xt, { batchSize: BATCH }).dataSync();
  });
  info.maxDiff = maxAbsDiff(predict(data.check, BATCH), ours);
  if (!(info.maxDiff <= AGREE)) return { ...info, error: `its predictions differ from ours by ${info.maxDiff}` };
  const x1 = data.check.subarray(0, T);
  info.latencyMs = measureSync(() => predict(x1, 1), o.pred).median * 1e3;
  info.seqPerS = BATCH / measureSync(() => predict(data.check, BATCH), o.pred).median;
  const xt = tf.tensor2d(data.train.subarray(0, TFJS_TRAIN_N * T), [TFJS_TRAIN_N, T], 'int32');
  const yt = tf.tensor1d(Float32Array.from(data.labels.subarray(0, TFJS_TRAIN_N)));
  const tr = await measureAsync(() => m.fit(xt, yt, { batchSize: BATCH, epochs: 1, verbose: 0 }), o.tfTrain);
  info.trainPerS = TFJS_TRAIN_N / tr.median;
  tf.dispose([xt, yt]);
  m.dispose();
  return info;
}

// ---- onnxruntime-web (child processes) ---------------------------------------------------------

function ortRun(dir, threads, quick) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--ort-child', dir, String(threads), quick ? 'quick' : 'full'],
    { cwd: root, encoding: 'utf8', timeout: 300_000 });
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('{'));
  if (!line) return { error: `the onnxruntime-web child failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' / ')}` };
  return JSON.parse(line);
}

async function ortChild(dir, threads, quick) {
  const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
  try {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    const tasks = () => { try { return readdirSync('/proc/self/task').length; } catch { return NaN; } };
    const before = tasks();
    const session = await ort.InferenceSession.create(readFileSync(path.join(dir, 'model.onnx')), { executionProviders: ['wasm'] });
    // copies: a small Buffer is a slice of a shared pool, at any offset
    const bytes = (f) => Uint8Array.from(readFileSync(path.join(dir, f))).buffer;
    const check = new Int32Array(bytes('check.i32'));
    const ours = new Float32Array(bytes('ours.f32'));
    const predict = async (x, n) => (await session.run({ ids: new ort.Tensor('int32', x, [n, T]) })).probs.data;
    const maxDiff = maxAbsDiff(await predict(check, BATCH), ours);
    // worker threads ORT started (Linux: threads of this process), to show numThreads took effect
    const extraThreads = tasks() - before;
    if (!(maxDiff <= AGREE)) { say({ maxDiff, extraThreads, error: `its predictions differ from ours by ${maxDiff}` }); process.exit(0); }
    const o = opts(quick).pred;
    const x1 = check.slice(0, T);
    const latencyMs = (await measureAsync(() => predict(x1, 1), o)).median * 1e3;
    const seqPerS = BATCH / (await measureAsync(() => predict(check, BATCH), o)).median;
    say({ threads, extraThreads, maxDiff, latencyMs, seqPerS, version: ort.env.versions?.web ?? null });
  } catch (e) {
    say({ error: String(e?.message ?? e).split('\n')[0] });
  }
  process.exit(0);   // ORT's pthreads keep node alive otherwise
}

// ---- the report --------------------------------------------------------------------------------

const fmt = (x, d = 1) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');
const ratio = (a, b) => fmt(a / b, 2);

export default async function main(args) {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const o = opts(quick);
  const loadBefore = os.loadavg();
  const started = new Date().toISOString();
  const W = await loadOurs();

  // the weights every implementation starts from: ours, seeded
  const data = { check: ids(BATCH * T, 1), train: ids(TRAIN_N * T, 2), labels: Int32Array.from({ length: TRAIN_N }, (_, i) => i & 1) };
  const rt0 = await W.Runtime.create({ build: 'simd', threads: 1 });
  const m0 = oursModel(W);
  m0.build([T], rt0);
  const weights = m0.getWeights();
  m0.dispose();
  await rt0.close();

  if (args.includes('--breakdown')) {
    const fma = args.includes('--fma');
    const rows = [...await oursBreakdown(W, 1, weights, data, quick, fma), ...await oursBreakdown(W, 2, weights, data, quick, fma)];
    if (json) { for (const r of rows) console.log(JSON.stringify({ bench: 'lstm-breakdown', ...r })); return; }
    console.log(`lstm --breakdown: ${machine()}, ${started}, load ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`builds: ${fma ? "'simd-fma' @1, 'simd-fma-mt' @2 (fused multiply-add)" : "'simd' @1, 'simd-mt' @2"}`);
    console.log('ours only: ms per operation (a train step is one batch of fit()), per kernel (gemm: M x N x K) and thread count used');
    table(rows.map((r) => ({ ...r, ms: r.ms.toFixed(3), share: `${(100 * r.share).toFixed(1)}%`, calls: r.calls === '' ? '' : fmt(r.calls, 0) })),
      ['threads', 'op', 'part', 'ms', 'share', 'calls']);
    return;
  }

  const ours1 = await oursRun(W, 1, weights, data, o);
  const ours2 = await oursRun(W, 2, weights, data, o);
  const oursSame = maxAbsDiff(ours1.check, ours2.check);
  // the opt-in fma build at 2 threads (it turns relaxed SIMD on for this process; the others are unaffected)
  let oursFma;
  try { oursFma = await oursRun(W, 2, weights, data, o, true); oursFma.maxDiff = maxAbsDiff(ours2.check, oursFma.check); } catch (e) { oursFma = { error: String(e?.message ?? e).split('\n')[0] }; }

  // ONNX file with the same weights, our predictions to compare with, then ORT at 1 and 2 threads
  const w = Object.fromEntries(weights.map((x) => [x.name, x.values]));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmnn-bench-lstm-'));
  let ort1, ort2;
  try {
    writeFileSync(path.join(dir, 'model.onnx'), lstmClassifierOnnx({
      V, E, H, C, embeddings: w['embedding/embeddings'], kernel: w['lstm/kernel'], recurrentKernel: w['lstm/recurrent_kernel'],
      bias: w['lstm/bias'], denseKernel: w['dense/kernel'], denseBias: w['dense/bias'],
    }));
    writeFileSync(path.join(dir, 'check.i32'), new Uint8Array(data.check.buffer));
    writeFileSync(path.join(dir, 'ours.f32'), new Uint8Array(ours1.check.buffer, ours1.check.byteOffset, ours1.check.byteLength));
    ort1 = ortRun(dir, 1, quick);
    ort2 = ortRun(dir, 2, quick);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  let tfjs;
  try { tfjs = await tfjsRun(weights, data, ours1.check, o); } catch (e) { tfjs = { error: String(e?.message ?? e).split('\n')[0] }; }
  const loadAfter = os.loadavg();

  const targets = {
    train2: ours2.trainPerS >= TARGET_TRAIN_2,
    latency: Math.min(ours1.latencyMs, ours2.latencyMs) <= TARGET_LATENCY_MS,
    vsOrt1: ours1.seqPerS >= TARGET_VS_ORT * ort1.seqPerS,
    vsOrt2: ours2.seqPerS >= TARGET_VS_ORT * ort2.seqPerS,
  };

  if (json) {
    const head = { bench: 'lstm', machine: machine(), date: started, load_before: loadBefore, load_after: loadAfter,
      ours_1_vs_2_max_abs_diff: oursSame, tfjs_max_abs_diff: tfjs.maxDiff ?? null, tfjs_registered_unsorted_segment_sum: tfjs.registered ?? null,
      ort_1_max_abs_diff: ort1.maxDiff ?? null, ort_2_max_abs_diff: ort2.maxDiff ?? null, ort_extra_threads: [ort1.extraThreads ?? null, ort2.extraThreads ?? null],
      ours_fma_vs_2_max_abs_diff: oursFma.maxDiff ?? null, ours_fma_error: oursFma.error ?? null,
      tfjs_error: tfjs.error ?? null, ort_1_error: ort1.error ?? null, ort_2_error: ort2.error ?? null, targets };
    console.log(JSON.stringify(head));
    const line = (impl, threads, r) => console.log(JSON.stringify({
      bench: 'lstm', impl, threads, train_samples_per_s: r.trainPerS ?? null, latency_ms_b1: r.latencyMs ?? null, seq_per_s_b32: r.seqPerS ?? null,
    }));
    line('ours', 1, ours1); line('ours', 2, ours2); line('ours-fma', 2, oursFma); line('tfjs-wasm', 1, tfjs); line('ort-web', 1, ort1); line('ort-web', 2, ort2);
    return;
  }

  const yes = (b) => (b ? 'met' : 'NOT met');
  console.log(`lstm: ${machine()}, ${started}`);
  console.log(`model: Embedding(${V}, ${E}) -> LSTM(${H}) -> Dense(${C}, softmax), T = ${T}, batch ${BATCH}, Adam, random ids`);
  console.log(`load average (1, 5, 15 min): ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after`);
  console.log(`ours: @1 ${ours1.build} build, @2 ${ours2.build} build with ${ours2.threads} threads; predictions @1 vs @2 max abs diff ${oursSame}`);
  if (oursFma.error) console.log(`ours@2 fma unavailable: ${oursFma.error}`);
  else console.log(`ours@2 fma: ${oursFma.build} build with ${oursFma.threads} threads (relaxed-SIMD fused multiply-add, opt-in); predictions vs ours@2 max abs diff ${oursFma.maxDiff.toExponential(2)}`);
  if (tfjs.error) console.log(`tfjs-wasm unavailable: ${tfjs.error}`);
  else {
    console.log(`tfjs-wasm: ${tfjs.threads} thread, SIMD ${tfjs.simd}; predictions vs ours max abs diff ${tfjs.maxDiff.toExponential(2)}`);
    if (tfjs.registered) console.log('tfjs-wasm: UnsortedSegmentSum registered by this bench (plain JS kernel): tfjs-backend-wasm 4.22 lacks it and cannot train an Embedding without it');
  }
  for (const [n, r] of [[1, ort1], [2, ort2]]) {
    if (r.error) console.log(`ort@${n} unavailable: ${r.error}`);
    else console.log(`ort@${n}: onnxruntime-web ${r.version ?? ''} numThreads ${n} (${r.extraThreads} worker thread${r.extraThreads === 1 ? '' : 's'} started); predictions vs ours max abs diff ${r.maxDiff.toExponential(2)}`);
  }
  const rows = [
    { figure: 'train samples/s', 'ours@1': fmt(ours1.trainPerS, 0), 'ours@2': fmt(ours2.trainPerS, 0), 'ours@2 fma': fmt(oursFma.trainPerS, 0), 'tfjs@1': fmt(tfjs.trainPerS, 1), 'ort@1': '-', 'ort@2': '-',
      'ours/tfjs@1': ratio(ours1.trainPerS, tfjs.trainPerS), 'ours/ort@1': '-', 'ours/ort@2': '-' },
    { figure: 'predict B=1 ms', 'ours@1': fmt(ours1.latencyMs, 3), 'ours@2': fmt(ours2.latencyMs, 3), 'ours@2 fma': fmt(oursFma.latencyMs, 3), 'tfjs@1': fmt(tfjs.latencyMs, 2), 'ort@1': fmt(ort1.latencyMs, 3), 'ort@2': fmt(ort2.latencyMs, 3),
      // a speed ratio: > 1 means ours is faster
      'ours/tfjs@1': ratio(tfjs.latencyMs, ours1.latencyMs), 'ours/ort@1': ratio(ort1.latencyMs, ours1.latencyMs), 'ours/ort@2': ratio(ort2.latencyMs, ours2.latencyMs) },
    { figure: 'predict B=32 seq/s', 'ours@1': fmt(ours1.seqPerS, 0), 'ours@2': fmt(ours2.seqPerS, 0), 'ours@2 fma': fmt(oursFma.seqPerS, 0), 'tfjs@1': fmt(tfjs.seqPerS, 0), 'ort@1': fmt(ort1.seqPerS, 0), 'ort@2': fmt(ort2.seqPerS, 0),
      'ours/tfjs@1': ratio(ours1.seqPerS, tfjs.seqPerS), 'ours/ort@1': ratio(ours1.seqPerS, ort1.seqPerS), 'ours/ort@2': ratio(ours2.seqPerS, ort2.seqPerS) },
  ];
  table(rows, ['figure', 'ours@1', 'ours@2', 'ours@2 fma', 'tfjs@1', 'ort@1', 'ort@2', 'ours/tfjs@1', 'ours/ort@1', 'ours/ort@2']);
  console.log('Medians; ratios are speed ratios (> 1: ours faster; for latency, theirs / ours). Each call goes from JS ids to JS probabilities.');
  console.log(`targets: training@2 >= ${TARGET_TRAIN_2} samples/s: ${yes(targets.train2)}; one sequence <= ${TARGET_LATENCY_MS} ms: ${yes(targets.latency)}; ` +
    `batch 32 >= ${TARGET_VS_ORT}x ORT: @1 ${yes(targets.vsOrt1)}, @2 ${yes(targets.vsOrt2)}`);
}

if (process.argv[2] === '--ort-child' && process.argv[1] === fileURLToPath(import.meta.url)) {
  await ortChild(process.argv[3], Number(process.argv[4]), process.argv[5] === 'quick');
}
