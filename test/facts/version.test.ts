import {describe, it, expect} from 'vitest';
import {buildKubeletVersion, compareVersions, minorOf, parseVersion, versionAtLeast} from '../../src/facts/kubelet/version.js';
import {rawFrom} from '../helpers/facts.js';

// The probe sends only the kubelet paragraph of /var/lib/dpkg/status.
const DPKG = `Package: kubelet
Status: install ok installed
Priority: optional
Section: admin
Installed-Size: 73845
Maintainer: Kubernetes Authors <dev@kubernetes.io>
Architecture: amd64
Version: 1.30.2-1.1
Depends: iptables (>= 1.4.21), kubernetes-cni (>= 1.1.1), iproute2, mount
Description: Node agent for Kubernetes clusters
`;

describe('buildKubeletVersion', () => {
  it('prefers --kubelet-version over everything else', () => {
    const raw = rawFrom({'/var/lib/dpkg/status': DPKG}, {live: true, commands: {'kubelet-version': {stdout: 'Kubernetes v1.29.0\n'}}});
    expect(buildKubeletVersion(raw, '1.27.3')).toEqual({
      collected: true,
      value: {value: 'v1.27.3', source: {command: '--kubelet-version'}, text: '--kubelet-version 1.27.3'},
    });
  });

  it('rejects an override that is not a version', () => {
    expect(buildKubeletVersion(rawFrom({}), 'latest')).toEqual({collected: false, reason: '--kubelet-version "latest" is not a version like v1.30.2'});
  });

  it('reads `kubelet --version` on a live node', () => {
    const raw = rawFrom({'/var/lib/dpkg/status': DPKG}, {live: true, commands: {'kubelet-version': {stdout: 'Kubernetes v1.31.1\n'}}});
    expect(buildKubeletVersion(raw)).toEqual({collected: true, value: {value: 'v1.31.1', source: {command: 'kubelet-version'}, text: 'Kubernetes v1.31.1'}});
  });

  it('falls back to the dpkg database offline, with the Version line as evidence', () => {
    expect(buildKubeletVersion(rawFrom({'/var/lib/dpkg/status': DPKG}))).toEqual({
      collected: true,
      value: {value: 'v1.30.2', source: {file: '/var/lib/dpkg/status', line: 8}, text: 'Version: 1.30.2-1.1'},
    });
  });

  it('falls back to dpkg when the live command failed, and reads legacy apt versions', () => {
    const legacy = DPKG.replace('1.30.2-1.1', '1.26.5-00');
    const raw = rawFrom({'/var/lib/dpkg/status': legacy}, {live: true, commands: {'kubelet-version': {stdout: '', status: 'not-found'}}});
    expect(buildKubeletVersion(raw)).toMatchObject({collected: true, value: {value: 'v1.26.5'}});
  });

  it('ignores a removed package whose config files remain', () => {
    const removed = DPKG.replace('install ok installed', 'deinstall ok config-files');
    const v = buildKubeletVersion(rawFrom({'/var/lib/dpkg/status': removed}));
    expect(v.collected).toBe(false);
  });

  it('says how to supply the version when nothing answers', () => {
    expect(buildKubeletVersion(rawFrom({}))).toEqual({
      collected: false,
      reason:
        'kubelet version unknown: `kubelet --version` is not run under the root transport and no installed kubelet package in /var/lib/dpkg/status; pass --kubelet-version',
    });
  });
});

describe('version helpers', () => {
  it('parses v-prefixed, dpkg, epoch and pre-release versions', () => {
    expect(['v1.30.2', '1.30', '1.30.2-1.1', '1:1.28.0-00', 'v1.31.0-rc.1', 'Kubernetes'].map(parseVersion)).toEqual([
      {major: 1, minor: 30, patch: 2},
      {major: 1, minor: 30, patch: 0},
      {major: 1, minor: 30, patch: 2},
      {major: 1, minor: 28, patch: 0},
      {major: 1, minor: 31, patch: 0},
      null,
    ]);
  });

  it('gives the minor release', () => {
    expect([minorOf('v1.27.3'), minorOf('nope')]).toEqual(['1.27', null]);
  });

  it('compares by minor when the minimum has no patch, and by patch when it has one', () => {
    expect([
      versionAtLeast('v1.27.0', '1.27'),
      versionAtLeast('v1.26.9', '1.27'),
      versionAtLeast('v1.27.3', '1.27.4'),
      versionAtLeast('v2.0.0', '1.35'),
    ]).toEqual([true, false, false, true]);
    expect(versionAtLeast('unknown', '1.20')).toBe(false);
    expect(['v1.30.0', 'v1.9.1', 'v1.30.0'].sort(compareVersions)).toEqual(['v1.9.1', 'v1.30.0', 'v1.30.0']);
  });
});
