import {describe, it, expect} from 'vitest';
import check from '../../checks/clock-skew.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildApiserver} from '../../src/facts/live/live-apiserver.js';
import {buildTimeSync} from '../../src/facts/live/live-time.js';
import {collected, type CommandRecord, type Facts} from '../../src/facts/types.js';
import {ctx, makeFacts, NOW, rawFrom} from '../helpers/facts.js';

type Cmd = Partial<CommandRecord> & {stdout: string};
const iso = (offsetS: number): string => new Date(NOW.getTime() + offsetS * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const nodeTime = (offsetS: number): Facts['nodeTime'] => collected({value: iso(offsetS), source: {command: 'date'}, text: iso(offsetS)});

function run(offsetS: number, opts: {commands?: Record<string, Cmd>; transport?: Facts['target']['transport']} = {}): Verdict[] {
  const raw = rawFrom({}, {live: true, commands: opts.commands ?? {}});
  const facts = makeFacts({
    target: {name: 'n', transport: opts.transport ?? 'ssh', hostRoot: '/', live: true},
    nodeTime: nodeTime(offsetS),
    apiserver: buildApiserver(raw),
    timeSync: buildTimeSync(raw),
  });
  return [check.evaluate(facts, ctx)].flat();
}

describe('clock-skew check', () => {
  it('passes within 30 s of the operator clock', () => {
    const [v] = run(-2);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe("the node's clock is 2s behind the operator's (within 30 s)");
    expect(v?.evidence).toEqual([
      {source: {command: 'date'}, text: '2026-05-31T23:59:58Z'},
      {source: {command: "kubelet-doctor (the operator's clock)"}, text: '2026-06-01T00:00:00.000Z'},
    ]);
  });

  it('warns beyond 30 s', () => {
    const [v] = run(95);
    expect(v).toMatchObject({
      status: 'warn',
      summary: "the node's clock is 1m35s ahead of the operator's: more than 30 s, so nothing keeps this clock in sync",
    });
  });

  it('fails beyond 5 minutes, naming the x509 error it causes', () => {
    const [v] = run(-2 * 3600 - 60);
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      'the node\'s clock is 2h01m behind the operator\'s: beyond the 5-minute backdate of issued certificates, so TLS fails with "x509: certificate has expired or is not yet valid"',
    );
  });

  it('compares with the API server Date header measured on the node', () => {
    const commands: Record<string, Cmd> = {
      live: {
        stdout:
          'api.kubeconfig=/etc/kubernetes/kubelet.conf\napi.server=https://10.0.0.10:6443\napi.ca=data\napi-livez.url=https://10.0.0.10:6443/livez\napi-livez.tool=curl\n',
      },
      'api-livez': {stdout: 'HTTP/1.1 200 OK\r\nDate: Sun, 31 May 2026 23:50:00 GMT\r\n\r\nok\n@@http_code=200\n'},
      'api-node-time': {stdout: `${NOW.getTime() / 1000}\n`},
    };
    const out = run(0, {commands});
    expect(out.map((v) => v.status)).toEqual(['pass', 'fail']);
    expect(out[1]?.summary).toMatch(/^the node's clock is 10m00s ahead of the API server's \(10\.0\.0\.10\): beyond the 5-minute backdate/);
    expect(out[1]?.evidence[1]).toEqual({source: {command: 'curl https://10.0.0.10:6443/livez'}, text: 'Date: Sun, 31 May 2026 23:50:00 GMT'});
  });

  it('warns when timedatectl says the clock is not synchronised', () => {
    const out = run(1, {commands: {timedatectl: {stdout: 'System clock synchronized: no\n              NTP service: inactive\n'}}});
    expect(out.map((v) => v.status)).toEqual(['pass', 'warn']);
    expect(out[1]?.summary).toBe(
      "the node's clock is not synchronised (System clock synchronized: no) and no NTP service is on: it drifts until time sync is fixed",
    );
  });

  it('does not compare a snapshot with the operator clock', () => {
    const [v] = run(-86400, {transport: 'snapshot'});
    expect(v).toMatchObject({
      status: 'skip',
      summary: "the snapshot was taken at 2026-05-31T00:00:00Z (node clock); the operator's clock now says nothing about it",
    });
  });

  it('skips under the root transport', () => {
    const [v] = [check.evaluate(makeFacts(), ctx)].flat();
    expect(v).toEqual({status: 'skip', summary: 'not provided by this test', evidence: []});
  });
});
