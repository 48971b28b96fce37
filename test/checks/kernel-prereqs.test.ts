import {describe, it, expect} from 'vitest';
import check from '../../checks/kernel-prereqs.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildKernel} from '../../src/facts/host/host.js';
import {notCollected} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import type {RawOptions} from '../helpers/facts.js';

const K8S_SYSCTL = 'net.bridge.bridge-nf-call-iptables  = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward                 = 1\n';
const K8S_MODULES = 'overlay\nbr_netfilter\n';
const MODULES =
  'br_netfilter 32768 0 - Live 0x0000000000000000\nbridge 311296 1 br_netfilter, Live 0x0000000000000000\noverlay 151552 12 - Live 0x0000000000000000\n';
const PERSISTED = {'/etc/sysctl.d/k8s.conf': K8S_SYSCTL, '/etc/modules-load.d/k8s.conf': K8S_MODULES};
const LIVE_OK = {
  ...PERSISTED,
  '/proc/modules': MODULES,
  '/proc/sys/net/bridge/bridge-nf-call-iptables': '1\n',
  '/proc/sys/net/ipv4/ip_forward': '1\n',
};

function run(files: Record<string, string>, opts: RawOptions = {}): Verdict[] {
  const v = check.evaluate(makeFacts({kernel: buildKernel(rawFrom(files, opts))}), ctx);
  return Array.isArray(v) ? v : [v];
}

describe('kernel-prereqs check (live)', () => {
  it('passes when the module is loaded and both sysctls are 1 and persisted', () => {
    const vs = run(LIVE_OK, {live: true});
    expect(vs).toHaveLength(1);
    expect(vs[0]?.status).toBe('pass');
    expect(vs[0]?.summary).toBe('br_netfilter is loaded; net.bridge.bridge-nf-call-iptables = 1; net.ipv4.ip_forward = 1; persisted in /etc/sysctl.d/k8s.conf');
    expect(vs[0]?.evidence.map((e) => e.source)).toEqual([
      {file: '/proc/modules', line: 1},
      {file: '/proc/sys/net/bridge/bridge-nf-call-iptables', line: 1},
      {file: '/proc/sys/net/ipv4/ip_forward', line: 1},
      {file: '/etc/sysctl.d/k8s.conf', line: 1},
      {file: '/etc/sysctl.d/k8s.conf', line: 3},
    ]);
  });

  it('fails when br_netfilter is not loaded (the bridge sysctl does not exist)', () => {
    const {'/proc/modules': _m, '/proc/sys/net/bridge/bridge-nf-call-iptables': _b, ...rest} = LIVE_OK;
    const vs = run(
      {...rest, '/proc/modules': 'overlay 151552 12 - Live 0x0000000000000000\n'},
      {
        live: true,
        records: {'/proc/sys/net/bridge/bridge-nf-call-iptables': {status: 'missing'}},
      },
    );
    expect(vs).toHaveLength(1);
    expect(vs[0]?.status).toBe('fail');
    expect(vs[0]?.summary).toContain('br_netfilter is not loaded: /proc/sys/net/bridge/bridge-nf-call-iptables does not exist');
    expect(vs[0]?.summary).toContain('modules-load.d lists it');
    expect(vs[0]?.evidence.map((e) => e.source)).toEqual([
      {file: '/proc/sys/net/bridge/bridge-nf-call-iptables'},
      {file: '/etc/modules-load.d/k8s.conf', line: 2},
    ]);
  });

  it('fails when ip_forward is 0', () => {
    const vs = run({...LIVE_OK, '/proc/sys/net/ipv4/ip_forward': '0\n'}, {live: true});
    expect(vs).toHaveLength(1);
    expect(vs[0]?.status).toBe('fail');
    expect(vs[0]?.summary).toBe(
      'net.ipv4.ip_forward is 0, it must be 1 (kubeadm preflight: [ERROR FileContent--proc-sys-net-ipv4-ip_forward]); /etc/sysctl.d/k8s.conf:3 persists 1 but was not applied (sysctl --system)',
    );
    expect(vs[0]?.evidence[0]?.source).toEqual({file: '/proc/sys/net/ipv4/ip_forward', line: 1});
  });

  it('warns when ip_forward is 1 now but not persisted', () => {
    const vs = run({...LIVE_OK, '/etc/sysctl.d/k8s.conf': 'net.bridge.bridge-nf-call-iptables = 1\n'}, {live: true});
    expect(vs).toHaveLength(1);
    expect(vs[0]?.status).toBe('warn');
    expect(vs[0]?.summary).toMatch(/^net.ipv4.ip_forward is 1 now, but no sysctl.d file persists it/);
    expect(vs[0]?.evidence.map((e) => e.source)).toEqual([{file: '/proc/sys/net/ipv4/ip_forward', line: 1}, {file: '/etc/sysctl.d/k8s.conf'}]);
  });

  it('warns when a later sysctl file sets the bridge sysctl to 0 for boot', () => {
    const vs = run({...LIVE_OK, '/etc/sysctl.d/zz-hardening.conf': 'net.bridge.bridge-nf-call-iptables = 0\n'}, {live: true});
    expect(vs[0]?.status).toBe('warn');
    expect(vs[0]?.summary).toBe('net.bridge.bridge-nf-call-iptables is 1 now, but sysctl.d sets 0 for boot: it reverts after a reboot');
    expect(vs[0]?.evidence[1]?.source).toEqual({file: '/etc/sysctl.d/zz-hardening.conf', line: 1});
  });

  it('lets k8s.conf win over an earlier-sorting 99-*.conf (sysctl.d orders by file name)', () => {
    const vs = run({...LIVE_OK, '/etc/sysctl.d/99-hardening.conf': 'net.ipv4.ip_forward = 0\n'}, {live: true});
    expect(vs[0]?.status).toBe('pass');
  });

  it('warns when br_netfilter is loaded but not configured for boot', () => {
    const vs = run({...LIVE_OK, '/etc/modules-load.d/k8s.conf': 'overlay\n'}, {live: true});
    expect(vs[0]?.status).toBe('warn');
    expect(vs[0]?.summary).toBe('br_netfilter is loaded now, but no modules-load.d file loads it at boot: it will be missing after a reboot');
    expect(vs[0]?.evidence[0]?.source).toEqual({file: '/proc/modules', line: 1});
  });
});

describe('kernel-prereqs check (offline)', () => {
  it('passes when br_netfilter and ip_forward are persisted', () => {
    const vs = run(PERSISTED);
    expect(vs[0]?.status).toBe('pass');
    expect(vs[0]?.summary).toBe('br_netfilter loads at boot; persisted in /etc/sysctl.d/k8s.conf; net.bridge.bridge-nf-call-iptables is 1');
    expect(vs[0]?.evidence[0]?.source).toEqual({file: '/etc/modules-load.d/k8s.conf', line: 2});
  });

  it('warns when nothing is persisted', () => {
    const vs = run({'/usr/lib/sysctl.d/50-default.conf': 'kernel.sysrq = 16\n', '/etc/modules-load.d/modules.conf': '# /etc/modules\n'});
    expect(vs.map((v) => v.status)).toEqual(['warn', 'warn']);
    expect(vs[0]?.summary).toMatch(/^no modules-load.d file \(or \/etc\/modules\) loads br_netfilter at boot/);
    expect(vs[1]?.summary).toBe('net.ipv4.ip_forward = 1 is not persisted in sysctl.d: the kernel boots with 0 unless the runtime or CNI sets it');
    expect(vs[1]?.evidence[0]?.source).toEqual({file: '/usr/lib/sysctl.d/50-default.conf'});
  });

  it('warns when ip_forward is persisted as 0', () => {
    const vs = run({...PERSISTED, '/etc/sysctl.conf': 'net.ipv4.ip_forward=0\n'});
    expect(vs[0]?.status).toBe('warn');
    expect(vs[0]?.summary).toBe(
      'net.ipv4.ip_forward is set to 0 for boot: it must be 1 (kubeadm preflight: [ERROR FileContent--proc-sys-net-ipv4-ip_forward])',
    );
    expect(vs[0]?.evidence[0]?.source).toEqual({file: '/etc/sysctl.conf', line: 1});
  });

  it('falls back to the offline judgement on a live node that sent no /proc/sys or /proc/modules, and says so', () => {
    const warned = run({'/etc/sysctl.d/k8s.conf': 'net.bridge.bridge-nf-call-iptables = 1\n', '/etc/modules-load.d/k8s.conf': K8S_MODULES}, {live: true});
    expect(warned.map((v) => v.status)).toEqual(['warn']);
    expect(warned[0]?.summary).toMatch(/^offline judgement: \/proc\/sys and \/proc\/modules not available; net\.ipv4\.ip_forward = 1 is not persisted/);
    const passed = run(PERSISTED, {live: true});
    expect(passed[0]?.status).toBe('pass');
    expect(passed[0]?.summary).toMatch(/^offline judgement: \/proc\/sys and \/proc\/modules not available; br_netfilter loads at boot/);
    expect(passed[0]?.evidence[0]?.source).toEqual({file: '/etc/modules-load.d/k8s.conf', line: 2});
  });

  it('skips when no kernel facts were collected', () => {
    const v = check.evaluate(
      makeFacts({kernel: notCollected('root transport: no sysctl.d, modules-load.d, /etc/sysctl.conf or /etc/modules was collected')}),
      ctx,
    );
    expect(v).toEqual({status: 'skip', summary: 'root transport: no sysctl.d, modules-load.d, /etc/sysctl.conf or /etc/modules was collected', evidence: []});
  });
});

describe('signatures', () => {
  it('match the log lines they describe', () => {
    expect(check.signatures.length).toBeGreaterThan(0);
    for (const s of check.signatures) expect(s.pattern.test(s.text), s.id).toBe(true);
  });
});
