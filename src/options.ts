// Options objects of the public API (layer, optimizer and callback constructors, schedules, and
// compile / fit / evaluate / predict): an unknown key is an error that names it, the owner, the
// closest valid key and every valid one, as Keras raises on an unexpected keyword argument.
// Otherwise a misspelt or snake_case option (mask_zero, returnSequence, epoch) would be ignored
// and silently change the model or the training.

/**
 * Every option name of an options type, as an object of `true`s: the compiler checks the list
 * against T (a missing or extra name is a type error), so it stays in step with the interface.
 */
export type OptionNames<T> = { readonly [K in keyof Required<T>]: true };

// The names of every list optionNames made, as a Set: checkOptions looks each key up in O(1), so a
// check costs O(number of keys) and allocates nothing when every key is known (the kernel
// wrappers check on every call).
const knownSets = new WeakMap<readonly string[], ReadonlySet<string>>();
const hasOwn = Object.prototype.hasOwnProperty;

/** The option names of T in the order given (see OptionNames): `optionNames<FitArgs>({ epochs: true, ... })`. */
export function optionNames<T>(names: OptionNames<T>): readonly string[] {
  const list = Object.freeze(Object.keys(names));
  knownSets.set(list, new Set(list));
  return list;
}

/**
 * Checks an options object against the names its owner takes and returns it unchanged.
 * `undefined` passes (the owner applies its defaults or reports what is required); anything that
 * is not a plain object, or has a key not in `known`, throws a TypeError such as
 * "wasmnn: LSTM: unknown option 'returnSequence'; did you mean 'returnSequences'? (options: units, ...)".
 * Keys are checked whatever their value, undefined included. `owner` names the class or method
 * for the message: 'LSTM', 'Adam', 'Sequential.fit'. `aliases` maps names other libraries use
 * for an option to its name here (goBackwards -> reverse), for the suggestion when the spelling
 * alone would not find it. Costs O(number of keys) for a list made by optionNames.
 */
export function checkOptions<T>(owner: string, options: T, known: readonly string[], aliases?: Readonly<Record<string, string>>): T {
  if (options === undefined) return options;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`wasmnn: ${owner}: options must be an object such as { ${known[0] ?? ''}: ... }, got ${describe(options)} (options: ${known.join(', ')})`);
  }
  // fast path: own enumerable keys (as Object.keys), each looked up once
  const set = knownSets.get(known);
  let bad = false;
  for (const k in options) {
    if (hasOwn.call(options, k) && !(set ? set.has(k) : known.includes(k))) { bad = true; break; }
  }
  if (!bad) return options;
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  const guess = (k: string) => (aliases && hasOwn.call(aliases, k) && known.includes(aliases[k]) ? aliases[k] : closestOption(k, known));
  const list = `(options: ${known.length ? known.join(', ') : 'none'})`;
  if (unknown.length === 1) {
    const [k] = unknown, g = guess(k);
    throw new TypeError(`wasmnn: ${owner}: unknown option '${k}'${g ? `; did you mean '${g}'?` : ''} ${list}`);
  }
  const parts = unknown.map((k) => { const g = guess(k); return g ? `'${k}' (did you mean '${g}'?)` : `'${k}'`; });
  throw new TypeError(`wasmnn: ${owner}: unknown options ${parts.join(', ')} ${list}`);
}

/**
 * The valid option an unknown key most likely meant, or null when none is an obvious match: the
 * camelCase spelling of a snake_case or kebab-case key (mask_zero -> maskZero), the same name in
 * another letter case, or else the single nearest name within 2 edits (1 for keys of up to 4
 * letters), a swap of two neighbouring letters counting as one edit.
 */
export function closestOption(key: string, known: readonly string[]): string | null {
  const camel = key.replace(/[_-]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
  if (known.includes(camel)) return camel;
  const lower = camel.toLowerCase();
  const sameLetters = known.filter((k) => k.toLowerCase() === lower);
  if (sameLetters.length === 1) return sameLetters[0];
  const limit = lower.length <= 4 ? 1 : 2;
  let best: string | null = null, bestD = Infinity, ties = 0;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestD) { best = k; bestD = d; ties = 1; } else if (d === bestD) ties++;
  }
  return bestD <= limit && ties === 1 ? best : null;
}

/** Edit distance (insertions, deletions, substitutions and swaps of neighbouring characters). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
    }
  }
  return rows[a.length][b.length];
}

/** Short description of a value for error messages (shared by every options and argument check). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'function') return 'a function';
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}` : 'an object';
}

/** An option that is true or false (`dflt` when undefined): `wasmnn: <op>: <name> must be true or false, got ...` otherwise. */
export function checkBool(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`wasmnn: ${op}: ${name} must be true or false, got ${describe(v)}`);
  return v;
}
