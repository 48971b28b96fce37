/**
 * The kubelet's journal as it is written, over a second channel of the node's SSH connection
 * (the probe's connection: nothing new to log in to). Each line is cleaned (escapes and control
 * characters stripped, capped, secrets redacted), parsed as `short-iso`, and matched against the
 * signature catalogue, so a new error names the check it points to the moment it arrives.
 *
 * `journalctl -u kubelet -f -n 200 -o short-iso` streams new lines; the last lines it starts with,
 * and every line the probe already read (`seed`), are not news. Should the follow end while the
 * connection lives (a journalctl that does not follow, a wrapper, a sudo rule that allows no
 * long-running command), the follower reads the last lines every `pollMs` on the same
 * connection instead and reports those it has not seen.
 */
import type {Client as SshClient, ClientChannel} from 'ssh2';
import {matchJournal} from '../../checks/kubelet-logs.js';
import type {LogSignature} from '../catalogue/signatures.js';
import {parseJournal} from '../facts/host/journal.js';
import {oneLine} from '../facts/live/live-records.js';
import {redactText} from '../facts/secrets/redact.js';
import {shQuote} from '../probe/script.js';
import {sanitizeLine} from '../text/sanitize.js';
import type {SshTransport} from '../transport/ssh.js';

/**
 * A line as the probe's journal facts hold it (redacted, control characters out, capped): lines
 * the probe read are not reported again by the follower.
 */
export const lineKey = (line: string): string => oneLine(redactText(line), MAX_LINE_CHARS);

/** A line longer than this (in characters, after cleaning) is cut with an ellipsis. */
export const MAX_LINE_CHARS = 600;
/** An unterminated line is cut once this many bytes are buffered. */
export const MAX_PENDING_BYTES = 64 * 1024;
/** Lines read per poll when the follow is not available. */
export const POLL_LINES = 200;

/** A journal line worth showing: it matches a signature, or the kubelet logged it as an error. */
export interface JournalHit {
  /** The time journalctl printed, or null. */
  time: string | null;
  /** The whole line, cleaned and capped. */
  text: string;
  /** The signature it matches and the check that explains it, or null for an unknown error line. */
  signature: string | null;
  check: string | null;
}

// klog error and fatal levels (`E1205 12:00:00.000000 …`), the "command failed" wrapper, systemd's failure lines.
const ERROR_LINE = /^[EF]\d{4} |"command failed"|[Ff]ailed to run [Kk]ubelet|Main process exited, code=|Failed with result|\bRefusing\.$/;

/**
 * What one journal line means: the check it points to, an error without a known signature, or
 * nothing worth showing (null).
 */
export function classifyLine(line: string, signatures: readonly LogSignature[]): JournalHit | null {
  const clean = redactText(sanitizeLine(line));
  const parsed = parseJournal(`${clean}\n`, false)[0];
  if (!parsed) return null;
  const text = parsed.text.length > MAX_LINE_CHARS ? `${parsed.text.slice(0, MAX_LINE_CHARS - 1)}…` : parsed.text;
  const groups = matchJournal([parsed], signatures);
  const first = groups[0];
  if (first) return {time: parsed.time, text, signature: first.sig.id, check: first.sig.check};
  if (ERROR_LINE.test(parsed.message)) return {time: parsed.time, text, signature: null, check: null};
  return null;
}

/** Splits a byte stream into lines, never holding more than {@link MAX_PENDING_BYTES} of one. */
export class LineSplitter {
  private pending = '';

  push(chunk: Buffer | string): string[] {
    this.pending += chunk.toString();
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    if (Buffer.byteLength(this.pending) > MAX_PENDING_BYTES) {
      // A "line" this long is not a journal line: keep its start, drop the rest.
      parts.push(this.pending.slice(0, MAX_LINE_CHARS));
      this.pending = '';
    }
    return parts;
  }
}

/**
 * At most `perSecond` shown lines a second on average, `burst` at once; what is dropped is
 * counted, so the next shown line can say how many were left out.
 */
export class RateLimit {
  private tokens: number;
  private last: number;
  dropped = 0;

  constructor(
    private readonly perSecond = 5,
    private readonly burst = 20,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Whether one more line may be shown now; false counts it as dropped. */
  allow(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.dropped++;
    return false;
  }

  /** How many were dropped since the last call (and reset the count). */
  takeDropped(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }
}

/** The shell that runs journalctl on the node: the probe's journal directory choice (script-live.ts `kjournal`). */
export function journalScript(hostRoot: string, mode: 'follow' | 'poll', lines = POLL_LINES): string {
  const root = hostRoot === '/' ? '' : hostRoot.replace(/\/+$/, '');
  const args = mode === 'follow' ? `-f -n ${lines}` : `-n ${lines}`;
  return [
    `R=${shQuote(root)}`,
    'set -- journalctl',
    'if [ -n "$R" ]; then for _j in /var/log/journal /run/log/journal; do [ -d "$R$_j" ] && { set -- journalctl -D "$R$_j"; break; }; done; fi',
    `exec "$@" -u kubelet ${args} -o short-iso --no-pager 2>/dev/null`,
    '',
  ].join('\n');
}

/**
 * The live client of an SSH transport, once a probe has connected it. The transport keeps it
 * private (it is the probe's); the follower opens its own channels on it and never closes it.
 */
function clientOf(t: SshTransport): SshClient | null {
  return (t as unknown as {client: SshClient | null}).client ?? null;
}

/** Follows one node's kubelet journal; `ensure()` (re)starts it whenever the connection is up. */
export class JournalFollower {
  /** `follow` while journalctl -f streams; `poll` once it ended; `off` before the first start and after stop. */
  mode: 'off' | 'follow' | 'poll' = 'off';
  private wantPoll = false;
  private channel: ClientChannel | null = null;
  /** An exec channel is open or being opened. */
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Lines already known (the probe's, the last poll's), by {@link lineKey}. */
  private seen = new Set<string>();
  /** Whether `seen` holds anything yet: without it, the first read is what was there already. */
  private baseline = false;

  constructor(
    private readonly transport: SshTransport,
    private readonly onLine: (line: string) => void,
    private readonly pollMs = 2000,
  ) {}

  /** Lines the probe read (its journal facts' texts): not reported when a follow or poll meets them. */
  seed(keys: Iterable<string>): void {
    const next = new Set(keys);
    if (next.size === 0) return;
    for (const k of this.seen) if (next.size < 4 * POLL_LINES) next.add(k);
    this.seen = next;
    this.baseline = true;
  }

  /** Start following if the connection is up and nothing follows yet. */
  ensure(): void {
    if (this.stopped || this.busy || this.timer) return;
    const client = clientOf(this.transport);
    if (!client) return;
    if (this.wantPoll) this.poll(client);
    else this.follow(client);
  }

  private exec(client: SshClient, script: string, onData: (b: Buffer) => void, onEnd: (code: number | null) => void): void {
    this.busy = true;
    const done = (code: number | null) => {
      this.busy = false;
      this.channel = null;
      onEnd(code);
    };
    try {
      client.exec(this.transport.command, (err, ch) => {
        if (err) return done(null);
        if (this.stopped) return void ch.close();
        this.channel = ch;
        ch.on('data', onData);
        ch.stderr.on('data', () => undefined);
        ch.on('error', () => undefined);
        ch.on('close', (code?: number | null) => done(code ?? null));
        ch.end(script);
      });
    } catch {
      done(null); // the connection went away: the next probe reconnects, then ensure() again
    }
  }

  private follow(client: SshClient): void {
    this.mode = 'follow';
    const lines = new LineSplitter();
    this.exec(
      client,
      // With the probe's lines known, start a little back (what came between the probe and now); else from now.
      journalScript(this.transport.hostRoot, 'follow', this.baseline ? POLL_LINES : 0),
      (b) => {
        for (const l of lines.push(b)) {
          // The first lines (-n) were there before: news only when neither the probe nor a poll read them.
          if (this.seen.has(lineKey(l))) continue;
          this.onLine(l);
        }
      },
      (code) => {
        if (this.stopped) return;
        // Exited by itself (an exit status) while the connection lives: this node's journalctl
        // does not follow; poll instead. Ended with the connection (no exit status): the next
        // probe reconnects and ensure() follows again.
        if (code !== null && clientOf(this.transport) === client) this.wantPoll = true;
        this.mode = 'off';
        this.ensure();
      },
    );
  }

  private poll(client: SshClient): void {
    this.mode = 'poll';
    let out = '';
    this.exec(
      client,
      journalScript(this.transport.hostRoot, 'poll'),
      (b) => {
        if (out.length < POLL_LINES * (MAX_LINE_CHARS + 200)) out += b.toString();
      },
      () => {
        if (this.stopped) return;
        const lines = out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('-- '));
        // Without a seed, the first read is what was there already.
        if (this.baseline) for (const l of lines) if (!this.seen.has(lineKey(l))) this.onLine(l);
        this.baseline = true;
        this.seen = new Set(lines.map(lineKey));
        if (clientOf(this.transport) !== client) {
          this.mode = 'off';
          return;
        }
        this.timer = setTimeout(() => {
          this.timer = null;
          this.ensure();
        }, this.pollMs);
        this.timer.unref?.();
      },
    );
  }

  /** Stop following: close the channel and the poll timer (the connection stays the probe's). */
  stop(): void {
    this.stopped = true;
    this.mode = 'off';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      this.channel?.close();
    } catch {
      /* already gone */
    }
    this.channel = null;
  }
}
