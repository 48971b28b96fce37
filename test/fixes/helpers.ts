/**
 * Helpers for fix tests: lab node trees probed over the root transport (as `--root` does), and
 * a fingerprint of a whole tree to prove "byte-identical" (content, mode, symlink targets and
 * which directories exist), leaving out kubelet-doctor's own backup directory.
 */
import {createHash} from 'node:crypto';
import {lstat, mkdtemp, readFile, readdir, readlink, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {evaluateAll} from '../../src/engine/evaluate.js';
import {buildFacts} from '../../src/facts/build.js';
import type {Facts, RawSnapshot} from '../../src/facts/types.js';
import {collectRaw} from '../../src/probe/collect.js';
import type {Finding} from '../../src/report/types.js';
import {writeNodeTree, type NodeTreeInfo, type ScenarioId} from '../../src/lab/node-tree.js';
import {createClusterCa, type ClusterCa} from '../../src/lab/pki.js';
import {LocalTransport} from '../../src/transport/local.js';

/** The clock lab trees and plans agree on in these tests. */
export const NOW = new Date();

/** A test file's lab node trees: one temporary directory and one cluster CA for all of them. */
export interface LabTrees {
  /** The directory the trees are written under (set once the file's tests start). */
  readonly dir: string;
  readonly ca: ClusterCa;
  /** Write the tree `dir/name` (hostname `name`) for `scenario`, then let the test change it. */
  write(name: string, scenario: ScenarioId, o?: {kubeletVersion?: string; edit?: (root: string) => Promise<void>}): Promise<NodeTreeInfo>;
}

/**
 * Lab node trees for the tests of one file, clocked at {@link NOW}: the directory and the CA are
 * made before the file's tests run and the directory is removed after them.
 */
export function labTrees(prefix: string): LabTrees {
  let dir = '';
  let ca: ClusterCa | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    ca = await createClusterCa(NOW);
  });
  afterAll(() => (dir ? rm(dir, {recursive: true, force: true}) : undefined));
  return {
    get dir() {
      return dir;
    },
    get ca() {
      return ca!;
    },
    async write(name, scenario, o = {}) {
      const info = await writeNodeTree(join(dir, name), {
        layout: 'deb',
        hostname: name,
        kubeletVersion: o.kubeletVersion ?? 'v1.30.2',
        scenario,
        now: NOW,
        ca: ca!,
      });
      await o.edit?.(info.root);
      return info;
    },
  };
}

/** What a probe of a tree gives a planner. */
export interface Probed {
  raw: RawSnapshot;
  facts: Facts;
  findings: Finding[];
  finding: (id: string) => Finding;
}

/** Probe a node tree the way `--root DIR` does, and evaluate the catalogue. */
export async function probeTree(root: string, kubeletVersion: string | null = null): Promise<Probed> {
  const t = new LocalTransport('root', root, false);
  const raw = await collectRaw(t, {timeoutMs: 60_000});
  const facts = buildFacts(raw, {name: 'lab', transport: 'root', kubeletVersion});
  const findings = evaluateAll(catalogue, facts, {now: NOW, expiryWarnDays: 30});
  return {raw, facts, findings, finding: (id) => findings.find((f) => f.id === id)!};
}

/**
 * Every file, symlink and directory under `root` with its content hash and mode; kubelet-doctor's
 * own backup directory is left out unless `withBackups` (a dry run or a "no" must not create it).
 */
export async function hashTree(root: string, o: {withBackups?: boolean} = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const r = `${rel}/${name}`;
      if (r === '/var/lib/kubelet-doctor' && !o.withBackups) continue;
      const st = await lstat(p);
      if (st.isSymbolicLink()) out[r] = `link ${await readlink(p)}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${(st.mode & 0o7777).toString(8)}`;
        await walk(p, r);
      } else
        out[r] = `file ${(st.mode & 0o7777).toString(8)} ${createHash('sha256')
          .update(await readFile(p))
          .digest('hex')}`;
    }
  };
  await walk(root, '');
  return out;
}
