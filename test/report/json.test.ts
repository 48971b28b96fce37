import {describe, it, expect} from 'vitest';
import {render} from '../../src/report/json.js';
import {hostileReport, sampleReport} from '../helpers/report.js';

const opts = {color: false};

describe('json report', () => {
  it('is schema 1 with the documented top-level and target keys', () => {
    const doc = JSON.parse(render(sampleReport(), opts));
    expect(Object.keys(doc)).toEqual(['schema', 'tool', 'version', 'startedAt', 'targets', 'summary']);
    expect(doc).toMatchObject({schema: 1, tool: 'kubelet-doctor', version: '0.1.0', startedAt: '2024-06-01T03:00:00.000Z'});
    expect(Object.keys(doc.targets[0])).toEqual([
      'target',
      'node',
      'transport',
      'status',
      'error',
      'kubeletVersion',
      'durationMs',
      'notes',
      'firstCause',
      'results',
    ]);
    expect(doc.targets[0]).toMatchObject({
      target: 'admin@node-1',
      node: 'node-1',
      transport: 'ssh',
      status: 'ok',
      error: null,
      kubeletVersion: 'v1.30.2',
      durationMs: 1234,
    });
    expect(doc.summary).toEqual({pass: 2, warn: 1, fail: 2, skip: 1, error: 1, note: 0, advice: 0});
  });

  it('writes evidence sources as "file:line" or the command string, with extension keys kept', () => {
    const doc = JSON.parse(render(sampleReport(), opts));
    const results = doc.targets[0].results as {id: string}[];
    const cgroup = results.find((r) => r.id === 'cgroup-driver-match');
    expect(cgroup).toEqual({
      id: 'cgroup-driver-match',
      title: 'Kubelet and container runtime use the same cgroup driver',
      category: 'runtime',
      severity: 'critical',
      status: 'fail',
      summary: 'kubelet uses cgroupfs, containerd uses systemd',
      evidence: [
        {source: '/var/lib/kubelet/config.yaml:14', text: 'cgroupDriver: cgroupfs'},
        {source: '/etc/containerd/config.toml:31', text: 'SystemdCgroup = true'},
      ],
      remediation: 'Make kubelet `cgroupDriver` equal the runtime driver (systemd on cgroup v2).',
      fix: 'set-kubelet-cgroup-driver',
      causedBy: null,
      details: [],
      references: ['https://kubernetes.io/docs/setup/production-environment/container-runtimes/#cgroup-drivers'],
    });
    const healthz = results.find((r) => r.id === 'healthz');
    expect(healthz).toMatchObject({
      causedBy: 'cgroup-driver-match',
      evidence: [{source: 'curl -sS http://127.0.0.1:10248/healthz', text: 'Connection refused'}],
    });
  });

  it('keeps results in the order the engine gave them', () => {
    const doc = JSON.parse(render(sampleReport(), opts));
    expect(doc.targets[0].results.map((r: {id: string}) => r.id)).toEqual([
      'systemd-dropin',
      'kubelet-config',
      'healthz',
      'cgroup-driver-match',
      'swap',
      'lock-file',
      'static-pods',
    ]);
  });

  it('carries an unreachable target with its error and no results', () => {
    const doc = JSON.parse(render(sampleReport(), opts));
    expect(doc.targets[1]).toEqual({
      target: 'node-2',
      node: 'node-2',
      transport: 'ssh',
      status: 'unreachable',
      error: {kind: 'unreachable', message: 'connect ECONNREFUSED 127.0.0.1:2222', hint: 'is sshd running on node-2?'},
      kubeletVersion: null,
      durationMs: 31,
      notes: [],
      firstCause: [],
      results: [],
    });
  });

  it("names each node's first causes: the failures no other failure explains", () => {
    const doc = JSON.parse(render(sampleReport(), opts));
    expect(doc.targets[0].firstCause).toEqual(['cgroup-driver-match']);
  });

  it('is pretty-printed with two spaces and ends with a newline', () => {
    const out = render(sampleReport(), opts);
    expect(out.startsWith('{\n  "schema": 1,\n  "tool": "kubelet-doctor",')).toBe(true);
    expect(out.endsWith('}\n')).toBe(true);
  });

  it('carries no escape sequence, raw or JSON-escaped, so jq -r cannot emit one', () => {
    const out = render(hostileReport(), opts);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(out).not.toMatch(/\\u00[01]|\\u007f|\\u009/i);
    expect(out).not.toContain('pwned');
    expect(JSON.parse(out).targets[0].node).toBe('node-1');
  });
});
