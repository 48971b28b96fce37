import {readFile, writeFile, unlink} from 'node:fs/promises';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {ScenarioId} from '../../src/lab/node-tree.js';
import {planFix} from '../../src/fixes/registry.js';
import {isNotApplicable, type FixPlan, type NotApplicable, type Step} from '../../src/fixes/types.js';
import {NOW, labTrees, probeTree} from './helpers.js';

const trees = labTrees('kd-plan-k-');
const node = async (name: string, scenario: ScenarioId, version = 'v1.30.2', edit?: (root: string) => Promise<void>) =>
  (await trees.write(name, scenario, {kubeletVersion: version, ...(edit ? {edit} : {})})).root;
const planFor = async (root: string, check: string, choice?: string): Promise<FixPlan | NotApplicable> => {
  const p = await probeTree(root);
  return planFix({facts: p.facts, raw: p.raw, finding: p.finding(check), now: NOW, ...(choice ? {choice} : {})});
};
const plan = async (root: string, check: string, choice?: string): Promise<FixPlan> => {
  const r = await planFor(root, check, choice);
  if (isNotApplicable(r)) throw new Error(r.reason);
  return r;
};
const writes = (p: FixPlan) =>
  Object.fromEntries(p.steps.filter((s): s is Extract<Step, {kind: 'write-file'}> => s.kind === 'write-file').map((w) => [w.path, w.after]));

describe('kubelet-flags-fix', () => {
  it('removes the removed flag and moves the deprecated endpoint flag into config.yaml (translate)', async () => {
    const p = await plan(await node('f1', 'removed-flag', 'v1.27.16'), 'kubelet-flags');
    const w = writes(p);
    expect(w['/var/lib/kubelet/kubeadm-flags.env']).toBe('KUBELET_KUBEADM_ARGS=""\n');
    expect(w['/var/lib/kubelet/config.yaml']).toContain('containerRuntimeEndpoint: unix:///var/run/containerd/containerd.sock\n');
  });

  it('only removes what stops the kubelet with --choice remove-only', async () => {
    const p = await plan(join(trees.dir, 'f1'), 'kubelet-flags', 'remove-only');
    expect(writes(p)).toEqual({
      '/var/lib/kubelet/kubeadm-flags.env': 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"\n',
    });
  });

  it('corrects a misspelt flag in /etc/default/kubelet to the flag it was meant to be', async () => {
    const root = await node('f2', 'healthy', 'v1.30.2', (r) => writeFile(join(r, 'etc/default/kubelet'), 'KUBELET_EXTRA_ARGS=--cgroups-driver=systemd\n'));
    const p = await plan(root, 'kubelet-flags', 'remove-only');
    expect(writes(p)['/etc/default/kubelet']).toBe('KUBELET_EXTRA_ARGS=--cgroup-driver=systemd\n');
  });
});

describe('kubelet-config-fix', () => {
  it('renames maxPod to maxPods and changes nothing else in the file', async () => {
    const root = await node('c1', 'config-typo');
    const before = await readFile(join(root, 'var/lib/kubelet/config.yaml'), 'utf8');
    const p = await plan(root, 'kubelet-config');
    expect(writes(p)).toEqual({'/var/lib/kubelet/config.yaml': before.replace('maxPod: 200', 'maxPods: 200')});
  });

  it('drops the unknown field with --choice drop', async () => {
    const p = await plan(join(trees.dir, 'c1'), 'kubelet-config', 'drop');
    expect(writes(p)['/var/lib/kubelet/config.yaml']).not.toMatch(/maxPods?:/);
  });

  it('sets a wrong apiVersion back to kubelet.config.k8s.io/v1beta1', async () => {
    const root = await node('c2', 'healthy', 'v1.30.2', async (r) => {
      const f = join(r, 'var/lib/kubelet/config.yaml');
      await writeFile(f, (await readFile(f, 'utf8')).replace('apiVersion: kubelet.config.k8s.io/v1beta1', 'apiVersion: kubelet.config.k8s.io/v1'));
    });
    const p = await plan(root, 'kubelet-config');
    expect(writes(p)['/var/lib/kubelet/config.yaml']).toMatch(/^apiVersion: kubelet\.config\.k8s\.io\/v1beta1\n/);
  });

  it('says what to do by hand when the file does not exist', async () => {
    const r = await planFor(await node('c3', 'missing-config'), 'kubelet-config');
    expect(isNotApplicable(r) && r.reason).toMatch(
      /nothing this fix can change automatically: \/var\/lib\/kubelet\/config\.yaml does not exist: `kubeadm join` writes it/,
    );
  });
});

describe('systemd-dropin-fix', () => {
  it('inserts an empty ExecStart= right before the redefinition, then reloads systemd', async () => {
    const p = await plan(await node('d1', 'dropin-no-reset'), 'systemd-dropin');
    const w = writes(p)['/etc/systemd/system/kubelet.service.d/20-extra.conf']!;
    expect(w).toMatch(/^\[Service\]\nExecStart=\nExecStart=\/usr\/bin\/kubelet /);
    expect(p.steps.map((s) => s.kind)).toEqual(['write-file', 'daemon-reload', 'restart-unit', 'wait-healthz']);
  });

  it('makes a missing required EnvironmentFile optional, or creates it with --choice create', async () => {
    const root = await node('d2', 'healthy', 'v1.30.2', async (r) => {
      const f = join(r, 'usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf');
      await writeFile(f, (await readFile(f, 'utf8')).replace('EnvironmentFile=-/etc/default/kubelet', 'EnvironmentFile=/etc/default/kubelet'));
      await unlink(join(r, 'etc/default/kubelet'));
    });
    const optional = await plan(root, 'systemd-dropin');
    expect(writes(optional)['/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf']).toContain('\nEnvironmentFile=-/etc/default/kubelet\n');
    const created = await plan(root, 'systemd-dropin', 'create');
    expect(created.steps.find((s) => s.kind === 'write-file')).toMatchObject({path: '/etc/default/kubelet', before: null, after: 'KUBELET_EXTRA_ARGS=\n'});
  });
});
