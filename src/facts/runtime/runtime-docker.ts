/**
 * Docker (dockershim in kubelets up to 1.23, cri-dockerd after): the cgroup driver is dockerd's.
 * dockerd takes it from `--exec-opt native.cgroupdriver=X` on its command line (docker.service's
 * ExecStart, merged with its drop-ins, `$OPTIONS` from /etc/sysconfig/docker on RPM distros,
 * `$DOCKER_OPTS` from /etc/default/docker when the unit names it) or from daemon.json
 * `"exec-opts"`. Rules, from moby b985e2313a8676e18072b442911fc8f64f17d440:
 * - exec-opts are `key=value`, the key trimmed and lower-cased, the value trimmed; the last one
 *   of a key wins (daemon/config/config.go parseExecOptions).
 * - the driver must be systemd or cgroupfs (daemon/daemon_unix.go verifyCgroupDriver); unset,
 *   cgroupfs, except on a cgroup v2 host booted with systemd, where it is systemd (UsingSystemd,
 *   Docker 20.10+).
 * - a directive set both as a flag and in the config file stops dockerd: "the following
 *   directives are specified both as a flag and in the configuration file: exec-opts: ..."
 *   (daemon/config/config.go findConfigurationConflicts); docker/cli
 *   docs/reference/commandline/dockerd.md "Daemon configuration file" says the same.
 * The kubelet (dockershim) or cri-dockerd compares it with its own and refuses a mismatch
 * (`misconfiguration: kubelet cgroup driver: ... is different from docker cgroup driver`).
 */
import type {FileRecord, DirRecord, RawSnapshot, Source, Sourced} from '../core.js';
import {fileText} from './runtime-parse.js';
import {lineAtOffset, parseJsonText} from './runtime-json.js';
import {buildUnit, type UnitFacts} from '../systemd/systemd-unit.js';
import type {Collected} from '../core.js';
import type {CgroupDriver, RuntimeConfigFile, RuntimeConfigRead, RuntimeNote} from './runtime.js';

/** dockerd's default config file (`--config-file` changes it). */
export const DOCKER_CONFIG = '/etc/docker/daemon.json';
/** Environment files the distributions' docker.service units name. */
export const DOCKER_ENV_FILES = ['/etc/sysconfig/docker', '/etc/sysconfig/docker-storage', '/etc/sysconfig/docker-network', '/etc/default/docker'] as const;

/** One `native.cgroupdriver` setting dockerd sees, where it came from. */
export interface DockerDriverSetting extends Sourced<string> {
  from: 'flag' | 'config';
}

/** What the Docker reader adds to the runtime facts. */
export interface DockerFacts {
  /** The effective `dockerd` command line of docker.service (null: no unit, or it does not load). */
  command: Sourced<string>[] | null;
  /** Every `--exec-opt` on that command line and every daemon.json `exec-opts` entry. */
  execOpts: DockerDriverSetting[];
  /** The config file dockerd reads (`--config-file`, else /etc/docker/daemon.json). */
  configFile: Sourced<string>;
}

/** Read dockerd's cgroup driver from its unit and its config file. */
export function readDocker(raw: RawSnapshot): RuntimeConfigRead & {docker: DockerFacts} {
  const problems: RuntimeNote[] = [];
  const files: RuntimeConfigFile[] = [];
  const unit = dockerUnit(raw);
  const command = unit.collected && unit.value.command ? [unit.value.command.executable, ...unit.value.command.args] : null;
  const flags = command ? flagSettings(command) : {execOpts: [], configFile: null};
  const configFile: Sourced<string> = flags.configFile ?? {
    value: DOCKER_CONFIG,
    source: {command: 'dockerd default'},
    text: `--config-file not set (default ${DOCKER_CONFIG})`,
  };
  const cfgPath = configFile.value;
  const ft = fileText(raw, cfgPath);
  let fileOpts: DockerDriverSetting[] = [];
  let fileSetsExecOpts: Sourced<string> | null = null;
  let configReadable = true;
  if (!ft.ok) {
    files.push({path: cfgPath, role: 'main', status: ft.status, error: ft.error});
    configReadable = ft.status === 'missing';
  } else {
    const parsed = parseJsonText(ft.text);
    if (!parsed.ok) {
      files.push({path: cfgPath, role: 'main', status: 'parse-error', error: parsed.error, ...(parsed.line === undefined ? {} : {line: parsed.line})});
      configReadable = false;
    } else {
      files.push({path: cfgPath, role: 'main', status: 'ok'});
      const got = configSettings(cfgPath, ft.text, parsed.data);
      fileOpts = got.execOpts;
      fileSetsExecOpts = got.key;
    }
  }
  const flagOpts = flags.execOpts;
  if (flagOpts.length > 0 && fileSetsExecOpts) {
    const first = flagOpts[0] as DockerDriverSetting;
    const list = (xs: DockerDriverSetting[]): string => `[${xs.map((x) => x.value).join(' ')}]`;
    problems.push({
      severity: 'fail',
      message: `dockerd refuses to start: "the following directives are specified both as a flag and in the configuration file: exec-opts: (from flag: ${list(flagOpts)}, from file: ${list(fileOpts)})"; ${where(first.source)} sets --exec-opt and ${where(fileSetsExecOpts.source)} sets "exec-opts": keep one`,
      source: first.source,
      text: first.text,
    });
    problems.push({
      severity: 'fail',
      message: `${where(fileSetsExecOpts.source)} "exec-opts" conflicts with --exec-opt at ${where(first.source)}`,
      source: fileSetsExecOpts.source,
      text: fileSetsExecOpts.text,
    });
  }
  // dockerd reads the flags or the file for exec-opts, never both (both is the refusal above).
  const settings = flagOpts.length > 0 ? flagOpts : fileOpts;
  let cgroupDriver: Sourced<CgroupDriver> | null = null;
  const last = [...settings].reverse().find((s) => optKey(s.value) === 'native.cgroupdriver');
  if (flagOpts.length > 0 && fileSetsExecOpts) {
    // dockerd does not start: no driver to compare.
  } else if (last) {
    const value = optValue(last.value);
    if (value === 'systemd' || value === 'cgroupfs') cgroupDriver = {value, source: last.source, text: last.text};
    else {
      const why = value === 'none' ? 'is internally used and cannot be specified manually' : 'not supported (systemd or cgroupfs)';
      problems.push({severity: 'fail', message: `dockerd refuses to start: native.cgroupdriver option ${value} ${why}`, source: last.source, text: last.text});
    }
  } else if (configReadable) {
    cgroupDriver = unsetDriver(raw, cfgPath, flagOpts.length > 0 || fileOpts.length > 0);
  }
  const cri = {command: 'cri-dockerd defaults'};
  return {
    configFiles: files,
    configVersion: null,
    cgroupDriver,
    criDisabled: null,
    sandboxImage: null,
    listen: null,
    problems,
    cni: {
      confDir: {value: '/etc/cni/net.d', source: cri, text: 'cri-dockerd --cni-conf-dir (default /etc/cni/net.d)'},
      binDirs: {value: ['/opt/cni/bin'], source: cri, text: 'cri-dockerd --cni-bin-dir (default /opt/cni/bin)'},
    },
    docker: {command, execOpts: [...flagOpts, ...fileOpts], configFile},
  };
}

const where = (s: Source): string => ('command' in s ? s.command : s.line === undefined ? s.file : `${s.file}:${s.line}`);
const optKey = (opt: string): string => (opt.split('=')[0] ?? '').trim().toLowerCase();
const optValue = (opt: string): string => opt.slice(opt.indexOf('=') + 1).trim();

/** No native.cgroupdriver anywhere: cgroupfs, or systemd on a live cgroup v2 host (UsingSystemd). */
function unsetDriver(raw: RawSnapshot, cfgPath: string, someOpts: boolean): Sourced<CgroupDriver> {
  const cgroup2 = raw.live && raw.commands['cgroup-fs']?.status === 'ok' && raw.commands['cgroup-fs'].stdout.trim() === 'cgroup2fs';
  const why = someOpts ? 'native.cgroupdriver not set' : `no --exec-opt in docker.service and no "exec-opts" in ${cfgPath}`;
  return cgroup2
    ? {value: 'systemd', source: {file: cfgPath}, text: `${why}: dockerd 20.10+ defaults to systemd on this cgroup v2 host`}
    : {value: 'cgroupfs', source: {file: cfgPath}, text: `${why} (default cgroupfs; systemd on cgroup v2 hosts)`};
}

/** `--exec-opt X`, `--exec-opt=X` and `--config-file` on dockerd's command line (pflag syntax). */
function flagSettings(command: Sourced<string>[]): {execOpts: DockerDriverSetting[]; configFile: Sourced<string> | null} {
  const execOpts: DockerDriverSetting[] = [];
  let configFile: Sourced<string> | null = null;
  for (let i = 1; i < command.length; i++) {
    const arg = command[i] as Sourced<string>;
    if (arg.value === '--') break;
    // <1:flag name> <2:=value, when joined>
    const m = /^--(exec-opt|config-file)(=.*)?$/.exec(arg.value);
    if (!m) continue;
    let value: string;
    if (m[2] !== undefined) value = m[2].slice(1);
    else {
      const next = command[i + 1];
      if (next === undefined) continue;
      value = next.value;
      i++;
    }
    const setting = {value, source: arg.source, text: arg.text};
    if (m[1] === 'exec-opt') execOpts.push({...setting, from: 'flag'});
    else configFile = setting;
  }
  return {execOpts, configFile};
}

/** daemon.json `"exec-opts"` entries with their lines, and the key's own line when set. */
function configSettings(path: string, text: string, data: unknown): {execOpts: DockerDriverSetting[]; key: Sourced<string> | null} {
  if (data === null || typeof data !== 'object' || Array.isArray(data) || !('exec-opts' in data)) return {execOpts: [], key: null};
  const lines = text.split(/\r?\n/);
  const lineText = (line: number | undefined, dflt: string): string => (line === undefined ? dflt : (lines[line - 1] ?? dflt).trim());
  const keyAt = text.indexOf('"exec-opts"');
  const keyLine = keyAt >= 0 ? lineAtOffset(text, keyAt) : undefined;
  const key = {value: 'exec-opts', source: {file: path, ...(keyLine === undefined ? {} : {line: keyLine})}, text: lineText(keyLine, '"exec-opts"')};
  const opts = (data as Record<string, unknown>)['exec-opts'];
  const execOpts: DockerDriverSetting[] = [];
  if (!Array.isArray(opts)) return {execOpts, key};
  let from = Math.max(keyAt, 0);
  for (const opt of opts) {
    if (typeof opt !== 'string') continue;
    const at = text.indexOf(JSON.stringify(opt), from);
    if (at >= 0) from = at + 1;
    const line = at >= 0 ? lineAtOffset(text, at) : undefined;
    execOpts.push({value: opt, from: 'config', source: {file: path, ...(line === undefined ? {} : {line})}, text: lineText(line, opt)});
  }
  return {execOpts, key};
}

const UNIT_NAME = /\/docker\.service(\.d)?(?=\/|$)/;
const KUBELET_NAME = /\/kubelet\.service(\.d)?(?=\/|$)/;

/**
 * docker.service merged as systemd merges it (unit file, drop-ins, ExecStart= resets,
 * EnvironmentFile=, `$OPTIONS` expansion), by systemd-unit.ts's merge: it merges kubelet.service,
 * so the docker files are shown to it under kubelet.service's names and the names are turned back.
 */
export function dockerUnit(raw: RawSnapshot): Collected<UnitFacts> {
  const rename = <T>(rec: Record<string, T>, fix: (p: string, v: T) => T): Record<string, T> => {
    const out: Record<string, T> = {};
    for (const [p, v] of Object.entries(rec)) {
      if (KUBELET_NAME.test(p)) continue;
      const q = p.replace(UNIT_NAME, '/kubelet.service$1');
      out[q] = q === p ? v : fix(q, v);
    }
    return out;
  };
  const view: RawSnapshot = {
    ...raw,
    files: rename<FileRecord>(raw.files, (q, v) => ({...v, path: q})),
    dirs: rename<DirRecord>(raw.dirs, (q, v) => ({...v, path: q})),
  };
  const back = (s: string): string => s.replace(/kubelet\.service/g, 'docker.service');
  const fixDeep = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return key === 'file' || key === 'path' || key === 'message' || key === 'shadowedBy' ? back(v) : v;
    if (Array.isArray(v)) return v.map((x) => fixDeep(x, key === 'shadowed' ? 'path' : ''));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fixDeep(x, k)]));
    return v;
  };
  const unit = buildUnit(view);
  if (!unit.collected) return unit;
  return {collected: true, value: fixDeep(unit.value, '') as UnitFacts};
}
