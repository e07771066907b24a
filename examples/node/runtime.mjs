// The runtime on its own: start it, look at what it chose, run a few kernels in a step.
// node examples/node/runtime.mjs   (after npm install)
import { init, env, memory, kernels, shutdown } from '../../dist/index.js';

const rt = await init();
console.log('runtime:', env());

const x = rt.fromArray([-2, -0.5, 0, 0.5, 2]);
const out = rt.step(() => {
  const y = rt.temp(x.shape);
  kernels.unaryForward(rt, 'gelu', x, y);
  const dy = rt.temp(x.shape).fill(1);
  const dx = rt.temp(x.shape);
  kernels.unaryBackward(rt, 'gelu', x, y, dy, dx);
  return { gelu: Array.from(y.f32()), dgelu: Array.from(dx.f32()) };
});
console.log(out);
console.log('memory:', memory());
await shutdown();
