// Hashed n-gram features in the style of fastText: word n-grams and character n-grams of words
// with boundary markers, hashed with 32-bit FNV-1a over UTF-8 bytes into a range of bucket ids.
// Integer arithmetic only (Math.imul), so every host gives the same ids.
//
// Differences from fastText, on purpose: fastText XORs each byte sign-extended (int8_t), which
// changes the hash of bytes >= 0x80; we use standard FNV-1a (published test vectors), so the
// hashes agree with fastText's for ASCII only. fastText combines word hashes of a word n-gram
// arithmetically; we hash the n-gram's tokens joined by one space.

import { checkInt, checkKeys, checkOptionsObject, checkRange, describe } from './check.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of the UTF-8 bytes of s, as an unsigned integer. Lone surrogates hash as U+FFFD
 *  (as TextEncoder encodes them). */
export function fnv1a32(s: string): number {
  if (typeof s !== 'string') throw new TypeError(`wasmnn: fnv1a32: expected a string, got ${describe(s)}`);
  return fnv1aUpdate(FNV_OFFSET, s) >>> 0;
}

/** Continues an FNV-1a hash h over the UTF-8 bytes of s (result as a signed 32-bit integer). */
function fnv1aUpdate(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) { h = Math.imul(h ^ c, FNV_PRIME); continue; }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { h = fnv1aCodePoint(h, ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000); i++; continue; }
    }
    h = fnv1aCodePoint(h, c);
  }
  return h;
}

/** Continues h over the UTF-8 bytes of one code point (surrogates as U+FFFD). */
function fnv1aCodePoint(h: number, cp: number): number {
  if (cp < 0x80) return Math.imul(h ^ cp, FNV_PRIME);
  if (cp < 0x800) {
    h = Math.imul(h ^ (0xc0 | (cp >> 6)), FNV_PRIME);
    return Math.imul(h ^ (0x80 | (cp & 63)), FNV_PRIME);
  }
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x10000) {
    h = Math.imul(h ^ (0xe0 | (cp >> 12)), FNV_PRIME);
    h = Math.imul(h ^ (0x80 | ((cp >> 6) & 63)), FNV_PRIME);
    return Math.imul(h ^ (0x80 | (cp & 63)), FNV_PRIME);
  }
  h = Math.imul(h ^ (0xf0 | (cp >> 18)), FNV_PRIME);
  h = Math.imul(h ^ (0x80 | ((cp >> 12) & 63)), FNV_PRIME);
  h = Math.imul(h ^ (0x80 | ((cp >> 6) & 63)), FNV_PRIME);
  return Math.imul(h ^ (0x80 | (cp & 63)), FNV_PRIME);
}

/** Code points of s (a surrogate pair is one). */
function codePoints(s: string, out: number[]): number[] {
  out.length = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { out.push(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000); i++; continue; }
    }
    out.push(c);
  }
  return out;
}

function checkMinMax(op: string, minn: unknown, maxn: unknown): void {
  checkInt(op, 'minn', minn, 1, 2147483647, 'character n-grams have at least one character');
  checkInt(op, 'maxn', maxn, minn as number, 2147483647, 'maxn must be at least minn');
}

/**
 * fastText's character n-grams of a word: the n-grams of '<' + word + '>' of minn to maxn code
 * points, in order of start position then length, without the lone markers '<' and '>'.
 * charNgrams('where', 3, 3) is ['<wh', 'whe', 'her', 'ere', 're>'].
 */
export function charNgrams(word: string, minn: number, maxn: number): string[] {
  if (typeof word !== 'string') throw new TypeError(`wasmnn: charNgrams: word must be a string, got ${describe(word)}`);
  checkMinMax('charNgrams', minn, maxn);
  const cps = codePoints('<' + word + '>', []);
  const out: string[] = [];
  for (let i = 0; i < cps.length; i++) {
    for (let n = 1; n <= maxn && i + n <= cps.length; n++) {
      if (n >= minn && !(n === 1 && (i === 0 || i + n === cps.length))) out.push(String.fromCodePoint(...cps.slice(i, i + n)));
    }
  }
  return out;
}

export interface HashOptions {
  /** Number of bucket ids (>= 1). */
  buckets: number;
  /** First bucket id (default 0): ids are in [offset, offset + buckets). */
  offset?: number;
}

export interface WordNgramOptions extends HashOptions {
  /** [minN, maxN]: the n-gram lengths in tokens, 1 <= minN <= maxN. */
  n: [number, number];
}

export interface CharNgramOptions extends HashOptions {
  /** [minn, maxn]: the n-gram lengths in code points, 1 <= minn <= maxn. */
  n: [number, number];
}

function checkHash(op: string, o: Record<string, unknown>): { buckets: number; offset: number } {
  const buckets = checkInt(op, 'buckets', o.buckets, 1, 2147483647, 'use at least one bucket (fastText uses 2,000,000; a few 100,000 suit small models)');
  const offset = checkInt(op, 'offset', o.offset ?? 0, 0, 2147483647 - buckets, 'ids must stay below 2^31: offset + buckets <= 2147483647');
  return { buckets, offset };
}

/**
 * Bucket ids of the word n-grams of a token list: for each start position, for each length n
 * in [minN, maxN] that fits, offset + fnv1a32(tokens joined by ' ') % buckets. Unigrams are
 * included when minN is 1 (a pure hashing-trick bag); TextVectorizer uses vocabulary ids for
 * unigrams and this for n >= 2.
 */
export function hashedWordNgrams(tokens: readonly string[], options: WordNgramOptions): Int32Array {
  const op = 'hashedWordNgrams';
  if (!Array.isArray(tokens)) throw new TypeError(`wasmnn: ${op}: tokens must be an array of strings, got ${describe(tokens)}`);
  for (let i = 0; i < tokens.length; i++) {
    if (typeof tokens[i] !== 'string') throw new TypeError(`wasmnn: ${op}: tokens[${i}] is ${describe(tokens[i])}, not a string`);
  }
  const o = checkOptionsObject(op, options);
  checkKeys(op, o, ['n', 'buckets', 'offset']);
  const [minN, maxN] = checkRange(op, 'n', o.n, 1);
  const { buckets, offset } = checkHash(op, o);
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) wordNgramsAt(tokens, i, minN, maxN, buckets, offset, out);
  return Int32Array.from(out);
}

/** Pushes the bucket ids of the word n-grams starting at token i (no checks). */
export function wordNgramsAt(tokens: readonly string[], i: number, minN: number, maxN: number, buckets: number, offset: number, out: number[]): void {
  let h = FNV_OFFSET;
  const last = Math.min(tokens.length, i + maxN);
  for (let j = i; j < last; j++) {
    if (j > i) h = Math.imul(h ^ 32, FNV_PRIME);
    h = fnv1aUpdate(h, tokens[j]);
    if (j - i + 1 >= minN) out.push(offset + (h >>> 0) % buckets);
  }
}

/**
 * Bucket ids of charNgrams(word, minn, maxn), in the same order: offset + fnv1a32(g) % buckets
 * for each n-gram g, computed without building the n-gram strings.
 */
export function hashedCharNgrams(word: string, options: CharNgramOptions): Int32Array {
  const op = 'hashedCharNgrams';
  if (typeof word !== 'string') throw new TypeError(`wasmnn: ${op}: word must be a string, got ${describe(word)}`);
  const o = checkOptionsObject(op, options);
  checkKeys(op, o, ['n', 'buckets', 'offset']);
  const [minn, maxn] = checkRange(op, 'n', o.n, 1);
  const { buckets, offset } = checkHash(op, o);
  const out: number[] = [];
  charNgramIds(word, minn, maxn, buckets, offset, out, []);
  return Int32Array.from(out);
}

/** Pushes the bucket ids of the character n-grams of word (no checks; cps is scratch). */
export function charNgramIds(word: string, minn: number, maxn: number, buckets: number, offset: number, out: number[], cps: number[]): void {
  codePoints(word, cps);
  cps.unshift(60); // <
  cps.push(62); // >
  const len = cps.length;
  for (let i = 0; i < len; i++) {
    let h = FNV_OFFSET;
    for (let n = 1; n <= maxn && i + n <= len; n++) {
      h = fnv1aCodePoint(h, cps[i + n - 1]);
      if (n >= minn && !(n === 1 && (i === 0 || i + n === len))) out.push(offset + (h >>> 0) % buckets);
    }
  }
}
