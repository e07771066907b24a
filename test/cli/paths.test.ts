// Where the CLI writes (src/cli/paths.ts, src/io/node.ts): an output that is an input or another
// output is refused whatever the spelling (relative, '..', a symbolic or a hard link); a replaced
// file keeps its permission bits; a read-only --out is refused (tested for real when not root:
// root may write anything; test/cli/readonly.test.ts covers it with a mocked access check).
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDistinctPaths, checkWritable, pathIdentity, type NamedPath } from '../../src/cli/paths.js';
import { CliError } from '../../src/cli/errors.js';
import { writeFileAtomic } from '../../src/io/node.js';
import { Progress } from '../../src/cli/progress.js';
import { tempDir } from './helpers.js';

const dir = tempDir();
const p = (f: string) => join(dir, f);
writeFileSync(p('data.csv'), 'text,label\na,x\n');
mkdirSync(p('sub'));

const input = (path: string): NamedPath => ({ name: `DATA ${path}`, path, what: 'the training data', output: false });
const output = (path: string): NamedPath => ({ name: `--out ${path}`, path, what: 'the model', output: true, fix: 'pick another --out, e.g. model.wnn' });

async function refusal(paths: NamedPath[]): Promise<CliError | null> {
  try { await checkDistinctPaths(paths); return null; } catch (e) { expect(e).toBeInstanceOf(CliError); return e as CliError; }
}

describe('an output may not be an input or another output', () => {
  it('the same file however it is named: relative, through .., a symbolic link, a hard link', async () => {
    symlinkSync(p('data.csv'), p('link.csv'));
    linkSync(p('data.csv'), p('hard.csv'));
    for (const name of [p('data.csv'), relative(process.cwd(), p('data.csv')), p('sub/../data.csv'), p('nothere/../data.csv'), p('link.csv'), p('hard.csv')]) {
      const e = await refusal([input(p('data.csv')), output(name)]);
      expect(e?.exitCode, name).toBe(2);
      expect(e?.message).toBe(`wasmnn: --out ${name} and DATA ${p('data.csv')} are the same file: the model would replace the training data; pick another --out, e.g. model.wnn`);
    }
    // a file that does not exist yet, through a symbolic link to its directory
    symlinkSync(p('sub'), p('sublink'));
    const e = await refusal([output(p('sub/new.wnn')), { name: '--report x', path: p('sublink/new.wnn'), what: 'the report', output: true, fix: 'pick another --report' }]);
    expect(e?.message).toMatch(/^wasmnn: --report x and --out .*sub\/new\.wnn are the same file: the report would replace the model; pick another --report$/);
    expect((await pathIdentity(p('sublink/new.wnn'))).key).toBe((await pathIdentity(p('sub/new.wnn'))).key);
  });

  it('different files, and one file read twice, are fine', async () => {
    expect(await refusal([input(p('data.csv')), output(p('model.wnn')), output(p('sub/model.wnn'))])).toBeNull();
    expect(await refusal([input(p('data.csv')), { ...input(p('data.csv')), name: '--test x' }, output(p('m.wnn'))])).toBeNull();
  });
});

describe('replacing a file keeps its permission bits', () => {
  it('a 0600 file stays 0600, a 0444 one 0444, a 0755 one 0755; a new file is made as before (0644 less the umask)', async () => {
    for (const mode of [0o600, 0o444, 0o755, 0o640]) {
      const f = p(`mode-${mode.toString(8)}.bin`);
      writeFileSync(f, 'old');
      chmodSync(f, mode);
      await writeFileAtomic(f, 'new contents');
      expect(readFileSync(f, 'utf8')).toBe('new contents');
      expect(statSync(f).mode & 0o7777, mode.toString(8)).toBe(mode);
    }
    const umask = process.umask();
    await writeFileAtomic(p('fresh.bin'), 'x');
    expect(statSync(p('fresh.bin')).mode & 0o777).toBe(0o644 & ~umask);
  });
});

// root may write any file: there the refusal is tested with a mocked access check (readonly.test.ts)
const root = process.getuid?.() === 0;
describe.skipIf(root)('a read-only --out or --report (as a user without write permission)', () => {
  it('is refused with exit code 2, naming the fix', async () => {
    writeFileSync(p('ro.wnn'), 'model');
    chmodSync(p('ro.wnn'), 0o444);
    let err: unknown = null;
    try { await checkWritable(p('ro.wnn'), '--out'); } catch (e) { err = e; }
    expect((err as CliError).exitCode).toBe(2);
    expect((err as CliError).message).toBe(`wasmnn: --out ${p('ro.wnn')} exists and is read-only (you have no write permission on it); make it writable (chmod u+w ${p('ro.wnn')}) if it may be replaced, or pick another --out`);
    chmodSync(p('ro.wnn'), 0o644);
    await expect(checkWritable(p('ro.wnn'), '--out')).resolves.toBeUndefined();
  });
});

describe('the progress bar and an interruption message', () => {
  it('a bar drawn at 0% (Ctrl-C before the first batch) is ended before the message', () => {
    let out = '';
    const sink = { write: (s: string) => { out += s; }, isTTY: true, columns: 100 };
    const bar = new Progress('tty', sink, 20, 100, 10);
    bar.onEpochBegin(3);
    expect(out).toMatch(/^\rEpoch 4\/20 \[\.+\] {3}0%\x1b\[K$/);
    bar.breakLine();
    expect(out.endsWith('\n')).toBe(true);
    // once ended (the epoch's line, or breakLine), no blank line is added
    const before = out;
    bar.breakLine();
    expect(out).toBe(before);
    bar.onEpochBegin(4);
    bar.onBatchEnd(0, { loss: 1, accuracy: 0.5, size: 10 });
    bar.onEpochEnd(4, { loss: 1, accuracy: 0.5 });
    const ended = out;
    bar.breakLine();
    expect(out).toBe(ended);
  });
});
