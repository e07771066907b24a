// Normalisation: hand-checked cases of every step, the URL scanner and the fast e-mail matcher
// against their specification patterns, and the ASCII fast path of number replacement against the general one.
import { describe, expect, it } from 'vitest';
import { EMAIL_PATTERN, HTML_ENTITIES, PLACEHOLDERS, normalize, resolveNormalizeOptions } from '../../src/text/index.js';
import { rng } from '../helpers/data.js';

const raw = { form: 'none', lowercase: false, collapseWhitespace: false } as const;

describe('unicode forms', () => {
  it('NFKC folds ligatures, full-width forms, circled and superscript digits', () => {
    expect(normalize('ﬁne ﬂow ﬀ')).toBe('fine flow ff');
    expect(normalize('ＡＢＣ１２３！')).toBe('abc123!');
    expect(normalize('① x² Ⅻ ℌ')).toBe('1 x2 xii h'); // lowercasing runs after NFKC: Ⅻ -> XII -> xii
    expect(normalize('e\u0301')).toBe('\u00e9'); // composed
  });
  it('NFC composes only; none leaves the text', () => {
    expect(normalize('ﬁ e\u0301', { form: 'NFC' })).toBe('ﬁ \u00e9');
    expect(normalize('ﬁ e\u0301', { form: 'none' })).toBe('ﬁ e\u0301');
  });
  it('lowercases every script (Greek final sigma included), or not', () => {
    expect(normalize('HeLLo ΣΟΦΟΣ ПРИВЕТ')).toBe('hello σοφος привет');
    expect(normalize('HeLLo', { lowercase: false })).toBe('HeLLo');
  });
  it('strips accents of Latin, Greek and Cyrillic but keeps the marks of other scripts', () => {
    const o = { stripAccents: true };
    expect(normalize('Café naïve Ångström Ελλάδα йод', o)).toBe('cafe naive angstrom ελλαδα иод');
    expect(normalize('हिन्दी مُحَمَّد', o)).toBe('हिन्दी مُحَمَّد');
    expect(normalize('ø ł', o)).toBe('ø ł'); // no decomposition
    expect(normalize('Café', { stripAccents: true, lowercase: false, form: 'none' })).toBe('Cafe');
    expect(normalize('café')).toBe('café'); // off by default
  });
});

describe('HTML', () => {
  it('strips comments, script and style blocks and tags, each to one space', () => {
    const html = '<p>Hello <b>world</b></p><!-- c --><script>var x = "<p>";</script><STYLE type="x">p{}</STYLE>!<br/>end';
    expect(normalize(html, { stripHtml: true })).toBe('hello world ! end');
    expect(normalize(html, { stripHtml: true, collapseWhitespace: false, lowercase: false })).toBe(' Hello  world     ! end');
  });
  it('leaves angle brackets that are not tags', () => {
    const t = 'Mail <joe@example.com> or <http://x.org>: 3 < 5 > 2';
    expect(normalize(t, { stripHtml: true, lowercase: false })).toBe(t);
  });
  it('decodes named and numeric entities once, leaving unknown ones', () => {
    expect(normalize('&lt;b&gt; caf&eacute; &amp;amp; &#233;&#xE9;&#XE9 &#146;s &euro;5 &bogus; &amp', { decodeEntities: true }))
      .toBe('<b> café &amp; ééé ’s €5 &bogus; &amp');
    expect(normalize('&#0; &#x110000; &#xD800; &#128512;', { decodeEntities: true })).toBe('\ufffd \ufffd \ufffd 😀');
    expect(normalize('&nbsp;', { decodeEntities: true, collapseWhitespace: false })).toBe('\u00a0'.normalize('NFKC'));
    // decoded text is not stripped as a tag: stripping runs first
    expect(normalize('&lt;b&gt;x', { stripHtml: true, decodeEntities: true })).toBe('<b>x');
  });
  it('names the Latin-1 entities in code point order', () => {
    const known: [string, number][] = [['nbsp', 0xa0], ['copy', 0xa9], ['iquest', 0xbf], ['Agrave', 0xc0], ['times', 0xd7],
      ['szlig', 0xdf], ['divide', 0xf7], ['yuml', 0xff], ['Yuml', 0x178], ['mdash', 0x2014]];
    for (const [name, cp] of known) expect(HTML_ENTITIES.get(name), name).toBe(String.fromCharCode(cp));
  });
});

describe('placeholders', () => {
  it('replaces URLs without their trailing punctuation', () => {
    expect(normalize('See https://example.com/a?b=1. Or www.test.org, (http://x.y/z) ftp://files.net/f.txt!', { replaceUrls: true }))
      .toBe(`see ${PLACEHOLDERS.url}. or <url>, (<url>) <url>!`);
    expect(normalize('HTTP://EXAMPLE.COM/X', { replaceUrls: true, lowercase: false })).toBe('<url>');
    expect(normalize('no links here', { replaceUrls: true })).toBe('no links here');
  });
  it('the URL scanner agrees with its specification pattern', () => {
    // the specification, as written in src/text/normalize.ts
    const URL_PATTERN = /(?<![\p{L}\p{M}\p{N}])(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'()[\]{}]*[^\s<>"'()[\]{}.,;:!?]/giu;
    const o = { ...raw, replaceUrls: true };
    const fixed = ['http://', 'http://.', 'http://a.', 'www.x', 'WWW.X.', 'HtTpS://a', 'httpſ://a', 'ftp://x)y', 'sftp://x', '1http://x',
      'éhttp://x', '中http://x', '😀http://x', '_http://x', 'http://a http://b', 'http://x.comhttp://y', 'http://a\u00a0b', 'http://a\u3000b',
      'http://a\ufeffb', '(www.a.b),', 'http://a/😀!', 'http://a\ud800', '\ud800http://a', 'x://y', 'www.', 'wwww.a.b', 'http://www.a.b'];
    for (const s of fixed) expect(normalize(s, o), JSON.stringify(s)).toBe(s.replace(URL_PATTERN, '<url>'));
    const r = rng(13);
    const alphabet = ['http', 'https', 'HTTP', 'ftp', 'ſ', 'www', 'w', '://', ':', '/', '.', ',', '!', '?', ';', 'a', 'Z', '1', '_', '-', ' ',
      '\t', '\u00a0', '\u2009', '"', "'", '<', '>', '(', ')', '[', ']', '{', '}', 'é', 'e\u0301', '中', '٣', '😀', '\ud800'];
    for (let k = 0; k < 4000; k++) {
      let s = '';
      const n = Math.floor(r() * 12);
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
      expect(normalize(s, o), JSON.stringify(s)).toBe(s.replace(URL_PATTERN, '<url>'));
    }
    // every BMP code unit before the scheme, inside the URL and at its end
    for (let c = 1; c < 0x10000; c += c < 0x3100 ? 1 : 7) {
      const ch = String.fromCharCode(c);
      for (const s of [`${ch}http://a.b`, `http://a${ch}b`, `www.ab${ch}`]) expect(normalize(s, o), JSON.stringify(s)).toBe(s.replace(URL_PATTERN, '<url>'));
    }
  });
  it('replaces e-mail addresses', () => {
    expect(normalize('Write to John.Doe+news@Example.co.uk; or a@b (no dot) or x@y.z. Done', { replaceEmails: true }))
      .toBe('write to <email>; or a@b (no dot) or <email>. done');
    expect(normalize('<zzzz@localhost.netnoteinc.com>', { replaceEmails: true })).toBe('<<email>>');
  });
  it('replaces numbers that are not parts of words', () => {
    const t = 'Pay $1,000.50 now: 3 items, 42nd, mp3, v2.0, and -7, 1.5x 3.14. 127.0.0.1';
    const want = 'pay $<num> now: <num> items, 42nd, mp3, v2.0, and -<num>, 1.5x <num>. <num>';
    expect(normalize(t, { replaceNumbers: true })).toBe(want);
    // digits of other scripts; the text is no longer ASCII, so the general pattern runs
    expect(normalize(`${t} ٣٤ ४२`, { replaceNumbers: true })).toBe(`${want} <num> <num>`);
  });
  it('the ASCII and general number patterns agree', () => {
    const r = rng(7), alphabet = '0123456789.,- ab';
    for (let k = 0; k < 2000; k++) {
      let s = '';
      const n = Math.floor(r() * 16);
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
      const o = { ...raw, replaceNumbers: true };
      expect(normalize(s + ' é', o), JSON.stringify(s)).toBe(normalize(s, o) + ' é');
    }
  });
  it('the number scanner agrees with its specification pattern on text beyond ASCII', () => {
    // the specification, as written in src/text/normalize.ts
    const NUMBER_PATTERN = /\p{Nd}(?<![\p{L}\p{M}\p{N}][.,]?\p{Nd})\p{Nd}*(?:[.,]\p{Nd}+)*(?![.,]?[\p{L}\p{M}\p{N}])/gu;
    const o = { ...raw, replaceNumbers: true };
    const spec = (s: string) => s.replace(NUMBER_PATTERN, '<num>');
    const r = rng(17);
    // ASCII digits, Arabic-Indic and Devanagari digits, an astral digit (U+1D7CE), letters, a
    // combining mark, Roman numeral Ⅻ (N but not Nd), superscript ² (No), dots, commas, spaces
    const alphabet = ['1', '2', '0', '٣', '४', '𝟎', 'a', 'é', 'ж', '\u0301', 'Ⅻ', '²', '.', ',', '.', ',', ' ', '-', '中', '😀', '\ud800', '_'];
    for (let k = 0; k < 5000; k++) {
      let t = '';
      const n = Math.floor(r() * 12);
      for (let i = 0; i < n; i++) t += alphabet[Math.floor(r() * alphabet.length)];
      t += 'é';   // not ASCII: the scanner runs
      expect(normalize(t, o), JSON.stringify(t)).toBe(spec(t));
    }
    // every BMP code unit before, inside and after a number
    for (let c = 128; c < 0x10000; c += c < 0x3100 ? 1 : 5) {
      const ch = String.fromCharCode(c);
      for (const t of [`${ch}12`, `${ch}.12`, `1${ch}2`, `12${ch}`, `12.${ch}`, `1,${ch}5`]) expect(normalize(t, o), JSON.stringify(t)).toBe(spec(t));
    }
  });
  it('the e-mail matcher agrees with EMAIL_PATTERN', () => {
    // a match ending right before local-part characters: the next address may not start there
    for (const s of ['a@b.c_x@d.e', 'a@b.c.x@d.e', 'x.y@a.b+c@d.e', '.@a.b', 'a@-.b', 'a@b..c', 'é@ü.中', '😀a@b.c😀']) {
      expect(normalize(s, { ...raw, replaceEmails: true }), s).toBe(s.replace(EMAIL_PATTERN, '<email>'));
    }
    const r = rng(11);
    const alphabet = ['a', 'b', 'Z', '1', '.', '.', '@', '@', '-', '_', '+', '%', ' ', 'é', 'e\u0301', '中', '😀', ',', '<', '\ud800'];
    for (let k = 0; k < 3000; k++) {
      let s = '';
      const n = Math.floor(r() * 14);
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
      expect(normalize(s, { ...raw, replaceEmails: true }), JSON.stringify(s)).toBe(s.replace(EMAIL_PATTERN, '<email>'));
    }
    // every ASCII character before, inside and after the local part and the domain labels
    for (let c = 32; c < 127; c++) {
      const ch = String.fromCharCode(c);
      for (const s of [`${ch}ab@cd.ef`, `a${ch}b@cd.ef`, `ab${ch}@cd.ef`, `ab@c${ch}d.ef`, `ab@cd.e${ch}f`, `ab@cd.ef${ch}`]) {
        expect(normalize(s, { ...raw, replaceEmails: true }), JSON.stringify(s)).toBe(s.replace(EMAIL_PATTERN, '<email>'));
      }
    }
  });
  it('runs in order: html, entities, unicode, case, accents, urls, e-mails, numbers, white space', () => {
    const t = '<div>Visit&nbsp;<a href="http://x.org">HTTP://Shop.Example.com/Ｐ１</a> or mail Ｂｏｂ@Ex.org, save 50%&#33;</div>';
    expect(normalize(t, { stripHtml: true, decodeEntities: true, replaceUrls: true, replaceEmails: true, replaceNumbers: true }))
      .toBe('visit <url> or mail <email>, save <num>%!');
  });
});

describe('white space and options', () => {
  it('collapses every kind of white space', () => {
    expect(normalize('  a \t\n b\u00a0\u3000c \r\n')).toBe('a b c');
    expect(normalize(' a  b ', { collapseWhitespace: false })).toBe(' a  b ');
  });
  it('resolves defaults', () => {
    expect(resolveNormalizeOptions()).toEqual({
      form: 'NFKC', lowercase: true, stripAccents: false, stripHtml: false, decodeEntities: false,
      replaceUrls: false, replaceEmails: false, replaceNumbers: false, collapseWhitespace: true,
    });
  });
  it('refuses bad input with clear errors', () => {
    expect(() => normalize(42 as unknown as string)).toThrow(/normalize: text must be a string, got 42/);
    expect(() => normalize(null as unknown as string)).toThrow(/text must be a string, got null/);
    expect(() => normalize('x', { lowerCase: true } as never)).toThrow(/unknown option 'lowerCase'/);
    expect(() => normalize('x', { form: 'NFD' } as never)).toThrow(/form must be 'NFKC' or 'NFC' or 'none'/);
    expect(() => normalize('x', { lowercase: 'yes' } as never)).toThrow(/lowercase must be true or false/);
    expect(() => normalize('x', 'NFKC' as never)).toThrow(/options must be an object/);
  });
});
