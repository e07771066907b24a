// Where the CLI writes, checked before any work: an output must not be an input or another output
// (a model saved over its own training data destroys it), and must be writable (checked now rather
// than after the training it would lose).
import { access, constants, open, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { dataError, usageError } from './errors.js';

/** A file or directory the command reads or writes, as the messages name it. */
export interface NamedPath {
  /** How the command line names it, e.g. "--out m.wnn", "DATA base.csv". */
  name: string;
  path: string;
  /** What it holds, e.g. "the model", "the training data". */
  what: string;
  /** Written by the command (else only read). */
  output: boolean;
  /** For outputs: what to do instead, e.g. "pick another --out, e.g. model.wnn". */
  fix?: string;
  /** A directory (the checkpoint directory), for the message's words. */
  directory?: boolean;
}

/**
 * A path's identity: its real path (symbolic links and '..' resolved, relative paths made
 * absolute), or for a file that does not exist yet its directory's real path plus its name; and
 * the device and inode of a file that exists, so that two names of one file (a hard link, a
 * case-insensitive file system) compare equal too.
 */
export async function pathIdentity(p: string): Promise<{ key: string; inode: string | null; directory: boolean }> {
  const abs = resolve(p);
  try {
    const real = await realpath(abs);
    const st = await stat(real);
    return { key: real, inode: `${st.dev}:${st.ino}`, directory: st.isDirectory() };
  } catch {
    try {
      return { key: join(await realpath(dirname(abs)), basename(abs)), inode: null, directory: false };
    } catch {
      return { key: abs, inode: null, directory: false };
    }
  }
}

/**
 * Refuses (a usage error, exit 2) two of `paths` that are the same file when at least one of them
 * is written: the write would destroy the other. Names both and says what to do.
 */
export async function checkDistinctPaths(paths: readonly NamedPath[]): Promise<void> {
  const ids = await Promise.all(paths.map((p) => pathIdentity(p.path)));
  for (let j = 1; j < paths.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = paths[i], b = paths[j];
      if (!a.output && !b.output) continue;   // reading one file twice is fine (DATA as --test)
      const same = ids[i].key === ids[j].key || (ids[i].inode !== null && ids[i].inode === ids[j].inode);
      if (!same) continue;
      // the one written (the later one of two outputs: the option more likely to be changed)
      const [w, o] = b.output ? [b, a] : [a, b];
      const kind = ids[i].directory || ids[j].directory || a.directory || b.directory ? 'path' : 'file';
      throw usageError(`${w.name} and ${o.name} are the same ${kind}: ${w.what} would replace ${o.what}; ${w.fix ?? 'pick another path'}`);
    }
  }
}

/**
 * Fails now, with a message that says what to do, where writing FILE after training would fail:
 * a directory there, an existing file without write permission (exit 2, like other mistakes in
 * the command line), a missing or unwritable directory (a file is created and removed in it, as
 * the atomic write will).
 */
export async function checkWritable(path: string, flag: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory()) throw usageError(`${flag} ${path} is a directory; name a file, e.g. ${join(path, flag === '--report' ? 'report.html' : 'model.wnn')}`);
  // the atomic write replaces a file by renaming over it, which the directory's permissions allow
  // even for a read-only file: a file its owner made read-only is refused here instead
  if (info) {
    try { await access(path, constants.W_OK); } catch {
      throw usageError(`${flag} ${path} exists and is read-only (you have no write permission on it); make it writable (chmod u+w ${shellQuote(path)}) if it may be replaced, or pick another ${flag}`);
    }
  }
  const dir = dirname(path);
  const probe = join(dir, `.${basename(path)}.${process.pid}.probe`);
  try {
    await (await open(probe, 'wx')).close();
    await rm(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `the directory ${dir} does not exist; create it first or pick another path`
      : code === 'ENOTDIR' ? `${dir} is not a directory; pick another path`
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `no permission to write in ${dir}; pick a writable location`
          : `${(e as Error).message}; pick another path`;
    throw dataError(`cannot write ${flag} ${path}: ${why} (checked before training, so no training time is lost)`);
  }
}

/** A word as a POSIX shell reads it back: bare when it is safe, else in single quotes. */
export function shellQuote(s: string): string {
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
