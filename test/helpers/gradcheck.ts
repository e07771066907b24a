// Model-level finite-difference gradient check: the analytic gradient of the training loss with
// respect to every weight (a sample of entries per weight) against central differences of the
// same loss (training mode, same seed, so dropout masks agree).
import { expect } from 'vitest';
import type { Sequential } from '../../src/models/sequential.js';
import type { DataInput } from '../../src/training/data.js';
import { rng } from './data.js';

export function gradCheck(model: Sequential, x: DataInput, y: DataInput, opts: { h?: number; rtol?: number; atol?: number; perWeight?: number; seed?: number } = {}): void {
  const h = opts.h ?? 1e-2, rtol = opts.rtol ?? 2e-2, atol = opts.atol ?? 2e-4;
  const { grads } = model.lossAndGradients(x, y, { seed: opts.seed });
  const pick = rng(7);
  for (const w of model.getWeights()) {
    const g = grads.get(w.name);
    if (!g) continue;
    const n = w.values.length;
    const idx = n <= (opts.perWeight ?? 24) ? [...Array(n).keys()] : Array.from({ length: opts.perWeight ?? 24 }, () => Math.floor(pick() * n));
    for (const i of idx) {
      const v = w.values.slice();
      v[i] = w.values[i] + h; model.setWeights([{ name: w.name, values: v }]);
      const lp = model.lossAndGradients(x, y, { seed: opts.seed }).loss;
      v[i] = w.values[i] - h; model.setWeights([{ name: w.name, values: v }]);
      const lm = model.lossAndGradients(x, y, { seed: opts.seed }).loss;
      model.setWeights([{ name: w.name, values: w.values }]);
      const num = (lp - lm) / (2 * h);
      expect(Math.abs(num - g[i]), `${w.name}[${i}]: finite difference ${num}, analytic ${g[i]}`).toBeLessThanOrEqual(atol + rtol * Math.abs(num));
    }
  }
}

/**
 * Kernel-level check against float64 central differences: for each [name, analytic gradient] pair,
 * `samples` entries picked at random (seeded) of the float64 parameter params[name] are moved by
 * ±eps and (loss(+) - loss(-)) / 2 eps must be within rtol · max(1, |numeric|) of the analytic
 * value. Returns the number of entries checked (what the callers expect).
 */
export function sampledCentralDiff<K extends string>(
  params: Record<K, Float64Array>, grads: [K, Float32Array][], loss: () => number,
  opts: { samples: number; rtol: number; eps?: number; seed?: number; what?: string },
): number {
  const eps = opts.eps ?? 1e-6, r = rng(opts.seed ?? 9);
  let checked = 0;
  for (const [name, g] of grads) {
    const arr = params[name];
    for (let n = 0; n < opts.samples; n++) {
      const i = Math.floor(r() * arr.length);
      const v = arr[i];
      arr[i] = v + eps; const lp = loss();
      arr[i] = v - eps; const lm = loss();
      arr[i] = v;
      const num = (lp - lm) / (2 * eps);
      if (Math.abs(g[i] - num) > opts.rtol * Math.max(1, Math.abs(num))) {
        throw new Error(`d${name}[${i}]: ${opts.what ?? 'analytic'} ${g[i]} vs numeric ${num}`);
      }
      checked++;
    }
  }
  return checked;
}
