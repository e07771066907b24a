// Weight regularizers, Keras' and tfjs-layers' L1 / L2 penalties: a weight w with a regularizer
// { l1, l2 } adds l1 * sum(|w|) + l2 * sum(w^2) to each training batch's loss (the batch's mean
// loss, once per batch: not scaled by the batch size, not weighted by class or sample weights),
// so its gradient gains l1 * sign(w) + 2 * l2 * w (sign(0) = 0, tf.sign's). Keras 3 adds the
// penalty to evaluate()'s loss and val_loss too (its test_step calls compute_loss, which sums
// model.losses); tfjs-layers 4.22 does not (its test function adds no regularizer losses): we
// follow Keras 3. Only trainable weights count (Keras 3's Layer._get_regularization_losses).
// Training applies it in src/training/regularize.ts.
import { describe } from './options.js';

/** A regularizer as the layers store it: both factors, each finite and >= 0. */
export interface Regularizer { l1: number; l2: number }

/**
 * What a `*Regularizer` option takes: a name ('l1', 'l2': factor 0.01; 'l1l2' (tfjs) or 'l1_l2'
 * (Keras): 0.01 each), or { l1?, l2? } (a factor left out is 0, as Keras' L1L2(l2=...)), such
 * as regularizers.l2(1e-4) returns.
 */
export type RegularizerOption = 'l1' | 'l2' | 'l1l2' | 'l1_l2' | { l1?: number; l2?: number };

const NAMED: Record<string, Regularizer> = {
  l1: { l1: 0.01, l2: 0 }, l2: { l1: 0, l2: 0.01 }, l1l2: { l1: 0.01, l2: 0.01 }, l1_l2: { l1: 0.01, l2: 0.01 },
};

/** A factor: a finite number >= 0, else an error naming where it came from and the fix. */
function factor(where: string, key: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new (typeof v === 'number' ? RangeError : TypeError)(`wasmnn: ${where}: ${key} must be a finite number >= 0 (the penalty's factor, e.g. 0.0001), got ${describe(v)}`);
  }
  return v;
}

/**
 * The regularizer an option value gives (null: none, for undefined and null), checked: an unknown
 * name, an object with other keys, or a factor that is negative, NaN or infinite is an error that
 * says what it takes. `where` names the layer and option for the message ('Dense: kernelRegularizer').
 */
export function regularizerFrom(where: string, v: unknown): Regularizer | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') {
    if (Object.hasOwn(NAMED, v)) return { ...NAMED[v] };
    throw new RangeError(`wasmnn: ${where}: unknown regularizer ${describe(v)}; use 'l1', 'l2', 'l1l2' (or Keras' 'l1_l2'), or { l1, l2 } with the factors, such as regularizers.l2(0.0001)`);
  }
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new TypeError(`wasmnn: ${where}: a regularizer is 'l1', 'l2', 'l1l2' or { l1, l2 } (such as regularizers.l2(0.0001)), got ${describe(v)}`);
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'l1' && k !== 'l2') {
      throw new TypeError(`wasmnn: ${where}: a regularizer has the keys l1 and l2 only, got '${k.slice(0, 40)}'; write { l1: ..., l2: ... } (Keras' L1L2 factors), such as regularizers.l1l2({ l1: 0.001, l2: 0.0001 })`);
    }
  }
  return { l1: factor(where, 'l1', o.l1), l2: factor(where, 'l2', o.l2) };
}

/** The factor of regularizers.l1 / l2, which take it as Keras does (a number, not tfjs' { l2 }). */
function helperFactor(key: 'l1' | 'l2', v: unknown): number {
  if (v && typeof v === 'object') {
    throw new TypeError(`wasmnn: regularizers.${key} takes the factor itself, as Keras' ${key.toUpperCase()}: regularizers.${key}(0.0001); tfjs' { ${key}: 0.0001 } is a regularizer as it is (pass it as the option directly)`);
  }
  return factor(`regularizers.${key}`, key, v);
}

/** Keras-style helpers: each returns the { l1, l2 } a `*Regularizer` option takes. */
export const regularizers = {
  /** L1 penalty l1 * sum(|w|); default factor 0.01 (Keras' L1() and L1(None), tfjs' l1()). */
  l1(l1?: number | null): Regularizer { return { l1: helperFactor('l1', l1 ?? 0.01), l2: 0 }; },
  /** L2 penalty l2 * sum(w^2); default factor 0.01 (Keras' L2() and L2(None), tfjs' l2()). */
  l2(l2?: number | null): Regularizer { return { l1: 0, l2: helperFactor('l2', l2 ?? 0.01) }; },
  /** Both penalties; as tfjs' l1l2(), a factor left out is 0.01. */
  l1l2(args: { l1?: number; l2?: number } = {}): Regularizer {
    const r = regularizerFrom('regularizers.l1l2', args ?? {})!;
    return { l1: args?.l1 == null ? 0.01 : r.l1, l2: args?.l2 == null ? 0.01 : r.l2 };
  },
};
