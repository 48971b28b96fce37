import {describe, it, expect} from 'vitest';
import check from '../../checks/ports.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildListeners} from '../../src/facts/live/live-ports.js';
import {buildKubeletProcesses} from '../../src/facts/live/live-kubelet.js';
import {buildKubeletConfig} from '../../src/facts/kubelet/kubelet-config.js';
import type {CommandRecord} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {argvOf} from '../helpers/argv.js';

const CFG = '/var/lib/kubelet/config.yaml';
const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';
const SS_HEAD = 'State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\n';
const KUBELET_UP = `${SS_HEAD}LISTEN 0 4096 127.0.0.1:10248 0.0.0.0:* users:(("kubelet",pid=2392,fd=20))\nLISTEN 0 4096 *:10250 *:* users:(("kubelet",pid=2392,fd=25))\n`;
const PROCS = '--pid 2392\n/usr/bin/kubelet\n--config=/var/lib/kubelet/config.yaml\n';

function run(commands: Record<string, Partial<CommandRecord> & {stdout: string}>, config = ''): Verdict[] {
  const raw = rawFrom({[CFG]: HEAD + config}, {live: true, commands: {live: {stdout: 'healthz_port=10248\n'}, ...commands}});
  const facts = makeFacts({
    kubeletConfig: buildKubeletConfig(raw, argvOf([`--config=${CFG}`]), 'v1.30.2'),
    listeners: buildListeners(raw),
    kubeletProcesses: buildKubeletProcesses(raw),
  });
  return [check.evaluate(facts, ctx)].flat();
}

describe('ports check', () => {
  it('passes when the kubelet holds 10250 and 10248', () => {
    const [v] = run({'ss-listen': {stdout: KUBELET_UP}, 'kubelet-procs': {stdout: PROCS}});
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe('10250 (API) and 10248 (healthz) held by the kubelet');
    expect(v?.evidence[0]).toEqual({source: {command: 'ss -ltnp'}, text: 'LISTEN 0 4096 *:10250 *:* users:(("kubelet",pid=2392,fd=25))'});
  });

  it('fails when another process holds 10250, naming it', () => {
    const ss = `${SS_HEAD}LISTEN 0 128 0.0.0.0:10250 0.0.0.0:* users:(("python3",pid=777,fd=3))\n`;
    const [v] = run({'ss-listen': {stdout: ss}, 'kubelet-procs': {stdout: ''}});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      'port 10250 (the kubelet\'s API port) is held by python3 (pid 777): the kubelet cannot bind it ("bind: address already in use") and kubeadm preflight fails with [ERROR Port-10250]',
    );
  });

  it('follows a port moved in the config, citing the line', () => {
    const ss = `${SS_HEAD}LISTEN 0 128 0.0.0.0:11250 0.0.0.0:* users:(("nginx",pid=900,fd=6))\n`;
    const [v] = run({'ss-listen': {stdout: ss}, 'kubelet-procs': {stdout: ''}}, 'port: 11250\n');
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(/^port 11250 \(the kubelet's API port\) is held by nginx \(pid 900\)/);
    expect(v?.evidence[1]).toEqual({source: {file: CFG, line: 3}, text: 'port: 11250'});
  });

  it('passes when the ports are free and no kubelet runs', () => {
    const [v] = run({'ss-listen': {stdout: SS_HEAD}, 'kubelet-procs': {stdout: ''}});
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe('10250 (API) and 10248 (healthz) free (the kubelet is not running)');
  });

  it('warns when the kubelet runs but does not listen', () => {
    const [v] = run({'ss-listen': {stdout: SS_HEAD}, 'kubelet-procs': {stdout: PROCS}});
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe('the kubelet runs (pid 2392) but nothing listens on 10250 (API), 10248 (healthz): it is still starting, or failed to serve');
  });

  it('warns when ss could not name the owner', () => {
    const [v] = run({'ss-listen': {stdout: `${SS_HEAD}LISTEN 0 128 0.0.0.0:10250 0.0.0.0:*\n`}, 'kubelet-procs': {stdout: ''}});
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe('port 10250 (API) is held by a process the probe could not identify (ss shows owners only to root)');
  });

  it('uses the /proc fallback on a node without ss', () => {
    const [v] = run({'proc-listen': {stdout: '10250 00000000 123 777 python3\n'}, 'kubelet-procs': {stdout: ''}});
    expect(v?.status).toBe('fail');
    expect(v?.evidence[0]).toEqual({source: {file: '/proc/net/tcp'}, text: 'port 10250 on 0.0.0.0 held by pid 777 (python3)'});
  });

  it('skips under the root transport', () => {
    const [v] = [check.evaluate(makeFacts({listeners: buildListeners(rawFrom({}))}), ctx)].flat();
    expect(v?.status).toBe('skip');
    expect(v?.summary).toBe('not collected: the root transport reads files only (this needs a live node)');
  });
});
