// The size budget of the inference path: wasmnn/infer minified (rollup + terser, the options of
// rollup.config.mjs, built here from src/ (src-bundle.ts) so the test sees the current code) plus the
// inference-only SIMD wasm it loads (build/wasmnn-infer.wasm), gzip -9, at most 60 KB, for pages and
// for Cloudflare Workers. The bundle must not pull
// in training code or node modules, and the minified bundle must predict the same bits as src/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { rollup, type RollupOutput } from 'rollup';
// @ts-expect-error: the rollup config is plain JavaScript
import { bundleOptions, ENTRIES } from '../../rollup.config.mjs';
import { init, shutdown } from '../../src/runtime/default.js';
import { Sequential } from '../../src/models/sequential.js';
import { TextVectorizer } from '../../src/text/vectorizer.js';
import { TextClassifier } from '../../src/classifier/text_classifier.js';
import { ARCHITECTURES } from '../../src/classifier/architectures.js';
import { fromSrc } from './src-bundle.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUDGET = 60 * 1024;
const WASM = join(root, 'build/wasmnn-infer.wasm');
/**
 * Modules the inference path must not contain: training, the full model, the file writer, node
 * code. (kernels/optim.ts and dropout.ts do contribute their kernel name lists: the manifest binds
 * every kernel of the build; the step wrappers are left out, which the size shows.)
 */
const FORBIDDEN = [/src\/models\//, /src\/optimizers\//, /src\/autograd/, /src\/losses/, /src\/metrics/, /src\/training\//,
  /src\/layers\//, /src\/initializers/, /src\/params/, /src\/random/, /src\/io\/(wnn|config|node)/, /src\/classifier\//, /src\/cli\//];

interface Built { code: string; modules: string[]; imports: string[]; dynamicImports: string[]; gzip: number }

async function build(entry: string, dir: string, name: string): Promise<Built> {
  const opts = bundleOptions(join(root, entry), join(dir, name), [fromSrc()]);
  const bundle = await rollup(opts);
  const { output } = (await bundle.write(opts.output)) as RollupOutput;
  await bundle.close();
  const chunk = output[0];
  return {
    code: chunk.code,
    modules: Object.entries(chunk.modules).filter(([, m]) => m.renderedLength > 0).map(([id]) => id.slice(root.length + 1)),
    imports: chunk.imports,
    dynamicImports: chunk.dynamicImports,
    gzip: gzipSync(chunk.code, { level: 9 }).length,
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

let pkg: string, dir: string;
let page: Built, workerd: Built;
const wasmGzip = gzipSync(readFileSync(WASM), { level: 9 }).length;

beforeAll(async () => {
  // a package as published: dist/bundle/*.js beside build/*.wasm
  pkg = mkdtempSync(join(tmpdir(), 'wasmnn-bundle-'));
  dir = join(pkg, 'dist/bundle');
  mkdirSync(join(pkg, 'build'), { recursive: true });
  copyFileSync(WASM, join(pkg, 'build/wasmnn-infer.wasm'));
  page = await build('src/entries/infer_page.ts', dir, 'infer.js');
  workerd = await build('src/entries/infer_workerd.ts', dir, 'infer-workerd.js');
  console.log([
    'inference path, gzip -9:',
    `  wasmnn/infer (page)          ${kb(page.gzip)} JS (${kb(page.code.length)} minified) + ${kb(wasmGzip)} wasm = ${kb(page.gzip + wasmGzip)} of ${kb(BUDGET)}`,
    `  wasmnn/infer (workerd)       ${kb(workerd.gzip)} JS (${kb(workerd.code.length)} minified) + ${kb(wasmGzip)} wasm = ${kb(workerd.gzip + wasmGzip)} of ${kb(BUDGET)}`,
  ].join('\n'));
}, 120_000);

afterAll(async () => {
  await shutdown();
  rmSync(pkg, { recursive: true, force: true });
});

describe('inference bundle size budget', () => {
  it('page and workerd inference paths are at most 60 KB gzip (JS + inference wasm)', () => {
    expect(page.gzip + wasmGzip).toBeLessThanOrEqual(BUDGET);
    expect(workerd.gzip + wasmGzip).toBeLessThanOrEqual(BUDGET);
  });

  it('pulls in no training code and no static node imports', () => {
    for (const b of [page, workerd]) {
      const bad = b.modules.filter((m) => FORBIDDEN.some((re) => re.test(m)));
      expect(bad).toEqual([]);
      expect(b.modules).toContain('src/entries/inference_model.ts');
    }
    expect(page.imports.filter((i) => !page.dynamicImports.includes(i))).toEqual([]);
    // the workerd entry imports exactly the inference-only single-thread build, as a module for wrangler to bundle
    expect(workerd.imports.filter((i) => !workerd.dynamicImports.includes(i)).map((i) => i.split(/[\\/]/).pop())).toEqual(['wasmnn-infer.wasm']);
    // node built-ins come through nodeModule's computed import() only, which page bundlers do not
    // follow (a literal 'node:...' specifier fails webpack and esbuild builds for browsers), with
    // the comments that silence webpack's and Vite's notes kept
    for (const b of [page, workerd]) {
      expect(b.dynamicImports).toEqual([]);
      expect(b.code.match(/\bimport\s*\([^)]*\)/g)).toEqual([expect.stringMatching(/^import\(\/\* webpackIgnore: true \*\/ \/\* @vite-ignore \*\/`node:\$\{\w+\}`\)$/)]);
    }
  });

  it('no shipped bundle names a node: module where a bundler would follow it', () => {
    // a string or a template literal without a ${} part: a specifier bundlers resolve
    const literal = /\bimport\s*\(\s*(\/\*.*?\*\/\s*)*(["']node:|`node:[^`$]*`)|\bfrom\s*["']node:|\brequire\s*\(\s*["']node:/;
    expect(literal.test("import(/* webpackIgnore: true */'node:fs')") && literal.test('import(`node:os`)') && !literal.test('import(`node:${e}`)')).toBe(true);
    const shipped = ENTRIES.map(([, file]) => join(root, 'dist/bundle', file)).filter((f) => !f.endsWith('/worker.js'));   // worker.js: node's pool thread
    for (const f of shipped) expect(literal.test(readFileSync(f, 'utf8')), f).toBe(false);
  });

  it('an uncaught error from the bundle in node prints a short source line, not the minified bundle', () => {
    // node prints the source line of the throw site: lines stay short (terser breaks them near 400
    // characters; a few data lines, such as the Unicode table, stay longer), so a missing file says
    // so in a few lines
    const script = join(pkg, 'missing.mjs');
    writeFileSync(script, "import { TextClassifier } from './dist/bundle/infer.js';\nawait TextClassifier.load('no-such.wnn');\n");
    const r = spawnSync(process.execPath, [script], { cwd: pkg, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Error: wasmnn: no model file at no-such\.wnn; check the path/);
    expect(r.stderr.length).toBeLessThan(2000);
    for (const b of [page, workerd]) {
      const lines = b.code.split('\n');
      expect(lines.length).toBeGreaterThan(500);
      expect(lines.filter((l) => l.length > 1000).length).toBeLessThanOrEqual(3);
    }
  });

  it('the READMEs quote the sizes measured here (within 1 KB)', () => {
    const js = page.gzip / 1024, wasm = wasmGzip / 1024;
    const near = (claimed: string | undefined, measured: number) => expect(Math.abs(Number(claimed) - measured), `${claimed} KB vs ${measured.toFixed(1)} KB`).toBeLessThanOrEqual(1);
    const worker = readFileSync(join(root, 'examples/worker/README.md'), 'utf8');
    const w = /about (\d+(?:\.\d+)?) KB gzip of\s+JavaScript plus the (\d+(?:\.\d+)?) KB gzip/.exec(worker);
    near(w?.[1], js);
    near(w?.[2], wasm);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const r1 = /`wasmnn\/infer`, (\d+(?:\.\d+)?) KB gzip with its wasm/.exec(readme);
    near(r1?.[1], js + wasm);
    const r2 = /inference only: ~(\d+(?:\.\d+)?) KB gzip of JS \+ (\d+(?:\.\d+)?) KB of wasm/.exec(readme);
    near(r2?.[1], js);
    near(r2?.[2], wasm);
  });

  it('the exports map sends browsers, workerd and node to the right build of each entry', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const bundleOf = (input: string) => `./dist/bundle/${(ENTRIES as [string, string][]).find(([i]) => i === input)![1]}`;
    expect(pkg.exports['./infer']).toEqual({
      types: './dist/infer.d.ts', workerd: bundleOf('dist/entries/infer_workerd.js'), worker: bundleOf('dist/entries/infer_page.js'),
      // node too gets the one-file bundle: importing it costs a few ms, the module tree of dist/ ~50
      browser: bundleOf('dist/entries/infer_page.js'), node: bundleOf('dist/entries/infer_page.js'), default: bundleOf('dist/entries/infer_page.js'),
    });
    expect(pkg.exports['.']).toMatchObject({ types: './dist/index.d.ts', browser: bundleOf('dist/index.js'), node: './dist/index.js' });
    // workerd and browsers must see their conditions before node's (bundlers may set several)
    for (const k of ['.', './infer']) expect(Object.keys(pkg.exports[k]).indexOf('node')).toBeGreaterThan(Object.keys(pkg.exports[k]).indexOf('browser'));
    expect(pkg.files).toContain('dist');
  });

  it('the minified bundle finds its inference wasm by its own URL and predicts the same float32 bits as the sources on the full wasm', async () => {
    await init({ build: 'simd' });   // the full kernels here, the inference-only set in the bundle: the same kernel code
    const a = ARCHITECTURES.lstm;
    const s = { ...a.defaults, maxLen: 20, vocabSize: 200, embeddingDim: 8, units: 8 };
    const texts = ['free money now', 'see you at the meeting', 'claim your prize', 'notes from today'];
    const vec = new TextVectorizer(a.vectorizer(s)).adapt(texts);
    const full = new TextClassifier(new Sequential(a.layers(s, vec.vocabularySize, 2), { seed: 3 }), vec, ['ham', 'spam']);
    const want = full.predictProbabilities(texts).data;
    const file = join(dir, 'model.wnn');
    writeFileSync(file, full.toBytes());
    const lib = await import(pathToFileURL(join(dir, 'infer.js')).href);
    await lib.init();   // no options: build/wasmnn-infer.wasm resolved against the bundle's URL
    const lite = await lib.TextClassifier.load(file);
    const got: Float32Array = lite.predictProbabilities(texts).data;
    expect(Array.from(new Uint32Array(got.buffer))).toEqual(Array.from(new Uint32Array(want.buffer)));
    expect(lib.env()).toMatchObject({ build: 'simd', threads: 1 });
    expect(lib.env().reason).toMatch(/the default of wasmnn\/infer/);   // not 'chosen by the caller': it chose nothing
    expect(lib.runtime().inferenceOnly).toBe(true);
    lite.dispose();
    await lib.shutdown();
    full.model.dispose();
  });

  it('the inference bundles leave the thread pool out: threads asked for run one thread and say why; a threaded build is refused', async () => {
    for (const b of [page, workerd]) {
      expect(b.modules).toContain('src/runtime/pool_absent.ts');
      expect(b.modules).not.toContain('src/runtime/pool.ts');
    }
    const lib = await import(pathToFileURL(join(dir, 'infer.js')).href);
    await lib.init({ threads: 2 });
    expect(lib.env()).toMatchObject({ build: 'simd', threads: 1 });
    expect(lib.env().reason).toBe("threads off: the wasmnn/infer bundles run on one thread (import from 'wasmnn' for a thread pool)");
    expect(lib.runtime().inferenceOnly).toBe(true);   // the inference wasm, not the full build 'auto' would otherwise fetch
    await lib.shutdown();
    await expect(lib.Runtime.create({ build: 'simd-mt' })).rejects.toThrow(/cannot run the 'simd-mt' build here: threads off: the wasmnn\/infer bundles run on one thread/);
  });
});
