/**
 * containerd's /etc/containerd/config.toml and its `imports`, read the way containerd reads them.
 *
 * Layouts (containerd docs/cri/config.md):
 * - no `version`: v1 (containerd 1.0-1.2 era); CRI plugin table `[plugins.cri]` (the full id is ignored).
 * - `version = 2`: containerd 1.x; `[plugins."io.containerd.grpc.v1.cri"]` holds runtimes and cni.
 * - `version = 3`: containerd 2.x; `[plugins.'io.containerd.cri.v1.runtime']` holds them.
 *
 * Imports (containerd v1.6.20 services/server/config/config.go LoadConfig): files are loaded
 * breadth-first from the main file, globs expand in lexical order, relative paths resolve against
 * the importing file's folder. `disabled_plugins` lists are unioned. Two merge rules:
 * - main file version <= 2 (containerd 1.x, mergeConfig): mergo with override, so the version is
 *   the last non-zero `version` of any file loaded (1 when none), and each `plugins.<id>` table of
 *   a later file replaces the whole table; the last file defining the CRI table owns every CRI key.
 *   Config.Decode looks the CRI plugin up by its short id `cri` when that merged version is 1 and
 *   by `io.containerd.grpc.v1.cri` otherwise; the other spelling is ignored. ValidateV2 refuses a
 *   merged version >= 2 whose `plugins` keys or `disabled_plugins` entries are not full ids.
 *   Keys are matched the way go-toml v1 does (runtime-containerd-keys.ts);
 * - main file version 3 (containerd 2.x, PR #9982): plugin tables merge key by key; the last file
 *   that sets a key wins.
 * A missing explicitly named import or a file that does not parse stops containerd from starting.
 */
import type {RawSnapshot, Source, Sourced} from '../core.js';
import {nearestLine, valueAt, lineOf} from './runtime-parse.js';
import {loadAll, CONTAINERD_CONFIG, type Loaded} from './runtime-containerd-load.js';
import {walk, type Step} from './runtime-containerd-keys.js';
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
  const mainVersion = loaded[0]?.rec.role === 'main' ? loaded[0].version : null;
  // containerd 1.x: the merged version is the last non-zero `version` of any file loaded.
  const rootVersion = mainVersion === null || mainVersion >= 3 ? mainVersion : mergedVersion(loaded);
  const mainOk = main?.status === 'ok';
  const mainAbsent = main?.status === 'missing';
  const merge = rootVersion === 3 ? 'key' : 'table';
  const ctx: Ctx = {v1x: rootVersion !== 3, version: rootVersion ?? 1};
  const find = (rel: Step[]): Found | undefined => lookup(loaded, rel, merge, ctx);
  const at = (f: Found): Source => ({file: f.file.rec.path, ...(f.line === undefined ? {} : {line: f.line})});
  const textOf = (f: Found): string => (f.line === undefined ? '' : (f.file.lines[f.line - 1] ?? '').trim());
  const sourced = <T>(value: T, f: Found): Sourced<T> => ({value, source: at(f), text: textOf(f)});
  const dflt = <T>(value: T, key: string, shown: string, near?: string[]): Sourced<T> => {
    const owner = near && loaded.length > 0 ? ownerOf(loaded, merge, ctx) : undefined;
    const line = owner ? nearestLine(owner.index, [...criTable(owner, ctx), ...(near ?? [])]) : undefined;
    return {
      value,
      source: {file: owner?.rec.path ?? CONTAINERD_CONFIG, ...(line === undefined ? {} : {line})},
      text: mainAbsent ? `no ${CONTAINERD_CONFIG}: ${key} takes containerd's default ${shown}` : `${key} not set (default ${shown})`,
    };
  };
  const usable = mainOk || mainAbsent;
  notesForLayouts(loaded, problems, ctx);

  // The default runtime decides which runtime's SystemdCgroup counts (containerd docs/cri/config.md).
  const nameFound = find(['containerd', 'default_runtime_name']);
  const runtime = typeof nameFound?.value === 'string' && nameFound.value !== '' ? nameFound.value : 'runc';
  const opts: Step[] = ['containerd', 'runtimes', {map: runtime}, 'options'];
  const typeFound = find(['containerd', 'runtimes', {map: runtime}, 'runtime_type']);
  const runtimeType = typeof typeFound?.value === 'string' ? typeFound.value : runtime === 'runc' ? RUNC_V2 : undefined;
  if (nameFound && runtime !== 'runc' && find(['containerd', 'runtimes', {map: runtime}]) === undefined) {
    problems.push({
      severity: 'fail',
      message: `default_runtime_name = "${runtime}" but no runtimes.${runtime} table: containerd refuses to load the CRI plugin`,
      source: at(nameFound),
      text: textOf(nameFound),
    });
  }
  // The options map is decoded into runc's Options struct, field SystemdCgroup (no toml tag).
  const sc = find([...opts, 'SystemdCgroup']);
  const legacy = rootVersion !== null && rootVersion <= 2 ? find(['systemd_cgroup']) : undefined;
  let cgroupDriver: Sourced<CgroupDriver> | null = null;
  // containerd v1.6.20 pkg/cri/server/helpers.go generateRuntimeOptions: the plugin-level
  // systemd_cgroup counts only for runtime type io.containerd.runtime.v1.linux with no options table.
  if (legacy?.value === true && runtimeType === LINUX_V1 && find(opts) === undefined) {
    cgroupDriver = sourced('systemd', legacy);
  } else if (sc && typeof sc.value === 'boolean') {
    cgroupDriver = sourced(sc.value ? 'systemd' : 'cgroupfs', sc);
  } else if (usable) {
    cgroupDriver = dflt('cgroupfs', 'SystemdCgroup', 'false', ['containerd', 'runtimes', runtime, 'options']);
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
  const grpc = lookup(loaded, ['grpc', 'address'], 'top', ctx);
  const sandboxImage = usable ? readSandbox(loaded, ctx, find, sourced, dflt) : null;
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
    criDisabled: usable ? criDisabled(loaded, problems, mainAbsent, ctx) : null,
    sandboxImage,
    listen,
    problems,
    cni: {confDir, binDirs},
  };
}

/** The rule set in force: containerd 1.x (merged version 1 or 2) or 2.x (version 3). */
interface Ctx {
  v1x: boolean;
  version: number;
}

/** containerd 1.x mergeConfig: mergo override keeps the last non-zero version; 1 when none is set. */
function mergedVersion(files: Loaded[]): number {
  let v = 0;
  for (const f of files) if (f.ownVersion !== 0) v = f.ownVersion;
  return v === 0 ? 1 : v;
}

/** containerd 1.6 default (pkg/cri/config/config_unix.go DefaultConfig), 2.x pinned_images.sandbox default. */
const PAUSE_1X = 'registry.k8s.io/pause:3.6';
const PAUSE_2X = 'registry.k8s.io/pause:3.10';

/** The CRI plugin's pod sandbox image: `sandbox_image` (1.x) or images `pinned_images.sandbox` (2.x). */
function readSandbox(files: Loaded[], ctx: Ctx, find: Finder, sourced: Maker, dflt: Defaulter): Sourced<string> {
  if (ctx.v1x) {
    const f = find(['sandbox_image']);
    if (f && typeof f.value === 'string') return sourced(f.value, f);
    return dflt(PAUSE_1X, 'sandbox_image', PAUSE_1X, []);
  }
  const path = ['plugins', 'io.containerd.cri.v1.images', 'pinned_images', 'sandbox'];
  let found: Found | undefined;
  for (const file of files) {
    const value = valueAt(file.data, path);
    if (value !== undefined) found = {value, file, line: lineOf(file.index, path) ?? nearestLine(file.index, path)};
  }
  if (found && typeof found.value === 'string') return sourced(found.value, found);
  return dflt(PAUSE_2X, 'pinned_images.sandbox', PAUSE_2X);
}

type Finder = (rel: Step[]) => Found | undefined;
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

/** The CRI plugin's id in the merged config: `cri` for version 1, the full id for 2 (Config.Decode). */
function criId(ctx: Ctx): string {
  return ctx.version === 1 ? 'cri' : CRI_GRPC;
}

/** The table path (as written) holding the CRI runtime settings in this file, for line look-ups. */
function criTable(f: Loaded, ctx: Ctx): string[] {
  if (!ctx.v1x) return ['plugins', f.version >= 3 ? CRI_RUNTIME : CRI_GRPC];
  return walk(f.data, ['plugins'])?.path.concat(criId(ctx)) ?? ['plugins', criId(ctx)];
}

/** Steps to the CRI table of a file under the rule set in force. */
function criSteps(f: Loaded, ctx: Ctx): Step[] {
  if (!ctx.v1x) return criTable(f, ctx).map((k) => ({map: k}));
  return ['plugins', {map: criId(ctx)}];
}

/** Under the 1.x rule, the last file defining the CRI table owns all its keys. */
function ownerOf(files: Loaded[], merge: 'key' | 'table' | 'top', ctx: Ctx): Loaded | undefined {
  if (merge !== 'table') return files[0];
  let owner: Loaded | undefined;
  for (const f of files) if (walk(f.data, criSteps(f, ctx)) !== undefined) owner = f;
  return owner ?? files[0];
}

/** Find a CRI setting (or a top-level one with merge 'top') under the merge rule in force. */
function lookup(files: Loaded[], rel: Step[], merge: 'key' | 'table' | 'top', ctx: Ctx): Found | undefined {
  const stepsIn = (f: Loaded): Step[] => (merge === 'top' ? rel : [...criSteps(f, ctx), ...rel]);
  const candidates = merge === 'table' ? [ownerOf(files, merge, ctx)].filter((f): f is Loaded => !!f) : files;
  let found: Found | undefined;
  for (const f of candidates) {
    // containerd 2.x (go-toml v2) is left with exact keys; 1.x uses go-toml v1's spellings.
    const hit = walk(f.data, stepsIn(f), !ctx.v1x);
    if (hit !== undefined) {
      found = {value: hit.value, file: f, line: lineOf(f.index, hit.path) ?? nearestLine(f.index, hit.path)};
    }
  }
  return found;
}

/** Union of `disabled_plugins` over all files; `cri` (v1) or the full CRI ids disable the CRI service. */
function criDisabled(files: Loaded[], problems: RuntimeNote[], mainAbsent: boolean, ctx: Ctx): Sourced<boolean> {
  let firstList: {file: Loaded; line: number | undefined} | undefined;
  let disabled: Sourced<boolean> | undefined;
  for (const f of files) {
    const hit = walk(f.data, ['disabled_plugins'], !ctx.v1x);
    const list = hit?.value;
    if (!hit || !Array.isArray(list)) continue;
    const line = lineOf(f.index, hit.path);
    const src: Source = {file: f.rec.path, ...(line === undefined ? {} : {line})};
    const text = line === undefined ? '' : (f.lines[line - 1] ?? '').trim();
    firstList ??= {file: f, line};
    for (const name of list) {
      if (typeof name !== 'string') continue;
      // 1.x: V1DisabledFilter matches the short id, V2DisabledFilter the full id (config.go).
      const ids = ctx.v1x ? [criId(ctx)] : [CRI_GRPC, CRI_RUNTIME, 'io.containerd.cri.v1.images'];
      if (ids.includes(name)) disabled ??= {value: true, source: src, text};
      // ValidateV2 (containerd 1.6.20): a short plugin name is refused when the merged version is 2+
      // ("invalid disabled plugin URI \"cri\" expect io.containerd.x.vx").
      const version = ctx.v1x ? ctx.version : f.version;
      if (version >= 2 && name.split('.').length < 4) {
        problems.push({
          severity: 'fail',
          message: `containerd refuses to load this config: disabled_plugins entry "${name}" is not a plugin id in a version ${version} config ("invalid disabled plugin URI "${name}" expect io.containerd.x.vx"), so containerd does not start`,
          source: src,
          text,
        });
      }
    }
  }
  if (disabled) return disabled;
  if (firstList) {
    const {file, line} = firstList;
    const text = line === undefined ? 'disabled_plugins' : (file.lines[line - 1] ?? '').trim();
    return {value: false, source: {file: file.rec.path, ...(line === undefined ? {} : {line})}, text};
  }
  const text = mainAbsent ? `no ${CONTAINERD_CONFIG}: containerd defaults (CRI enabled)` : 'disabled_plugins not set (CRI enabled)';
  return {value: false, source: {file: files[0]?.rec.path ?? CONTAINERD_CONFIG}, text};
}

/** Settings written for the other layout are ignored (or refused) by containerd: say so where they sit. */
function notesForLayouts(files: Loaded[], problems: RuntimeNote[], ctx: Ctx): void {
  for (const f of files) {
    if (ctx.v1x) notes1x(f, problems, ctx);
    else notes2x(f, problems);
  }
}

/** containerd 1.x: plugin tables under the other id are ignored (v1) or refused (v2, ValidateV2). */
function notes1x(f: Loaded, problems: RuntimeNote[], ctx: Ctx): void {
  const plugins = walk(f.data, ['plugins']);
  if (!plugins || plugins.value === null || typeof plugins.value !== 'object') return;
  const at = (path: string[]): {source: Source; text: string} => {
    const line = nearestLine(f.index, path);
    return {source: {file: f.rec.path, ...(line === undefined ? {} : {line})}, text: line === undefined ? '' : (f.lines[line - 1] ?? '').trim()};
  };
  for (const id of Object.keys(plugins.value)) {
    const path = [...plugins.path, id];
    if (ctx.version >= 2 && id.split('.').length < 4) {
      problems.push({
        severity: 'fail',
        message: `containerd refuses to load this config: plugins table "${id}" is not a plugin id in a version ${ctx.version} config ("invalid plugin key URI "${id}" expect io.containerd.x.vx"), so containerd does not start`,
        ...at(path),
      });
    } else if (ctx.version >= 2 && id === CRI_RUNTIME) {
      const {where, what} = pointAt(f, path, id);
      problems.push({
        severity: 'warn',
        message: `${f.rec.path} sets ${what}: containerd 1.x ignores it in a version ${ctx.version} config; the setting belongs under [plugins."${CRI_GRPC}"...] (or set version = 3 for containerd 2.x)`,
        ...at(where),
      });
    } else if (ctx.version === 1 && (id === CRI_GRPC || id === CRI_RUNTIME)) {
      const {where, what} = pointAt(f, path, id);
      problems.push({
        severity: 'warn',
        message: `${f.rec.path} sets ${what}: containerd 1.x reads a config without version = 2 as version 1, which looks the CRI plugin up as [plugins.cri] and ignores it; add version = 2 at the top (or move it under [plugins.cri])`,
        ...at(where),
      });
    }
  }
}

/** Where to point a note about an ignored plugin table: its SystemdCgroup line when it has one. */
function pointAt(f: Loaded, path: string[], id: string): {where: string[]; what: string} {
  const sc = walk(f.data, [...path.map((k) => ({map: k})), 'containerd', 'runtimes']);
  const names = sc?.value && typeof sc.value === 'object' ? Object.keys(sc.value) : [];
  for (const name of names) {
    const hit = walk(sc?.value, [{map: name}, 'options', 'SystemdCgroup']);
    if (hit && sc) return {where: [...sc.path, name, ...hit.path.slice(1)], what: `SystemdCgroup under runtimes.${name}.options of plugin ${id}`};
  }
  return {where: path, what: `[plugins."${id}"]`};
}

/** containerd 2.x: settings in the 1.x CRI table are ignored by a version 3 config. */
function notes2x(f: Loaded, problems: RuntimeNote[]): void {
  const root = ['plugins', f.version >= 3 ? CRI_GRPC : CRI_RUNTIME];
  const wrong =
    f.version >= 3
      ? (['containerd', 'cni'] as const).map((k) => [...root, k]).find((p) => valueAt(f.data, p) !== undefined)
      : valueAt(f.data, root) !== undefined
        ? root
        : undefined;
  if (!wrong) return;
  const {where, what} = pointAt(f, root, root[1] ?? '');
  const line = nearestLine(f.index, where === root ? wrong : where);
  const right = f.version >= 3 ? `[plugins.'${CRI_RUNTIME}'...]` : `[plugins."${CRI_GRPC}"...]`;
  const shown = where === root ? `[${wrong.slice(1).join('.')}]` : what;
  problems.push({
    severity: 'warn',
    message: `${f.rec.path} sets ${shown}: a version ${f.version} config (containerd 2.x) ignores it; the setting belongs under ${right}`,
    source: {file: f.rec.path, ...(line === undefined ? {} : {line})},
    text: line === undefined ? '' : (f.lines[line - 1] ?? '').trim(),
  });
}
