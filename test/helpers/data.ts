// Seeded test data and comparisons.

/** Mulberry32: small, seeded, good enough for test inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n: number, lo: number, hi: number, seed = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

export function ints(n: number, lo: number, hi: number, seed = 1): Int32Array {
  const r = rng(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor((hi - lo) * r());
  return out;
}

/** Edge sizes for a SIMD width / tile of `tile`: 0, 1, tile-1, tile, tile+1, odd primes, larger. */
export function edgeSizes(tile: number, extra: number[] = []): number[] {
  const s = new Set([0, 1, 2, tile - 1, tile, tile + 1, 2 * tile + 1, 7, 13, 31, 97, ...extra]);
  return [...s].filter((n) => n >= 0).sort((a, b) => a - b);
}

/** Largest |a-b| / (|b| + atol/rtol) style error: returns the worst index or -1 when within tolerance. */
export function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return i;
  }
  return -1;
}

export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number, what = ''): void {
  const i = firstMismatch(a, b, rtol, atol);
  if (i >= 0) {
    throw new Error(`${what} mismatch at ${i}: got ${a[i]} want ${b[i]} (len ${a.length} vs ${b.length}, rtol ${rtol}, atol ${atol})`);
  }
}

/** Bitwise equality of two f32 arrays (NaNs equal to NaNs of the same bits). */
export function expectBitwise(a: Float32Array | Int32Array, b: Float32Array | Int32Array, what = ''): void {
  const ia = new Int32Array(a.buffer, a.byteOffset, a.length);
  const ib = new Int32Array(b.buffer, b.byteOffset, b.length);
  if (ia.length !== ib.length) throw new Error(`${what}: lengths ${ia.length} vs ${ib.length}`);
  for (let i = 0; i < ia.length; i++) {
    if (ia[i] !== ib[i]) throw new Error(`${what}: not bitwise equal at ${i}: ${a[i]} vs ${b[i]}`);
  }
}

/** How a recurrent kernel test masks its steps: none, gaps (about a third of the steps off), or rows. */
export type MaskKind = 'none' | 'gaps' | 'rows';

/**
 * A (B, T) step mask of 1s and 0s: 'gaps' turns about a third of the steps off at random; 'rows'
 * turns whole rows off (row 0 and every third row) and gives the other rows a trailing run of
 * padding (the usual shape of a padded batch); 'none' is all ones.
 */
export function stepMask(B: number, T: number, kind: MaskKind, seed: number): Float32Array {
  const m = new Float32Array(B * T).fill(1);
  if (kind === 'gaps') {
    const r = rng(seed);
    for (let i = 0; i < m.length; i++) m[i] = r() < 0.35 ? 0 : 1;
  } else if (kind === 'rows') {
    for (let b = 0; b < B; b += 3) for (let t = 0; t < T; t++) m[b * T + t] = 0;
    for (let b = 1; b < B; b++) if (b % 3) for (let t = Math.ceil(T / 2); t < T; t++) if ((b + t) % 2) m[b * T + t] = 0;
  }
  return m;
}

/** The bit patterns of a's values, for exact comparisons (NaN payloads and -0 included). */
export const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
