/**
 * One kubelet per node. `--lock-file` makes a kubelet take an flock at start (and block while
 * another holds it); `--exit-on-lock-contention` makes the holder exit when another kubelet opens
 * the file, and is refused without `--lock-file`. Live, the probe lists every kubelet process and
 * reads /proc/locks for the lock's holder and waiters (kubelet.md F20).
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import {effectiveFlag} from '../src/facts/types.js';
import type {FlagOccurrence} from '../src/facts/types.js';
import type {KubeletProcess, LockFileFacts} from '../src/facts/live/live-kubelet.js';

const ev = (v: {source: Evidence['source']; text: string}): Evidence => ({source: v.source, text: v.text});
const pids = (ps: {pid: number}[]): string => ps.map((p) => p.pid).join(', ');

/** The lock file's holders and waiters against the running kubelets. */
function lockVerdicts(flag: FlagOccurrence, lock: LockFileFacts, procs: KubeletProcess[]): {verdicts: Verdict[]; note: string | null} {
  const flagEv = ev(flag);
  if (lock.path !== flag.value) {
    return {
      verdicts: [skip(`not collected: the probe checked the lock file ${lock.path ?? '(none found)'} but the effective --lock-file is ${flag.value}`)],
      note: null,
    };
  }
  if (lock.error) return {verdicts: [warn(`${flag.value}: ${lock.error}`, [flagEv])], note: null};
  const kubeletPids = new Set(procs.map((p) => p.pid));
  const isKubelet = (o: {pid: number; comm: string}): boolean => o.comm === 'kubelet' || kubeletPids.has(o.pid);
  const holders = lock.owners.filter((o) => !o.waiting);
  const waiters = lock.owners.filter((o) => o.waiting);
  const out: Verdict[] = [];
  for (const h of holders.filter((o) => !isKubelet(o))) {
    out.push(
      fail(`${flag.value} is locked by ${h.comm} (pid ${h.pid}), not by a kubelet: a kubelet started with --lock-file blocks at start until it is released`, [
        ev(h),
        flagEv,
      ]),
    );
  }
  const blocked = waiters.filter(isKubelet);
  if (blocked.length > 0) {
    const by = holders.length > 0 ? ` held by pid ${pids(holders)}` : '';
    out.push(
      fail(`a second kubelet (pid ${pids(blocked)}) is blocked waiting for ${flag.value}${by}: two kubelets were started on this node`, [
        ...blocked.map(ev),
        ...holders.map(ev),
        flagEv,
      ]),
    );
  }
  if (out.length > 0) return {verdicts: out, note: null};
  if (procs.length > 0 && lock.exists === false) {
    return {
      verdicts: [
        warn(`the kubelet runs (pid ${pids(procs)}) but ${flag.value} does not exist: the running kubelet was not started with this --lock-file`, [
          flagEv,
          ...procs.map(ev),
        ]),
      ],
      note: null,
    };
  }
  if (procs.length > 0 && holders.length === 0) {
    return {
      verdicts: [
        warn(`the kubelet runs (pid ${pids(procs)}) but nobody holds ${flag.value}: the running kubelet was not started with this --lock-file`, [
          flagEv,
          ...procs.map(ev),
        ]),
      ],
      note: null,
    };
  }
  return {verdicts: [], note: holders.length > 0 ? `holds ${flag.value}` : `${flag.value} is free`};
}

export default defineCheck({
  id: 'lock-file',
  title: 'one kubelet per node, holding its lock file',
  category: 'kubelet',
  severity: 'high',
  description:
    'Two kubelets on one node (one started by hand, or one in a container) fight over ports 10250/10248, the containers and the Node object. --lock-file makes a second kubelet wait for the first; --exit-on-lock-contention without --lock-file stops the kubelet at start.',
  needs: ['argv', 'kubeletProcesses', 'lockFile'],
  appliesTo: {offline: 'the --lock-file and --exit-on-lock-contention flags agree; who holds the lock needs a live node'},
  explainedBy: ['systemd-dropin'],
  remediation:
    'Stop the extra kubelet: `ps -o pid,args -C kubelet` shows them; keep the one systemd started (`systemctl show -p MainPID kubelet`) and `kill` the other, or remove the container that runs it. Add --lock-file only together with the flags that need it, and never --exit-on-lock-contention without --lock-file.',
  references: [
    'https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/',
    'https://github.com/kubernetes/kubernetes/blob/master/cmd/kubelet/app/server.go',
  ],
  signatures: [
    {
      id: 'lock-file-acquire-failed',
      text: 'E0416 12:04:10.794442    7769 run.go:74] "command failed" err="failed to run Kubelet: unable to acquire file lock on \\"/var/run/kubelet.lock\\": permission denied"',
      pattern: /unable to acquire file lock on \\?"/,
      reference: 'kubelet.md F20; cmd/kubelet/app/server.go',
    },
    {
      id: 'exit-on-lock-contention-without-lock-file',
      text: 'failed to run Kubelet: cannot exit on lock file contention: no lock file specified',
      pattern: /cannot exit on lock file contention: no lock file specified/,
      reference: 'kubelet.md F20; cmd/kubelet/app/server.go',
    },
    {
      id: 'lock-file-contention',
      text: 'I0416 12:04:10.794442    7769 server.go:1258] "Lock file contention detected, exiting" path="/var/run/kubelet.lock"',
      pattern: /[Ll]ock file contention detected/,
      reference: 'cmd/kubelet/app/server.go (watchForLockfileContention) [mem]',
    },
  ],
  evaluate(facts) {
    if (!facts.argv.collected) return skip(facts.argv.reason);
    const argv = facts.argv.value;
    const lock = effectiveFlag(argv, 'lock-file');
    const exit = effectiveFlag(argv, 'exit-on-lock-contention');
    const out: Verdict[] = [];
    const lockFlag = lock && lock.value !== '' ? lock : undefined;
    if (exit && exit.value !== 'false' && !lockFlag) {
      out.push(
        fail(
          '--exit-on-lock-contention is set without --lock-file: the kubelet refuses to start ("cannot exit on lock file contention: no lock file specified")',
          [ev(exit)],
        ),
      );
    }
    const {kubeletProcesses: procsC, lockFile} = facts;
    if (!procsC.collected) {
      if (out.length > 0) return out;
      const flags = lockFlag ? `--lock-file=${lockFlag.value}` : 'no --lock-file';
      return skip(`the lock flags are consistent (${flags}); who holds the lock and how many kubelets run needs a live node: ${procsC.reason}`);
    }
    const procs = procsC.value;
    if (procs.length > 1) {
      out.push(
        fail(
          `${procs.length} kubelet processes run (pid ${pids(procs)}): only one may run on a node; they fight over ports, containers and the Node object`,
          procs.map(ev),
        ),
      );
    }
    let note: string | null = null;
    if (lockFlag && lockFile.collected) {
      const r = lockVerdicts(lockFlag, lockFile.value, procs);
      out.push(...r.verdicts);
      note = r.note;
    } else if (lockFlag && !lockFile.collected) {
      out.push(skip(lockFile.reason));
    }
    if (out.some((v) => v.status !== 'skip')) return out;
    const running = procs.length === 1 ? `one kubelet process (pid ${procs[0]?.pid})` : 'no kubelet process runs';
    const lockPart = lockFlag ? `; ${note ?? `--lock-file=${lockFlag.value}`}` : '; no --lock-file';
    // What the verdict read: the processes (or the process list that held none) and the flag, or
    // the kubelet command line that has no --lock-file.
    const procEv = procs.length > 0 ? procs.map(ev) : [{source: {command: 'kubelet-procs'}, text: 'no process named kubelet'}];
    return [pass(`${running}${lockPart}`, [...procEv, ev(lockFlag ?? argv.executable)]), ...out];
  },
});
