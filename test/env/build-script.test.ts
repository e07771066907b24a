// scripts/build.mjs: `npm test` and `npm run bench` skip the build when nothing it reads changed
// since the last complete build; any change to a source, config or the lock file, a new file or a
// removed one, a missing output or an interrupted build makes it build again; `npm run build` always
// builds, from an empty dist/.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without declarations
import { FINGERPRINT_FILE, INPUTS, TASKS, cleanOutputs, inputsFingerprint, staleReason } from '../../scripts/build.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** a scratch package root with one file per input and every output of a complete build */
function scratchRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'wasmnn-build-'));
  dirs.push(root);
  const write = (p: string, text: string) => { mkdirSync(dirname(join(root, p)), { recursive: true }); writeFileSync(join(root, p), text); };
  write('assembly/index.ts', 'export function f(): i32 { return 1; }');
  write('assembly/core/mem.ts', 'export const A = 1;');
  write('src/index.ts', 'export const x = 1;');
  write('package.json', '{}');
  write('package-lock.json', '{}');
  for (const t of TASKS) for (const o of t.outputs) write(o, 'built');
  write(FINGERPRINT_FILE, `${inputsFingerprint(root)}\n`);
  return root;
}

describe('scripts/build.mjs', () => {
  it('npm test and npm run bench build only when needed; npm run build always does', () => {
    expect(PKG.scripts.test).toBe('node scripts/build.mjs --if-changed && vitest run');
    expect(PKG.scripts.bench).toMatch(/^node scripts\/build\.mjs --if-changed && /);
    expect(PKG.scripts.build).toBe('node scripts/build.mjs');
    expect(PKG.scripts.prepare).toBe('npm run build');
  });

  it('a complete build is current; every kind of change to an input makes it stale', () => {
    const root = scratchRoot();
    expect(staleReason(root)).toBeNull();
    const edits: [string, (r: string) => void][] = [
      ['an edited kernel', (r) => writeFileSync(join(r, 'assembly/core/mem.ts'), 'export const A = 2;')],
      ['a new host file', (r) => writeFileSync(join(r, 'src/extra.ts'), '')],
      ['a removed file', (r) => rmSync(join(r, 'assembly/core/mem.ts'))],
      ['a renamed file, same bytes', (r) => { rmSync(join(r, 'src/index.ts')); writeFileSync(join(r, 'src/main.ts'), 'export const x = 1;'); }],
      ['a new lock file (other tool versions)', (r) => writeFileSync(join(r, 'package-lock.json'), '{"v":2}')],
      ['a config that did not exist', (r) => writeFileSync(join(r, 'rollup.config.mjs'), '')],
    ];
    for (const [what, edit] of edits) {
      const r = scratchRoot();
      edit(r);
      expect(staleReason(r), what).toBe('the sources changed');
    }
    // the outputs are not inputs: writing them changes nothing
    writeFileSync(join(root, 'dist/index.js'), 'other');
    expect(staleReason(root)).toBeNull();
  });

  it('a missing output or a missing fingerprint (an interrupted build) means building again', () => {
    for (const t of TASKS) {
      const root = scratchRoot();
      rmSync(join(root, t.outputs[0]));
      expect(staleReason(root)).toBe(`${t.outputs[0]} is missing`);
    }
    const root = scratchRoot();
    cleanOutputs(root);   // what a build does first
    expect(existsSync(join(root, 'dist'))).toBe(false);
    expect(existsSync(join(root, FINGERPRINT_FILE))).toBe(false);
    expect(staleReason(root)).toBe('no complete build yet');
    expect(existsSync(join(root, 'build/wasmnn-simd.wasm'))).toBe(true);   // the wasm is overwritten, not removed
  });

  it('its inputs cover every source, config and the lock file of this package', () => {
    for (const p of ['assembly', 'src', 'asconfig.json', 'asconfig.infer.json', 'asconfig.ref.json', 'tsconfig.json', 'tsconfig.build.json', 'rollup.config.mjs', 'package.json', 'package-lock.json', 'scripts/build.mjs']) {
      expect(INPUTS, p).toContain(p);
      expect(existsSync(join(ROOT, p)), p).toBe(true);
    }
    // every shipped wasm is some task's output
    const outputs = TASKS.flatMap((t: { outputs: string[] }) => t.outputs);
    for (const f of PKG.files.filter((f: string) => f.endsWith('.wasm'))) expect(outputs).toContain(f);
  });

  it('bad options are refused by name', () => {
    const run = (...args: string[]) => {
      try { execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), ...args], { encoding: 'utf8', stdio: 'pipe' }); return ''; }
      catch (e) { return (e as { stderr: string }).stderr; }
    };
    expect(run('--jobs', '0', '--dry-run')).toMatch(/--jobs takes a whole number >= 1, got 0/);
    expect(run('--fast')).toMatch(/unknown option --fast; it takes --if-changed, --dry-run, --jobs N/);
  });
});
