// Vocabulary: ids by frequency then code points, determinism under shuffling, minCount/maxSize,
// padding and OOV ids, JSON round trip; padSequences cases.
import { describe, expect, it } from 'vitest';
import { OOV_ID, PADDING_ID, Vocabulary, compareCodePoints, padSequences } from '../../src/text/index.js';
import { Random } from '../../src/random.js';

const docs = [['b', 'a', 'c', 'a'], ['c', 'a', 'd']]; // a: 3, c: 2, b: 1, d: 1

describe('Vocabulary', () => {
  it('gives ids by decreasing count, ties in code-point order, after padding and OOV', () => {
    const v = Vocabulary.build(docs);
    expect(v.tokens()).toEqual(['', '[UNK]', 'a', 'c', 'b', 'd']);
    expect(v.size).toBe(6);
    expect([PADDING_ID, OOV_ID]).toEqual([0, 1]);
    // ids, never counts: 'a' was seen 3 times and has id 2
    expect(Array.from(v.encode(['a', 'z', 'd', 'c']))).toEqual([2, 1, 5, 3]);
    expect(v.id('a')).toBe(2);
    expect(v.id('[UNK]')).toBe(OOV_ID);
    expect(v.decode([2, 0, 1, 5, 0])).toEqual(['a', '[UNK]', 'd']);
    expect(v.decode(new Int32Array([4, 3]))).toEqual(['b', 'c']);
    expect(v.token(0)).toBe('');
  });
  it('orders ties by code points, not UTF-16 units', () => {
    const tokens = ['b', 'a', 'B', 'é', '\uffff', '😀', '\ue000', 'ab', 'a\ud83d\ude00'];
    const v = Vocabulary.build([tokens]);
    expect(v.tokens().slice(2)).toEqual(['B', 'a', 'ab', 'a\ud83d\ude00', 'b', 'é', '\ue000', '\uffff', '😀']);
    expect([...tokens].sort()).not.toEqual(v.tokens().slice(2)); // the default sort puts 😀 before \ue000
    expect(compareCodePoints('😀', '\uffff')).toBeGreaterThan(0);
    expect(compareCodePoints('\ue000', '\ud800')).toBeLessThan(0);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('x', 'x')).toBe(0);
  });
  it('is the same whatever the order of documents and tokens', () => {
    const r = new Random(42);
    const words = Array.from({ length: 300 }, (_, i) => `w${i % 97}${'é😀中'[i % 3]}`);
    const corpus = Array.from({ length: 200 }, () => Array.from({ length: 1 + r.below(30) }, () => words[Math.floor(r.uniform() ** 2 * words.length)]));
    const v1 = Vocabulary.build(corpus);
    for (let seed = 1; seed <= 3; seed++) {
      const s = new Random(seed);
      const shuffled = s.shuffle(corpus.map((d) => s.shuffle([...d])));
      expect(Vocabulary.build(shuffled).tokens()).toEqual(v1.tokens());
      expect(Vocabulary.build(shuffled, { maxSize: 50, minCount: 2 }).tokens()).toEqual(Vocabulary.build(corpus, { maxSize: 50, minCount: 2 }).tokens());
    }
    // and the order is really by count: counts never increase along the ids
    const counts = new Map<string, number>();
    for (const d of corpus) for (const t of d) counts.set(t, (counts.get(t) ?? 0) + 1);
    const ids = v1.tokens().slice(2);
    for (let i = 1; i < ids.length; i++) {
      const [a, b] = [counts.get(ids[i - 1])!, counts.get(ids[i])!];
      expect(a > b || (a === b && compareCodePoints(ids[i - 1], ids[i]) < 0)).toBe(true);
    }
  });
  it('applies minCount and maxSize (which counts the padding and OOV ids)', () => {
    expect(Vocabulary.build(docs, { minCount: 2 }).tokens()).toEqual(['', '[UNK]', 'a', 'c']);
    expect(Vocabulary.build(docs, { maxSize: 4 }).tokens()).toEqual(['', '[UNK]', 'a', 'c']);
    expect(Vocabulary.build(docs, { maxSize: 5 }).tokens()).toEqual(['', '[UNK]', 'a', 'c', 'b']); // tie cut in code-point order
    expect(Vocabulary.build(docs, { maxSize: 2 }).size).toBe(2);
    expect(Vocabulary.build(docs, { minCount: 4 }).size).toBe(2);
    const small = Vocabulary.build(docs, { maxSize: 3 });
    expect(Array.from(small.encode(['a', 'c']))).toEqual([2, OOV_ID]);
    expect(Vocabulary.build([]).tokens()).toEqual(['', '[UNK]']);
  });
  it('round-trips through JSON', () => {
    const v = Vocabulary.build([['héllo', 'wörld', 'héllo', '😀']]);
    const w = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(w.tokens()).toEqual(v.tokens());
    expect(Array.from(w.encode(['😀', 'x', 'wörld']))).toEqual(Array.from(v.encode(['😀', 'x', 'wörld'])));
    expect(new Vocabulary(['x', 'y']).tokens()).toEqual(['', '[UNK]', 'x', 'y']);
  });
  it('refuses bad input with clear errors', () => {
    expect(() => new Vocabulary(['a', 'b', 'a'])).toThrow(/token "a" appears twice \(tokens\[0\] and tokens\[2\]\)/);
    expect(() => new Vocabulary(['a', ''])).toThrow(/tokens\[1\] is ""; tokens must be non-empty strings/);
    expect(() => Vocabulary.fromJSON({ tokens: ['a'] })).toThrow(/expected \{ tokens: \['', '\[UNK\]', \.\.\.\] \}/);
    expect(() => Vocabulary.fromJSON(null as never)).toThrow(/fromJSON/);
    // a saved list names tokens by their id, its index (not by the index without '' and '[UNK]')
    expect(() => Vocabulary.fromJSON({ tokens: ['', '[UNK]', 'a', 'b', 'a'] })).toThrow(/Vocabulary\.fromJSON: token "a" appears twice \(tokens\[2\] and tokens\[4\]\)/);
    expect(() => Vocabulary.fromJSON({ tokens: ['', '[UNK]', 'a', 7 as never] })).toThrow(/tokens\[3\] is 7; tokens must be non-empty strings/);
    expect(() => Vocabulary.build(['a b'] as never)).toThrow(/document 0 is "a b", not an array of tokens/);
    expect(() => Vocabulary.build([['a', 3]] as never)).toThrow(/document 0, token 1 is 3, not a string/);
    expect(() => Vocabulary.build(docs, { maxSize: 1 })).toThrow(/maxSize must be a whole number >= 2, got 1; it counts the padding and OOV ids/);
    expect(() => Vocabulary.build(docs, { minCount: 0 })).toThrow(/minCount must be a whole number >= 1/);
    expect(() => Vocabulary.build(docs, { maxTokens: 5 } as never)).toThrow(/unknown option 'maxTokens'/);
    const v = Vocabulary.build(docs);
    expect(() => v.decode([6])).toThrow(/id 6 is not in the vocabulary \(ids 0 to 5\)/);
    expect(() => v.decode([1.5])).toThrow(/id 1.5 is not in the vocabulary/);
    expect(() => v.encode('a' as never)).toThrow(/tokens must be an array of strings/);
  });
});

describe('padSequences', () => {
  const seqs = [[1, 2, 3], [4], [5, 6, 7, 8, 9]];
  const pad = (o: Parameters<typeof padSequences>[1]) => { const r = padSequences(seqs, o); return [Array.from(r.data), r.shape]; };
  it('pads and truncates at the end by default', () => {
    expect(pad({ maxLen: 3 })).toEqual([[1, 2, 3, 4, 0, 0, 5, 6, 7], [3, 3]]);
  });
  it('pads and truncates at either end', () => {
    expect(pad({ maxLen: 3, padding: 'pre' })).toEqual([[1, 2, 3, 0, 0, 4, 5, 6, 7], [3, 3]]);
    expect(pad({ maxLen: 3, truncating: 'pre' })).toEqual([[1, 2, 3, 4, 0, 0, 7, 8, 9], [3, 3]]);
    expect(pad({ maxLen: 3, padding: 'pre', truncating: 'pre' })).toEqual([[1, 2, 3, 0, 0, 4, 7, 8, 9], [3, 3]]); // Keras pad_sequences' defaults
    expect(pad({ maxLen: 2, value: -1, padding: 'pre' })).toEqual([[1, 2, -1, 4, 5, 6], [3, 2]]);
  });
  it('uses the longest sequence (at least 1) without maxLen', () => {
    expect(pad({})).toEqual([[1, 2, 3, 0, 0, 4, 0, 0, 0, 0, 5, 6, 7, 8, 9], [3, 5]]);
    expect(pad(undefined)).toEqual(pad({ maxLen: 5 }));
    const e = padSequences([[], []]);
    expect([Array.from(e.data), e.shape]).toEqual([[0, 0], [2, 1]]);
    expect(padSequences([]).shape).toEqual([0, 1]);
  });
  it('takes typed arrays', () => {
    const r = padSequences(seqs.map((s) => Int32Array.from(s)), { maxLen: 4, padding: 'pre', truncating: 'pre' });
    expect(Array.from(r.data)).toEqual([0, 1, 2, 3, 0, 0, 0, 4, 6, 7, 8, 9]);
    expect(r.data).toBeInstanceOf(Int32Array);
  });
  it('refuses bad input with clear errors', () => {
    expect(() => padSequences(seqs, { maxLen: 0 })).toThrow(/padSequences: maxLen must be a whole number >= 1, got 0; rows need room/);
    expect(() => padSequences(seqs, { maxLen: 2.5 })).toThrow(/maxLen must be a whole number/);
    expect(() => padSequences(seqs, { padding: 'middle' as never })).toThrow(/padding must be 'pre' or 'post', got "middle"/);
    expect(() => padSequences(seqs, { truncating: 'end' as never })).toThrow(/truncating must be 'pre' or 'post'/);
    expect(() => padSequences(seqs, { value: 0.5 })).toThrow(/value must be a whole number/);
    expect(() => padSequences([[1, 2.5]])).toThrow(/sequences\[0\]\[1\] is 2.5; ids must be whole numbers that fit in int32/);
    expect(() => padSequences([[1], 'ab'] as never)).toThrow(/sequences\[1\] is "ab", not an array of ids/);
    expect(() => padSequences(new Int32Array(3) as never)).toThrow(/sequences must be an array of id arrays/);
    expect(() => padSequences([[1], [2]], { maxLen: 2 ** 28 })).toThrow(/2 rows of 268435456 ids would take 2.0 GiB \(the limit is 1 GiB\)/);
    expect(() => padSequences([[1]], { maxlen: 3 } as never)).toThrow(/unknown option 'maxlen'/);
  });
});
