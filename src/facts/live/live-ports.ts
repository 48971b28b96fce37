/**
 * Listening TCP sockets and the processes holding them: `ss -ltnp` when the node has it, else
 * the probe's own reading of /proc/net/tcp{,6} (sockets on 10250 and the healthz port only) with
 * each socket's inode mapped to a pid through /proc/<pid>/fd.
 */
import {collected, notCollected, type Collected, type RawSnapshot, type Source} from '../core.js';
import {lastValue, liveValues, oneLine} from './live-records.js';

/** One listening TCP socket. */
export interface Listener {
  port: number;
  /** The local address (`0.0.0.0`, `::`, `127.0.0.1`, `*`). */
  address: string;
  /** The owning process, null when the probe could not tell (ss without root, a vanished fd). */
  pid: number | null;
  process: string | null;
  source: Source;
  text: string;
}

/** The node's listening sockets. */
export interface ListenerFacts {
  via: 'ss' | 'proc';
  /** Every listener (ss), or only those on the ports the probe looked for (/proc fallback). */
  listeners: Listener[];
  /** The ports the /proc fallback looked for; null when ss listed all. */
  portsScanned: number[] | null;
}

const SS: Source = {command: 'ss -ltnp'};
const PROC: Source = {file: '/proc/net/tcp'};

/** `ss -ltnp`: State Recv-Q Send-Q Local:Port Peer:Port [users:(("name",pid=N,fd=M),...)]. */
export function parseSs(stdout: string): Listener[] {
  const out: Listener[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'LISTEN' || f.length < 5) continue;
    const local = f[3] ?? '';
    const colon = local.lastIndexOf(':');
    const port = Number(local.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port)) continue;
    const address = local
      .slice(0, colon)
      .replace(/^\[|\]$/g, '')
      .replace(/%\S+$/, '');
    const users = f.slice(5).join(' ');
    // <1:process name> <2:pid>: the first process of users:(("kubelet",pid=123,fd=20),...)
    const m = /\("([^"]*)",pid=(\d+)/.exec(users);
    out.push({port, address, pid: m?.[2] ? Number(m[2]) : null, process: m?.[1] ?? null, source: SS, text: oneLine(line)});
  }
  return out;
}

/** A /proc/net/tcp hex address (`0100007F`, 32 hex digits for tcp6) in the usual notation. */
export function procAddress(hex: string): string {
  if (hex.length === 8) {
    // Little-endian on x86 and arm64: 0100007F is 127.0.0.1.
    return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
  }
  if (hex.length === 32) {
    const words = [0, 8, 16, 24].map(
      (i) =>
        hex
          .slice(i, i + 8)
          .match(/../g)
          ?.reverse()
          .join('') ?? '',
    );
    const groups =
      words
        .join('')
        .match(/..../g)
        ?.map((g) => g.replace(/^0+(?=.)/, '').toLowerCase()) ?? [];
    const all = groups.join(':');
    if (/^(0:){7}0$/.test(all)) return '::';
    return all.replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return hex;
}

/** The probe's /proc fallback: `port addrhex inode pid comm` lines. */
export function parseProcListen(stdout: string): Listener[] {
  const out: Listener[] = [];
  for (const line of stdout.split('\n')) {
    const [port, addr, , pid, comm] = line.trim().split(/\s+/);
    if (!port || !addr || !/^\d+$/.test(port)) continue;
    const known = pid !== undefined && /^\d+$/.test(pid);
    out.push({
      port: Number(port),
      address: procAddress(addr),
      pid: known ? Number(pid) : null,
      process: known && comm && comm !== '-' ? comm : null,
      source: PROC,
      text: oneLine(`port ${port} on ${procAddress(addr)} ${known ? `held by pid ${pid} (${comm ?? '?'})` : 'owner not found'}`),
    });
  }
  return out;
}

/** Build the listener facts from `ss-listen` or `proc-listen`. */
export function buildListeners(raw: RawSnapshot): Collected<ListenerFacts> {
  const live = liveValues(raw);
  if (!live.ok) return notCollected(live.reason);
  const ss = raw.commands['ss-listen'];
  if (ss && ss.status === 'ok') return collected({via: 'ss', listeners: parseSs(ss.stdout), portsScanned: null});
  const proc = raw.commands['proc-listen'];
  if (proc) {
    const hz = Number(lastValue(live.values, 'healthz_port'));
    return collected({via: 'proc', listeners: parseProcListen(proc.stdout), portsScanned: Number.isInteger(hz) && hz > 0 ? [10250, hz] : [10250]});
  }
  if (ss) return notCollected(`not collected: \`ss -ltnp\` ${ss.status}${ss.reason ? `: ${oneLine(ss.reason)}` : ''}`);
  return notCollected(`not collected: ${lastValue(live.values, 'ports.error') ?? 'the probe did not list listening sockets'}`);
}
