/**
 * Applicability: every check declares the kubelet eras and modes it judges; outside them the
 * engine reports `skip` with the reason before the check runs, and docs/checks.md says so.
 */
import {describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import cniConfig from '../../checks/cni-config.js';
import {defineCheck, describeApplicability, fail} from '../../src/catalogue/define.js';
import {renderChecksMarkdown} from '../../src/docs/generate.js';
import {evaluateCheck} from '../../src/engine/evaluate.js';
import {collected} from '../../src/facts/types.js';
import {argvOf} from '../helpers/argv.js';
import {ctx, makeFacts} from '../helpers/facts.js';

const version = (v: string) => collected({value: v, source: {command: 'kubelet --version'}, text: `Kubernetes ${v}`});
const node = (v: string | null, flags: string[]) => makeFacts({...(v ? {kubeletVersion: version(v)} : {}), argv: argvOf(['/usr/bin/kubelet', ...flags])});

describe('cni-config applies only where the kubelet uses CNI', () => {
  // kubelet.md (knowledge): --network-plugin was removed in 1.24 (kubernetes#106907); before it the
  // dockershim's default network plugin is "" (no CNI: host networking only) and kubenet sets up
  // its own bridge with host-local; with --container-runtime=remote the runtime runs CNI itself.
  it('skips a dockershim kubelet 1.23 without --network-plugin=cni, saying why', () => {
    const f = evaluateCheck(cniConfig, node('v1.23.17', ['--kubeconfig=/etc/kubernetes/kubelet.conf']), ctx);
    expect(f.status).toBe('skip');
    expect(f.summary).toMatch(/does not apply: .*network-plugin/);
  });

  it('skips a 1.22 kubenet node, and an explicit kubenet when the version is unknown', () => {
    expect(evaluateCheck(cniConfig, node('v1.22.4', ['--network-plugin=kubenet']), ctx).status).toBe('skip');
    expect(evaluateCheck(cniConfig, node(null, ['--network-plugin=kubenet']), ctx).status).toBe('skip');
  });

  it('judges 1.23 with --network-plugin=cni, 1.23 on a remote runtime, 1.24 and later, and an unknown version without the flag', () => {
    for (const [v, flags] of [
      ['v1.23.17', ['--network-plugin=cni']],
      ['v1.23.17', ['--container-runtime=remote', '--container-runtime-endpoint=unix:///run/containerd/containerd.sock']],
      ['v1.24.0', []],
      ['v1.30.2', []],
      [null, []],
    ] as const) {
      const f = evaluateCheck(cniConfig, node(v, [...flags]), ctx);
      expect(f.summary, `${v} ${flags.join(' ')}`).not.toMatch(/does not apply/);
    }
  });
});

describe('the engine enforces the declaration once, before evaluate runs', () => {
  const ranged = defineCheck({
    id: 'ranged',
    title: 't',
    category: 'kubelet',
    severity: 'high',
    description: 'd',
    needs: [],
    remediation: 'r',
    appliesTo: {kubelet: {min: '1.28', max: '1.33'}},
    evaluate: () => fail('judged', [{source: {file: '/x', line: 1}, text: 'x'}]),
  });

  it('a node outside the version range is skipped with the range; inside or unknown, the check runs', () => {
    const old = evaluateCheck(ranged, node('v1.27.9', []), ctx);
    expect(old.status).toBe('skip');
    expect(old.summary).toBe('does not apply to kubelet v1.27.9: the check covers kubelet 1.28 to 1.33');
    expect(evaluateCheck(ranged, node('v1.34.0', []), ctx).summary).toMatch(/covers kubelet 1.28 to 1.33/);
    expect(evaluateCheck(ranged, node('v1.33.5', []), ctx).status).toBe('fail');
    expect(evaluateCheck(ranged, node(null, []), ctx).status).toBe('fail');
  });

  it('every check in the catalogue declares where it applies, and docs/checks.md prints it', () => {
    const doc = renderChecksMarkdown(catalogue);
    for (const c of catalogue) {
      expect(c.appliesTo, c.id).toBeDefined();
      expect(doc).toContain(`**Applies to:** ${describeApplicability(c)}`);
    }
    expect(describeApplicability(cniConfig)).toMatch(/not when kubelet 1.23 and older, --network-plugin not "cni"/);
  });
});
