import {describe, it, expect} from 'vitest';
import {UsageError} from '../../src/errors.js';
import {resolveTargets, type TargetOptions} from '../../src/targets/resolve.js';
import {localUser} from '../../src/transport/ssh-config.js';

const opts = (over: Partial<TargetOptions>): TargetOptions => ({
  local: false,
  root: [],
  snapshot: [],
  hostRoot: null,
  positional: [],
  ssh: {sshConfig: 'none'},
  ...over,
});

async function usage(o: TargetOptions): Promise<UsageError> {
  try {
    await resolveTargets(o);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error('expected a UsageError');
}

describe('resolving SSH targets from the command line', () => {
  it('makes one SSH target per TARGET, named as typed, with --host-root on the node', async () => {
    const t = await resolveTargets(opts({positional: ['root@127.0.0.1:2222', 'node-1'], hostRoot: '/host'}));
    expect(t.map((x) => (x.kind === 'ssh' ? `${x.name} ${x.ssh.user}@${x.ssh.host}:${x.ssh.port} ${x.hostRoot}` : x.kind))).toEqual([
      'root@127.0.0.1:2222 root@127.0.0.1:2222 /host',
      `node-1 ${localUser()}@node-1:22 /host`,
    ]);
  });

  it('mixes SSH targets with --root and --snapshot, local ones first', async () => {
    const t = await resolveTargets(opts({positional: ['node-1'], root: ['/'], snapshot: ['s.json']}));
    expect(t.map((x) => x.kind)).toEqual(['root', 'snapshot', 'ssh']);
  });

  it.each([
    [{positional: ['node-1'], hostRoot: 'relative'}, '--host-root relative: must be an absolute path (on the node, for SSH targets)'],
    [{positional: ['node-1'], ssh: {identities: ['/no/such/key'], sshConfig: 'none'}}, '-i /no/such/key: no such key file'],
    [{positional: ['node-1'], ssh: {port: '70000', sshConfig: 'none'}}, '-p: port 70000 is not a number from 1 to 65535'],
    [{positional: ['node-1'], ssh: {user: 'a b', sshConfig: 'none'}}, '-u a b: not a user name'],
    [{positional: ['node-1'], ssh: {jump: 'bastion,', sshConfig: 'none'}}, null],
    [{positional: ['node-1'], ssh: {jump: 'bad host', sshConfig: 'none'}}, '-J: "bad host" is not a host name'],
    [{positional: ['node-1'], cluster: {via: 'rsh'}}, '--via rsh: expected ssh or pod'],
    [{positional: ['node-1'], cluster: {podImage: 'busybox:1.36'}}, '--pod-image needs --via pod'],
    [{positional: ['root@node-2:22'], cluster: {via: 'pod'}}, 'root@node-2:22: not a node name'],
    [{cluster: {allNodes: true, address: 'Public'}}, '--address Public: expected one of InternalIP, ExternalIP, Hostname'],
    [{cluster: {allNodes: true}}, '--all-nodes and -l need the cluster: this command takes one named target'],
    [{}, 'no target given'],
  ] as [Partial<TargetOptions>, string | null][])('%j → %s', async (o, message) => {
    if (message === null) {
      await expect(resolveTargets(opts(o))).resolves.toBeDefined();
      return;
    }
    expect((await usage(opts(o))).message).toBe(message);
  });

  it('tells what a target can be when none is given', async () => {
    expect((await usage(opts({}))).hint).toBe('name one: a node ([user@]host[:port]), --inventory FILE, --all-nodes, --local, --root DIR or --snapshot FILE');
  });
});
