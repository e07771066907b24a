// Cold start: from the first import to the first prediction of a small text classifier, each run in
// a fresh node process, against tfjs-layers on tfjs-backend-wasm 4.22 and onnxruntime-web 1.30.
// `npm run bench -- coldstart [--runs N] [--json]`; `npm run bench -- coldstart --instructions`
// counts instead, under valgrind's callgrind (see instructionCount below)
//
// The model: Embedding(maskZero) -> LSTM(16) -> Dense(softmax), trained here for two epochs on a
// few texts (wasmnn's `lstm` architecture, vocabulary 300, 24 ids per text) and saved as a .wnn.
// Every contender gets the same weights and must give the same probabilities (max abs diff 1e-5).
//   ours          import('wasmnn/infer') as node resolves it (the exports map: the one-file bundle
//                 dist/bundle/infer.js, as in browsers):
//                 import, init (compile the inference-only wasm),
//                 TextClassifier.load(model.wnn), predict(text): tokenizing included
//   ours (dist)   the same from the unbundled modules of dist/ (dist/infer.js: many small files; the
//                 full simd wasm)
//   tfjs          import tfjs-core, tfjs-layers, tfjs-backend-wasm; setBackend('wasm'); build the
//                 model, set the weights from a JSON file; predict the token ids (no tokenizing)
//   ort-web       import onnxruntime-web; InferenceSession.create(model.onnx, 1 thread); run the
//                 token ids (no tokenizing); the graph is bench/_onnx_lstm.mjs's
// Runs are interleaved (one of each contender per round); medians of the rounds. Besides wall time
// the table gives the CPU time the process used until the prediction (every thread: V8's background
// compilers, tfjs's and ORT's workers), steadier than wall time on a busy machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machine, median, table, tfjsWasmOneThread } from './_util.mjs';
import { lstmClassifierOnnx } from './_onnx_lstm.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const MAX_LEN = 24;
// a spam text with a number and a URL, so that their replacement by <num> and <url> is on the timed path
const PROBE = 'congratulations you have been selected to receive a free gift card click here now to claim your prize of $1000 this limited offer ends today so act now at http://win.example.com';
const AGREE = 1e-5;
const TARGET_MS = 25;

const KINDS = {
  ours: 'ours (bundle)',
  'ours-dist': 'ours (dist)',
  tfjs: 'tfjs-wasm',
  ort: 'ort-web',
};

// ---- the children: one cold start each, timed from their first import -------------------------

async function child(kind, dir) {
  if (kind === 'none') process.exit(0);   // the --instructions baseline: this script loaded, nothing run
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let probs, phases = null;
  if (kind === 'ours' || kind === 'ours-dist') {
    // 'wasmnn/infer' resolved by node through the package's exports map (a self-reference)
    const lib = await import(kind === 'ours' ? 'wasmnn/infer' : pathToFileURL(path.join(root, 'dist/infer.js')).href);
    const t1 = performance.now();
    await lib.init();
    const t2 = performance.now();
    const c = await lib.TextClassifier.load(path.join(dir, 'model.wnn'));
    const t3 = performance.now();
    probs = Array.from(c.predictProbabilities(PROBE).data);   // tokenizing and the forward pass, once
    const t4 = performance.now();
    phases = { import: t1 - t0, init: t2 - t1, load: t3 - t2, predict: t4 - t3 };
  } else if (kind === 'tfjs') {
    const { tf, tfl } = await tfjsWasmOneThread();
    const w = JSON.parse(readFileSync(path.join(dir, 'weights.json'), 'utf8'));
    const ids = JSON.parse(readFileSync(path.join(dir, 'ids.json'), 'utf8'));
    const m = tfl.sequential({
      layers: [
        tfl.layers.embedding({ inputDim: w.V, outputDim: w.E, inputShape: [MAX_LEN] }),
        tfl.layers.lstm({ units: w.H, recurrentActivation: 'sigmoid', recurrentInitializer: 'zeros', kernelInitializer: 'zeros' }),
        tfl.layers.dense({ units: w.C, activation: 'softmax', kernelInitializer: 'zeros' }),
      ],
    });
    const t = (name) => tf.tensor(w.weights[name].values, w.weights[name].shape);
    m.layers[0].setWeights([t('embedding/embeddings')]);
    m.layers[1].setWeights([t('lstm/kernel'), t('lstm/recurrent_kernel'), t('lstm/bias')]);
    m.layers[2].setWeights([t('dense/kernel'), t('dense/bias')]);
    probs = Array.from(m.predict(tf.tensor2d(ids, [1, MAX_LEN], 'int32')).dataSync());
  } else if (kind === 'ort') {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const ids = JSON.parse(readFileSync(path.join(dir, 'ids.json'), 'utf8'));
    const session = await ort.InferenceSession.create(readFileSync(path.join(dir, 'model.onnx')), { executionProviders: ['wasm'] });
    probs = Array.from((await session.run({ ids: new ort.Tensor('int32', Int32Array.from(ids), [1, MAX_LEN]) })).probs.data);
  } else {
    throw new Error(`unknown contender ${kind}`);
  }
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  // ms from the first import to the prediction, and from the process's start (node's own boot included)
  process.stdout.write(JSON.stringify({ ms: t1 - t0, cpuMs: (cpu.user + cpu.system) / 1000, sinceProcessStart: t1, probs, phases }) + '\n');
  process.exit(0);   // ORT's and tfjs's threads keep node alive otherwise
}

function runChild(kind, dir) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--coldstart-child', kind, dir], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('{'));
  if (!line) return { error: `exit ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-2).join(' / ')}` };
  return JSON.parse(line);
}

// ---- the model every contender loads ------------------------------------------------------------

async function makeModel(dir) {
  const W = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
  const { trainTextClassifier } = await import(pathToFileURL(path.join(root, 'dist', 'classifier', 'index.js')).href);
  await W.init({ build: 'simd', threads: 1 });
  const spam = ['win a free prize now', 'cheap pills online no prescription', 'you have been selected for a gift card', 'claim your free money today'];
  const ham = ['meeting moved to thursday at ten', 'can you review my pull request', 'lunch tomorrow at the usual place', 'notes from the design review'];
  const texts = [...spam, ...ham, PROBE];
  const labels = [...spam.map(() => 'spam'), ...ham.map(() => 'ham'), 'spam'];
  const { classifier } = await trainTextClassifier(texts, labels, { arch: 'lstm', epochs: 2, vocabSize: 300, maxLen: MAX_LEN, embeddingDim: 16, units: 16, seed: 1 });
  writeFileSync(path.join(dir, 'model.wnn'), classifier.toBytes());
  const ids = Array.from(classifier.vectorizer.transform([PROBE]).data);
  if (ids.includes(0)) throw new Error('the probe text must fill every position (no padding), so that unmasked tfjs and ONNX models agree');
  writeFileSync(path.join(dir, 'ids.json'), JSON.stringify(ids));
  const weights = Object.fromEntries(classifier.model.getWeights().map((w) => [w.name, { shape: w.shape, values: Array.from(w.values) }]));
  const E = weights['embedding/embeddings'].shape[1], V = weights['embedding/embeddings'].shape[0];
  const H = weights['lstm/recurrent_kernel'].shape[0], C = weights['dense/bias'].shape[0];
  writeFileSync(path.join(dir, 'weights.json'), JSON.stringify({ V, E, H, C, weights }));
  const f = (n) => Float32Array.from(weights[n].values);
  writeFileSync(path.join(dir, 'model.onnx'), lstmClassifierOnnx({
    V, E, H, C, embeddings: f('embedding/embeddings'), kernel: f('lstm/kernel'), recurrentKernel: f('lstm/recurrent_kernel'),
    bias: f('lstm/bias'), denseKernel: f('dense/kernel'), denseBias: f('dense/bias'),
  }));
  const want = Array.from(classifier.predictProbabilities(PROBE).data);
  const sizes = { wnn: readFileSync(path.join(dir, 'model.wnn')).length, onnx: readFileSync(path.join(dir, 'model.onnx')).length };
  classifier.model.dispose();
  await W.shutdown();
  return { want, sizes, shape: { V, E, H, C } };
}

/** Median of each phase over the runs (null without phases). */
function phaseMedians(list) {
  if (!list.length) return null;
  return Object.fromEntries(Object.keys(list[0]).map((n) => [n, median(list.map((p) => p[n]))]));
}

// ---- the report --------------------------------------------------------------------------------

/**
 * Instructions a child process executes (callgrind, every thread), in millions, without V8's
 * start-up prime search for its hash seed (sprp, HashSeed), which varies per process by ~6-13 M.
 * NODE_EXTRA_CA_CERTS is unset: node parses that certificate file before any script (~416 M here).
 */
function instructionCount(kind, dir) {
  const out = path.join(dir, `callgrind.${kind}`);
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, fileURLToPath(import.meta.url), '--coldstart-child', kind, dir], { cwd: root, env, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`--instructions needs valgrind (apt-get install valgrind): ${r.error?.message ?? r.stderr.trim().split('\n').slice(-1)[0]}`);
  const a = spawnSync('callgrind_annotate', ['--threshold=100', out], { encoding: 'utf8', maxBuffer: 1 << 28 });
  let total = 0;
  for (const line of a.stdout.split('\n')) {
    const m = /^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$/.exec(line);
    if (m && !/PROGRAM TOTALS|sprp|HashSeed/.test(m[2])) total += Number(m[1].replace(/,/g, ''));
  }
  return total / 1e6;
}

export default async function main(args) {
  const json = args.includes('--json');
  if (args.includes('--instructions')) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmnn-coldstart-'));
    try {
      await makeModel(dir);
      const none = instructionCount('none', dir), ours = instructionCount('ours', dir);
      console.log(`coldstart --instructions: ${machine()}, ${new Date().toISOString()}`);
      console.log(`ours (bundle), import to first prediction: ${(ours - none).toFixed(1)} M instructions (process ${ours.toFixed(1)} M minus the same script doing nothing ${none.toFixed(1)} M; callgrind, hash-seed search left out)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 10;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number >= 1');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmnn-coldstart-'));
  try {
    const load = os.loadavg();
    const { want, sizes, shape } = await makeModel(dir);
    const results = Object.fromEntries(Object.keys(KINDS).map((k) => [k, { ms: [], cpu: [], start: [], phases: [], maxDiff: 0, error: null }]));
    for (let r = 0; r < runs; r++) {
      for (const kind of Object.keys(KINDS)) {
        const res = results[kind];
        if (res.error) continue;
        const out = runChild(kind, dir);
        if (out.error) { res.error = out.error; continue; }
        res.ms.push(out.ms);
        res.start.push(out.sinceProcessStart);
        res.cpu.push(out.cpuMs);
        if (out.phases) res.phases.push(out.phases);
        res.maxDiff = Math.max(res.maxDiff, ...out.probs.map((p, i) => Math.abs(p - want[i])));
      }
    }
    const med = (k) => (results[k].ms.length ? median(results[k].ms) : NaN);
    const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
    if (json) {
      for (const [k, r] of Object.entries(results)) {
        console.log(JSON.stringify({ bench: 'coldstart', contender: k, runs: r.ms.length, medianMs: med(k), medianSinceProcessStartMs: r.start.length ? median(r.start) : null, medianCpuMs: r.cpu.length ? median(r.cpu) : null,
          phasesMs: phaseMedians(r.phases), maxAbsDiff: r.maxDiff, error: r.error }));
      }
      return;
    }
    console.log(`coldstart: ${machine()}, ${new Date().toISOString()}, load ${load.map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`model: Embedding(${shape.V}, ${shape.E}) -> LSTM(${shape.H}) -> Dense(${shape.C}, softmax); .wnn ${sizes.wnn} bytes, .onnx ${sizes.onnx} bytes; ${runs} fresh node processes each, interleaved`);
    const ours = med('ours');
    table(Object.entries(KINDS).map(([k, label]) => {
      const r = results[k];
      return {
        contender: label,
        'import->prediction ms (median)': r.error ? 'failed' : fmt(med(k)),
        'vs ours': k === 'ours' ? '1.00' : fmt(med(k) / ours, 2),
        'CPU ms': r.cpu.length ? fmt(median(r.cpu)) : '-',
        'CPU vs ours': k === 'ours' || !r.cpu.length ? (r.cpu.length ? '1.00' : '-') : fmt(median(r.cpu) / median(results.ours.cpu), 2),
        'process start->prediction ms': r.start.length ? fmt(median(r.start)) : '-',
        'max abs diff': r.error ? '-' : r.maxDiff.toExponential(1),
      };
    }), ['contender', 'import->prediction ms (median)', 'vs ours', 'CPU ms', 'CPU vs ours', 'process start->prediction ms', 'max abs diff']);
    for (const [k, r] of Object.entries(results)) {
      if (r.error) console.log(`${KINDS[k]} failed: ${r.error}`);
      else if (!(r.maxDiff <= AGREE)) console.log(`${KINDS[k]}: its probabilities differ from wasmnn's by ${r.maxDiff} (over ${AGREE})`);
    }
    for (const k of ['ours', 'ours-dist']) {
      const p = phaseMedians(results[k].phases);
      if (p) console.log(`${KINDS[k]} phases (medians, ms): ${Object.entries(p).map(([n, v]) => `${n} ${fmt(v)}`).join(', ')}`);
    }
    console.log(`target: ours <= ${TARGET_MS} ms: ${ours <= TARGET_MS ? 'met' : 'NOT met'} (${fmt(ours)} ms)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--coldstart-child' && process.argv[1] === fileURLToPath(import.meta.url)) {
  await child(process.argv[3], process.argv[4]);
}
