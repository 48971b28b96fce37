/**
 * Option handling shared by the commands that run checks.
 */
import {catalogue} from '../../../checks/index.js';
import type {CheckDef} from '../../catalogue/define.js';
import {UsageError} from '../../errors.js';
import type {RunOptions} from '../../engine/run.js';
import type {Report} from '../../report/types.js';
import {intOption, type ParsedArgs} from '../args.js';
import {refuseSecrets} from '../../facts/secrets/secret-guard.js';
import {writeAtomic} from '../../transport/write-atomic.js';
import {randomBytes} from 'node:crypto';
import {closeSync, constants, fsyncSync, openSync, renameSync, unlinkSync, writeSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';

export {listTargets, targetOptions, targetsFrom} from './targets.js';

/** The checks selected by --only (all by default); an unknown id is a usage error. */
export function selectChecks(only: unknown): readonly CheckDef[] {
  if (typeof only !== 'string' || only.trim() === '') return catalogue;
  const ids = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = new Set(catalogue.map((c) => c.id));
  const bad = ids.filter((id) => !known.has(id));
  if (bad.length > 0) throw new UsageError(`--only: unknown check id ${bad.join(', ')}`, 'list them with: kubelet-doctor list-checks');
  return catalogue.filter((c) => ids.includes(c.id));
}

/** A kubelet version option: v1.30.2, 1.30.2 or 1.30. */
export function versionOption(v: unknown): string | null {
  if (v === undefined) return null;
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(String(v));
  if (!m) throw new UsageError(`--kubelet-version ${String(v)}: expected a version like v1.30.2`);
  return `v${m[1]}.${m[2]}.${m[3] ?? '0'}`;
}

/** Engine options from the command line. */
export function runOptions(a: ParsedArgs, signal?: AbortSignal): RunOptions {
  return {
    checks: selectChecks(a.values['only']),
    kubeletVersion: versionOption(a.values['kubelet-version']),
    timeoutMs: intOption(a.values['timeout'], 'timeout', 60) * 1000,
    concurrency: intOption(a.values['concurrency'], 'concurrency', 16),
    expiryWarnDays: intOption(a.values['expiry-warn-days'], 'expiry-warn-days', 30, 0),
    now: () => new Date(),
    ...(signal ? {signal} : {}),
  };
}

/** Exit code of a report: 3 a target could not be checked, 1 a check failed, else 0. */
export function exitCodeOf(report: Report): number {
  if (report.targets.some((t) => t.status !== 'ok')) return 3;
  if (report.targets.some((t) => t.results.some((r) => r.status === 'fail' || r.status === 'error'))) return 1;
  return 0;
}

/**
 * Write text to a file atomically, or to stdout: through a temp file created exclusively under a
 * random name in the same directory, then renamed (write-atomic.ts), so nothing planted there
 * (a symlink at a temp name) can redirect the write.
 */
export async function writeOut(text: string, file: unknown): Promise<void> {
  refuseSecrets(text, typeof file === 'string' ? file : 'the report to standard output');
  if (typeof file !== 'string') {
    process.stdout.write(text);
    return;
  }
  await writeAtomic(file, text);
}

/** Whether to colour output on this stream. */
export function colorWanted(a: ParsedArgs, stream: NodeJS.WriteStream): boolean {
  if (a.values['no-color'] || (process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '')) return false;
  if (typeof a.values['out'] === 'string') return false;
  return stream.isTTY === true;
}

/** A report written as it is rendered: to stdout, or to a file that appears whole or not at all. */
export interface ReportOut {
  /** Write a piece (refused, and nothing written, when it holds a secret). */
  write(text: string): void;
  /** Everything is written: the file takes its name. */
  done(): Promise<void>;
  /** Give up (idempotent; a no-op after done()): the temp file is removed, the final name untouched. */
  discard(): void;
}

/**
 * Open the report's destination for writing in pieces: stdout as it comes; a file through a temp
 * file created exclusively (O_EXCL, O_NOFOLLOW) under a random name beside it and renamed over it
 * at the end, as writeOut does for a whole report (write-atomic.ts), so nothing planted at a temp
 * name redirects the write and a run that fails leaves the old file as it was.
 */
export function openOut(file: unknown): ReportOut {
  const what = typeof file === 'string' ? file : 'the report to standard output';
  if (typeof file !== 'string') {
    return {
      write: (text) => {
        refuseSecrets(text, what);
        process.stdout.write(text);
      },
      done: async () => undefined,
      discard: () => undefined,
    };
  }
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  let fd: number | null = null;
  let tmp = '';
  for (let i = 0; i < 16 && fd === null; i++) {
    tmp = join(dirname(file), `.${basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      fd = openSync(tmp, flags, 0o666);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ELOOP') throw e;
    }
  }
  if (fd === null) throw new Error(`cannot create a temporary file next to ${file}: 16 names were taken`);
  const handle = fd;
  let open = true;
  const shut = () => {
    if (open) closeSync(handle);
    open = false;
  };
  return {
    write: (text) => {
      refuseSecrets(text, what);
      writeSync(handle, text);
    },
    done: async () => {
      fsyncSync(handle);
      shut();
      renameSync(tmp, file);
      tmp = '';
    },
    discard: () => {
      shut();
      if (tmp === '') return;
      try {
        unlinkSync(tmp);
      } catch {
        /* already gone */
      }
      tmp = '';
    },
  };
}
