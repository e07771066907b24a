// Text normalisation: the first step from raw strings to token ids. Pure string functions with no
// host dependencies (node, browsers and Cloudflare Workers alike).
//
// The steps run in this fixed order (each one optional):
//   1. stripHtml       remove comments, <script>/<style> blocks and tags (each replaced by a space)
//   2. decodeEntities  &amp; &eacute; &#233; &#xE9; ... to characters
//   3. form            Unicode normalisation, NFKC by default
//   4. lowercase       String.prototype.toLowerCase (locale-independent)
//   5. stripAccents    NFD, drop combining diacritics, NFC again
//   6. replaceUrls, replaceEmails, replaceNumbers   placeholders <url>, <email>, <num>
//   7. collapseWhitespace   runs of white space to one space, trimmed
//
// NFKC tables and case mappings come from the JavaScript engine: two hosts give the same result for
// every character assigned in the Unicode version both of them implement. Character classes
// (letters, digits, ...) come from the table shipped in src/text/unicode_table.ts, the same on
// every host.

import { checkBool, checkChoice, checkKeys, checkOptionsObject, describe } from './check.js';
import { LMN, ND, codePointFlags } from './unicode_table.js';

/** Placeholder tokens that replace URLs, e-mail addresses and numbers. Tokenizers keep them whole. */
export const PLACEHOLDERS = { url: '<url>', email: '<email>', number: '<num>' } as const;

export interface NormalizeOptions {
  /** Unicode normalisation: 'NFKC' (default) also folds compatibility characters: ligatures
   *  (ﬁ to fi), full-width forms (Ａ１ to A1), circled and super/subscript digits, ...;
   *  'NFC' only composes (e followed by a combining acute becomes é); 'none' leaves the text. */
  form?: 'NFKC' | 'NFC' | 'none';
  /** Lowercase with toLowerCase() (locale-independent; Σ at a word's end becomes ς). Default true. */
  lowercase?: boolean;
  /** Remove combining diacritics (café to cafe, Ελλάδα to ελλαδα, й to и): NFD, drop the marks of
   *  the blocks Combining Diacritical Marks (U+0300-036F) and its Extended and Supplement blocks,
   *  U+20D0-20FF and U+FE20-FE2F, then NFC. Marks of other scripts (Devanagari vowel signs,
   *  Arabic harakat) are kept since they are parts of letters. Letters such as ø and ł have no
   *  decomposition and stay. Default false. */
  stripAccents?: boolean;
  /** Remove HTML: comments, <script> and <style> elements with their content, and tags (a tag
   *  name starts with a letter and is followed by white space, / or >, so <user@example.com>
   *  stays). Each removed piece becomes one space. Default false. */
  stripHtml?: boolean;
  /** Decode HTML character references: the named ones of HTML 4 Latin-1 (&nbsp; to &yuml;),
   *  &amp; &lt; &gt; &quot; &apos;, common typographic ones (&mdash; &rsquo; &hellip; &euro;
   *  &trade; ...), and numeric ones (&#233; &#xE9;, with the HTML5 Windows-1252 mapping of
   *  &#128;-&#159; and U+FFFD for invalid code points). Named references need their ';'. Unknown
   *  names stay as they are. Default false. */
  decodeEntities?: boolean;
  /** Replace URLs (http://, https://, ftp:// or www. up to white space, quotes or brackets, minus
   *  trailing punctuation) by '<url>'. Default false. */
  replaceUrls?: boolean;
  /** Replace e-mail addresses (local@domain.tld) by '<email>'. Default false. */
  replaceEmails?: boolean;
  /** Replace numbers (decimal digits of any script, with . or , between digit groups: 42, 3.14,
   *  1,000,000) that are not part of a word (mp3, v2.0 and 1.5x stay) by '<num>'. Default false. */
  replaceNumbers?: boolean;
  /** Turn every run of white space into one space and trim both ends. Default true. */
  collapseWhitespace?: boolean;
}

export type ResolvedNormalizeOptions = Required<NormalizeOptions>;

const KEYS = ['form', 'lowercase', 'stripAccents', 'stripHtml', 'decodeEntities', 'replaceUrls', 'replaceEmails', 'replaceNumbers', 'collapseWhitespace'] as const;

/** Every option with its default filled in (what a saved vectorizer stores). */
export function resolveNormalizeOptions(options?: NormalizeOptions, op = 'normalize'): ResolvedNormalizeOptions {
  const o = checkOptionsObject(op, options);
  checkKeys(op, o, KEYS);
  return {
    form: checkChoice(op, 'form', o.form, ['NFKC', 'NFC', 'none'], 'NFKC'),
    lowercase: checkBool(op, 'lowercase', o.lowercase, true),
    stripAccents: checkBool(op, 'stripAccents', o.stripAccents, false),
    stripHtml: checkBool(op, 'stripHtml', o.stripHtml, false),
    decodeEntities: checkBool(op, 'decodeEntities', o.decodeEntities, false),
    replaceUrls: checkBool(op, 'replaceUrls', o.replaceUrls, false),
    replaceEmails: checkBool(op, 'replaceEmails', o.replaceEmails, false),
    replaceNumbers: checkBool(op, 'replaceNumbers', o.replaceNumbers, false),
    collapseWhitespace: checkBool(op, 'collapseWhitespace', o.collapseWhitespace, true),
  };
}

/** Normalises one text; see NormalizeOptions for the steps and their defaults. */
export function normalize(text: string, options?: NormalizeOptions): string {
  if (typeof text !== 'string') {
    throw new TypeError(`wasmnn: normalize: text must be a string, got ${describe(text)}; convert it first (e.g. String(x))`);
  }
  return normalizeResolved(text, resolveNormalizeOptions(options));
}

/** normalize() with options already resolved (no checks). */
export function normalizeResolved(text: string, o: ResolvedNormalizeOptions): string {
  return normalizeAfterHtml(stripHtmlStep(text, o), o);
}

/** Step 1 of normalize(). */
export function stripHtmlStep(s: string, o: ResolvedNormalizeOptions): string {
  return o.stripHtml && s.includes('<') ? s.replace(HTML_RE, ' ') : s;
}

/**
 * Steps 2 to 7 of normalize(). Each of them only looks at characters up to the next ASCII white
 * space (no entity, URL, e-mail address or number contains one; NFKC never composes a character
 * with a following ASCII space, tab or newline; Greek final sigma looks only at letters), so
 * without step 7 it can be applied piece by piece to a text cut just before ASCII white space,
 * and the pieces joined are the result for the whole text. TextVectorizer relies on this to
 * normalise only the beginning of long texts when it keeps only their first ids.
 */
export function normalizeAfterHtml(text: string, o: ResolvedNormalizeOptions, keepWhitespace = false): string {
  // keepWhitespace skips step 7, for tokenizers that drop white space anyway (same tokens)
  let s = text;
  if (o.decodeEntities && s.includes('&')) s = s.replace(ENTITY_RE, decodeEntity);
  // ASCII text is invariant under Unicode normalisation and stays ASCII through every later step
  const ascii = ASCII_RE.test(s);
  if (o.form !== 'none' && !ascii) s = s.normalize(o.form);
  if (o.lowercase) s = s.toLowerCase();
  if (o.stripAccents && !ascii) s = s.normalize('NFD').replace(ACCENT_RE, '').normalize('NFC');
  if (o.replaceUrls) s = replaceUrls(s);
  if (o.replaceEmails && s.includes('@')) s = replaceEmails(s);
  if (o.replaceNumbers) s = ascii ? s.replace(NUMBER_ASCII_RE, PLACEHOLDERS.number) : replaceNumbersScan(s);
  if (o.collapseWhitespace && !keepWhitespace) s = s.replace(SPACE_RE, ' ').trim();
  return s;
}

// ---------------------------------------------------------------------------------------------
// HTML

const HTML_RE = /<!--[\s\S]*?(?:-->|$)|<(script|style)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)|<\/?[a-zA-Z][a-zA-Z0-9-]*(?:[\s/][^<>]*)?>/gi;
const ENTITY_RE = /&(?:#[xX]([0-9a-fA-F]{1,6});?|#([0-9]{1,7});?|([a-zA-Z][a-zA-Z0-9]{1,31});)/g;

// The table is made on first use (a text with '&' and decodeEntities), not when the module loads.
let entities: Map<string, string> | null = null;

function htmlEntities(): ReadonlyMap<string, string> {
  if (entities) return entities;
  // HTML 4 Latin-1 entities name U+00A0..U+00FF in order.
  const latin1 = (
    'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr ' +
    'deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest ' +
    'Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ' +
    'ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig ' +
    'agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml ' +
    'eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml'
  ).split(' ');
  const m = new Map<string, string>();
  latin1.forEach((name, i) => m.set(name, String.fromCharCode(0xa0 + i)));
  const more: [string, number][] = [
    ['quot', 34], ['amp', 38], ['apos', 39], ['lt', 60], ['gt', 62],
    ['OElig', 0x152], ['oelig', 0x153], ['Scaron', 0x160], ['scaron', 0x161], ['Yuml', 0x178], ['fnof', 0x192],
    ['circ', 0x2c6], ['tilde', 0x2dc], ['ensp', 0x2002], ['emsp', 0x2003], ['thinsp', 0x2009],
    ['zwnj', 0x200c], ['zwj', 0x200d], ['lrm', 0x200e], ['rlm', 0x200f], ['ndash', 0x2013], ['mdash', 0x2014],
    ['lsquo', 0x2018], ['rsquo', 0x2019], ['sbquo', 0x201a], ['ldquo', 0x201c], ['rdquo', 0x201d], ['bdquo', 0x201e],
    ['dagger', 0x2020], ['Dagger', 0x2021], ['bull', 0x2022], ['hellip', 0x2026], ['permil', 0x2030],
    ['prime', 0x2032], ['Prime', 0x2033], ['lsaquo', 0x2039], ['rsaquo', 0x203a], ['oline', 0x203e], ['frasl', 0x2044],
    ['euro', 0x20ac], ['trade', 0x2122], ['larr', 0x2190], ['uarr', 0x2191], ['rarr', 0x2192], ['darr', 0x2193],
    ['harr', 0x2194], ['minus', 0x2212], ['infin', 0x221e], ['ne', 0x2260], ['le', 0x2264], ['ge', 0x2265],
    ['loz', 0x25ca], ['spades', 0x2660], ['clubs', 0x2663], ['hearts', 0x2665], ['diams', 0x2666],
  ];
  for (const [name, cp] of more) m.set(name, String.fromCharCode(cp));
  return (entities = m);
}

/** Named character references decoded by `decodeEntities`. */
export const HTML_ENTITIES: ReadonlyMap<string, string> = /* @__PURE__ */ htmlEntities();

// HTML5: numeric references 0x80-0x9F mean Windows-1252 characters.
const CP1252: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
  0x88: 0x2c6, 0x89: 0x2030, 0x8a: 0x160, 0x8b: 0x2039, 0x8c: 0x152, 0x8e: 0x17d, 0x91: 0x2018,
  0x92: 0x2019, 0x93: 0x201c, 0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x2dc,
  0x99: 0x2122, 0x9a: 0x161, 0x9b: 0x203a, 0x9c: 0x153, 0x9e: 0x17e, 0x9f: 0x178,
};

function decodeEntity(m: string, hex: string | undefined, dec: string | undefined, name: string | undefined): string {
  if (name !== undefined) return htmlEntities().get(name) ?? m;
  let cp = hex !== undefined ? parseInt(hex, 16) : parseInt(dec!, 10);
  if (cp in CP1252) cp = CP1252[cp];
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  return String.fromCodePoint(cp);
}

// ---------------------------------------------------------------------------------------------
// Unicode

const ASCII_RE = /^[\x00-\x7f]*$/;
const ACCENT_RE = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
// runs of white space other than a single ' ' (those are already collapsed)
const SPACE_RE = /[^\S ]\s*|\s{2,}/g;

// ---------------------------------------------------------------------------------------------
// Placeholders

// No expression with Unicode property classes (\p{L}, ...) runs here: V8 compiles such a class
// when it parses the module (about a millisecond each, a literal even inside a function) and
// again, for milliseconds more, when the expression first runs and when it tiers up. URLs,
// e-mail addresses and numbers are found by scanners; the classes of characters beyond ASCII
// come from the shipped table (src/text/unicode_table.ts). Their specifications are written out
// as patterns in the comments, and the tests check each scanner against its pattern.

/** Numbers not inside a word: digit groups joined by single . or , and neither preceded nor
 *  followed by a letter, mark or digit, directly or across one . or , (so v2.0 and 1.5x stay).
 *  The specification, as a regular expression (the test checks replaceNumbers against it):
 *    /\p{Nd}(?<![\p{L}\p{M}\p{N}][.,]?\p{Nd})\p{Nd}*(?:[.,]\p{Nd}+)*(?![.,]?[\p{L}\p{M}\p{N}])/gu
 *  For ASCII text, where letters, marks and digits are [A-Za-z0-9], it is NUMBER_ASCII_RE;
 *  other text is scanned with the character table (src/text/unicode_table.ts). */
const NUMBER_ASCII_RE = /[0-9](?<![A-Za-z0-9][.,]?[0-9])[0-9]*(?:[.,][0-9]+)*(?![.,]?[A-Za-z0-9])/g;

/** A letter, mark or digit of any script. */
const isLmn = (cp: number) => (cp < 128 ? asciiAlnum(cp) : (codePointFlags(cp) & LMN) !== 0);
/** A decimal digit of any script. */
const isDigit = (cp: number) => (cp < 128 ? cp >= 48 && cp <= 57 : (codePointFlags(cp) & ND) !== 0);
const isDotComma = (c: number) => c === 46 || c === 44;

/** The specification's matches replaced by '<num>', for any text. Only the longest run from a
 *  digit can match (any shorter one is followed by a digit, or by . or , and a digit), and a
 *  start inside a run fails the look-behind, so one pass from each possible start suffices. */
function replaceNumbersScan(s: string): string {
  let out = '';
  let done = 0;   // s[0, done) is already copied or replaced
  for (let i = 0; i < s.length;) {
    const cp = s.codePointAt(i)!, len = cp > 0xffff ? 2 : 1;
    if (!isDigit(cp)) { i += len; continue; }
    // look-behind: a letter, mark or digit just before, or one before a '.' or ',' just before
    if (i > 0) {
      const [p, pl] = cpBefore(s, i);
      if (isLmn(p) || (isDotComma(p) && i - pl > 0 && isLmn(cpBefore(s, i - pl)[0]))) { i += len; continue; }
    }
    // the run: digits, and single . or , between digits
    let j = i + len;
    for (;;) {
      while (j < s.length) { const d = s.codePointAt(j)!; if (!isDigit(d)) break; j += d > 0xffff ? 2 : 1; }
      if (j + 1 < s.length && isDotComma(s.charCodeAt(j)) && isDigit(s.codePointAt(j + 1)!)) { j++; continue; }
      break;
    }
    // look-ahead: not followed by a letter, mark or digit, directly or across one . or ,
    if (j < s.length) {
      const d = s.codePointAt(j)!;
      if (isLmn(d) || (isDotComma(d) && j + 1 < s.length && isLmn(s.codePointAt(j + 1)!))) { i += len; continue; }
    }
    out += s.slice(done, i) + PLACEHOLDERS.number;
    done = i = j;
  }
  return done === 0 ? s : out + s.slice(done);
}

/**
 * The specification of e-mail matching, as one regular expression: a maximal run of local-part
 * characters, '@', then dot-separated labels (at least two). replaceEmails() implements it by
 * looking around each '@', which is much faster than this pattern on long texts.
 */
export const EMAIL_PATTERN = /(?<![\p{L}\p{M}\p{N}._%+-])[\p{L}\p{M}\p{N}._%+-]+@[\p{L}\p{M}\p{N}-]+(?:\.[\p{L}\p{M}\p{N}-]+)+/gu;

// URLs. The specification, as a regular expression (test/text/normalize.test.ts checks the scanner
// below against it; the pattern itself is not used: with its Unicode classes and the i flag, V8
// took ~3 ms to compile and first run it, a tenth of a cold start's prediction):
//   /(?<![\p{L}\p{M}\p{N}])(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'()[\]{}]*[^\s<>"'()[\]{}.,;:!?]/giu
// that is: a scheme (any case; under /iu the long s ſ also matches s) not preceded by a letter,
// mark or digit, then the longest run of characters other than white space, quotes, < > and
// brackets that ends in a character other than . , ; : ! ?

/** JavaScript's \s: Unicode White_Space plus U+FEFF. */
export function isWhite(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Code units that end a URL: white space, quotes, < > and brackets. */
function urlStop(c: number): boolean {
  return isWhite(c) || c === 34 || c === 39 || c === 40 || c === 41 || c === 60 || c === 62 || c === 91 || c === 93 || c === 123 || c === 125;
}

/** Punctuation a URL does not end with. */
const urlTrailing = (c: number) => c === 46 || c === 44 || c === 59 || c === 58 || c === 33 || c === 63;   // . , ; : ! ?

/** Whether s has `word` (lowercase ASCII letters and punctuation) at i, letters in any case (s also as ſ). */
function hasAt(s: string, i: number, word: string): boolean {
  if (i + word.length > s.length) return false;
  for (let k = 0; k < word.length; k++) {
    const w = word.charCodeAt(k), c = s.charCodeAt(i + k);
    if (c !== w && !(w >= 97 && w <= 122 && (c === w - 32 || (w === 115 && c === 0x17f)))) return false;
  }
  return true;
}

/** Length of the scheme (http://, https://, ftp:// or www.) at s[i], 0 if there is none. */
function schemeAt(s: string, i: number): number {
  const c = s.charCodeAt(i) | 32;
  if (c === 104) return hasAt(s, i, 'https://') ? 8 : hasAt(s, i, 'http://') ? 7 : 0;   // h
  if (c === 102) return hasAt(s, i, 'ftp://') ? 6 : 0;   // f
  if (c === 119) return hasAt(s, i, 'www.') ? 4 : 0;   // w
  return 0;
}

/** URLs replaced by '<url>' (see the specification above): scanned from each possible scheme. */
function replaceUrls(s: string): string {
  // cheap filter: every URL contains '://' or 'www.' (any case)
  if (!s.includes('://') && !/www\./i.test(s)) return s;
  let out = '';
  let done = 0;   // s[0, done) is already copied or replaced
  for (let i = 0; i < s.length; i++) {
    const scheme = schemeAt(s, i);
    if (scheme === 0 || (i > 0 && isLmn(cpBefore(s, i)[0]))) continue;   // the look-behind reads the original text
    let end = -1;
    for (let j = i + scheme; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (urlStop(c)) break;
      if (!urlTrailing(c)) end = j + 1;
    }
    if (end < 0) continue;
    out += s.slice(done, i) + PLACEHOLDERS.url;
    done = end;
    i = end - 1;
  }
  return done === 0 ? s : out + s.slice(done);
}

// Letters, marks and digits of ASCII are [A-Za-z0-9].
const asciiAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** [\p{L}\p{M}\p{N}._%+-]: the characters of an address's local part. */
const isLocal = (cp: number) => isLmn(cp) || cp === 46 || cp === 95 || cp === 37 || cp === 43 || cp === 45;   // . _ % + -
/** [\p{L}\p{M}\p{N}-]: the characters of a domain label. */
const isLabel = (cp: number) => isLmn(cp) || cp === 45;

/** Code point ending just before s[i] (handles surrogate pairs); [cp, its length in units]. */
function cpBefore(s: string, i: number): [number, number] {
  const c = s.charCodeAt(i - 1);
  if (c >= 0xdc00 && c <= 0xdfff && i >= 2) {
    const h = s.charCodeAt(i - 2);
    if (h >= 0xd800 && h <= 0xdbff) return [((h - 0xd800) << 10) + (c - 0xdc00) + 0x10000, 2];
  }
  return [c, 1];
}

/** Length in code units of the label run starting at i (0 if none). */
function labelRun(s: string, i: number): number {
  let j = i;
  while (j < s.length) {
    const cp = s.codePointAt(j)!;
    if (!isLabel(cp)) break;
    j += cp > 0xffff ? 2 : 1;
  }
  return j - i;
}

/** EMAIL_PATTERN's matches replaced by '<email>', found from each '@'. */
function replaceEmails(s: string): string {
  let out = '';
  let done = 0; // s[0, done) is already copied or replaced
  let at = s.indexOf('@');
  while (at >= 0) {
    // local part: the maximal run of local characters ending at '@', starting at or after `done`
    let start = at;
    while (start > done) {
      const [cp, len] = cpBefore(s, start);
      if (!isLocal(cp)) break;
      start -= len;
    }
    let ok = start < at;
    if (ok && start > 0) {
      // the run must be maximal in the original text (the pattern's look-behind)
      const [cp] = cpBefore(s, start);
      if (isLocal(cp)) ok = false;
    }
    let end = at + 1;
    if (ok) {
      const first = labelRun(s, end);
      if (first === 0) ok = false;
      else {
        end += first;
        let labels = 1;
        while (s.charCodeAt(end) === 46 /* . */) {
          const n = labelRun(s, end + 1);
          if (n === 0) break;
          end += 1 + n;
          labels++;
        }
        if (labels < 2) ok = false;
      }
    }
    if (ok) {
      out += s.slice(done, start) + PLACEHOLDERS.email;
      done = end;
      at = s.indexOf('@', end);
    } else {
      at = s.indexOf('@', at + 1);
    }
  }
  return done === 0 ? s : out + s.slice(done);
}
