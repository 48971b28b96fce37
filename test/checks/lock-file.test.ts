import {describe, it, expect} from 'vitest';
import check from '../../checks/lock-file.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildKubeletProcesses, buildLockFile} from '../../src/facts/live/live-kubelet.js';
import type {CommandRecord} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {argvOf, DROPIN} from '../helpers/argv.js';

const LOCK = '/var/run/kubelet.lock';
const ONE = '--pid 2392\n/usr/bin/kubelet\n--lock-file=/var/run/kubelet.lock\n';
const TWO = `${ONE}--pid 4410\n/usr/local/bin/kubelet\n--lock-file=/var/run/kubelet.lock\n`;

function run(words: string[], live?: {procs: string; lock?: string}): Verdict[] {
  const commands: Record<string, Partial<CommandRecord> & {stdout: string}> = live
    ? {live: {stdout: live.lock ?? ''}, 'kubelet-procs': {stdout: live.procs}}
    : {};
  const raw = rawFrom({}, {live: live !== undefined, commands});
  const facts = makeFacts({
    argv: argvOf(['--config=/var/lib/kubelet/config.yaml', ...words]),
    kubeletProcesses: buildKubeletProcesses(raw),
    lockFile: buildLockFile(raw),
  });
  return [check.evaluate(facts, ctx)].flat();
}

describe('lock-file check', () => {
  it('fails offline on --exit-on-lock-contention without --lock-file', () => {
    const [v] = run(['--exit-on-lock-contention']);
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      '--exit-on-lock-contention is set without --lock-file: the kubelet refuses to start ("cannot exit on lock file contention: no lock file specified")',
    );
    expect(v?.evidence).toEqual([{source: DROPIN, text: '--exit-on-lock-contention'}]);
  });

  it('skips offline when the flags are consistent, saying what needs a live node', () => {
    const [v] = run([`--lock-file=${LOCK}`]);
    expect(v?.status).toBe('skip');
    expect(v?.summary).toBe(
      `the lock flags are consistent (--lock-file=${LOCK}); who holds the lock and how many kubelets run needs a live node: not collected: the root transport reads files only (this needs a live node)`,
    );
  });

  it('passes with one kubelet holding its lock', () => {
    const [v] = run([`--lock-file=${LOCK}`], {procs: ONE, lock: `lock.path=${LOCK}\nlock.exists=1\nlock.holder=2392 FLOCK kubelet\n`});
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(`one kubelet process (pid 2392); holds ${LOCK}`);
  });

  it('passes with one kubelet and no lock file configured', () => {
    const [v] = run([], {procs: '--pid 2392\n/usr/bin/kubelet\n'});
    expect(v).toMatchObject({status: 'pass', summary: 'one kubelet process (pid 2392); no --lock-file'});
  });

  it('fails when two kubelets run, one blocked on the lock', () => {
    const out = run([`--lock-file=${LOCK}`], {
      procs: TWO,
      lock: `lock.path=${LOCK}\nlock.exists=1\nlock.holder=2392 FLOCK kubelet\nlock.waiter=4410 FLOCK kubelet\n`,
    });
    expect(out.map((v) => v.status)).toEqual(['fail', 'fail']);
    expect(out[0]?.summary).toBe('2 kubelet processes run (pid 2392, 4410): only one may run on a node; they fight over ports, containers and the Node object');
    expect(out[0]?.evidence[1]).toEqual({
      source: {command: 'kubelet processes (/proc/*/comm, /proc/<pid>/cmdline)'},
      text: `pid 4410: /usr/local/bin/kubelet --lock-file=${LOCK}`,
    });
    expect(out[1]?.summary).toBe(`a second kubelet (pid 4410) is blocked waiting for ${LOCK} held by pid 2392: two kubelets were started on this node`);
  });

  it('fails when another program holds the lock', () => {
    const [v] = run([`--lock-file=${LOCK}`], {procs: '', lock: `lock.path=${LOCK}\nlock.exists=1\nlock.holder=999 FLOCK flock\n`});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(`${LOCK} is locked by flock (pid 999), not by a kubelet: a kubelet started with --lock-file blocks at start until it is released`);
  });

  it('warns when the running kubelet does not hold the configured lock', () => {
    const [v] = run([`--lock-file=${LOCK}`], {procs: '--pid 2392\n/usr/bin/kubelet\n', lock: `lock.path=${LOCK}\nlock.exists=1\n`});
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(`the kubelet runs (pid 2392) but nobody holds ${LOCK}: the running kubelet was not started with this --lock-file`);
  });

  it('does not judge a lock file other than the effective one', () => {
    const out = run([`--lock-file=${LOCK}`], {procs: ONE, lock: 'lock.path=/run/other.lock\nlock.exists=1\n'});
    expect(out.map((v) => v.status)).toEqual(['pass', 'skip']);
    expect(out[1]?.summary).toBe(`not collected: the probe checked the lock file /run/other.lock but the effective --lock-file is ${LOCK}`);
  });
});
