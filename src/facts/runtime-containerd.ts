/**
 * containerd's /etc/containerd/config.toml and its `imports`, read the way containerd reads them.
 *
 * Layouts (containerd docs/cri/config.md):
 * - no `version`: v1 (containerd 1.0-1.2 era); CRI plugin table `[plugins.cri]`.
 * - `version = 2`: containerd 1.x; `[plugins."io.containerd.grpc.v1.cri"]` holds runtimes and cni.
 * - `version = 3`: containerd 2.x; `[plugins.'io.containerd.cri.v1.runtime']` holds them.
 *
 * Imports (cmd/containerd/server/config/config.go): files are loaded breadth-first from the main
 * file, globs expand in lexical order, relative paths resolve against the importing file's folder.
 * `disabled_plugins` lists are unioned. For the CRI settings we implement two merge rules:
 * - main file version <= 2 (containerd 1.x): an imported file that defines the CRI plugin table
 *   replaces that whole table (containerd#5837), so the last file defining it owns every CRI key;
 * - main file version 3 (containerd 2.x, PR #9982): plugin tables merge key by key; the last file
 *   that sets a key wins.
 * A missing explicitly named import or a file that does not parse stops containerd from starting.
 */
import type {RawSnapshot, Source, Sourced} from './types.js';
import {nearestLine, valueAt, lineOf} from './runtime-parse.js';
import {loadAll, CONTAINERD_CONFIG, type Loaded} from './runtime-containerd-load.js';
import type {CgroupDriver, RuntimeConfigRead, RuntimeNote} from './runtime.js';

const CRI_GRPC = 'io.containerd.grpc.v1.cri';
const CRI_RUNTIME = 'io.containerd.cri.v1.runtime';
const RUNC_V2 = 'io.containerd.runc.v2';
const LINUX_V1 = 'io.containerd.runtime.v1.linux';

/** A setting found in a file. */
interface Found {
  value: unknown;
  file: Loaded;
  line: number | undefined;
}

/** Read containerd's config files into runtime facts (driver, CRI plugin, CNI dirs, socket). */
export function readContainerd(raw: RawSnapshot): RuntimeConfigRead {
  const {files, loaded, problems} = loadAll(raw);
  const main = files[0];
  const rootVersion = loaded[0]?.rec.role === 'main' ? loaded[0].version : null;
  const mainOk = main?.status === 'ok';
  const mainAbsent = main?.status === 'missing';
  const merge = rootVersion === 3 ? 'key' : 'table';
  const find = (rel: string[]): Found | undefined => lookup(loaded, rel, merge);
  const at = (f: Found): Source => ({file: f.file.rec.path, ...(f.line === undefined ? {} : {line: f.line})});
  const textOf = (f: Found): string => (f.line === undefined ? '' : (f.file.lines[f.line - 1] ?? '').trim());
  const sourced = <T>(value: T, f: Found): Sourced<T> => ({value, source: at(f), text: textOf(f)});
  const dflt = <T>(value: T, key: string, shown: string, near?: string[]): Sourced<T> => {
    const owner = near && loaded.length > 0 ? ownerOf(loaded, merge) : undefined;
    const line = owner ? nearestLine(owner.index, [...criTable(owner), ...(near ?? [])]) : undefined;
    return {
      value,
      source: {file: owner?.rec.path ?? CONTAINERD_CONFIG, ...(line === undefined ? {} : {line})},
      text: mainAbsent ? `no ${CONTAINERD_CONFIG}: ${key} takes containerd's default ${shown}` : `${key} not set (default ${shown})`,
    };
  };
  const usable = mainOk || mainAbsent;
  notesForLayouts(loaded, problems);

  // The default runtime decides which runtime's SystemdCgroup counts (containerd docs/cri/config.md).
  const nameFound = find(['containerd', 'default_runtime_name']);
  const runtime = typeof nameFound?.value === 'string' && nameFound.value !== '' ? nameFound.value : 'runc';
  const opts = ['containerd', 'runtimes', runtime, 'options'];
  const typeFound = find(['containerd', 'runtimes', runtime, 'runtime_type']);
  const runtimeType = typeof typeFound?.value === 'string' ? typeFound.value : runtime === 'runc' ? RUNC_V2 : undefined;
  if (nameFound && runtime !== 'runc' && find(['containerd', 'runtimes', runtime]) === undefined) {
    problems.push({
      severity: 'fail',
      message: `default_runtime_name = "${runtime}" but no runtimes.${runtime} table: containerd refuses to load the CRI plugin`,
      source: at(nameFound),
      text: textOf(nameFound),
    });
  }
  const sc = find([...opts, 'SystemdCgroup']);
  const legacy = rootVersion !== null && rootVersion <= 2 ? find(['systemd_cgroup']) : undefined;
  let cgroupDriver: Sourced<CgroupDriver> | null = null;
  if (legacy?.value === true && runtimeType === LINUX_V1) {
    cgroupDriver = sourced('systemd', legacy);
  } else if (sc && typeof sc.value === 'boolean') {
    cgroupDriver = sourced(sc.value ? 'systemd' : 'cgroupfs', sc);
  } else if (usable) {
    cgroupDriver = dflt('cgroupfs', 'SystemdCgroup', 'false', opts);
    if (sc) cgroupDriver.text = `SystemdCgroup = ${JSON.stringify(sc.value)} is not a boolean (default false)`;
  }
  if (sc && typeof sc.value !== 'boolean') {
    problems.push({severity: 'fail', message: 'SystemdCgroup must be true or false', source: at(sc), text: textOf(sc)});
  }
  if (legacy?.value === true && runtimeType !== LINUX_V1) {
    // containerd 1.x pkg/cri/config ValidatePluginConfig: the CRI plugin then fails to load.
    problems.push({
      severity: 'fail',
      message: `systemd_cgroup = true only works for runtime ${LINUX_V1}: containerd 1.x fails to load the CRI plugin ("invalid plugin config"); use SystemdCgroup in runtimes.${runtime}.options`,
      source: at(legacy),
      text: textOf(legacy),
    });
  }

  const confFound = find(['cni', 'conf_dir']);
  const confDir =
    confFound && typeof confFound.value === 'string' && confFound.value !== ''
      ? sourced(confFound.value, confFound)
      : dflt('/etc/cni/net.d', 'conf_dir', '/etc/cni/net.d', ['cni']);
  const binDirs = cniBinDirs(find, rootVersion, sourced, dflt);
  const grpc = lookup(loaded, ['grpc', 'address'], 'top');
  const listen =
    grpc && typeof grpc.value === 'string' && grpc.value !== ''
      ? sourced(grpc.value, grpc)
      : usable
        ? dflt('/run/containerd/containerd.sock', '[grpc] address', '/run/containerd/containerd.sock')
        : null;
  return {
    configFiles: files,
    configVersion: rootVersion,
    cgroupDriver,
    criDisabled: usable ? criDisabled(loaded, problems, mainAbsent) : null,
    sandboxImage: null,
    listen,
    problems,
    cni: {confDir, binDirs},
  };
}

type Finder = (rel: string[]) => Found | undefined;
type Maker = <T>(value: T, f: Found) => Sourced<T>;
type Defaulter = <T>(value: T, key: string, shown: string, near?: string[]) => Sourced<T>;

/** CNI binary dirs: `bin_dir` (1.x), `bin_dirs` (2.x; the deprecated `bin_dir` is still searched). */
function cniBinDirs(find: Finder, version: number | null, sourced: Maker, dflt: Defaulter): Sourced<string[]> {
  const one = find(['cni', 'bin_dir']);
  const oneDir = one && typeof one.value === 'string' && one.value !== '' ? one.value : null;
  if (version === 3) {
    const many = find(['cni', 'bin_dirs']);
    const list = Array.isArray(many?.value) ? many.value.filter((d): d is string => typeof d === 'string') : null;
    if (many && list) return sourced(oneDir && !list.includes(oneDir) ? [...list, oneDir] : list, many);
    if (one && oneDir) return sourced([oneDir], one);
    return dflt(['/opt/cni/bin'], 'bin_dirs', "['/opt/cni/bin']", ['cni']);
  }
  if (one && oneDir) return sourced([oneDir], one);
  return dflt(['/opt/cni/bin'], 'bin_dir', '/opt/cni/bin', ['cni']);
}

/** The table path holding the CRI runtime settings for a file of this layout. */
function criTable(f: Loaded): string[] {
  if (f.version >= 3) return ['plugins', CRI_RUNTIME];
  if (f.version === 2) return ['plugins', CRI_GRPC];
  // v1 names plugins by short id; containerd also migrates the full id.
  return valueAt(f.data, ['plugins', 'cri']) !== undefined ? ['plugins', 'cri'] : ['plugins', CRI_GRPC];
}

/** Under the 1.x rule, the last file defining the CRI table owns all its keys. */
function ownerOf(files: Loaded[], merge: 'key' | 'table' | 'top'): Loaded | undefined {
  if (merge !== 'table') return files[0];
  let owner: Loaded | undefined;
  for (const f of files) if (valueAt(f.data, criTable(f)) !== undefined) owner = f;
  return owner ?? files[0];
}

/** Find a CRI setting (or a top-level one with merge 'top') under the merge rule in force. */
function lookup(files: Loaded[], rel: string[], merge: 'key' | 'table' | 'top'): Found | undefined {
  const pathIn = (f: Loaded): string[] => (merge === 'top' ? rel : [...criTable(f), ...rel]);
  const candidates = merge === 'table' ? [ownerOf(files, merge)].filter((f): f is Loaded => !!f) : files;
  let found: Found | undefined;
  for (const f of candidates) {
    const path = pathIn(f);
    const value = valueAt(f.data, path);
    if (value !== undefined) found = {value, file: f, line: lineOf(f.index, path) ?? nearestLine(f.index, path)};
  }
  return found;
}

/** Union of `disabled_plugins` over all files; `cri` (v1) or the full CRI ids disable the CRI service. */
function criDisabled(files: Loaded[], problems: RuntimeNote[], mainAbsent: boolean): Sourced<boolean> {
  let firstList: {file: Loaded; line: number | undefined} | undefined;
  for (const f of files) {
    const list = f.data['disabled_plugins'];
    if (!Array.isArray(list)) continue;
    const line = lineOf(f.index, ['disabled_plugins']);
    const src: Source = {file: f.rec.path, ...(line === undefined ? {} : {line})};
    const text = line === undefined ? '' : (f.lines[line - 1] ?? '').trim();
    firstList ??= {file: f, line};
    for (const name of list) {
      if (typeof name !== 'string') continue;
      const full = [CRI_GRPC, ...(f.version >= 3 ? [CRI_RUNTIME, 'io.containerd.cri.v1.images'] : [])];
      if (full.includes(name) || (f.version <= 1 && name === 'cri')) return {value: true, source: src, text};
      // containerd >= 1.3 validates version 2+ configs: a short plugin name is refused at load
      // ("invalid disabled plugin URI \"cri\" expect io.containerd.x.vx", seen with containerd 1.6.20).
      if (f.version >= 2 && name.split('.').length < 4) {
        problems.push({
          severity: 'fail',
          message: `containerd refuses to load this config: disabled_plugins entry "${name}" is not a plugin id in a version ${f.version} config ("invalid disabled plugin URI "${name}" expect io.containerd.x.vx"), so containerd does not start`,
          source: src,
          text,
        });
      }
    }
  }
  if (firstList) {
    const {file, line} = firstList;
    const text = line === undefined ? 'disabled_plugins' : (file.lines[line - 1] ?? '').trim();
    return {value: false, source: {file: file.rec.path, ...(line === undefined ? {} : {line})}, text};
  }
  const text = mainAbsent ? `no ${CONTAINERD_CONFIG}: containerd defaults (CRI enabled)` : 'disabled_plugins not set (CRI enabled)';
  return {value: false, source: {file: files[0]?.rec.path ?? CONTAINERD_CONFIG}, text};
}

/** Settings written for the other layout are ignored by containerd: say so where they sit. */
function notesForLayouts(files: Loaded[], problems: RuntimeNote[]): void {
  for (const f of files) {
    const v3 = f.version >= 3;
    const root = ['plugins', v3 ? CRI_GRPC : CRI_RUNTIME];
    const wrong = v3
      ? (['containerd', 'cni'] as const).map((k) => [...root, k]).find((p) => valueAt(f.data, p) !== undefined)
      : valueAt(f.data, root) !== undefined
        ? root
        : undefined;
    if (!wrong) continue;
    const key = (n: string): string[] => [...root, 'containerd', 'runtimes', n, 'options', 'SystemdCgroup'];
    const runtimes = valueAt(f.data, [...root, 'containerd', 'runtimes']);
    const names = runtimes && typeof runtimes === 'object' ? Object.keys(runtimes) : [];
    const name = names.find((n) => valueAt(f.data, key(n)) !== undefined);
    const path = name === undefined ? wrong : key(name);
    const line = nearestLine(f.index, path);
    const right = v3 ? `[plugins.'${CRI_RUNTIME}'...]` : `[plugins."${CRI_GRPC}"...] (or set version = 3 for containerd 2.x)`;
    const what = name === undefined ? `[${wrong.slice(1).join('.')}]` : `SystemdCgroup under runtimes.${name}.options of plugin ${root[1]}`;
    const who = v3 ? 'a version 3 config (containerd 2.x) ignores it' : `containerd 1.x ignores it in a version ${f.version} config`;
    problems.push({
      severity: 'warn',
      message: `${f.rec.path} sets ${what}: ${who}; the setting belongs under ${right}`,
      source: {file: f.rec.path, ...(line === undefined ? {} : {line})},
      text: line === undefined ? '' : (f.lines[line - 1] ?? '').trim(),
    });
  }
}
