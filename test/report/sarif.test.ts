import {describe, it, expect} from 'vitest';
import {render, type SarifLog} from '../../src/report/sarif.js';
import {hostileReport, makeFinding, makeReport, makeTarget, sampleReport} from '../helpers/report.js';

const opts = {color: false};
const parse = (s: string): SarifLog => JSON.parse(s) as SarifLog;

/** The fields SARIF 2.1.0 requires (and the few we promise), checked without fetching the schema. */
function shapeProblems(log: SarifLog): string[] {
  const p: string[] = [];
  if (log.version !== '2.1.0') p.push('version');
  if (log.$schema !== 'https://json.schemastore.org/sarif-2.1.0.json') p.push('$schema');
  if (!Array.isArray(log.runs) || log.runs.length !== 1) p.push('runs');
  for (const run of log.runs) {
    const d = run.tool?.driver;
    if (typeof d?.name !== 'string' || d.name === '') p.push('driver.name');
    if (!/^https?:\/\//.test(d?.informationUri ?? '')) p.push('driver.informationUri');
    const ruleIds = (d?.rules ?? []).map((r) => r.id);
    if (new Set(ruleIds).size !== ruleIds.length) p.push('duplicate rule ids');
    for (const r of d?.rules ?? []) if (typeof r.id !== 'string' || typeof r.shortDescription?.text !== 'string') p.push(`rule ${r.id}`);
    for (const [i, res] of run.results.entries()) {
      if (typeof res.message?.text !== 'string' || res.message.text === '') p.push(`result ${i} message`);
      if (!['none', 'note', 'warning', 'error'].includes(res.level)) p.push(`result ${i} level`);
      if (ruleIds[res.ruleIndex] !== res.ruleId) p.push(`result ${i} ruleIndex`);
      for (const loc of res.locations) {
        const phys = loc.physicalLocation;
        if (phys !== undefined && typeof phys.artifactLocation.uri !== 'string') p.push(`result ${i} uri`);
        const line = phys?.region?.startLine;
        if (line !== undefined && !(Number.isInteger(line) && line >= 1)) p.push(`result ${i} startLine`);
      }
    }
  }
  return p;
}

describe('sarif report', () => {
  it('has the SARIF 2.1.0 shape', () => {
    const log = parse(render(sampleReport(), opts));
    expect(shapeProblems(log)).toEqual([]);
    expect(log.runs[0]?.tool.driver).toMatchObject({name: 'kubelet-doctor', version: '0.1.0'});
  });

  it('declares one rule per check seen, with title, remediation, help link and category', () => {
    const rules = parse(render(sampleReport(), opts)).runs[0]?.tool.driver.rules ?? [];
    expect(rules.map((r) => r.id)).toEqual(['systemd-dropin', 'kubelet-config', 'healthz', 'cgroup-driver-match', 'swap', 'lock-file', 'static-pods']);
    expect(rules.find((r) => r.id === 'cgroup-driver-match')).toMatchObject({
      shortDescription: {text: 'Kubelet and container runtime use the same cgroup driver'},
      fullDescription: {text: 'Make kubelet `cgroupDriver` equal the runtime driver (systemd on cgroup v2).'},
      helpUri: 'https://kubernetes.io/docs/setup/production-environment/container-runtimes/#cgroup-drivers',
      properties: {category: 'runtime'},
    });
  });

  it('reports failures as errors and warnings as warnings, first cause first, nothing else', () => {
    const results = parse(render(sampleReport(), opts)).runs[0]?.results ?? [];
    expect(results.map((r) => [r.ruleId, r.level])).toEqual([
      ['cgroup-driver-match', 'error'],
      ['healthz', 'error'],
      ['swap', 'warning'],
    ]);
  });

  it('locates a result at the file and line of its evidence, on its node', () => {
    const results = parse(render(sampleReport(), opts)).runs[0]?.results ?? [];
    const r = results.find((x) => x.ruleId === 'cgroup-driver-match');
    expect(r?.message.text.startsWith('kubelet uses cgroupfs, containerd uses systemd')).toBe(true);
    expect(r?.locations[0]).toEqual({
      physicalLocation: {artifactLocation: {uri: '/var/lib/kubelet/config.yaml'}, region: {startLine: 14, snippet: {text: 'cgroupDriver: cgroupfs'}}},
      logicalLocations: [{name: 'node-1', kind: 'resource'}],
    });
    expect(r?.locations[1]?.physicalLocation?.artifactLocation.uri).toBe('/etc/containerd/config.toml');
    expect(r?.properties.node).toBe('node-1');
  });

  it('falls back to the node alone when the evidence is a command', () => {
    const r = parse(render(sampleReport(), opts)).runs[0]?.results.find((x) => x.ruleId === 'healthz');
    expect(r?.locations).toEqual([{logicalLocations: [{name: 'node-1', kind: 'resource'}]}]);
    expect(r?.message.text).toContain('curl -sS http://127.0.0.1:10248/healthz: Connection refused');
  });

  it('omits the region when the evidence has no line, and tells of unreachable nodes', () => {
    const f = makeFinding({id: 'swap', status: 'warn', evidence: [{source: {file: '/etc/fstab'}, text: 'whole file'}]});
    const log = parse(render(makeReport([makeTarget({results: [f]})]), opts));
    expect(log.runs[0]?.results[0]?.locations[0]?.physicalLocation).toEqual({artifactLocation: {uri: '/etc/fstab'}});
    const inv = parse(render(sampleReport(), opts)).runs[0]?.invocations[0];
    expect(inv?.executionSuccessful).toBe(false);
    expect(inv?.toolExecutionNotifications[0]?.message.text).toBe('node-2: unreachable: connect ECONNREFUSED 127.0.0.1:2222');
  });

  it('strips escape sequences a node planted', () => {
    const out = render(hostileReport(), opts);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(out).not.toMatch(/\\u00[01]|\\u007f|\\u009/i);
    expect(out).not.toContain('pwned');
    expect(shapeProblems(parse(out))).toEqual([]);
  });
});
