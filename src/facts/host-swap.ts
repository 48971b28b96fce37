/**
 * Swap: what is on now (/proc/swaps, live) and what the next boot turns on (/etc/fstab). The
 * kubelet refuses to start while /proc/swaps lists anything and failSwapOn is true (F10).
 */
import {collected, notCollected} from './types.js';
import type {Collected, RawSnapshot} from './types.js';
import type {SwapEntry, SwapFacts} from './host.js';

const PROC_SWAPS = '/proc/swaps';
const FSTAB = '/etc/fstab';

// /proc/swaps and fstab escape spaces in paths as \040 (getmntent(3)).
const unescapeOctal = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

function kindOf(device: string, type: string | null): SwapEntry['kind'] {
  if (/^\/dev\/zram\d+$/.test(device)) return 'zram';
  if (type === 'file') return 'file';
  if (type === 'partition') return 'partition';
  return /^(\/dev\/|UUID=|LABEL=|PARTUUID=|PARTLABEL=)/.test(device) ? 'partition' : 'file';
}

/** Active swap areas from /proc/swaps (header line skipped). */
export function parseProcSwaps(content: string): SwapEntry[] {
  const out: SwapEntry[] = [];
  content.split('\n').forEach((line, i) => {
    if (i === 0 || line.trim() === '') return; // "Filename Type Size Used Priority"
    // <0:filename> <1:type> <2:size KiB> <3:used> <4:priority>
    const [name = '', type = null, size] = line.trim().split(/\s+/);
    const device = unescapeOctal(name);
    out.push({
      device,
      kind: kindOf(device, type),
      sizeKiB: size === undefined ? null : Number(size),
      noauto: false,
      source: {file: PROC_SWAPS, line: i + 1},
      text: line.trim(),
    });
  });
  return out;
}

/** Swap entries of /etc/fstab (fstype `swap`, not commented out), each with its line. */
export function parseFstabSwap(content: string): SwapEntry[] {
  const out: SwapEntry[] = [];
  content.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    // <0:spec> <1:mount point> <2:fstype> <3:options> <4:dump> <5:pass>
    const [spec = '', , fstype, options = 'defaults'] = t.split(/\s+/);
    if (fstype !== 'swap') return;
    const device = unescapeOctal(spec);
    const noauto = options.split(',').includes('noauto');
    out.push({device, kind: kindOf(device, null), sizeKiB: null, noauto, source: {file: FSTAB, line: i + 1}, text: t});
  });
  return out;
}

function fstabEntries(raw: RawSnapshot): SwapEntry[] | null {
  const f = raw.files[FSTAB];
  if (!f) return null;
  return f.status === 'ok' && f.content !== undefined && !f.binary ? parseFstabSwap(f.content) : [];
}

/**
 * Swap facts. Live: /proc/swaps (zram included) plus the fstab entries that come back at boot.
 * Offline: the fstab swap entries only (systemd .swap units and zram-generator are not read).
 */
export function buildSwap(raw: RawSnapshot): Collected<SwapFacts> {
  const fstab = fstabEntries(raw);
  const notes: string[] = [];
  if (raw.live) {
    const rec = raw.files[PROC_SWAPS];
    if (rec?.status !== 'ok' || rec.content === undefined) {
      return notCollected(`${PROC_SWAPS} was not ${rec ? `readable (${rec.status})` : 'collected by the probe'}`);
    }
    if (fstab === null) notes.push(`${FSTAB} was not collected: swap configured for boot is unknown`);
    return collected({basis: 'proc-swaps', checked: {file: PROC_SWAPS, line: 1}, entries: parseProcSwaps(rec.content), fstab: fstab ?? [], notes});
  }
  if (fstab === null) return notCollected(`root transport: ${PROC_SWAPS} is live-only and ${FSTAB} was not collected`);
  notes.push('offline: systemd .swap units and zram-generator configuration are not read; only /etc/fstab is');
  return collected({basis: 'fstab', checked: {file: FSTAB}, entries: fstab, fstab, notes});
}
