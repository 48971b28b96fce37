import {describe, it, expect} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {EXPLAINING_CHECKS, matchJournal} from '../../checks/kubelet-logs.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {allSignatures} from '../../src/catalogue/signatures.js';
import {buildJournal, parseJournal} from '../../src/facts/host/journal.js';
import {buildUnitState} from '../../src/facts/systemd/systemd-unit.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';

const check = catalogue.find((c) => c.id === 'kubelet-logs')!;
const signatures = allSignatures(catalogue);
const RUNNING = 'LoadState=loaded\nActiveState=active\nSubState=running\nNRestarts=0\n';
const LOOP = 'LoadState=loaded\nActiveState=activating\nSubState=auto-restart\nNRestarts=7\n';
const T = '2026-04-16T12:04:10+0000 node-1';
const started = `${T} systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent.`;
const exited = `${T} systemd[1]: kubelet.service: Main process exited, code=exited, status=1/FAILURE`;
const restart = `${T} systemd[1]: kubelet.service: Scheduled restart job, restart counter is at 7.`;
const klogE = (msg: string) => `${T} kubelet[7769]: E0416 12:04:10.794442    7769 run.go:74] ${msg}`;
const commandFailed = (err: string) => klogE(`"command failed" err="${err.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);

function run(lines: string[], unit = LOOP): Verdict[] {
  const raw = rawFrom({}, {live: true, commands: {journal: {stdout: `${lines.join('\n')}\n`}, 'systemctl-show': {stdout: unit}}});
  return [check.evaluate(makeFacts({journal: buildJournal(raw), unitState: buildUnitState(raw)}), ctx)].flat();
}

describe('kubelet-logs check', () => {
  it('puts the line that made the kubelet exit first, naming the check that explains it', () => {
    const fatal = commandFailed('failed to parse kubelet flag: unknown flag: --network-plugin');
    const out = run([started, fatal, exited, restart, started, fatal, exited]);
    expect(out.map((v) => v.status)).toEqual(['fail', 'warn']);
    expect(out[0]?.summary).toBe(
      'the kubelet exits with "failed to parse kubelet flag: unknown flag: --network-plugin" (unknown-flag, 2 times, last at 2026-04-16T12:04:10+0000): explained by kubelet-flags',
    );
    expect(out[0]?.evidence[0]).toEqual({source: {command: 'journalctl -u kubelet'}, text: fatal.replace(/ {4}/, ' ')});
    expect(out[1]?.summary).toMatch(/\(restart-loop, at .*\): explained by systemd-dropin$/);
  });

  it('orders several fatal lines of one run by time: the expired cert before the missing bootstrap file', () => {
    const f13 = klogE('"part of the existing bootstrap client certificate in /etc/kubernetes/kubelet.conf is expired: 2026-04-01 00:00:00 +0000 UTC"');
    const f12 = commandFailed(
      'failed to run Kubelet: unable to load bootstrap kubeconfig: stat /etc/kubernetes/bootstrap-kubelet.conf: no such file or directory',
    );
    const out = run([started, f13, f12, exited]);
    expect(out[0]?.summary).toContain('explained by kubeconfig');
    expect(out[0]?.summary).toContain('bootstrap-kubeconfig-missing');
    expect(out.map((v) => v.summary.match(/explained by (\S+)/)?.[1])).toEqual(['kubeconfig', 'cert-expiry']);
    expect(out[1]?.status).toBe('warn');
  });

  it('turns a fatal line from before the last start into history while the kubelet runs', () => {
    const out = run(
      [started, commandFailed('running with swap on is not supported, please disable swap! or set --fail-swap-on flag to false'), exited, started],
      RUNNING,
    );
    expect(out[0]?.status).toBe('warn');
    expect(out[0]?.summary).toMatch(/^the kubelet exited earlier with .*: explained by swap \(before its last start; it runs now\)$/);
  });

  it('matches structured values with escaped quotes', () => {
    const line = klogE(
      '"RunPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to setup network for sandbox: plugin type=\\"bridge\\" failed (add): failed to find plugin \\"bridge\\" in path [/opt/cni/bin]"',
    );
    const out = run([started, line], RUNNING);
    expect(out[0]?.summary).toContain('explained by cni-config');
  });

  it('passes when no line matches a signature', () => {
    const out = run([started, `${T} kubelet[7769]: I0416 12:04:11.000000    7769 server.go:487] "Kubelet version" kubeletVersion="v1.30.2"`], RUNNING);
    expect(out).toEqual([
      {
        status: 'pass',
        summary: 'no known failure signature in the last 2 kubelet journal lines (since 2026-04-16T12:04:10+0000)',
        evidence: [expect.objectContaining({source: {command: 'journalctl -u kubelet'}})],
      },
    ]);
  });

  it('says when the journal read was cut by its time cap: a matched line still counts, no pass on part of it', () => {
    const fatal = commandFailed('failed to parse kubelet flag: unknown flag: --network-plugin');
    const cut = (lines: string[], tail: string) => {
      const raw = rawFrom(
        {},
        {live: true, commands: {journal: {status: 'timeout', exitCode: 124, stdout: `${lines.join('\n')}\n${tail}`}, 'systemctl-show': {stdout: LOOP}}},
      );
      return {
        n: Buffer.byteLength(raw.commands['journal']!.stdout),
        out: [check.evaluate(makeFacts({journal: buildJournal(raw), unitState: buildUnitState(raw)}), ctx)].flat(),
      };
    };
    const a = cut([started, fatal], `${T} kube`);
    expect(a.out[0]?.status).toBe('fail');
    expect(a.out[0]?.summary).toMatch(
      new RegExp(`explained by kubelet-flags \\(journal read cut by the time cap \\(5 s\\) after ${a.n} bytes: the newest lines were not read\\)$`),
    );
    const b = cut([started], '');
    expect(b.out).toEqual([
      {
        status: 'skip',
        summary: `journal read cut by the time cap (5 s) after ${b.n} bytes: no known failure signature in the 1 kubelet journal lines read (since 2026-04-16T12:04:10+0000), but the newest lines were not read`,
        evidence: [],
      },
    ]);
    const raw = rawFrom({}, {live: true, commands: {journal: {status: 'timeout', exitCode: 124, stdout: ''}}});
    expect(buildJournal(raw)).toEqual({collected: false, reason: 'not collected: `journalctl -u kubelet` wrote nothing before its time cap (5 s)'});
  });

  it('skips when the journal holds no kubelet lines, and under the root transport', () => {
    expect(run(['-- No entries --'])[0]?.summary).toBe('the journal holds no kubelet.service lines (the kubelet may log elsewhere, or never ran)');
    expect([check.evaluate(makeFacts({journal: buildJournal(rawFrom({}))}), ctx)].flat()[0]).toMatchObject({
      status: 'skip',
      summary: 'not collected: the root transport reads files only (this needs a live node)',
    });
  });
});

describe('the signature catalogue', () => {
  it('has at least 30 sourced signatures with unique ids', () => {
    expect(signatures.length).toBeGreaterThanOrEqual(30);
    const ids = signatures.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of signatures) expect(s.reference.length, s.id).toBeGreaterThan(5);
  });

  it('is explained by the checks that declare signatures (systemd-dropin through kubelet-flags)', () => {
    const owners = new Set(signatures.map((s) => s.check));
    owners.delete('systemd-dropin');
    expect([...EXPLAINING_CHECKS].sort()).toEqual([...owners].sort());
    expect(check.explainedBy).toEqual(EXPLAINING_CHECKS);
    expect(catalogue.find((c) => c.id === 'kubelet-flags')?.explainedBy).toContain('systemd-dropin');
  });

  // Each signature's example line, as the journal shows it: plain, wrapped in the modern klog
  // "command failed" form (quotes escaped), the 1.20-era form, and the old klog Fatal form.
  const variants = (text: string): string[] => [
    `${T} kubelet[7769]: ${text}`,
    commandFailed(text),
    klogE(`"Failed to run kubelet" err="${text.replace(/"/g, '\\"')}"`),
    `${T} kubelet[14346]: F1211 18:17:03.334953   14346 server.go:273] ${text}`,
  ];
  it.each(signatures.map((s) => [s.id, s] as const))('matches %s in every journal form', (_id, s) => {
    expect(s.pattern.test(s.text), `${s.id} does not match its own example`).toBe(true);
    for (const line of variants(s.text)) {
      const groups = matchJournal(parseJournal(line, false), signatures);
      expect(
        groups.map((g) => `${g.sig.check}/${g.sig.id}`),
        line,
      ).toContain(`${s.check}/${s.id}`);
    }
  });
});
