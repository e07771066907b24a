// The body of a pool thread, shared by the node worker (worker.js) and the browser Web Worker
// (web-worker.js). Plain JS on purpose: worker entry files must load without a TypeScript step.
// It instantiates the same module on the same shared memory, then loops: wait for the job
// counter to move, run its (ith, nth) share of the kernel, count itself done. No message per
// job: the control block (pool-layout.ts, whose numbers arrive as `layout`) is the protocol.

/**
 * Runs pool thread `ith` until the pool stops it. `ready()` is called once the thread can take
 * jobs; `exitForTest()` when the caller asks this thread to die as if it had crashed. Whatever
 * ends the loop (stop, crash, a throw) marks the thread dead in the control block, so a caller
 * joining on it gets an error instead of waiting for ever.
 */
export function runPoolThread({ module, memory, control, kernelNames, ith, spin, layout: L }, ready, exitForTest) {
  const ctl = new Int32Array(control);
  const args = new Float64Array(control, L.ARGS_BYTE_OFFSET, L.MAX_ARGS);
  const msg = new Uint8Array(control, L.MSG_BYTE_OFFSET, L.MSG_BYTES);
  try {
    // Read the job counter before saying ready: a job posted between 'ready' and the first read
    // would otherwise be missed and the caller would wait for ever.
    let seen = Atomics.load(ctl, L.SEQ);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const fns = kernelNames.map((n) => instance.exports[n]);
    ready();
    for (;;) {
      let s;
      let k = 0;
      while ((s = Atomics.load(ctl, L.SEQ)) === seen) {
        if (++k > spin) { Atomics.wait(ctl, L.SEQ, seen); k = 0; }
      }
      seen = s;
      const kernel = Atomics.load(ctl, L.KERNEL);
      if (kernel === L.STOP_KERNEL) return;
      if (kernel === L.EXIT_KERNEL) {
        if (Atomics.load(ctl, L.NARGS) === ith) { exitForTest(); return; }
        continue;
      }
      const nth = Atomics.load(ctl, L.NTH);
      if (ith >= nth) continue;
      try {
        call(fns[kernel], Atomics.load(ctl, L.NARGS), args, ith, nth);
      } catch (e) {
        if (Atomics.compareExchange(ctl, L.ERROR, 0, ith + 1) === 0) {
          const text = new TextEncoder().encode(`${kernelNames[kernel]}: ${e && e.message ? e.message : e}`).slice(0, L.MSG_BYTES);
          msg.fill(0);
          msg.set(text);
        }
      }
      if (Atomics.add(ctl, L.DONE, 1) + 1 === nth - 1) Atomics.notify(ctl, L.DONE);
    }
  } finally {
    markDead(ctl, L, ith);
  }
}

/** Sets this thread's bit in DEAD and wakes a joining caller. */
export function markDead(ctl, L, ith) {
  Atomics.or(ctl, L.DEAD, 1 << ith);
  Atomics.notify(ctl, L.DONE);
}

function call(fn, n, a, t, nt) {
  switch (n) {
    case 0: return fn(t, nt);
    case 1: return fn(a[0], t, nt);
    case 2: return fn(a[0], a[1], t, nt);
    case 3: return fn(a[0], a[1], a[2], t, nt);
    case 4: return fn(a[0], a[1], a[2], a[3], t, nt);
    case 5: return fn(a[0], a[1], a[2], a[3], a[4], t, nt);
    case 6: return fn(a[0], a[1], a[2], a[3], a[4], a[5], t, nt);
    case 7: return fn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], t, nt);
    case 8: return fn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], t, nt);
    default: {
      const list = Array.from(a.subarray(0, n));
      list.push(t, nt);
      return fn(...list);
    }
  }
}
