import {describe, expect, it} from 'vitest';
import {normalizeLogLine, patternForms} from '../../src/search/normalize.js';

describe('normalizeLogLine', () => {
  it('strips the syslog prefix and the klog header', () => {
    const line =
      'Apr 16 12:04:10 node-7 kubelet[7769]: E0416 12:04:10.794442    7769 run.go:74] "command failed" err="failed to parse kubelet flag: unknown flag: --network-plugin"';
    expect(normalizeLogLine(line)).toBe('"failed to parse kubelet flag: unknown flag: --network-plugin"');
  });

  it('strips a journalctl short-iso prefix', () => {
    expect(normalizeLogLine('2024-04-16T12:04:10+0000 ip-10-0-1-5 kubelet[1]: I0416 12:04:10.1 1 server.go:1] Started kubelet')).toBe('started kubelet');
  });

  it('makes lines that differ only in timestamps, pids, hosts, IPs, paths and versions equal', () => {
    const a =
      'Jan  3 01:02:03 node-1 kubelet[12]: E0103 01:02:03.000001 12 server.go:302] "Failed to run kubelet" err="dial tcp 10.0.0.1:6443: connect: connection refused; kubelet v1.30.2 reading /etc/kubernetes/kubelet.conf"';
    const b =
      'Dec 31 23:59:59 ip-172-31-4-9.ec2.internal kubelet[98765]: E1231 23:59:59.999999 98765 server.go:310] "Failed to run kubelet" err="dial tcp [fd00::1]:6443: connect: connection refused; kubelet v1.31.14 reading /srv/k8s/kubelet.conf"';
    expect(normalizeLogLine(a)).toBe(normalizeLogLine(b));
  });

  it('unescapes structured-logging quotes and folds quoted names', () => {
    expect(normalizeLogLine('err="nodes \\"node-2\\" is forbidden: node \\"node-1\\" cannot modify"')).toBe(
      'err="nodes "" is forbidden: node "" cannot modify"',
    );
  });

  it('removes control characters and escape sequences before anything else', () => {
    expect(normalizeLogLine('\u001b[31mSwap\u001b[0m is on\u0007')).toBe('swap is on');
  });
});

describe('patternForms', () => {
  it('offers the line as typed and without quote escapes', () => {
    expect(patternForms('err="a \\"b\\""')).toEqual(['err="a \\"b\\""', 'err="a "b""']);
    expect(patternForms('plain')).toEqual(['plain']);
  });
});
