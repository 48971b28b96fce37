import {describe, it, expect} from 'vitest';
import {buildKubeletProcesses, buildLockFile} from '../../src/facts/live/live-kubelet.js';
import {buildListeners, parseSs, procAddress} from '../../src/facts/live/live-ports.js';
import {buildFilesystems} from '../../src/facts/live/live-disk.js';
import {buildTimeSync} from '../../src/facts/live/live-time.js';
import {buildJournal, parseJournal} from '../../src/facts/host/journal.js';
import {buildCriSocket, protoStrings} from '../../src/facts/live/live-cri.js';
import type {CommandRecord} from '../../src/facts/types.js';
import {rawFrom} from '../helpers/facts.js';

type Cmd = Partial<CommandRecord> & {stdout: string};
const live = (values: string, commands: Record<string, Cmd> = {}) => rawFrom({}, {live: true, commands: {live: {stdout: values}, ...commands}});

describe('kubelet processes and the lock file', () => {
  it('lists every kubelet process with its argv', () => {
    const raw = live('', {
      'kubelet-procs': {
        stdout: '--pid 2392\n/usr/bin/kubelet\n--config=/var/lib/kubelet/config.yaml\n--pid 4410\nkubelet\n--lock-file=/var/run/kubelet.lock\n',
      },
    });
    const p = buildKubeletProcesses(raw);
    expect(p.collected && p.value.map((x) => [x.pid, x.argv])).toEqual([
      [2392, ['/usr/bin/kubelet', '--config=/var/lib/kubelet/config.yaml']],
      [4410, ['kubelet', '--lock-file=/var/run/kubelet.lock']],
    ]);
    expect(p.collected && p.value[0]?.text).toBe('pid 2392: /usr/bin/kubelet --config=/var/lib/kubelet/config.yaml');
  });

  it('reads the lock holder and a waiter from /proc/locks', () => {
    const raw = live('lock.path=/var/run/kubelet.lock\nlock.exists=1\nlock.inode=1234\nlock.holder=2392 FLOCK kubelet\nlock.waiter=4410 FLOCK kubelet\n');
    const l = buildLockFile(raw);
    if (!l.collected) throw new Error(l.reason);
    expect(l.value).toMatchObject({path: '/var/run/kubelet.lock', exists: true, error: null});
    expect(l.value.owners.map((o) => [o.pid, o.comm, o.waiting])).toEqual([
      [2392, 'kubelet', false],
      [4410, 'kubelet', true],
    ]);
    expect(l.value.owners[1]?.source).toEqual({file: '/proc/locks'});
  });

  it('has no path when the kubelet has no --lock-file', () => {
    const l = buildLockFile(live('healthz_port=10248\n'));
    expect(l.collected && l.value).toEqual({path: null, exists: null, owners: [], error: null});
  });
});

describe('listening sockets', () => {
  const SS = `State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
LISTEN 0      4096       127.0.0.1:10248      0.0.0.0:*    users:(("kubelet",pid=2392,fd=20))
LISTEN 0      4096               *:10250            *:*    users:(("kubelet",pid=2392,fd=25))
LISTEN 0      128          0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=610,fd=3))
LISTEN 0      128             [::]:22            [::]:*
`;

  it('parses ss -ltnp with its process column, and without it (not root)', () => {
    expect(parseSs(SS).map((l) => [l.port, l.address, l.process, l.pid])).toEqual([
      [10248, '127.0.0.1', 'kubelet', 2392],
      [10250, '*', 'kubelet', 2392],
      [22, '0.0.0.0', 'sshd', 610],
      [22, '::', null, null],
    ]);
  });

  it('converts /proc/net/tcp addresses', () => {
    expect(procAddress('0100007F')).toBe('127.0.0.1');
    expect(procAddress('00000000')).toBe('0.0.0.0');
    expect(procAddress('00000000000000000000000000000000')).toBe('::');
    expect(procAddress('00000000000000000000000001000000')).toBe('::1');
  });

  it('uses the /proc fallback when the node has no ss, naming the ports it looked at', () => {
    const raw = live('healthz_port=10248\n', {'proc-listen': {stdout: '10250 00000000000000000000000000000000 55123 777 python3\n10248 0100007F 55124 - -\n'}});
    const l = buildListeners(raw);
    if (!l.collected) throw new Error(l.reason);
    expect(l.value.via).toBe('proc');
    expect(l.value.portsScanned).toEqual([10250, 10248]);
    expect(l.value.listeners.map((x) => [x.port, x.address, x.pid, x.process])).toEqual([
      [10250, '::', 777, 'python3'],
      [10248, '127.0.0.1', null, null],
    ]);
  });
});

describe('filesystems for eviction', () => {
  it('reads nodefs and imagefs from df -kP / df -iP', () => {
    const raw = live('imagefs.path=/var/lib/containerd\n', {
      'df-kubelet': {stdout: 'Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/sda1         51290592 30123456  18528936      62% /\n'},
      'dfi-kubelet': {stdout: 'Filesystem      Inodes  IUsed   IFree IUse% Mounted on\n/dev/sda1      3276800 412345 2864455   13% /\n'},
      'df-imagefs': {
        stdout:
          'Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/sdb1        102687672 95000000   2444388      98% /var/lib/containerd\n',
      },
      'dfi-imagefs': {stdout: 'Filesystem      Inodes  IUsed   IFree IUse% Mounted on\n/dev/sdb1      6553600 100000 6453600    2% /var/lib/containerd\n'},
    });
    const f = buildFilesystems(raw);
    if (!f.collected) throw new Error(f.reason);
    expect(f.value.nodefs).toMatchObject({
      path: '/var/lib/kubelet',
      capacity: 51290592 * 1024,
      available: 18528936 * 1024,
      inodes: 3276800,
      inodesFree: 2864455,
      mount: '/',
    });
    expect(f.value.imagefs).toMatchObject({path: '/var/lib/containerd', available: 2444388 * 1024, source: {command: 'df -kP /var/lib/containerd'}});
  });

  it('strips the host root from the mount point', () => {
    const raw = {
      ...live('', {'df-kubelet': {stdout: 'Filesystem 1024-blocks Used Available Capacity Mounted on\noverlay 100 50 50 50% /host\n'}}),
      hostRoot: '/host',
    };
    const f = buildFilesystems(raw);
    expect(f.collected && f.value.nodefs?.mount).toBe('/');
    expect(f.collected && f.value.notes).toContain('no container runtime root (/var/lib/containerd, /var/lib/containers/storage, /var/lib/docker) on the node');
  });
});

describe('time synchronisation', () => {
  it('reads timedatectl status (systemd 239+ and older wording)', () => {
    const now = rawFrom(
      {},
      {
        live: true,
        commands: {
          timedatectl: {stdout: '               Local time: Mon 2026-06-01 00:00:05 UTC\nSystem clock synchronized: no\n              NTP service: inactive\n'},
        },
      },
    );
    const t = buildTimeSync(now);
    expect(t.collected && [t.value.synchronized?.value, t.value.ntpService?.value]).toEqual([false, false]);
    expect(t.collected && t.value.synchronized?.text).toBe('System clock synchronized: no');
    const old = rawFrom(
      {},
      {live: true, commands: {timedatectl: {stdout: '      Local time: Mon 2026-06-01\n Network time on: yes\nNTP synchronized: yes\n'}}},
    );
    const o = buildTimeSync(old);
    expect(o.collected && [o.value.synchronized?.value, o.value.ntpService?.value]).toEqual([true, true]);
  });

  it('is not collected without systemd', () => {
    const raw = rawFrom(
      {},
      {
        live: true,
        commands: {
          timedatectl: {status: 'failed', exitCode: 1, stdout: '', reason: "System has not been booted with systemd as init system (PID 1). Can't operate."},
        },
      },
    );
    expect(buildTimeSync(raw)).toEqual({
      collected: false,
      reason: "not collected: `timedatectl status` failed: System has not been booted with systemd as init system (PID 1). Can't operate.",
    });
  });
});

describe('the kubelet journal', () => {
  const J = `2026-04-16T12:04:10+0000 node-1 systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent.
2026-04-16T12:04:10+00:00 node-1 kubelet[7769]: E0416 12:04:10.794442    7769 run.go:74] "command failed" err="failed to parse kubelet flag: unknown flag: --network-plugin"
-- Boot 0123456789abcdef --
2026-04-16T12:04:10+0000 node-1 systemd[1]: kubelet.service: Main process exited, code=exited, status=1/FAILURE
`;

  it('splits short-iso lines into time, program, pid and message, skipping markers', () => {
    const lines = parseJournal(J, false);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatchObject({index: 2, time: '2026-04-16T12:04:10+00:00', ident: 'kubelet', pid: 7769});
    expect(lines[1]?.message).toMatch(/^E0416 12:04:10\.794442 7769 run\.go:74\] "command failed"/);
    expect(lines[2]).toMatchObject({ident: 'systemd', pid: 1, message: 'kubelet.service: Main process exited, code=exited, status=1/FAILURE'});
  });

  it('drops the first, possibly cut, line when the output hit the cap, and strips escape sequences', () => {
    const lines = parseJournal(`rk-plugin"\n2026-04-16T12:04:10+0000 node-1 kubelet[1]: \u001b[31mred\u001b[0m\n`, true);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toBe('[31mred[0m');
  });

  it('is not collected when journalctl is missing', () => {
    const raw = rawFrom({}, {live: true, commands: {journal: {status: 'not-found', exitCode: null, stdout: ''}}});
    expect(buildJournal(raw)).toEqual({collected: false, reason: 'not collected: journalctl is not on the node (no systemd journal)'});
  });
});

describe('the CRI socket answer (no crictl on the node)', () => {
  const cri = (values: string, commands: Record<string, Cmd> = {}) =>
    buildCriSocket(live(`cri.endpoint=unix:///run/containerd/containerd.sock\n${values}`, commands));
  // VersionResponse{version: "0.1.0", runtime_name: "containerd", runtime_version: "1.7.13", runtime_api_version: "v1"}
  const msg = Buffer.from([
    0x0a,
    5,
    ...Buffer.from('0.1.0'),
    0x12,
    10,
    ...Buffer.from('containerd'),
    0x1a,
    6,
    ...Buffer.from('1.7.13'),
    0x22,
    2,
    ...Buffer.from('v1'),
  ]);
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]).toString('latin1');

  it('decodes the VersionResponse', () => {
    expect(protoStrings(msg)).toEqual(
      new Map([
        [1, '0.1.0'],
        [2, 'containerd'],
        [3, '1.7.13'],
        [4, 'v1'],
      ]),
    );
    const c = cri('', {
      'cri-version': {stdout: 'HTTP/2 200 \r\ncontent-type: application/grpc\r\n\r\ngrpc-status: 0\r\ngrpc-message: \r\n'},
      'cri-version-body': {stdout: frame},
    });
    expect(c.collected && c.value).toMatchObject({
      grpcStatus: 0,
      runtimeName: 'containerd',
      runtimeVersion: '1.7.13',
      apiVersion: 'v1',
      answered: {value: true, text: 'containerd 1.7.13 answers CRI v1'},
    });
  });

  it('reports Unimplemented, a dead socket and a hung runtime', () => {
    const unimpl = cri('', {'cri-version': {stdout: 'HTTP/2 200 \r\ngrpc-status: 12\r\ngrpc-message: unknown%20service runtime.v1.RuntimeService\r\n'}});
    expect(unimpl.collected && unimpl.value.answered.text).toBe('grpc-status 12: unknown service runtime.v1.RuntimeService');
    const dead = cri('', {
      'cri-version': {
        status: 'failed',
        exitCode: 7,
        stdout: '',
        reason: "curl: (7) Failed to connect to localhost port 80 after 0 ms: Couldn't connect to server",
      },
    });
    expect(dead.collected && dead.value.answered).toMatchObject({value: false, text: expect.stringMatching(/nothing listens: the runtime is not running\)$/)});
    const hung = cri('', {'cri-version': {status: 'timeout', exitCode: null, stdout: ''}});
    expect(hung.collected && hung.value.answered.text).toBe('no answer in time: the runtime is hung');
  });

  it('is not collected when crictl answered instead, or the socket is missing', () => {
    expect(buildCriSocket(live(''))).toEqual({collected: false, reason: 'not collected: crictl is installed, so `crictl info` asked the runtime'});
    expect(cri('cri.error=no socket at /run/containerd/containerd.sock\n')).toEqual({
      collected: false,
      reason: 'not collected: no socket at /run/containerd/containerd.sock',
    });
  });
});
