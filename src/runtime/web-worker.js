// A pool thread in a browser: a module Web Worker started by pool.ts inside a cross-origin
// isolated context (a dedicated Worker: a page's main thread cannot block). Its first message
// carries the compiled module, the shared memory and the control block; it answers
// { ready } or { error }, then runs jobs until the pool stops it (pool-thread.js).
import { runPoolThread } from './pool-thread.js';

self.onmessage = (event) => {
  self.onmessage = null;
  const data = event.data;
  try {
    runPoolThread(data, () => self.postMessage({ ready: data.ith }), () => {});
  } catch (e) {
    self.postMessage({ error: e && e.message ? e.message : String(e) });
  }
  self.close();
};
