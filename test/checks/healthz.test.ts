import {describe, it, expect} from 'vitest';
import check from '../../checks/healthz.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildHealthz} from '../../src/facts/live/live-healthz.js';
import {buildKubeletConfig} from '../../src/facts/kubelet/kubelet-config.js';
import {buildUnitState} from '../../src/facts/systemd/systemd-unit.js';
import type {CommandRecord} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {argvOf} from '../helpers/argv.js';

const CFG = '/var/lib/kubelet/config.yaml';
const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';
const URL_ = 'http://127.0.0.1:10248/healthz';
const PROBED = `healthz_port=10248\nhealthz_port_from=${CFG}\nhealthz_address=127.0.0.1\nhealthz_address_from=default\nhealthz.url=${URL_}\nhealthz.tool=curl\n`;
const OK: Partial<CommandRecord> & {stdout: string} = {stdout: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nok\n@@http_code=200\n'};
const REFUSED: Partial<CommandRecord> & {stdout: string} = {
  status: 'failed',
  exitCode: 7,
  stdout: '\n@@http_code=000\n',
  reason: "curl: (7) Failed to connect to 127.0.0.1 port 10248 after 0 ms: Couldn't connect to server",
};
const LOOP = 'LoadState=loaded\nActiveState=activating\nSubState=auto-restart\nNRestarts=42\nExecMainStatus=1\n';

function run(config: string, healthz: Partial<CommandRecord> & {stdout: string}, opts: {live?: string; unit?: string} = {}): Verdict[] {
  const commands: Record<string, Partial<CommandRecord> & {stdout: string}> = {live: {stdout: opts.live ?? PROBED}, healthz};
  if (opts.unit) commands['systemctl-show'] = {stdout: opts.unit};
  const raw = rawFrom({[CFG]: HEAD + config}, {live: true, commands});
  const facts = makeFacts({
    kubeletConfig: buildKubeletConfig(raw, argvOf([`--config=${CFG}`]), 'v1.30.2'),
    healthz: buildHealthz(raw),
    unitState: buildUnitState(raw),
  });
  return [check.evaluate(facts, ctx)].flat();
}

describe('healthz check', () => {
  it('passes when healthz answers ok', () => {
    const [v] = run('healthzPort: 10248\n', OK);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(`${URL_} answered ok`);
    expect(v?.evidence[0]).toEqual({source: {command: `curl ${URL_}`}, text: 'HTTP/1.1 200 OK: ok'});
    expect(v?.evidence[1]).toEqual({source: {file: CFG, line: 3}, text: 'healthzPort: 10248'});
  });

  it('fails when nothing answers, saying the kubelet is in a restart loop', () => {
    const [v] = run('', REFUSED, {unit: LOOP});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(`nothing answers on ${URL_}: the kubelet is not running (kubelet.service is in a restart loop, 42 restarts)`);
    expect(v?.evidence[0]?.text).toContain("Couldn't connect to server");
  });

  it('fails when healthz answers an error, quoting the failing internal check', () => {
    const [v] = run('', {
      status: 'ok',
      stdout: 'HTTP/1.1 500 Internal Server Error\r\n\r\n[-]syncloop failed: reason withheld\nhealthz check failed\n@@http_code=500\n',
    });
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      `${URL_} answered HTTP/1.1 500 Internal Server Error ([-]syncloop failed: reason withheld healthz check failed): the kubelet runs but reports itself unhealthy`,
    );
  });

  it('warns when healthzPort is 0, citing the config line', () => {
    const [v] = run('healthzPort: 0\n', OK, {
      live: 'healthz_port=0\nhealthz_port_from=/var/lib/kubelet/config.yaml\nhealthz_address=127.0.0.1\nhealthz_address_from=default\n',
    });
    expect(v?.status).toBe('warn');
    expect(v?.summary).toMatch(/^healthzPort is 0, which disables the kubelet's healthz endpoint: kubeadm's kubelet-check/);
    expect(v?.evidence[0]).toEqual({source: {file: CFG, line: 3}, text: 'healthzPort: 0'});
  });

  it('does not trust an answer from a port other than the effective one', () => {
    const [v] = run('healthzPort: 10249\n', OK);
    expect(v?.status).toBe('skip');
    expect(v?.summary).toBe(`not collected: the probe queried 127.0.0.1:10248 (from ${CFG}) but the effective setting is 127.0.0.1:10249`);
  });

  it('skips under the root transport with the reason', () => {
    const [v] = [check.evaluate(makeFacts({healthz: buildHealthz(rawFrom({}))}), ctx)].flat();
    expect(v).toEqual({status: 'skip', summary: 'not collected: the root transport reads files only (this needs a live node)', evidence: []});
  });

  it('skips when the node has no curl or wget', () => {
    const [v] = run('', OK, {
      live: 'healthz_port=10248\nhealthz_port_from=default\nhealthz_address=127.0.0.1\nhealthz_address_from=default\nhealthz.error=no curl or wget on the node\n',
    });
    expect(v).toMatchObject({status: 'skip', summary: 'not collected: no curl or wget on the node'});
  });
});
