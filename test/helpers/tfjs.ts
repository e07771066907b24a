// tfjs-layers 4.22.0 on its CPU backend as an oracle, in the same process.
import type { Sequential } from '../../src/models/sequential.js';

export async function loadTfjs() {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const tfl = await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
  return { tf, tfl };
}

export type Tf = Awaited<ReturnType<typeof loadTfjs>>;

/** Copies our weights into the tfjs model, layer by layer, in each layer's weight order. */
export function copyWeightsTo(T: Tf, ours: Sequential, theirs: any, mapLayer: (i: number, ws: { name: string; shape: number[]; values: Float32Array }[]) => any[] = (_, ws) => ws): void {
  const all = ours.getWeights();
  ours.layers.forEach((l, i) => {
    const ws = all.filter((w) => w.name.startsWith(`${l.name}/`));
    if (!ws.length) return;
    const mapped = mapLayer(i, ws).map((w: any) => T.tf.tensor(w.values, w.shape));
    theirs.layers[i].setWeights(mapped);
  });
}

/**
 * Largest elementwise relative error |a - b| / max(|b|, floor), with the floor at 1% of b's
 * largest magnitude: entries far below the tensor's scale carry only f32 rounding noise.
 */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  if (a.length !== b.length) return Infinity;
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  const floor = Math.max(scale * 1e-2, 1e-12);
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return worst;
}

/**
 * ||a - b|| / max(||b||, floor): norm-wise relative error. The floor (default 1e-2) keeps a
 * gradient that nearly cancels to zero (a softmax bias over a balanced batch) from turning f32
 * rounding (~1e-8 absolute) into a large relative figure.
 */
export function normRelErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-2): number {
  if (a.length !== b.length) return Infinity;
  let d = 0, n = 0;
  for (let i = 0; i < a.length; i++) { d += (a[i] - b[i]) ** 2; n += b[i] ** 2; }
  return Math.sqrt(d) / Math.max(Math.sqrt(n), floor);
}
