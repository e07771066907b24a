// The safetensors layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON (padded
// with spaces so the data starts 8-byte aligned), then the tensors' little-endian bytes back to
// back. The header maps each tensor name to { dtype, shape, data_offsets: [begin, end] } (offsets
// relative to the data start) and "__metadata__" to a { string: string } object.
//
// decodeSafetensors parses untrusted input: every length, offset, dtype, shape, overlap, gap and
// the JSON itself is checked before any tensor is allocated or copied, and the tensors it
// allocates add up to at most the file's size. Any problem is a WnnFormatError naming it.

export type SafeDType = 'F32' | 'I32' | 'F16' | 'I8';
/** A tensor's values: F32 Float32Array, I32 Int32Array, F16 Uint16Array (the bit patterns), I8 Int8Array. */
export type SafeData = Float32Array | Int32Array | Uint16Array | Int8Array;

export interface SafeTensorIn {
  name: string;
  dtype: SafeDType;
  shape: number[];
  data: SafeData;
}

export interface SafeTensorOut {
  dtype: SafeDType;
  shape: number[];
  data: SafeData;
}

/** A malformed or hostile model file (or one this version cannot read). */
export class WnnFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.startsWith('wasmnn: ') ? message : `wasmnn: ${message}`, options);
    this.name = 'WnnFormatError';
  }
}

/** The header is capped like the reference implementation's (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;
const MAX_RANK = 8;
/** More tensors than any model has (a layer has at most 6 weights): a header listing more is refused
 *  before the per-entry work, which a hostile file could otherwise multiply by millions. */
export const MAX_TENSORS = 10_000;
const ARRAY_OF = { F32: Float32Array, I32: Int32Array, F16: Uint16Array, I8: Int8Array } as const;
const ITEM_BYTES: Record<SafeDType, number> = { F32: 4, I32: 4, F16: 2, I8: 1 };
/** dtypes of the safetensors spec that this version does not read. */
const OTHER_DTYPES = new Set(['BOOL', 'U8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'BF16', 'U32', 'I64', 'U64', 'F64']);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function fail(what: string, fix = 'the file is damaged or not a wasmnn/safetensors file'): never {
  throw new WnnFormatError(`wasmnn: ${what}; ${fix}`);
}

/** Bytes of one safetensors file holding `tensors` (sorted by name) and `metadata`. */
export function encodeSafetensors(tensors: SafeTensorIn[], metadata: Record<string, string>): Uint8Array {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TypeError(`wasmnn: safetensors metadata '${k}' must be a string, got ${typeof v}`);
    meta[k] = v;
  }
  header.__metadata__ = meta;
  let offset = 0;
  const seen = new Set<string>();
  for (const t of sorted) {
    if (typeof t.name !== 'string' || t.name === '' || t.name === '__metadata__') throw new TypeError(`wasmnn: bad tensor name ${JSON.stringify(t.name)}; names are non-empty strings other than __metadata__`);
    if (seen.has(t.name)) throw new Error(`wasmnn: two tensors are named '${t.name}'; names must be unique`);
    seen.add(t.name);
    const want = Object.hasOwn(ARRAY_OF, t.dtype) ? ARRAY_OF[t.dtype] : null;
    if (!want || !(t.data instanceof want)) throw new TypeError(`wasmnn: tensor '${t.name}': dtype ${String(t.dtype)} needs a ${want ? want.name : 'Float32Array, Int32Array, Uint16Array (F16) or Int8Array (I8)'}`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0) || count !== t.data.length) {
      throw new RangeError(`wasmnn: tensor '${t.name}': shape [${t.shape.join(', ')}] does not match its ${t.data.length} values`);
    }
    const end = offset + t.data.byteLength;
    Object.defineProperty(header, t.name, { value: { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, end] }, enumerable: true, writable: true, configurable: true });
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const t of sorted) {
    writeLittleEndian(out, at, t.data);
    at += t.data.byteLength;
  }
  return out;
}

function writeLittleEndian(out: Uint8Array, at: number, data: SafeData): void {
  if (LITTLE_ENDIAN || data instanceof Int8Array) { out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at); return; }
  const v = new DataView(out.buffer, out.byteOffset);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) v.setFloat32(at + 4 * i, data[i], true);
    else if (data instanceof Uint16Array) v.setUint16(at + 2 * i, data[i], true);
    else v.setInt32(at + 4 * i, data[i], true);
  }
}

interface Entry { name: string; dtype: SafeDType; shape: number[]; begin: number; end: number }

/** Parses one safetensors file; see the file comment for what it checks. */
export function decodeSafetensors(bytes: Uint8Array): { metadata: Record<string, string>; tensors: Map<string, SafeTensorOut> } {
  const { metadata, entries, dataStart } = readHeader(bytes);
  // every check passed: the copies below add up to the data's length <= the file size
  const tensors = new Map<string, SafeTensorOut>();
  for (const e of entries) {
    const count = (e.end - e.begin) / ITEM_BYTES[e.dtype];
    const data = new ARRAY_OF[e.dtype](count);
    readLittleEndian(bytes, dataStart + e.begin, data);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { metadata, tensors };
}

/** The header of one safetensors file (every check of decodeSafetensors), without copying any tensor. */
export function decodeSafetensorsHeader(bytes: Uint8Array): { metadata: Record<string, string>; tensors: Map<string, { dtype: SafeDType; shape: number[] }> } {
  const { metadata, entries } = readHeader(bytes);
  return { metadata, tensors: new Map(entries.map((e) => [e.name, { dtype: e.dtype, shape: e.shape }])) };
}

function readHeader(bytes: Uint8Array): { metadata: Record<string, string>; entries: Entry[]; dataStart: number } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('wasmnn: decodeSafetensors takes a Uint8Array');
  const size = bytes.length;
  if (size < 8) fail(`the file is ${size} bytes long, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true), hi = view.getUint32(4, true);
  if (hi !== 0 || lo > size - 8) fail(`the header length (${hi ? `${hi} * 2^32 + ${lo}` : lo} bytes) runs past the end of the ${size}-byte file`);
  const headerLen = lo;
  if (headerLen > MAX_HEADER_BYTES) fail(`the header is ${headerLen} bytes, over the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerLen < 2) fail(`the header is ${headerLen} bytes, too short to hold a JSON object`);
  const dataStart = 8 + headerLen;
  const dataLen = size - dataStart;

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  if (text.charCodeAt(0) !== 0x7b) fail('the header does not start with "{"; it is not a safetensors JSON header');
  checkDuplicateKeys(text);   // also stops at the (MAX_TENSORS + 1)th tensor
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');
  const h = header as Record<string, unknown>;

  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const name of Object.keys(h)) {
    const value = h[name];
    if (name === '__metadata__') { metadata = readMetadata(value); continue; }
    if (name === '') fail('a tensor has an empty name');
    entries.push(readEntry(name, value, dataLen));
  }

  // coverage: sorted by offset, the tensors tile the data exactly (no gap, overlap or trailing byte)
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of byOffset) {
    if (e.begin < expected) fail(`tensor '${e.name}' (bytes ${e.begin}..${e.end}) overlaps the tensor before it (which ends at ${expected})`);
    if (e.begin > expected) fail(`there is a gap of ${e.begin - expected} bytes before tensor '${e.name}' (bytes ${expected}..${e.begin} belong to no tensor)`);
    expected = e.end;
  }
  if (expected !== dataLen) fail(`the tensors cover ${expected} bytes of data but the file has ${dataLen} after the header (${dataLen - expected} trailing bytes)`);
  return { metadata, entries, dataStart };
}

function readLittleEndian(bytes: Uint8Array, at: number, data: SafeData): void {
  if (LITTLE_ENDIAN || data instanceof Int8Array) { new Uint8Array(data.buffer).set(bytes.subarray(at, at + data.byteLength)); return; }
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  for (let i = 0; i < data.length; i++) {
    data[i] = data instanceof Float32Array ? v.getFloat32(at + 4 * i, true) : data instanceof Uint16Array ? v.getUint16(at + 2 * i, true) : v.getInt32(at + 4 * i, true);
  }
}

function readMetadata(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail('"__metadata__" is not an object of strings');
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [k, v] of entries) if (typeof v !== 'string') fail(`metadata entry '${k}' is a ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}, not a string`);
  return Object.fromEntries(entries) as Record<string, string>;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function readEntry(name: string, value: unknown, dataLen: number): Entry {
  const where = `tensor '${name.length > 200 ? `${name.slice(0, 200)}...` : name}'`;
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(`${where} is not a { dtype, shape, data_offsets } object`);
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') fail(`${where} has an unknown field '${k}'`);
  const dtype = v.dtype;
  if (typeof dtype !== 'string') fail(`${where} has no dtype string`);
  if (!Object.hasOwn(ARRAY_OF, dtype as string)) {
    if (OTHER_DTYPES.has(dtype as string)) fail(`${where} has dtype ${dtype}, which wasmnn does not read`, 'save the weights as F32 (float32), F16 or I8');
    fail(`${where} has an unknown dtype ${JSON.stringify(dtype).slice(0, 40)}`);
  }
  const shape = v.shape;
  if (!Array.isArray(shape)) fail(`${where} has no shape array`);
  const dims = shape as unknown[];
  if (dims.length > MAX_RANK) fail(`${where} has rank ${dims.length}, above the limit of ${MAX_RANK}`);
  const item = ITEM_BYTES[dtype as SafeDType];
  // count <= dataLen / item at every step: no overflow, and no shape bigger than the data
  let count = 1;
  for (const d of dims) {
    if (!isCount(d)) fail(`${where} has a bad dimension ${JSON.stringify(d)} in its shape (dimensions are whole numbers >= 0)`);
    if (d === 0) { count = 0; continue; }
    if (count !== 0 && count > Math.floor(dataLen / item / d)) fail(`${where} has shape [${dims.join(', ')}], more data than the file's ${dataLen} data bytes`);
    count *= d;
  }
  const offs = v.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2) fail(`${where} has no data_offsets [begin, end] pair`);
  const [begin, end] = offs as unknown[];
  if (!isCount(begin) || !isCount(end)) fail(`${where} has data_offsets that are not whole numbers >= 0: ${JSON.stringify(offs).slice(0, 80)}`);
  if ((begin as number) > (end as number)) fail(`${where} has data_offsets [${begin}, ${end}] that end before they begin`);
  if ((end as number) > dataLen) fail(`${where} has data_offsets [${begin}, ${end}] past the end of the ${dataLen} data bytes`);
  if ((end as number) - (begin as number) !== count * item) fail(`${where} has ${(end as number) - (begin as number)} data bytes but dtype ${dtype} and shape [${dims.join(', ')}] need ${count * item}`);
  return { name, dtype: dtype as SafeDType, shape: dims as number[], begin: begin as number, end: end as number };
}

/**
 * Refuses duplicate keys in any JSON object of the header (JSON.parse would keep the last one
 * silently), and a header of more than MAX_TENSORS tensors as soon as its top level names one more
 * than that besides __metadata__ (the keys are read as JSON, escapes and all). A linear scan over the text that tracks strings and nesting; the text's validity as
 * JSON is checked by JSON.parse afterwards. A string ends at the next '"' preceded by an even run
 * of backslashes (found with indexOf: a cold start runs this once, in the interpreter, where a
 * step per character cost about as much as the rest of the parse; a regular expression over the
 * strings runs out of backtracking stack on headers of many megabytes).
 */
function checkDuplicateKeys(text: string): void {
  const stack: (Set<string> | null)[] = [];
  let tensorKeys = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {   // "
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return;   // unterminated: JSON.parse reports it
        let k = j - 1;
        while (k > i && text.charCodeAt(k) === 0x5c) k--;   // backslashes just before it
        if ((j - 1 - k) % 2 === 0) break;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        let key: string;
        try { key = JSON.parse(text.slice(i, j + 1)) as string; } catch { return; }
        if (top.has(key)) fail(`the header has the key '${key.length > 200 ? `${key.slice(0, 200)}...` : key}' twice`);
        top.add(key);
        // the header's own keys are the tensors and __metadata__: refuse a hostile count before any per-entry work
        if (stack.length === 1 && key !== '__metadata__' && ++tensorKeys > MAX_TENSORS) fail(`the header lists more than ${MAX_TENSORS} tensors`);
      }
      expectKey = false;
      i = j;
    } else if (c === 0x7b) { stack.push(new Set()); expectKey = true; }   // {
    else if (c === 0x5b) { stack.push(null); expectKey = false; }   // [
    else if (c === 0x7d || c === 0x5d) { stack.pop(); expectKey = false; }   // } ]
    else if (c === 0x2c) expectKey = stack[stack.length - 1] !== null && stack.length > 0;   // ,
  }
}
