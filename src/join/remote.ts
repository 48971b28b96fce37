/**
 * Running `kubeadm join` on the node through a Transport, its output streamed back as it comes.
 *
 * A transport runs a script and returns when it ends; a join takes minutes (kubeadm waits up to
 * 4 min for the kubelet's healthz and 5 min for the TLS bootstrap). So the join is started in the
 * background on the node (nohup, stdin from /dev/null), writing its output and then its exit code
 * into a private run directory, and short read-only scripts poll that file from the last offset
 * on the same SSH connection. A dropped connection or a Ctrl-C here cannot cut kubeadm off half
 * way (a half-done join is worse than a finished failure); the run directory keeps the node's own
 * record: <host root>/var/lib/kubelet-doctor/join/run.XXXXXX/{out,rc}, mode 0700.
 */
import {shQuote} from '../probe/script.js';
import {TargetError} from '../errors.js';
import type {Transport} from '../transport/types.js';

/** How a poll went. */
interface Poll {
  done: boolean;
  exitCode: number | null;
  size: number;
  chunk: Buffer;
}

/** Bytes fetched per poll, and the transcript kept in all. */
const CHUNK = 256 * 1024;
export const MAX_TRANSCRIPT = 4 * 1024 * 1024;

const HEADER = /^@@KDJ (started|running|done|missing) ?(\S*) ?(\S*)\n/;

/** The script that starts the join and prints `@@KDJ started PID RUNDIR`. */
export function startScript(argv: readonly string[], hostRoot: string): string {
  const state = `${hostRoot.replace(/\/+$/, '')}/var/lib/kubelet-doctor/join`;
  return [
    'umask 077',
    `command -v ${shQuote(argv[0]!)} >/dev/null 2>&1 || { echo "@@KDJ missing"; exit 0; }`,
    `S=${shQuote(state)}`,
    'mkdir -p "$S" || exit 90',
    'R=$(mktemp -d "$S/run.XXXXXX") || exit 91',
    // $0 is the run directory inside the child shell; the join's words follow as "$@".
    `nohup sh -c 'cd / && "$@" >"$0/out" 2>&1; echo $? >"$0/rc.tmp" && mv "$0/rc.tmp" "$0/rc"' "$R" ${argv.map(shQuote).join(' ')} </dev/null >/dev/null 2>&1 &`,
    'echo "@@KDJ started $! $R"',
    '',
  ].join('\n');
}

/** The script that reads the output from OFFSET: `@@KDJ running|done SIZE [RC]` then the bytes. */
export function pollScript(runDir: string, offset: number): string {
  return [
    `R=${shQuote(runDir)}`,
    // The exit code is read before the output, so "done" always comes with all of it.
    'if [ -f "$R/rc" ]; then rc=$(cat "$R/rc"); st=done; else rc=; st=running; fi',
    'sz=$(wc -c < "$R/out" 2>/dev/null | tr -d " ")',
    'echo "@@KDJ $st ${sz:-0} $rc"',
    `[ -f "$R/out" ] && tail -c +${offset + 1} "$R/out" | head -c ${CHUNK}`,
    'exit 0',
    '',
  ].join('\n');
}

async function runScript(t: Transport, script: string, signal?: AbortSignal): Promise<string | Buffer> {
  const r = await t.run({script, timeoutMs: 60_000, maxOutputBytes: CHUNK + 4096, ...(signal ? {signal} : {})});
  if (r.timedOut)
    throw new TargetError('timeout', 'the node did not answer within 60 s while the join ran', 'the join goes on on the node; look at its run directory');
  if (r.exitCode !== 0) {
    throw new TargetError(
      'probe',
      `could not start or read the join on the node (exit ${r.exitCode}): ${r.stderr.trim().slice(-300)}`,
      'check that the user may write /var/lib/kubelet-doctor (root, or sudo)',
    );
  }
  return r.stdout;
}

async function poll(t: Transport, runDir: string, offset: number, signal?: AbortSignal): Promise<Poll> {
  const out = (await runScript(t, pollScript(runDir, offset), signal)) as Buffer;
  const nl = out.indexOf(10);
  const m = HEADER.exec(out.subarray(0, nl + 1).toString('latin1'));
  if (!m || nl === -1)
    throw new TargetError('probe', 'the node answered the join poll with something else', "check the login shell's startup files on the node");
  return {done: m[1] === 'done', exitCode: m[1] === 'done' && /^\d+$/.test(m[3]!) ? Number(m[3]) : null, size: Number(m[2]) || 0, chunk: out.subarray(nl + 1)};
}

/** What a remote join came to. */
export interface RemoteJoin {
  exitCode: number | null;
  /** The run directory on the node (under the host root). */
  runDir: string;
  /** True when the transcript reached {@link MAX_TRANSCRIPT} and the rest was not fetched. */
  capped: boolean;
  /** True when the wait ended (deadline, Ctrl-C) before kubeadm did. */
  detached: boolean;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      {once: true},
    );
  });

/**
 * Start the join and hand each piece of its output to `onData` as it arrives. Resolves when
 * kubeadm has exited (or the deadline / the signal ends the wait: `detached`).
 */
export async function runRemoteJoin(
  t: Transport,
  argv: readonly string[],
  o: {onData: (b: Buffer) => void; deadlineMs: number; intervalMs?: number; signal?: AbortSignal},
): Promise<RemoteJoin> {
  const started = String(await runScript(t, startScript(argv, t.hostRoot), o.signal));
  const m = /@@KDJ (started|missing) ?(\d*) ?(\S*)/.exec(started);
  if (!m || m[1] === 'missing') {
    throw new TargetError('probe', `no ${argv[0]} on the node's PATH: nothing was run`, 'install kubeadm on the node (the same minor version as the cluster)');
  }
  const runDir = m[3]!;
  const end = Date.now() + o.deadlineMs;
  let offset = 0;
  for (;;) {
    if (o.signal?.aborted || Date.now() > end) return {exitCode: null, runDir, capped: false, detached: true};
    const p = await poll(t, runDir, offset, o.signal);
    if (p.chunk.length > 0) {
      const room = MAX_TRANSCRIPT - offset;
      o.onData(p.chunk.subarray(0, Math.max(0, room)));
      offset += p.chunk.length;
      if (offset >= MAX_TRANSCRIPT) return {exitCode: p.done ? p.exitCode : null, runDir, capped: true, detached: !p.done};
    }
    if (p.done && offset >= p.size) return {exitCode: p.exitCode, runDir, capped: false, detached: false};
    // More is waiting: fetch it at once; otherwise wait a little for kubeadm to say more.
    if (offset < p.size) continue;
    await sleep(o.intervalMs ?? 1000, o.signal);
  }
}
