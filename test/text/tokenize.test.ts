// Tokenizers: hand-checked tokenisation of several scripts, and the fast word scanner against its
// specification pattern on random strings of tricky characters.
import { describe, expect, it, vi } from 'vitest';
import { WORD_TOKEN_PATTERN, charTokens, normalize, wordTokens } from '../../src/text/index.js';
import { rng } from '../helpers/data.js';

describe('wordTokens', () => {
  it('splits Latin text with accents, punctuation and apostrophes', () => {
    expect(wordTokens("Café, naïve résumé! Don't stop.")).toEqual(['Café', ',', 'naïve', 'résumé', '!', "Don't", 'stop', '.']);
    expect(wordTokens("l'homme rock'n'roll 'quoted' it’s o'")).toEqual(["l'homme", "rock'n'roll", "'", 'quoted', "'", 'it’s', 'o', "'"]);
    expect(wordTokens('e-mail 3.14 abc123 (x)')).toEqual(['e', '-', 'mail', '3', '.', '14', 'abc123', '(', 'x', ')']);
    expect(wordTokens('cafe\u0301 au lait')).toEqual(['cafe\u0301', 'au', 'lait']); // a combining mark stays in its word
  });
  it('splits Cyrillic, Greek and Arabic', () => {
    expect(wordTokens('Привет, мир! Ёлка')).toEqual(['Привет', ',', 'мир', '!', 'Ёлка']);
    expect(wordTokens('Καλημέρα κόσμε;')).toEqual(['Καλημέρα', 'κόσμε', ';']);
    expect(wordTokens('مرحبا بالعالم، ١٢٣')).toEqual(['مرحبا', 'بالعالم', '،', '١٢٣']);
  });
  it('keeps Devanagari vowel signs and viramas inside words', () => {
    const t = wordTokens('नमस्ते दुनिया। किताब');
    expect(t).toEqual(['नमस्ते', 'दुनिया', '।', 'किताब']);
    expect([...t[0]].length).toBe(6); // न म स ् त े: two combining marks kept
  });
  it('makes each Han, Hiragana and Katakana character a token, but keeps Hangul words', () => {
    expect(wordTokens('我爱北京。abc中文def')).toEqual(['我', '爱', '北', '京', '。', 'abc', '中', '文', 'def']);
    expect(wordTokens('東京タワーです')).toEqual(['東', '京', 'タ', 'ワ', 'ー', 'で', 'す']);
    expect(wordTokens('안녕하세요 세계')).toEqual(['안녕하세요', '세계']);
    expect(wordTokens('𠀀𠀁')).toEqual(['𠀀', '𠀁']); // astral ideographs (CJK extension B)
  });
  it('keeps emoji with modifiers, ZWJ sequences and flags whole', () => {
    expect(wordTokens('👍🏽 great 👩🏽‍💻🇫🇷!')).toEqual(['👍🏽', 'great', '👩🏽‍💻', '🇫🇷', '!']);
    expect(wordTokens('🇫🇷🇩 ℹ️ © ❤️‍🔥')).toEqual(['🇫🇷', '🇩', 'ℹ️', '©', '❤️‍🔥']);
    expect(wordTokens('😀😀')).toEqual(['😀', '😀']);
  });
  it('keeps the placeholders of normalize() whole', () => {
    expect(wordTokens('see <url> or <email>, <num>%')).toEqual(['see', '<url>', 'or', '<email>', ',', '<num>', '%']);
    expect(wordTokens('<b> <ur')).toEqual(['<', 'b', '>', '<', 'ur']);
  });
  it('keeps ZWNJ and ZWJ inside words and drops control and format characters', () => {
    expect(wordTokens('می‌خواهم کتاب')).toEqual(['می‌خواهم', 'کتاب']);
    expect(wordTokens('a\u0000b\u00adc\u200b d\u200c')).toEqual(['a', 'b', 'c', 'd']);
    expect(wordTokens('')).toEqual([]);
    expect(wordTokens(' \t\n ')).toEqual([]);
  });
  it('agrees with WORD_TOKEN_PATTERN on random strings', () => {
    const pieces = ['a', 'Z', '9', 'é', 'e', '\u0301', '\u0915', '\u094d', 'ж', 'ω', '中', 'タ', 'ー', '가', '١', "'", '’', '\u200c', '\u200d',
      ' ', '\t', '\u00a0', '\u0000', '\u00ad', ',', '.', '-', '<', 'url>', 'num>', '😀', '👩', '🏽', '\ufe0f', '\u20e3', '🇫', '🇷', 'ℹ', '©',
      '\ud800', '\udc00', '𠀀', '\ue000', '\u2028', '\u3000'];
    const r = rng(3);
    for (let k = 0; k < 4000; k++) {
      let s = '';
      const n = Math.floor(r() * 20);
      for (let i = 0; i < n; i++) s += pieces[Math.floor(r() * pieces.length)];
      expect(wordTokens(s), JSON.stringify(s)).toEqual(s.match(WORD_TOKEN_PATTERN) ?? []);
    }
  });
  it('on normalised text', () => {
    expect(wordTokens(normalize('Ｈｅｌｌｏ,ＷＯＲＬＤ！ ﬁne'))).toEqual(['hello', ',', 'world', '!', 'fine']);
  });
  it('refuses non-strings', () => {
    expect(() => wordTokens(undefined as unknown as string)).toThrow(/wordTokens: text must be a string, got undefined/);
    expect(() => wordTokens(['a'] as unknown as string)).toThrow(/got an array of 1/);
  });
});

describe('charTokens', () => {
  it('gives one token per code point, not per UTF-16 unit', () => {
    const t = charTokens('a😀 é𠀀');
    expect(t).toEqual(['a', '😀', 'é', '𠀀']);
    expect('a😀 é𠀀'.length).toBe(7);
  });
  it('drops white space unless keepSpaces', () => {
    expect(charTokens('a b\tc')).toEqual(['a', 'b', 'c']);
    expect(charTokens('a b\tc', { keepSpaces: true })).toEqual(['a', ' ', 'b', '\t', 'c']);
    expect(charTokens(normalize(' a \n b '), { keepSpaces: true })).toEqual(['a', ' ', 'b']);
  });
  it('keeps placeholders whole and splits combining marks', () => {
    expect(charTokens('x<url>y<ur')).toEqual(['x', '<url>', 'y', '<', 'u', 'r']);
    expect(charTokens('e\u0301')).toEqual(['e', '\u0301']);
    expect(charTokens(normalize('e\u0301'))).toEqual(['é']);
  });
  it('refuses bad input', () => {
    expect(() => charTokens(3 as unknown as string)).toThrow(/charTokens: text must be a string/);
    expect(() => charTokens('x', { keepSpace: true } as never)).toThrow(/unknown option 'keepSpace'/);
    expect(() => charTokens('x', { keepSpaces: 1 } as never)).toThrow(/keepSpaces must be true or false/);
  });
});

describe('wordTokens over the whole BMP', () => {
  // The scanner's character table is filled one 256-character block at a time on first use:
  // every block, in a fresh order, must give what the specification pattern gives.
  it('agrees with WORD_TOKEN_PATTERN for every BMP character, in context', () => {
    const r = rng(11);
    const blocks = Array.from({ length: 256 }, (_, b) => b).filter((b) => b < 0xd8 || b > 0xdf);
    for (let i = blocks.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [blocks[i], blocks[j]] = [blocks[j], blocks[i]]; }
    for (const b of blocks) {
      let s = '';
      for (let k = 0; k < 256; k++) {
        const ch = String.fromCharCode((b << 8) + k);
        s += `a${ch}b ${ch}${ch} `; // inside a word, alone and doubled
      }
      expect(wordTokens(s), `block ${b.toString(16)}`).toEqual(s.match(WORD_TOKEN_PATTERN) ?? []);
    }
  });
});

describe('the shipped flag table', () => {
  it('equals what the character classes give at every code point (on an engine of its Unicode version)', async () => {
    const { blockFlagsFromClasses, flagsFromClasses, codePointFlags: flagsOf } = await import('../../src/text/unicode_table.js');
    const { FLAGS_UNICODE_VERSION } = await import('../../src/text/unicode_flags.js');
    // the CI's node is the one the table was made on; another engine may know newer characters
    expect(process.versions.unicode, 'run scripts/gen-unicode-flags.mjs on this node').toBe(FLAGS_UNICODE_VERSION);
    for (let block = 0; block < 256; block++) {
      const want = blockFlagsFromClasses(block);
      for (let k = 0; k < 256; k++) if (flagsOf((block << 8) + k) !== want[k]) expect(flagsOf((block << 8) + k), `U+${((block << 8) + k).toString(16)}`).toBe(want[k]);
    }
    for (let cp = 0x10000; cp < 0x110000; cp++) if (flagsOf(cp) !== flagsFromClasses(cp)) expect(flagsOf(cp), `U+${cp.toString(16)}`).toBe(flagsFromClasses(cp));
  });
});

describe('a damaged flag table', () => {
  it('is an error before a run past its block writes over another block, and a truncated string cannot loop', async () => {
    vi.resetModules();   // fresh modules: the table's blocks undecoded, whatever the tests before decoded
    const { codePointFlags: flagsOf, flagsFromClasses } = await import('../../src/text/unicode_table.js');
    const { FLAG_BLOCKS } = await import('../../src/text/unicode_flags.js');
    const blocks = FLAG_BLOCKS as string[];
    const han = flagsOf(0x4e00);                  // block 0x4e decoded first
    expect(han).toBe(flagsFromClasses(0x4e00));
    const saved = blocks[0x30];
    try {
      blocks[0x30] = 'A//////B';                  // one run of ~2^31 code points from U+3000
      expect(() => flagsOf(0x3042)).toThrow(/Unicode flag table's block 48 covers \d+ code points, not 256; it is damaged/);
      expect(flagsOf(0x4e00)).toBe(han);          // untouched
      for (let cut = 0; cut < saved.length; cut++) {
        blocks[0x30] = saved.slice(0, cut);       // every truncation: an error, never a hang
        expect(() => flagsOf(0x3042)).toThrow(/it is damaged/);
      }
    } finally {
      blocks[0x30] = saved;
    }
    expect(flagsOf(0x3042)).toBe(flagsFromClasses(0x3042));
  });
});
