// FNV-1a against its published test vectors and a plain reference over TextEncoder bytes;
// fastText character n-grams; hashed ids as closed forms of fnv1a32.
import { describe, expect, it } from 'vitest';
import { charNgrams, fnv1a32, hashedCharNgrams, hashedWordNgrams } from '../../src/text/index.js';
import { rng } from '../helpers/data.js';

/** Reference FNV-1a: the textbook loop over the bytes TextEncoder produces. */
function fnvRef(s: string): number {
  let h = 2166136261;
  for (const b of new TextEncoder().encode(s)) {
    h = (h ^ b) >>> 0;
    h = Number((BigInt(h) * 16777619n) % 4294967296n);
  }
  return h;
}

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    const vectors: [string, number][] = [
      ['', 0x811c9dc5], ['a', 0xe40c292c], ['b', 0xe70c2de5], ['c', 0xe60c2c52], ['foo', 0xa9f37ed7],
      ['foob', 0x3f5076ef], ['fooba', 0x39aaa18a], ['foobar', 0xbf9cf968],
    ];
    for (const [s, h] of vectors) {
      expect(fnv1a32(s), s).toBe(h);
      expect(fnvRef(s), s).toBe(h);
    }
  });
  it('hashes the UTF-8 bytes of every kind of code point', () => {
    const cases = ['é', 'ß', 'ж', '中文', '€', '😀', 'a𠀀b', '\uffff', '\u07ff', '\u0800', '\ud800', 'x\udc00y', '\ud83d'];
    for (const s of cases) expect(fnv1a32(s), JSON.stringify(s)).toBe(fnvRef(s));
    const r = rng(5);
    for (let k = 0; k < 300; k++) {
      let s = '';
      const n = Math.floor(r() * 10);
      for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 65536));
      expect(fnv1a32(s), JSON.stringify(s)).toBe(fnvRef(s));
    }
  });
  it('returns unsigned 32-bit integers', () => {
    for (const s of ['', 'a', 'foobar', 'zz']) {
      const h = fnv1a32(s);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    }
    expect(() => fnv1a32(1 as unknown as string)).toThrow(/expected a string, got 1/);
  });
});

describe('charNgrams', () => {
  it("gives fastText's subwords of a word with boundary markers", () => {
    expect(charNgrams('where', 3, 3)).toEqual(['<wh', 'whe', 'her', 'ere', 're>']); // the fastText paper's example
    expect(charNgrams('ab', 1, 2)).toEqual(['<a', 'a', 'ab', 'b', 'b>']); // lone '<' and '>' are left out
    expect(charNgrams('abc', 3, 5)).toEqual(['<ab', '<abc', '<abc>', 'abc', 'abc>', 'bc>']);
    expect(charNgrams('a', 4, 6)).toEqual([]);
  });
  it('counts code points, not UTF-16 units', () => {
    expect(charNgrams('😀', 3, 3)).toEqual(['<😀>']);
    expect(charNgrams('é😀', 2, 2)).toEqual(['<é', 'é😀', '😀>']);
  });
  it('refuses bad lengths', () => {
    expect(() => charNgrams('x', 0, 3)).toThrow(/minn must be a whole number >= 1/);
    expect(() => charNgrams('x', 3, 2)).toThrow(/maxn must be a whole number >= 3/);
    expect(() => charNgrams(5 as unknown as string, 3, 3)).toThrow(/word must be a string/);
  });
});

describe('hashed n-grams', () => {
  it('hashedCharNgrams is offset + fnv1a32(n-gram) % buckets, in charNgrams order', () => {
    const r = rng(9), alphabet = ['a', 'b', 'é', '中', '😀', "'"];
    for (let k = 0; k < 200; k++) {
      let w = '';
      const len = 1 + Math.floor(r() * 8);
      for (let i = 0; i < len; i++) w += alphabet[Math.floor(r() * alphabet.length)];
      const [minn, maxn] = [1 + Math.floor(r() * 3), 3 + Math.floor(r() * 3)];
      const buckets = 1 + Math.floor(r() * 1000), offset = Math.floor(r() * 100);
      const want = charNgrams(w, minn, maxn).map((g) => offset + (fnv1a32(g) % buckets));
      expect(Array.from(hashedCharNgrams(w, { n: [minn, maxn], buckets, offset })), w).toEqual(want);
    }
  });
  it('hashedWordNgrams hashes tokens joined by spaces, by position then length', () => {
    const h = (s: string) => 5 + (fnv1a32(s) % 1000);
    expect(Array.from(hashedWordNgrams(['a', 'b', 'c'], { n: [1, 2], buckets: 1000, offset: 5 })))
      .toEqual([h('a'), h('a b'), h('b'), h('b c'), h('c')]);
    expect(Array.from(hashedWordNgrams(['the', 'café', 'is', 'open'], { n: [2, 3], buckets: 1000, offset: 5 })))
      .toEqual([h('the café'), h('the café is'), h('café is'), h('café is open'), h('is open')]);
    expect(Array.from(hashedWordNgrams(['x'], { n: [2, 2], buckets: 7 }))).toEqual([]);
    // the full 32-bit range: with 2^31 - 1 buckets the id is the hash mod 2^31 - 1
    expect(hashedWordNgrams(['foobar'], { n: [1, 1], buckets: 2 ** 31 - 1 })[0]).toBe(0xbf9cf968 % (2 ** 31 - 1));
  });
  it('refuses bad options', () => {
    expect(() => hashedWordNgrams(['a'], { n: [1, 2], buckets: 0 })).toThrow(/buckets must be a whole number >= 1, got 0; use at least one bucket/);
    expect(() => hashedWordNgrams(['a'], { n: [2, 1], buckets: 10 })).toThrow(/n must be a pair \[min, max\]/);
    expect(() => hashedWordNgrams(['a'], { n: [0, 1], buckets: 10 })).toThrow(/1 <= min <= max/);
    expect(() => hashedWordNgrams(['a'], { n: [1, 1], buckets: 10, offset: 2 ** 31 - 5 })).toThrow(/offset must be a whole number in \[0, 2147483637\]/);
    expect(() => hashedWordNgrams('a b' as unknown as string[], { n: [1, 1], buckets: 10 })).toThrow(/tokens must be an array of strings/);
    expect(() => hashedWordNgrams(['a', 2] as unknown as string[], { n: [1, 1], buckets: 10 })).toThrow(/tokens\[1\] is 2, not a string/);
    expect(() => hashedCharNgrams('a', { n: [3, 5], buckets: 1.5 })).toThrow(/buckets must be a whole number/);
    expect(() => hashedCharNgrams('a', { n: [3, 5], bucket: 10 } as never)).toThrow(/unknown option 'bucket'/);
  });
});
