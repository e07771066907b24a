// Shared by the benchmarks: timing with medians, machine description, output.
import os from 'node:os';

/**
 * Times fn: `warmup` calls, then picks how many calls make one sample last at least `minSeconds`,
 * then takes `reps` samples. Returns seconds per call: the median and every sample.
 */
export function timeit(fn, { warmup = 3, reps = 7, minSeconds = 0.05 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  let inner = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    if ((performance.now() - t0) / 1000 >= minSeconds || inner >= 1 << 24) break;
    inner *= 2;
  }
  const samples = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    samples.push((performance.now() - t0) / 1000 / inner);
  }
  return { median: median(samples), samples, inner };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function machine() {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, node ${process.version}, ${os.platform()} ${os.arch()}`;
}

export function table(rows, columns) {
  const w = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padStart(w[i])).join('  ');
  console.log(line(columns));
  for (const r of rows) console.log(line(columns.map((c) => r[c])));
}

/** tfjs-core, tfjs-layers and tfjs-backend-wasm on one thread, the wasm backend set and ready. */
export async function tfjsWasmOneThread() {
  const tf = await import('@tensorflow/tfjs-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
  await tf.ready();
  return { tf, tfl, wasm };
}
