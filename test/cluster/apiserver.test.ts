import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {createHmac} from 'node:crypto';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {request} from 'node:https';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parse} from 'yaml';
import {startApiServer, type ApiRoute, type ApiServer} from '../helpers/apiserver.js';

let dir: string;
let api: ApiServer;
let tls: {ca: string; cert: string; key: string};

/** A request to the stand-in with the operator's client certificate (or none). */
function call(
  method: string,
  path: string,
  o: {body?: string; cert?: boolean; headers?: Record<string, string>} = {},
): Promise<{status: number; body: string; socket?: import('node:net').Socket}> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${api.url}${path}`,
      {method, ca: tls.ca, ...(o.cert === false ? {} : {cert: tls.cert, key: tls.key}), headers: o.headers ?? {}},
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({status: res.statusCode ?? 0, body}));
      },
    );
    req.on('upgrade', (res, socket, head: Buffer) => {
      if (head.length > 0) return resolve({status: res.statusCode ?? 0, body: head.toString(), socket});
      socket.once('data', (d: Buffer) => resolve({status: res.statusCode ?? 0, body: d.toString(), socket}));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const echo: ApiRoute = {
  handle(req, res, url, body, user) {
    if (!url.pathname.startsWith('/api/v1/namespaces/kube-system/pods')) return false;
    res.writeHead(201, {'content-type': 'application/json'});
    res.end(JSON.stringify({method: req.method, body: body.toString(), user}));
    return true;
  },
  upgrade(_req, socket, _head, url) {
    if (!url.pathname.endsWith('/exec')) return false;
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nhello');
    return true;
  },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-apiserver-'));
  api = await startApiServer({nodes: [{name: 'node-1'}], routes: [echo], bootstrapTokens: [{id: 'abcdef', secret: '0123456789abcdef'}]});
  const kc = parse(await readFile(await api.kubeconfig(join(dir, 'kubeconfig')), 'utf8')) as {users: {user: Record<string, string>}[]};
  const data = (k: string) => Buffer.from(kc.users[0]!.user[k]!, 'base64').toString();
  tls = {ca: api.ca.certPem, cert: data('client-certificate-data'), key: data('client-key-data')};
});
afterAll(async () => {
  await api.close();
  await rm(dir, {recursive: true, force: true});
});

describe('the stand-in API server', () => {
  it('offers every method to the routes first, with the body and the client-certificate user', async () => {
    const r = await call('POST', '/api/v1/namespaces/kube-system/pods', {body: '{"kind":"Pod"}'});
    expect(r.status).toBe(201);
    expect(JSON.parse(r.body)).toEqual({method: 'POST', body: '{"kind":"Pod"}', user: 'system:node:operator'});
    expect((await call('DELETE', '/api/v1/nodes/node-1')).status).toBe(405);
  });

  it('hands WebSocket upgrades to the routes, and 404s the rest', async () => {
    const r = await call('GET', '/api/v1/namespaces/kube-system/pods/p/exec', {headers: {Connection: 'Upgrade', Upgrade: 'websocket'}});
    expect([r.status, r.body]).toEqual([101, 'hello']);
    r.socket?.destroy();
    expect((await call('GET', '/api/v1/nodes/node-1/proxy', {headers: {Connection: 'Upgrade', Upgrade: 'websocket'}})).status).toBe(404);
  }, 10_000);

  it('wants a client certificate', async () => {
    expect((await call('GET', '/api/v1/nodes', {cert: false})).status).toBe(401);
    expect(
      (await call('GET', '/api/v1/namespaces/kube-system/pods/p/exec', {cert: false, headers: {Connection: 'Upgrade', Upgrade: 'websocket'}})).status,
    ).toBe(401);
  }, 10_000);

  it('gets one node, and answers a NotFound Status for a missing one', async () => {
    expect(JSON.parse((await call('GET', '/api/v1/nodes/node-1')).body)).toMatchObject({kind: 'Node', metadata: {name: 'node-1'}});
    const r = await call('GET', '/api/v1/nodes/node-9');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({kind: 'Status', reason: 'NotFound', message: 'nodes "node-9" not found'});
  });

  it('signs cluster-info with each signing token as the BootstrapSigner does (detached HS256 JWS)', async () => {
    const cm = JSON.parse((await call('GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info')).body) as {data: Record<string, string>};
    const [header, payload, sig] = cm.data['jws-kubeconfig-abcdef']!.split('.');
    expect(payload).toBe('');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({alg: 'HS256', kid: 'abcdef'});
    const signed = `${header}.${Buffer.from(cm.data['kubeconfig']!).toString('base64url')}`;
    expect(sig).toBe(createHmac('sha256', '0123456789abcdef').update(signed).digest('base64url'));
  });

  it('filters secrets by field selector', async () => {
    const names = async (q: string) =>
      (JSON.parse((await call('GET', `/api/v1/namespaces/kube-system/secrets${q}`)).body) as {items: {metadata: {name: string}}[]}).items.map(
        (s) => s.metadata.name,
      );
    expect(await names('')).toEqual(['bootstrap-token-abcdef', 'unrelated']);
    expect(await names('?fieldSelector=type%3Dbootstrap.kubernetes.io%2Ftoken')).toEqual(['bootstrap-token-abcdef']);
    expect((await call('GET', '/api/v1/namespaces/kube-system/secrets?fieldSelector=data.x%3D1')).status).toBe(400);
  });
});
