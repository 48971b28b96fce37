/**
 * Swap: what is on now (/proc/swaps, live) and what the next boot turns on (/etc/fstab). The
 * kubelet refuses to start while /proc/swaps lists anything and failSwapOn is true (F10).
 */
import {collected, notCollected} from '../core.js';
import type {Collected, RawSnapshot} from '../core.js';
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

// systemd .swap units (systemd.swap(5)): started at boot when swap.target wants them (enabled);
// a unit linked to /dev/null is masked. Only what the probe collected is judged.
const SWAP_UNIT = /^\/(etc|usr\/lib|lib)\/systemd\/system\/([^/]+\.swap)$/;
const WANTS = ['/etc/systemd/system/swap.target.wants', '/usr/lib/systemd/system/swap.target.wants', '/lib/systemd/system/swap.target.wants'];

/** Enabled, unmasked .swap units the probe read, each as a swap entry at its `What=` line. */
export function swapUnits(raw: RawSnapshot): SwapEntry[] {
  const wanted = new Set(WANTS.flatMap((d) => raw.dirs[d]?.entries.map((e) => e.name) ?? []));
  const out: SwapEntry[] = [];
  for (const f of Object.values(raw.files)) {
    const m = SWAP_UNIT.exec(f.path);
    if (!m?.[2] || f.status !== 'ok' || f.content === undefined || f.realPath === '/dev/null' || !wanted.has(m[2])) continue;
    f.content.split('\n').forEach((line, i) => {
      const w = /^\s*What\s*=\s*(\S.*?)\s*$/.exec(line);
      if (!w?.[1]) return;
      out.push({device: w[1], kind: kindOf(w[1], null), sizeKiB: null, noauto: false, source: {file: f.path, line: i + 1}, text: line.trim()});
    });
  }
  return out;
}

/**
 * Swap facts. Live: /proc/swaps (zram included) plus the fstab entries that come back at boot.
 * Without /proc/swaps (offline, or a live node that did not send it) the offline judgement:
 * the fstab swap entries and the enabled .swap units collected, and the facts say why.
 */
export function buildSwap(raw: RawSnapshot): Collected<SwapFacts> {
  const fstab = fstabEntries(raw);
  const units = swapUnits(raw);
  const notes: string[] = [];
  const rec = raw.files[PROC_SWAPS];
  if (raw.live && rec?.status === 'ok' && rec.content !== undefined) {
    if (fstab === null) notes.push(`${FSTAB} was not collected: swap configured for boot is unknown`);
    return collected({
      basis: 'proc-swaps',
      checked: {file: PROC_SWAPS, line: 1},
      entries: parseProcSwaps(rec.content),
      fstab: [...(fstab ?? []), ...units],
      notes,
    });
  }
  const because = !raw.live ? 'root transport' : rec ? `${rec.status}` : 'not collected by the probe';
  if (fstab === null && units.length === 0) return notCollected(`${PROC_SWAPS} not available (${because}) and ${FSTAB} was not collected`);
  notes.push(
    `offline: ${units.length > 0 ? 'zram-generator configuration is' : 'systemd .swap units and zram-generator configuration are'} not read; only /etc/fstab${units.length > 0 ? ' and the enabled .swap units' : ''} are`,
  );
  const boot = [...(fstab ?? []), ...units];
  return collected({basis: 'fstab', checked: {file: FSTAB}, entries: boot, fstab: boot, notes, offlineBecause: because});
}
