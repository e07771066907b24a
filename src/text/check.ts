// Argument checks shared by the text pipeline. Errors follow the project format:
// `wasmnn: <op>: <what is wrong>; <how to fix>`.
import { checkBool, checkOptions, describe } from '../options.js';

export { checkBool, describe };

/** Throws when `options` has a key not in `known` (catches typos such as `lowerCase`): the library-wide check of src/options.ts. */
export function checkKeys(op: string, options: object, known: readonly string[]): void {
  checkOptions(op, options, known);
}

export function checkOptionsObject(op: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`wasmnn: ${op}: options must be an object, got ${describe(options)}; pass { ... } or leave it out`);
  }
  return options as Record<string, unknown>;
}


/** An integer in [min, max]; `hint` says how to fix a bad value. */
export function checkInt(op: string, name: string, v: unknown, min: number, max = 2147483647, hint = ''): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === 2147483647 ? `a whole number >= ${min}` : `a whole number in [${min}, ${max}]`;
    throw new RangeError(`wasmnn: ${op}: ${name} must be ${range}, got ${describe(v)}${hint ? `; ${hint}` : ''}`);
  }
  return v;
}

export function checkChoice<T extends string>(op: string, name: string, v: unknown, choices: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new RangeError(`wasmnn: ${op}: ${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${describe(v)}`);
  }
  return v as T;
}

/** A [min, max] pair of whole numbers with lo <= min <= max. */
export function checkRange(op: string, name: string, v: unknown, lo: number): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x)) || v[0] < lo || v[1] < v[0]) {
    throw new RangeError(`wasmnn: ${op}: ${name} must be a pair [min, max] of whole numbers with ${lo} <= min <= max, got ${Array.isArray(v) ? JSON.stringify(v) : describe(v)}`);
  }
  return [v[0], v[1]];
}

/** texts must be an array of strings; names the first bad entry. */
export function checkTexts(op: string, texts: unknown): readonly string[] {
  if (typeof texts === 'string') {
    throw new TypeError(`wasmnn: ${op}: texts must be an array of strings, got a single string; wrap it as [text]`);
  }
  if (!Array.isArray(texts)) {
    throw new TypeError(`wasmnn: ${op}: texts must be an array of strings, got ${describe(texts)}; convert your data with Array.from(...)`);
  }
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string') {
      throw new TypeError(`wasmnn: ${op}: texts[${i}] is ${describe(texts[i])}, not a string; convert or drop it (e.g. String(x) or x ?? '')`);
    }
  }
  return texts as string[];
}
