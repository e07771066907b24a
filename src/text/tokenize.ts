// Unicode-aware tokenizers. wordTokens() is specified by WORD_TOKEN_PATTERN (a regular expression)
// and implemented by a hand-written scanner over a table of character classes, which is several
// times faster than the pattern on long texts; the tests check the two agree.

import { checkBool, checkKeys, checkOptionsObject, describe } from './check.js';
import { PLACEHOLDERS, isWhite } from './normalize.js';
import { CJK, EMOJI_MOD, HAN, EMOD, JOIN, MARK, PICT, RI, SKIP, W, WORD, astralFlags, bmpFlagTable, bmpFlags } from './unicode_table.js';

/**
 * What wordTokens() returns, as a regular expression: `text.match(WORD_TOKEN_PATTERN) ?? []`.
 * At each position the first alternative that matches wins:
 *  1. a placeholder of normalize(): <url>, <email>, <num>
 *  2. a flag: two regional indicators (🇫🇷)
 *  3. an emoji with its modifiers (skin tones, VS16, keycap) and ZWJ sequences (👩🏽‍💻)
 *  4. a Han, Hiragana or Katakana character (with combining marks): Chinese and Japanese do
 *     not separate words by spaces, so each character is a token
 *  5. a word: a run of letters, combining marks and digits of any script (café, москва,
 *     कि, ١٢٣, abc123), where an apostrophe (' or ’), ZWNJ or ZWJ between two word characters
 *     stays inside the word: don't, l'homme and Persian می‌خواهم are one token each. (Keras'
 *     default standardisation removes apostrophes instead; here they carry meaning.)
 *  6. any other character except white space, controls and format characters: punctuation and
 *     symbols are tokens of their own (hello, → hello ,). Hyphens split words (e-mail → e - mail).
 */
export const WORD_TOKEN_PATTERN = new RegExp(
  `<(?:url|email|num)>|\\p{RI}\\p{RI}|\\p{Extended_Pictographic}${EMOJI_MOD}*(?:\\u200D\\p{Extended_Pictographic}${EMOJI_MOD}*)*` +
    `|[${CJK}]\\p{M}*|${WORD}+(?:['\\u2019\\u200C\\u200D]${WORD}+)*|[^\\s\\p{Cc}\\p{Cf}]`,
  'gu',
);

/**
 * Word tokens of a text (see WORD_TOKEN_PATTERN for the rules). Run it on normalised text:
 * tokens keep their case and form.
 */
export function wordTokens(text: string): string[] {
  if (typeof text !== 'string') {
    throw new TypeError(`wasmnn: wordTokens: text must be a string, got ${describe(text)}; convert it first (e.g. String(x))`);
  }
  const out: string[] = [];
  scanWords(text, 0, Infinity, out);
  return out;
}

/** The tokenizer's flags (the low 8 bits) of the code point at j, plus its length in code units times 256. */
function flagsAt(s: string, j: number, t: Uint16Array): number {
  const c = s.charCodeAt(j);
  if (c >= 0xd800 && c <= 0xdbff && j + 1 < s.length) {
    const d = s.charCodeAt(j + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return (astralFlags(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000) & 255) | 512;
  }
  return (bmpFlags(t, c) & 255) | 256;
}

/** End of the word run starting at i (s[i] is a word character): word characters, and single
 *  joiners (apostrophes, ZWNJ, ZWJ) between two word characters. */
function wordEnd(s: string, i: number, t: Uint16Array): number {
  const n = s.length;
  let j = i;
  for (;;) {
    while (j < n) {
      const d = s.charCodeAt(j);
      if (d < 128) { if (t[d] & W) { j++; continue; } break; }
      const g = flagsAt(s, j, t);
      if (g & W) { j += g >> 8; continue; }
      break;
    }
    if (j + 1 < n && (bmpFlags(t, s.charCodeAt(j)) & JOIN)) {
      const g = flagsAt(s, j + 1, t);
      if (g & W) { j += 1 + (g >> 8); continue; }
    }
    return j;
  }
}

/** End of the emoji starting at i (its first code point is i..i+l): modifiers, ZWJ sequences. */
function emojiEnd(s: string, i: number, l: number, t: Uint16Array): number {
  const n = s.length;
  let j = i + l;
  for (;;) {
    while (j < n) { const g = flagsAt(s, j, t); if (g & EMOD) j += g >> 8; else break; }
    if (j + 1 < n && s.charCodeAt(j) === 0x200d) {
      const g = flagsAt(s, j + 1, t);
      if (g & PICT) { j += 1 + (g >> 8); continue; }
    }
    return j;
  }
}

/** The placeholder starting at i, or null. */
function placeholderAt(s: string, i: number): string | null {
  return s.startsWith(PLACEHOLDERS.url, i) ? PLACEHOLDERS.url
    : s.startsWith(PLACEHOLDERS.email, i) ? PLACEHOLDERS.email
    : s.startsWith(PLACEHOLDERS.number, i) ? PLACEHOLDERS.number : null;
}

/** wordTokens() without checks: pushes the tokens of s from index `from` onto out until out has
 *  `limit` tokens; returns where it stopped (scanning can resume there). With `dropPunctuation`,
 *  the tokens of rule 6 (punctuation and symbols) are skipped: words, placeholders, emoji and CJK
 *  characters stay. */
export function scanWords(s: string, from: number, limit: number, out: string[], dropPunctuation = false): number {
  const t = bmpFlagTable();
  const n = s.length;
  let i = from;
  while (i < n && out.length < limit) {
    const c = s.charCodeAt(i);
    if (c < 128) { // fast path: ASCII (no emoji, no CJK)
      const f = t[c];
      if (f & SKIP) { i++; continue; }
      if (f & W) { const j = wordEnd(s, i + 1, t); out.push(s.slice(i, j)); i = j; continue; }
      if (c === 60 /* < */) {
        const p = placeholderAt(s, i);
        if (p) { out.push(p); i += p.length; continue; }
      }
      if (!dropPunctuation) out.push(s[i]);
      i++;
      continue;
    }
    const g = flagsAt(s, i, t);
    const l = g >> 8;
    if ((g & RI) && i + l < n && (flagsAt(s, i + l, t) & RI)) {
      const j = i + l + (flagsAt(s, i + l, t) >> 8);
      out.push(s.slice(i, j)); i = j; continue;
    }
    let j: number;
    if (g & PICT) j = emojiEnd(s, i, l, t);
    else if (g & HAN) {
      j = i + l;
      while (j < n) { const h = flagsAt(s, j, t); if (h & MARK) j += h >> 8; else break; }
    } else if (g & W) j = wordEnd(s, i + l, t);
    else if (g & SKIP) { i += l; continue; }
    else if (dropPunctuation) { i += l; continue; }
    else j = i + l;
    out.push(s.slice(i, j));
    i = j;
  }
  return i;
}

/**
 * White-space tokens, as fastText splits text: the maximal runs of characters that are not white
 * space (JavaScript's \s). Punctuation stays attached (spamassassin.taint.org, "hello," and
 * <url> are one token each), so it is fast and keeps e-mail addresses, host names and URLs whole.
 */
export function whitespaceTokens(text: string): string[] {
  if (typeof text !== 'string') {
    throw new TypeError(`wasmnn: whitespaceTokens: text must be a string, got ${describe(text)}; convert it first (e.g. String(x))`);
  }
  const out: string[] = [];
  scanSpaces(text, 0, Infinity, out);
  return out;
}

/** whitespaceTokens() without checks, as scanWords. */
export function scanSpaces(s: string, from: number, limit: number, out: string[]): number {
  const n = s.length;
  let i = from;
  while (i < n && out.length < limit) {
    if (isWhite(s.charCodeAt(i))) { i++; continue; }
    let j = i + 1;
    while (j < n && !isWhite(s.charCodeAt(j))) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return i;
}

export interface CharTokenOptions {
  /** Keep white space characters as tokens (after normalize()'s collapseWhitespace each gap is
   *  one ' '). Default false. */
  keepSpaces?: boolean;
}

/**
 * Character tokens: one token per Unicode code point (an astral character such as 😀 or 𠀀 is one
 * token, not two UTF-16 halves); white space is dropped unless keepSpaces; the placeholders
 * <url>, <email>, <num> of normalize() are one token each. Combining marks are tokens of their
 * own (use normalize's NFKC/NFC first so é is one code point).
 */
export function charTokens(text: string, options?: CharTokenOptions): string[] {
  if (typeof text !== 'string') {
    throw new TypeError(`wasmnn: charTokens: text must be a string, got ${describe(text)}; convert it first (e.g. String(x))`);
  }
  const o = checkOptionsObject('charTokens', options);
  checkKeys('charTokens', o, ['keepSpaces']);
  const out: string[] = [];
  scanChars(text, checkBool('charTokens', 'keepSpaces', o.keepSpaces, false), 0, Infinity, out);
  return out;
}

/** charTokens() without checks, as scanWords. */
export function scanChars(s: string, keepSpaces: boolean, from: number, limit: number, out: string[]): number {
  const n = s.length;
  let i = from;
  while (i < n && out.length < limit) {
    const c = s.charCodeAt(i);
    if (c === 60 /* < */) {
      const p = placeholderAt(s, i);
      if (p) { out.push(p); i += p.length; continue; }
    }
    let l = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) l = 2;
    }
    if (l === 1 && !keepSpaces && isWhite(c)) { i++; continue; }
    out.push(l === 1 ? s[i] : s.slice(i, i + 2));
    i += l;
  }
  return i;
}

