// The weight regularizers' part of a training step (src/regularizers.ts has the semantics): after
// the backward and before the optimizer (and its clipNorm), each regularized trainable weight's
// gradient gets l1 * sign(w) + 2 * l2 * w and the batch's loss its penalty, as Keras 3 adds
// model.losses to the loss before taking gradients. A regularized embedding table's gradient is
// dense then (every row has the penalty's gradient), as in Keras: it drops its row-sparse marks,
// so the optimizer updates every row and the next step's backward clears the whole table.
import { regularize } from '../kernels/optim.js';
import type { ParamStore } from '../params.js';

/**
 * The sum of the penalties of the store's regularized trainable weights at their current values;
 * withGradients: also adds each one's gradient to the weight's gradient (the step's backward has
 * run). A regularizer whose factors are both 0 is skipped: training is bitwise as without one.
 */
export function regularizationPenalty(store: ParamStore, withGradients: boolean): number {
  let total = 0;
  for (const w of store.weights) {
    const r = w.regularizer;
    if (!r || !w.trainable || (r.l1 === 0 && r.l2 === 0)) continue;
    const p = w.p;
    total += regularize(store.rt, p.value, withGradients ? p.gradSlot : null, r.l1, r.l2);
    if (withGradients) { p.dirtyRows = null; p.stepRows = null; }
  }
  return total;
}

/**
 * The first trainable regularized weight whose penalty is not finite (its values too large for an
 * f32 sum of squares, or not finite themselves), for the error that names it; null if none.
 */
export function nonFinitePenaltyWeight(store: ParamStore): string | null {
  for (const w of store.weights) {
    const r = w.regularizer;
    if (!r || !w.trainable || (r.l1 === 0 && r.l2 === 0)) continue;
    if (!Number.isFinite(regularize(store.rt, w.p.value, null, r.l1, r.l2))) return w.name;
  }
  return null;
}
