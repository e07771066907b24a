// A pool thread under node (worker_threads). The loop itself is in pool-thread.js, shared with
// the browser's web-worker.js; see pool.ts for the caller's side.
import { parentPort, workerData } from 'node:worker_threads';
import { markDead, runPoolThread } from './pool-thread.js';

// process.exit() skips the loop's finally: mark the thread dead here too
process.on('exit', () => markDead(new Int32Array(workerData.control), workerData.layout, workerData.ith));

runPoolThread(workerData, () => parentPort.postMessage({ ready: workerData.ith }), () => process.exit(3));
