// A module Web Worker the Chromium test starts inside a cross-origin isolated page: it drives the
// Web Worker thread pool directly (bitwise results at 1, 2 and 3 threads; a pool thread whose
// script does not load; a pool thread that dies during a job) and posts what happened.
import { Runtime } from '/dist/runtime/runtime.js';
import { setPoolWorkerUrl } from '/dist/runtime/pool.js';
import { unaryForward } from '/dist/kernels/unary.js';

async function probe() {
  const out = { crossOriginIsolated: self.crossOriginIsolated };

  // the same kernel at 1, 2 and 3 threads: float32 bits of the results
  const x = Float32Array.from({ length: 10007 }, (_, i) => Math.sin(i * 0.37) * 5);
  out.runs = [];
  for (const threads of [1, 2, 3]) {
    const rt = await Runtime.create({ build: 'simd-mt', threads, parallelThreshold: 1, spin: 100 });
    const tx = rt.fromArray(x), ty = rt.alloc([x.length]);
    for (let i = 0; i < 50; i++) unaryForward(rt, i % 2 ? 'tanh' : 'gelu', tx, ty);
    out.runs.push({ env: rt.env(), bits: Array.from(new Uint32Array(ty.f32().slice().buffer)) });
    await rt.close();
  }

  // a pool thread whose script is missing: an error, within the start timeout
  setPoolWorkerUrl('/dist/runtime/no-such-worker.js');
  let t0 = performance.now();
  try {
    await Runtime.create({ build: 'simd-mt', threads: 2 });
    out.missingScript = { error: null };
  } catch (e) {
    out.missingScript = { error: `${e.name}: ${e.message}`, ms: performance.now() - t0 };
  }
  setPoolWorkerUrl(null);

  // a pool thread that dies: the next job is an error, not a hang, and the pool stays refused
  const rt = await Runtime.create({ build: 'simd-mt', threads: 3, spin: 100 });
  const t = rt.alloc([4096]);
  rt.pool._killWorkerForTest(2);
  t0 = performance.now();
  const attempt = () => {
    try { rt.run('f32_relu_fwd', 1e9, [t.ptr, t.ptr, 4096], 3); return null; } catch (e) { return `${e.name}: ${e.message}`; }
  };
  out.died = { first: attempt(), ms: performance.now() - t0, second: attempt() };
  await rt.close();
  return out;
}

probe().then((r) => self.postMessage(r), (e) => self.postMessage({ failed: `${e.name}: ${e.message}\n${e.stack}` }));
