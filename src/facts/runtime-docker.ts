/**
 * Docker behind cri-dockerd: the cgroup driver is dockerd's, set in /etc/docker/daemon.json
 * `"exec-opts": ["native.cgroupdriver=systemd"]`. Unset, dockerd uses cgroupfs, except on a
 * cgroup v2 host run by systemd, where Docker 20.10+ defaults to systemd (moby daemon_unix.go
 * UsingSystemd). cri-dockerd compares it with the kubelet's and refuses a mismatch
 * (`misconfiguration: kubelet cgroup driver: ... is different from docker cgroup driver`).
 */
import type {RawSnapshot, Sourced} from './types.js';
import {fileText} from './runtime-parse.js';
import {lineAtOffset, parseJsonText} from './runtime-json.js';
import type {CgroupDriver, RuntimeConfigFile, RuntimeConfigRead, RuntimeNote} from './runtime.js';

/** dockerd's config file. */
export const DOCKER_CONFIG = '/etc/docker/daemon.json';

/** Read daemon.json into runtime facts (cri-dockerd's own flags are not visible to the probe). */
export function readDocker(raw: RawSnapshot): RuntimeConfigRead {
  const ft = fileText(raw, DOCKER_CONFIG);
  const problems: RuntimeNote[] = [];
  const files: RuntimeConfigFile[] = [];
  let cgroupDriver: Sourced<CgroupDriver> | null = null;
  const cgroup2 = raw.live && raw.commands['cgroup-fs']?.status === 'ok' && raw.commands['cgroup-fs'].stdout.trim() === 'cgroup2fs';
  const unset = (why: string): Sourced<CgroupDriver> =>
    cgroup2
      ? {value: 'systemd', source: {file: DOCKER_CONFIG}, text: `${why}: dockerd defaults to systemd on this cgroup v2 host`}
      : {value: 'cgroupfs', source: {file: DOCKER_CONFIG}, text: `${why} (default cgroupfs; systemd on cgroup v2 hosts)`};
  if (!ft.ok) {
    files.push({path: DOCKER_CONFIG, role: 'main', status: ft.status, error: ft.error});
    if (ft.status === 'missing') cgroupDriver = unset('no daemon.json, native.cgroupdriver not set');
  } else {
    const parsed = parseJsonText(ft.text);
    if (!parsed.ok) {
      files.push({path: DOCKER_CONFIG, role: 'main', status: 'parse-error', error: parsed.error, ...(parsed.line === undefined ? {} : {line: parsed.line})});
    } else {
      files.push({path: DOCKER_CONFIG, role: 'main', status: 'ok'});
      cgroupDriver = driverFrom(ft.text, parsed.data, problems) ?? unset('native.cgroupdriver not set');
    }
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
  };
}

/** The last `native.cgroupdriver=` in exec-opts, with its line. */
function driverFrom(text: string, data: unknown, problems: RuntimeNote[]): Sourced<CgroupDriver> | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const opts = (data as Record<string, unknown>)['exec-opts'];
  if (!Array.isArray(opts)) return null;
  let found: Sourced<CgroupDriver> | null = null;
  let from = text.indexOf('"exec-opts"');
  for (const opt of opts) {
    if (typeof opt !== 'string') continue;
    const at = text.indexOf(JSON.stringify(opt), Math.max(from, 0));
    if (at >= 0) from = at + 1;
    // <1:driver>
    const m = /^native\.cgroupdriver=(.*)$/i.exec(opt.trim());
    if (!m) continue;
    const line = at >= 0 ? lineAtOffset(text, at) : undefined;
    const source = {file: DOCKER_CONFIG, ...(line === undefined ? {} : {line})};
    const lineText = line === undefined ? opt : (text.split(/\r?\n/)[line - 1] ?? opt).trim();
    const value = (m[1] ?? '').trim();
    if (value === 'systemd' || value === 'cgroupfs') {
      found = {value, source, text: lineText};
    } else {
      problems.push({severity: 'fail', message: `native.cgroupdriver=${value}: dockerd accepts systemd or cgroupfs`, source, text: lineText});
    }
  }
  return found;
}
