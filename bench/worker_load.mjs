// Load test of the Cloudflare Worker example (examples/worker) in workerd, on loopback.
// `npm run bench -- worker-load [--requests N] [--concurrency C] [--batch K] [--json]`
//
// The Worker is bundled from examples/worker/src/index.js with `wasmnn/infer` resolved through
// the package's `workerd` export condition (dist/bundle/infer-workerd.js), served by miniflare on
// 127.0.0.1 (a random port) with a spam classifier trained here (bag model, SpamAssassin's first
// 1,500 training messages) as its data module. Then a bounded run: N POST /classify requests
// (default 5,000, K texts each, default 1: real messages cut to 2,000 characters), C at a time
// (default 16), stopping after 300 s whatever the count. Reports requests/s, latency percentiles
// and errors (any answer but 200 with predictions).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machine, table } from './_util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const TIME_CAP_MS = 300_000;
const TRAIN_MESSAGES = 1500;

function arg(args, name, dflt) {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} takes a whole number >= 1`);
  return v;
}

/** The Worker as one module; its wasm and model imports name modules beside it. */
async function bundleWorker() {
  const { rollup } = await import('rollup');
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const entry = path.join(root, pkg.exports['./infer'].workerd);
  const bundle = await rollup({
    input: path.join(root, 'examples/worker/src/index.js'),
    plugins: [{ name: 'wasmnn-workerd', resolveId: (id) => (id === 'wasmnn/infer' ? entry : null) }],
    external: (id) => /\.(wasm|wnn)$/.test(id),
    onwarn() {},
  });
  const { output } = await bundle.generate({ format: 'es', paths: (id) => (id.endsWith('.wasm') ? './wasmnn-infer.wasm' : './classifier.wnn') });
  await bundle.close();
  return output[0].code;
}

async function trainModel() {
  const W = await import(pathToFileURL(path.join(root, 'dist/index.js')).href);
  const { trainTextClassifier } = await import(pathToFileURL(path.join(root, 'dist/classifier/index.js')).href);
  const { spamAssassin, SPAM_LABELS } = await import(pathToFileURL(path.join(root, 'scripts/spam-assassin.mjs')).href);
  await W.init();
  const data = spamAssassin(42);
  const texts = data.trainTexts.slice(0, TRAIN_MESSAGES);
  const labels = Array.from(data.trainLabels.subarray(0, texts.length), (c) => SPAM_LABELS[c]);
  const { classifier } = await trainTextClassifier(texts, labels, { arch: 'bag', epochs: 3, vocabSize: 20000, embeddingDim: 16, seed: 42, labelOrder: SPAM_LABELS });
  const bytes = classifier.toBytes();
  const probes = data.testTexts.slice(0, 200).map((t) => t.slice(0, 2000));
  classifier.model.dispose();
  await W.shutdown();
  return { bytes, probes };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

export default async function main(args) {
  const json = args.includes('--json');
  const total = arg(args, '--requests', 5000);
  const concurrency = arg(args, '--concurrency', 16);
  const batch = arg(args, '--batch', 1);
  const load = os.loadavg();
  const { Miniflare } = await import('miniflare');
  const [{ bytes, probes }, code] = await Promise.all([trainModel(), bundleWorker()]);
  const mf = new Miniflare({
    compatibilityDate: '2026-04-26',
    host: '127.0.0.1',
    port: 0,
    modulesRoot: '/worker',
    modules: [
      { type: 'ESModule', path: '/worker/index.js', contents: code },
      { type: 'CompiledWasm', path: '/worker/wasmnn-infer.wasm', contents: readFileSync(path.join(root, 'build/wasmnn-infer.wasm')) },
      { type: 'Data', path: '/worker/classifier.wnn', contents: bytes },
    ],
  });
  try {
    const base = await mf.ready;
    if (base.hostname !== '127.0.0.1') throw new Error(`the Worker must listen on loopback, got ${base.hostname}`);
    const url = new URL('/classify', base);
    const body = (i) => JSON.stringify(batch === 1 ? { text: probes[i % probes.length] } : { texts: Array.from({ length: batch }, (_, j) => probes[(i * batch + j) % probes.length]) });
    const once = async (i) => {
      const t0 = performance.now();
      const res = await fetch(url, { method: 'POST', body: body(i), headers: { 'content-type': 'application/json' } });
      const out = await res.json();
      const ok = res.status === 200 && (batch === 1 ? typeof out.label === 'string' : out.predictions?.length === batch);
      return { ms: performance.now() - t0, ok, status: res.status };
    };
    // warm-up: the isolate loads the model on its first request
    for (let i = 0; i < 20; i++) {
      const r = await once(i);
      if (!r.ok) throw new Error(`the Worker answered HTTP ${r.status} while warming up; see the log above (is dist/ built from the current sources? npm run build)`);
    }
    const info = await (await fetch(new URL('/info', base))).json();
    const latencies = [];
    const failures = new Map();
    let next = 0;
    const started = performance.now();
    const stopAt = started + TIME_CAP_MS;
    const workerLoop = async () => {
      while (next < total && performance.now() < stopAt) {
        const i = next++;
        try {
          const r = await once(i);
          latencies.push(r.ms);
          if (!r.ok) failures.set(`HTTP ${r.status}`, (failures.get(`HTTP ${r.status}`) ?? 0) + 1);
        } catch (e) {
          const k = String(e?.cause?.code ?? e?.message ?? e);
          failures.set(k, (failures.get(k) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, workerLoop));
    const seconds = (performance.now() - started) / 1000;
    const done = latencies.length;
    const errors = [...failures.values()].reduce((a, b) => a + b, 0);
    const sorted = latencies.sort((a, b) => a - b);
    const result = {
      bench: 'worker-load', requests: done, asked: total, concurrency, textsPerRequest: batch, seconds,
      requestsPerS: done / seconds, textsPerS: (done * batch) / seconds,
      p50Ms: pct(sorted, 0.5), p90Ms: pct(sorted, 0.9), p99Ms: pct(sorted, 0.99), maxMs: sorted[sorted.length - 1],
      errors, failures: Object.fromEntries(failures), env: info.env, wasmBytes: info.memory.wasmBytes, cappedByTime: done < total,
    };
    if (json) { console.log(JSON.stringify(result)); return; }
    console.log(`worker-load: ${machine()}, ${new Date().toISOString()}, load ${load.map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`workerd (miniflare) on ${base.host}: build ${info.env.build}, ${info.env.threads} thread (${info.env.reason}); wasm memory ${(info.memory.wasmBytes / 2 ** 20).toFixed(1)} MB; model ${(bytes.length / 2 ** 20).toFixed(2)} MB`);
    const f = (x, d = 2) => x.toFixed(d);
    table([{ requests: done, concurrency, 'texts/request': batch, 'requests/s': f(result.requestsPerS, 0), 'p50 ms': f(result.p50Ms), 'p90 ms': f(result.p90Ms), 'p99 ms': f(result.p99Ms), 'max ms': f(result.maxMs), errors }],
      ['requests', 'concurrency', 'texts/request', 'requests/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors']);
    if (errors) console.log(`errors: ${JSON.stringify(result.failures)}`);
    if (result.cappedByTime) console.log(`stopped at the ${TIME_CAP_MS / 1000} s cap after ${done} of ${total} requests`);
  } finally {
    await mf.dispose();
  }
}
