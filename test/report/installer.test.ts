/**
 * The installer profile in each reporter: the text and markdown headers carry one line
 * "Installer: <title> (<evidence file>)", the embedded-kubelet note follows it, and JSON keeps the
 * schema (1) with `profile` as the id DESIGN.md names plus `installer` with title and evidence.
 */
import {describe, expect, it} from 'vitest';
import {render as renderJson} from '../../src/report/json.js';
import {render as renderMarkdown} from '../../src/report/markdown.js';
import {render as renderText} from '../../src/report/text.js';
import type {InstallerSummary} from '../../src/report/types.js';
import {HOSTILE, makeReport, makeTarget} from '../helpers/report.js';

const opts = {color: false};

const eks: InstallerSummary = {
  id: 'eks-al2023',
  title: 'Amazon EKS AMI, Amazon Linux 2023 (nodeadm)',
  evidence: [
    {source: {file: '/etc/systemd/system/kubelet.service', line: 8}, text: 'EnvironmentFile=/etc/eks/kubelet/environment'},
    {source: {file: '/etc/eks/kubelet/environment', line: 1}, text: '--config=/etc/kubernetes/kubelet/config.json'},
  ],
  note: null,
};
const k3s: InstallerSummary = {
  id: 'k3s',
  title: 'k3s (embedded kubelet)',
  evidence: [{source: {file: '/etc/systemd/system/k3s-agent.service'}, text: '/etc/systemd/system/k3s-agent.service'}],
  note: 'embedded kubelet (k3s.service or k3s-agent.service, kubelet arguments in /etc/rancher/k3s/config.yaml): unit/flag/config checks do not apply (systemd-dropin, kubelet-flags, kubelet-config, lock-file, static-pods); checked: certs, runtime, host (cert-expiry, container-runtime, cni-config, swap, kernel-prereqs, cgroup-version)',
};

describe('installer line in reports', () => {
  it('text: one Installer line under the node header, naming the first evidence file:line', () => {
    const out = renderText(makeReport([makeTarget({profile: eks})]), opts);
    const lines = out.split('\n');
    const i = lines.findIndex((l) => l.startsWith('node-1  '));
    expect(lines[i + 1]).toBe('  Installer: Amazon EKS AMI, Amazon Linux 2023 (nodeadm) (/etc/systemd/system/kubelet.service:8)');
    expect(out.match(/Installer:/g)).toHaveLength(1);
  });

  it('text and markdown: an embedded kubelet says what is and is not checked', () => {
    const report = makeReport([makeTarget({profile: k3s})]);
    expect(renderText(report, opts)).toContain(
      '  Installer: k3s (embedded kubelet) (/etc/systemd/system/k3s-agent.service)\n  note: embedded kubelet (k3s.service',
    );
    const md = renderMarkdown(report, opts);
    expect(md).toContain('Installer: k3s (embedded kubelet) (/etc/systemd/system/k3s-agent.service)\n');
    expect(md).toContain('- note: embedded kubelet (k3s.service or k3s-agent.service');
  });

  it('no profile (a node that could not be probed): no Installer line', () => {
    const report = makeReport([makeTarget({status: 'unreachable', error: {kind: 'connect', message: 'refused', hint: null}})]);
    expect(renderText(report, opts)).not.toContain('Installer:');
    expect(renderMarkdown(report, opts)).not.toContain('Installer:');
    expect(JSON.parse(renderJson(report, opts)).targets[0]).not.toHaveProperty('profile');
  });

  it('json: schema 1, profile is the id, installer carries title, evidence as file:line strings and the note', () => {
    const doc = JSON.parse(renderJson(makeReport([makeTarget({profile: eks}), makeTarget({node: 'node-2', target: 'node-2', profile: k3s})]), opts));
    expect(doc.schema).toBe(1);
    expect(doc.targets[0].profile).toBe('eks-al2023');
    expect(doc.targets[0].installer).toEqual({
      id: 'eks-al2023',
      title: 'Amazon EKS AMI, Amazon Linux 2023 (nodeadm)',
      evidence: [
        {source: '/etc/systemd/system/kubelet.service:8', text: 'EnvironmentFile=/etc/eks/kubelet/environment'},
        {source: '/etc/eks/kubelet/environment:1', text: '--config=/etc/kubernetes/kubelet/config.json'},
      ],
      note: null,
    });
    expect(doc.targets[1].installer.note).toMatch(/^embedded kubelet/);
  });

  it('evidence from the node is remote text: escapes are stripped in every reporter', () => {
    const hostile: InstallerSummary = {...eks, evidence: [{source: {file: `/etc/eks/${HOSTILE}env`, line: 1}, text: `x${HOSTILE}`}]};
    const report = makeReport([makeTarget({profile: hostile})]);
    for (const out of [renderText(report, opts), renderMarkdown(report, opts), renderJson(report, opts)]) expect(out).not.toContain('\u001b');
  });
});
