import {describe, it, expect} from 'vitest';
import {readHttp} from '../../src/facts/live/live-http.js';
import {liveValues} from '../../src/facts/live/live-records.js';
import {buildHealthz} from '../../src/facts/live/live-healthz.js';
import {buildApiserver} from '../../src/facts/live/live-apiserver.js';
import {proxyFor, type ProxyVar} from '../../src/facts/live/live-proxy.js';
import type {CommandRecord} from '../../src/facts/types.js';
import {rawFrom} from '../helpers/facts.js';

type Cmd = Partial<CommandRecord> & {stdout: string};
const URL_ = 'https://10.0.0.10:6443/livez';

/** A live snapshot holding one request under `api-livez`, made with `tool`. */
function request(tool: string, rec: Cmd, extra = '') {
  const live = `api.kubeconfig=/etc/kubernetes/kubelet.conf\napi.server=https://10.0.0.10:6443\napi.ca=data\napi-livez.url=${URL_}\napi-livez.tool=${tool}\n${extra}`;
  const raw = rawFrom({}, {live: true, commands: {live: {stdout: live}, 'api-livez': rec}});
  const v = liveValues(raw);
  if (!v.ok) throw new Error(v.reason);
  return readHttp(raw, 'api-livez', v.values)!;
}

const failed = (exitCode: number, reason: string): Cmd => ({status: 'failed', exitCode, stdout: '\n@@http_code=000\n', reason});

describe("reading the probe's HTTP requests", () => {
  it('reads a curl answer: status, body and the Date header', () => {
    const r = request('curl', {stdout: 'HTTP/1.1 200 OK\r\nDate: Mon, 01 Jun 2026 00:00:05 GMT\r\nContent-Length: 2\r\n\r\nok\n@@http_code=200\n'});
    expect(r).toMatchObject({outcome: 'ok', status: 200, body: 'ok', date: 'Mon, 01 Jun 2026 00:00:05 GMT', tlsVerified: true, text: 'HTTP/1.1 200 OK: ok'});
    expect(r.source).toEqual({command: `curl ${URL_}`});
  });

  it.each([
    [6, 'curl: (6) Could not resolve host: api.example.com', 'dns'],
    [7, "curl: (7) Failed to connect to 10.0.0.10 port 6443 after 0 ms: Couldn't connect to server", 'refused'],
    [7, 'curl: (7) Failed to connect to 10.0.0.10 port 6443 after 3 ms: No route to host', 'unreachable'],
    [28, 'curl: (28) Connection timed out after 3001 milliseconds', 'timeout'],
    [60, 'curl: (60) SSL certificate problem: unable to get local issuer certificate', 'tls-unknown-ca'],
    [60, 'curl: (60) SSL certificate problem: self-signed certificate in certificate chain', 'tls-unknown-ca'],
    [60, "curl: (60) SSL: no alternative certificate subject name matches target host name '10.0.0.10'", 'tls-hostname'],
    [60, 'curl: (60) SSL certificate problem: certificate has expired', 'tls-expired'],
    [60, 'curl: (60) SSL certificate problem: certificate is not yet valid', 'tls-not-yet-valid'],
    [35, 'curl: (35) OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number', 'tls'],
    [77, 'curl: (77) error setting certificate file: /tmp/x/ca.pem', 'error'],
  ])('classifies curl exit %i (%s) as %s', (code, stderr, outcome) => {
    const r = request('curl', failed(code, stderr));
    expect(r.outcome).toBe(outcome);
    expect(r.detail).toBe(stderr);
    expect(r.status).toBeNull();
    expect(r.tlsVerified).toBeNull();
  });

  it('says timeout when timeout(1) killed the client', () => {
    expect(request('curl', {status: 'timeout', exitCode: null, stdout: ''}).outcome).toBe('timeout');
  });

  it('reads GNU wget: headers on stderr, the HTTP error from exit 8, GnuTLS and OpenSSL wording', () => {
    const ok = request('wget', {
      stdout: 'ok',
      reason: '--2026-06-01--  https://10.0.0.10:6443/livez\n  HTTP/1.1 200 OK\n  Date: Mon, 01 Jun 2026 00:00:05 GMT\n',
    });
    expect(ok).toMatchObject({outcome: 'ok', status: 200, body: 'ok', date: 'Mon, 01 Jun 2026 00:00:05 GMT'});
    const err = request('wget', {
      status: 'failed',
      exitCode: 8,
      stdout: '',
      reason: '  HTTP/1.1 503 Service Unavailable\n2026-06-01 ERROR 503: Service Unavailable.\n',
    });
    expect(err).toMatchObject({outcome: 'http-error', status: 503});
    expect(
      request('wget', {
        status: 'failed',
        exitCode: 5,
        stdout: '',
        reason: "ERROR: The certificate of '10.0.0.10' is not trusted.\nERROR: The certificate of '10.0.0.10' doesn't have a known issuer.",
      }).outcome,
    ).toBe('tls-unknown-ca');
    expect(
      request('wget', {
        status: 'failed',
        exitCode: 5,
        stdout: '',
        reason: "ERROR: cannot verify 10.0.0.10's certificate, issued by 'CN=kubernetes': Unable to locally verify the issuer's authority.",
      }).outcome,
    ).toBe('tls-unknown-ca');
    expect(request('wget', {status: 'failed', exitCode: 4, stdout: '', reason: 'Connecting to 10.0.0.10:6443... failed: Connection refused.'}).outcome).toBe(
      'refused',
    );
    expect(request('wget', {status: 'failed', exitCode: 4, stdout: '', reason: "wget: unable to resolve host address 'api.example.com'"}).outcome).toBe('dns');
  });

  it('marks TLS unverified for busybox wget', () => {
    const r = request('wget', {stdout: 'ok', reason: '  HTTP/1.1 200 OK\n'}, 'api-livez.tls=unverified\n');
    expect(r.tlsVerified).toBe(false);
  });

  it('reads openssl s_client: the raw response on stdout, verify errors on stderr', () => {
    const ok = request('openssl', {stdout: 'HTTP/1.1 200 OK\r\nDate: Mon, 01 Jun 2026 00:00:05 GMT\r\n\r\nok'});
    expect(ok).toMatchObject({outcome: 'ok', status: 200, body: 'ok'});
    const bad = request('openssl', {
      status: 'failed',
      exitCode: 1,
      stdout: '',
      reason:
        'depth=0 CN = kube-apiserver\nverify error:num=20:unable to get local issuer certificate\n40F7:error:0A000086:SSL routines::certificate verify failed',
    });
    expect(bad.outcome).toBe('tls-unknown-ca');
    expect(
      request('openssl', {
        status: 'failed',
        exitCode: 1,
        stdout: '',
        reason: '40F7:error:8000006F:system library:BIO_connect:Connection refused:crypto/bio/bio_sock2.c:114:calling connect()\nconnect:errno=111',
      }).outcome,
    ).toBe('refused');
  });
});

describe('healthz facts', () => {
  it('records the port the probe worked out and where it found it', () => {
    const raw = rawFrom(
      {},
      {
        live: true,
        commands: {
          live: {
            stdout:
              'healthz_port=10248\nhealthz_port_from=/var/lib/kubelet/config.yaml\nhealthz_address=127.0.0.1\nhealthz_address_from=default\nhealthz.url=http://127.0.0.1:10248/healthz\nhealthz.tool=curl\n',
          },
          healthz: {stdout: 'HTTP/1.1 200 OK\r\n\r\nok\n@@http_code=200\n'},
        },
      },
    );
    const h = buildHealthz(raw);
    expect(h.collected && h.value).toMatchObject({port: 10248, portFrom: '/var/lib/kubelet/config.yaml', address: '127.0.0.1', error: null});
    expect(h.collected && h.value.result?.outcome).toBe('ok');
  });

  it('is not collected under the root transport', () => {
    expect(buildHealthz(rawFrom({}))).toEqual({collected: false, reason: 'not collected: the root transport reads files only (this needs a live node)'});
  });
});

describe('API server facts', () => {
  it('reads server, CA kind, DNS lookup, node time and the kubelet process proxy variables', () => {
    const raw = rawFrom(
      {},
      {
        live: true,
        commands: {
          live: {stdout: 'api.kubeconfig=/etc/kubernetes/kubelet.conf\napi.server=https://api.example.com:6443\napi.ca=file:/etc/kubernetes/pki/ca.crt\n'},
          'api-dns': {stdout: '10.0.0.10       api.example.com\n'},
          'api-node-time': {stdout: '1780272005\n'},
          'kubelet-proxy-env': {stdout: 'HTTPS_PROXY=http://[redacted]@proxy:3128\nNO_PROXY=10.0.0.0/8\n'},
        },
      },
    );
    const a = buildApiserver(raw);
    if (!a.collected) throw new Error(a.reason);
    expect(a.value).toMatchObject({host: 'api.example.com', port: 6443, ca: {kind: 'file', path: '/etc/kubernetes/pki/ca.crt'}});
    expect(a.value.dns).toMatchObject({status: 'resolved', addresses: ['10.0.0.10']});
    expect(a.value.nodeEpoch?.value).toBe(1780272005);
    expect(a.value.processProxy?.['HTTPS_PROXY']?.value).toBe('http://[redacted]@proxy:3128');
  });

  it('says why when the kubeconfig has no server', () => {
    const raw = rawFrom(
      {},
      {
        live: true,
        commands: {
          live: {
            stdout:
              'api.kubeconfig=/etc/kubernetes/kubelet.conf\napi.error=neither /etc/kubernetes/kubelet.conf nor /etc/kubernetes/bootstrap-kubelet.conf exists\n',
          },
        },
      },
    );
    expect(buildApiserver(raw)).toEqual({
      collected: false,
      reason: 'not collected: neither /etc/kubernetes/kubelet.conf nor /etc/kubernetes/bootstrap-kubelet.conf exists',
    });
  });

  it('reports a name that does not resolve', () => {
    const raw = rawFrom(
      {},
      {
        live: true,
        commands: {
          live: {stdout: 'api.kubeconfig=/k\napi.server=https://api.example.com:6443\napi.ca=data\n'},
          'api-dns': {status: 'failed', exitCode: 2, stdout: ''},
        },
      },
    );
    const a = buildApiserver(raw);
    expect(a.collected && a.value.dns).toMatchObject({status: 'failed', text: 'getent hosts api.example.com: not found'});
  });
});

describe('which proxy the kubelet would use (Go httpproxy rules)', () => {
  const env = (vars: Record<string, string>): Map<string, ProxyVar> =>
    new Map(Object.entries(vars).map(([name, value]) => [name, {name, value, source: {file: '/etc/default/kubelet', line: 1}, text: `${name}=${value}`}]));

  it.each([
    [{HTTPS_PROXY: 'http://proxy:3128'}, '10.0.0.10', 'http://proxy:3128'],
    [{https_proxy: 'http://proxy:3128'}, '10.0.0.10', 'http://proxy:3128'],
    [{HTTP_PROXY: 'http://proxy:3128'}, '10.0.0.10', null],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '10.0.0.0/8'}, '10.0.0.10', null],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '10.1.0.0/16'}, '10.0.0.10', 'http://proxy:3128'],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'example.com'}, 'api.example.com', null],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '.example.com'}, 'example.com', 'http://proxy:3128'],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '10.0.0.10:443'}, '10.0.0.10', 'http://proxy:3128'],
    [{HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '*'}, '10.0.0.10', null],
    [{HTTPS_PROXY: 'http://proxy:3128'}, '127.0.0.1', null],
    [{HTTPS_PROXY: 'http://proxy:3128'}, 'localhost', null],
  ])('%j for %s gives %s', (vars, host, expected) => {
    expect(proxyFor(env(vars), 'https', host, 6443)?.proxy.value ?? null).toBe(expected);
  });
});
