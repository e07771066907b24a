// A read-only --out / --report is refused before training (src/cli/paths.ts checkWritable). Root may
// write any file, so the permission check (fs access W_OK) is mocked to answer as it does for a
// user without write permission on the file; paths.test.ts checks it for real when not root.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempDir } from './helpers.js';

const denied = vi.hoisted(() => new Set<string>());
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const access = async (path: string, mode?: number) => {
    if (denied.has(String(path)) && mode !== undefined && (mode & fs.constants.W_OK)) {
      throw Object.assign(new Error(`EACCES: permission denied, access '${path}'`), { code: 'EACCES' });
    }
    return fs.access(path, mode);
  };
  return { ...fs, access, default: { ...fs, access } };
});

const { checkWritable } = await import('../../src/cli/paths.js');
const { trainCommand } = await import('../../src/cli/train_command.js');
const { CliError } = await import('../../src/cli/errors.js');

const dir = tempDir();
const p = (f: string) => join(dir, f);

describe('a file the user may not write', () => {
  it('--out and --report are refused with exit code 2 and the fix; the file is left as it was', async () => {
    writeFileSync(p('ro.wnn'), 'keep me');
    writeFileSync(p('ro.html'), 'keep me too');
    writeFileSync(p('d.csv'), 'text,label\na,x\nb,y\n');
    denied.add(p('ro.wnn')); denied.add(p('ro.html'));
    const cases: [string[], string][] = [
      [['--out', p('ro.wnn')], `wasmnn: --out ${p('ro.wnn')} exists and is read-only (you have no write permission on it); make it writable (chmod u+w ${p('ro.wnn')}) if it may be replaced, or pick another --out`],
      [['--out', p('ok.wnn'), '--report', p('ro.html')], `wasmnn: --report ${p('ro.html')} exists and is read-only (you have no write permission on it); make it writable (chmod u+w ${p('ro.html')}) if it may be replaced, or pick another --report`],
    ];
    for (const [args, message] of cases) {
      let err: unknown = null;
      try { await trainCommand([p('d.csv'), ...args, '--quiet']); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(CliError);
      expect((err as InstanceType<typeof CliError>).exitCode).toBe(2);
      expect((err as Error).message).toBe(message);
    }
    expect(readFileSync(p('ro.wnn'), 'utf8')).toBe('keep me');
    expect(readFileSync(p('ro.html'), 'utf8')).toBe('keep me too');
    // quantize uses the same check
    await expect(checkWritable(p('ro.wnn'), '--out')).rejects.toMatchObject({ exitCode: 2 });
    // a writable file passes
    writeFileSync(p('rw.wnn'), 'x');
    await expect(checkWritable(p('rw.wnn'), '--out')).resolves.toBeUndefined();
  });
});
