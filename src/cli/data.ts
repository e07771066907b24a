// Labelled-text data files for the CLI: CSV (RFC 4180: quotes, doubled quotes, newlines inside
// quotes, CRLF, a BOM; another delimiter with --delimiter), TSV (the same rules with tabs) and JSONL
// (one JSON object per line). Errors name the file, the line and what to do.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { OptionSpec } from './args.js';
import { dataError, usageError } from './errors.js';

export type DataFormat = 'csv' | 'tsv' | 'jsonl';
export const DATA_FORMATS: readonly DataFormat[] = ['csv', 'tsv', 'jsonl'];

export interface DataOptions {
  format?: string;
  textColumn?: string;
  labelColumn?: string;
  /** The field delimiter of CSV / TSV files (one character; default ',' for CSV, a tab for TSV). */
  delimiter?: string;
  /** When false, the label column may be missing (predict-style use); default true. */
  needLabels?: boolean;
}

export interface Dataset {
  texts: string[];
  /** Labels as strings (numbers and booleans in JSONL become their text). */
  labels: string[];
  columns: string[];
  format: DataFormat;
}

/** The options of the commands that read labelled data (train: DATA and --test; eval; quantize --test). */
export function dataOptionSpecs(what: string): OptionSpec[] {
  return [
    { name: 'format', type: 'string', value: 'csv|tsv|jsonl', help: `format of ${what}`, defaultText: 'from the file extension' },
    { name: 'delimiter', type: 'string', value: 'C', help: `field delimiter of a CSV / TSV ${what}: one character, e.g. ';' (tab: tab or '\\t')`, defaultText: "',' for csv, tab for tsv" },
    { name: 'text-column', type: 'string', value: 'NAME', help: 'column (JSONL key) of the texts', defaultText: 'text' },
    { name: 'label-column', type: 'string', value: 'NAME', help: 'column (JSONL key) of the labels', defaultText: 'label' },
  ];
}

/** The DataOptions of parsed command-line options, checked before any file is read: a delimiter
 *  that is one character, and a text column that is not the label column. */
export function dataOptionsOf(o: Record<string, string | number | boolean | undefined>): DataOptions {
  const textColumn = o['text-column'] as string | undefined, labelColumn = o['label-column'] as string | undefined;
  checkColumns(textColumn ?? 'text', labelColumn ?? 'label', { text: textColumn !== undefined, label: labelColumn !== undefined });
  const d = o.delimiter as string | undefined;
  return { format: o.format as string | undefined, textColumn, labelColumn, delimiter: d === undefined ? undefined : parseDelimiter(d) };
}

/** --delimiter's value: one character; a tab also as 'tab' or '\t' (what a shell passes for '\t'). */
export function parseDelimiter(value: string): string {
  const d = value === 'tab' || value === '\\t' ? '\t' : value;
  if (d.length !== 1) throw usageError(`--delimiter must be one character (e.g. ';', ',', '|', or tab for a tab), got ${JSON.stringify(value)}`);
  if (d === '"' || d === '\n' || d === '\r') throw usageError(`--delimiter cannot be ${JSON.stringify(d)}: quotes and line breaks have their own meaning in CSV; use e.g. ';' or tab`);
  return d;
}

/** The texts and the labels must come from two different columns. */
function checkColumns(textColumn: string, labelColumn: string, given: { text: boolean; label: boolean } = { text: true, label: true }): void {
  if (textColumn === labelColumn) {
    const flags = `${given.text ? `--text-column ${textColumn}` : `--text-column (default '${textColumn}')`} and ${given.label ? `--label-column ${labelColumn}` : `--label-column (default '${labelColumn}')`}`;
    throw usageError(`${flags} name the same column; the texts and the labels must be two different columns: pass ${given.label && !given.text ? '--text-column' : '--label-column'} with the name of the other one`);
  }
}

/** A delimiter as people write it in a message. */
const delimName = (d: string) => (d === '\t' ? '\\t' : d);

/** The format of a file: --format if given, else its extension (a file of another extension read
 *  with --delimiter is delimited: CSV rules with that delimiter). */
export function formatOf(path: string, format?: string, delimiter?: string): DataFormat {
  if (format !== undefined) {
    const f = format.toLowerCase() as DataFormat;
    if (!DATA_FORMATS.includes(f)) throw usageError(`unknown --format '${format}'; use one of ${DATA_FORMATS.join(', ')}`);
    return f;
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (delimiter !== undefined) return 'csv';
  throw usageError(`cannot tell the format of ${path} from its extension '${ext}'; name it .csv, .tsv or .jsonl, or pass --format csv|tsv|jsonl`);
}

/** A file's bytes; a missing or unreadable file is a data error that says so. */
export async function readFileOrExplain(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw dataError(`${what} ${path} does not exist; check the path`);
    if (code === 'EISDIR') throw dataError(`${what} ${path} is a directory; pass a file`);
    if (code === 'EACCES') throw dataError(`cannot read ${what} ${path} (permission denied); check its permissions`);
    throw dataError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** Reads a labelled-text file and picks its text and label columns. */
export async function readDataset(path: string, o: DataOptions = {}): Promise<Dataset> {
  const format = formatOf(path, o.format, o.delimiter);
  if (format === 'jsonl' && o.delimiter !== undefined) throw usageError(`--delimiter applies to CSV and TSV files, but ${path} is JSONL; leave --delimiter out`);
  const text = decodeUtf8(await readFileOrExplain(path, 'data file'), path);
  return parseDataset(text, path, format, o);
}

/**
 * A data file's text. Data files are UTF-8: a UTF-16 file (its byte order mark, or without one the
 * NUL bytes of its ASCII characters), other bytes that are not UTF-8 (Latin-1, Windows-1252) and
 * NUL bytes (a binary file) are errors naming the line, where a lenient decoder would turn them into
 * U+FFFD or invisible characters and train on that silently. (NUL is valid UTF-8, but no text file
 * holds one; in a terminal it does not show, so 't\0e\0x\0t\0' would read as a column 'text'.)
 */
export function decodeUtf8(bytes: Uint8Array, path: string): string {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw dataError(`${path} is UTF-16 (it starts with a UTF-16 byte order mark); data files are UTF-8: save it as UTF-8 (e.g. "Save as CSV UTF-8", or iconv -f UTF-16 -t UTF-8)`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const utf16 = utf16WithoutBom(bytes);
    if (utf16) {
      throw dataError(`${path} holds NUL bytes in every other byte: it looks like ${utf16} text without a byte order mark; data files are UTF-8: save it as UTF-8 (e.g. "Save as CSV UTF-8", or iconv -f ${utf16} -t UTF-8 ${path} > utf8.csv)`);
    }
    throw dataError(`${path}: line ${lineAt(bytes, nul)}: a NUL byte (offset ${nul}); data files are UTF-8 text and this looks like a binary file (a spreadsheet, a model, an archive) or text in another encoding: export the data as CSV UTF-8 text`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw dataError(`${path}: line ${lineAt(bytes, at)}: byte 0x${bytes[at].toString(16).toUpperCase().padStart(2, '0')} (offset ${at}) is not UTF-8; data files are UTF-8: save it as UTF-8 (it may be Latin-1 or Windows-1252: iconv -f WINDOWS-1252 -t UTF-8)`);
  }
}

/** The line (1-based; LF, CRLF or CR line ends) of a byte offset. */
function lineAt(bytes: Uint8Array, at: number): number {
  let line = 1;
  for (let i = 0; i < at; i++) if (bytes[i] === 10 || (bytes[i] === 13 && bytes[i + 1] !== 10)) line++;
  return line;
}

/** 'UTF-16LE' / 'UTF-16BE' when the start of a file is UTF-16 without a byte order mark: mostly
 *  ASCII, so a NUL in (nearly) every odd byte (little-endian) or every even byte (big-endian). */
function utf16WithoutBom(bytes: Uint8Array): 'UTF-16LE' | 'UTF-16BE' | null {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return null;
  let even = 0, odd = 0;
  for (let i = 0; i < n; i++) if (bytes[i] === 0) { if (i & 1) odd++; else even++; }
  const pairs = n / 2;
  if (odd >= 0.5 * pairs && even <= 0.05 * pairs) return 'UTF-16LE';
  if (even >= 0.5 * pairs && odd <= 0.05 * pairs) return 'UTF-16BE';
  return null;
}

export function parseDataset(source: string, path: string, format: DataFormat, o: DataOptions = {}): Dataset {
  const textColumn = o.textColumn ?? 'text', labelColumn = o.labelColumn ?? 'label';
  checkColumns(textColumn, labelColumn);
  const needLabels = o.needLabels ?? true;
  const body = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const ds = format === 'jsonl' ? readJsonl(body, path, textColumn, labelColumn, needLabels) : readDelimited(body, path, o.delimiter ?? (format === 'csv' ? ',' : '\t'), textColumn, labelColumn, needLabels, o.delimiter !== undefined);
  if (ds.texts.length === 0) throw dataError(`${path} has no data rows; it needs at least one labelled text${format === 'jsonl' ? '' : ' after the header line'}`);
  return { ...ds, format };
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC
 *  3629: no overlong forms, surrogates or code points above U+10FFFF), or the length if none. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0 || i + n >= b.length) return i;   // not a lead byte, or cut off by the end of the file
    // the second byte's range depends on the first (overlong forms, surrogates, > U+10FFFF)
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80, hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return i;
}

/** A column name as a message shows it: quoted, with a tab or other control characters escaped. */
const showName = (c: string) => (/[\p{Cc}]/u.test(c) ? JSON.stringify(c) : `'${c}'`);

/** Delimiters a header of one column may really be split by, and how to read such a file. */
// (the fix by --format works only while no --delimiter overrides the format's delimiter)
const OTHER_DELIMITERS: { d: string; name: string; byDelimiter: string; byFormat?: string }[] = [
  { d: ';', name: 'semicolon', byDelimiter: "--delimiter ';'" },
  { d: '\t', name: 'tab', byDelimiter: '--delimiter tab', byFormat: '--format tsv (or --delimiter tab)' },
  { d: ',', name: 'comma', byDelimiter: '--delimiter ,', byFormat: '--format csv (or --delimiter ,)' },
  { d: '|', name: 'pipe', byDelimiter: "--delimiter '|'" },
];

function missingColumn(path: string, which: string, name: string, flag: string, columns: string[], delim?: string, delimiterGiven = false): Error {
  // a header of one column holding another delimiter: the file is split by that one (a "CSV" from
  // a European-locale spreadsheet uses ';'); picking a column cannot help, reading it so does
  const other = delim !== undefined && columns.length === 1 ? OTHER_DELIMITERS.find(({ d }) => d !== delim && columns[0].includes(d)) : undefined;
  if (other) {
    const fix = !delimiterGiven && other.byFormat ? other.byFormat : other.byDelimiter;
    return dataError(`${path} has no ${which} column '${name}': its header is one column, ${showName(columns[0])}, so the file looks ${other.name}-separated, not ${delim === '\t' ? 'tab' : delim === ',' ? 'comma' : `'${delim}'`}-separated; read it with ${fix}`);
  }
  return dataError(`${path} has no ${which} column '${name}'; its columns are ${columns.map(showName).join(', ')}; pick one with ${flag}`);
}

/**
 * Why a label cannot be used, or null: labels are printed one per line (predict) and in table
 * columns (eval, train), so a line break, a tab or another control character in one would break
 * that output (trimmed labels: this is about characters inside them).
 */
export function badLabel(label: string): string | null {
  const m = /[\p{Cc}\u2028\u2029]/u.exec(label);
  if (!m) return null;
  const c = m[0];
  const what = c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029' ? 'a line break' : c === '\t' ? 'a tab' : `the control character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `the label ${JSON.stringify(label)} holds ${what}; labels are printed one per line and in table columns, so they cannot hold line breaks, tabs or other control characters: rename that label`;
}

/** One record of a delimited file and the line it starts on (1-based). */
export interface Record_ { fields: string[]; line: number }

/** RFC 4180 records; throws on an unterminated quote or text after a closing quote, naming the line. */
export function parseDelimited(s: string, delim: string, path: string): Record_[] {
  const out: Record_[] = [];
  const n = s.length;
  let i = 0, line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let quoted = false;
    for (;;) {
      let field = '';
      if (s[i] === '"') {
        quoted = true;
        const quoteLine = line;
        i++;
        for (;;) {
          const q = s.indexOf('"', i);
          if (q < 0) throw dataError(`${path}: line ${quoteLine}: a quoted field is never closed; end it with a " (write "" for a quote inside a field)`);
          field += s.slice(i, q);
          for (let k = i; k < q; k++) if (s.charCodeAt(k) === 10) line++;
          if (s[q + 1] === '"') { field += '"'; i = q + 2; continue; }
          i = q + 1;
          break;
        }
        if (i < n && s[i] !== delim && s[i] !== '\n' && s[i] !== '\r') {
          throw dataError(`${path}: line ${line}: text after a closing quote (${JSON.stringify(s.slice(i, i + 10))}); quote the whole field and write "" for a quote inside it`);
        }
      } else {
        let j = i;
        while (j < n && s[j] !== delim && s[j] !== '\n' && s[j] !== '\r') j++;
        field = s.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i < n && s[i] === delim) { i++; continue; }
      break;
    }
    if (s[i] === '\r') i++;
    if (s[i] === '\n') i++;
    line++;
    // blank lines and lines of only white space are skipped (a quoted field is data)
    if (!(fields.length === 1 && !quoted && fields[0].trim() === '')) out.push({ fields, line: start });
  }
  return out;
}

function readDelimited(s: string, path: string, delim: string, textColumn: string, labelColumn: string, needLabels: boolean, delimiterGiven: boolean): Omit<Dataset, 'format'> {
  const records = parseDelimited(s, delim, path);
  if (records.length === 0) throw dataError(`${path} is empty; it needs a header line (e.g. text${delimName(delim)}label) and labelled texts`);
  const columns = records[0].fields.map((c) => c.trim());
  const twice = columns.find((c, k) => c !== '' && columns.indexOf(c) !== k);
  if (twice !== undefined) {
    throw dataError(`${path}: the header names the column '${twice}' twice (columns ${columns.indexOf(twice) + 1} and ${columns.lastIndexOf(twice) + 1}); rename one so that every column has its own name`);
  }
  const ti = columns.indexOf(textColumn), li = columns.indexOf(labelColumn);
  if (ti < 0) throw missingColumn(path, 'text', textColumn, '--text-column', columns, delim, delimiterGiven);
  if (li < 0 && needLabels) throw missingColumn(path, 'label', labelColumn, '--label-column', columns, delim, delimiterGiven);
  const texts: string[] = [], labels: string[] = [];
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r];
    if (fields.length !== columns.length) {
      throw dataError(`${path}: line ${line} has ${fields.length} field${fields.length === 1 ? '' : 's'} but the header has ${columns.length}; quote fields that contain '${delimName(delim)}' or a line break`);
    }
    texts.push(fields[ti]);
    if (li >= 0) {
      const label = fields[li].trim();
      if (label === '' && needLabels) throw dataError(`${path}: line ${line} has an empty label (or only white space); give every row a label or remove it`);
      const bad = badLabel(label);
      if (bad) throw dataError(`${path}: line ${line}: ${bad}`);
      labels.push(label);
    }
  }
  return { texts, labels, columns };
}

/** What a JSON value is, for a message: "missing", "null", "an array", "an object", "a number"... */
function jsonKind(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

function readJsonl(s: string, path: string, textColumn: string, labelColumn: string, needLabels: boolean): Omit<Dataset, 'format'> {
  const texts: string[] = [], labels: string[] = [];
  let columns: string[] | null = null;
  const lines = s.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k].endsWith('\r') ? lines[k].slice(0, -1) : lines[k];
    if (raw.trim() === '') continue;
    const line = k + 1;
    let obj: unknown;
    try { obj = JSON.parse(raw); } catch (e) {
      throw dataError(`${path}: line ${line} is not valid JSON (${(e as Error).message}); each line must be one JSON object such as {"text": "...", "label": "..."}`);
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw dataError(`${path}: line ${line} is not a JSON object; each line must be an object such as {"text": "...", "label": "..."}`);
    const o = obj as Record<string, unknown>;
    const keys = Object.keys(o);
    if (!columns) {
      columns = keys;
      if (!(textColumn in o)) throw missingColumn(path, 'text', textColumn, '--text-column', keys);
      if (!(labelColumn in o) && needLabels) throw missingColumn(path, 'label', labelColumn, '--label-column', keys);
    }
    const t = o[textColumn];
    if (typeof t !== 'string') throw dataError(`${path}: line ${line}: '${textColumn}' is ${jsonKind(t)}; it must be a string (keys on this line: ${keys.join(', ')})`);
    texts.push(t);
    const l = o[labelColumn];
    if (l === undefined && !needLabels) continue;
    if (typeof l === 'string') {
      const label = l.trim();
      // the CSV reader's words for it
      if (label === '') throw dataError(`${path}: line ${line} has an empty label (or only white space); give every line a label or remove it`);
      const bad = badLabel(label);
      if (bad) throw dataError(`${path}: line ${line}: ${bad}`);
      labels.push(label);
    } else if (typeof l === 'number' || typeof l === 'boolean') labels.push(String(l));
    else throw dataError(`${path}: line ${line}: '${labelColumn}' is ${jsonKind(l)}; it must be a string, number or boolean`);
  }
  return { texts, labels, columns: columns ?? [] };
}
