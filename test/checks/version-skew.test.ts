import {describe, expect, it} from 'vitest';
import check, {maxKubeletLag} from '../../checks/version-skew.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {collected, notCollected} from '../../src/facts/types.js';
import type {Facts} from '../../src/facts/types.js';
import {parseVersion} from '../../src/facts/kubelet/version.js';
import {ctx, makeFacts} from '../helpers/facts.js';
import {clusterFacts, nodeView, withCluster} from './cluster-fixtures.js';

const DPKG = {file: '/var/lib/dpkg/status', line: 9};
const installed = (v: string): Facts['kubeletVersion'] => collected({value: v, source: DPKG, text: `Version: ${v.slice(1)}-1.1`});

/** The verdicts for an installed kubelet `kubelet` against an API server `api`. */
function run(kubelet: string, api: string): Verdict[] {
  const facts = withCluster(
    {apiserverVersion: collected(api), node: collected(nodeView({nodeInfo: {...nodeView().nodeInfo, kubeletVersion: kubelet}}))},
    {kubeletVersion: installed(kubelet)},
  );
  return [check.evaluate(facts, ctx)].flat();
}
const one = (kubelet: string, api: string): Verdict => {
  const out = run(kubelet, api);
  expect(out).toHaveLength(1);
  return out[0]!;
};

describe('version-skew check', () => {
  it('passes the same minor release, citing the kubelet version source and GET /version', () => {
    const v = one('v1.30.2', 'v1.30.2');
    expect(v.status).toBe('pass');
    expect(v.summary).toBe('kubelet v1.30.2 and API server v1.30.2 are the same minor release 1.30');
    expect(v.evidence).toEqual([
      {source: DPKG, text: 'Version: 1.30.2-1.1'},
      {source: {command: 'GET /version'}, text: 'gitVersion: v1.30.2'},
    ]);
  });

  it('passes a kubelet one minor older', () => {
    const v = one('v1.29.4', 'v1.30.2');
    expect(v.status).toBe('pass');
    expect(v.summary).toBe('kubelet v1.29.4 is 1 minor version older than the API server v1.30.2, within the skew policy (at most 3)');
  });

  it('passes a newer patch release of the same minor, with a note (the policy compares minors)', () => {
    const v = one('v1.30.5', 'v1.30.2');
    expect(v.status).toBe('pass');
    expect(v.summary).toBe(
      "kubelet v1.30.5 and API server v1.30.2 are the same minor release 1.30; the kubelet's patch release is newer, which the skew policy allows (it and kubeadm compare minor versions)",
    );
  });

  it('warns at the edge of the 3-minor window (API server 1.28, kubelet 1.25)', () => {
    const v = one('v1.25.16', 'v1.28.3');
    expect(v.status).toBe('warn');
    expect(v.summary).toBe(
      'kubelet v1.25.16 is 3 minor versions older than the API server v1.28.3, the most the skew policy allows (API server 1.28 or newer, kubelet 1.25 or newer): upgrade the kubelet before the next control-plane upgrade',
    );
  });

  it('fails a 1.24 kubelet under a 1.28 API server: kubelets before 1.25 keep the 2-minor window', () => {
    const v = one('v1.24.17', 'v1.28.3');
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(
      'kubelet v1.24.17 is 4 minor versions older than the API server v1.28.3: the skew policy allows at most 2 (kubelets older than 1.25); upgrade the kubelet',
    );
  });

  it('warns at the edge of the 2-minor window before 1.28 (API server 1.27, kubelet 1.25)', () => {
    const v = one('v1.25.0', 'v1.27.9');
    expect(v.status).toBe('warn');
    expect(v.summary).toContain('2 minor versions older than the API server v1.27.9, the most the skew policy allows (API servers older than 1.28)');
  });

  it('fails 3 minors under a 1.27 API server', () => {
    const v = one('v1.24.0', 'v1.27.9');
    expect(v.status).toBe('fail');
    expect(v.summary).toContain('is 3 minor versions older than the API server v1.27.9: the skew policy allows at most 2');
  });

  it("fails a kubelet newer than the API server, with kubeadm's KubeletVersion wording", () => {
    const v = one('v1.31.0', 'v1.30.2');
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(
      'kubelet v1.31.0 is newer than the API server v1.30.2: the kubelet must not be newer than kube-apiserver ("[ERROR KubeletVersion]: the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: "1.31.0" Control plane version: "1.30.2"")',
    );
    expect(check.signatures[0]!.pattern.test(v.summary)).toBe(true);
  });

  it('fails a major version mismatch', () => {
    expect(one('v2.0.0', 'v1.30.2').status).toBe('fail');
  });

  it('computes the window from both versions', () => {
    const lag = (a: string, k: string) => maxKubeletLag(parseVersion(a)!, parseVersion(k)!);
    expect([lag('1.28', '1.25'), lag('1.28', '1.24'), lag('1.27', '1.25'), lag('1.35', '1.32')]).toEqual([3, 2, 2, 3]);
  });

  it('uses the version the kubelet posted to its Node when the node-side version is unknown', () => {
    const facts = withCluster({
      apiserverVersion: collected('v1.30.2'),
      node: collected(nodeView({nodeInfo: {...nodeView().nodeInfo, kubeletVersion: 'v1.27.1'}})),
    });
    const [v] = [check.evaluate(facts, ctx)].flat();
    expect(v?.status).toBe('warn');
    expect(v?.evidence[0]).toEqual({source: {command: 'GET /api/v1/nodes/node-1'}, text: 'status.nodeInfo.kubeletVersion: v1.27.1'});
  });

  it('warns when the Node reports another kubelet version than the installed one (not restarted since the upgrade)', () => {
    const facts = withCluster(
      {node: collected(nodeView({nodeInfo: {...nodeView().nodeInfo, kubeletVersion: 'v1.29.6'}}))},
      {kubeletVersion: installed('v1.30.2')},
    );
    const out = [check.evaluate(facts, ctx)].flat();
    expect(out.map((v) => v.status)).toEqual(['pass', 'warn']);
    expect(out[1]?.summary).toMatch(/^the Node reports kubelet v1\.29\.6 \(what the running kubelet last posted\) but the installed kubelet is v1\.30\.2/);
  });

  it('skips an unparseable version', () => {
    expect(one('vnext', 'v1.30.2')).toEqual({status: 'skip', summary: 'the kubelet version "vnext" is not a version like v1.30.2', evidence: []});
    expect(one('v1.30.2', 'devel')).toEqual({status: 'skip', summary: 'the API server version "devel" is not a version like v1.30.2', evidence: []});
  });

  it('skips without a cluster view, without the API server version, or without any kubelet version', () => {
    expect(check.evaluate(makeFacts({cluster: notCollected('no --kubeconfig given')}), ctx)).toEqual({
      status: 'skip',
      summary: 'no --kubeconfig given',
      evidence: [],
    });
    const noVersion = makeFacts({cluster: collected(clusterFacts({apiserverVersion: notCollected('GET /version: 403 Forbidden')}))});
    expect(check.evaluate(noVersion, ctx)).toMatchObject({status: 'skip', summary: 'the API server version was not fetched: GET /version: 403 Forbidden'});
    const noKubelet = makeFacts({kubeletVersion: notCollected('kubelet version unknown'), cluster: collected(clusterFacts({node: collected(null)}))});
    expect(check.evaluate(noKubelet, ctx)).toMatchObject({status: 'skip', summary: 'kubelet version unknown'});
  });
});
