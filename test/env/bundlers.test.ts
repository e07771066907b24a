// The package as a bundler's user gets it: a copy of the files npm would install (package.json,
// dist/bundle/, the shipped build/*.wasm) in node_modules/wasmnn of a scratch project, and a page that
// imports `wasmnn/browser` (startTraining) and `wasmnn` (init, fit on the page):
// - `vite build`: the training Worker and the pool thread script are bundled as worker entries (not
//   copied as plain files whose own relative URLs lead nowhere), the wasm builds are emitted, and the
//   built page, served cross-origin isolated, trains on 2 threads (simd-mt) and runs the full library;
// - the Vite dev server (dependency pre-bundling on, the default): the full library's init() finds
//   its kernels (a template-literal URL used to become .../.vite/deps/undefined);
// - startTraining: a function option (onStart) is a clear error, an explicit `wasm` URL is the one
//   the Worker fetches (relative to the page);
// - webpack 5 (a production build with no configuration but the entry): the same page, the same
//   results; node-only imports do not break it;
// - a relative wasm URL given to init() is the page's (as for fetch()), not the bundled module's;
// - export conditions: `worker` gets the plain page build of wasmnn/infer, `workerd` the build that
//   imports its .wasm as a module; the tarball has a LICENSE and no stray build output (a build
//   starts from an empty dist/: test/env/build-script.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { CHROMIUM_MISSING, HAVE_CHROMIUM, launchChromium } from './chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const COI = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const HTML = '<!doctype html><html><body><pre id="out"></pre><script type="module" src="/main.js"></script></body></html>\n';
// The page: each step's outcome in window.__results, then __done.
const MAIN = `
import { init, env, shutdown, Sequential, Dense } from 'wasmnn';
import { startTraining } from 'wasmnn/browser';
const results = {};
const outcome = async (job) => { try { await job.result; return 'resolved'; } catch (e) { return e.name + ': ' + e.message; } };
(async () => {
  try {
    await init();
    const m = new Sequential([new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const h = await m.fit([[1, 0], [0, 1], [1, 1], [0, 0]], [0, 1, 1, 0], { epochs: 2 });
    results.full = { env: env(), losses: h.history.loss.length };
    // a relative wasm URL is the page's, as for fetch() (not the bundled module's)
    await shutdown();
    results.relative = await init({ build: 'simd', wasm: { simd: 'elsewhere/init.wasm' } }).then(() => 'resolved', (e) => e.message);
  } catch (e) { results.full = { error: String(e && e.stack || e) }; }
  if (window.__train) {
    const csv = 'text,label\\n' + Array.from({ length: 40 }, (_, i) => i % 2 ? 'buy cheap pills now ' + i + ',spam' : 'meeting notes for thursday ' + i + ',ham').join('\\n');
    try {
      const job = startTraining(csv, { arch: 'bag', epochs: 1, threads: 2, seed: 1, buckets: 1000, embeddingDim: 4 });
      const kinds = new Set();
      job.onProgress((p) => kinds.add(p.kind));
      const trainEnv = await job.env;
      const { bytes, report } = await job.result;
      results.train = { env: trainEnv, bytes: bytes.length, kinds: [...kinds], labels: report.labels };
    } catch (e) { results.train = { error: e.name + ': ' + e.message }; }
    results.onStart = await outcome(startTraining(csv, { arch: 'bag', epochs: 1, onStart: () => {} }));
    results.wasm = await outcome(startTraining(csv, { arch: 'bag', epochs: 1, build: 'simd', wasm: { simd: 'elsewhere/kernels.wasm' } }));
  }
  window.__results = results;
  window.__done = true;
})();
`;

let scratch: string;

/** A scratch project with the package as npm installs it (a real copy: a link would not be a pre-bundled dependency). */
function makeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasmnn-bundlers-'));
  const pkg = join(dir, 'node_modules', 'wasmnn');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(ROOT, 'dist', 'bundle'), join(pkg, 'dist', 'bundle'), { recursive: true, filter: (f) => !f.endsWith('.map') });
  for (const f of PKG.files as string[]) if (f.startsWith('build/')) cpSync(join(ROOT, f), join(pkg, f));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  writeFileSync(join(dir, 'index.html'), HTML);
  writeFileSync(join(dir, 'main.js'), MAIN);
  return dir;
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** A static server of `dir` with COOP/COEP (the built page must be cross-origin isolated to thread); records 404s. */
async function serveStatic(dir: string): Promise<{ url: string; missing: string[]; close: () => Promise<void> }> {
  const missing: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(dir, path === '/' ? 'index.html' : decodeURIComponent(path));
    if (!file.startsWith(dir) || !existsSync(file) || !/\.(html|js|wasm)$/.test(file)) {
      if (path !== '/favicon.ico') missing.push(path);
      res.writeHead(404, COI);
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(file)], ...COI });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    missing,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function runPage(url: string, train: boolean, timeout: number): Promise<{ results: any; errors: string[] }> {
  const browser = await launchChromium();
  const errors: string[] = [];
  try {
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    if (train) await page.addInitScript(() => { (globalThis as any).__train = true; });
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as any).__done === true, null, { timeout });
    return { results: await page.evaluate(() => (globalThis as any).__results), errors };
  } finally {
    await browser.close();
  }
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'bundle', 'browser.js'))) throw new Error('test/env/bundlers.test.ts needs the bundles: run npm run build');
  scratch = makeProject();
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

if (!HAVE_CHROMIUM) console.warn(`test/env/bundlers.test.ts: the page runs are ${CHROMIUM_MISSING}`);

describe('vite build of a page using wasmnn/browser and wasmnn', () => {
  let out: string;
  let files: string[];

  beforeAll(async () => {
    const { build } = await import('vite');
    out = join(scratch, 'dist');
    await build({ root: scratch, configFile: false, logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
    files = readdirSync(join(out, 'assets'));
  }, 60_000);

  it('bundles the training Worker and its pool thread script as workers, and emits the wasm builds', () => {
    const names = files.filter((f) => f.endsWith('.js'));
    const js = names.map((f) => readFileSync(join(out, 'assets', f), 'utf8'));
    // the training Worker is a bundled entry (not a verbatim copy of dist/bundle/train-worker.js,
    // whose ../../build/ and ./web-worker.js URLs lead nowhere in the output)
    expect(js.some((code) => code.includes('training data must be CSV text')), `assets: ${files.join(', ')}`).toBe(true);
    const unresolved = names.filter((_, i) => /\.\.\/\.\.\/build\/wasmnn-|new URL\("\.\/(train-worker|web-worker)\.js",\s*import\.meta\.url\)/.test(js[i]));
    expect(unresolved, 'assets still holding the package-relative URLs').toEqual([]);
    // the pool thread script is bundled too (it answers { ready } with the thread's index)
    expect(js.some((code) => code.includes('ready:') && !code.includes('training data must be CSV text') && /Atomics\.wait/.test(code))).toBe(true);
    for (const build of ['simd', 'simd-mt']) expect(files.some((f) => new RegExp(`^wasmnn-${build}-[\\w-]+\\.wasm$`).test(f)), `${build} in ${files.join(', ')}`).toBe(true);
  });

  it.skipIf(!HAVE_CHROMIUM)('the built page runs the full library and trains in its Worker on 2 threads', async () => {
    const server = await serveStatic(out);
    try {
      const { results, errors } = await runPage(server.url, true, 50_000);
      expect(errors).toEqual([]);
      expect(results.full).toMatchObject({ losses: 2, env: { build: 'simd', threads: 1 } });
      expect(results.train, JSON.stringify(results.train)).toMatchObject({ env: { build: 'simd-mt', threads: 2, host: 'web-worker' }, labels: ['ham', 'spam'] });
      expect(results.train.kinds).toContain('epoch');
      expect(results.train.bytes).toBeGreaterThan(1000);
      // a function cannot be sent to the Worker: the error names the option
      expect(results.onStart).toMatch(/^TypeError: wasmnn: startTraining: option 'onStart' holds a function.*job\.env/);
      // the wasm option reaches the Worker, resolved against the page's URL
      expect(results.wasm).toContain(`404 Not Found from ${server.url}elsewhere/kernels.wasm`);
      expect(results.relative).toContain(`404 Not Found from ${server.url}elsewhere/init.wasm`);
      expect(server.missing.sort()).toEqual(['/elsewhere/init.wasm', '/elsewhere/kernels.wasm']);
    } finally {
      await server.close();
    }
  }, 60_000);
});

// webpack 5 as a web app's default config has it (Next.js, Angular and older create-react-app
// projects build with it): conditions browser/import, new URL(..., import.meta.url) as assets,
// new Worker(new URL(...)) as worker chunks. It fails on any literal node: specifier it meets
// (UnhandledSchemeError), so the library's node-only imports are computed (nodeModule).
describe('webpack build of the same page', () => {
  let out: string;
  let warnings: string[];

  beforeAll(async () => {
    const webpack = (await import('webpack')).default;
    out = join(scratch, 'webpack-out');
    const stats = await new Promise<any>((ok, fail) => webpack({
      mode: 'production', context: scratch, entry: './main.js', output: { path: out, clean: true }, performance: { hints: false },
    }, (err, s) => (err ? fail(err) : ok(s))));
    if (stats.hasErrors()) throw new Error(`webpack failed:\n${stats.toString('errors-only')}`);
    warnings = stats.toJson({ all: false, warnings: true }).warnings.map((w: { message: string }) => w.message);
    writeFileSync(join(out, 'index.html'), HTML.replace(' type="module"', ''));   // webpack's output is a classic script
  }, 120_000);

  it('builds without a warning and emits the wasm builds and the Workers', () => {
    expect(warnings).toEqual([]);
    const files = readdirSync(out);
    expect(files.filter((f) => f.endsWith('.wasm')).length, files.join(', ')).toBeGreaterThanOrEqual(2);
    const js = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(out, f), 'utf8'));
    expect(js.some((code) => code.includes('training data must be CSV text')), files.join(', ')).toBe(true);
    // no path of the build machine was baked in for the kernels or the Workers
    expect(js.filter((code) => code.includes(`file://${scratch}`) || code.includes('../../build/wasmnn-'))).toEqual([]);
  });

  it.skipIf(!HAVE_CHROMIUM)('the built page runs the full library and trains in its Worker on 2 threads', async () => {
    const server = await serveStatic(out);
    try {
      const { results, errors } = await runPage(server.url, true, 50_000);
      expect(errors).toEqual([]);
      expect(results.full, JSON.stringify(results.full)).toMatchObject({ losses: 2, env: { build: 'simd', threads: 1 } });
      expect(results.train, JSON.stringify(results.train)).toMatchObject({ env: { build: 'simd-mt', threads: 2, host: 'web-worker' }, labels: ['ham', 'spam'] });
      expect(results.onStart).toMatch(/option 'onStart' holds a function/);
      expect(results.wasm).toContain(`404 Not Found from ${server.url}elsewhere/kernels.wasm`);
      expect(results.relative).toContain(`404 Not Found from ${server.url}elsewhere/init.wasm`);
      expect(server.missing.sort()).toEqual(['/elsewhere/init.wasm', '/elsewhere/kernels.wasm']);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe.skipIf(!HAVE_CHROMIUM)('the Vite dev server (dependency pre-bundling)', () => {
  it("the full library's init() finds its kernels; startTraining runs", async () => {
    const { createServer: createViteServer } = await import('vite');
    const server = await createViteServer({
      root: scratch, configFile: false, logLevel: 'silent', server: { port: 0, host: '127.0.0.1', headers: COI },
    });
    try {
      await server.listen();
      const url = server.resolvedUrls!.local[0];
      const { results, errors } = await runPage(url, true, 45_000);
      expect(errors).toEqual([]);
      expect(results.full, JSON.stringify(results.full)).toMatchObject({ losses: 2, env: { build: 'simd' } });
      // and the training Worker (served unbundled from node_modules) still starts its 2 threads
      expect(results.train, JSON.stringify(results.train)).toMatchObject({ env: { build: 'simd-mt', threads: 2 }, labels: ['ham', 'spam'] });
      expect(results.onStart).toMatch(/option 'onStart' holds a function/);
    } finally {
      await server.close();
    }
  }, 60_000);
});

/** TypeScript's diagnostics of a snippet (lines of a use.ts file) compiled with these options. */
async function typeErrors(lines: string[], options: Record<string, unknown>, wholeProgram = false): Promise<string[]> {
  const ts = (await import('typescript')).default;
  const dir = mkdtempSync(join(tmpdir(), 'wasmnn-types-'));
  try {
    const file = join(dir, 'use.ts');
    writeFileSync(file, lines.join('\n'));
    const program = ts.createProgram([file], { target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, ...options });
    return ts.getPreEmitDiagnostics(program, wholeProgram ? undefined : program.getSourceFile(file))
      .map((d) => `${wholeProgram ? `${d.file?.fileName ?? ''}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("startTraining's option type", () => {
  it('has no onStart (a function cannot reach the Worker); wasm takes URLs', async () => {
    const ts = (await import('typescript')).default;
    expect(await typeErrors([
      `import { startTraining } from ${JSON.stringify(join(ROOT, 'src/browser/training.js'))};`,
      "// @ts-expect-error onStart is not a startTraining option",
      "startTraining('text,label\\n', { arch: 'bag', onStart: () => {} });",
      "startTraining('text,label\\n', { arch: 'bag', wasm: { simd: new URL('https://example.com/k.wasm'), 'simd-mt': '/k-mt.wasm' } });",
    ], { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], skipLibCheck: true, types: [] })).toEqual([]);
  }, 60_000);
});

describe('the published declarations (dist/*.d.ts)', () => {
  // a node project without lib "dom", and one with it, both with skipLibCheck off: wasmnn's
  // declarations compile in both, and a number is no wasm source
  for (const lib of [['lib.es2022.d.ts'], ['lib.es2022.d.ts', 'lib.dom.d.ts']]) {
    it(`compile under lib ${lib.join(' + ')} with skipLibCheck off`, async () => {
      const ts = (await import('typescript')).default;
      expect(await typeErrors([
        `import { init, Sequential, Dense, Runtime } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};`,
        `import { TextClassifier } from ${JSON.stringify(join(ROOT, 'dist/infer.js'))};`,
        'export async function main(): Promise<void> {',
        '  const rt: Runtime = await init({ threads: 1 });',
        '  const m = new Sequential([new Dense({ units: 2 })]);',
        '  m.build([3], rt);',
        '  // @ts-expect-error a number is not a wasm source',
        '  await init({ wasm: { simd: 42 } });',
        '  await TextClassifier.load(new Uint8Array(8));',
        '}',
      ], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, lib, skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] }, true)).toEqual([]);
    }, 60_000);
  }
});

describe('package.json exports and the tarball', () => {
  const resolveWith = (condition: string | null, specifier: string) => execFileSync(process.execPath,
    [...(condition ? [`--conditions=${condition}`] : []), '--input-type=module', '-e', `console.log(import.meta.resolve(${JSON.stringify(specifier)}))`],
    { cwd: scratch, encoding: 'utf8' }).trim();

  it("the generic 'worker' condition gets the page build of wasmnn/infer; 'workerd' the .wasm-module one", () => {
    expect(resolveWith('worker', 'wasmnn/infer')).toMatch(/\/node_modules\/wasmnn\/dist\/bundle\/infer\.js$/);
    expect(resolveWith('workerd', 'wasmnn/infer')).toMatch(/\/node_modules\/wasmnn\/dist\/bundle\/infer-workerd\.js$/);
    // wrangler resolves with workerd, worker and browser at once: the workerd build comes first
    const conditions = Object.keys(PKG.exports['./infer']);
    expect(conditions.indexOf('workerd')).toBeLessThan(conditions.indexOf('worker'));
    // and it loads and starts under node with the worker condition (it used to import a .wasm module)
    const ran = execFileSync(process.execPath, ['--conditions=worker', '--input-type=module', '-e',
      "const { init, env } = await import('wasmnn/infer'); await init(); console.log(env().build)"], { cwd: scratch, encoding: 'utf8' });
    expect(ran.trim()).toBe('simd');
  });

  it('the tarball has a LICENSE and no stray output', () => {
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the wasmnn authors\n/);
    expect(PKG.license).toBe('MIT');
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }));
    const paths: string[] = packed.files.map((f: { path: string }) => f.path);
    expect(paths).toContain('LICENSE');
    // every shipped dist/ directory is one tsc or rollup writes
    const dirs = new Set(paths.filter((p) => p.startsWith('dist/')).map((p) => p.split('/')[1]).filter((d) => !d.includes('.')));
    expect([...dirs].filter((d) => !existsSync(join(ROOT, 'src', d)) && d !== 'bundle')).toEqual([]);
  });
});
