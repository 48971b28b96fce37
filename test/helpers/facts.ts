/**
 * Test builders: a RawSnapshot from in-memory files, and a Facts object with every domain
 * "not collected" unless a test provides it. Tests state only what they are about.
 */
import type {Facts, FileRecord, RawSnapshot, CommandRecord, DirRecord} from '../../src/facts/types.js';

/** Options for {@link rawFrom}. */
export interface RawOptions {
  /** Live node (commands and /proc collected). Default false (like --root). */
  live?: boolean;
  /** Command outputs by command id (see src/probe/sections.ts). */
  commands?: Record<string, Partial<CommandRecord> & {stdout: string}>;
  /** Extra file records (missing, binary, truncated ...). */
  records?: Record<string, Partial<FileRecord>>;
  /** Directory listings; when omitted, listings are derived from the files given. */
  dirs?: Record<string, DirRecord>;
}

/**
 * Build a RawSnapshot as the probe would send it for a node holding `files` (path → text).
 * Directory listings are derived for every parent directory of the files given.
 */
export function rawFrom(files: Record<string, string>, opts: RawOptions = {}): RawSnapshot {
  const out: RawSnapshot = {probeVersion: 1, hostRoot: '/', live: opts.live ?? false, files: {}, dirs: {}, commands: {}, notes: []};
  for (const [path, content] of Object.entries(files)) {
    out.files[path] = {path, status: 'ok', size: Buffer.byteLength(content), content};
    const dir = path.slice(0, path.lastIndexOf('/')) || '/';
    const name = path.slice(path.lastIndexOf('/') + 1);
    const rec = (out.dirs[dir] ??= {path: dir, status: 'ok', entries: []});
    rec.entries.push({name, type: 'file'});
  }
  for (const [path, rec] of Object.entries(opts.records ?? {})) {
    out.files[path] = {path, status: 'ok', ...out.files[path], ...rec};
  }
  Object.assign(out.dirs, opts.dirs ?? {});
  for (const [id, cmd] of Object.entries(opts.commands ?? {})) {
    out.commands[id] = {command: id, status: 'ok', exitCode: 0, ...cmd};
  }
  return out;
}

const nc = {collected: false as const, reason: 'not provided by this test'};

/** A Facts object where every domain is "not collected" unless overridden. */
export function makeFacts(over: Partial<Facts> = {}): Facts {
  return {
    target: {name: 'test-node', transport: 'root', hostRoot: '/', live: false},
    probe: {version: 1, notes: []},
    hostname: nc,
    nodeTime: nc,
    kubeletVersion: nc,
    unit: nc,
    unitState: nc,
    argv: nc,
    kubeletConfig: nc,
    kubeconfig: nc,
    certs: nc,
    controlPlanePki: nc,
    runtime: nc,
    cni: nc,
    staticPods: nc,
    swap: nc,
    kernel: nc,
    cgroup: nc,
    capacity: nc,
    kubeletProcesses: nc,
    lockFile: nc,
    healthz: nc,
    listeners: nc,
    apiserver: nc,
    filesystems: nc,
    timeSync: nc,
    journal: nc,
    criSocket: nc,
    joinEndpoint: nc,
    profile: nc,
    cluster: nc,
    ...over,
  };
}

/** A fixed "now" for expiry maths in tests. */
export const NOW = new Date('2026-06-01T00:00:00Z');
/** A CheckContext for tests. */
export const ctx = {now: NOW, expiryWarnDays: 30};
