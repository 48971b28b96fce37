/**
 * Whether the node keeps its clock in sync, from `timedatectl status` (systemd-timedated):
 * "System clock synchronized" (systemd 239+) or "NTP synchronized" (older), and whether an NTP
 * service is on. The clock itself is facts.nodeTime (`date`, run last by the probe).
 */
import {collected, notCollected, type Collected, type RawSnapshot, type Sourced} from '../core.js';
import {NOT_LIVE_REASON, oneLine} from './live-records.js';

/** The node's time synchronisation. */
export interface TimeSyncFacts {
  /** The kernel clock is synchronised (adjtimex says so). */
  synchronized: Sourced<boolean> | null;
  /** An NTP client (timesyncd, chrony, ntpd) is enabled. */
  ntpService: Sourced<boolean> | null;
}

const yes = (v: string): boolean | null => (/^(yes|active)$/i.test(v) ? true : /^(no|inactive|n\/a)$/i.test(v) ? false : null);

/** Build the time-sync facts from the probe's `timedatectl` record. */
export function buildTimeSync(raw: RawSnapshot): Collected<TimeSyncFacts> {
  if (!raw.live) return notCollected(NOT_LIVE_REASON);
  const rec = raw.commands['timedatectl'];
  if (!rec) return notCollected('not collected: `timedatectl` was not run');
  if (rec.status === 'not-found') return notCollected('not collected: timedatectl is not installed (no systemd-timedated)');
  if (rec.status !== 'ok') return notCollected(`not collected: \`timedatectl status\` ${rec.status}${rec.reason ? `: ${oneLine(rec.reason, 120)}` : ''}`);
  const out: TimeSyncFacts = {synchronized: null, ntpService: null};
  for (const line of rec.stdout.split('\n')) {
    // <1:label> <2:value>
    const m = /^\s*([A-Za-z ]+):\s*(\S+)/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const label = m[1].trim();
    const value = yes(m[2]);
    if (value === null) continue;
    const s: Sourced<boolean> = {value, source: {command: 'timedatectl status'}, text: line.trim()};
    if (label === 'System clock synchronized' || label === 'NTP synchronized') out.synchronized = s;
    if (label === 'NTP service' || label === 'Network time on' || label === 'systemd-timesyncd.service active') out.ntpService ??= s;
  }
  if (!out.synchronized && !out.ntpService) return notCollected('not collected: `timedatectl status` printed no synchronisation state');
  return collected(out);
}
