/**
 * CRI-O's configuration: /etc/crio/crio.conf, then every file of /etc/crio/crio.conf.d in lexical
 * order; a key set in a later file overrides the same key set earlier (crio.conf.d(5)). Defaults
 * from crio.conf(5): cgroup_manager "systemd", listen "/var/run/crio/crio.sock",
 * network_dir "/etc/cni/net.d/", plugin_dirs ["/opt/cni/bin/"].
 */
import type {RawSnapshot, Source, Sourced} from '../core.js';
import {fileText, lineOf, parseTomlText, valueAt, type TomlIndex, type TomlTable} from './runtime-parse.js';
import type {CgroupDriver, RuntimeConfigFile, RuntimeConfigRead, RuntimeNote} from './runtime.js';

/** CRI-O's main config file. */
export const CRIO_CONFIG = '/etc/crio/crio.conf';
/** CRI-O's drop-in directory. */
export const CRIO_DROPINS = '/etc/crio/crio.conf.d';

interface Loaded {
  path: string;
  data: TomlTable;
  index: TomlIndex;
  lines: string[];
}

/** Read CRI-O's config files into runtime facts. */
export function readCrio(raw: RawSnapshot): RuntimeConfigRead {
  const files: RuntimeConfigFile[] = [];
  const loaded: Loaded[] = [];
  const listing = raw.dirs[CRIO_DROPINS];
  const dropins =
    listing?.status === 'ok'
      ? listing.entries
          .filter((e) => e.type === 'file' || e.type === 'link')
          .map((e) => e.name)
          .sort()
          .map((n) => `${CRIO_DROPINS}/${n}`)
      : [];
  for (const path of [CRIO_CONFIG, ...dropins]) {
    const role = path === CRIO_CONFIG ? 'main' : 'dropin';
    const ft = fileText(raw, path);
    if (!ft.ok) {
      files.push({path, role, status: ft.status, error: ft.error});
      continue;
    }
    const parsed = parseTomlText(ft.text);
    if (!parsed.ok) {
      files.push({path, role, status: 'parse-error', error: parsed.error, ...(parsed.line === undefined ? {} : {line: parsed.line})});
      continue;
    }
    files.push({path, role, status: 'ok'});
    loaded.push({path, data: parsed.data, index: parsed.index, lines: parsed.lines});
  }
  const broken = files.some((f) => f.status === 'parse-error' || f.status === 'binary' || f.status === 'truncated');
  // Defaults are attributed to the last file read: that is where an operator would add the key.
  const anchor = loaded[loaded.length - 1]?.path ?? CRIO_CONFIG;
  const find = <T>(path: string[], ok: (v: unknown) => v is T, fallback: T, shown: string): Sourced<T> => {
    let hit: Sourced<T> | undefined;
    for (const f of loaded) {
      const v = valueAt(f.data, path);
      if (v === undefined || !ok(v)) continue;
      const line = lineOf(f.index, path);
      const source: Source = {file: f.path, ...(line === undefined ? {} : {line})};
      hit = {value: v, source, text: line === undefined ? '' : (f.lines[line - 1] ?? '').trim()};
    }
    return hit ?? {value: fallback, source: {file: anchor}, text: `${path[path.length - 1]} not set (default ${shown})`};
  };
  const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
  const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const problems: RuntimeNote[] = [];
  const manager = find(['crio', 'runtime', 'cgroup_manager'], isString, 'systemd', '"systemd"');
  let cgroupDriver: Sourced<CgroupDriver> | null = null;
  if (manager.value === 'systemd' || manager.value === 'cgroupfs') {
    cgroupDriver = {...manager, value: manager.value};
  } else {
    problems.push({
      severity: 'fail',
      message: `cgroup_manager = "${manager.value}": CRI-O accepts only "systemd" or "cgroupfs"`,
      source: manager.source,
      text: manager.text,
    });
  }
  return {
    configFiles: files,
    configVersion: null,
    cgroupDriver: broken ? null : cgroupDriver,
    criDisabled: null,
    sandboxImage: null,
    listen: find(['crio', 'api', 'listen'], isString, '/var/run/crio/crio.sock', '/var/run/crio/crio.sock'),
    problems,
    cni: {
      confDir: find(['crio', 'network', 'network_dir'], isString, '/etc/cni/net.d/', '/etc/cni/net.d/'),
      binDirs: find(['crio', 'network', 'plugin_dirs'], isStrings, ['/opt/cni/bin/'], '["/opt/cni/bin/"]'),
    },
  };
}
