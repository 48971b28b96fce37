import {mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {planFix} from '../../src/fixes/registry.js';
import {isNotApplicable, type FixPlan, type Step} from '../../src/fixes/types.js';
import {NOW, labTrees, probeTree} from './helpers.js';

const trees = labTrees('kd-plan-cg-');
const node = async (name: string, scenario: 'healthy' | 'cgroup-driver-mismatch', edit?: (root: string) => Promise<void>) =>
  (await trees.write(name, scenario, edit ? {edit} : {})).root;
const replaceIn = async (file: string, from: string | RegExp, to: string) => writeFile(file, (await readFile(file, 'utf8')).replace(from, to));
const plan = async (root: string, choice?: string): Promise<FixPlan> => {
  const p = await probeTree(root);
  const r = planFix({facts: p.facts, raw: p.raw, finding: p.finding('cgroup-driver-match'), now: NOW, ...(choice ? {choice} : {})});
  if (isNotApplicable(r)) throw new Error(r.reason);
  return r;
};
const writes = (p: FixPlan) => p.steps.filter((s): s is Extract<Step, {kind: 'write-file'}> => s.kind === 'write-file');
const kinds = (p: FixPlan) => p.steps.map((s) => (s.kind === 'restart-unit' ? `restart ${s.unit}` : s.kind));

describe('set-kubelet-cgroup-driver', () => {
  it('aligns the kubelet to containerd by editing cgroupDriver in config.yaml, the only way offered when containerd is on systemd', async () => {
    const p = await plan(await node('n1', 'cgroup-driver-mismatch'));
    expect(p.choices?.map((c) => c.name)).toEqual(['kubelet']);
    expect(writes(p).map((w) => w.path)).toEqual(['/var/lib/kubelet/config.yaml']);
    expect(writes(p)[0]!.after).toBe(writes(p)[0]!.before!.replace('cgroupDriver: cgroupfs', 'cgroupDriver: systemd'));
    expect(kinds(p)).toEqual(['write-file', 'restart kubelet', 'wait-healthz']);
  });

  it('edits the flag in /etc/default/kubelet, not config.yaml, when the flag is what sets the losing value', async () => {
    const root = await node('n2', 'healthy', (r) => writeFile(join(r, 'etc/default/kubelet'), 'KUBELET_EXTRA_ARGS="--cgroup-driver=cgroupfs --v=2"\n'));
    const p = await plan(root);
    expect(writes(p).map((w) => [w.path, w.after])).toEqual([['/etc/default/kubelet', 'KUBELET_EXTRA_ARGS="--cgroup-driver=systemd --v=2"\n']]);
  });

  it('offers moving containerd (version 2 layout) to systemd first when the kubelet already uses it', async () => {
    const root = await node('n3', 'healthy', (r) => replaceIn(join(r, 'etc/containerd/config.toml'), 'SystemdCgroup = true', 'SystemdCgroup = false'));
    const p = await plan(root);
    expect(p.choices?.map((c) => c.name)).toEqual(['runtime', 'kubelet']);
    expect(p.choice).toBe('runtime');
    const w = writes(p)[0]!;
    expect(w.path).toBe('/etc/containerd/config.toml');
    expect(w.after).toBe(w.before!.replace('SystemdCgroup = false', 'SystemdCgroup = true'));
    expect(kinds(p)).toEqual(['write-file', 'restart containerd', 'restart kubelet', 'wait-healthz']);
    const k = await plan(root, 'kubelet');
    expect(writes(k)[0]!.after).toContain('cgroupDriver: cgroupfs');
  });

  it('adds SystemdCgroup to the containerd 2.x (version 3) runc options table when it is not set', async () => {
    const v3 = await readFile(join(import.meta.dirname, '../fixtures/runtime/containerd-2.x-default.toml'), 'utf8');
    const root = await node('n4', 'healthy', (r) => writeFile(join(r, 'etc/containerd/config.toml'), v3));
    const p = await plan(root, 'runtime');
    const w = writes(p)[0]!;
    expect(w.after.split('\n').length).toBe(w.before!.split('\n').length + 1);
    expect(w.after).toMatch(
      /\[plugins\.'io\.containerd\.cri\.v1\.runtime'\.containerd\.runtimes\.runc\.options\]\n(?: {12}\w+ = .*\n)+ {12}SystemdCgroup = true\n/,
    );
  });

  it('sets CRI-O cgroup_manager where crio.conf sets it', async () => {
    const root = await node('n5', 'healthy', async (r) => {
      await rm(join(r, 'etc/containerd'), {recursive: true});
      await mkdir(join(r, 'etc/crio'), {recursive: true});
      await writeFile(join(r, 'etc/crio/crio.conf'), '# CRI-O\n[crio.runtime]\n# the driver\ncgroup_manager = "cgroupfs"\nconmon_cgroup = "pod"\n');
      await replaceIn(join(r, 'var/lib/kubelet/kubeadm-flags.env'), /unix:\/\/\S+containerd\.sock/, 'unix:///var/run/crio/crio.sock');
    });
    const p = await plan(root, 'runtime');
    expect(writes(p).map((w) => [w.path, w.after])).toEqual([
      ['/etc/crio/crio.conf', '# CRI-O\n[crio.runtime]\n# the driver\ncgroup_manager = "systemd"\nconmon_cgroup = "pod"\n'],
    ]);
    expect(kinds(p)).toContain('restart crio');
  });

  it('refuses a --choice the node does not offer, naming the ones it does', async () => {
    const root = join(trees.dir, 'n1');
    const p = await probeTree(root);
    const r = planFix({facts: p.facts, raw: p.raw, finding: p.finding('cgroup-driver-match'), now: NOW, choice: 'runtime'});
    expect(r).toEqual({notApplicable: true, reason: '--choice runtime is not offered here', hint: 'choose one of: kubelet'});
  });
});
