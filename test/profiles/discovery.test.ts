/**
 * Profile discovery (src/facts/kubelet/profile.ts) on in-memory nodes: references the kubelet's unit
 * makes (flags, unit and env files) decide before files that merely exist; nothing known is
 * `unknown`; an embedded kubelet is recognised by its own files and carries the note saying what
 * is checked. Also: the probe reads every profile's fixed paths, each once.
 */
import {describe, expect, it} from 'vitest';
import {PROFILES} from '../../checks/data/profiles/index.js';
import {buildFacts} from '../../src/facts/build.js';
import {FILES} from '../../src/probe/sections.js';
import {PROFILE_PATHS} from '../../src/probe/profile-paths.js';
import {rawFrom} from '../helpers/facts.js';

const profileOf = (files: Record<string, string>) => {
  const f = buildFacts(rawFrom(files), {name: 'n', transport: 'root'});
  if (!f.profile.collected) throw new Error(f.profile.reason);
  return f.profile.value;
};

const AL2023_UNIT = `[Service]
EnvironmentFile=/etc/eks/kubelet/environment
ExecStart=/usr/bin/kubelet $NODEADM_KUBELET_ARGS
`;

describe('installer profile discovery', () => {
  it('follows the unit: the env file and the --config it names identify EKS AL2023, with file:line evidence', () => {
    const p = profileOf({
      '/etc/systemd/system/kubelet.service': AL2023_UNIT,
      '/etc/eks/kubelet/environment': 'NODEADM_KUBELET_ARGS="--config=/etc/kubernetes/kubelet/config.json --kubeconfig=/var/lib/kubelet/kubeconfig"\n',
    });
    expect(p.id).toBe('eks-al2023');
    expect(p.title).toMatch(/Amazon Linux 2023/);
    expect(p.evidence).toContainEqual(
      expect.objectContaining({source: {file: '/etc/systemd/system/kubelet.service', line: 2}, text: 'EnvironmentFile=/etc/eks/kubelet/environment'}),
    );
    expect(p.evidence).toContainEqual(expect.objectContaining({text: '--config=/etc/kubernetes/kubelet/config.json', kind: 'reference'}));
    expect(p.embeddedNote).toBeNull();
  });

  it('references beat files on disk: a kubespray CA left behind does not outweigh the unit that runs kubeadm files', () => {
    const p = profileOf({
      '/usr/lib/systemd/system/kubelet.service': '[Service]\nExecStart=/usr/bin/kubelet\n',
      '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf':
        '[Service]\nEnvironment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\nEnvironmentFile=-/etc/sysconfig/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS $KUBELET_EXTRA_ARGS\n',
      '/etc/sysconfig/kubelet': 'KUBELET_EXTRA_ARGS=\n',
      '/etc/kubernetes/ssl/ca.crt': 'not read for discovery\n',
      '/usr/local/bin/kubelet': '',
    });
    expect(p.id).toBe('kubeadm-rpm');
    expect(p.evidence[0]?.kind).toBe('reference');
  });

  it('tells the legacy DEB repository from pkgs.k8s.io by the apt source when the layouts are the same', () => {
    const files = {
      '/usr/lib/systemd/system/kubelet.service': '[Service]\nExecStart=/usr/bin/kubelet\n',
      '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf':
        '[Service]\nEnvironmentFile=-/etc/sysconfig/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml\n',
      '/etc/sysconfig/kubelet': 'KUBELET_EXTRA_ARGS=\n',
    };
    expect(
      profileOf({...files, '/etc/yum.repos.d/kubernetes.repo': '[kubernetes]\nbaseurl=https://packages.cloud.google.com/yum/repos/kubernetes-el7-$basearch\n'})
        .id,
    ).toBe('kubeadm-rpm-legacy');
    expect(profileOf({...files, '/etc/yum.repos.d/kubernetes.repo': '[kubernetes]\nbaseurl=https://pkgs.k8s.io/core:/stable:/v1.30/rpm/\n'}).id).toBe(
      'kubeadm-rpm',
    );
  });

  it('needs what sets a profile apart: legacy DEB files without --network-plugin or Docker are not the dockershim era', () => {
    const files = {
      '/lib/systemd/system/kubelet.service': '[Service]\nExecStart=/usr/bin/kubelet\n',
      '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf':
        '[Service]\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml $KUBELET_KUBEADM_ARGS\n',
      '/etc/default/kubelet': 'KUBELET_EXTRA_ARGS=\n',
    };
    expect(profileOf({...files, '/var/lib/kubelet/kubeadm-flags.env': 'KUBELET_KUBEADM_ARGS=""\n'}).id).toBe('kubeadm-deb-legacy');
    const shim = profileOf({...files, '/var/lib/kubelet/kubeadm-flags.env': 'KUBELET_KUBEADM_ARGS="--network-plugin=cni"\n'});
    expect(shim.id).toBe('kubeadm-dockershim');
    expect(shim.evidence[0]).toMatchObject({source: {file: '/var/lib/kubelet/kubeadm-flags.env', line: 1}, text: '--network-plugin=cni'});
  });

  it('a kubelet unit that matches no profile is unknown, with no evidence', () => {
    const p = profileOf({'/etc/systemd/system/kubelet.service': '[Service]\nExecStart=/opt/custom/kubelet --config=/opt/custom/kubelet.yaml\n'});
    expect(p).toEqual({id: 'unknown', title: expect.stringMatching(/^unknown/), evidence: [], embeddedNote: null});
  });

  it('k3s: no kubelet unit, its own files; the note says what is and is not checked', () => {
    const p = profileOf({
      '/etc/systemd/system/k3s-agent.service': '[Service]\nExecStart=/usr/local/bin/k3s agent\n',
      '/etc/rancher/k3s/config.yaml': 'server: https://10.0.0.10:6443\n',
    });
    expect(p.id).toBe('k3s');
    expect(p.evidence.map((e) => e.source)).toEqual([{file: '/etc/systemd/system/k3s-agent.service'}, {file: '/etc/rancher/k3s/config.yaml'}]);
    expect(p.embeddedNote).toMatch(/^embedded kubelet .*are not run \(systemd-dropin, .*cert-expiry.*\); checked: the runtime and the host/);
  });

  it('k3s files on a node whose kubelet.service runs a kubeadm kubelet do not make it k3s', () => {
    const p = profileOf({
      '/usr/lib/systemd/system/kubelet.service': '[Service]\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml\n',
      '/etc/rancher/k3s/config.yaml': 'leftover\n',
    });
    expect(p.id).not.toBe('k3s');
  });
});

describe('the probe reads the profiles’ fixed paths', () => {
  it('every profile config, kubeconfig, CA, runtime config and signal file is in FILES, each path once', () => {
    const paths = FILES.map((f) => f.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const p of PROFILES) {
      for (const want of [p.kubeletConfig.path, p.kubeconfig, p.caCert, p.runtime.configPath, ...(p.unit?.envFiles.map((e) => e.path) ?? [])]) {
        if (want !== null) expect(paths, `${p.id}: ${want}`).toContain(want);
      }
    }
    expect(PROFILE_PATHS.every((x) => x.startsWith('/') && !x.includes('*'))).toBe(true);
    // Read their own way: the dpkg database (the kubelet's paragraph only), and client pems (keys: fingerprinted via the kubeconfig).
    expect(PROFILE_PATHS).not.toContain('/var/lib/dpkg/status');
    expect(PROFILE_PATHS.filter((x) => /\.(pem|key)$/.test(x))).toEqual([]);
  });

  it('every profile cites its sources and names a unit or an embedded kubelet', () => {
    for (const p of PROFILES) {
      expect(p.sources.length, p.id).toBeGreaterThan(0);
      expect(p.unit !== null || p.embeddedKubelet !== undefined, p.id).toBe(true);
      expect(p.signals.length, p.id).toBeGreaterThan(0);
    }
  });
});
