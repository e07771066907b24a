// Node-only file helpers: atomic writes and saving a model to a path. node: modules are imported
// when a function runs, so this file can sit in the main entry of browser and worker bundles.
import { encodeWnn, type WnnContentsIn } from './wnn.js';
import { nodeModule } from '../runtime/features.js';

/**
 * Writes bytes to path atomically: a uniquely named temp file in the same directory is written,
 * fsynced and renamed over path (then the directory is fsynced), so readers see the old file or
 * the new one, never a torn one, also after a crash. The temp file is removed if anything fails.
 * A file it replaces keeps its permission bits: the temp file gets the old file's mode before the
 * rename (else a private 0600 file would come back world-readable 0644, a read-only one writable).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new TypeError('wasmnn: writeFileAtomic needs a file path');
  const fs = await nodeModule<typeof import('node:fs/promises')>('fs/promises');
  const { dirname, basename, join } = await nodeModule<typeof import('node:path')>('path');
  const { randomBytes } = await nodeModule<typeof import('node:crypto')>('crypto');
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: Awaited<ReturnType<typeof fs.open>> | null = null;
  try {
    // the mode of the file being replaced (none when there is none, or it is no regular file)
    const old = await fs.stat(path).catch(() => null);
    handle = await fs.open(tmp, 'wx', 0o644);
    await handle.writeFile(bytes);
    if (old?.isFile()) await handle.chmod(old.mode & 0o7777);
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.rename(tmp, path);
  } catch (err) {
    if (handle) await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    const code = (err as { code?: string }).code;
    const why = code === 'ENOENT' ? `the directory ${dirname(path)} does not exist; create it or pick another path`
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `no permission to write in ${dirname(path)}; pick a writable location`
        : code === 'EISDIR' ? 'it is a directory; name a file in it instead'
          : code === 'ENOTDIR' ? `${dirname(path)} is not a directory; pick another path`
            : (err as Error).message;
    throw new Error(`wasmnn: could not write ${path}: ${why}`, { cause: err });
  }
  // make the rename itself durable (best effort: some systems cannot open a directory)
  const dir = await fs.open(dirname(path), 'r').catch(() => null);
  if (dir) { await dir.sync().catch(() => {}); await dir.close().catch(() => {}); }
}

/** encodeWnn + writeFileAtomic. */
export async function saveModel(path: string, c: WnnContentsIn): Promise<void> {
  await writeFileAtomic(path, encodeWnn(c));
}
