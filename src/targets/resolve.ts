/**
 * TARGET strings and options → Target[]. Validation happens here so a typo is a usage error
 * (exit 2) before any node is touched.
 */
import {statSync} from 'node:fs';
import {hostname} from 'node:os';
import {resolve as resolvePath, basename} from 'node:path';
import {InputError, UsageError} from '../errors.js';
import type {Target} from './types.js';

/** The target-selecting options. */
export interface TargetOptions {
  local: boolean;
  root: string[];
  snapshot: string[];
  hostRoot: string | null;
  positional: string[];
}

function mustBeDir(dir: string, flag: string): string {
  const abs = resolvePath(dir);
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new InputError(`${flag} ${dir}: no such directory`, `${flag} takes the directory where the node's root filesystem is mounted`);
  }
  if (!st.isDirectory()) throw new InputError(`${flag} ${dir}: not a directory`);
  return abs;
}

/** Resolve the targets named on the command line. */
export function resolveTargets(o: TargetOptions): Target[] {
  const out: Target[] = [];
  if (o.local) {
    const hostRoot = o.hostRoot ? mustBeDir(o.hostRoot, '--host-root') : '/';
    out.push({kind: 'local', name: hostname(), hostRoot});
  }
  for (const dir of o.root) {
    const abs = mustBeDir(dir, '--root');
    out.push({kind: 'root', name: basename(abs) || abs, dir: abs});
  }
  for (const file of o.snapshot) out.push({kind: 'snapshot', name: file, file: resolvePath(file)});
  if (o.positional.length > 0) {
    throw new UsageError(
      `SSH targets (${o.positional.join(', ')}) are not supported by this build yet`,
      'check this machine with --local, a mounted node disk with --root DIR, or a saved snapshot with --snapshot FILE',
    );
  }
  if (out.length === 0) {
    throw new UsageError('no target given', 'name one: --local, --root DIR or --snapshot FILE (try: kubelet-doctor demo)');
  }
  return out;
}
