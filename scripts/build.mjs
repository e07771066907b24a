// The build: `npm run build` (always, from an empty dist/) and `npm test` / `npm run bench`
// (`--if-changed`: skipped when nothing it reads changed since the last complete build).
//
//   wasm   six asc compiles: build/wasmnn-{simd,simd-mt,simd-fma,simd-fma-mt,infer,ref}.wasm
//   host   tsc -p tsconfig.build.json (dist/), then rollup (dist/bundle/), which reads dist/ only
//
// The compiles are independent single-threaded processes, so they run side by side, as many at a
// time as the machine has cores (the longest first). A complete build writes the fingerprint of its
// inputs (sources, configs, the lock file) to build/.inputs.sha256; `--if-changed` compares against
// it and checks that every output is there. A failed or interrupted build leaves no fingerprint, so
// the next run builds again.
//
//   node scripts/build.mjs [--if-changed] [--dry-run] [--jobs N]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FINGERPRINT_FILE = join('build', '.inputs.sha256');

// what the build reads: directories (walked) and single files, relative to the package root
export const INPUTS = [
  'assembly', 'src', 'scripts/build.mjs', 'asconfig.json', 'asconfig.infer.json', 'asconfig.ref.json',
  'tsconfig.json', 'tsconfig.build.json', 'rollup.config.mjs', 'package.json', 'package-lock.json',
];

const node = (script, ...args) => [process.execPath, [join(ROOT, script), ...args]];
const asc = (...args) => node('node_modules/assemblyscript/bin/asc.js', ...args);

// one step per process; a task is steps run one after another. Seconds are what each took on the
// development machine (2 cores), used only to start the longest first.
export const TASKS = [
  { name: 'wasm simd-mt', seconds: 42, outputs: ['build/wasmnn-simd-mt.wasm'], steps: [asc('--config', 'asconfig.json', '--target', 'simd-mt')] },
  { name: 'wasm simd-fma-mt', seconds: 42, outputs: ['build/wasmnn-simd-fma-mt.wasm'], steps: [asc('--config', 'asconfig.json', '--target', 'simd-fma-mt')] },
  { name: 'wasm simd', seconds: 34, outputs: ['build/wasmnn-simd.wasm'], steps: [asc('--config', 'asconfig.json', '--target', 'simd')] },
  { name: 'wasm simd-fma', seconds: 34, outputs: ['build/wasmnn-simd-fma.wasm'], steps: [asc('--config', 'asconfig.json', '--target', 'simd-fma')] },
  {
    name: 'host (tsc, then rollup)', seconds: 32, outputs: ['dist/index.js', 'dist/cli/main.js', 'dist/bundle/wasmnn.js', 'dist/bundle/infer.js', 'dist/bundle/infer-workerd.js', 'dist/bundle/browser.js', 'dist/bundle/train-worker.js'],
    steps: [node('node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'), node('node_modules/rollup/dist/bin/rollup', '-c', 'rollup.config.mjs', '--silent')],
  },
  { name: 'wasm infer', seconds: 15, outputs: ['build/wasmnn-infer.wasm'], steps: [asc('--config', 'asconfig.infer.json')] },
  { name: 'wasm ref', seconds: 3, outputs: ['build/wasmnn-ref.wasm'], steps: [asc('--config', 'asconfig.ref.json')] },
].sort((a, b) => b.seconds - a.seconds);

function* files(root, path) {
  const full = join(root, path);
  if (!existsSync(full)) return;
  if (!statSync(full).isDirectory()) { yield path; return; }
  for (const entry of readdirSync(full).sort()) yield* files(root, join(path, entry));
}

/** sha256 over the names and bytes of every input file: a change, a new file or a removed one changes it */
export function inputsFingerprint(root = ROOT, inputs = INPUTS) {
  const hash = createHash('sha256');
  for (const input of inputs) {
    for (const path of files(root, input)) {
      const name = path.split(sep).join('/');
      const bytes = readFileSync(join(root, path));
      hash.update(`${name}\0${bytes.length}\0`).update(bytes);
    }
  }
  return hash.digest('hex');
}

/** why a build is needed, or null when the last complete build is current */
export function staleReason(root = ROOT, tasks = TASKS, inputs = INPUTS) {
  const stamp = join(root, FINGERPRINT_FILE);
  if (!existsSync(stamp)) return 'no complete build yet';
  const missing = tasks.flatMap((t) => t.outputs).find((o) => !existsSync(join(root, o)));
  if (missing) return `${missing} is missing`;
  if (readFileSync(stamp, 'utf8').trim() !== inputsFingerprint(root, inputs)) return 'the sources changed';
  return null;
}

function run([cmd, args], log) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (out.trim()) log(out.trimEnd());
      if (code === 0) resolve();
      else reject(new Error(`${relative(ROOT, args[0])} ${args.slice(1).join(' ')} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** every build starts here: no fingerprint (until it completes) and an empty dist/, so no stale file ships */
export function cleanOutputs(root = ROOT) {
  rmSync(join(root, FINGERPRINT_FILE), { force: true });
  rmSync(join(root, 'dist'), { recursive: true, force: true });
}

async function build(jobs) {
  const t0 = performance.now();
  cleanOutputs();
  const fingerprint = inputsFingerprint();   // taken before compiling: an edit during the build makes the next run build again
  const queue = [...TASKS];
  let failed = null;
  const worker = async () => {
    for (let task; !failed && (task = queue.shift());) {
      const t = performance.now();
      try {
        for (const step of task.steps) await run(step, (text) => console.log(`[${task.name}]\n${text}`));
      } catch (e) {
        failed ??= e;
        return;
      }
      console.log(`build: ${task.name} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, worker));
  if (failed) throw failed;
  const tmp = join(ROOT, `${FINGERPRINT_FILE}.tmp`);
  writeFileSync(tmp, `${fingerprint}\n`);
  renameSync(tmp, join(ROOT, FINGERPRINT_FILE));
  console.log(`build: done in ${((performance.now() - t0) / 1000).toFixed(1)} s (${jobs} at a time)`);
}

async function main(argv) {
  const ifChanged = argv.includes('--if-changed'), dryRun = argv.includes('--dry-run');
  const j = argv.indexOf('--jobs');
  const jobs = j >= 0 ? Number(argv[j + 1]) : availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`build: --jobs takes a whole number >= 1, got ${argv[j + 1]}`);
  const unknown = argv.filter((a, i) => !['--if-changed', '--dry-run', '--jobs'].includes(a) && argv[i - 1] !== '--jobs');
  if (unknown.length) throw new Error(`build: unknown option ${unknown[0]}; it takes --if-changed, --dry-run, --jobs N`);
  if (ifChanged) {
    const reason = staleReason();
    if (!reason) { console.log('build: up to date (the sources are those of the last complete build); npm run build forces one'); return; }
    console.log(`build: building (${reason})`);
  }
  if (dryRun) { console.log(`build: would clean dist/ and run ${TASKS.map((t) => t.name).join(', ')}, ${jobs} at a time`); return; }
  await build(jobs);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => { console.error(e.message); process.exitCode = 1; });
}
