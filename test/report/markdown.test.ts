import {describe, it, expect} from 'vitest';
import {codeSpan, escapeInline, fenced, render} from '../../src/report/markdown.js';
import {hostileReport, makeFinding, makeReport, makeTarget, sampleReport} from '../helpers/report.js';

const opts = {color: false};

describe('markdown report', () => {
  it('has a heading per node with its transport, kubelet version and duration', () => {
    const md = render(sampleReport(), opts);
    expect(md.startsWith('# kubelet-doctor report\n')).toBe(true);
    expect(md).toContain('\n## node-1\n\ntarget `admin@node-1` · transport ssh · kubelet v1.30.2 · 1.2s\n');
    expect(md).toContain('\n## node-2\n');
    expect(md).toContain('2 nodes: 1 failing (1 cause to fix, explaining 1 more); 1 unreachable');
  });

  it('opens a fleet with a table of nodes, worst first: status, first cause and the fix to preview', () => {
    const md = render(sampleReport(), opts);
    const table = [
      '| node | status | first cause | fix |',
      '| --- | --- | --- | --- |',
      '| node-1 | **FAIL** | `cgroup-driver-match` (explains 1) | `kubelet-doctor fix admin@node-1 --check cgroup-driver-match --dry-run` |',
      '| node-2 | unreachable | unreachable |  |',
    ].join('\n');
    expect(md).toContain(table);
    expect(md.indexOf(table)).toBeLessThan(md.indexOf('## node-1'));
  });

  it('tables every check first cause first, the explained failure marked under its cause', () => {
    const md = render(sampleReport(), opts);
    expect(md).toContain(
      [
        '| status | check | summary |',
        '| --- | --- | --- |',
        '| **FAIL** | `cgroup-driver-match` | kubelet uses cgroupfs, containerd uses systemd (explains 1) |',
        '| explained | ↳ `healthz` | GET http://127.0.0.1:10248/healthz: connection refused (explained by `cgroup-driver-match`) |',
        '| **WARN** | `swap` | swap is enabled in /etc/fstab and failSwapOn is false |',
        '| **ERROR** | `static-pods` | check crashed: TypeError: x is undefined |',
        '| pass | `systemd-dropin` | one ExecStart from 10-kubeadm.conf |',
      ].join('\n'),
    );
  });

  it('gives each first cause and warning a section with fenced evidence, remediation, fix and references', () => {
    const md = render(sampleReport(), opts);
    expect(md).toContain(
      [
        '### FAIL `cgroup-driver-match`: Kubelet and container runtime use the same cgroup driver',
        '',
        'kubelet uses cgroupfs, containerd uses systemd',
        '',
        'Evidence:',
        '',
        '```text',
        '/var/lib/kubelet/config.yaml:14  cgroupDriver: cgroupfs',
        '/etc/containerd/config.toml:31  SystemdCgroup = true',
        '```',
        '',
        '**Remediation:** Make kubelet `cgroupDriver` equal the runtime driver (systemd on cgroup v2).',
        '',
        '**Fix:** `set-kubelet-cgroup-driver`, preview with `kubelet-doctor fix admin@node-1 --check cgroup-driver-match --dry-run`',
        '',
        '**References:**',
        '',
        '- <https://kubernetes.io/docs/setup/production-environment/container-runtimes/#cgroup-drivers>',
      ].join('\n'),
    );
    // A consequence is fixed with its cause: a row in the table, no section of its own.
    expect(md).not.toContain('### FAIL `healthz`');
    expect(md).toContain('### WARN `swap`');
    expect(md).not.toContain('### pass');
    expect(md).not.toContain('### skip');
  });

  it('shows an unreachable node with its error and hint', () => {
    const md = render(sampleReport(), opts);
    expect(md).toContain('**UNREACHABLE**: connect ECONNREFUSED 127.0.0.1:2222\n\nHint: is sshd running on node-2?\n');
  });

  it('escapes pipes and markup in table cells so a node cannot break the table', () => {
    const f = makeFinding({id: 'kubelet-flags', status: 'warn', summary: 'flag --a|--b <img> *x* [l](u)\nsecond line'});
    const md = render(makeReport([makeTarget({results: [f]})]), opts);
    const row = md.split('\n').find((l) => l.startsWith('| **WARN**'));
    expect(row).toBe('| **WARN** | `kubelet-flags` | flag --a\\|--b \\<img\\> \\*x\\* \\[l\\](u) second line |');
    expect(row?.split(/(?<!\\)\|/)).toHaveLength(5);
  });

  it('keeps ``` in evidence inside a longer fence', () => {
    const f = makeFinding({id: 'static-pods', status: 'fail', evidence: [{source: {file: '/etc/kubernetes/manifests/x.yaml', line: 3}, text: '```oops'}]});
    const md = render(makeReport([makeTarget({results: [f]})]), opts);
    expect(md).toContain('````text\n/etc/kubernetes/manifests/x.yaml:3  ```oops\n````');
  });

  it('strips escape sequences a node planted', () => {
    const md = render(hostileReport(), opts);
    expect(md).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(md).not.toContain('pwned');
  });
});

describe('markdown escaping helpers', () => {
  it('escapes inline markup and folds newlines', () => {
    expect(escapeInline('a_b|c\nd')).toBe('a\\_b\\|c d');
  });

  it('fences with more backticks than the content holds', () => {
    expect(fenced('a ````` b')).toBe('``````text\na ````` b\n``````');
  });

  it('makes a code span its content cannot close', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x')).toBe('`` `x ``');
  });
});
