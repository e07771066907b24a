// The CLI's data readers: CSV / TSV round trips through an RFC 4180 writer (quotes, doubled
// quotes, newlines in fields, CRLF, BOM), JSONL, and errors that name the line.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDataset, parseDelimited, formatOf, decodeUtf8, firstInvalidUtf8, readDataset } from '../../src/cli/data.js';
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
