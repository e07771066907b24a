// The character classes the text pipeline needs, for every code point, from a table shipped with
// the library: the word tokenizer's flags (src/text/tokenize.ts) and the letter/mark/digit and
// decimal-digit tests of URL, e-mail and number replacement (src/text/normalize.ts).
//
// The table (src/text/unicode_flags.ts) is made by scripts/gen-unicode-flags.mjs from CLASSES
// below, evaluated by the engine named in that file. Compiling those Unicode property classes at
// run time instead cost 5-15 ms on the first text with a character beyond Latin-1 (a curly
// apostrophe, a dash, an accented letter, an emoji) and again when the expression tiers up. The
// table is ~6 KB of text (2.5 KB gzip), a block of 256 code units decoded in microseconds when a text first
// needs it, and it makes every host classify characters alike, whatever Unicode version its
// engine implements. test/text/tokenize.test.ts checks the table against the classes at every
// code point.
import { FLAG_ASTRAL, FLAG_BLOCKS, FLAG_VALUES } from './unicode_flags.js';

export const CJK = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}';
/** Word characters: letters, marks and digits of every script except the CJK ones. */
export const WORD = `[^\\p{Z}\\p{P}\\p{S}\\p{C}${CJK}]`; // (L ∪ M ∪ N) minus CJK: the categories partition
export const EMOJI_MOD = '[\\p{EMod}\\uFE0F\\u20E3]';

// the flags
export const W = 1, HAN = 2, SKIP = 4, PICT = 8, MARK = 16, EMOD = 32, RI = 64, JOIN = 128;
/** A letter, mark or digit of any script (\p{L}, \p{M}, \p{N}). */
export const LMN = 256;
/** A decimal digit of any script (\p{Nd}). */
export const ND = 512;

/** Each flag's character class (the body of a [...] class, for the u flag). */
export const CLASSES: readonly (readonly [number, string])[] = [
  [W, WORD.slice(1, -1)],
  [HAN, CJK],
  [SKIP, '\\s\\p{Cc}\\p{Cf}'],
  [PICT, '\\p{Extended_Pictographic}'],
  [MARK, '\\p{M}'],
  [EMOD, EMOJI_MOD.slice(1, -1)],
  [RI, '\\p{RI}'],
  [JOIN, "'\\u2019\\u200C\\u200D"],
  [LMN, '\\p{L}\\p{M}\\p{N}'],
  [ND, '\\p{Nd}'],
];

/** Flags of each BMP code unit (lone surrogates: none); a block is filled when first needed. */
const bmp = new Uint16Array(65536);
const bmpBlockDone = new Uint8Array(256);
/** The astral planes as runs: astralStart[r] is the first code point of run r, astralFlag[r] its flags. */
let astralStart: Int32Array | null = null;
let astralFlag: Uint16Array | null = null;

/** The value (0 .. 63) of a character of the table's alphabet A-Z a-z 0-9 + / (as base64's). */
function digit(c: number): number {
  return c >= 97 ? c - 71 : c >= 65 ? c - 65 : c >= 48 ? c + 4 : c === 43 ? 62 : 63;
}

/**
 * Calls run(first, length, flags) for the runs of one string of the table, which must cover the
 * `count` code points from `first`: each run is one character, the index of its flags in
 * FLAG_VALUES, then its length in base-32 digits, lowest first, a digit d written as the character
 * of d + 32 when more follow (see scripts/gen-unicode-flags.mjs). A damaged string (a run past the
 * end, or too few) is an error before run() sees anything beyond the string's own code points.
 */
function decodeRuns(what: string, text: string, first: number, count: number, run: (start: number, length: number, flags: number) => void): void {
  let p = 0, cp = first;
  const end = first + count;
  while (p < text.length) {
    const f = FLAG_VALUES[digit(text.charCodeAt(p++))] ?? 0;
    let len = 0, scale = 1, d: number;
    do { d = digit(text.charCodeAt(p++)); len += (d & 31) * scale; scale *= 32; } while (d >= 32 && p < text.length);
    if (cp + len > end) damaged(what, cp + len - first, count);
    run(cp, len, f);
    cp += len;
  }
  if (cp !== end) damaged(what, cp - first, count);
}

function damaged(what: string, covered: number, want: number): never {
  throw new Error(`wasmnn: the Unicode flag table's ${what} covers ${covered} code points, not ${want}; it is damaged (run scripts/gen-unicode-flags.mjs)`);
}

function fillBlock(block: number): void {
  decodeRuns(`block ${block}`, FLAG_BLOCKS[block], block << 8, 256, (start, length, f) => { bmp.fill(f, start, start + length); });
  bmpBlockDone[block] = 1;
}

/** The flags of every BMP code unit, indexed by the code unit, with the blocks of the first 256
 *  code units filled; bmpFlags() fills the others when first needed. */
export function bmpFlagTable(): Uint16Array {
  if (!bmpBlockDone[0]) fillBlock(0);
  return bmp;
}

/** The flags of the BMP code unit c in the table t (from bmpFlagTable). */
export function bmpFlags(t: Uint16Array, c: number): number {
  if (!bmpBlockDone[c >> 8]) fillBlock(c >> 8);
  return t[c];
}

/** The flags of a code point beyond the BMP. */
export function astralFlags(cp: number): number {
  if (!astralStart) {
    const starts: number[] = [], flags: number[] = [];
    decodeRuns('astral part', FLAG_ASTRAL, 0x10000, 0x100000, (start, _length, f) => { starts.push(start); flags.push(f); });
    astralStart = Int32Array.from(starts);
    astralFlag = Uint16Array.from(flags);
  }
  const starts = astralStart;
  let lo = 0, hi = starts.length - 1;   // the last run starting at or before cp
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= cp) lo = mid; else hi = mid - 1;
  }
  return astralFlag![lo];
}

/** The flags of any code point. */
export function codePointFlags(cp: number): number {
  return cp < 65536 ? bmpFlags(bmp, cp) : astralFlags(cp);
}

// ---- the specification: the classes evaluated by this engine (tests and the generator) ---------

let singleTests: (readonly [number, RegExp])[] | null = null;

/** Flags of one code point from the character classes. Compiles the classes on first use: milliseconds. */
export function flagsFromClasses(cp: number): number {
  if (cp >= 0xd800 && cp <= 0xdfff) return 0;   // lone surrogates: none
  singleTests ??= CLASSES.map(([flag, cls]) => [flag, new RegExp(`^[${cls}]$`, 'u')] as const);
  const s = String.fromCodePoint(cp);
  let f = 0;
  for (const [flag, re] of singleTests) if (re.test(s)) f |= flag;
  return f;
}

let blockPatterns: [number, RegExp][] | null = null;

/** The flags of the 256 code units of a BMP block from the character classes (faster than
 *  flagsFromClasses on each: one pass of each class over the block). */
export function blockFlagsFromClasses(block: number): Uint16Array {
  const out = new Uint16Array(256);
  if (block >= 0xd8 && block <= 0xdf) return out; // surrogates: no flags
  blockPatterns ??= CLASSES.map(([flag, cls]) => [flag, new RegExp(`[${cls}]+`, 'gu')]);
  let chars = '';
  for (let k = 0; k < 256; k++) chars += String.fromCharCode((block << 8) + k);
  for (const [flag, re] of blockPatterns) {
    re.lastIndex = 0;
    for (let m = re.exec(chars); m; m = re.exec(chars)) {
      for (let k = m.index; k < m.index + m[0].length; k++) out[k] |= flag;
    }
  }
  return out;
}
