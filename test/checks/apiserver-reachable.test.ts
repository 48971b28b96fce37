import {describe, it, expect} from 'vitest';
import check from '../../checks/apiserver-reachable.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildApiserver} from '../../src/facts/live/live-apiserver.js';
import {buildKubeconfig} from '../../src/facts/kubeconfig/kubeconfig.js';
import {buildUnit} from '../../src/facts/systemd/systemd-unit.js';
import type {CommandRecord} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {argvOf} from '../helpers/argv.js';

type Cmd = Partial<CommandRecord> & {stdout: string};
const KC = '/etc/kubernetes/kubelet.conf';
const CA_B64 = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const kubeconfig = (server: string) => `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${CA_B64}
    server: ${server}
  name: default-cluster
contexts:
- context:
    cluster: default-cluster
    user: default-auth
  name: default-context
current-context: default-context
kind: Config
users:
- name: default-auth
  user:
    token: '[redacted]'
`;
const SERVER = 'https://10.0.0.10:6443';
const probed = (server = SERVER) => `api.kubeconfig=${KC}\napi.server=${server}\napi.ca=data\napi-livez.url=${server}/livez\napi-livez.tool=curl\n`;
const answer = (status: string, body: string): Cmd => ({
  stdout: `HTTP/1.1 ${status}\r\nDate: Mon, 01 Jun 2026 00:00:00 GMT\r\n\r\n${body}\n@@http_code=${status.slice(0, 3)}\n`,
});
const error = (code: number, reason: string): Cmd => ({status: 'failed', exitCode: code, stdout: '\n@@http_code=000\n', reason});

function run(livez: Cmd, opts: {live?: string; extra?: Record<string, Cmd>; files?: Record<string, string>; words?: string[]} = {}): Verdict[] {
  const raw = rawFrom(
    {[KC]: kubeconfig(SERVER), ...opts.files},
    {live: true, commands: {live: {stdout: opts.live ?? probed()}, 'api-livez': livez, ...opts.extra}},
  );
  const argv = argvOf([`--kubeconfig=${KC}`, ...(opts.words ?? [])]);
  const facts = makeFacts({apiserver: buildApiserver(raw), kubeconfig: buildKubeconfig(raw, argv), unit: buildUnit(raw)});
  return [check.evaluate(facts, ctx)].flat();
}

describe('apiserver-reachable check', () => {
  it('passes when /livez answers ok with TLS verified against the kubeconfig CA', () => {
    const [v, ...rest] = run(answer('200 OK', 'ok'));
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(`${SERVER}/livez answered ok from the node; TLS verified against the certificate-authority-data in the kubeconfig`);
    expect(v?.evidence.map((e) => e.source)).toEqual([{command: `curl ${SERVER}/livez`}, {file: KC, line: 5}, {file: KC, line: 4}]);
  });

  it('passes when /livez refuses anonymous requests: the server answered over verified TLS', () => {
    const [v] = run(answer('401 Unauthorized', '{"kind":"Status"}'));
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(
      `${SERVER} is reachable and its certificate verifies against the certificate-authority-data in the kubeconfig; ${SERVER}/livez refused anonymous access (HTTP 401)`,
    );
  });

  it('fails on a stale CA, pointing at re-creation of the control plane', () => {
    const [v] = run(error(60, 'curl: (60) SSL certificate problem: unable to get local issuer certificate'));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(
      /^the API server's certificate is not signed by the certificate-authority-data in the kubeconfig \("certificate signed by unknown authority"\): the node's CA is stale/,
    );
    expect(v?.evidence[2]).toEqual({source: {file: KC, line: 4}, text: expect.stringMatching(/^certificate-authority-data: /)});
  });

  it('fails on connection refused, with the kubelet log line to expect', () => {
    const [v] = run(error(7, "curl: (7) Failed to connect to 10.0.0.10 port 6443 after 0 ms: Couldn't connect to server"));
    expect(v?.summary).toBe(
      'connection to 10.0.0.10:6443 refused (curl: (7) Failed to connect to 10.0.0.10 port 6443 after 0 ms: Couldn\'t connect to server): the API server is down, or a load balancer or firewall rejects the node; the kubelet logs "dial tcp 10.0.0.10:6443: connect: connection refused"',
    );
  });

  it('fails on a timeout', () => {
    const [v] = run(error(28, 'curl: (28) Connection timed out after 3001 milliseconds'));
    expect(v).toMatchObject({status: 'fail', summary: expect.stringMatching(/^10\.0\.0\.10:6443 did not answer in time/)});
  });

  it('fails when the server name does not resolve', () => {
    const server = 'https://api.example.com:6443';
    const [v] = run(error(6, 'curl: (6) Could not resolve host: api.example.com'), {
      live: probed(server),
      files: {[KC]: kubeconfig(server)},
      extra: {'api-dns': {status: 'failed', exitCode: 2, stdout: ''}},
    });
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe('api.example.com does not resolve on the node (getent hosts api.example.com: not found): the kubelet cannot find its API server');
  });

  it('fails when the API server answers unhealthy', () => {
    const [v] = run(answer('500 Internal Server Error', '[-]etcd failed: reason withheld'));
    expect(v?.summary).toBe(
      `${SERVER}/livez answered HTTP/1.1 500 Internal Server Error ([-]etcd failed: reason withheld): the API server is up but unhealthy`,
    );
  });

  it('warns when the running kubelet would go through a proxy that NO_PROXY does not exempt', () => {
    const out = run(answer('200 OK', 'ok'), {
      extra: {'kubelet-proxy-env': {stdout: 'HTTPS_PROXY=http://[redacted]@proxy.corp:3128\nNO_PROXY=.cluster.local,10.96.0.0/12\n'}},
    });
    expect(out.map((v) => v.status)).toEqual(['pass', 'warn']);
    expect(out[1]?.summary).toBe(
      "the kubelet's environment sets HTTPS_PROXY=http://[redacted]@proxy.corp:3128 and NO_PROXY=.cluster.local,10.96.0.0/12 does not cover it: the kubelet reaches 10.0.0.10 through that proxy, while the probe connected directly; add 10.0.0.10 to NO_PROXY unless the proxy is meant to carry it",
    );
  });

  it('reads the proxy from the unit environment when no kubelet runs', () => {
    const unit = '[Service]\nEnvironment="HTTPS_PROXY=http://proxy.corp:3128"\nExecStart=/usr/bin/kubelet\n';
    const out = run(answer('200 OK', 'ok'), {files: {'/etc/systemd/system/kubelet.service': unit}});
    expect(out[1]?.status).toBe('warn');
    expect(out[1]?.evidence[0]).toEqual({
      source: {file: '/etc/systemd/system/kubelet.service', line: 2},
      text: 'Environment="HTTPS_PROXY=http://proxy.corp:3128"',
    });
  });

  it('warns that TLS was not verified under insecure-skip-tls-verify', () => {
    const out = run(answer('200 OK', 'ok'), {live: probed().replace('api.ca=data', 'api.ca=insecure')});
    expect(out.map((v) => v.status)).toEqual(['pass', 'warn']);
    expect(out[1]?.summary).toBe("the API server's certificate was not verified: the kubeconfig sets insecure-skip-tls-verify: true");
  });

  it('does not trust a request to a server other than the effective one', () => {
    const [v] = run(answer('200 OK', 'ok'), {live: probed('https://10.9.9.9:6443')});
    expect(v).toMatchObject({
      status: 'skip',
      summary: `not collected: the probe queried https://10.9.9.9:6443 (from ${KC}) but the effective server is ${SERVER} (${KC})`,
    });
  });

  it('skips a standalone kubelet', () => {
    const raw = rawFrom({}, {live: true, commands: {live: {stdout: probed()}, 'api-livez': answer('200 OK', 'ok')}});
    const facts = makeFacts({apiserver: buildApiserver(raw), kubeconfig: buildKubeconfig(raw, argvOf([]))});
    expect([check.evaluate(facts, ctx)].flat()[0]?.summary).toBe('the kubelet runs standalone (no usable --kubeconfig): it talks to no API server');
  });

  it('skips under the root transport', () => {
    const [v] = [check.evaluate(makeFacts({apiserver: buildApiserver(rawFrom({}))}), ctx)].flat();
    expect(v).toEqual({status: 'skip', summary: 'not collected: the root transport reads files only (this needs a live node)', evidence: []});
  });
});
