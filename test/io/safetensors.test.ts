// The safetensors layer: the layout checked against the spec by an independent parse in this
// test, a bitwise round trip, and every kind of malformed header refused with a WnnFormatError
// that names the problem.
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, MAX_TENSORS, WnnFormatError } from '../../src/io/safetensors.js';
import { uniform } from '../helpers/data.js';

/** A file from a raw header string and data bytes, with the length field as given (default: the header's byte length). */
function craft(header: string, data: Uint8Array = new Uint8Array(0), length?: bigint): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const entry = (dtype: string, shape: unknown[], begin: unknown, end: unknown) => ({ dtype, shape, data_offsets: [begin, end] });

function refuses(bytes: Uint8Array, message: RegExp): void {
  let err: unknown;
  try { decodeSafetensors(bytes); } catch (e) { err = e; }
  expect(err, 'should throw').toBeInstanceOf(WnnFormatError);
  expect((err as Error).name).toBe('WnnFormatError');
  expect((err as Error).message).toMatch(/^wasmnn: /);
  expect((err as Error).message).toMatch(message);
}

describe('safetensors layout', () => {
  const a = uniform(6, -1, 1, 3);
  const b = Int32Array.from([7, -3, 2147483647, -2147483648]);
  const z = new Float32Array(0);
  const tensors = [
    { name: 'zeta/kernel', dtype: 'F32' as const, shape: [2, 3], data: a },
    { name: 'alpha/ids', dtype: 'I32' as const, shape: [4], data: b },
    { name: 'mid/empty', dtype: 'F32' as const, shape: [0, 5], data: z },
    { name: 'scalar', dtype: 'F32' as const, shape: [], data: Float32Array.from([Math.PI]) },
  ];
  const meta = { format: 'wasmnn', note: 'ünïcödé ✓', empty: '' };
  const bytes = encodeSafetensors(tensors, meta);

  it('matches the spec: u64 length, space-padded JSON header, 8-byte aligned data, sorted back-to-back tensors', () => {
    // an independent reading of the spec, not using our decoder
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(headerText.startsWith('{')).toBe(true);
    expect(headerText.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(headerText.slice(headerText.trimEnd().length))).toBe(true);
    const header = JSON.parse(headerText);
    expect(header.__metadata__).toEqual(meta);
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(names.sort()).toEqual(['alpha/ids', 'mid/empty', 'scalar', 'zeta/kernel']);
    const byOffset = [...names].sort((x, y) => header[x].data_offsets[0] - header[y].data_offsets[0] || header[x].data_offsets[1] - header[y].data_offsets[1]);
    let at = 0;
    for (const k of byOffset) {
      const [s, e] = header[k].data_offsets;
      expect(s).toBe(at);
      at = e;
    }
    expect(8 + n + at).toBe(bytes.length);
    // tensors laid out in name order
    expect(header['alpha/ids'].data_offsets[0]).toBe(0);
    expect(header['zeta/kernel'].data_offsets[1]).toBe(at);
    // little-endian values
    const [s] = header['zeta/kernel'].data_offsets;
    for (let i = 0; i < a.length; i++) expect(view.getFloat32(8 + n + s + 4 * i, true)).toBe(a[i]);
    const [si] = header['alpha/ids'].data_offsets;
    for (let i = 0; i < b.length; i++) expect(view.getInt32(8 + n + si + 4 * i, true)).toBe(b[i]);
    expect(header['alpha/ids']).toEqual({ dtype: 'I32', shape: [4], data_offsets: [0, 16] });
  });

  it('round-trips bit for bit (NaN payloads and -0 included), into fresh aligned arrays', () => {
    const odd = new Float32Array(new Uint32Array([0x7fc00001, 0xffc12345, 0x80000000, 0x00000001]).buffer);
    const bytes2 = encodeSafetensors([...tensors, { name: 'odd', dtype: 'F32', shape: [4], data: odd }], meta);
    const { metadata, tensors: out } = decodeSafetensors(bytes2);
    expect(metadata).toEqual(meta);
    expect(out.size).toBe(5);
    for (const t of [...tensors, { name: 'odd', dtype: 'F32', shape: [4], data: odd }]) {
      const got = out.get(t.name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data.constructor).toBe(t.data.constructor);
      expect(got.data.byteOffset).toBe(0);
      expect(got.data.buffer).not.toBe(bytes2.buffer);
      expect(new Uint8Array(got.data.buffer)).toEqual(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  });

  it('reads a file that sits at an odd offset of a larger buffer', () => {
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const { tensors: out } = decodeSafetensors(big.subarray(3));
    expect(Array.from(out.get('zeta/kernel')!.data)).toEqual(Array.from(a));
  });

  it('refuses bad inputs to the encoder', () => {
    expect(() => encodeSafetensors([{ name: 'x', dtype: 'F32', shape: [3], data: new Float32Array(2) }], {})).toThrow(/does not match/);
    expect(() => encodeSafetensors([{ name: 'x', dtype: 'I32', shape: [2], data: new Float32Array(2) as any }], {})).toThrow(/Int32Array/);
    expect(() => encodeSafetensors([{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) }, { name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) }], {})).toThrow(/twice|unique/);
    expect(() => encodeSafetensors([], { a: 1 as any })).toThrow(/must be a string/);
  });
});

describe('safetensors hostile input', () => {
  const d8 = new Uint8Array(8);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /shorter than the 8-byte/],
    ['7 bytes', new Uint8Array(7), /shorter than the 8-byte/],
    ['header length past the end', craft('{}', d8, 1000n), /runs past the end/],
    ['huge u64 header length', craft('{}', d8, 0xffffffffffffffffn), /runs past the end/],
    ['2^32 header length', craft('{}', d8, 1n << 32n), /runs past the end/],
    ['zero header length', craft('', d8), /too short/],
    ['not UTF-8', (() => { const f = craft('{"a":1}'); f[9] = 0xff; return f; })(), /not valid UTF-8/],
    ['not JSON', craft('{"a": '), /not valid JSON/],
    ['JSON array', craft('[1, 2]'), /does not start with "\{"|not a JSON object/],
    ['JSON null', craft('null'), /does not start/],
    ['deeply nested JSON', craft('{"a":' + '['.repeat(200000) + ']'.repeat(200000) + '}'), /not valid JSON|not a \{ dtype/],
    ['metadata not an object', craft('{"__metadata__": [1]}'), /not an object of strings/],
    ['metadata value not a string', craft('{"__metadata__": {"format": 1}}'), /'format' is a number/],
    ['entry not an object', craft(JSON.stringify({ w: 5 })), /not a \{ dtype/],
    ['unknown dtype', craft(JSON.stringify({ w: entry('Q7', [2], 0, 8) }), d8), /unknown dtype "Q7"/],
    ['dtype wasmnn does not read', craft(JSON.stringify({ w: entry('BF16', [4], 0, 8) }), d8), /BF16, which wasmnn does not read; save the weights as F32 \(float32\), F16 or I8/],
    ['negative dim', craft(JSON.stringify({ w: entry('F32', [-2], 0, 8) }), d8), /bad dimension -2/],
    ['fractional dim', craft(JSON.stringify({ w: entry('F32', [1.5], 0, 8) }), d8), /bad dimension 1.5/],
    ['string dim', craft(JSON.stringify({ w: entry('F32', ['2'], 0, 8) }), d8), /bad dimension "2"/],
    ['huge dims', craft(JSON.stringify({ w: entry('F32', [1e15, 1e15], 0, 8) }), d8), /more data than/],
    ['dims whose product overflows 2^53', craft(JSON.stringify({ w: entry('F32', [4294967296, 4294967296, 4294967296, 0], 0, 0) }), new Uint8Array(0)), /more data than/],
    ['rank 9', craft(JSON.stringify({ w: entry('F32', [1, 1, 1, 1, 1, 1, 1, 1, 2], 0, 8) }), d8), /rank 9/],
    ['shape not an array', craft(JSON.stringify({ w: { dtype: 'F32', shape: 2, data_offsets: [0, 8] } }), d8), /no shape array/],
    ['offsets not a pair', craft(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }), d8), /data_offsets \[begin, end\]/],
    ['negative offset', craft(JSON.stringify({ w: entry('F32', [2], -8, 0) }), d8), /not whole numbers/],
    ['NaN-like offset', craft('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,1e400]}}', d8), /not whole numbers/],
    ['offsets reversed', craft(JSON.stringify({ w: entry('F32', [0], 8, 0) }), d8), /end before they begin/],
    ['offsets past the data', craft(JSON.stringify({ w: entry('F32', [2], 8, 16) }), d8), /past the end/],
    ['size does not match dtype x shape', craft(JSON.stringify({ w: entry('F32', [1], 0, 8) }), d8), /need 4/],
    ['overlapping tensors', craft(JSON.stringify({ a: entry('F32', [2], 0, 8), b: entry('F32', [1], 4, 8) }), d8), /overlaps/],
    ['gap between tensors', craft(JSON.stringify({ a: entry('F32', [1], 0, 4), b: entry('F32', [0], 8, 8) }), d8), /gap of 4 bytes/],
    ['trailing bytes', craft(JSON.stringify({ a: entry('F32', [1], 0, 4) }), d8), /4 trailing bytes/],
    ['duplicate tensor names', craft('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', d8), /key 'a' twice/],
    ['duplicate names through escapes', craft('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\\u0061":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', d8), /key 'a' twice/],
    ['duplicate metadata keys', craft('{"__metadata__":{"format":"x","format":"y"}}'), /key 'format' twice/],
    ['extra entry field', craft(JSON.stringify({ w: { ...entry('F32', [2], 0, 8), extra: 1 } }), d8), /unknown field 'extra'/],
    ['empty tensor name', craft(JSON.stringify({ '': entry('F32', [2], 0, 8) }), d8), /empty name/],
  ];
  it.each(cases)('%s', (_, bytes, message) => refuses(bytes, message));

  it('finds duplicate keys at any depth, and is not misled by quotes, escapes or brackets inside strings', () => {
    const meta = (inner: string) => craft(`{"__metadata__":{${inner}}}`);
    // the same key in different objects, and keys spelled inside string values, are not duplicates
    const fine = [
      '"a":"{\\"a\\":1,\\"a\\":2}","b":"[,}{\\\\"',
      '"a\\"":"x","a":"y","\\\\":"z","\\\\\\"":"w"',
      '"x":"a","a":"x"',
    ];
    for (const inner of fine) expect(() => decodeSafetensors(meta(inner)), inner).not.toThrow();
    refuses(meta('"a\\"":"x","a\\"":"y"'), /key 'a"' twice/);
    refuses(meta('"\\\\":"[","\\u005c":"]"'), /key '\\' twice/);
    refuses(meta('"a":"}","b":"{","a":"x"'), /key 'a' twice/);
    // nested objects inside arrays keep their own key sets; a repeat inside one of them is found
    refuses(craft('{"a":[{"k":1},{"k":2},[{"k":3,"j":4,"k":5}]]}'), /key 'k' twice/);
    refuses(craft('{"a":[{"k":1},{"k":2}],"b":{"c":{"d":1}},"b":2}'), /key 'b' twice/);
    // unterminated strings, also one that ends in a backslash, are left to JSON.parse
    refuses(craft('{"__metadata__":{"a":"x","a'), /not valid JSON/);
    refuses(craft('{"__metadata__":{"a":"x","a\\'), /not valid JSON/);
    refuses(craft('{"__metadata__":{"a":"x","a\\"'), /not valid JSON/);
  });

  it('scans a header of many megabytes of escapes without running out of stack', () => {
    // 6M escaped quotes (12 MB of header): a regular expression over the strings overflows here
    const value = '\\"'.repeat(6_000_000);
    refuses(craft(`{"__metadata__":{"k":"${value}","x":"y","k":"z"}}`), /key 'k' twice/);
    const { metadata } = decodeSafetensors(craft(`{"__metadata__":{"k":"${value}\\\\","x":"y"}}`));
    expect(metadata.k).toBe('"'.repeat(6_000_000) + '\\');
  });

  it('a header of more than MAX_TENSORS entries is refused before the per-entry work, quickly', () => {
    const header = (n: number) => `{${Array.from({ length: n }, (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`).join(',')}}`;
    expect(decodeSafetensors(craft(header(MAX_TENSORS))).tensors.size).toBe(MAX_TENSORS);
    const many = craft(header(200_000));   // 11 MB of zero-size tensors
    const t0 = performance.now();
    refuses(many, new RegExp(`lists more than ${MAX_TENSORS} tensors`));
    expect(performance.now() - t0).toBeLessThan(500);
    // the keys are read as JSON: spelling data_offsets with an escape does not get past the count
    const escaped = craft(header(200_000).replaceAll('"data_offsets"', '"data\\u005foffsets"'));
    const t1 = performance.now();
    refuses(escaped, new RegExp(`lists more than ${MAX_TENSORS} tensors`));
    expect(performance.now() - t1).toBeLessThan(500);
    refuses(craft(header(MAX_TENSORS + 1)), new RegExp(`lists more than ${MAX_TENSORS} tensors`));   // no __metadata__: counted after the parse
  });

  it('a legal file with __proto__ and constructor names decodes them as plain tensors', () => {
    const f = craft('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"constructor":{"dtype":"I32","shape":[1],"data_offsets":[4,8]}}', d8);
    const { tensors } = decodeSafetensors(f);
    expect([...tensors.keys()].sort()).toEqual(['__proto__', 'constructor']);
  });

  it('a lying header length inside the file is refused without reading past it', () => {
    const good = encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) }], {});
    for (let n = 0; n < good.length; n++) {
      expect(() => decodeSafetensors(good.subarray(0, n))).toThrow(WnnFormatError);
    }
  });
});
