/**
 * The real containerd as an oracle for how it reads its config: copy a corpus case into a temp
 * dir, run `containerd --config F config dump` (reads the files only, starts nothing) and derive
 * from the dump what the tool reports: SystemdCgroup of the default runtime, the CRI plugin's
 * state and its sandbox image, or that containerd refuses the config.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, relative} from 'node:path';
import {parse} from 'smol-toml';
import {spellings} from '../../src/facts/runtime/runtime-containerd-keys.js';

export const CONTAINERD_BIN = '/usr/bin/containerd';
const ETC = '/etc/containerd/';

/** What a reader of the config concludes; `refused` when containerd will not load it. */
export type Reading = {refused: true; why: string} | {refused: false; cri: 'enabled' | 'disabled'; systemdCgroup: boolean | null; sandboxImage: string | null};

/** One corpus case: the node's files (path → text); the main file is /etc/containerd/config.toml. */
export interface CorpusCase {
  name: string;
  files: Record<string, string>;
  /** Paths under /etc/containerd/ that the case names but does not hold: the probe reports them missing. */
  missing: string[];
}

/** Every `NN-name.toml` in `dir`; a folder `NN-name/` beside it holds files placed under /etc/containerd/. */
export function corpusCases(dir: string): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (!entry.endsWith('.toml')) continue;
    const name = entry.slice(0, -'.toml'.length);
    const files: Record<string, string> = {[`${ETC}config.toml`]: readFileSync(join(dir, entry), 'utf8')};
    const extra = join(dir, name);
    if (existsSync(extra)) for (const f of walkDir(extra)) files[ETC + relative(extra, f)] = readFileSync(f, 'utf8');
    const named = Object.values(files).flatMap((t) => [...t.matchAll(/["'](\/etc\/containerd\/[^"'*]+)["']/g)].map((m) => m[1] ?? ''));
    out.push({name, files, missing: [...new Set(named)].filter((p) => !(p in files))});
  }
  return out;
}

function walkDir(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walkDir(p) : [p];
  });
}

/** Run the real containerd's `config dump` on a case, with /etc/containerd/ moved to a temp dir. */
export function containerdReading(c: CorpusCase): Reading {
  const root = mkdtempSync(join(tmpdir(), 'ctd-corpus-'));
  try {
    for (const [path, text] of Object.entries(c.files)) {
      const at = join(root, path);
      mkdirSync(dirname(at), {recursive: true});
      writeFileSync(at, text.replaceAll(ETC, `${root}${ETC}`));
    }
    let out: string;
    try {
      out = execFileSync(CONTAINERD_BIN, ['--config', join(root, ETC, 'config.toml'), 'config', 'dump'], {
        encoding: 'utf8',
        cwd: '/', // as systemd runs containerd.service: relative import globs resolve against /
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
    } catch (err) {
      const e = err as {stderr?: string; message: string};
      return {refused: true, why: (e.stderr ?? e.message).trim().split('\n').pop() ?? ''};
    }
    return fromDump(out);
  } finally {
    rmSync(root, {recursive: true, force: true});
  }
}

type Table = Record<string, unknown>;
const table = (v: unknown): Table | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Table) : undefined);

/**
 * The dump lists only the plugins containerd would load (server.LoadPlugins drops disabled ones),
 * with the CRI plugin decoded; the runc options map is printed as written, so SystemdCgroup is
 * taken under go-toml v1's spellings, the way runc's Options struct is decoded from it.
 */
export function fromDump(text: string): Reading {
  const dump = parse(text) as Table;
  const cri = table(table(dump['plugins'])?.['io.containerd.grpc.v1.cri']);
  if (!cri) return {refused: false, cri: 'disabled', systemdCgroup: null, sandboxImage: null};
  const ctd = table(cri['containerd']);
  const name = typeof ctd?.['default_runtime_name'] === 'string' ? ctd['default_runtime_name'] : 'runc';
  const runtime = table(table(ctd?.['runtimes'])?.[name]);
  const options = table(runtime?.['options']) ?? {};
  const key = spellings('SystemdCgroup').find((k) => k in options);
  // The pre-runc.v2 runtime type with no options takes the CRI plugin's own systemd_cgroup
  // (containerd v1.6.20 pkg/cri/server/helpers.go generateRuntimeOptions). The dump prints a nil
  // options map as an empty table, so an empty table here stands for "no options written".
  const legacy = runtime?.['runtime_type'] === 'io.containerd.runtime.v1.linux' && Object.keys(options).length === 0;
  const sc = legacy ? cri['systemd_cgroup'] === true : key === undefined ? false : options[key];
  return {
    refused: false,
    cri: 'enabled',
    systemdCgroup: typeof sc === 'boolean' ? sc : null,
    sandboxImage: typeof cri['sandbox_image'] === 'string' ? cri['sandbox_image'] : null,
  };
}
