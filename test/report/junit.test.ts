import {describe, it, expect} from 'vitest';
import {escapeAttr, escapeXml, render} from '../../src/report/junit.js';
import {hostileReport, makeFinding, makeReport, makeTarget, sampleReport} from '../helpers/report.js';

const opts = {color: false};

/** One tag: <name attr="v" ...>, </name> or <name .../>, attribute values free of < and raw &. */
const TAG = /^<(\/)?([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w.-]*="[^"<]*")*)\s*(\/)?>$/;

/**
 * A small XML 1.0 well-formedness check: a declaration, legal characters only, well-formed tags
 * that balance, entities that exist, no stray < in text. Returns the problems found.
 */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  if (!xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')) problems.push('no declaration');
  if (/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(xml)) problems.push('illegal character');
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(body)) problems.push('bare &');
  const stack: string[] = [];
  let roots = 0;
  for (const m of body.matchAll(/<[^>]*>|[^<]+/g)) {
    const token = m[0];
    if (!token.startsWith('<')) continue;
    const tag = TAG.exec(token);
    if (tag === null) {
      problems.push(`bad tag ${token.slice(0, 40)}`);
      continue;
    }
    const [, close, name = '', , selfClose] = tag;
    if (close !== undefined) {
      if (stack.pop() !== name) problems.push(`unbalanced </${name}>`);
    } else if (selfClose === undefined) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  if (stack.length > 0) problems.push(`unclosed ${stack.join(',')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

const attr = (xml: string, tag: string, name: string): string | undefined => new RegExp(`<${tag}\\b[^>]*\\s${name}="([^"]*)"`).exec(xml)?.[1];

describe('junit report', () => {
  it('is well-formed XML', () => {
    expect(xmlProblems(render(sampleReport(), opts))).toEqual([]);
  });

  it('has one testsuite per target named after the node, with correct counts', () => {
    const xml = render(sampleReport(), opts);
    expect(xml).toContain('<testsuites name="kubelet-doctor 0.1.0" tests="8" failures="2" errors="2" skipped="1" time="1.265">');
    expect(xml).toContain(
      '<testsuite name="node-1" tests="7" failures="2" errors="1" skipped="1" time="1.234" timestamp="2024-06-01T03:00:00" hostname="node-1">',
    );
    expect(xml).toContain('<testsuite name="node-2" tests="1" failures="0" errors="1" skipped="0"');
    expect(xml.match(/<testcase /g)).toHaveLength(8);
  });

  it('turns a failed check into a failure with the summary, severity, evidence and remediation', () => {
    const xml = render(sampleReport(), opts);
    const c =
      /<testcase classname="kubelet-doctor.runtime" name="cgroup-driver-match: Kubelet and container runtime use the same cgroup driver" time="0">\s*<failure message="kubelet uses cgroupfs, containerd uses systemd" type="critical">([^<]*)<\/failure>/.exec(
        xml,
      );
    expect(c?.[1]).toContain('/var/lib/kubelet/config.yaml:14  cgroupDriver: cgroupfs');
    expect(c?.[1]).toContain('remediation: Make kubelet `cgroupDriver` equal the runtime driver');
    expect(c?.[1]).toContain('fix: set-kubelet-cgroup-driver');
    expect(xml).toMatch(/name="healthz: [^"]*"[^>]*>\s*<failure [^>]*type="high">[^<]*explained by: cgroup-driver-match/);
  });

  it('passes a warning with its summary in system-out, skips with the reason, errors as error', () => {
    const xml = render(sampleReport(), opts);
    expect(xml).toMatch(/name="swap: [^"]*"[^>]*>\s*<system-out>WARN: swap is enabled in \/etc\/fstab/);
    expect(xml).toMatch(/name="lock-file: [^"]*"[^>]*>\s*<skipped message="root transport: commands and \/proc are not collected"\/>/);
    expect(xml).toMatch(/name="static-pods: [^"]*"[^>]*>\s*<error message="check crashed: TypeError: x is undefined"/);
    expect(xml).toContain(
      '<testcase classname="kubelet-doctor.systemd" name="systemd-dropin: kubelet.service and its drop-ins merge into one ExecStart" time="0"/>',
    );
  });

  it('reports an unreachable node as a failed "probe" testcase with the hint', () => {
    const xml = render(sampleReport(), opts);
    expect(xml).toContain(
      '<testcase classname="kubelet-doctor.probe" name="probe" time="0.031">\n      <error message="connect ECONNREFUSED 127.0.0.1:2222" type="unreachable">connect ECONNREFUSED 127.0.0.1:2222\nhint: is sshd running on node-2?</error>',
    );
  });

  it('escapes markup and quotes from node text and stays well-formed', () => {
    const f = makeFinding({
      id: 'kubelet-config',
      status: 'fail',
      summary: `bad <value> & "quoted" 'x'`,
      evidence: [{source: {file: '/etc/a&b.yaml', line: 2}, text: '</failure><x>'}],
    });
    const xml = render(makeReport([makeTarget({node: 'n<1>&"', results: [f]})]), opts);
    expect(xmlProblems(xml)).toEqual([]);
    expect(attr(xml, 'failure', 'message')).toBe('bad &lt;value&gt; &amp; &quot;quoted&quot; &apos;x&apos;');
    expect(attr(xml, 'testsuite', 'name')).toBe('n&lt;1&gt;&amp;&quot;');
    expect(xml).toContain('/etc/a&amp;b.yaml:2  &lt;/failure&gt;&lt;x&gt;');
  });

  it('strips escape sequences and stays well-formed on hostile text', () => {
    const xml = render(hostileReport(), opts);
    expect(xmlProblems(xml)).toEqual([]);
    expect(xml).not.toContain('pwned');
  });
});

describe('escapeXml', () => {
  it('removes characters XML 1.0 forbids, lone surrogates included', () => {
    expect(escapeXml('a\u0000b\u0001c\uFFFEd\uD800e\u{1F600}')).toBe('abcde\u{1F600}');
  });

  it('keeps newlines in attributes as character references', () => {
    expect(escapeAttr('a\nb\tc')).toBe('a&#10;b&#9;c');
  });
});
