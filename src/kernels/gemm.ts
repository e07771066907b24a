// Host side of kernels/gemm.ts: C = act(op(A) · op(B) + bias), with op = identity or transpose.
import { threaded } from './spec.js';
import { live } from './check.js';
import { checkOptions, optionNames } from '../options.js';
import { fmtShape, type Tensor } from '../tensor.js';
import type { Runtime } from '../runtime/runtime.js';

export const gemmKernels = threaded('f32_gemm_fwd');

/** Activations the GEMM epilogue fuses; the same formulas (and bits) as the unary kernels. */
export const GEMM_ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'gelu'] as const;
export type GemmActivation = (typeof GEMM_ACTIVATIONS)[number];

export interface GemmOptions {
  /** a is stored (K, M) and used transposed. */
  transA?: boolean;
  /** b is stored (N, K) and used transposed. */
  transB?: boolean;
  /** Add the product to c's current values instead of overwriting them. */
  accumulate?: boolean;
  /** An (N,) vector added to every row after the product. */
  bias?: Tensor | null;
  /** Applied last, elementwise. Default 'linear' (none). */
  activation?: GemmActivation;
}

const GEMM_OPTIONS = optionNames<GemmOptions>({ transA: true, transB: true, accumulate: true, bias: true, activation: true });
/** Other libraries' names of the options, for the suggestion on a typo (tf.matMul's transposeA, ...). */
const GEMM_ALIASES = { transposeA: 'transA', transposeB: 'transB', transpose_a: 'transA', transpose_b: 'transB' };

// Blocking of the kernel (assembly/kernels/gemm.ts): must match gemmWsFloats there.
const KC = 256;
const NC = 256;

/**
 * Bytes of scratch f32_gemm_fwd needs for an (M,K)·(K,N) product on nth threads: per thread a
 * packed KC x NC block of B, a packed block of A and an edge tile, sized for either tile height
 * of the builds (4 rows, blocks of up to 128; 6 rows in the fma builds, blocks of up to 120).
 */
export function gemmWorkspaceBytes(M: number, N: number, K: number, nth: number): number {
  for (const [name, v] of [['M', M], ['N', N], ['K', K], ['nth', nth]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`wasmnn: gemmWorkspaceBytes: ${name} must be a whole number >= 0, got ${v}`);
  }
  if (M === 0 || N === 0) return 0;
  const kc = Math.min(Math.max(K, 1), KC);
  const nc = Math.min(Math.ceil(N / 8) * 8, NC);
  const mc = Math.max(Math.min(Math.ceil(M / 4) * 4, 128), Math.min(Math.ceil(M / 6) * 6, 120));
  const perThread = Math.ceil((kc * nc + mc * kc + 48) / 16) * 16;
  return Math.max(nth, 1) * perThread * 4;
}

function flag(name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new TypeError(`wasmnn: gemm: ${name} must be true or false, got ${String(v)}`);
  return v;
}

/** Any overlap at all between two tensors' bytes (identical ranges included). */
function overlaps(x: Tensor, y: Tensor): boolean {
  return x.size > 0 && y.size > 0 && x.ptr < y.ptr + y.bytes && y.ptr < x.ptr + x.bytes;
}

/**
 * c = act(op(a) · op(b) + bias). a is (M, K), or (K, M) with transA; b is (K, N), or (N, K) with
 * transB; c is (M, N) and must not share memory with a, b or bias. With accumulate the product is
 * added to c's values (c = act(c + op(a)·op(b) + bias)). The scratch space is a step tensor
 * (rt.temp()), released with the caller's step.
 */
export function gemm(rt: Runtime, a: Tensor, b: Tensor, c: Tensor, options: GemmOptions = {}): void {
  checkOptions('gemm', options, GEMM_OPTIONS, GEMM_ALIASES);
  live(rt, 'a', a); live(rt, 'b', b); live(rt, 'c', c);
  const transA = flag('transA', options.transA);
  const transB = flag('transB', options.transB);
  const accumulate = flag('accumulate', options.accumulate);
  const activation = options.activation ?? 'linear';
  const act = (GEMM_ACTIVATIONS as readonly string[]).indexOf(activation);
  if (act < 0) throw new RangeError(`wasmnn: gemm: unknown activation '${activation}'; expected one of ${GEMM_ACTIVATIONS.join(', ')}`);
  for (const [name, t] of [['a', a], ['b', b], ['c', c]] as const) {
    if (t.rank !== 2) throw new RangeError(`wasmnn: gemm: ${name} must be a matrix (rank 2), got shape ${fmtShape(t.shape)}; reshape it to 2-D`);
  }
  const [M, K] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [Kb, N] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== Kb) {
    const da = transA ? `a${fmtShape(a.shape)} transposed is (${M}, ${K})` : `a is (${M}, ${K})`;
    const db = transB ? `b${fmtShape(b.shape)} transposed is (${Kb}, ${N})` : `b is (${Kb}, ${N})`;
    throw new RangeError(`wasmnn: gemm: inner dimensions differ: ${da} but ${db}; the columns of op(a) (${K}) must equal the rows of op(b) (${Kb}): check the shapes or transA/transB`);
  }
  if (c.shape[0] !== M || c.shape[1] !== N) {
    throw new RangeError(`wasmnn: gemm: c must have shape (${M}, ${N}) (rows of op(a), columns of op(b)), got ${fmtShape(c.shape)}; allocate c with that shape`);
  }
  if (overlaps(c, a)) throw new RangeError('wasmnn: gemm: c overlaps a in memory; the output must not alias an input: write to a separate tensor');
  if (overlaps(c, b)) throw new RangeError('wasmnn: gemm: c overlaps b in memory; the output must not alias an input: write to a separate tensor');
  const bias = options.bias ?? null;
  if (bias !== null) {
    live(rt, 'bias', bias);
    if (bias.rank !== 1 || bias.shape[0] !== N) {
      throw new RangeError(`wasmnn: gemm: bias must have shape (${N},) (one value per column of c), got ${fmtShape(bias.shape)}`);
    }
    if (overlaps(c, bias)) throw new RangeError('wasmnn: gemm: c overlaps bias in memory; the output must not alias an input: write to a separate tensor');
  }
  if (M === 0 || N === 0) return;
  const work = Math.max(2 * M * N * K, M * N);
  const nth = rt.threadsFor(work);
  const ws = rt.temp([gemmWorkspaceBytes(M, N, K, nth) / 4]);
  rt.run('f32_gemm_fwd', work,
    [a.ptr, b.ptr, c.ptr, bias ? bias.ptr : 0, ws.ptr, M, N, K, transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0, act], nth);
}
