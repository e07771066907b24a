// fastText-style bag features: white-space tokens (fastText's tokenizer) and leaving unknown
// words out of a bag (fastText drops words it has not seen). Oracles: String.split on \s, and
// the bag of the same vectorizer without dropUnknown minus the OOV ids.
import { describe, expect, it } from 'vitest';
import { TextVectorizer, fnv1a32, normalize, whitespaceTokens } from '../../src/text/index.js';
import { rng } from '../helpers/data.js';

const PIECES = ['spam', 'ham', 'a.b@c.org', 'hello,', '<url>', 'café', '😀', '\u00a0', ' ', '\n\t', '\u2003', 'x', 'Ünïcode', ''];

function randomTexts(n: number, seed: number): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: Math.floor(r() * 12) }, () => PIECES[Math.floor(r() * PIECES.length)]).join(r() < 0.5 ? ' ' : ''));
}

const rowsOf = (x: { data: Int32Array; shape: [number, number] }) =>
  Array.from({ length: x.shape[0] }, (_, i) => Array.from(x.data.subarray(i * x.shape[1], (i + 1) * x.shape[1])).filter((v) => v !== 0));

describe('whitespaceTokens', () => {
  it('splits on white space only, as String.split(/\\s+/) without empty pieces', () => {
    expect(whitespaceTokens(' From: bob@x.org  (Bob)\nhello, world! ')).toEqual(['From:', 'bob@x.org', '(Bob)', 'hello,', 'world!']);
    for (const t of randomTexts(300, 1)) expect(whitespaceTokens(t)).toEqual(t.split(/\s+/).filter((s) => s !== ''));
  });

  it('refuses a non-string', () => {
    expect(() => whitespaceTokens(3 as never)).toThrow(/wasmnn: whitespaceTokens: text must be a string/);
  });

  it("is TextVectorizer's tokenizer 'whitespace', after normalisation, in every mode and under truncation", () => {
    const texts = randomTexts(100, 2);
    const v = new TextVectorizer({ tokenizer: 'whitespace' }).adapt(texts);
    for (const t of texts) expect(v.tokenize(t)).toEqual(whitespaceTokens(normalize(t)));
    const cut = new TextVectorizer({ tokenizer: 'whitespace', outputSequenceLength: 3 }).adapt(texts);
    const x = cut.transform(texts);
    texts.forEach((t, i) => expect(Array.from(x.data.subarray(i * 3, i * 3 + 3)).filter((id) => id !== 0))
      .toEqual(Array.from(v.vocabulary.encode(whitespaceTokens(normalize(t)).slice(0, 3)))));
    const bag = new TextVectorizer({ tokenizer: 'whitespace', ngrams: { word: [1, 2], char: [2, 3], buckets: 50 } }).adapt(texts);
    expect(TextVectorizer.fromJSON(JSON.parse(JSON.stringify(bag))).transform(texts)).toEqual(bag.transform(texts));
  });
});

describe('dropUnknown', () => {
  const train = ['The cat sat.', 'the dog sat!', 'A cat!'];

  it('leaves out-of-vocabulary unigrams out of the bag and keeps their n-grams', () => {
    const keep = new TextVectorizer({ ngrams: { word: [1, 2], buckets: 10 } }).adapt(train);
    const drop = new TextVectorizer({ ngrams: { word: [1, 2], buckets: 10, dropUnknown: true } }).adapt(train);
    const V = 9, b = (s: string) => V + (fnv1a32(s) % 10);
    expect(rowsOf(drop.transform(['a bird sat']))).toEqual([[7, b('a bird'), b('bird sat'), 4]]);
    const texts = ['a bird sat', 'zebra zebra the cat', 'nothing known here', ''];
    expect(rowsOf(drop.transform(texts))).toEqual(rowsOf(keep.transform(texts)).map((r) => r.filter((id) => id !== 1)));
  });

  it('counts the kept ids against outputSequenceLength, survives a JSON round trip, refuses a non-boolean', () => {
    const drop = new TextVectorizer({ ngrams: { word: [1, 1], dropUnknown: true }, outputSequenceLength: 2 }).adapt(train);
    expect(rowsOf(drop.transform(['x y the z cat sat']))).toEqual([[5, 3]]);
    const back = TextVectorizer.fromJSON(JSON.parse(JSON.stringify(drop)));
    expect(back.config.ngrams!.dropUnknown).toBe(true);
    expect(back.transform(['x the'])).toEqual(drop.transform(['x the']));
    expect(new TextVectorizer({ ngrams: { word: [1, 2], buckets: 3 } }).config.ngrams!.dropUnknown).toBe(false);
    expect(() => new TextVectorizer({ ngrams: { dropUnknown: 'yes' as never } })).toThrow(/wasmnn: TextVectorizer.*dropUnknown/);
  });
});
