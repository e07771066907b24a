// Shared by the recurrent-classifier benchmarks, bench/lstm.mjs and bench/gru.mjs: the model's
// sizes and data, timing, our runs, tfjs-layers on tfjs-backend-wasm (with the UnsortedSegmentSum
// kernel it lacks), onnxruntime-web in child processes, and the report (table or --json lines).
//
// The model: Embedding(V, E) -> recurrent layer (H units) -> Dense(C, softmax), sequences of T random
// token ids. Figures: training samples/s (model.fit, batch 32, Adam, sparse categorical
// cross-entropy), the latency of predicting one sequence (B = 1) and batch-32 prediction throughput
// (sequences/s). Every implementation starts from the same weights (ours, seeded) and its predictions
// are checked against ours before any timing. Each prediction call goes from a JS array of ids to a
// JS array of probabilities (input tensor made, output read back). Training data: TRAIN_N sequences
// of uniform random ids, labels alternating 0/1.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { timeit, median, machine, table, tfjsWasmOneThread } from './_util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');

export const V = 20000, E = 64, H = 64, C = 2, T = 100, BATCH = 32;
export const TRAIN_N = 256;            // samples per timed fit() call of ours (8 batches)
export const TFJS_TRAIN_N = 128;       // tfjs trains far slower: 4 batches per timed call
export const SEED = 7;

export function ids(n, seed) {
  const out = new Int32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = Math.floor((s / 4294967296) * V); }
  return out;
}

/** The ids every implementation predicts (check: one batch) and trains on, with their labels. */
export function benchData() {
  return { check: ids(BATCH * T, 1), train: ids(TRAIN_N * T, 2), labels: Int32Array.from({ length: TRAIN_N }, (_, i) => i & 1) };
}

export const maxAbsDiff = (a, b) => {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

// Runs fn for at least warmMs (V8 tiers wasm and JS up after the first calls), then times it.
export function measureSync(fn, { warmMs, reps, minSeconds }) {
  const t0 = performance.now();
  while (performance.now() - t0 < warmMs) fn();
  return timeit(fn, { warmup: 1, reps, minSeconds });
}

// The same for async functions (fit, ORT's run): seconds per call, median of reps samples.
export async function measureAsync(fn, { warmMs, reps, minSeconds, warmCalls = 1 }) {
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

export function opts(quick) {
  return quick
    ? { pred: { warmMs: 150, reps: 3, minSeconds: 0.05 }, train: { warmMs: 200, reps: 3, minSeconds: 0.2 }, tfTrain: { warmMs: 0, reps: 2, minSeconds: 0 } }
    : { pred: { warmMs: 400, reps: 7, minSeconds: 0.1 }, train: { warmMs: 500, reps: 5, minSeconds: 0.5 }, tfTrain: { warmMs: 0, reps: 3, minSeconds: 0 } };
}

// ---- ours --------------------------------------------------------------------------------------

export async function loadOurs() {
  return import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
}

/** A runtime for ours@threads: 'simd' at 1 thread, 'simd-mt' at more; their fma builds with fma. */
export function oursRuntime(W, threads, fma = false) {
  return W.Runtime.create(threads === 1 ? { build: fma ? 'simd-fma' : 'simd', threads: 1 } : { build: fma ? 'simd-fma-mt' : 'simd-mt', threads });
}

/** The weights every implementation starts from: makeModel(W)'s, seeded, built on a one-thread runtime. */
export async function seededWeights(W, makeModel) {
  const rt0 = await W.Runtime.create({ build: 'simd', threads: 1 });
  const m0 = makeModel(W);
  m0.build([T], rt0);
  const weights = m0.getWeights();
  m0.dispose();
  await rt0.close();
  return weights;
}

/** makeModel(W) (an unbuilt Sequential) with the given weights: its batch-32 predictions, latency, throughput and training speed. */
export async function oursRun(W, makeModel, threads, weights, data, o, fma = false) {
  const rt = await oursRuntime(W, threads, fma);
  try {
    const m = makeModel(W);
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

/** ours@1, ours@2 and ours@2 fma (the opt-in build; it turns relaxed SIMD on for this process, the others are unaffected). */
export async function oursAll(W, makeModel, weights, data, o) {
  const ours1 = await oursRun(W, makeModel, 1, weights, data, o);
  const ours2 = await oursRun(W, makeModel, 2, weights, data, o);
  let oursFma;
  try { oursFma = await oursRun(W, makeModel, 2, weights, data, o, true); oursFma.maxDiff = maxAbsDiff(ours2.check, oursFma.check); } catch (e) { oursFma = { error: String(e?.message ?? e).split('\n')[0] }; }
  return { ours1, ours2, oursFma, oursSame: maxAbsDiff(ours1.check, ours2.check) };
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

/**
 * tfjs-layers' Embedding -> recurrent(tfl) -> Dense(softmax) with our weights (the recurrent layer's
 * are weights named `${layerName}/kernel`, `/recurrent_kernel`, `/bias`); its predictions must agree
 * with ours within agree before anything is timed.
 */
export async function tfjsRun({ recurrent, layerName, weights, data, ours, o, agree }) {
  const { tf, tfl, wasm } = await tfjsWasmOneThread();
  tf.env().set('PROD', true);
  const registered = !tf.getKernel('UnsortedSegmentSum', 'wasm');
  if (registered) registerSegmentSum(tf);
  const info = { threads: wasm.getThreadsCount(), simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), registered };
  const m = tfl.sequential({
    layers: [
      tfl.layers.embedding({ inputDim: V, outputDim: E, inputShape: [T] }),
      recurrent(tfl),
      tfl.layers.dense({ units: C, activation: 'softmax' }),
    ],
  });
  const byName = Object.fromEntries(weights.map((w) => [w.name, w]));
  const t = (name) => tf.tensor(byName[name].values, byName[name].shape);
  m.layers[0].setWeights([t('embedding/embeddings')]);
  m.layers[1].setWeights([t(`${layerName}/kernel`), t(`${layerName}/recurrent_kernel`), t(`${layerName}/bias`)]);
  m.layers[2].setWeights([t('dense/kernel'), t('dense/bias')]);
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy' });
  const predict = (x, n) => tf.tidy(() => {
    const xt = tf.tensor2d(x, [n, T], 'int32');
    return m.predict(xt, { batchSize: BATCH }).dataSync();
  });
  info.maxDiff = maxAbsDiff(predict(data.check, BATCH), ours);
  if (!(info.maxDiff <= agree)) return { ...info, error: `its predictions differ from ours by ${info.maxDiff}` };
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

/**
 * onnxruntime-web at 1 and 2 threads on the model onnx (bytes), each in a child process (numThreads
 * is read once per process): [ort1, ort2]. Each first checks its batch-32 probabilities against
 * oursCheck within agree.
 */
export function ortBoth(onnx, data, oursCheck, quick, agree, tag) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `wasmnn-bench-${tag}-`));
  try {
    writeFileSync(path.join(dir, 'model.onnx'), onnx);
    writeFileSync(path.join(dir, 'check.i32'), new Uint8Array(data.check.buffer));
    writeFileSync(path.join(dir, 'ours.f32'), new Uint8Array(oursCheck.buffer, oursCheck.byteOffset, oursCheck.byteLength));
    return [ortRun(dir, 1, quick, agree), ortRun(dir, 2, quick, agree)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ortRun(dir, threads, quick, agree) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--ort-child', dir, String(threads), quick ? 'quick' : 'full', String(agree)],
    { cwd: root, encoding: 'utf8', timeout: 300_000 });
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('{'));
  if (!line) return { error: `the onnxruntime-web child failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' / ')}` };
  return JSON.parse(line);
}

async function ortChild(dir, threads, quick, agree) {
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
    if (!(maxDiff <= agree)) { say({ maxDiff, extraThreads, error: `its predictions differ from ours by ${maxDiff}` }); process.exit(0); }
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

export const fmt = (x, d = 1) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');
const ratio = (a, b) => fmt(a / b, 2);

/**
 * --json: one head object (head's fields after the common ones, extra at its end), then one line per
 * implementation. Otherwise the header lines (model, notes, load, every implementation and how far its
 * predictions are from ours) and the table. tfjs.skipped (a reason) prints instead of tfjs' lines.
 */
export function report({ bench, json, model, notes = [], started, loadBefore, loadAfter, ours1, ours2, oursFma, oursSame, tfjs, ort1, ort2, head = {}, extra = {} }) {
  if (json) {
    console.log(JSON.stringify({ bench, ...head, machine: machine(), date: started, load_before: loadBefore, load_after: loadAfter,
      ours_1_vs_2_max_abs_diff: oursSame, tfjs_max_abs_diff: tfjs.maxDiff ?? null, tfjs_registered_unsorted_segment_sum: tfjs.registered ?? null,
      ort_1_max_abs_diff: ort1.maxDiff ?? null, ort_2_max_abs_diff: ort2.maxDiff ?? null, ort_extra_threads: [ort1.extraThreads ?? null, ort2.extraThreads ?? null],
      ours_fma_vs_2_max_abs_diff: oursFma.maxDiff ?? null, ours_fma_error: oursFma.error ?? null,
      tfjs_error: tfjs.error ?? null, ort_1_error: ort1.error ?? null, ort_2_error: ort2.error ?? null, ...extra }));
    const line = (impl, threads, r) => console.log(JSON.stringify({
      bench, impl, threads, train_samples_per_s: r.trainPerS ?? null, latency_ms_b1: r.latencyMs ?? null, seq_per_s_b32: r.seqPerS ?? null,
    }));
    line('ours', 1, ours1); line('ours', 2, ours2); line('ours-fma', 2, oursFma); line('tfjs-wasm', 1, tfjs); line('ort-web', 1, ort1); line('ort-web', 2, ort2);
    return;
  }

  console.log(`${bench}: ${machine()}, ${started}`);
  console.log(`model: ${model}, T = ${T}, batch ${BATCH}, Adam, random ids`);
  for (const n of notes) console.log(n);
  console.log(`load average (1, 5, 15 min): ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after`);
  console.log(`ours: @1 ${ours1.build} build, @2 ${ours2.build} build with ${ours2.threads} threads; predictions @1 vs @2 max abs diff ${oursSame}`);
  if (oursFma.error) console.log(`ours@2 fma unavailable: ${oursFma.error}`);
  else console.log(`ours@2 fma: ${oursFma.build} build with ${oursFma.threads} threads (relaxed-SIMD fused multiply-add, opt-in); predictions vs ours@2 max abs diff ${oursFma.maxDiff.toExponential(2)}`);
  if (tfjs.skipped) console.log(`tfjs-wasm skipped: ${tfjs.skipped}`);
  else if (tfjs.error) console.log(`tfjs-wasm unavailable: ${tfjs.error}`);
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
}

if (process.argv[2] === '--ort-child' && process.argv[1] === fileURLToPath(import.meta.url)) {
  await ortChild(process.argv[3], Number(process.argv[4]), process.argv[5] === 'quick', Number(process.argv[6]));
}
