/**
 * src/cluster/publish.ts in-process: the condition's fields (reason format, bounded one-line
 * message, transition kept unless the status flips), and the in-cluster path: the publisher
 * loads the service-account config (token and CA files in a temporary directory, the
 * KUBERNETES_SERVICE_HOST/PORT of the stand-in API server) and patches the node with the token.
 * The CLI reads the real service-account directory, which a test cannot redirect; the loader's
 * override is the seam (the same one test/cluster/fetch.test.ts uses for the cluster view).
 */
import {describe, it, expect, afterAll} from 'vitest';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {conditionMessage, MAX_MESSAGE, nextCondition, publisher, reasonOf} from '../../src/cluster/publish.js';
import {startApiServer} from '../helpers/apiserver.js';
import type {TargetResult} from '../../src/report/types.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, {recursive: true, force: true});
});

describe('the condition', () => {
  it('reason: a check id in CamelCase, valid as a metav1.Condition reason', () => {
    for (const [id, r] of [
      ['cgroup-driver-match', 'CgroupDriverMatch'],
      ['swap', 'Swap'],
      ['cert-expiry', 'CertExpiry'],
      ['2fa-x', 'Check2faX'],
    ]) {
      expect(reasonOf(id!)).toBe(r);
      expect(reasonOf(id!)).toMatch(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/);
    }
  });

  it('message: escapes and newlines stripped, bounded', () => {
    const m = conditionMessage(`a\u001b[31mred\u001b[0m\nline\u202e ${'x'.repeat(5000)}`);
    expect(m.startsWith('ared line ')).toBe(true);
    expect(m).not.toMatch(/[\u001b\n\u202e]/);
    expect(m.length).toBe(MAX_MESSAGE);
  });

  it('lastTransitionTime is kept while the status stays, and moves when it flips', () => {
    const v = {status: 'True' as const, reason: 'Swap', message: 'swap: on'};
    const now = new Date('2026-12-05T12:00:00.123Z');
    expect(nextCondition(v, {status: 'True', lastTransitionTime: '2026-12-01T00:00:00Z'}, now)).toMatchObject({
      lastTransitionTime: '2026-12-01T00:00:00Z',
      lastHeartbeatTime: '2026-12-05T12:00:00Z',
    });
    expect(nextCondition(v, {status: 'False', lastTransitionTime: '2026-12-01T00:00:00Z'}, now).lastTransitionTime).toBe('2026-12-05T12:00:00Z');
    expect(nextCondition(v, undefined, now).lastTransitionTime).toBe('2026-12-05T12:00:00Z');
  });
});

describe('publishing with the in-cluster service account', () => {
  it('patches the node with the token from the service-account directory', async () => {
    const token = 'in-cluster-token-9f3b2c';
    const api = await startApiServer({nodes: [{name: 'node-a'}], bearerTokens: {[token]: 'system:serviceaccount:kubelet-doctor:kubelet-doctor'}});
    try {
      const sa = await mkdtemp(join(tmpdir(), 'kd-sa-'));
      dirs.push(sa);
      await writeFile(join(sa, 'token'), token);
      await writeFile(join(sa, 'ca.crt'), api.ca.certPem);
      const lines: string[] = [];
      const port = new URL(api.url).port;
      const result: TargetResult = {
        target: 'node-a',
        node: 'node-a',
        transport: 'pod',
        status: 'ok',
        error: null,
        kubeletVersion: 'v1.30.2',
        durationMs: 1,
        notes: [],
        results: [],
      };
      const pub = publisher(
        [
          {
            kind: 'pod',
            name: 'node-a',
            node: 'node-a',
            hostRoot: '/host',
            cluster: {kubeconfig: null, context: null},
            image: 'busybox',
            namespace: 'kd',
            labels: {},
          },
        ],
        {
          kubeconfig: null,
          context: null,
          inCluster: {host: '127.0.0.1', port, dir: sa},
          onLine: (l) => lines.push(l),
        },
      );
      pub.add(result);
      expect(await pub.finish(0)).toBe(0);
      expect(lines).toEqual([]);
      expect(api.nodePatches).toHaveLength(1);
      expect(api.nodePatches[0]).toMatchObject({node: 'node-a', contentType: 'application/strategic-merge-patch+json'});
      expect(api.nodePatches[0]!.body).toMatchObject({status: {conditions: [{type: 'KubeletDoctorProblem', status: 'False', reason: 'KubeletDoctorOK'}]}});
    } finally {
      await api.close();
    }
  });
});
