/**
 * Reading the live part of the probe's output (probe/script-live.ts): the `live` record of
 * `key=value` lines (what the probe worked out and queried) and its command records. Shared by
 * the live-*.ts builders so each says "not collected" the same way.
 */
import type {RawSnapshot} from '../core.js';

/** Why a live fact is missing under `--root`. */
export const NOT_LIVE_REASON = 'not collected: the root transport reads files only (this needs a live node)';

/** `key=value` lines of the `live` record; a key written twice keeps every value, in order. */
export type LiveValues = Map<string, string[]>;

/**
 * The probe's `live` record, or a reason it is missing (root transport, an older probe, a
 * probe cut off before the live checks ran).
 */
export function liveValues(raw: RawSnapshot): {ok: true; values: LiveValues} | {ok: false; reason: string} {
  if (!raw.live) return {ok: false, reason: NOT_LIVE_REASON};
  const rec = raw.commands['live'];
  if (!rec) return {ok: false, reason: 'not collected: the probe did not run its live checks (cut off, or an older probe)'};
  const values: LiveValues = new Map();
  for (const line of rec.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const key = line.slice(0, i);
    values.set(key, [...(values.get(key) ?? []), line.slice(i + 1)]);
  }
  return {ok: true, values};
}

/** The last value written for `key`, or undefined. */
export function lastValue(values: LiveValues, key: string): string | undefined {
  const all = values.get(key);
  return all && all.length > 0 ? all[all.length - 1] : undefined;
}

/** One line of text from node output: control characters removed, length capped. */
export function oneLine(s: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const clean = s
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
