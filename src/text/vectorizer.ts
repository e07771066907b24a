// TextVectorizer: raw strings to a (n, maxLen) matrix of integer ids, for an Embedding (sequence
// mode) or an EmbeddingBag (bag mode, fastText-style n-gram features). Serialises to JSON and
// back with identical behaviour: the saved config has every default filled in.

import { checkBool, checkChoice, checkInt, checkKeys, checkOptionsObject, checkRange, checkTexts, describe } from './check.js';
import { charNgramIds, wordNgramsAt } from './hash.js';
import { normalizeAfterHtml, resolveNormalizeOptions, stripHtmlStep, type NormalizeOptions, type ResolvedNormalizeOptions } from './normalize.js';
import { padRows, type PadSide } from './pad.js';
import { scanChars, scanSpaces, scanWords } from './tokenize.js';
import { OOV_ID, Vocabulary } from './vocabulary.js';

export interface NgramOptions {
  /** [minN, maxN], token n-gram lengths. Unigrams (n = 1, when minN is 1) get vocabulary ids;
   *  longer n-grams get hashed bucket ids (with tokenizer 'char' these are character n-grams,
   *  across spaces). Default [1, 1]. */
  word?: [number, number];
  /** [minn, maxn]: fastText character n-grams of each token ('<' + token + '>', minn to maxn
   *  code points), hashed; they give unseen and misspelt words features. Word tokenizer only.
   *  Default null (none). */
  char?: [number, number] | null;
  /** Number of hash buckets, shared by word and character n-grams; required when any n-gram is
   *  hashed. Bucket ids come after the vocabulary ids: [vocabulary.size, vocabulary.size + buckets). */
  buckets?: number | null;
  /** Leave unigrams that are not in the vocabulary out of the bag instead of giving them the
   *  out-of-vocabulary id (fastText drops words it has not seen; their n-grams stay). With a
   *  mean bag, unknown words then neither dilute the mean nor add the OOV vector. Default false. */
  dropUnknown?: boolean;
}

export interface TextVectorizerOptions {
  /** Normalisation options (see NormalizeOptions; default, or true: NFKC, lowercase, collapse
   *  white space), or false to use texts as they are. */
  normalize?: NormalizeOptions | boolean;
  /** 'word' (wordTokens, default), 'whitespace' (whitespaceTokens: as fastText) or 'char' (charTokens). */
  tokenizer?: 'word' | 'whitespace' | 'char';
  /** With tokenizer 'char': keep white space as tokens. Default false. */
  keepSpaces?: boolean;
  /**
   * With tokenizer 'word': drop the punctuation and symbol tokens (`hello, world!` gives hello and
   * world), as Keras' default standardisation 'lower_and_strip_punctuation' keeps no punctuation.
   * Unlike Keras, punctuation still separates words (e-mail: e and mail, not email), and
   * apostrophes inside words, placeholders (<url>), emoji and CJK characters stay. Default false:
   * punctuation carries signal for spam and sentiment ('!!!', '$').
   */
  dropPunctuation?: boolean;
  /** Largest vocabulary size counting the padding and OOV ids (Keras' max_tokens). Default: no limit. */
  maxTokens?: number | null;
  /** Keep tokens seen at least this often in adapt(). Default 1. */
  minCount?: number;
  /** Row length of transform()'s output: ids of a text beyond it are cut, shorter rows padded
   *  with 0. Models need a fixed length, so set it; default null pads to each batch's longest row. */
  outputSequenceLength?: number | null;
  /** Where rows are padded. Default 'post'. */
  padding?: PadSide;
  /** Which end of long rows is cut. Default 'post' (keep the start of each text). */
  truncating?: PadSide;
  /** Bag mode: n-gram features for an EmbeddingBag; null (default) is sequence mode. */
  ngrams?: NgramOptions | null;
}

/** The config a TextVectorizer stores: every option resolved. */
export interface TextVectorizerConfig {
  normalize: ResolvedNormalizeOptions | false;
  tokenizer: 'word' | 'whitespace' | 'char';
  keepSpaces: boolean;
  dropPunctuation: boolean;
  maxTokens: number | null;
  minCount: number;
  outputSequenceLength: number | null;
  padding: PadSide;
  truncating: PadSide;
  ngrams: { word: [number, number]; char: [number, number] | null; buckets: number | null; dropUnknown: boolean } | null;
}

export interface TextVectorizerJSON {
  format: 'wasmnn-text-vectorizer';
  version: 1;
  /** The config; dropPunctuation is written only when true. */
  config: Omit<TextVectorizerConfig, 'dropPunctuation'> & { dropPunctuation?: boolean };
  /** Every token by id (['', '[UNK]', ...]), or null before adapt(). */
  vocabulary: string[] | null;
}

const OP = 'TextVectorizer';
/** Longest row outputSequenceLength may ask for: a million ids (4 MB a text). */
export const MAX_SEQUENCE_LENGTH = 1_000_000;

const KEYS = ['normalize', 'tokenizer', 'keepSpaces', 'dropPunctuation', 'maxTokens', 'minCount', 'outputSequenceLength', 'padding', 'truncating', 'ngrams'] as const;
const CACHE_LIMIT = 1 << 18;

/**
 * Text to ids, like Keras' TextVectorization.
 *
 * Sequence mode (no `ngrams`): each row holds the vocabulary ids of a text's tokens in order
 * (1 for tokens not in the vocabulary), padded with 0: the input of an Embedding whose inputDim is
 * `vocabularySize`.
 *
 * Bag mode (`ngrams` set): for each token position in turn: its vocabulary id (when ngrams.word
 * starts at 1), the bucket ids of its character n-grams (ngrams.char), then the bucket ids of the
 * word n-grams of 2 or more tokens that start there; padded with 0. Feed it to an EmbeddingBag
 * (which ignores id 0) with inputDim `vocabularySize` (vocabulary size + buckets). Truncation
 * therefore drops the features of the end of a text.
 *
 * ```ts
 * const v = new TextVectorizer({ maxTokens: 20000, outputSequenceLength: 256 });
 * v.adapt(trainTexts);
 * const x = v.transform(trainTexts);          // { data: Int32Array, shape: [n, 256] }
 * const saved = JSON.stringify(v);            // restore with TextVectorizer.fromJSON(JSON.parse(saved))
 * ```
 */
export class TextVectorizer {
  readonly config: TextVectorizerConfig;
  private vocab: Vocabulary | null = null;
  private readonly ngramCache = new Map<string, number[]>();
  private readonly cps: number[] = [];

  constructor(options?: TextVectorizerOptions) {
    const o = checkOptionsObject(OP, options);
    checkKeys(OP, o, KEYS);
    const tokenizer = checkChoice(OP, 'tokenizer', o.tokenizer, ['word', 'whitespace', 'char'], 'word');
    const config: TextVectorizerConfig = {
      normalize: o.normalize === false ? false : resolveNormalizeOptions(o.normalize === true ? undefined : o.normalize as NormalizeOptions | undefined, `${OP}: normalize`),
      tokenizer,
      keepSpaces: checkBool(OP, 'keepSpaces', o.keepSpaces, false),
      dropPunctuation: checkBool(OP, 'dropPunctuation', o.dropPunctuation, false),
      maxTokens: o.maxTokens == null ? null : checkInt(OP, 'maxTokens', o.maxTokens, 2, 2147483647, 'it counts the padding and OOV ids, so 2 is the smallest'),
      minCount: checkInt(OP, 'minCount', o.minCount ?? 1, 1),
      outputSequenceLength: o.outputSequenceLength == null ? null : checkInt(OP, 'outputSequenceLength', o.outputSequenceLength, 1, MAX_SEQUENCE_LENGTH, 'rows need room for at least one id, and a row of more ids than a million would take more memory per text than a model should; leave it out to pad to the longest text'),
      padding: checkChoice(OP, 'padding', o.padding, ['pre', 'post'], 'post'),
      truncating: checkChoice(OP, 'truncating', o.truncating, ['pre', 'post'], 'post'),
      ngrams: null,
    };
    if (config.dropPunctuation && tokenizer !== 'word') {
      throw new RangeError(`wasmnn: ${OP}: dropPunctuation applies to tokenizer 'word' only (the 'whitespace' tokenizer keeps punctuation attached, 'char' makes every character a token); remove it or set tokenizer: 'word'`);
    }
    if (config.keepSpaces && tokenizer !== 'char') {
      throw new RangeError(`wasmnn: ${OP}: keepSpaces applies to tokenizer 'char' only; remove it or set tokenizer: 'char'`);
    }
    if (o.ngrams != null) {
      const g = checkOptionsObject(`${OP}: ngrams`, o.ngrams);
      checkKeys(`${OP}: ngrams`, g, ['word', 'char', 'buckets', 'dropUnknown']);
      const word = g.word === undefined ? [1, 1] as [number, number] : checkRange(OP, 'ngrams.word', g.word, 1);
      const char = g.char == null ? null : checkRange(OP, 'ngrams.char', g.char, 1);
      if (char && tokenizer === 'char') {
        throw new RangeError(`wasmnn: ${OP}: ngrams.char (character n-grams of words) needs tokenizer 'word' or 'whitespace'; for n-grams of characters use tokenizer 'char' with ngrams.word`);
      }
      const hashed = word[1] >= 2 || char !== null;
      let buckets: number | null = null;
      if (hashed || g.buckets != null) {
        buckets = checkInt(OP, 'ngrams.buckets', g.buckets, 1, 2147483647, hashed ? 'hashed n-grams need buckets >= 1 (e.g. 100000)' : '');
      }
      config.ngrams = { word, char, buckets, dropUnknown: checkBool(OP, 'ngrams.dropUnknown', g.dropUnknown, false) };
    }
    this.config = deepFreeze(config);
  }

  /** True once adapt() has run (or the vectorizer was loaded with a vocabulary). */
  get adapted(): boolean { return this.vocab !== null; }

  /** The vocabulary built by adapt(). */
  get vocabulary(): Vocabulary {
    if (!this.vocab) throw new Error(`wasmnn: ${OP}: no vocabulary yet; call adapt(texts) first or load one with TextVectorizer.fromJSON`);
    return this.vocab;
  }

  /** The number of distinct ids transform() can produce: the inputDim of the Embedding or
   *  EmbeddingBag that reads its output (vocabulary size, plus the buckets in bag mode). */
  get vocabularySize(): number {
    return this.vocabulary.size + (this.hashed ? this.config.ngrams!.buckets! : 0);
  }

  /** Bucket ids follow the vocabulary ids; all of them must fit in int32. */
  private checkIdRange(): void {
    const b = this.hashed ? this.config.ngrams!.buckets! : 0;
    if (this.vocab && this.vocab.size + b > 2147483647) {
      throw new RangeError(`wasmnn: ${OP}: ${this.vocab.size} vocabulary ids plus ${b} buckets exceed 2^31 - 1 ids; use fewer buckets`);
    }
  }

  private get hashed(): boolean {
    const g = this.config.ngrams;
    return g !== null && (g.word[1] >= 2 || g.char !== null);
  }

  /** The tokens of one text: normalised, then split by the configured tokenizer. */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw new TypeError(`wasmnn: ${OP}.tokenize: text must be a string, got ${describe(text)}`);
    const st = new TokenStream(this.config, text, Infinity);
    st.fill(Infinity);
    return st.tokens;
  }

  /** Builds the vocabulary from training texts (replacing any earlier one). */
  adapt(texts: readonly string[]): this {
    checkTexts(`${OP}.adapt`, texts);
    const self = this;
    this.vocab = Vocabulary.build((function* () { for (const t of texts) yield self.tokenize(t); })(), {
      minCount: this.config.minCount,
      maxSize: this.config.maxTokens,
    });
    this.ngramCache.clear();
    this.checkIdRange();
    return this;
  }

  /** Ids of texts as { data: Int32Array, shape: [texts.length, maxLen] } (see the class comment). */
  transform(texts: readonly string[]): { data: Int32Array; shape: [number, number] } {
    checkTexts(`${OP}.transform`, texts);
    const vocab = this.vocabulary;
    const c = this.config;
    const maxLen = c.outputSequenceLength;
    const cut = maxLen !== null && c.truncating === 'post'; // only the first maxLen ids are kept
    const rows: ArrayLike<number>[] = new Array(texts.length);
    for (let r = 0; r < texts.length; r++) {
      const st = new TokenStream(c, texts[r], cut ? maxLen! : Infinity);
      if (c.ngrams === null) {
        const n = Math.min(st.fill(cut ? maxLen! : Infinity), cut ? maxLen! : Infinity);
        const ids = new Int32Array(n);
        for (let i = 0; i < n; i++) ids[i] = vocab.id(st.tokens[i]);
        rows[r] = ids;
      } else {
        rows[r] = this.bag(st, vocab, cut ? maxLen! : Infinity);
      }
    }
    return padRows(rows, { maxLen, padding: c.padding, truncating: c.truncating, value: 0 }, `${OP}.transform`);
  }

  /** Bag-mode ids of one text, stopping once `need` ids are known. */
  private bag(st: TokenStream, vocab: Vocabulary, need: number): number[] {
    const g = this.config.ngrams!;
    const [minN, maxN] = g.word;
    const offset = vocab.size;
    const buckets = g.buckets ?? 1;
    const wordFrom = Math.max(2, minN);
    const tokens = st.tokens;
    const out: number[] = [];
    // the ids of position p read tokens p to p + maxN - 1: tokenise that far (if the text goes on)
    for (let p = 0; out.length < need && st.fill(p + maxN) > p; p++) {
      const t = tokens[p];
      if (minN === 1) {
        const id = vocab.id(t);
        if (id !== OOV_ID || !g.dropUnknown) out.push(id);
      }
      if (g.char) {
        let ids = this.ngramCache.get(t);
        if (!ids) {
          ids = [];
          charNgramIds(t, g.char[0], g.char[1], buckets, offset, ids, this.cps);
          if (this.ngramCache.size >= CACHE_LIMIT) this.ngramCache.clear();
          this.ngramCache.set(t, ids);
        }
        for (let k = 0; k < ids.length; k++) out.push(ids[k]);
      }
      if (maxN >= 2) wordNgramsAt(tokens, p, wordFrom, maxN, buckets, offset, out);
    }
    return out;
  }

  toJSON(): TextVectorizerJSON {
    return {
      format: 'wasmnn-text-vectorizer',
      version: 1,
      // dropPunctuation only when set: files that do not use it stay readable by versions before it
      config: JSON.parse(JSON.stringify(this.config, (k, v) => (k === 'dropPunctuation' && v === false ? undefined : v))),
      vocabulary: this.vocab ? this.vocab.tokens() : null,
    };
  }

  /** A vectorizer identical to the one that wrote json (its config and vocabulary). */
  static fromJSON(json: TextVectorizerJSON): TextVectorizer {
    const j = json as Partial<TextVectorizerJSON> | null;
    if (!j || typeof j !== 'object' || j.format !== 'wasmnn-text-vectorizer') {
      throw new TypeError(`wasmnn: ${OP}.fromJSON: not a saved TextVectorizer (expected format 'wasmnn-text-vectorizer', got ${describe(j && typeof j === 'object' ? j.format : j)}); pass the object toJSON() returned (JSON.parse it first if it is a string)`);
    }
    if (j.version !== 1) {
      throw new RangeError(`wasmnn: ${OP}.fromJSON: version ${describe(j.version)} is not supported (this wasmnn reads version 1); save it again with this version`);
    }
    const v = new TextVectorizer(j.config as TextVectorizerOptions);
    if (j.vocabulary != null) {
      v.vocab = Vocabulary.fromTokenList(j.vocabulary, `${OP}.fromJSON`, 'vocabulary');
      const m = v.config.maxTokens;
      if (m !== null && v.vocab.size > m) {
        throw new RangeError(`wasmnn: ${OP}.fromJSON: the vocabulary has ${v.vocab.size} ids but maxTokens is ${m}; the file is inconsistent`);
      }
      v.checkIdRange();
    }
    return v;
  }
}


/** Ascii white space: where a text may be cut for piecewise normalisation (see normalizeAfterHtml). */
function isAsciiSpace(c: number): boolean { return c === 32 || (c >= 9 && c <= 13); }

/**
 * The tokens of one text, produced on demand: the text is normalised and tokenised piece by piece
 * (pieces cut just before ASCII white space, doubling in size) as far as fill() asks, so keeping
 * the first 256 ids of a 50 KB e-mail reads about its first kilobyte. The tokens equal those of
 * the whole text normalised at once (see normalizeAfterHtml).
 */
class TokenStream {
  readonly tokens: string[] = [];
  private readonly raw: string;
  private rawPos = 0;
  private piece = '';
  private pos = 0;
  private size: number;

  constructor(private readonly c: TextVectorizerConfig, text: string, need: number) {
    const n = c.normalize;
    this.raw = n === false ? text : stripHtmlStep(text, n);
    // white space collapsing cannot be done piecewise; it matters only to kept white space
    const whole = need === Infinity || (c.keepSpaces && n !== false && n.collapseWhitespace);
    this.size = whole ? Infinity : Math.max(256, need * 4);
  }

  /** Tokenises until there are at least k tokens or the text ends; returns the token count. */
  fill(k: number): number {
    const c = this.c, tokens = this.tokens;
    while (tokens.length < k) {
      if (this.pos < this.piece.length) {
        const limit = k === Infinity ? Infinity : k + 64; // a little ahead: fewer calls
        this.pos = c.tokenizer === 'word' ? scanWords(this.piece, this.pos, limit, tokens, c.dropPunctuation)
          : c.tokenizer === 'whitespace' ? scanSpaces(this.piece, this.pos, limit, tokens)
            : scanChars(this.piece, c.keepSpaces, this.pos, limit, tokens);
        continue;
      }
      const raw = this.raw;
      if (this.rawPos >= raw.length) break;
      let cut = this.rawPos + this.size;
      if (cut >= raw.length) cut = raw.length;
      else while (cut < raw.length && !isAsciiSpace(raw.charCodeAt(cut))) cut++;
      const s = this.rawPos === 0 && cut === raw.length ? raw : raw.slice(this.rawPos, cut);
      this.piece = c.normalize === false ? s : normalizeAfterHtml(s, c.normalize, c.tokenizer !== 'char' || !c.keepSpaces);
      this.pos = 0;
      this.rawPos = cut;
      this.size *= 2;
    }
    return tokens.length;
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Whether v is a TextVectorizer of any copy of this library: \`wasmnn\` and \`wasmnn/infer\` are
 * separate bundles with a class each, so a vectorizer made with one fails \`instanceof\` the other's.
 * Checks what the model file and the classifier use of it.
 */
export function isTextVectorizer(v: unknown): v is TextVectorizer {
  const t = v as TextVectorizer | null;
  return t !== null && typeof t === 'object' && typeof t.transform === 'function' && typeof t.toJSON === 'function' &&
    typeof t.adapted === 'boolean' && typeof t.config === 'object' && t.config !== null;
}
