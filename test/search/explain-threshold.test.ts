/**
 * `explain` has a no-match threshold: text unrelated to kubelets gets "no check matches" and
 * exit 1, while every catalogued signature (and real journal lines from public reports) still
 * finds its check near the top, with no entry listed twice.
 */
import {describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {allSignatures} from '../../src/catalogue/signatures.js';
import {explain, renderExplain} from '../../src/cli/commands/explain.js';

const signatures = allSignatures(catalogue);
const top3 = (q: string): string[] => [...new Set(explain(q).matches.map((m) => m.check))].slice(0, 3);

describe('explain answers nothing for text unrelated to the kubelet', () => {
  const unrelated = [
    'hello world',
    'lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore',
    '3f2b8c1e-9a7d-4e21-b6f0-5c8d2e1a9b47',
    '203.0.113.7 - - [10/Oct/2024:13:55:36 +0000] "GET /index.html HTTP/1.1" 200 2326 "-" "Mozilla/5.0 (X11; Linux x86_64)"',
    'the quick brown fox jumps over the lazy dog',
  ];
  for (const q of unrelated) {
    it(`no check matches: ${q.slice(0, 50)}`, () => {
      expect(explain(q).matches).toEqual([]);
      expect(renderExplain(explain(q))).toMatch(/^No check matches "/);
    });
  }
});

describe('every catalogued signature still finds its check', () => {
  it('signature ids are unique across the catalogue', () => {
    const ids = signatures.map((s) => s.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  for (const sig of signatures) {
    it(`${sig.id} → ${sig.check} in the top 3, no entry twice`, () => {
      const {matches} = explain(sig.text);
      expect(top3(sig.text)).toContain(sig.check);
      const keys = matches.map((m) => `${m.kind}:${m.id}`);
      expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
      const checks = matches.filter((m) => m.kind === 'check').map((m) => m.id);
      expect(new Set(checks).size).toBe(checks.length);
    });
  }
});

describe('real kubelet journal lines from public reports', () => {
  const real: {url: string; line: string; check: string}[] = [
    {
      url: 'https://github.com/liuyi01/kubernetes-starter/issues/16',
      line: 'Nov 06 02:38:02 server02 kubelet[12780]: F1106 02:38:02.386363   12780 server.go:190] failed to load Kubelet config file /var/lib/kubelet/config.yaml, error failed to read kubelet config file "/var/lib/kubelet/config.yaml", error: open /var/lib/kubelet/config.yaml: no such file or directory',
      check: 'kubelet-config',
    },
    {
      url: 'https://github.com/apache/cloudstack/issues/5999',
      line: 'Feb 26 12:35:21 systemvm kubelet[1855]: E0226 12:35:21.632872    1855 server.go:206] "Failed to load kubelet config file" err="failed to load Kubelet config file /var/lib/kubelet/config.yaml, error failed to read kubelet config file \\"/var/lib/kubelet/config.yaml\\", error: open /var/lib/kubelet/config.yaml: no such file or directory" path="/var/lib/kubelet/config.yaml"',
      check: 'kubelet-config',
    },
    {
      url: 'https://github.com/kelseyhightower/kubernetes-the-hard-way/issues/807',
      line: '"command failed" err="failed to run Kubelet: invalid kubeconfig: error loading config file \\"/var/lib/kubelet/kubeconfig\\": read /var/lib/kubelet/kubeconfig: is a directory"',
      check: 'kubeconfig',
    },
    {
      url: 'https://github.com/kubernetes/kubernetes/issues/98150',
      line: 'Jan 18 17:33:58 aura kubelet[1457370]: F0118 17:33:58.888743 1457370 server.go:271] failed to run Kubelet: unable to load bootstrap kubeconfig: stat /etc/kubernetes/bootstrap-kubelet.conf: no such file or directory',
      check: 'kubeconfig',
    },
    {
      url: 'https://github.com/bsycorp/kind/issues/49',
      line: 'E0517 10:23:23.994527    3081 bootstrap.go:265] part of the existing bootstrap client certificate in /etc/kubernetes/kubelet.conf is expired: 2022-05-17 04:45:09 +0000 UTC',
      check: 'cert-expiry',
    },
    {
      url: 'https://github.com/kubernetes/minikube/issues/17170',
      line: 'Sep 03 15:54:42 minikube kubelet[25959]: E0903 15:54:42.118101   25959 run.go:74] "command failed" err="failed to run Kubelet: validate service connection: validate CRI v1 runtime API for endpoint \\"unix:///var/run/cri-dockerd.sock\\": rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService"',
      check: 'container-runtime',
    },
    {
      url: 'https://github.com/kubernetes/website/issues/38385',
      line: '"command failed" err="failed to run Kubelet: validate service connection: CRI v1 runtime API is not implemented for endpoint \\"unix:///var/run/containerd/containerd.sock\\": rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService"',
      check: 'container-runtime',
    },
    {
      url: 'https://github.com/kubernetes/minikube/issues/17170',
      line: 'Sep 03 15:54:42 minikube systemd[1]: kubelet.service: Scheduled restart job, restart counter is at 860.',
      check: 'systemd-dropin',
    },
    {
      url: 'https://github.com/clearlinux/cloud-native-setup/issues/127',
      line: 'Jul 31 01:44:11 clr-7758e4011ab24fbfa1263b0fd3f57997 kubelet[10086]: E0731 01:44:11.047944   10086 file_linux.go:61] Unable to read config path "/etc/kubernetes/manifests": path does not exist, ignoring',
      check: 'static-pods',
    },
    {
      url: 'https://github.com/containerd/containerd/issues/8032',
      line: '[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: /proc/sys/net/bridge/bridge-nf-call-iptables does not exist',
      check: 'kernel-prereqs',
    },
    {
      url: 'https://github.com/kubernetes/kubernetes/issues/115824',
      line: 'I0216 08:39:06.027167    7655 server.go:575] "Standalone mode, no API client"',
      check: 'kubeconfig',
    },
    {
      url: 'https://github.com/kubernetes/kubernetes/issues/115824',
      line: 'I0216 08:39:06.064298    7655 server.go:463] "No api server defined - no events will be sent to API server"',
      check: 'kubeconfig',
    },
    {
      url: 'https://github.com/opsnull/follow-me-install-kubernetes-cluster/issues/640',
      line: 'W0305 15:57:27.329660   16240 server.go:549] standalone mode, no API client',
      check: 'kubeconfig',
    },
    {
      url: 'https://github.com/kubernetes/kubernetes/issues/65991',
      line: 'bootstrap.go:204] Part of the existing bootstrap client certificate is expired: 2018-07-06 12:32:00 +0000 UTC',
      check: 'cert-expiry',
    },
  ];
  for (const r of real) {
    it(`${r.check} for ${r.url}`, () => {
      expect(top3(r.line), JSON.stringify(explain(r.line).matches.slice(0, 4))).toContain(r.check);
    });
  }

  it('the standalone-mode lines (old and new wording) lead to kubeconfig first', () => {
    for (const line of [
      'I0312 09:14:55.120034    2211 server.go:764] "Standalone mode, no API client"',
      'W1230 18:50:30.505273    1395 server.go:558] standalone mode, no API client',
      'I0312 09:14:56.001230    2211 kubelet.go:1650] "No API server defined - no node status update will be sent"',
      'W0114 15:32:13.582668   27521 kubelet.go:1318] No api server defined - no node status update will be sent.',
    ]) {
      expect(explain(line).matches[0], line).toMatchObject({check: 'kubeconfig', matchedBy: 'pattern'});
    }
  });
});
