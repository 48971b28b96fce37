/**
 * The kubelet's recent journal (`journalctl -u kubelet -n 300 -o short-iso`): each line split
 * into time, program, pid and message, control characters removed. It holds the kubelet's own
 * lines and systemd's about kubelet.service (started, exited, scheduled restart), which is how a
 * crash loop shows.
 */
import {collected, notCollected, type Collected, type RawSnapshot, type Source} from '../core.js';
import {NOT_LIVE_REASON, oneLine} from '../live/live-records.js';
import {LIVE} from '../../probe/sections.js';

/** One journal line. */
export interface JournalLine {
  /** 1-based position in what the probe returned (oldest first). */
  index: number;
  /** The ISO timestamp journalctl printed, or null for a line without one. */
  time: string | null;
  /** The program (`kubelet`, `systemd`). */
  ident: string;
  pid: number | null;
  /** The message after `ident[pid]: `. */
  message: string;
  /** The whole line, sanitised and capped (evidence). */
  text: string;
}

/** The journal excerpt. */
export interface JournalFacts {
  lines: JournalLine[];
  /** The output hit the probe's byte cap: the oldest lines were dropped. */
  truncated: boolean;
  /**
   * journalctl was stopped at its time cap (`capS` seconds) after writing `bytes` bytes (what the
   * probe kept: at most the byte cap). journalctl writes oldest first, so the newest lines were
   * not read; null when it ended by itself.
   */
  cutByTime: {bytes: number; capS: number} | null;
  source: Source;
}

/** The command as evidence names it. */
export const JOURNAL_COMMAND = 'journalctl -u kubelet';

// short-iso: <1:time> <2:host> <3:identifier>[<4:pid>]: <5:message>
const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s+(\S+)\s+([^\s[:]+)(?:\[(\d+)\])?:\s?(.*)$/;

/**
 * Parse journalctl short-iso output; `-- No entries --`, boot markers and partial lines are
 * skipped. `cutAtEnd`: journalctl was stopped mid-way, so a last line without its newline is
 * unfinished: dropped too.
 */
export function parseJournal(stdout: string, truncated: boolean, cutAtEnd = false): JournalLine[] {
  const raw = stdout.split('\n');
  // The cap keeps the newest bytes, so the first line may be cut: drop it.
  if (truncated) raw.shift();
  if (cutAtEnd) raw.pop(); // '' after a final newline, else the unfinished line
  const out: JournalLine[] = [];
  for (const l of raw) {
    if (l.trim() === '' || l.startsWith('-- ')) continue;
    const m = LINE.exec(l);
    const text = oneLine(l, 600);
    out.push(
      m
        ? {index: out.length + 1, time: m[1] ?? null, ident: m[3] ?? '', pid: m[4] ? Number(m[4]) : null, message: oneLine(m[5] ?? '', 600), text}
        : {index: out.length + 1, time: null, ident: '', pid: null, message: text, text},
    );
  }
  return out;
}

/** Build the journal facts from the probe's `journal` record. */
export function buildJournal(raw: RawSnapshot): Collected<JournalFacts> {
  if (!raw.live) return notCollected(NOT_LIVE_REASON);
  const rec = raw.commands['journal'];
  if (!rec) return notCollected('not collected: `journalctl` was not run');
  if (rec.status === 'not-found') return notCollected('not collected: journalctl is not on the node (no systemd journal)');
  const bytes = Buffer.byteLength(rec.stdout);
  if (rec.status === 'timeout' && bytes > 0) {
    // Stopped at its time cap after writing part of its output: keep what was read, say it was cut.
    const truncated = bytes >= LIVE.journalCap;
    return collected({
      lines: parseJournal(rec.stdout, truncated, true),
      truncated,
      cutByTime: {bytes, capS: LIVE.journalTimeoutS},
      source: {command: JOURNAL_COMMAND},
    });
  }
  if (rec.status !== 'ok') {
    return notCollected(
      `not collected: \`${JOURNAL_COMMAND}\` ${rec.status === 'timeout' ? `wrote nothing before its time cap (${LIVE.journalTimeoutS} s)` : `failed (exit ${rec.exitCode ?? '?'})`}${rec.reason ? `: ${oneLine(rec.reason, 160)}` : ''}`,
    );
  }
  const truncated = bytes >= LIVE.journalCap;
  return collected({lines: parseJournal(rec.stdout, truncated), truncated, cutByTime: null, source: {command: JOURNAL_COMMAND}});
}
