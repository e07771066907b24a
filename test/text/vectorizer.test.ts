// TextVectorizer: hand-checked ids in sequence and bag mode, the early stop of truncated rows
// against full rows, JSON round trips, bad input.
import { describe, expect, it } from 'vitest';
import { TextVectorizer, WORD_TOKEN_PATTERN, charTokens, fnv1a32, hashedCharNgrams, normalize, padSequences, wordTokens } from '../../src/text/index.js';
import { rng } from '../helpers/data.js';

const train = ['The cat sat.', 'the dog sat!', 'A cat!'];
// counts: the 2, cat 2, sat 2, ! 2, . 1, dog 1, a 1 -> ids by count, ties in code-point order
const VOCAB = ['', '[UNK]', '!', 'cat', 'sat', 'the', '.', 'a', 'dog'];

const rows = (x: { data: Int32Array; shape: number[] }) => {
  const out: number[][] = [];
  for (let i = 0; i < x.shape[0]; i++) out.push(Array.from(x.data.subarray(i * x.shape[1], (i + 1) * x.shape[1])));
  return out;
};

/** Random texts of words from a small mixed-script lexicon. */
function randomTexts(n: number, seed: number): string[] {
  const words = ['the', 'Cat', 'sat', 'on', 'mat', 'café', 'naïve', 'кот', 'γάτα', '猫', '😀', '3.5', "don't", 'www.x.org', 'e-mail', 'A'];
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const len = Math.floor(r() * 25);
    let s = '';
    for (let i = 0; i < len; i++) s += words[Math.floor(r() * words.length)] + (r() < 0.2 ? ', ' : ' ');
    return s;
  });
}

describe('sequence mode', () => {
  it('maps tokens to vocabulary ids, 1 for unknown ones, padded with 0', () => {
    const v = new TextVectorizer({ outputSequenceLength: 4 });
    expect(v.adapted).toBe(false);
    v.adapt(train);
    expect(v.vocabulary.tokens()).toEqual(VOCAB);
    expect(v.vocabularySize).toBe(9);
    const x = v.transform(['the cat', 'a bird sat!', 'THE CAT SAT ON THE MAT']);
    expect(x.shape).toEqual([3, 4]);
    expect(x.data).toBeInstanceOf(Int32Array);
    expect(rows(x)).toEqual([[5, 3, 0, 0], [7, 1, 4, 2], [5, 3, 4, 1]]);
  });
  it('pads and truncates at the chosen ends, or to the longest row', () => {
    const v = new TextVectorizer({ outputSequenceLength: 3, padding: 'pre', truncating: 'pre' }).adapt(train);
    expect(rows(v.transform(['the cat', 'the cat sat on the mat']))).toEqual([[0, 5, 3], [1, 5, 1]]);
    const w = new TextVectorizer().adapt(train);
    const x = w.transform(['cat', 'the dog sat']);
    expect(x.shape).toEqual([2, 3]);
    expect(rows(x)).toEqual([[3, 0, 0], [5, 8, 4]]);
  });
  it('applies maxTokens (counting padding and OOV) and minCount', () => {
    const v = new TextVectorizer({ maxTokens: 5 }).adapt(train);
    expect(v.vocabulary.tokens()).toEqual(VOCAB.slice(0, 5));
    expect(rows(v.transform(['the cat']))).toEqual([[1, 3]]);
    expect(new TextVectorizer({ minCount: 2 }).adapt(train).vocabulary.tokens()).toEqual(VOCAB.slice(0, 6));
  });
  it('uses the configured normalisation, or none', () => {
    const v = new TextVectorizer({ normalize: { replaceNumbers: true, replaceUrls: true } }).adapt(['Call 555 or see http://x.org now']);
    expect(v.tokenize('Ｃall 12 https://y.com')).toEqual(['call', '<num>', '<url>']);
    const raw = new TextVectorizer({ normalize: false }).adapt(['The the']);
    expect(raw.vocabulary.tokens()).toEqual(['', '[UNK]', 'The', 'the']);
  });
  it('tokenizes characters', () => {
    const v = new TextVectorizer({ tokenizer: 'char' }).adapt(['abca']);
    expect(v.vocabulary.tokens()).toEqual(['', '[UNK]', 'a', 'b', 'c']);
    expect(rows(v.transform(['cab d']))).toEqual([[4, 2, 3, 1]]);
    const s = new TextVectorizer({ tokenizer: 'char', keepSpaces: true }).adapt(['a b  a']);
    expect(s.vocabulary.tokens()).toEqual(['', '[UNK]', ' ', 'a', 'b']); // white space collapsed first
    expect(rows(s.transform(['b a']))).toEqual([[4, 2, 3]]);
  });
  it('truncated rows equal the full rows cut (the tokenizer stops early)', () => {
    const texts = randomTexts(60, 1);
    for (const tokenizer of ['word', 'char'] as const) {
      const full = new TextVectorizer({ tokenizer }).adapt(texts);
      const ids = texts.map((t) => Array.from(full.vocabulary.encode(full.tokenize(t))));
      for (const L of [1, 3, 8]) {
        const cut = new TextVectorizer({ tokenizer, outputSequenceLength: L }).adapt(texts);
        expect(Array.from(cut.transform(texts).data)).toEqual(Array.from(padSequences(ids, { maxLen: L }).data));
      }
    }
  });
});

describe('piecewise normalisation of long texts', () => {
  // transform() normalises only as much of a text as the kept ids need, in pieces cut before ASCII
  // white space; the result must equal normalising the whole text. Texts full of what could
  // straddle a cut: tags with spaces inside, entities, final sigmas, combining marks after spaces,
  // URLs, e-mail addresses, numbers with separators, compatibility characters, CJK, emoji.
  const pieces = ['<a href="x y">', '</a>', '<!-- c d -->', '<script>x = 1 < 2;</script>', '&amp;', '&#233;', '&nbsp;', '&#32;', '&eacute',
    'ΟΔΟΣ', 'σοφός', ' \u0301', 'e\u0301', 'http://a.b/c d', 'www.x.org.', 'j.doe@x.org', 'a@b', '1,000.5', '3.', 'v2.0', 'ﬁ', 'Ａ１',
    '中文', '😀', '👩‍💻', "don't", '\t', '\n', '\r\n', '  ', '\u00a0', '\u3000', 'word', 'Café', 'x', '!', '.', '<num>'];
  function tricky(n: number, seed: number): string[] {
    const r = rng(seed);
    return Array.from({ length: n }, () => {
      let s = '';
      const len = Math.floor(r() * 120);
      for (let i = 0; i < len; i++) s += pieces[Math.floor(r() * pieces.length)] + (r() < 0.5 ? ' ' : '');
      return s;
    });
  }
  const all = { stripHtml: true, decodeEntities: true, replaceUrls: true, replaceEmails: true, replaceNumbers: true, stripAccents: true };
  it('keeping the first ids gives the same ids as tokenising everything', () => {
    const texts = tricky(150, 12);
    for (const normalize of [all, {}, { form: 'NFC', lowercase: false }, false] as const) {
      for (const tokenizer of ['word', 'char'] as const) {
        const full = new TextVectorizer({ normalize, tokenizer }).adapt(texts);
        const ids = texts.map((t) => Array.from(full.vocabulary.encode(full.tokenize(t))));
        for (const L of [1, 40, 300]) {
          const cut = new TextVectorizer({ normalize, tokenizer, outputSequenceLength: L }).adapt(texts);
          expect(cut.vocabulary.tokens()).toEqual(full.vocabulary.tokens());
          expect(Array.from(cut.transform(texts).data), `${JSON.stringify(normalize)} ${tokenizer} L=${L}`).toEqual(Array.from(padSequences(ids, { maxLen: L }).data));
        }
      }
    }
  });
  it('tokenize() equals wordTokens(normalize()) on the same texts', () => {
    const v = new TextVectorizer({ normalize: all });
    for (const t of tricky(100, 13)) expect(v.tokenize(t)).toEqual(wordTokens(normalize(t, all)));
  });
  it('kept white space is never cut', () => {
    const texts = tricky(60, 14);
    const full = new TextVectorizer({ tokenizer: 'char', keepSpaces: true }).adapt(texts);
    const cut = new TextVectorizer({ tokenizer: 'char', keepSpaces: true, outputSequenceLength: 50 }).adapt(texts);
    const ids = texts.map((t) => Array.from(full.vocabulary.encode(charTokens(normalize(t), { keepSpaces: true }))));
    expect(Array.from(cut.transform(texts).data)).toEqual(Array.from(padSequences(ids, { maxLen: 50 }).data));
  });
});

describe('bag mode', () => {
  it('places unigram ids, then word n-gram buckets after the vocabulary', () => {
    const v = new TextVectorizer({ ngrams: { word: [1, 2], buckets: 10 }, outputSequenceLength: 8 }).adapt(train);
    const V = 9, b = (s: string) => V + (fnv1a32(s) % 10);
    expect(v.vocabularySize).toBe(V + 10);
    expect(rows(v.transform(['the cat', 'a bird sat']))).toEqual([
      [5, b('the cat'), 3, 0, 0, 0, 0, 0],
      [7, b('a bird'), 1, b('bird sat'), 4, 0, 0, 0],
    ]);
    // bigrams only
    const w = new TextVectorizer({ ngrams: { word: [2, 2], buckets: 10 } }).adapt(train);
    expect(rows(w.transform(['the cat sat']))).toEqual([[b('the cat'), b('cat sat')]]);
  });
  it('adds character n-grams of each token right after its id', () => {
    const v = new TextVectorizer({ ngrams: { word: [1, 2], char: [3, 4], buckets: 1000 } }).adapt(train);
    const V = 9, c = (w: string) => Array.from(hashedCharNgrams(w, { n: [3, 4], buckets: 1000, offset: V }));
    expect(v.vocabularySize).toBe(V + 1000);
    const x = v.transform(['cat zebra']);
    expect(rows(x)[0]).toEqual([3, ...c('cat'), V + (fnv1a32('cat zebra') % 1000), 1, ...c('zebra')]);
    // ids stay below vocabularySize and only padding is 0
    const y = v.transform(randomTexts(20, 4));
    for (const id of y.data) expect(id >= 0 && id < v.vocabularySize).toBe(true);
  });
  it('unigram-only bags need no buckets', () => {
    const v = new TextVectorizer({ ngrams: {} }).adapt(train);
    expect(v.vocabularySize).toBe(9);
    expect(rows(v.transform(['cat the']))).toEqual([[3, 5]]);
  });
  it('truncated bags equal the full bags cut (the tokenizer stops early)', () => {
    const texts = randomTexts(60, 2);
    for (const ngrams of [{ word: [1, 3], char: [2, 4], buckets: 97 }, { word: [3, 4], buckets: 50 }, { word: [2, 2], buckets: 1 }] as const) {
      const full = new TextVectorizer({ ngrams: { ...ngrams } as never }).adapt(texts);
      const fx = full.transform(texts);
      const fullRows = rows(fx).map((r) => { let n = r.length; while (n > 0 && r[n - 1] === 0) n--; return r.slice(0, n); });
      for (const L of [1, 2, 5, 40]) {
        for (const padding of ['pre', 'post'] as const) {
          const cut = new TextVectorizer({ ngrams: { ...ngrams } as never, outputSequenceLength: L, padding }).adapt(texts);
          expect(Array.from(cut.transform(texts).data), `${JSON.stringify(ngrams)} L=${L}`).toEqual(Array.from(padSequences(fullRows, { maxLen: L, padding }).data));
        }
      }
    }
  });
  it('char n-grams need the word tokenizer', () => {
    expect(() => new TextVectorizer({ tokenizer: 'char', ngrams: { char: [3, 5], buckets: 10 } })).toThrow(/ngrams.char \(character n-grams of words\) needs tokenizer 'word'/);
    const v = new TextVectorizer({ tokenizer: 'char', ngrams: { word: [1, 3], buckets: 100 } }).adapt(['abc']);
    expect(rows(v.transform(['ab']))[0]).toEqual([2, 5 + (fnv1a32('a b') % 100), 3]);
  });
});

describe('serialisation', () => {
  const configs = [
    { outputSequenceLength: 16 },
    { maxTokens: 30, minCount: 2, outputSequenceLength: 12, padding: 'pre', truncating: 'pre', normalize: { stripAccents: true, replaceNumbers: true, replaceUrls: true } },
    { ngrams: { word: [1, 3], char: [2, 5], buckets: 501 }, outputSequenceLength: 64 },
    { tokenizer: 'char', keepSpaces: true, ngrams: { word: [1, 2], buckets: 33 }, outputSequenceLength: 50, normalize: false },
  ] as const;
  it('a JSON round trip gives identical output', () => {
    const texts = randomTexts(80, 3), test = randomTexts(40, 99);
    for (const c of configs) {
      const v = new TextVectorizer(JSON.parse(JSON.stringify(c))).adapt(texts);
      const text = JSON.stringify(v);
      const w = TextVectorizer.fromJSON(JSON.parse(text));
      expect(JSON.stringify(w)).toBe(text);
      expect(w.vocabularySize).toBe(v.vocabularySize);
      expect(w.config).toEqual(v.config);
      expect(Array.from(w.transform(test).data)).toEqual(Array.from(v.transform(test).data));
    }
  });
  it('stores every option resolved, and a missing vocabulary as null', () => {
    const j = new TextVectorizer().toJSON();
    expect(j.format).toBe('wasmnn-text-vectorizer');
    expect(j.vocabulary).toBeNull();
    expect(j.config).toEqual({
      normalize: { form: 'NFKC', lowercase: true, stripAccents: false, stripHtml: false, decodeEntities: false, replaceUrls: false, replaceEmails: false, replaceNumbers: false, collapseWhitespace: true },
      tokenizer: 'word', keepSpaces: false, maxTokens: null, minCount: 1, outputSequenceLength: null, padding: 'post', truncating: 'post', ngrams: null,
    });
    const w = TextVectorizer.fromJSON(JSON.parse(JSON.stringify(j)));
    expect(w.adapted).toBe(false);
    expect(Array.from(w.adapt(train).transform(['the cat']).data)).toEqual([5, 3]);
  });
  it('refuses damaged files', () => {
    const j = new TextVectorizer({ maxTokens: 4 }).adapt(train).toJSON();
    expect(() => TextVectorizer.fromJSON({} as never)).toThrow(/not a saved TextVectorizer \(expected format 'wasmnn-text-vectorizer', got undefined\)/);
    expect(() => TextVectorizer.fromJSON(JSON.stringify(j) as never)).toThrow(/JSON.parse it first/);
    expect(() => TextVectorizer.fromJSON({ ...j, version: 2 as never })).toThrow(/version 2 is not supported/);
    expect(() => TextVectorizer.fromJSON({ ...j, vocabulary: ['', '[UNK]', 'a', 'b', 'c'] })).toThrow(/the vocabulary has 5 ids but maxTokens is 4/);
    expect(() => TextVectorizer.fromJSON({ ...j, vocabulary: ['a'] })).toThrow(/TextVectorizer\.fromJSON: expected vocabulary \['', '\[UNK\]', \.\.\.\]/);
    // a repeated token is named by its places in the saved vocabulary, i.e. its ids
    expect(() => TextVectorizer.fromJSON({ ...j, vocabulary: ['', '[UNK]', 'a', 'a'] })).toThrow(/TextVectorizer\.fromJSON: token "a" appears twice \(vocabulary\[2\] and vocabulary\[3\]\)/);
  });
});

describe('bad input', () => {
  it('refuses non-string texts', () => {
    const v = new TextVectorizer().adapt(train);
    expect(() => v.transform(['ok', 42 as never])).toThrow(/TextVectorizer.transform: texts\[1\] is 42, not a string/);
    expect(() => v.transform('the cat' as never)).toThrow(/got a single string; wrap it as \[text\]/);
    expect(() => v.transform(new Set(['a']) as never)).toThrow(/texts must be an array of strings, got a Set/);
    expect(() => v.adapt([null as never])).toThrow(/TextVectorizer.adapt: texts\[0\] is null, not a string/);
    expect(() => v.tokenize(1 as never)).toThrow(/tokenize: text must be a string/);
  });
  it('keeps its config read-only', () => {
    const v = new TextVectorizer({ ngrams: { word: [1, 2], buckets: 10 } });
    expect(() => { (v.config as { minCount: number }).minCount = 5; }).toThrow(TypeError);
    expect(() => { (v.config.ngrams!.word as number[])[1] = 3; }).toThrow(TypeError);
    expect(new TextVectorizer({ normalize: true }).config).toEqual(new TextVectorizer().config);
  });
  it('refuses bucket ids beyond int32', () => {
    expect(() => new TextVectorizer({ ngrams: { word: [1, 2], buckets: 2 ** 31 - 5 } }).adapt(train)).toThrow(/9 vocabulary ids plus 2147483643 buckets exceed 2\^31 - 1 ids; use fewer buckets/);
  });
  it('refuses transform before adapt', () => {
    expect(() => new TextVectorizer().transform(['x'])).toThrow(/no vocabulary yet; call adapt\(texts\) first/);
    expect(() => new TextVectorizer().vocabularySize).toThrow(/call adapt/);
  });
  it('refuses bad options', () => {
    expect(() => new TextVectorizer({ outputSequenceLength: 0 })).toThrow(/outputSequenceLength must be a whole number in \[1, 1000000\], got 0/);
    expect(() => new TextVectorizer({ outputSequenceLength: 2.5e8 })).toThrow(/outputSequenceLength must be a whole number in \[1, 1000000\], got 250000000; .*a million/);
    expect(new TextVectorizer({ outputSequenceLength: 1e6 }).config.outputSequenceLength).toBe(1e6);
    expect(() => new TextVectorizer({ maxTokens: 1 })).toThrow(/maxTokens must be a whole number >= 2/);
    expect(() => new TextVectorizer({ minCount: 0 })).toThrow(/minCount must be a whole number >= 1/);
    expect(() => new TextVectorizer({ ngrams: { word: [1, 2], buckets: 0 } })).toThrow(/ngrams.buckets must be a whole number >= 1, got 0; hashed n-grams need buckets/);
    expect(() => new TextVectorizer({ ngrams: { word: [1, 2] } })).toThrow(/ngrams.buckets must be a whole number >= 1, got undefined/);
    expect(() => new TextVectorizer({ ngrams: { word: [0, 2], buckets: 5 } })).toThrow(/ngrams.word must be a pair/);
    expect(() => new TextVectorizer({ ngrams: { char: [5, 3], buckets: 5 } })).toThrow(/ngrams.char must be a pair/);
    expect(() => new TextVectorizer({ tokenizer: 'bpe' as never })).toThrow(/tokenizer must be 'word' or 'whitespace' or 'char'/);
    expect(() => new TextVectorizer({ keepSpaces: true })).toThrow(/keepSpaces applies to tokenizer 'char' only/);
    expect(() => new TextVectorizer({ maxLen: 5 } as never)).toThrow(/unknown option 'maxLen'/);
    expect(() => new TextVectorizer({ normalize: { lowercase: 1 } as never })).toThrow(/TextVectorizer: normalize: lowercase must be true or false/);
    expect(() => new TextVectorizer({ ngrams: { words: [1, 2] } as never })).toThrow(/unknown option 'words'/);
  });
  it('tokenize equals normalize then wordTokens', () => {
    const v = new TextVectorizer({ normalize: { replaceEmails: true } });
    for (const t of randomTexts(30, 8)) expect(v.tokenize(t)).toEqual(wordTokens(normalize(t, { replaceEmails: true })));
  });
});

describe('dropPunctuation (Keras strips punctuation by default)', () => {
  // the oracle: wordTokens' rules 1-5 only; a token none of them covers is rule 6, punctuation or a symbol
  const RULE6 = '|[^\\s\\p{Cc}\\p{Cf}]';
  const src = WORD_TOKEN_PATTERN.source;
  const kept = new RegExp(`^(?:${src.slice(0, src.length - RULE6.length)})$`, 'u');
  it('the rule-6 token alternative is the pattern\'s last', () => { expect(src.endsWith(RULE6)).toBe(true); });
  const texts = [
    "Don't stop! It's great, great, GREAT.", 'hello,world U.S. e-mail 3.14 #tag @user $$$ 100% ~~ ¿qué? «ja» — fin…',
    'win a free prize now!!! http://win.example.com 👍🏽 🇫🇷 日本語のテキスト l\'homme 1,000 €5 ©2024 a+b=c [x] {y} <b>',
  ];
  it('keeps what wordTokens keeps but punctuation and symbols, in order; placeholders, emoji and CJK stay', () => {
    const v = new TextVectorizer({ dropPunctuation: true, normalize: { replaceUrls: true, replaceNumbers: true } });
    const plain = new TextVectorizer({ normalize: { replaceUrls: true, replaceNumbers: true } });
    v.adapt(texts); plain.adapt(texts);
    const want = texts.map((t) => wordTokens(normalize(t, { replaceUrls: true, replaceNumbers: true })).filter((tok) => kept.test(tok)));
    expect(want[0]).toEqual(["don't", 'stop', "it's", 'great', 'great', 'great']);
    expect(want[1].slice(0, 6)).toEqual(['hello', 'world', 'u', 's', 'e', 'mail']);
    expect(want[2]).toEqual(expect.arrayContaining(['<url>', '👍🏽', '🇫🇷', '日', "l'homme", '<num>']));
    const vocab = v.vocabulary.tokens().slice(2);
    expect(new Set(vocab)).toEqual(new Set(want.flat()));
    // what it dropped: punctuation and symbols the plain tokenizer keeps
    for (const tok of ['!', ',', '.', '$', '%', '—', '€']) {
      expect(plain.vocabulary.tokens()).toContain(tok);
      expect(vocab).not.toContain(tok);
    }
    const x = v.transform(texts);
    texts.forEach((_, r) => {
      const ids = Array.from(x.data.subarray(r * x.shape[1], (r + 1) * x.shape[1])).filter((id) => id !== 0);
      expect(ids.map((id) => v.vocabulary.tokens()[id])).toEqual(want[r]);
    });
  });
  it('limits rows by kept tokens (outputSequenceLength counts words only), saves and loads, and is refused off the word tokenizer', () => {
    const v = new TextVectorizer({ dropPunctuation: true, outputSequenceLength: 3 }).adapt(['a , , , b ! ! c d']);
    expect(Array.from(v.transform(['a , , , b ! ! c d']).data).map((id) => v.vocabulary.tokens()[id])).toEqual(['a', 'b', 'c']);
    const json = v.toJSON();
    expect(json.config.dropPunctuation).toBe(true);
    expect(new TextVectorizer().toJSON().config).not.toHaveProperty('dropPunctuation');   // older readers still read files without it
    const back = TextVectorizer.fromJSON(JSON.parse(JSON.stringify(json)));
    expect(Array.from(back.transform(['d, c; b']).data)).toEqual(Array.from(v.transform(['d, c; b']).data));
    expect(() => new TextVectorizer({ dropPunctuation: true, tokenizer: 'char' })).toThrow(/dropPunctuation applies to tokenizer 'word' only/);
    expect(() => new TextVectorizer({ dropPunctuation: 'yes' as never })).toThrow(/dropPunctuation/);
  });
});
