// The CLI's data readers: CSV / TSV round trips through an RFC 4180 writer (quotes, doubled
// quotes, newlines in fields, CRLF, BOM), JSONL, and errors that name the line.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDataset, parseDelimited, formatOf, decodeUtf8, firstInvalidUtf8, readDataset, dataOptionsOf, parseDelimiter, badLabel } from '../../src/cli/data.js';
import { CliError } from '../../src/cli/errors.js';
import { Random } from '../../src/random.js';
import { tempDir, toCsv } from './helpers.js';

const ALPHABET = ['a', 'b', ' ', ',', '"', '\n', '\r\n', '\t', 'é', '日本', "'", 'x y'];

function randomRows(seed: number, rows: number, cols: number): string[][] {
  const rng = new Random(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => {
    let s = '';
    const len = rng.below(8);
    for (let k = 0; k < len; k++) s += ALPHABET[rng.below(ALPHABET.length)];
    return s;
  }));
}

describe('delimited files', () => {
  for (const [delim, eol] of [[',', '\r\n'], [',', '\n'], ['\t', '\n']]) {
    it(`round-trips random fields (delimiter ${JSON.stringify(delim)}, line end ${JSON.stringify(eol)})`, () => {
      for (let seed = 1; seed <= 30; seed++) {
        const rows = randomRows(seed, 12, 3).filter((r) => !(r.length === 1 && r[0] === ''));
        rows.unshift(['h1', 'h2', 'h3']);
        const back = parseDelimited(toCsv(rows, delim, eol), delim, 'x.csv').map((r) => r.fields);
        // a row of all-empty fields written without quotes is still a row (it has delimiters)
        expect(back).toEqual(rows);
      }
    });
  }

  it('reads a BOM, CRLF, quoted newlines and doubled quotes into texts and labels', () => {
    const rows = [['label', 'text'], ['spam', 'line one\r\nline "two", three'], ['ham', '']];
    const ds = parseDataset(`\ufeff${toCsv(rows)}`, 'x.csv', 'csv');
    expect(ds.texts).toEqual([rows[1][1], rows[2][1]]);
    expect(ds.labels).toEqual(['spam', 'ham']);
    expect(ds.columns).toEqual(['label', 'text']);
  });

  it('names the line of a malformed record', () => {
    const bad = 'text,label\n"fine",a\n"broken"x,b\n';
    expect(() => parseDataset(bad, 'd.csv', 'csv')).toThrow(/d\.csv: line 3: text after a closing quote/);
    const multi = 'text,label\n"two\nlines",a\nthree,fields,here\n';
    expect(() => parseDataset(multi, 'd.csv', 'csv')).toThrow(/line 4 has 3 fields but the header has 2/);
    expect(() => parseDataset('text,label\n"never closed,a\n', 'd.csv', 'csv')).toThrow(/line 2: a quoted field is never closed/);
  });

  it('lists the columns when one is missing, and refuses empty files and labels', () => {
    expect(() => parseDataset('body,cls\nx,y\n', 'd.csv', 'csv')).toThrow(/no text column 'text'; its columns are 'body', 'cls'; pick one with --text-column/);
    expect(() => parseDataset('text,cls\nx,y\n', 'd.csv', 'csv')).toThrow(/no label column 'label'.*--label-column/);
    expect(() => parseDataset('', 'd.csv', 'csv')).toThrow(/d\.csv is empty/);
    expect(() => parseDataset('text,label\n', 'd.csv', 'csv')).toThrow(/has no data rows/);
    expect(() => parseDataset('text,label\nhello,\n', 'd.csv', 'csv')).toThrow(/line 2 has an empty label/);
  });
});

describe('what cli.md promises of data files', () => {
  it('skips lines of only white space like blank lines (CSV and TSV); a quoted field is data', () => {
    const csv = 'text,label\n  \na b,x\n\t \r\n\u00a0\nc,y\n   ';
    expect(parseDataset(csv, 'd.csv', 'csv')).toMatchObject({ texts: ['a b', 'c'], labels: ['x', 'y'] });
    expect(parseDataset('text\tlabel\n   \na\tx\n \n', 'd.tsv', 'tsv')).toMatchObject({ texts: ['a'], labels: ['x'] });
    expect(() => parseDataset('text,label\na,x\n"  "\n', 'd.csv', 'csv')).toThrow(/line 3 has 1 field but the header has 2/);
  });

  it('a header naming a column twice is an error naming it', () => {
    expect(() => parseDataset('text,label,label\na,x,y\n', 'd.csv', 'csv')).toThrow(/d\.csv: the header names the column 'label' twice \(columns 2 and 3\); rename one/);
    expect(() => parseDataset(' text ,label,text\na,x,y\n', 'd.csv', 'csv')).toThrow(/column 'text' twice \(columns 1 and 3\)/);
    // unnamed columns (a trailing delimiter) are no names
    expect(parseDataset('text,label,,\na,x,,\n', 'd.csv', 'csv').texts).toEqual(['a']);
  });

  it('refuses UTF-16 and bytes that are not UTF-8, naming the line; reads UTF-8 with or without a BOM', async () => {
    const enc = new TextEncoder();
    const utf8 = 'text,label\ncafé 😀,x\n';
    expect(decodeUtf8(enc.encode(utf8), 'd.csv')).toBe(utf8);
    expect(parseDataset(decodeUtf8(enc.encode(`\ufeff${utf8}`), 'd.csv'), 'd.csv', 'csv').texts).toEqual(['café 😀']);
    const le = new Uint8Array([0xff, 0xfe, ...Array.from(Buffer.from(utf8, 'utf16le'))]);
    const be = new Uint8Array([0xfe, 0xff, ...Array.from(Buffer.from(utf8, 'utf16le').swap16())]);
    for (const b of [le, be]) expect(() => decodeUtf8(b, 'd.csv')).toThrow(/d\.csv is UTF-16 .*save it as UTF-8/);
    // Latin-1 é (0xE9) on line 4 (a CRLF file; a line break inside a quoted field counts, as in the CSV errors)
    const latin1 = Buffer.concat([Buffer.from('text,label\r\n"one\r\ntwo",x\r\ncaf'), Buffer.from([0xe9]), Buffer.from(',y\r\n')]);
    expect(() => decodeUtf8(latin1, 'd.csv')).toThrow(/^wasmnn: d\.csv: line 4: byte 0xE9 \(offset 29\) is not UTF-8; data files are UTF-8: save it as UTF-8/);
    expect(() => decodeUtf8(new Uint8Array([0x61, 0x0d, 0x62, 0x0d, 0xc3]), 'd.csv')).toThrow(/line 3: byte 0xC3 \(offset 4\)/);   // CR line ends; cut off at the end
    const dir = tempDir();
    writeFileSync(join(dir, 'latin1.csv'), latin1);
    await expect(readDataset(join(dir, 'latin1.csv'))).rejects.toThrow(/latin1\.csv: line 4: byte 0xE9/);
  });

  it('finds the first byte that is not UTF-8 exactly where a strict decoder fails', () => {
    const rng = new Random(12);
    const bytes = [0x41, 0x0a, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (let k = 0; k < 5000; k++) {
      const b = Uint8Array.from({ length: 1 + rng.below(7) }, () => (rng.uniform() < 0.5 ? bytes[rng.below(bytes.length)] : rng.below(256)));
      const at = firstInvalidUtf8(b);
      let valid = true;
      try { strict.decode(b); } catch { valid = false; }
      expect(at === b.length, Array.from(b).join(',')).toBe(valid);
      if (!valid) {
        expect(() => strict.decode(b.subarray(0, at))).not.toThrow();   // everything before it is UTF-8
        expect(() => strict.decode(b.subarray(0, at + 4))).toThrow();    // and it starts no well-formed sequence
      }
    }
  });
});

describe('JSONL', () => {
  it('reads objects, turns number and boolean labels into strings, skips blank lines', () => {
    const rows = [{ text: 'a "b"\nc', label: 1 }, { text: 'd', label: true, extra: 3 }, { text: 'e', label: 'x' }];
    const ds = parseDataset(rows.map((r) => JSON.stringify(r)).join('\r\n') + '\n\n', 'd.jsonl', 'jsonl');
    expect(ds.texts).toEqual(rows.map((r) => r.text));
    expect(ds.labels).toEqual(rows.map((r) => String(r.label)));
  });

  it('names the line of bad JSON and missing keys', () => {
    expect(() => parseDataset('{"text":"a","label":"b"}\n{oops\n', 'd.jsonl', 'jsonl')).toThrow(/d\.jsonl: line 2 is not valid JSON/);
    expect(() => parseDataset('{"body":"a","label":"b"}\n', 'd.jsonl', 'jsonl')).toThrow(/no text column 'text'; its columns are 'body', 'label'/);
    expect(() => parseDataset('{"text":"a","label":"b"}\n{"text":5,"label":"b"}\n', 'd.jsonl', 'jsonl')).toThrow(/line 2: 'text' is a number/);
  });
});

it('tells the format from the extension or --format', () => {
  expect(formatOf('a/b.CSV')).toBe('csv');
  expect(formatOf('b.tsv')).toBe('tsv');
  expect(formatOf('b.ndjson')).toBe('jsonl');
  expect(formatOf('b.txt', 'TSV')).toBe('tsv');
  expect(() => formatOf('b.txt')).toThrow(/--format csv\|tsv\|jsonl/);
  expect(() => formatOf('b.csv', 'xml')).toThrow(/unknown --format 'xml'/);
});

describe('--delimiter and files split by another character', () => {
  it('a semicolon- or pipe-separated file reads as the same file written with commas', () => {
    for (const seed of [3, 4, 5]) {
      const rows = [['text', 'label'], ...randomRows(seed, 10, 2).map(([t, l]) => [t, `L${l.replace(/[^a-z]/g, '')}`])];
      const commas = parseDataset(toCsv(rows, ','), 'c.csv', 'csv');
      for (const d of [';', '|']) {
        expect(parseDataset(toCsv(rows, d), 'd.csv', 'csv', { delimiter: d })).toEqual(commas);
      }
      // a tab delimiter on a .csv file is the TSV reading of it
      expect(parseDataset(toCsv(rows, '\t'), 'd.csv', 'csv', { delimiter: '\t' })).toEqual(commas);
    }
  });

  it('a header of one column holding another delimiter says which, and the fix given works', async () => {
    const rows = [['text', 'label'], ['a, b', 'x'], ['c', 'y']];
    expect(() => parseDataset(toCsv(rows, ';'), 's.csv', 'csv')).toThrow(/^wasmnn: s\.csv has no text column 'text': its header is one column, 'text;label', so the file looks semicolon-separated, not comma-separated; read it with --delimiter ';'$/);
    // picking that one column as the text column does not help: the label column then gets the hint
    expect(() => parseDataset(toCsv(rows, ';'), 's.csv', 'csv', { textColumn: 'text;label' })).toThrow(/no label column 'label': its header is one column, 'text;label', so the file looks semicolon-separated.*--delimiter ';'/);
    expect(() => parseDataset(toCsv(rows, '\t'), 't.csv', 'csv')).toThrow(/^wasmnn: t\.csv has no text column 'text': its header is one column, "text\\tlabel", so the file looks tab-separated, not comma-separated; read it with --format tsv \(or --delimiter tab\)$/);
    expect(() => parseDataset('text,label\na,x\n', 'c.tsv', 'tsv')).toThrow(/looks comma-separated, not tab-separated; read it with --format csv \(or --delimiter ,\)$/);
    // with a --delimiter given, --format would not help: the delimiter is named
    expect(() => parseDataset('text,label\na,x\n', 'c.csv', 'csv', { delimiter: ';' })).toThrow(/looks comma-separated, not ';'-separated; read it with --delimiter ,$/);
    // the fixes the messages give, as the CLI reads them
    const dir = tempDir();
    writeFileSync(join(dir, 's.csv'), toCsv(rows, ';'));
    writeFileSync(join(dir, 't.csv'), toCsv(rows, '\t'));
    const want = { texts: ['a, b', 'c'], labels: ['x', 'y'] };
    expect(await readDataset(join(dir, 's.csv'), dataOptionsOf({ delimiter: ';' }))).toMatchObject(want);
    expect(await readDataset(join(dir, 't.csv'), dataOptionsOf({ delimiter: 'tab' }))).toMatchObject(want);
    expect(await readDataset(join(dir, 't.csv'), dataOptionsOf({ delimiter: '\\t' }))).toMatchObject(want);
    expect(await readDataset(join(dir, 't.csv'), dataOptionsOf({ format: 'tsv' }))).toMatchObject(want);
    // a file of another extension with --delimiter is delimited; JSONL takes none
    writeFileSync(join(dir, 's.txt'), toCsv(rows, ';'));
    expect(await readDataset(join(dir, 's.txt'), dataOptionsOf({ delimiter: ';' }))).toMatchObject(want);
    writeFileSync(join(dir, 'd.jsonl'), '{"text":"a","label":"x"}\n');
    await expect(readDataset(join(dir, 'd.jsonl'), dataOptionsOf({ delimiter: ';' }))).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/--delimiter applies to CSV and TSV files, but .*d\.jsonl is JSONL/) });
  });

  it('--delimiter is one character, not a quote or a line break (usage errors)', () => {
    expect(parseDelimiter(';')).toBe(';');
    expect(parseDelimiter('tab')).toBe('\t');
    expect(parseDelimiter('\\t')).toBe('\t');
    expect(parseDelimiter('\t')).toBe('\t');
    for (const bad of [';;', 'comma', '😀']) expect(() => parseDelimiter(bad)).toThrow(/--delimiter must be one character/);
    for (const bad of ['"', '\n']) expect(() => parseDelimiter(bad)).toThrow(/--delimiter cannot be/);
    expect(() => parseDelimiter('ab')).toThrow(CliError);
    expect(() => parseDelimiter('ab')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('labels and columns', () => {
  it('the text column may not be the label column (a usage error, before any file is read)', () => {
    const expectUsage = (f: () => unknown, m: RegExp) => {
      let err: unknown = null;
      try { f(); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(2);
      expect((err as CliError).message).toMatch(m);
    };
    expectUsage(() => dataOptionsOf({ 'text-column': 'label' }), /^wasmnn: --text-column label and --label-column \(default 'label'\) name the same column; the texts and the labels must be two different columns: pass --label-column/);
    expectUsage(() => dataOptionsOf({ 'label-column': 'text' }), /^wasmnn: --text-column \(default 'text'\) and --label-column text name the same column.*pass --text-column/);
    expectUsage(() => dataOptionsOf({ 'text-column': 'x', 'label-column': 'x' }), /--text-column x and --label-column x name the same column/);
    expectUsage(() => parseDataset('text,label\na,b\n', 'd.csv', 'csv', { textColumn: 'label' }), /name the same column/);
    expectUsage(() => parseDataset('{"text":"a","label":"b"}\n', 'd.jsonl', 'jsonl', { labelColumn: 'text' }), /name the same column/);
    expect(dataOptionsOf({ 'text-column': 'label', 'label-column': 'text' })).toMatchObject({ textColumn: 'label', labelColumn: 'text' });
  });

  it('labels with a line break, a tab or another control character are refused in every format, naming the line', () => {
    const cases: [string, string][] = [['line\nbreak', 'a line break'], ['a\tb', 'a tab'], ['a\rb', 'a line break'], ['bell\u0007', 'the control character U+0007'], ['nel\u0085', 'the control character U+0085'], ['ls\u2028x', 'a line break']];
    for (const [label, what] of cases) {
      const rows = [['text', 'label'], ['one', 'x'], ['two', label]];
      const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const msg = (file: string, line: number) => new RegExp(`^wasmnn: ${esc(file)}: line ${line}: the label ${esc(JSON.stringify(label))} holds ${esc(what)}; labels are printed one per line and in table columns`);
      expect(() => parseDataset(toCsv(rows), 'd.csv', 'csv'), label).toThrow(msg('d.csv', 3));
      if (!label.includes('\t')) expect(() => parseDataset(toCsv(rows, '\t', '\n'), 'd.tsv', 'tsv'), label).toThrow(msg('d.tsv', 3));
      expect(() => parseDataset(rows.slice(1).map(([text, l]) => JSON.stringify({ text, label: l })).join('\n'), 'd.jsonl', 'jsonl'), label).toThrow(msg('d.jsonl', 2));
    }
    // a label starting on line 2 of a CSV whose line 2 holds a quoted line break in the text
    expect(() => parseDataset('text,label\n"a\nb",ok\nc,"x\ny"\n', 'd.csv', 'csv')).toThrow(/d\.csv: line 4: the label "x\\ny" holds a line break/);
    // white space around a label is trimmed (as before); other characters are fine
    expect(parseDataset(toCsv([['text', 'label'], ['a', ' \tx \r\n'], ['b', 'a=b'], ['c', '😀 good']]), 'd.csv', 'csv').labels).toEqual(['x', 'a=b', '😀 good']);
    expect(badLabel('fine label')).toBeNull();
  });

  it('JSONL label errors say what the value is, in words that do not contradict themselves', () => {
    const line2 = (label: string) => `{"text":"a","label":"x"}\n{"text":"b","label":${label}}\n`;
    const expectError = (label: string, m: RegExp) => expect(() => parseDataset(line2(label), 'd.jsonl', 'jsonl'), label).toThrow(m);
    // empty or only white space: the CSV reader's words
    expectError('"   "', /^wasmnn: d\.jsonl: line 2 has an empty label \(or only white space\); give every line a label or remove it$/);
    expectError('""', /^wasmnn: d\.jsonl: line 2 has an empty label \(or only white space\); give every line a label or remove it$/);
    expect(() => parseDataset('text,label\na,x\nb,"  "\n', 'd.csv', 'csv')).toThrow(/^wasmnn: d\.csv: line 3 has an empty label \(or only white space\); give every row a label or remove it$/);
    expectError('null', /^wasmnn: d\.jsonl: line 2: 'label' is null; it must be a string, number or boolean$/);
    expectError('["y"]', /^wasmnn: d\.jsonl: line 2: 'label' is an array; it must be a string, number or boolean$/);
    expectError('{"a":1}', /^wasmnn: d\.jsonl: line 2: 'label' is an object; it must be a string, number or boolean$/);
    expect(() => parseDataset('{"text":"a","label":"x"}\n{"text":"b"}\n', 'd.jsonl', 'jsonl')).toThrow(/line 2: 'label' is missing; it must be a string, number or boolean/);
    expect(() => parseDataset('{"text":null,"label":"x"}\n', 'd.jsonl', 'jsonl')).toThrow(/line 1: 'text' is null; it must be a string/);
    expect(() => parseDataset('{"text":["a"],"label":"x"}\n', 'd.jsonl', 'jsonl')).toThrow(/line 1: 'text' is an array; it must be a string/);
    expect(parseDataset(line2('"  y "'), 'd.jsonl', 'jsonl').labels).toEqual(['x', 'y']);
  });
});

describe('NUL bytes: UTF-16 without a byte order mark, binary files', () => {
  const utf8 = 'text,label\ncafé great,pos\nawful,neg\n';
  it('UTF-16 without a BOM (little- and big-endian) is named as such, with the iconv fix', () => {
    const le = Buffer.from(utf8, 'utf16le');
    const be = Buffer.from(utf8, 'utf16le').swap16();
    expect(() => decodeUtf8(le, 'u.csv')).toThrow(/^wasmnn: u\.csv holds NUL bytes in every other byte: it looks like UTF-16LE text without a byte order mark; data files are UTF-8: save it as UTF-8 \(e\.g\. "Save as CSV UTF-8", or iconv -f UTF-16LE -t UTF-8 u\.csv > utf8\.csv\)$/);
    expect(() => decodeUtf8(be, 'u.csv')).toThrow(/looks like UTF-16BE text without a byte order mark.*iconv -f UTF-16BE/);
    // the fix it gives is right: decoded as that encoding, the file is the text
    expect(new TextDecoder('utf-16le').decode(le)).toBe(utf8);
    expect(new TextDecoder('utf-16be').decode(be)).toBe(utf8);
  });

  it('a NUL byte in an otherwise UTF-8 file (a binary file) names its line', async () => {
    const bin = Buffer.concat([Buffer.from('text,label\na,x\nb'), Buffer.from([0]), Buffer.from(',y\n')]);
    expect(() => decodeUtf8(bin, 'b.csv')).toThrow(/^wasmnn: b\.csv: line 3: a NUL byte \(offset 16\); data files are UTF-8 text and this looks like a binary file/);
    const dir = tempDir();
    writeFileSync(join(dir, 'u16.csv'), Buffer.from(utf8, 'utf16le'));
    await expect(readDataset(join(dir, 'u16.csv'))).rejects.toThrow(/u16\.csv holds NUL bytes in every other byte: it looks like UTF-16LE/);
    writeFileSync(join(dir, 'u16.jsonl'), Buffer.from('{"text":"a","label":"x"}\n', 'utf16le'));
    await expect(readDataset(join(dir, 'u16.jsonl'))).rejects.toThrow(/looks like UTF-16LE/);
  });
});
