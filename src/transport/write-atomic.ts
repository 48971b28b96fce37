/**
 * Writing a file on the operator's machine (`-o FILE` reports, `collect -o FILE` snapshots)
 * atomically and safely in a directory others may write to: the content goes to a temp file in
 * the same directory, created EXCLUSIVELY (O_CREAT|O_EXCL, plus O_NOFOLLOW) under a random name,
 * then renamed over the final name. Whatever was planted at a temp name (a symlink, a file) makes
 * that name fail with EEXIST and a fresh name is tried: the write is never redirected. rename(2)
 * replaces a symlink at the final name itself, never its target. A failed write removes its temp
 * file.
 */
import {randomBytes} from 'node:crypto';
import {constants} from 'node:fs';
import {open, rename, unlink, type FileHandle} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';

/** How many fresh temp names are tried before giving up (each collision is someone's file). */
const ATTEMPTS = 16;

export interface WriteAtomicOptions {
  /** File mode of the new file (before umask); default 0o666, like writeFile. Snapshots use 0o600. */
  mode?: number;
  /** Temp name generator (tests plant files at the names it returns); default `.NAME.RANDOM.tmp`. */
  tempName?: () => string;
}

/** Write `data` to `path` through an exclusively created temp file and a rename. */
export async function writeAtomic(path: string, data: string | Uint8Array, opts: WriteAtomicOptions = {}): Promise<void> {
  const dir = dirname(path);
  const name = opts.tempName ?? (() => `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  let lastErr: unknown;
  for (let i = 0; i < ATTEMPTS; i++) {
    const tmp = join(dir, name());
    let fh: FileHandle;
    try {
      fh = await open(tmp, flags, opts.mode ?? 0o666);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' || (e as NodeJS.ErrnoException).code === 'ELOOP') {
        lastErr = e;
        continue; // something is already there: never touch it, pick another name
      }
      throw e;
    }
    try {
      await fh.writeFile(data);
      await fh.sync();
      await fh.close();
      await rename(tmp, path);
    } catch (e) {
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    return;
  }
  const err = new Error(`cannot create a temporary file next to ${path}: ${ATTEMPTS} names were taken`, {cause: lastErr}) as NodeJS.ErrnoException;
  err.code = 'EEXIST';
  throw err;
}
