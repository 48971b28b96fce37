/**
 * The installed kubelet version, and small version helpers the version-aware checks share.
 * Order: `--kubelet-version`, then `kubelet --version` on a live node, then the dpkg database.
 */
import type {Collected, RawSnapshot, Sourced} from '../core.js';
import {collected, notCollected} from '../core.js';

/** A parsed Kubernetes version. */
export interface Version {
  major: number;
  minor: number;
  patch: number;
}

// <1:major> <2:minor> <3:patch, optional>; a leading `v`, a dpkg epoch (`1:`) and any suffix are allowed.
const VERSION = /^(?:\d+:)?v?(\d+)\.(\d+)(?:\.(\d+))?/;

/**
 * Parse `v1.30.2`, `1.30`, `1.30.2-1.1` (dpkg) or `v1.31.0-rc.1` into numbers, or null.
 * Used wherever behaviour depends on the release (removed flags, defaults, skew).
 */
export function parseVersion(s: string): Version | null {
  const m = VERSION.exec(s.trim());
  if (!m?.[1] || !m[2]) return null;
  return {major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0)};
}

/** `v1.30.2` → `1.30`, or null when `v` is not a version. Tables key behaviour by minor release. */
export function minorOf(v: string): string | null {
  const p = parseVersion(v);
  return p ? `${p.major}.${p.minor}` : null;
}

/** Compare two versions: negative, 0 or positive like a sort comparator (unparsable sorts lowest). */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/**
 * True when `v` is at or after `min` (`versionAtLeast('v1.27.3', '1.27')` is true). A `min`
 * without a patch compares by minor release only. False when `v` is not a version.
 */
export function versionAtLeast(v: string, min: string): boolean {
  const x = parseVersion(v);
  const y = parseVersion(min);
  if (!x || !y) return false;
  const patchGiven = /^v?\d+\.\d+\.\d+/.test(min.trim());
  return (x.major - y.major || x.minor - y.minor || (patchGiven ? x.patch - y.patch : 0)) >= 0;
}

/** `{major, minor, patch}` back to `v1.30.2`. */
const format = (p: Version): string => `v${p.major}.${p.minor}.${p.patch}`;

/** The kubelet paragraph of /var/lib/dpkg/status: its version if the package is installed. */
function fromDpkg(raw: RawSnapshot): Sourced<string> | null {
  const file = '/var/lib/dpkg/status';
  const rec = raw.files[file];
  if (rec?.status !== 'ok' || rec.content === undefined || rec.binary) return null;
  const lines = rec.content.split('\n');
  let inKubelet = false;
  let installed = true;
  let found: Sourced<string> | null = null;
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') {
      if (inKubelet) break;
      continue;
    }
    const [, key = '', value = ''] = /^([A-Za-z-]+):\s*(.*)$/.exec(line) ?? [];
    if (key === 'Package') inKubelet = value.trim() === 'kubelet';
    else if (inKubelet && key === 'Status') installed = value.trim().split(/\s+/).pop() === 'installed';
    else if (inKubelet && key === 'Version') {
      const p = parseVersion(value);
      if (p) found = {value: format(p), source: {file, line: i + 1}, text: line.trim()};
    }
  }
  return installed ? found : null;
}

/**
 * The kubelet version with its source: the `--kubelet-version` override, `kubelet --version` on a
 * live node ("Kubernetes v1.30.2"), or the dpkg database offline (`Version: 1.30.2-1.1`).
 * Not collected when none of them answers; the reason says how to supply it.
 */
export function buildKubeletVersion(raw: RawSnapshot, override?: string): Collected<Sourced<string>> {
  if (override !== undefined && override.trim() !== '') {
    const p = parseVersion(override);
    if (!p) return notCollected(`--kubelet-version "${override}" is not a version like v1.30.2`);
    const value = `v${override.trim().replace(/^v/, '')}`;
    return collected({value, source: {command: '--kubelet-version'}, text: `--kubelet-version ${override.trim()}`});
  }
  const cmd = raw.live ? raw.commands['kubelet-version'] : undefined;
  if (cmd?.status === 'ok') {
    // "Kubernetes v1.30.2" <1:version as printed>
    const m = /Kubernetes\s+(v?\d+\.\d+\S*)/.exec(cmd.stdout);
    if (m?.[1]) return collected({value: `v${m[1].replace(/^v/, '')}`, source: {command: cmd.command}, text: m[0]});
  }
  const dpkg = fromDpkg(raw);
  if (dpkg) return collected(dpkg);
  const live = !raw.live
    ? '`kubelet --version` is not run under the root transport'
    : `\`kubelet --version\` ${cmd === undefined ? 'was not run' : cmd.status === 'ok' ? 'printed no version' : cmd.status}`;
  return notCollected(`kubelet version unknown: ${live} and no installed kubelet package in /var/lib/dpkg/status; pass --kubelet-version`);
}
