// Labelled texts from CSV or TSV text, for training in a page (no node modules): RFC 4180 quoting
// (quoted fields may hold delimiters, doubled quotes and line breaks), a header row naming the
// columns, the delimiter guessed from the header (tab if it has one, else comma).

export interface CsvColumns {
  /** Column holding the texts. Default 'text'. */
  textColumn?: string;
  /** Column holding the labels. Default 'label'. */
  labelColumn?: string;
}

/** The rows of a CSV/TSV document as arrays of fields; `line` is the 1-based line each row starts on. */
export function parseCsvRows(source: string, delimiter?: string): { fields: string[]; line: number }[] {
  if (typeof source !== 'string') throw new TypeError('wasmnn: CSV input must be a string');
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const sep = delimiter ?? (firstLine.includes('\t') ? '\t' : ',');
  const rows: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1, rowLine = 1;
  let i = 0;
  let quoted = false, wasQuoted = false;
  const endRow = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0].trim() === '' && !wasQuoted)) rows.push({ fields, line: rowLine });   // skip blank and white-space lines
    fields = []; field = ''; wasQuoted = false;
  };
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++;
        const next = text[i];
        if (i < text.length && next !== sep && next !== '\n' && next !== '\r') {
          throw new SyntaxError(`wasmnn: CSV line ${line}: a closing quote must end its field (found '${next}' after it); double quotes inside a quoted field ("")`);
        }
        continue;
      }
      if (ch === '\n') line++;
      field += ch; i++;
      continue;
    }
    if (ch === '"' && field === '') { quoted = true; wasQuoted = true; i++; continue; }
    if (ch === sep) { fields.push(field); field = ''; wasQuoted = false; i++; continue; }
    if (ch === '\r' || ch === '\n') {
      endRow();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++; rowLine = line;
      continue;
    }
    field += ch; i++;
  }
  if (quoted) throw new SyntaxError(`wasmnn: CSV line ${rowLine}: a quoted field is never closed; add the closing quote`);
  if (field !== '' || fields.length > 0 || wasQuoted) endRow();
  return rows;
}

/** Texts and labels (strings) from a CSV/TSV document with a header row. */
export function parseLabelledCsv(source: string, columns: CsvColumns = {}): { texts: string[]; labels: string[] } {
  const textColumn = columns.textColumn ?? 'text';
  const labelColumn = columns.labelColumn ?? 'label';
  const rows = parseCsvRows(source);
  if (rows.length === 0) throw new RangeError('wasmnn: the CSV is empty; it needs a header row (e.g. text,label) and labelled rows');
  const header = rows[0].fields.map((h) => h.trim());
  const ti = header.indexOf(textColumn), li = header.indexOf(labelColumn);
  for (const [name, at] of [[textColumn, ti], [labelColumn, li]] as const) {
    if (at < 0) throw new RangeError(`wasmnn: the CSV has no column '${name}' (its columns: ${header.join(', ')}); name the column to use`);
  }
  const texts: string[] = [], labels: string[] = [];
  for (let r = 1; r < rows.length; r++) {
    const { fields, line } = rows[r];
    if (fields.length !== header.length) {
      throw new SyntaxError(`wasmnn: CSV line ${line} has ${fields.length} fields but the header has ${header.length}; quote fields that contain the delimiter`);
    }
    const label = fields[li].trim();
    if (label === '') throw new RangeError(`wasmnn: CSV line ${line} has an empty label; every row needs one`);
    texts.push(fields[ti]);
    labels.push(label);
  }
  if (texts.length === 0) throw new RangeError('wasmnn: the CSV has a header but no rows; it needs labelled texts');
  return { texts, labels };
}
