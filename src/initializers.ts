// Weight initialisers with Keras' semantics and names. Each fills a Float32Array from a seeded
// Random so the same seed gives the same weights on every host.
import { Random } from './random.js';
import type { Shape } from './tensor.js';
import { checkOptions, describe } from './options.js';

export const INITIALIZER_NAMES = [
  'zeros', 'ones', 'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'orthogonal', 'uniform', 'randomNormal', 'lstmBias', 'gruBias',
] as const;
export type InitializerName = (typeof INITIALIZER_NAMES)[number];

export type Initializer = InitializerName | { name: InitializerName; [k: string]: unknown } | ((shape: Shape, rng: Random) => Float32Array);

/** Keras' fans: for (in, out) matrices the two dims; for conv kernels (k, in, out) the receptive field times each. */
export function fans(shape: Shape): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Largest magnitude a float32 holds: an option beyond it would fill the weights with infinities. */
const F32_MAX = 3.4028234663852886e38;

/** The options each initializer takes besides its name, and what each must be. */
const INITIALIZER_OPTIONS: Partial<Record<InitializerName, Record<string, { test: (v: number) => boolean; rule: string }>>> = {
  uniform: { minval: { test: (v) => Math.abs(v) <= F32_MAX, rule: 'a finite number' }, maxval: { test: (v) => Math.abs(v) <= F32_MAX, rule: 'a finite number' } },
  randomNormal: { mean: { test: (v) => Math.abs(v) <= F32_MAX, rule: 'a finite number' }, stddev: { test: (v) => v >= 0 && v <= F32_MAX, rule: 'a finite number >= 0' } },
  orthogonal: { gain: { test: (v) => Math.abs(v) <= F32_MAX, rule: 'a finite number' } },
};

/**
 * Checks an initializer option of a layer (`owner`'s `option`, e.g. Dense's kernelInitializer)
 * when the layer is made, not when its weights are drawn at build: a name this module knows, a
 * { name, ...options } object whose options are finite numbers in range (uniform's maxval at least
 * its minval, randomNormal's stddev >= 0; Keras' seed is taken and not used), or a function (its result is checked when it runs).
 * Otherwise a NaN or string option would fill the weights with NaN and every prediction with it.
 * undefined and null (the layer's default) pass. Returns init unchanged.
 */
export function checkInitializer<T>(owner: string, option: string, init: T): T {
  if (init === undefined || init === null || typeof init === 'function') return init;
  const where = `wasmnn: ${owner}: ${option}`;
  const known = `one of ${INITIALIZER_NAMES.join(', ')}, a { name, ...options } object, or a function (shape, rng) => Float32Array`;
  if (typeof init === 'string') {
    if (!(INITIALIZER_NAMES as readonly string[]).includes(init)) throw new RangeError(`${where} '${init}' is not an initializer; use ${known}`);
    return init;
  }
  if (typeof init !== 'object' || Array.isArray(init)) throw new TypeError(`${where} must be ${known}, got ${describe(init)}`);
  const o = init as Record<string, unknown>;
  const name = o.name;
  if (typeof name !== 'string' || !(INITIALIZER_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`${where}: the object's name ${describe(name)} is not an initializer; use ${known}`);
  }
  const rules = INITIALIZER_OPTIONS[name as InitializerName] ?? {};
  // seed: Keras' per-initializer seed, taken and not used (the weights are drawn from the model's seed)
  checkOptions(`${owner}: ${option} '${name}'`, o, ['name', 'seed', ...Object.keys(rules)]);
  if (o.seed !== undefined && o.seed !== null && !Number.isInteger(o.seed)) throw new TypeError(`${where} '${name}': seed must be a whole number (it is not used: the weights are drawn from the model's seed), got ${describe(o.seed)}`);
  for (const [k, { test, rule }] of Object.entries(rules)) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !test(v)) throw new (typeof v === 'number' ? RangeError : TypeError)(`${where} '${name}': ${k} must be ${rule}, got ${typeof v === 'string' ? `${describe(v)} (a string)` : describe(v)}`);
  }
  if (name === 'uniform') {
    const lo = (o.minval as number | undefined) ?? -0.05, hi = (o.maxval as number | undefined) ?? 0.05;
    const defaults = o.minval === undefined ? ' (minval defaults to -0.05)' : o.maxval === undefined ? ' (maxval defaults to 0.05)' : '';
    if (!(hi >= lo)) throw new RangeError(`${where} 'uniform': maxval must be at least minval, got minval ${lo} and maxval ${hi}${defaults}`);
  }
  return init;
}

/**
 * The values of a weight of `shape` drawn by `init`. `what` names the weight for the messages: a
 * function's result is checked here (a Float32Array, or an array of numbers, of the weight's
 * size), since anything else would land in the weights as garbage or fail inside the store.
 */
export function initialize(init: Initializer, shape: Shape, rng: Random, what = 'a weight'): Float32Array {
  if (typeof init === 'function') return functionResult(init(shape, rng), shape, what);
  checkInitializer(what, 'initializer', init);
  const name = typeof init === 'string' ? init : init.name;
  const opts = typeof init === 'string' ? {} : init;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const [fanIn, fanOut] = fans(shape);
  const uniform = (limit: number) => { for (let i = 0; i < n; i++) out[i] = (rng.uniform() * 2 - 1) * limit; };
  const truncNormal = (std: number) => {
    // Keras' *Normal initialisers draw from a normal truncated at 2 std (stddev corrected by 0.8796)
    const s = std / 0.87962566103423978;
    for (let i = 0; i < n; i++) {
      let v: number;
      do v = rng.normal(); while (Math.abs(v) > 2);
      out[i] = v * s;
    }
  };
  switch (name) {
    case 'zeros': return out;
    case 'ones': return out.fill(1);
    case 'glorotUniform': uniform(Math.sqrt(6 / (fanIn + fanOut))); return out;
    case 'glorotNormal': truncNormal(Math.sqrt(2 / (fanIn + fanOut))); return out;
    case 'heUniform': uniform(Math.sqrt(6 / fanIn)); return out;
    case 'heNormal': truncNormal(Math.sqrt(2 / fanIn)); return out;
    case 'uniform': {
      const lo = (opts as any).minval ?? -0.05, hi = (opts as any).maxval ?? 0.05;
      for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.uniform();
      return out;
    }
    case 'randomNormal': {
      const mean = (opts as any).mean ?? 0, std = (opts as any).stddev ?? 0.05;
      for (let i = 0; i < n; i++) out[i] = mean + std * rng.normal();
      return out;
    }
    case 'orthogonal': return orthogonal(shape, rng, (opts as any).gain ?? 1);
    case 'lstmBias': {
      // zeros with the forget gate's block (the second of four) at 1: Keras' unit_forget_bias
      const h = n / 4;
      out.fill(1, h, 2 * h);
      return out;
    }
    case 'gruBias': return out;
  }
  // every name is a case above (checkInitializer refused the rest): a new name without one is a type error here
  const unhandled: never = name;
  throw new Error(`wasmnn: initializer '${String(unhandled)}' has no implementation; this is a bug in wasmnn`);
}

function functionResult(v: unknown, shape: Shape, what: string): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const want = `an initializer function (shape, rng) must return a Float32Array of ${n} values (shape (${shape.join(', ')}))`;
  const numeric = v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v);
  if (!numeric) throw new TypeError(`wasmnn: ${what}: its initializer function returned ${describe(v)}; ${want}`);
  const a = v as ArrayLike<unknown>;
  if (a.length !== n) throw new RangeError(`wasmnn: ${what}: its initializer function returned ${a.length} values; ${want}`);
  if (Array.isArray(a)) {
    for (let i = 0; i < n; i++) {
      if (typeof a[i] !== 'number') throw new TypeError(`wasmnn: ${what}: its initializer function returned ${describe(a[i])} at index ${i}; ${want}`);
    }
  }
  return v instanceof Float32Array ? v : Float32Array.from(a as ArrayLike<number>);
}

/**
 * Keras' Orthogonal: a (max, min) standard-normal matrix, its QR decomposition (Householder, in
 * f64), Q's columns sign-corrected by diag(R), transposed when the shape is wider than tall.
 */
export function orthogonal(shape: Shape, rng: Random, gain = 1): Float32Array {
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const cols = shape[shape.length - 1];
  const m = Math.max(rows, cols), k = Math.min(rows, cols);
  // a is (m, k), column-major for the Householder sweeps
  const a = new Float64Array(m * k);
  for (let i = 0; i < m * k; i++) a[i] = rng.normal();
  const q = householderQ(a, m, k);         // (m, k) column-major, with sign correction
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      // rows >= cols: out = Q (m = rows, k = cols); else out = Qᵀ (m = cols, k = rows)
      const v = rows >= cols ? q[j * m + i] : q[i * m + j];
      out[i * cols + j] = gain * v;
    }
  }
  return out;
}

/** Thin Q of the QR decomposition of a column-major (m, k) matrix, m >= k, with Q's column j multiplied by sign(R[j,j]). */
function householderQ(a: Float64Array, m: number, k: number): Float64Array {
  const vs: Float64Array[] = [];
  const rdiag = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm += a[j * m + i] ** 2;
    norm = Math.sqrt(norm);
    const x0 = a[j * m + j];
    const alpha = x0 > 0 ? -norm : norm;
    const v = new Float64Array(m);
    for (let i = j; i < m; i++) v[i] = a[j * m + i];
    v[j] -= alpha;
    let vn = 0;
    for (let i = j; i < m; i++) vn += v[i] * v[i];
    vs.push(v);
    rdiag[j] = alpha;
    if (vn === 0) continue;
    // apply H = I - 2 v vᵀ / (vᵀv) to the remaining columns
    for (let c = j; c < k; c++) {
      let d = 0;
      for (let i = j; i < m; i++) d += v[i] * a[c * m + i];
      const f = (2 * d) / vn;
      for (let i = j; i < m; i++) a[c * m + i] -= f * v[i];
    }
  }
  // Q = H_0 H_1 ... H_{k-1} applied to the first k columns of I
  const q = new Float64Array(m * k);
  for (let c = 0; c < k; c++) q[c * m + c] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const v = vs[j];
    let vn = 0;
    for (let i = j; i < m; i++) vn += v[i] * v[i];
    if (vn === 0) continue;
    for (let c = 0; c < k; c++) {
      let d = 0;
      for (let i = j; i < m; i++) d += v[i] * q[c * m + i];
      const f = (2 * d) / vn;
      for (let i = j; i < m; i++) q[c * m + i] -= f * v[i];
    }
  }
  for (let c = 0; c < k; c++) {
    if (rdiag[c] < 0) for (let i = 0; i < m; i++) q[c * m + i] = -q[c * m + i];
  }
  return q;
}
