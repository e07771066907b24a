// Thread dispatch cost and the break-even work size: when does a second thread pay?
// `npm run bench -- dispatch [--json]`
import { Runtime } from '../dist/index.js';
import { timeit, machine, table } from './_util.mjs';

export default async function (args) {
  const json = args.includes('--json');
  const rt = await Runtime.create({ build: 'simd-mt', threads: 2 });
  const rows = [];
  const big = rt.alloc([1 << 20]).fill(0.25);
  const out = rt.alloc([1 << 20]);
  // an empty job: pure dispatch + join
  const empty1 = timeit(() => rt.run('f32_relu_fwd', 0, [big.ptr, out.ptr, 0], 1), { minSeconds: 0.05 }).median;
  const empty2 = timeit(() => rt.run('f32_relu_fwd', 0, [big.ptr, out.ptr, 0], 2), { minSeconds: 0.05 }).median;
  for (const op of ['relu', 'tanh']) {
    for (const n of [256, 1024, 4096, 16384, 65536, 262144]) {
      const t1 = timeit(() => rt.run(`f32_${op}_fwd`, 0, [big.ptr, out.ptr, n], 1), { minSeconds: 0.05 }).median;
      const t2 = timeit(() => rt.run(`f32_${op}_fwd`, 0, [big.ptr, out.ptr, n], 2), { minSeconds: 0.05 }).median;
      rows.push({ op, n, 'us@1': (t1 * 1e6).toFixed(2), 'us@2': (t2 * 1e6).toFixed(2), speedup: (t1 / t2).toFixed(2) });
    }
  }
  if (json) {
    console.log(JSON.stringify({ bench: 'dispatch', empty_us_1: empty1 * 1e6, empty_us_2: empty2 * 1e6 }));
    for (const r of rows) console.log(JSON.stringify({ bench: 'dispatch', ...r }));
  } else {
    console.log(`dispatch: ${machine()}, ${new Date().toISOString()}`);
    console.log(`empty job: ${(empty1 * 1e6).toFixed(2)} us at 1 thread (call overhead), ${(empty2 * 1e6).toFixed(2)} us at 2 threads (dispatch + join)`);
    table(rows, ['op', 'n', 'us@1', 'us@2', 'speedup']);
  }
  await rt.close();
}
