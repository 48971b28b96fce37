/**
 * Command outputs are node text too: `crictl info` prints the CRI config with registry auth,
 * `journalctl` can carry a bootstrap token or a key a unit printed. The live probe must blank
 * them ON THE NODE, by the same rules as file text, before a byte leaves it (the client-side
 * pass is the second line of defence, not the first). Run through the real probe under dash
 * (mawk), busybox sh (busybox awk) and, where present, gawk, with stand-in commands on PATH.
 */
import {describe, it, expect, beforeAll, afterAll} from 'vitest';
import {chmod, mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {LocalTransport} from '../../src/transport/local.js';
import {buildProbeScript} from '../../src/probe/script.js';
import {parseFrames} from '../../src/probe/frame.js';
import {writeNodeTree} from '../../src/lab/node-tree.js';
import {findSecret} from '../../src/facts/secrets/redact.js';

const PASSWORD = 'Sup3r-s3cret-registry-pw';
const AUTH = Buffer.from(`robot:${PASSWORD}`).toString('base64');
const IDTOKEN = 'idt0ken-VALUE-4f9a8c7e';
const BOOTSTRAP = 'abcdef.0123456789abcdef';
const KEY_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7kqX1tX2Yq3';

/** What `crictl info` prints on a containerd node that pulls from a private registry. */
const CRICTL_INFO = JSON.stringify(
  {
    status: {conditions: [{type: 'RuntimeReady', status: true, reason: '', message: ''}]},
    config: {
      containerd: {defaultRuntimeName: 'runc', runtimes: {runc: {options: {SystemdCgroup: true}}}},
      registry: {
        configs: {'registry.example.test': {auth: {username: 'robot', password: PASSWORD, auth: AUTH, identitytoken: IDTOKEN}}},
      },
      sandboxImage: 'registry.k8s.io/pause:3.9',
    },
  },
  null,
  2,
);

const JOURNAL = [
  '2026-12-05T05:00:00+0000 node kubelet[812]: I1205 starting kubelet',
  `2026-12-05T05:00:01+0000 node kubeadm[900]: [discovery] using token: ${BOOTSTRAP}`,
  '2026-12-05T05:00:02+0000 node kubelet[812]: -----BEGIN RSA PRIVATE KEY-----',
  `2026-12-05T05:00:02+0000 node kubelet[812]: ${KEY_BODY}`,
  '2026-12-05T05:00:02+0000 node kubelet[812]: -----END RSA PRIVATE KEY-----',
  '2026-12-05T05:00:03+0000 node kubelet[812]: E1205 "Failed to run kubelet" err="failed to run Kubelet: misconfiguration"',
].join('\n');

let dir: string;
let root: string;
let bin: string;
const shells: [string, string[], Record<string, string>][] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-cmd-secrets-'));
  root = (await writeNodeTree(join(dir, 'node'), {layout: 'deb', hostname: 'node-1', kubeletVersion: 'v1.30.2'})).root;
  bin = join(dir, 'bin');
  await mkdir(bin);
  const stand = async (name: string, text: string): Promise<void> => {
    await writeFile(join(dir, `${name}.out`), `${text}\n`);
    await writeFile(join(bin, name), `#!/bin/sh\ncat '${join(dir, `${name}.out`)}'\n`);
    await chmod(join(bin, name), 0o755);
  };
  await stand('crictl', CRICTL_INFO);
  await stand('journalctl', JOURNAL);
  const path = `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;
  shells.push(['dash (mawk)', ['dash'], {PATH: path}]);
  if (existsSync('/bin/busybox')) shells.push(['busybox sh (busybox awk)', ['busybox', 'sh'], {PATH: path}]);
  for (const gawk of ['/usr/bin/gawk', '/bin/gawk']) {
    if (!existsSync(gawk)) continue;
    const g = join(dir, 'gawk');
    await mkdir(g);
    await symlink(gawk, join(g, 'awk'));
    shells.push(['dash (gawk)', ['dash'], {PATH: `${g}:${path}`}]);
    break;
  }
}, 120_000);

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('command outputs on a live node', () => {
  it('leave the node with registry auth, tokens and keys blanked, and still parse', async () => {
    expect(shells.length).toBeGreaterThan(0);
    for (const [name, shell, env] of shells) {
      const t = new LocalTransport('local', root, true, shell, env);
      const res = await t.run({script: buildProbeScript({hostRoot: root, live: true, joinEndpoint: null}), timeoutMs: 60_000});
      const out = res.stdout.toString();
      for (const secret of [PASSWORD, AUTH, IDTOKEN, BOOTSTRAP.slice(7), KEY_BODY.slice(0, 20)]) {
        expect(out.includes(secret), `${name}: ${secret} left the node`).toBe(false);
      }
      const {complete, ...raw} = parseFrames(res.stdout, {hostRoot: root, live: true});
      expect(complete, `${name}: the framing still holds`).toBe(true);
      const info = raw.commands['crictl-info'];
      expect(info?.status, name).toBe('ok');
      // Still the runtime's JSON, values blanked in place: the facts can read it.
      const parsed = JSON.parse(info!.stdout) as {config: {containerd: {runtimes: {runc: {options: {SystemdCgroup: boolean}}}}; sandboxImage: string}};
      expect(parsed.config.containerd.runtimes.runc.options.SystemdCgroup, name).toBe(true);
      expect(parsed.config.sandboxImage, name).toBe('registry.k8s.io/pause:3.9');
      expect(info!.stdout.split('\n').length, `${name}: line count kept`).toBe(`${CRICTL_INFO}\n`.split('\n').length);
      const journal = raw.commands['journal']?.stdout ?? '';
      expect(journal, name).toContain('Failed to run kubelet');
      expect(journal, name).toContain('[private key redacted]');
      expect(findSecret(out), `${name}: a secret detector still matches the probe output`).toBeNull();
    }
  });
});
