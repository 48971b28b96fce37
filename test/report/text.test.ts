import {describe, it, expect} from 'vitest';
import {render, formatDuration} from '../../src/report/text.js';
import {HOSTILE, hostileReport, makeFinding, makeReport, makeTarget, sampleReport} from '../helpers/report.js';

const SGR = /\u001b\[[0-9;]*m/g;
const plain = {color: false};
const lines = (s: string): string[] => s.split('\n');

describe('text report', () => {
  it('opens each target with node, target, transport, kubelet version, duration and counts', () => {
    const out = render(sampleReport(), plain);
    // Causes, not failures: healthz is explained by cgroup-driver-match, so the node has 1 cause.
    expect(lines(out)).toContain('node-1 (admin@node-1)  ssh · kubelet v1.30.2 · 1.2s · 1 cause (explains 1), 1 warn, 2 pass, 1 skip, 1 error');
    expect(out).toContain('  note: crictl not found on PATH');
  });

  it('leads with the first cause, its evidence at file:line, the remediation and the fix command', () => {
    const out = lines(render(sampleReport(), plain));
    const at = out.indexOf('x FAIL  cgroup-driver-match  kubelet uses cgroupfs, containerd uses systemd');
    expect(at).toBe(out.findIndex((l) => l.startsWith('node-1 (admin@node-1)')) + 2);
    expect(out.slice(at + 1, at + 5)).toEqual([
      '    at /var/lib/kubelet/config.yaml:14  cgroupDriver: cgroupfs',
      '    at /etc/containerd/config.toml:31  SystemdCgroup = true',
      '    -> Make kubelet `cgroupDriver` equal the runtime driver (systemd on cgroup v2).',
      '    fix: set-kubelet-cgroup-driver  (kubelet-doctor fix admin@node-1 --check cgroup-driver-match)',
    ]);
  });

  it('folds the failure a cause explains beneath it with a count, as a consequence rather than a second FAIL', () => {
    const out = lines(render(sampleReport(), plain));
    const cause = out.findIndex((l) => l.includes('cgroup-driver-match  kubelet uses'));
    const healthz = out.findIndex((l) => l.includes('healthz  GET'));
    expect(out[cause + 5]).toBe('    explains 1 more failure:');
    expect(healthz).toBe(cause + 6);
    expect(out[healthz]).toBe('  `- healthz  GET http://127.0.0.1:10248/healthz: connection refused');
    expect(out.filter((l) => l.includes('FAIL  healthz'))).toEqual([]);
    // Its evidence only with --verbose.
    expect(out[healthz + 1]).not.toContain('Connection refused');
    expect(render(sampleReport(), {color: false, verbose: true})).toContain(
      '  `- healthz  GET http://127.0.0.1:10248/healthz: connection refused\n        at curl -sS http://127.0.0.1:10248/healthz  Connection refused',
    );
    expect(out.findIndex((l) => l.startsWith('! WARN  swap'))).toBeGreaterThan(healthz);
  });

  it('opens and closes a fleet with its table: node, status, fix, first cause, worst first', () => {
    const out = render(sampleReport(), plain);
    const table = [
      'node    status       fix  first cause',
      'node-1  FAIL         yes  cgroup-driver-match (explains 1)',
      'node-2  unreachable       unreachable',
    ];
    expect(lines(out).slice(0, 3)).toEqual(table);
    expect(out.endsWith(`\n\n${table.join('\n')}\n\n2 nodes: 1 failing (1 cause to fix, explaining 1 more); 1 unreachable\n`)).toBe(true);
  });

  it('shows warnings with remediation, then errors, collapsed passes and skips with their reason', () => {
    const out = render(sampleReport(), plain);
    expect(out).toContain(
      '! WARN  swap  swap is enabled in /etc/fstab and failSwapOn is false\n    at /etc/fstab:3  /swap.img none swap sw 0 0\n    -> Remove',
    );
    expect(out).toContain(
      'E error static-pods  check crashed: TypeError: x is undefined\n+ pass  systemd-dropin, kubelet-config\n- skip  lock-file  root transport',
    );
  });

  it('lists each pass with its summary when verbose', () => {
    const out = render(sampleReport(), {color: false, verbose: true});
    expect(out).toContain('+ pass  systemd-dropin  one ExecStart from 10-kubeadm.conf');
    expect(out).toContain('+ pass  kubelet-config  config.yaml parses');
  });

  it('shows an unreachable target with its error and hint', () => {
    const out = render(sampleReport(), plain);
    expect(out).toContain(
      'node-2  ssh · unreachable · 31ms\nE error probe  unreachable: connect ECONNREFUSED 127.0.0.1:2222\n    hint: is sshd running on node-2?',
    );
  });

  it('ends with one line counting nodes and causes, not every failing symptom', () => {
    const out = render(makeReport([sampleReport().targets[0]!]), plain);
    expect(out.endsWith('\n\n1 node: 1 failing (1 cause to fix, explaining 1 more)\n')).toBe(true);
  });

  it('says a machine with no kubelet in one line, and nothing else', () => {
    const none = makeTarget({
      target: 'vm',
      node: 'vm',
      transport: 'local',
      status: 'not-a-node',
      kubeletVersion: null,
      error: {kind: 'not-a-node', message: 'no kubelet on this machine: not a Kubernetes node', hint: 'looked for: no kubelet.service'},
      results: [],
    });
    expect(render(makeReport([none]), plain)).toBe('vm: no kubelet on this machine: not a Kubernetes node\n');
  });

  it('shows a note on one line without evidence or advice, and says how much advice was left out', () => {
    const note = makeFinding({id: 'kubelet-flags', status: 'note', summary: 'kubeadm writes it itself', remediation: 'Remove the flag'});
    const out = render(makeReport([makeTarget({results: [note], adviceHidden: 1})]), plain);
    expect(out).toContain('i note  kubelet-flags  kubeadm writes it itself\n');
    expect(out).not.toContain('Remove the flag');
    expect(out).toContain('  advice: 1 best-practice finding not shown (--advice shows them)');
  });

  it('uses plain ASCII and no escape codes without colour', () => {
    const out = render(sampleReport(), plain);
    expect(out).not.toContain('\u001b');
    expect(out).toMatch(/^[\x20-\x7e\n·]*$/);
  });

  it('colours statuses by meaning and uses glyphs with colour', () => {
    const out = render(sampleReport(), {color: true});
    expect(out).toContain('\u001b[31m✗ FAIL \u001b[0m');
    expect(out).toContain('\u001b[33m! WARN \u001b[0m');
    expect(out).toContain('\u001b[32m✓ pass \u001b[0m');
    expect(out).toContain('→ Make kubelet');
    expect(out.replace(SGR, '')).toContain('✗ FAIL  cgroup-driver-match  kubelet uses cgroupfs');
  });

  it('fits every line to the width, moving long evidence under its source rather than cutting it', () => {
    for (const color of [false, true]) {
      const out = render(sampleReport(), {color, width: 50});
      for (const l of lines(out)) expect([...l.replace(SGR, '')].length, l).toBeLessThanOrEqual(50);
      expect(out.replace(SGR, '')).toContain('    at /var/lib/kubelet/config.yaml:14\n       cgroupDriver: cgroupfs');
    }
  });

  it('cuts an over-long evidence line with an ellipsis', () => {
    const long = makeFinding({
      id: 'kubelet-flags',
      status: 'warn',
      summary: 'long',
      evidence: [{source: {file: '/var/lib/kubelet/kubeadm-flags.env', line: 1}, text: `KUBELET_KUBEADM_ARGS="${'--x=y '.repeat(30)}"`}],
    });
    const out = render(makeReport([makeTarget({results: [long]})]), {color: false, width: 60});
    const cut = lines(out).find((l) => l.startsWith('       KUBELET_KUBEADM_ARGS'));
    expect(cut?.length).toBe(60);
    expect(cut?.endsWith('...')).toBe(true);
  });

  it('strips escape sequences a node planted, in colour and without', () => {
    for (const color of [false, true]) {
      const out = render(hostileReport(), {color});
      expect(out).not.toContain(HOSTILE);
      expect(out).not.toContain('pwned');
      expect(out.replace(SGR, '')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(out).toContain('kubelet uses cgroupfs');
    }
  });

  it('says when a reachable target has no kubelet version', () => {
    const out = render(makeReport([makeTarget({kubeletVersion: null})]), plain);
    expect(lines(out)[0]).toBe('node-1  ssh · kubelet version unknown · 1.2s · 0 fail, 0 warn, 0 pass, 0 skip');
  });
});

describe('formatDuration', () => {
  it('reads as milliseconds, seconds or minutes', () => {
    expect(formatDuration(31)).toBe('31ms');
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(125_000)).toBe('2m05s');
  });
});
