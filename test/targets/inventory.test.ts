import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {InputError} from '../../src/errors.js';
import {readInventory} from '../../src/targets/inventory.js';
import {resolveTargets} from '../../src/targets/resolve.js';
import {matchesSelector, parseSelector} from '../../src/targets/selector.js';

let dir: string;
const write = async (name: string, text: string) => {
  const f = join(dir, name);
  await writeFile(f, text);
  return f;
};

const EXAMPLE = `# the docs/ssh.md example
defaults:
  user: ubuntu
  identity: keys/fleet_ed25519
  labels: {env: prod}

hosts:
  - node-1.example.com
  - root@10.0.0.7:2222
  - name: node-3
    host: 10.0.0.8
    port: 2200
    labels: {zone: b}

groups:
  workers:
    jump: admin@bastion.example.com:2222
    labels: {role: worker}
    hosts:
      - worker-1
      - name: worker-2
        host: 10.0.1.2
        user: core
        hostRoot: /host
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-inv-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('inventory', () => {
  it('reads hosts, groups and defaults, a host overriding its group overriding the defaults', async () => {
    const f = await write('fleet.yaml', EXAMPLE);
    const hosts = readInventory(f);
    expect(hosts.map((h) => h.name)).toEqual(['node-1.example.com', 'root@10.0.0.7:2222', 'node-3', 'worker-1', 'worker-2']);
    const byName = Object.fromEntries(hosts.map((h) => [h.name, h]));
    expect(byName['node-1.example.com']).toMatchObject({
      host: 'node-1.example.com',
      layer: {user: 'ubuntu', identities: [join(dir, 'keys/fleet_ed25519')]},
      labels: {env: 'prod'},
    });
    expect(byName['root@10.0.0.7:2222']).toMatchObject({host: '10.0.0.7', layer: {user: 'root', port: 2222}});
    expect(byName['node-3']).toMatchObject({host: '10.0.0.8', layer: {port: 2200}, labels: {env: 'prod', zone: 'b'}, at: `${f}:10`});
    expect(byName['worker-1']).toMatchObject({layer: {user: 'ubuntu', jump: ['admin@bastion.example.com:2222']}, labels: {env: 'prod', role: 'worker'}});
    expect(byName['worker-2']).toMatchObject({host: '10.0.1.2', layer: {user: 'core'}, hostRoot: '/host'});
  });

  it('becomes SSH targets where -u beats the inventory, and a node with a hostRoot keeps it', async () => {
    const f = await write('fleet2.yaml', EXAMPLE);
    const targets = await resolveTargets({
      local: false,
      root: [],
      snapshot: [],
      hostRoot: null,
      positional: [],
      inventory: f,
      ssh: {user: 'ops', sshConfig: 'none'},
    });
    expect(targets.map((t) => (t.kind === 'ssh' ? `${t.name} ${t.ssh.user}@${t.ssh.host}:${t.ssh.port} ${t.hostRoot}` : ''))).toEqual([
      'node-1.example.com ops@node-1.example.com:22 /',
      'root@10.0.0.7:2222 ops@10.0.0.7:2222 /',
      'node-3 ops@10.0.0.8:2200 /',
      'worker-1 ops@worker-1:22 /',
      'worker-2 ops@10.0.1.2:22 /host',
    ]);
  });

  it('picks hosts by label with -l', async () => {
    const f = await write('fleet3.yaml', EXAMPLE);
    const targets = await resolveTargets({
      local: false,
      root: [],
      snapshot: [],
      hostRoot: null,
      positional: [],
      inventory: f,
      ssh: {sshConfig: 'none'},
      cluster: {selector: 'role=worker,zone notin (a)'},
    });
    expect(targets.map((t) => t.name)).toEqual(['worker-1', 'worker-2']);
  });

  it('reports every mistake at once, each with its file and line', async () => {
    const f = await write(
      'bad.yaml',
      `hosts:
  - name: a
    host: 10.0.0.1
    port: 99999
  - name: b
    usr: root
  - {name: c, host: "bad host"}
  - name: a
    host: 10.0.0.2
  - 42.5.x:abc
groups:
  g:
    hostRoot: relative/path
    labels: [x]
    hosts: {}
`,
    );
    let err: unknown;
    try {
      readInventory(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as InputError).message;
    expect(msg).toContain(`${f}:4: hosts: port 99999 is not a number from 1 to 65535`);
    expect(msg).toContain(`${f}:6: hosts: unknown field "usr" (did you mean "user"?)`);
    expect(msg).toContain(`${f}:7: hosts: "bad host" is not a host name`);
    expect(msg).toContain(`${f}:8: hosts: host name "a" is listed twice (first at ${f}:2)`);
    expect(msg).toContain(`${f}:10: hosts: port abc is not a number`);
    expect(msg).toContain(`${f}:13: group g: hostRoot "relative/path" must be an absolute path on the node`);
    expect(msg).toContain(`${f}:14: group g: labels must be a map of key: value`);
    expect(msg).toContain(`${f}:15: group g: hosts must be a list`);
    expect((err as InputError).hint).toMatch(/docs\/ssh\.md/);
  });

  it('names the line of a YAML syntax error', async () => {
    const f = await write('syntax.yaml', 'hosts:\n  - a\n  - [b\n');
    expect(() => readInventory(f)).toThrow(new RegExp(`^${f}:\\d+: not valid YAML`));
  });

  it('refuses a duplicated key, an inventory that is not a map, and one without hosts', async () => {
    expect(() => readInventory(join(dir, 'missing.yaml'))).toThrow(/cannot read it \(ENOENT\)/);
    const dup = await write('dup.yaml', 'hosts: [a]\nhosts: [b]\n');
    expect(() => readInventory(dup)).toThrow(/not valid YAML \(Map keys must be unique/);
    const list = await write('list.yaml', '- a\n- b\n');
    expect(() => readInventory(list)).toThrow(/an inventory is a map/);
    const empty = await write('empty.yaml', 'defaults: {user: x}\nhosts: []\n');
    expect(() => readInventory(empty)).toThrow(/no hosts in the inventory/);
  });

  it('names the unknown top-level key', async () => {
    const f = await write('top.yaml', 'host:\n  - a\n');
    expect(() => readInventory(f)).toThrow(`${f}:1: inventory: unknown field "host" (did you mean "hosts"?)`);
  });
});

describe('label selectors', () => {
  const labels = {role: 'worker', zone: 'b'};
  it.each([
    ['role=worker', true],
    ['role==worker', true],
    ['role!=worker', false],
    ['role', true],
    ['!role', false],
    ['gpu', false],
    ['!gpu', true],
    ['gpu!=yes', true],
    ['zone in (a,b)', true],
    ['zone notin (a,b)', false],
    ['role=worker,zone=a', false],
    ['role=worker, zone in (b)', true],
  ])('%s matches role=worker,zone=b: %s', (sel, want) => {
    expect(matchesSelector(parseSelector(sel), labels)).toBe(want);
  });

  it('refuses a selector it cannot read, quoting the bad part', () => {
    expect(() => parseSelector('role=worker,=x')).toThrow('-l role=worker,=x: cannot read "=x" as a label requirement');
  });
});
