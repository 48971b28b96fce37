import {describe, it, expect, beforeAll, afterAll, afterEach, vi} from 'vitest';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import {isInCluster, loadKubeconfig} from '../../src/cluster/kubeconfig.js';
import {InputError} from '../../src/errors.js';

let dir: string;
let sa: string;

const kubeconfigText = (ctx: string, server: string, withCluster = true) =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...(withCluster ? [`- name: c-${ctx}`, '  cluster:', `    server: ${server}`] : []),
    'users:',
    `- name: u-${ctx}`,
    '  user: {}',
    'contexts:',
    `- name: ${ctx}`,
    '  context:',
    `    cluster: c-${ctx}`,
    `    user: u-${ctx}`,
    `current-context: ${ctx}`,
    '',
  ].join('\n');

async function failure(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected loading to fail');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-kubeconfig-'));
  await writeFile(join(dir, 'a'), kubeconfigText('a', 'https://127.0.0.1:6443'));
  await writeFile(join(dir, 'b'), kubeconfigText('b', 'https://127.0.0.2:6443'));
  await writeFile(join(dir, 'no-cluster'), kubeconfigText('x', '', false));
  await writeFile(join(dir, 'bad'), 'clusters: [unclosed');
  sa = join(dir, 'sa');
  await mkdir(sa);
  await writeFile(join(sa, 'token'), 'not-a-real-token');
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('finding the kubeconfig', () => {
  it('loads --kubeconfig and names the server and context', async () => {
    const k = await loadKubeconfig({kubeconfig: join(dir, 'a'), context: null, inCluster: null});
    expect([k.source, k.server, k.context, k.where]).toEqual([join(dir, 'a'), 'https://127.0.0.1:6443', 'a', 'https://127.0.0.1:6443 (context a)']);
  });

  it('merges the $KUBECONFIG list (first file wins) and selects --context from any of them', async () => {
    vi.stubEnv('KUBECONFIG', [join(dir, 'missing'), join(dir, 'a'), join(dir, 'b')].join(delimiter));
    expect((await loadKubeconfig({kubeconfig: null, context: null, inCluster: null})).context).toBe('a');
    expect((await loadKubeconfig({kubeconfig: null, context: 'b', inCluster: null})).server).toBe('https://127.0.0.2:6443');
  });

  it('uses the service account in a pod, before ~/.kube/config', async () => {
    vi.stubEnv('KUBECONFIG', '');
    vi.stubEnv('HOME', dir);
    const env = {host: '127.0.0.1', port: '6443', dir: sa};
    expect(isInCluster(env)).toBe(true);
    expect(isInCluster({...env, host: undefined})).toBe(false);
    expect(isInCluster({...env, dir: join(dir, 'nowhere')})).toBe(false);
    const k = await loadKubeconfig({kubeconfig: null, context: null, inCluster: env});
    expect([k.source, k.server, k.context]).toEqual(['in-cluster service account', 'https://127.0.0.1:6443', 'in-cluster']);
  });

  it('falls back to ~/.kube/config, and says when there is none', async () => {
    vi.stubEnv('KUBECONFIG', '');
    vi.stubEnv('HOME', dir);
    const e = await failure(loadKubeconfig({kubeconfig: null, context: null, inCluster: null}));
    expect(e.message).toBe(`${join(dir, '.kube', 'config')}: no such file`);
    expect(e.hint).toBe('give --kubeconfig FILE or set $KUBECONFIG');
    await mkdir(join(dir, '.kube'));
    await writeFile(join(dir, '.kube', 'config'), kubeconfigText('home', 'https://127.0.0.3:6443'));
    expect((await loadKubeconfig({kubeconfig: null, context: null, inCluster: null})).context).toBe('home');
  });
});

describe('what is wrong with it', () => {
  it('names a missing file, a file that is not a kubeconfig, and a $KUBECONFIG of missing files', async () => {
    expect((await failure(loadKubeconfig({kubeconfig: join(dir, 'nope'), context: null}))).message).toBe(`--kubeconfig ${join(dir, 'nope')}: no such file`);
    expect((await failure(loadKubeconfig({kubeconfig: join(dir, 'bad'), context: null}))).message).toMatch(
      new RegExp(`^${join(dir, 'bad')}: not a usable kubeconfig \\(`),
    );
    vi.stubEnv('KUBECONFIG', join(dir, 'nope'));
    expect((await failure(loadKubeconfig({kubeconfig: null, context: null}))).message).toBe(`$KUBECONFIG ${join(dir, 'nope')}: no such file`);
  });

  it('lists the contexts there are when --context names none of them', async () => {
    const e = await failure(loadKubeconfig({kubeconfig: join(dir, 'a'), context: 'prod'}));
    expect(e.message).toBe(`--context prod: no such context in ${join(dir, 'a')}`);
    expect(e.hint).toBe('contexts there: a');
  });

  it('says when the context has no cluster', async () => {
    const e = await failure(loadKubeconfig({kubeconfig: join(dir, 'no-cluster'), context: null}));
    expect(e.message).toBe(`${join(dir, 'no-cluster')}: no cluster for context x`);
  });
});
