// GEMM throughput against tfjs-backend-wasm (XNNPACK) in the same run, and against this machine's
// wasm SIMD peak. `npm run bench -- gemm [--json] [--quick]`
//
//   ours@1   f32_gemm_fwd, 'simd' build, 1 thread          tfjs@1  tfjs-backend-wasm SIMD build, 1 thread
//   ours@2   f32_gemm_fwd, 'simd-mt' build, 2 threads      tfjs@2  tfjs-backend-wasm threaded-SIMD build, 2 threads
//   peak     f32x4 mul + add loops (bench/peak.ts, compiled here into build/bench-peak.wasm), 1 thread
//   fma@1    f32_gemm_fwd, the opt-in 'simd-fma' build (relaxed-SIMD fused multiply-add), 1 thread
//
// tfjs runs in two child processes (it picks its build once per process) driven over a pipe, so
// that the samples of all five interleave: round after round, each takes one sample of each size.
// On a shared or virtual machine the speed of a core drifts over seconds; interleaving gives every
// contender the same conditions, and the figures are medians over the rounds. Each contender is
// warmed up first until V8 has tiered its code up (the first calls run in its baseline compiler at
// about half speed). tfjs computes tf.matMul(a, b) on tensors made once; it keeps XNNPACK's packed
// copy of b across calls, while ours packs B on every call (weights change every training step).
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync, mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, machine, table } from './_util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const thisFile = fileURLToPath(import.meta.url);

// [M, K, N]
const SIZES = [[64, 64, 64], [128, 128, 128], [256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [32, 512, 512], [1, 512, 512]];
const flops = ([m, k, n]) => 2 * m * k * n;
const key = (size) => size.join('x');
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function fill(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = s / 4294967296 - 0.5; }
  return out;
}

/** A sampler: warms fn up (long enough for V8's tier-up), then each call times one sample. */
function sampler(fn, flop, warmMs, minSeconds) {
  const t0 = performance.now();
  while (performance.now() - t0 < warmMs) fn();
  let inner = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < inner; i++) fn();
    if ((performance.now() - t) / 1000 >= minSeconds / 4 || inner >= 1 << 20) break;
    inner *= 2;
  }
  inner *= 4;
  return () => {
    const t = performance.now();
    for (let i = 0; i < inner; i++) fn();
    return flop * inner / ((performance.now() - t) / 1000) / 1e9;
  };
}

// ---- the wasm SIMD peak ------------------------------------------------------------------------

function peakSampler(warmMs, minSeconds) {
  const out = path.join(root, 'build', 'bench-peak.wasm');
  mkdirSync(path.dirname(out), { recursive: true });
  // compiled from bench/ so that the project's asconfig.json (the shipped builds) is not applied
  const asc = path.join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
  const r = spawnSync(process.execPath, [asc, 'peak.ts', '--enable', 'simd', '-O3', '--runtime', 'stub', '--noAssert', '-o', out], { cwd: here, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/peak.ts did not compile: ${r.stderr || r.stdout}`);
  const ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(out)), {}).exports;
  // every loop, each sample: the fastest one varies (latency x throughput, registers, and on a
  // shared host with the moment), and the peak is the fastest of them
  const iters = 100_000;
  const loops = [['peak8', 64], ['peak10', 80], ['peak12', 96], ['peakIndep', 48]]
    .map(([name, flopsPerIter]) => sampler(() => ex[name](iters, 1, 0), iters * flopsPerIter, warmMs, minSeconds / 2));
  return () => Math.max(...loops.map((s) => s()));
}

// ---- ours --------------------------------------------------------------------------------------

async function oursSamplers(threads, warmMs, minSeconds, fma = false) {
  const { Runtime, kernels } = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
  const rt = await Runtime.create(threads === 1 ? { build: fma ? 'simd-fma' : 'simd', threads: 1 } : { build: fma ? 'simd-fma-mt' : 'simd-mt', threads });
  const samplers = new Map();
  for (const size of SIZES) {
    const [m, k, n] = size;
    const a = rt.fromArray(fill(m * k, 1), [m, k]), b = rt.fromArray(fill(k * n, 2), [k, n]), c = rt.alloc([m, n]);
    samplers.set(key(size), sampler(() => rt.step(() => kernels.gemm(rt, a, b, c)), flops(size), warmMs, minSeconds));
  }
  return { samplers, close: () => rt.close() };
}

// ---- tfjs-backend-wasm (in a child process) -----------------------------------------------------

class TfjsChild {
  constructor(threads, warmMs, minSeconds) {
    this.proc = spawn(process.execPath, [thisFile, '--tfjs-child', String(threads), String(warmMs), String(minSeconds)],
      { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    this.stderr = '';
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    this.waiting = [];
    this.exited = null;
    createInterface({ input: this.proc.stdout }).on('line', (l) => {
      if (l.startsWith('{')) this.waiting.shift()?.resolve(JSON.parse(l));
    });
    this.proc.on('exit', (code) => {
      this.exited = `the tfjs child process exited (code ${code}): ${this.stderr.trim().split('\n').slice(-3).join(' / ')}`;
      for (const w of this.waiting.splice(0)) w.resolve({ error: this.exited });
    });
  }

  ask(msg) {
    if (this.exited) return Promise.resolve({ error: this.exited });
    return new Promise((resolve) => {
      this.waiting.push({ resolve });
      this.proc.stdin.write(JSON.stringify(msg) + '\n');
    });
  }

  close() { if (!this.exited) this.proc.stdin.end(JSON.stringify({ cmd: 'exit' }) + '\n'); }
}

// tfjs-backend-wasm 4.22 does not run threaded in node out of the box. Three things stand in the way,
// and the child works around each:
//  1. WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false when IS_NODE (tfjs issue #3830): set it.
//  2. The Emscripten pthread workers are started from a blob: URL of the worker script, which node's
//     worker_threads refuses (ERR_WORKER_PATH), and the worker then loads the module factory from
//     another Blob. Both texts are written to temporary files instead; the factory, cut out of the
//     rollup bundle, also needs the bundle's names for fs, path, perf_hooks, os and the global object.
//  3. The thread count is capped at os.cpus().length / 2 (it assumes 2 hyperthreads per core), which
//     is 1 on a 2-core machine: os.cpus() reports each cpu twice while the backend starts.
async function tfjsChild(threads, warmMs, minSeconds) {
  const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  let tf = null;
  let error = null;
  try {
    tf = await import('@tensorflow/tfjs-core');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const realCpus = os.cpus;
    if (threads > 1) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmnn-bench-tfjs-'));
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
      const factoryPath = path.join(dir, 'factory.js');
      const NodeBlob = globalThis.Blob;
      globalThis.Blob = class extends NodeBlob {
        constructor(parts, opts) {
          super(parts, opts);
          this.text_ = parts.map(String).join('');
          if (this.text_.startsWith('var WasmBackendModuleThreadedSimd')) {
            writeFileSync(factoryPath, "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), " +
              "require$$4 = require('os'), commonjsGlobal = globalThis;\n" + this.text_);
          }
        }
      };
      const createObjectURL = URL.createObjectURL;
      let n = 0;
      URL.createObjectURL = (blob) => {
        if (typeof blob?.text_ === 'string' && blob.text_.includes('WasmBackendModuleThreadedSimd(Module)')) {
          const p = path.join(dir, `worker${n++}.js`);
          writeFileSync(p, `URL.createObjectURL = () => ${JSON.stringify(factoryPath)}; URL.revokeObjectURL = () => {};\n${blob.text_}`);
          return p;
        }
        return createObjectURL(blob);
      };
      os.cpus = () => { const c = realCpus(); return [...c, ...c]; };
    }
    wasm.setThreadsCount(threads);
    const ok = await tf.setBackend('wasm');
    await tf.ready();
    os.cpus = realCpus;
    if (!ok || tf.getBackend() !== 'wasm') throw new Error('tf.setBackend(\'wasm\') failed');
    const got = wasm.getThreadsCount();
    if (got !== threads) throw new Error(`tfjs-backend-wasm runs ${got} thread(s), not ${threads}`);
  } catch (e) {
    error = String(e?.message ?? e).split('\n')[0];
  }
  const samplers = new Map();
  for (;;) {
    const { value, done } = await lines.next();
    if (done) break;
    const msg = JSON.parse(value);
    if (msg.cmd === 'exit') break;
    if (error) { say({ error }); continue; }
    let s = samplers.get(msg.size);
    if (!s) {
      const size = msg.size.split('x').map(Number);
      const [m, k, n] = size;
      const a = tf.tensor2d(fill(m * k, 1), [m, k]), b = tf.tensor2d(fill(k * n, 2), [k, n]);
      s = sampler(() => tf.matMul(a, b).dispose(), flops(size), warmMs, minSeconds);
      samplers.set(msg.size, s);
    }
    say({ gflops: s() });
  }
  process.exit(0);   // the Emscripten pthreads would keep node alive
}

// ---- the report --------------------------------------------------------------------------------

export default async function main(args) {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const rounds = quick ? 3 : 9;
  const warmMs = quick ? 100 : 400;
  const minSeconds = quick ? 0.02 : 0.05;
  const tf1 = new TfjsChild(1, warmMs, minSeconds);
  const tf2 = new TfjsChild(2, warmMs, minSeconds);
  const peak = peakSampler(warmMs, minSeconds);
  const ours1 = await oursSamplers(1, warmMs, minSeconds);
  const ours2 = await oursSamplers(2, warmMs, minSeconds);
  let fma1 = null;
  const errorsFma = {};
  try { fma1 = await oursSamplers(1, warmMs, minSeconds, true); } catch (e) { errorsFma.f1 = String(e?.message ?? e).split('\n')[0]; }
  const samples = { peak: [] };
  const errors = {};
  for (const size of SIZES) for (const who of ['o1', 'o2', 't1', 't2', 'f1']) samples[`${who} ${key(size)}`] = [];
  // a pause before each sample lets the threads of the previous contender stop spinning and park
  // (XNNPACK's pool spins for a while after a job; so does ours, briefly)
  const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  const tfjs = async (who, child, k) => {
    const res = await child.ask({ size: k });
    if (res.error) errors[who] = res.error;
    else samples[`${who} ${k}`].push(res.gflops);
  };
  for (let r = 0; r < rounds; r++) {
    for (const size of SIZES) {
      const k = key(size);
      pause(); samples.peak.push(peak());
      pause(); samples[`o1 ${k}`].push(ours1.samplers.get(k)());
      if (fma1) { pause(); samples[`f1 ${k}`].push(fma1.samplers.get(k)()); }
      pause(); await tfjs('t1', tf1, k);
      pause(); samples[`o2 ${k}`].push(ours2.samplers.get(k)());
      pause(); await tfjs('t2', tf2, k);
    }
  }
  tf1.close(); tf2.close();
  await ours1.close(); await ours2.close(); await fma1?.close();

  const med = (name) => (samples[name]?.length ? median(samples[name]) : NaN);
  // a ratio is the median of the per-round ratios of samples taken back to back, which the drift
  // of the machine's speed affects much less than a ratio of medians would be
  const ratio = (x, y) => {
    const xs = samples[x], ys = samples[y];
    if (!xs?.length || xs.length !== ys?.length) return NaN;
    return median(xs.map((v, i) => v / ys[i]));
  };
  const peakG = med('peak');
  const rows = SIZES.map((size) => {
    const k = key(size);
    return {
      size, k, o1: med(`o1 ${k}`), o2: med(`o2 ${k}`), t1: med(`t1 ${k}`), t2: med(`t2 ${k}`),
      f1: med(`f1 ${k}`), rf: ratio(`f1 ${k}`, `o1 ${k}`),
      r1: ratio(`o1 ${k}`, `t1 ${k}`), r2: ratio(`o2 ${k}`, `t2 ${k}`), scale: ratio(`o2 ${k}`, `o1 ${k}`),
      ofPeak: median(samples[`o1 ${k}`].map((v, i) => v / samples.peak[i * SIZES.length + SIZES.indexOf(size)])),
    };
  });
  const orNull = (x) => (Number.isFinite(x) ? +x.toFixed(2) : null);
  if (json) {
    console.log(JSON.stringify({ bench: 'gemm', peak_gflops_per_core: orNull(peakG), machine: machine(), rounds, tfjs_error: errors.t1 ?? null, tfjs_threads_error: errors.t2 ?? null }));
    for (const r of rows) {
      const [m, k, n] = r.size;
      console.log(JSON.stringify({ bench: 'gemm', m, k, n, threads: 1, ours_gflops: orNull(r.o1), tfjs_gflops: orNull(r.t1), ours_over_tfjs: orNull(r.r1), ours_over_peak: orNull(r.ofPeak) }));
      console.log(JSON.stringify({ bench: 'gemm', m, k, n, threads: 1, build: 'simd-fma', ours_gflops: orNull(r.f1), fma_over_ours: orNull(r.rf) }));
      console.log(JSON.stringify({ bench: 'gemm', m, k, n, threads: 2, ours_gflops: orNull(r.o2), tfjs_gflops: orNull(r.t2), ours_over_tfjs: orNull(r.r2), ours_2t_over_1t: orNull(r.scale) }));
    }
    return;
  }
  console.log(`gemm: ${machine()}, ${new Date().toISOString()}`);
  console.log(`wasm SIMD peak (f32x4 mul + add loops, 1 thread): ${fmt(peakG)} GFLOP/s per core`);
  if (errorsFma.f1) console.log(`fma@1 unavailable: ${errorsFma.f1}`);
  if (errors.t1) console.log(`tfjs@1 unavailable: ${errors.t1}`);
  if (errors.t2) console.log(`tfjs@2 unavailable: ${errors.t2}`);
  else console.log('tfjs@2: its threaded-SIMD build, which tfjs 4.22 refuses in node, run with three workarounds (see bench/gemm.mjs)');
  table(rows.map((r) => ({
    'MxKxN': r.k,
    'ours@1': fmt(r.o1),
    'tfjs@1': fmt(r.t1),
    'ours/tfjs@1': fmt(r.r1, 2),
    'ours@1/peak': fmt(r.ofPeak, 2),
    'ours@2': fmt(r.o2),
    'tfjs@2': fmt(r.t2),
    'ours/tfjs@2': fmt(r.r2, 2),
    'ours 2t/1t': fmt(r.scale, 2),
    'fma@1': fmt(r.f1),
    'fma/ours@1': fmt(r.rf, 2),
  })), ['MxKxN', 'ours@1', 'tfjs@1', 'ours/tfjs@1', 'ours@1/peak', 'ours@2', 'tfjs@2', 'ours/tfjs@2', 'ours 2t/1t', 'fma@1', 'fma/ours@1']);
  console.log(`GFLOP/s (2 M K N flops per product): medians of ${rounds} interleaved rounds; each ratio is the median of`);
  console.log('the per-round ratios of samples taken back to back (peak: the sample just before ours@1).');
}

if (process.argv[2] === '--tfjs-child' && process.argv[1] === thisFile) {
  await tfjsChild(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
}
