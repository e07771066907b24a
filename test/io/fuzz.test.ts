// Fuzz: over 10,000 corrupted files derived from one real small model file (seeded, so every run
// throws the same files). Each either loads and predicts, or is refused with a WnnFormatError;
// never another exception from inside the loader, never a slow case, never memory left behind or
// grown beyond a bound set by the file's size, and the safetensors parser never allocates a typed
// array bigger than its input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, runtime, shutdown, Sequential, Embedding, LSTM, Dense, Dropout, Adam, TextVectorizer } from '../../src/index.js';
import { decodeSafetensors, WnnFormatError } from '../../src/io/safetensors.js';
import { decodeWnn, encodeWnn } from '../../src/io/wnn.js';
import { rng } from '../helpers/data.js';

const CASE_MS = 1000;
const TEXTS = ['free money now', 'lunch at noon?', ''];

let base: Uint8Array;
beforeAll(async () => {
  await init({ threads: 1 });
  const texts = ['free money now', 'meeting at noon', 'win a free prize', 'lunch tomorrow', 'claim your prize', 'see you at lunch'];
  const vec = new TextVectorizer({ maxTokens: 30, outputSequenceLength: 5 });
  vec.adapt(texts);
  const model = new Sequential([
    new Embedding({ inputDim: vec.vocabularySize, outputDim: 3, maskZero: true }), new LSTM({ units: 2 }),
    new Dropout({ rate: 0.1 }), new Dense({ units: 2, activation: 'softmax' }),
  ], { seed: 1 });
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(vec.transform(texts), Int32Array.from([1, 0, 1, 0, 1, 0]), { epochs: 2, batchSize: 3, seed: 1 });
  base = encodeWnn({ model, vectorizer: vec, labels: ['ham', 'spam'], training: { epochs: 2, accuracy: 0.5 }, includeOptimizer: true });
  model.dispose();
});
afterAll(async () => { await shutdown(); });

// ---- building blocks of corrupted files ----

interface Parts { header: Record<string, any>; data: Uint8Array }

function split(bytes: Uint8Array): Parts {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.slice(8 + n) };
}

/** A file from a header object (or raw header text) and data, the length field as given or the true one. */
function join(header: Record<string, any> | string, data: Uint8Array, length?: bigint): Uint8Array {
  let text = typeof header === 'string' ? header : JSON.stringify(header);
  while ((8 + new TextEncoder().encode(text).length) % 8) text += ' ';
  const h = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const WEIRD: unknown[] = [-1, 0, 1, 2, 7, 1.5, -0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 31, 2 ** 32 + 1, '', 'x', '1', 'F32', 'NaN', null, true, false, [], [1], [-1], [1e9, 1e9], {}, { a: 1 }, 'a'.repeat(300), [[[]]]];

type R = () => number;
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Every (object, key) slot of a JSON value, depth first. */
function slots(v: any, out: [any, string | number][] = []): [any, string | number][] {
  if (v && typeof v === 'object') {
    for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) { out.push([v, k]); slots(v[k], out); }
  }
  return out;
}

/** One random edit of a JSON value: replace a slot, delete it, add an unknown key, or swap two slots. */
function mutateJson(v: any, r: R): any {
  const copy = JSON.parse(JSON.stringify(v));
  const all = slots(copy);
  if (!all.length) return pick(r, WEIRD);
  const [obj, key] = pick(r, all);
  const op = r();
  if (op < 0.55) obj[key] = pick(r, WEIRD);
  else if (op < 0.7) { if (Array.isArray(obj)) obj.splice(key as number, 1); else delete obj[key]; }
  else if (op < 0.8 && !Array.isArray(obj)) obj[pick(r, ['extra', 'kernelRegularizer', '__proto__', 'constructor', 'name'])] = pick(r, WEIRD);
  else if (op < 0.9) { const [o2, k2] = pick(r, all); const t = obj[key]; obj[key] = o2[k2]; o2[k2] = t; }
  else if (typeof obj[key] === 'number') obj[key] = obj[key] * pick(r, [-1, 2, 0.5, 1e6]) + pick(r, [0, 1, -1]);
  else obj[key] = pick(r, WEIRD);
  return copy;
}

const tensorNames = (h: Record<string, any>) => Object.keys(h).filter((k) => k !== '__metadata__');

// ---- the case generators: each returns [label, bytes] ----

type Gen = (r: R, i: number) => [string, Uint8Array];

const gens: [string, number, Gen][] = [
  ['truncation at every byte (header, data and the length field)', 0, (_, i) => ['truncate', base.subarray(0, i)]],
  ['flipped bytes in the header', 2500, (r) => {
    const f = base.slice();
    const n = Number(new DataView(f.buffer).getBigUint64(0, true));
    const k = 1 + Math.floor(r() * 3);
    for (let j = 0; j < k; j++) f[8 + Math.floor(r() * n)] ^= 1 + Math.floor(r() * 255);
    return ['header flip', f];
  }],
  ['flipped bytes in the data', 1200, (r) => {
    const f = base.slice();
    const n = Number(new DataView(f.buffer).getBigUint64(0, true));
    const k = 1 + Math.floor(r() * 4);
    for (let j = 0; j < k; j++) f[8 + n + Math.floor(r() * (f.length - 8 - n))] ^= 1 << Math.floor(r() * 8);
    return ['data flip', f];
  }],
  ['bad length fields', 300, (r) => {
    const { header, data } = split(base);
    const len = pick(r, [0n, 1n, 7n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n - 8n, BigInt(base.length), BigInt(base.length - 8), BigInt(Math.floor(r() * base.length))]);
    return ['length field', join(header, data, len)];
  }],
  ['huge, negative, fractional and NaN sizes and offsets', 700, (r) => {
    const { header, data } = split(base);
    const t = header[pick(r, tensorNames(header))];
    const field = pick(r, ['shape', 'data_offsets']);
    const arr = t[field];
    const at = Math.floor(r() * Math.max(arr.length, 1));
    const raw = pick(r, ['-1', '-4', '1.5', '1e308', '-1e308', '9007199254740993', '18446744073709551615', 'NaN', 'Infinity', '1e400', '"8"', 'null']);
    const marker = '"@@"';
    arr[at] = '@@';
    return ['size', join(JSON.stringify(header).replace(marker, raw), data)];
  }],
  ['overlapping, gapped and shifted offsets', 500, (r) => {
    const { header, data } = split(base);
    const names = tensorNames(header);
    const a = header[pick(r, names)], b = header[pick(r, names)];
    const op = r();
    if (op < 0.4) a.data_offsets = [...b.data_offsets];
    else if (op < 0.7) { const d = pick(r, [-8, -4, 4, 8]); a.data_offsets = a.data_offsets.map((x: number) => x + d); }
    else { const t = a.data_offsets; a.data_offsets = b.data_offsets; b.data_offsets = t; }
    return ['offsets', join(header, data)];
  }],
  ['bad JSON', 500, (r) => {
    const text = JSON.stringify(split(base).header);
    const at = Math.floor(r() * text.length);
    const op = r();
    const junk = pick(r, ['{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', '\ud800', 'nul', ',,', '"a":', '/*', '\n']);
    const bad = op < 0.4 ? text.slice(0, at) : op < 0.7 ? text.slice(0, at) + junk + text.slice(at) : text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 5));
    return ['json', join(bad, split(base).data)];
  }],
  ['wrong dtypes', 300, (r) => {
    const { header, data } = split(base);
    header[pick(r, tensorNames(header))].dtype = pick(r, ['I32', 'F16', 'BF16', 'F64', 'U8', 'I64', 'f32', 'float32', '', 'F32 ', 7, null]);
    return ['dtype', join(header, data)];
  }],
  ['shapes that disagree with the config', 600, (r) => {
    const { header, data } = split(base);
    const names = tensorNames(header);
    const t = header[pick(r, names)];
    const op = r();
    if (op < 0.35) t.shape = [...t.shape].reverse();
    else if (op < 0.6) { const other = header[pick(r, names)]; const s = t.shape; t.shape = other.shape; other.shape = s; }
    else if (op < 0.8) t.shape = [t.shape.reduce((a: number, b: number) => a * b, 1)];
    else t.shape = [...t.shape, 1];
    return ['shape', join(header, data)];
  }],
  ['bad metadata (format, version, config, compile, optimizer, tokenizer, labels, training)', 3100, (r) => {
    const { header, data } = split(base);
    const meta = header.__metadata__;
    const key = pick(r, ['format', 'format_version', 'model', 'model', 'model', 'model', 'compile', 'optimizer', 'tokenizer', 'tokenizer', 'labels', 'training', 'extra']);
    const op = r();
    if (key === 'extra') meta.extra = 'x';
    else if (op < 0.1) delete meta[key];
    else if (op < 0.2) meta[key] = pick(r, ['', '{', 'null', '[]', '{}', '2', '"wasmnn"', 'wasmnn', '99', '1e3', '01']);
    else if (key === 'format' || key === 'format_version') meta[key] = pick(r, ['WASMNN', 'wasmnn ', '0', '2', '-1', '1.0', '1e0', ' 1', '999999999999', 'safetensors']);
    else meta[key] = JSON.stringify(mutateJson(JSON.parse(meta[key]), r));
    return [`metadata ${key}`, join(header, data)];
  }],
];

// ---- the run ----

const TypedArrays = ['Float32Array', 'Int32Array', 'Uint8Array', 'Float64Array', 'ArrayBuffer'] as const;

/** Runs fn with the global typed-array constructors wrapped to record the bytes they allocate (the largest and the total). */
function allocations(fn: () => void): { largest: number; total: number } {
  const g = globalThis as any;
  const saved = TypedArrays.map((k) => g[k]);
  let largest = 0, total = 0;
  TypedArrays.forEach((k, i) => {
    const C = saved[i];
    g[k] = new Proxy(C, {
      construct(target, args, newTarget) {
        const a = Reflect.construct(target, args, newTarget === g[k] ? target : newTarget) as { byteLength: number };
        // a view on an existing buffer allocates nothing (a copy of an array does)
        if (!(args[0] instanceof saved[4])) { largest = Math.max(largest, a.byteLength); total += a.byteLength; }
        return a;
      },
    });
  });
  try { fn(); } finally { TypedArrays.forEach((k, i) => { g[k] = saved[i]; }); }
  return { largest, total };
}

describe('fuzz', () => {
  it('over 10,000 corrupted model files: each loads or is refused with a WnnFormatError', () => {
    const rt = runtime();
    const baseline = rt.memoryInfo().liveBytes;
    const stats = new Map<string, { cases: number; loaded: number; refused: number; ms: number }>();
    const messages = new Map<string, number>();
    let total = 0, slowest = 0, maxParsed = 0, maxGrowth = 0;
    const run = (group: string, label: string, bytes: Uint8Array) => {
      total++;
      const s = stats.get(group) ?? { cases: 0, loaded: 0, refused: 0, ms: 0 };
      stats.set(group, s);
      s.cases++;
      const t0 = performance.now();
      // the parser alone: no typed array bigger than the file
      const parsed = allocations(() => { try { decodeSafetensors(bytes); } catch { /* judged below */ } });
      if (parsed.total > bytes.length) throw new Error(`case ${total} (${label}): the parser allocated ${parsed.total} bytes (largest ${parsed.largest}) for a ${bytes.length}-byte file`);
      maxParsed = Math.max(maxParsed, parsed.total / Math.max(bytes.length, 1));
      let loaded: ReturnType<typeof decodeWnn> | null = null;
      try {
        loaded = decodeWnn(bytes);
      } catch (e) {
        if (!(e instanceof WnnFormatError) || !/^wasmnn: .+; .+/.test(e.message)) {
          throw new Error(`case ${total} (${label}): expected a WnnFormatError, got ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
        }
        s.refused++;
        const key = e.message.replace(/[0-9]+/g, 'N').replace(/'[^']*'/g, "'…'").slice(0, 70);
        messages.set(key, (messages.get(key) ?? 0) + 1);
      }
      if (loaded) {
        s.loaded++;
        const grown = rt.memoryInfo().liveBytes - baseline;
        // values + gradients + the optimizer's slots, whose contents the file carries: within the file's size
        maxGrowth = Math.max(maxGrowth, grown / bytes.length);
        if (grown > bytes.length) throw new Error(`case ${total} (${label}): loading took ${grown} bytes of memory for a ${bytes.length}-byte file`);
        try {
          const x = loaded.vectorizer ? loaded.vectorizer.transform(TEXTS) : { data: new Int32Array(15), shape: [3, 5] };
          const p = loaded.model.predict(x);
          if (p.shape[0] !== 3) throw new Error('wrong prediction shape');
        } catch (e) {
          if (!/^wasmnn: /.test((e as Error).message)) throw new Error(`case ${total} (${label}): a loaded file failed to predict: ${(e as Error).message}`, { cause: e });
        } finally {
          loaded.model.dispose();
        }
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      s.ms += ms;
      if (ms > CASE_MS) throw new Error(`case ${total} (${label}) took ${ms.toFixed(0)} ms`);
      const live = rt.memoryInfo().liveBytes;
      if (live !== baseline) throw new Error(`case ${total} (${label}) left ${live - baseline} bytes of memory behind`);
    };

    const r = rng(20261128);
    // the clean file loads (so the corrupted ones are refused for their corruption)
    run('the clean file', 'clean', base);
    expect(stats.get('the clean file')!.loaded).toBe(1);
    for (const [group, count, gen] of gens) {
      const n = count || base.length;
      for (let i = 0; i < n; i++) { const [label, bytes] = gen(r, i); run(group, label, bytes); }
    }
    const table = [...stats].map(([g, s]) => `${String(s.cases).padStart(5)} cases ${String(s.loaded).padStart(5)} loaded ${String(s.refused).padStart(5)} refused ${(s.ms / 1000).toFixed(1).padStart(5)} s  ${g}`);
    console.log(`fuzz: ${total} files from a ${base.length}-byte model file; slowest case ${slowest.toFixed(1)} ms; parser allocations <= ${maxParsed.toFixed(2)} x the file; a loaded model's memory <= ${maxGrowth.toFixed(2)} x the file\n${table.join('\n')}\n` +
      `distinct refusal messages: ${messages.size}; most common:\n${[...messages].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([m, c]) => `${String(c).padStart(6)}  ${m}`).join('\n')}`);
    expect(total).toBeGreaterThanOrEqual(10_000);
    // truncations are always refused; every group refuses most of its files
    expect(stats.get(gens[0][0])!.loaded).toBe(0);
    for (const [g, s] of stats) if (g !== 'the clean file' && g !== gens[2][0]) expect(s.refused, g).toBeGreaterThan(s.cases / 2);
  });
});
