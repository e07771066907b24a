// Bundles (npm run build:bundle, after tsc has written dist/): one minified ES module per entry in
// dist/bundle/, each self-contained (no shared chunks), types from dist/*.d.ts.
//   wasmnn.js          the full library (browsers; node uses dist/index.js)
//   worker.js          the node thread-pool worker the full library starts (new URL('./worker.js', import.meta.url))
//   web-worker.js      the same for Web Worker pools in cross-origin isolated pages
//   infer.js           wasmnn/infer: load a .wnn, tokenize, predict (pages, Web Workers)
//   infer-workerd.js   wasmnn/infer for Cloudflare Workers: imports build/wasmnn-infer.wasm as a module
//   browser.js         wasmnn/browser: a page's entry (inference on the page, startTraining)
//   train-worker.js    wasmnn/train-worker: the training Worker browser.js starts (new URL('./train-worker.js', import.meta.url))
// Scripts that a bundle starts by URL (worker.js, web-worker.js, train-worker.js) sit beside it.
// The bundles sit two levels below the package root, like dist/runtime/, so the default wasm URLs
// (new URL('../../build/wasmnn-simd.wasm', import.meta.url), one literal per build) still find build/.
// Those URLs and the Worker starts (new Worker(new URL('./train-worker.js', import.meta.url), { type:
// 'module', ... }) as one expression) stay in these forms through terser: they are what a user's
// bundler (Vite, webpack) follows to emit the .wasm files and bundle the Workers
// (test/env/bundlers.test.ts).
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import terser from '@rollup/plugin-terser';

const node = /^node:/;
const wasm = /\.wasm$/;

/** Entries: [input in dist/, output name in dist/bundle/]. Inputs that tsc has not produced are skipped. */
export const ENTRIES = [
  ['dist/index.js', 'wasmnn.js'],
  ['dist/runtime/worker.js', 'worker.js'],
  ['dist/runtime/web-worker.js', 'web-worker.js'],
  ['dist/entries/infer_page.js', 'infer.js'],
  ['dist/entries/infer_workerd.js', 'infer-workerd.js'],
  ['dist/browser/index.js', 'browser.js'],
  ['dist/browser/train-worker.js', 'train-worker.js'],
];

/**
 * The wasmnn/infer bundles run on one thread: runtime's import of the thread pool (runtime/pool)
 * resolves to runtime/pool_absent instead, whose ThreadPool.unavailable makes Runtime.create run
 * one thread, as on a host without threads (1.6 KB gzip of the 60 KB budget). In dist/ (.js) and,
 * for the size test, in src/ (.ts).
 */
const withoutThreadPool = {
  name: 'wasmnn-infer-without-thread-pool',
  resolveId(id, importer) {
    if (id !== './pool.js' || !importer || !/[\\/]runtime[\\/]runtime\.[jt]s$/.test(importer)) return null;
    return resolve(dirname(importer), `pool_absent${importer.slice(-3)}`);
  },
};

/** Rollup options of one bundle (the size test builds the same bundles from src/ with these). */
export function bundleOptions(input, file, plugins = []) {
  return {
    input,
    plugins: /(^|[\\/])infer(-workerd)?\.js$/.test(file) ? [withoutThreadPool, ...plugins] : plugins,
    // node-only modules stay dynamic imports the browser never reaches; the workerd .wasm is
    // imported as a module by the Worker's own bundler (wrangler) or by workerd
    external: (id) => node.test(id) || wasm.test(id),
    output: {
      file,
      format: 'es',
      sourcemap: true,
      inlineDynamicImports: true,
      // ascii_only: V8 scans the bundle as one-byte source. Short lines: node prints the source
      // line of an uncaught error's throw site, and one 97 KB line buried the message; a newline
      // where a semicolon would go costs about 40 bytes of gzip, and no line (string literals
      // aside) passes 400 characters. The comments on nodeModule's import() stay (webpackIgnore,
      // @vite-ignore): page builds then leave the node-only import alone, without a note
      plugins: [terser({ ecma: 2020, module: true, format: { ascii_only: true, semicolons: false, max_line_len: 400, comments: /^\s*(webpackIgnore: true|@vite-ignore)\s*$/ } })],
    },
    onwarn(warning, warn) {
      if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return;
      warn(warning);
    },
  };
}

export default ENTRIES.filter(([input]) => existsSync(input)).map(([input, file]) => bundleOptions(input, `dist/bundle/${file}`));
