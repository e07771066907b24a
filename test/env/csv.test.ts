// The page's CSV reader (src/browser/csv.ts): a round trip through a writer that quotes every
// kind of awkward field, the header and delimiter rules, and errors that name the line.
import { describe, expect, it } from 'vitest';
import { parseCsvRows, parseLabelledCsv } from '../../src/browser/csv.js';
import { Random } from '../../src/random.js';

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

describe('CSV for training in the page', () => {
  it('round-trips random fields with quotes, delimiters, CR/LF and Unicode (CSV and TSV)', () => {
    const rng = new Random(5);
    const alphabet = ['a', 'b', ' ', ',', '\t', '"', '\n', '\r\n', 'é', '日', '👍', "'", ';'];
    const field = () => Array.from({ length: rng.below(12) }, () => alphabet[rng.below(alphabet.length)]).join('');
    for (const sep of [',', '\t']) {
      const rows = Array.from({ length: 200 }, () => [field(), field(), field()]);
      const eol = sep === ',' ? '\r\n' : '\n';
      const text = ['x', 'y', 'z'].join(sep) + eol + rows.map((r) => r.map(quote).join(sep)).join(eol) + eol;
      const parsed = parseCsvRows(text);
      expect(parsed[0].fields).toEqual(['x', 'y', 'z']);
      expect(parsed.slice(1).map((r) => r.fields)).toEqual(rows);
    }
  });

  it('reads labelled texts by column name, unquoted fields, a BOM, blank lines and no final newline', () => {
    const csv = '\ufefflabel,id,text\nspam,1,win now\n\nham,2,"see you, Bob"\r\nham,3,plain';
    expect(parseLabelledCsv(csv)).toEqual({ texts: ['win now', 'see you, Bob', 'plain'], labels: ['spam', 'ham', 'ham'] });
    expect(parseLabelledCsv('body\tclass\nhi\tx\n', { textColumn: 'body', labelColumn: 'class' })).toEqual({ texts: ['hi'], labels: ['x'] });
    // lines of only white space are skipped like blank lines (as the CLI reads them)
    expect(parseLabelledCsv('text,label\n   \na,x\r\n \t\r\nb,y\n  ')).toEqual({ texts: ['a', 'b'], labels: ['x', 'y'] });
  });

  it('rejects bad input with the line and a fix', () => {
    expect(() => parseLabelledCsv('')).toThrow(/the CSV is empty/);
    expect(() => parseLabelledCsv('text,label\n')).toThrow(/header but no rows/);
    expect(() => parseLabelledCsv('body,label\nx,y\n')).toThrow(/no column 'text' \(its columns: body, label\)/);
    expect(() => parseLabelledCsv('text,label\na,b\nc,d,e\n')).toThrow(/CSV line 3 has 3 fields but the header has 2/);
    expect(() => parseLabelledCsv('text,label\n"a\nb,c\n')).toThrow(/line 2: a quoted field is never closed/);
    expect(() => parseLabelledCsv('text,label\n"a"b,c\n')).toThrow(/line 2: a closing quote must end its field/);
    expect(() => parseLabelledCsv('text,label\n"multi\nline",\n')).toThrow(/line 2 has an empty label/);
  });
});
