// The Cloudflare Worker example (examples/worker) in workerd, through miniflare: a model trained
// here is shipped as a data module and the simd build as a compiled wasm module, exactly as
// wrangler packs them; the Worker's probabilities equal node's float32 bits; bad requests get 4xx
// JSON errors; the runtime runs one thread of the simd build (no pool, no wait); memory stays far
// under Cloudflare's 128 MB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { Miniflare } from 'miniflare';
import { init, shutdown } from '../../src/runtime/default.js';
import { trainTextClassifier } from '../../src/classifier/train.js';
import type { TextClassifier } from '../../src/classifier/text_classifier.js';
import { fromSrc } from './src-bundle.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ORIGIN = 'http://worker.test';
const MB = 2 ** 20;

const SPAM = ['win a free prize now', 'cheap pills online, no prescription', 'you have been selected for a gift card', 'claim your free money today',
  'urgent: verify your bank account now', 'lowest price guaranteed, buy now', 'hot singles in your area', 'act now, limited offer, free'];
const HAM = ['meeting moved to thursday at ten', 'can you review my pull request', 'lunch tomorrow at the usual place?', 'notes from the design review',
  'the build is green again', 'here are the slides from today', 'see you at the standup', 'thanks for the quick fix'];
const PROBES = ['free prize, claim now!', 'review the notes before the meeting', 'hello', 'ünïcödé テキスト and emoji 🙂', 'a'.repeat(5000)];

/** The example Worker as one ES module whose imports name the wasm and model modules beside it. */
async function bundleWorker(): Promise<string> {
  const bundle = await rollup({
    input: join(root, 'examples/worker/src/index.js'),
    plugins: [fromSrc({ 'wasmnn/infer': join(root, 'src/entries/infer_workerd.ts') })],
    external: (id) => /\.(wasm|wnn)$/.test(id),
    onwarn() {},
  });
  const { output } = await bundle.generate({
    format: 'es',
    paths: (id) => (id.endsWith('.wasm') ? './wasmnn-infer.wasm' : id.endsWith('.wnn') ? './classifier.wnn' : id),
  });
  await bundle.close();
  return output[0].code;
}

/** Resident memory of the workerd processes miniflare started (children of this process), in bytes. */
function workerdRss(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid || !/workerd/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) total += Number(rss[1]) * 1024;
    } catch { /* the process ended */ }
  }
  return total;
}

let mf: Miniflare;
let classifier: TextClassifier;
/** workerd's resident memory once the Worker is loaded, before its first request. */
let rssAtStart = 0;

async function post(body: unknown, raw = false, init: RequestInit = {}) {
  const res = await mf.dispatchFetch(`${ORIGIN}/classify`, { method: 'POST', body: raw ? body as string : JSON.stringify(body), headers: { 'content-type': 'application/json' }, ...init } as any);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() as any };
}

const f32bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];

beforeAll(async () => {
  await init();
  const texts = [...SPAM, ...HAM, ...SPAM.map((t) => t.toUpperCase()), ...HAM.map((t) => `${t}!`)];
  const labels = texts.map((_, i) => (Math.floor(i / 8) % 2 === 0 ? 'spam' : 'ham'));
  ({ classifier } = await trainTextClassifier(texts, labels, { arch: 'bag', epochs: 8, vocabSize: 500, maxLen: 64, embeddingDim: 12, seed: 7 }));
  const code = await bundleWorker();
  mf = new Miniflare({
    compatibilityDate: '2026-04-26',
    modulesRoot: '/worker',
    modules: [
      { type: 'ESModule', path: '/worker/index.js', contents: code },
      { type: 'CompiledWasm', path: '/worker/wasmnn-infer.wasm', contents: readFileSync(join(root, 'build/wasmnn-infer.wasm')) },
      { type: 'Data', path: '/worker/classifier.wnn', contents: classifier.toBytes() },
    ],
  });
  await mf.ready;
  rssAtStart = workerdRss();
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  await shutdown();
});

describe('the classifier Worker in workerd', () => {
  it('answers one text and lists of texts with the same float32 probabilities as node', async () => {
    const want = classifier.predict(PROBES);
    const one = await post({ text: PROBES[0] });
    expect(one.status).toBe(200);
    expect(one.type).toMatch(/^application\/json/);
    expect(one.body.label).toBe(want[0].label);
    const many = await post({ texts: PROBES });
    expect(many.status).toBe(200);
    expect(many.body.predictions.map((p: any) => p.label)).toEqual(want.map((p) => p.label));
    for (const [i, p] of [one.body, ...many.body.predictions].entries()) {
      const w = want[i === 0 ? 0 : i - 1];
      expect(p.index).toBe(w.index);
      for (const l of classifier.labels) {
        // JSON carries the float32 value as a double exactly; compare the bits
        expect(Math.fround(p.probabilities[l])).toBe(p.probabilities[l]);
        expect(f32bits(p.probabilities[l])).toBe(f32bits(w.probabilities[l]));
      }
    }
    // the model learned something: node and the Worker agree on a clear case
    expect(one.body.label).toBe('spam');
  });

  it('answers bad requests with 4xx and a JSON error, never a 500', async () => {
    const cases: [string, Promise<{ status: number; type: string | null; body: any }>, number, RegExp][] = [
      ['not JSON', post('{"text": ', true), 400, /not JSON/],
      ['not UTF-8', post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) as any, true), 400, /not UTF-8/],
      ['a JSON array', post(['hello']), 400, /JSON object/],
      ['null', post(null), 400, /JSON object/],
      ['no text', post({ message: 'hi' }), 400, /no text/],
      ['both fields', post({ text: 'a', texts: ['b'] }), 400, /either "text" or "texts"/],
      ['text not a string', post({ text: 42 }), 400, /"text" must be a string/],
      ['empty text', post({ text: '' }), 400, /empty/],
      ['text over the limit', post({ text: 'x'.repeat(20_001) }), 413, /at most 20000/],
      ['texts not an array', post({ texts: 'hello' }), 400, /must be an array/],
      ['empty texts', post({ texts: [] }), 400, /empty/],
      ['too many texts', post({ texts: Array(65).fill('hi') }), 413, /at most 64/],
      ['a bad item', post({ texts: ['ok', null] }), 400, /"texts"\[1\] must be a string/],
      ['a huge body', post({ text: 'y'.repeat(2_000_000) }), 413, /at most 1500000/],
    ];
    for (const [what, res, status, message] of cases) {
      const r = await res;
      expect({ what, status: r.status }).toEqual({ what, status });
      expect(r.type).toMatch(/^application\/json/);
      expect(r.body.error).toMatch(message);
    }
    // a chunked upload declares no length: the Worker answers 413 once it has read one byte over the
    // limit, without waiting for the rest. The upload sends exactly that many bytes and then holds
    // the body open: a Worker that read the whole body first would never answer (the race below
    // fails). Sending more than the Worker reads would make the test flaky instead: workerd closes
    // a connection with unread bytes in it by a TCP reset, which can drop the 413 on the way back.
    const LIMIT = 1_500_000;
    const chunk = new Uint8Array(256 * 1024).fill(0x20);
    let sent = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const stream = new ReadableStream({
      async pull(c) {
        if (sent > LIMIT) { await held; c.close(); return; }
        const part = chunk.subarray(0, Math.min(chunk.byteLength, LIMIT + 1 - sent));
        sent += part.byteLength;
        c.enqueue(part);
      },
    });
    const chunkedRes = mf.dispatchFetch(`${ORIGIN}/classify`, { method: 'POST', body: stream as any, duplex: 'half' } as any);
    const tooSlow = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer in 20 s: the Worker waits for the whole chunked body')), 20_000).unref());
    const chunked = await Promise.race([chunkedRes, tooSlow]);
    expect(chunked.status).toBe(413);
    expect((await chunked.json() as any).error).toMatch(/over 1500000 bytes; send at most 1500000/);
    expect(sent).toBe(LIMIT + 1);
    release();
    const get = await mf.dispatchFetch(`${ORIGIN}/classify`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await get.json() as any).error).toMatch(/GET is not allowed/);
    const missing = await mf.dispatchFetch(`${ORIGIN}/nope`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expect((await missing.json() as any).error).toMatch(/no route \/nope/);
  });

  it('runs the single-thread simd build, never a pool or a wait, in far less than 128 MB', async () => {
    // a burst of concurrent requests: a pool or a blocking wait would fail or deadlock here
    const burst = await Promise.all(Array.from({ length: 32 }, (_, i) => post({ texts: PROBES.map((t) => `${t} ${i}`) })));
    expect(burst.every((r) => r.status === 200)).toBe(true);
    const res = await mf.dispatchFetch(`${ORIGIN}/info`);
    expect(res.status).toBe(200);
    const info = await res.json() as any;
    expect(info.env).toMatchObject({ build: 'simd', threads: 1, host: 'workerd', reason: 'threads off: edge workers have no threads' });
    expect(info.labels).toEqual(classifier.labels);
    // wasm linear memory: the model's weights and one batch; the runtime's ceiling in Workers is 96 MB
    expect(info.memory.wasmBytes).toBeLessThan(16 * MB);
    expect(info.memory.maxBytes).toBeLessThanOrEqual(96 * MB);
    // the JS side too: the isolate's heap and wasm are part of the workerd process, so what the
    // process grew by from loading the Worker to now (model, vectorizer, wasm instance, every request
    // above including a 2 MB body) bounds what the Worker used; and, loosely, the whole process
    // with workerd itself
    const rss = workerdRss();
    console.log(`workerd: wasm memory ${(info.memory.wasmBytes / MB).toFixed(1)} MB; process RSS ${(rssAtStart / MB).toFixed(1)} MB loaded, ${(rss / MB).toFixed(1)} MB after the requests`);
    expect(rssAtStart).toBeGreaterThan(0);
    expect(rss - rssAtStart).toBeLessThan(48 * MB);
    expect(rss).toBeLessThan(128 * MB);
  });
});
