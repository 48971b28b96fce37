/**
 * Which sections a whole probe output always holds: a record for every fixed file and directory
 * of sections.ts (whatever the node has there: missing, unreadable, ...), the dpkg database, and
 * on a live node every command of COMMANDS and the `live` record. Output without one of them was
 * cut or tampered with, whatever else it says; so is a snapshot that claims a live node and holds
 * no command records.
 */
import type {RawSnapshot} from '../facts/types.js';
import {COMMANDS, DIRS, FILES} from './sections.js';

/** The sections `raw` lacks, by path or `command ID`. */
export function missingSections(raw: Pick<RawSnapshot, 'files' | 'dirs' | 'commands' | 'live'>): string[] {
  const out: string[] = [];
  for (const f of FILES) if ((!f.live || raw.live) && raw.files[f.path] === undefined) out.push(f.path);
  if (raw.files['/var/lib/dpkg/status'] === undefined) out.push('/var/lib/dpkg/status');
  for (const d of DIRS) if ((!d.live || raw.live) && raw.dirs[d.path] === undefined) out.push(d.path);
  if (raw.live) {
    for (const c of COMMANDS) if (raw.commands[c.id] === undefined) out.push(`command ${c.id}`);
    if (raw.commands['live'] === undefined) out.push('command live');
  }
  return out;
}
