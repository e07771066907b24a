// The CLI's data readers: CSV / TSV round trips through an RFC 4180 writer (quotes, doubled
// quotes, newlines in fields, CRLF, BOM), JSONL, and errors that name the line.
import { describe, expect, it } from 'vitest';
import { parseDataset, parseDelimited, formatOf } from '../../src/cli/data.js';
import { Random } from '../../src/random.js';
import { toCsv } from './helpers.js';

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
