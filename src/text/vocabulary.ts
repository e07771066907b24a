// A token vocabulary: token <-> integer id. Id 0 is padding, id 1 stands for every token that is
// not in the vocabulary (out-of-vocabulary); tokens get ids from 2 in order of decreasing count,
// ties broken by code-point order of the tokens, so the same data always gives the same ids
// whatever the order of the documents.

import { checkInt, checkKeys, checkOptionsObject, describe } from './check.js';

export const PADDING_ID = 0;
export const OOV_ID = 1;
/** How padding and out-of-vocabulary ids decode (the names Keras' TextVectorization uses). */
export const PADDING_TOKEN = '';
export const OOV_TOKEN = '[UNK]';

export interface VocabularyBuildOptions {
  /** Keep tokens seen at least this many times. Default 1. */
  minCount?: number;
  /** Largest vocabulary size, counting the padding and OOV ids (so at most maxSize - 2 tokens;
   *  like Keras' max_tokens). This is the inputDim an Embedding needs. Default: no limit. */
  maxSize?: number | null;
}

export interface VocabularyJSON {
  /** Every token by id: ['', '[UNK]', most frequent, ...]. */
  tokens: string[];
}

/** Compares two strings by code points (not UTF-16 units: U+10000 sorts after U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        // surrogates (astral code points) sort above U+E000..U+FFFF
        x += x >= 0xe000 ? -0x800 : 0x2000;
        y += y >= 0xe000 ? -0x800 : 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

export class Vocabulary {
  private readonly list: string[];
  private readonly index: Map<string, number>;

  /** A vocabulary of these tokens with ids 2, 3, ... in this order (use Vocabulary.build to
   *  count them from data). Tokens must be distinct non-empty strings. */
  constructor(tokens: readonly string[]) {
    if (!Array.isArray(tokens)) throw new TypeError(`wasmnn: Vocabulary: tokens must be an array of strings, got ${describe(tokens)}`);
    this.list = [PADDING_TOKEN, OOV_TOKEN];
    this.index = new Map();
    Vocabulary.add(this, tokens, 0, 'Vocabulary', 'tokens');
  }

  /** Adds tokens[from..] with ids 2, 3, ...; a bad or repeated token is named as `name[i]`. */
  private static add(v: Vocabulary, tokens: readonly unknown[], from: number, op: string, name: string): void {
    for (let i = from; i < tokens.length; i++) {
      const t = tokens[i];
      if (typeof t !== 'string' || t === '') {
        throw new TypeError(`wasmnn: ${op}: ${name}[${i}] is ${describe(t)}; tokens must be non-empty strings`);
      }
      const first = v.index.get(t);
      if (first !== undefined) {
        throw new RangeError(`wasmnn: ${op}: token ${describe(t)} appears twice (${name}[${first - 2 + from}] and ${name}[${i}]); tokens must be distinct`);
      }
      v.index.set(t, v.list.length);
      v.list.push(t);
    }
  }

  /**
   * A vocabulary from a saved list of every token by id, ['', '[UNK]', ...] (toJSON's tokens, a
   * saved TextVectorizer's vocabulary): errors name a token by its place in that list, its id.
   */
  static fromTokenList(list: unknown, op: string, name: string): Vocabulary {
    if (!Array.isArray(list) || list[0] !== PADDING_TOKEN || list[1] !== OOV_TOKEN) {
      throw new TypeError(`wasmnn: ${op}: expected ${name} ['', '[UNK]', ...] (every token by id) as written by toJSON(), got ${describe(list)}`);
    }
    const v = new Vocabulary([]);
    Vocabulary.add(v, list, 2, op, name);
    return v;
  }

  /**
   * Counts the tokens of every document and keeps those seen at least minCount times, the most
   * frequent first (ties in code-point order), at most maxSize ids in all.
   */
  static build(documents: Iterable<readonly string[]>, options?: VocabularyBuildOptions): Vocabulary {
    const op = 'Vocabulary.build';
    const o = checkOptionsObject(op, options);
    checkKeys(op, o, ['minCount', 'maxSize']);
    const minCount = checkInt(op, 'minCount', o.minCount ?? 1, 1);
    const maxSize = o.maxSize == null ? Infinity : checkInt(op, 'maxSize', o.maxSize, 2, 2147483647, 'it counts the padding and OOV ids, so 2 is the smallest (an empty vocabulary)');
    if (documents == null || typeof (documents as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`wasmnn: ${op}: documents must be an iterable of token arrays, got ${describe(documents)}`);
    }
    // token -> slot in counts: one Map lookup per token seen before
    const slots = new Map<string, number>();
    const counts: number[] = [];
    let d = 0;
    for (const doc of documents) {
      if (!Array.isArray(doc)) throw new TypeError(`wasmnn: ${op}: document ${d} is ${describe(doc)}, not an array of tokens; tokenize texts first (wordTokens, charTokens)`);
      for (let i = 0; i < doc.length; i++) {
        const t = doc[i];
        if (typeof t !== 'string') throw new TypeError(`wasmnn: ${op}: document ${d}, token ${i} is ${describe(t)}, not a string`);
        const k = slots.get(t);
        if (k !== undefined) counts[k]++;
        else if (t !== '') { slots.set(t, counts.length); counts.push(1); }
      }
      d++;
    }
    return new Vocabulary(selectTokens(slots, counts, minCount, maxSize - 2));
  }

  /** Number of ids, including padding (0) and OOV (1). */
  get size(): number { return this.list.length; }

  /** Id of a token: 1 (OOV) when it is not in the vocabulary. */
  id(token: string): number { return this.index.get(token) ?? OOV_ID; }

  /** Token of an id ('' for padding, '[UNK]' for OOV). */
  token(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.list.length) {
      throw new RangeError(`wasmnn: Vocabulary.token: id ${describe(id)} is not in the vocabulary (ids 0 to ${this.list.length - 1}); hashed n-gram ids cannot be decoded`);
    }
    return this.list[id];
  }

  /** Ids of tokens (OOV tokens map to 1). */
  encode(tokens: readonly string[]): Int32Array {
    if (!Array.isArray(tokens)) throw new TypeError(`wasmnn: Vocabulary.encode: tokens must be an array of strings, got ${describe(tokens)}`);
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (typeof t !== 'string') throw new TypeError(`wasmnn: Vocabulary.encode: tokens[${i}] is ${describe(t)}, not a string`);
      out[i] = this.index.get(t) ?? OOV_ID;
    }
    return out;
  }

  /** Tokens of ids; padding ids (0) are skipped, OOV ids decode as '[UNK]'. */
  decode(ids: ArrayLike<number>): string[] {
    if (ids == null || typeof ids !== 'object' || typeof ids.length !== 'number') {
      throw new TypeError(`wasmnn: Vocabulary.decode: ids must be an array or typed array of ids, got ${describe(ids)}`);
    }
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) if (ids[i] !== PADDING_ID) out.push(this.token(ids[i]));
    return out;
  }

  /** Every token by id (a copy): ['', '[UNK]', ...]. */
  tokens(): string[] { return this.list.slice(); }

  toJSON(): VocabularyJSON { return { tokens: this.list.slice() }; }

  static fromJSON(json: VocabularyJSON): Vocabulary {
    const tokens = (json as { tokens?: unknown } | null)?.tokens;
    if (!Array.isArray(tokens) || tokens[0] !== PADDING_TOKEN || tokens[1] !== OOV_TOKEN) {
      throw new TypeError(`wasmnn: Vocabulary.fromJSON: expected { tokens: ['', '[UNK]', ...] } as written by toJSON(), got ${describe(json)}`);
    }
    return Vocabulary.fromTokenList(tokens, 'Vocabulary.fromJSON', 'tokens');
  }
}

/** The at most `limit` tokens with count >= minCount, by decreasing count then code points. */
function selectTokens(slots: Map<string, number>, counts: number[], minCount: number, limit: number): string[] {
  // group by count: sorting each group by code points needs no count comparisons, and groups
  // below the cut are never sorted
  const groups = new Map<number, string[]>();
  for (const [t, k] of slots) {
    const c = counts[k];
    if (c < minCount) continue;
    const g = groups.get(c);
    if (g) g.push(t); else groups.set(c, [t]);
  }
  const order = [...groups.keys()].sort((a, b) => b - a);
  const out: string[] = [];
  for (const c of order) {
    if (out.length >= limit) break;
    const g = groups.get(c)!.sort(compareCodePoints);
    const take = Math.min(g.length, limit - out.length);
    for (let i = 0; i < take; i++) out.push(g[i]);
  }
  return out;
}
