/**
 * Container runtime facts: which runtime the kubelet talks to, its cgroup driver, whether its CRI
 * service is enabled, where it looks for CNI config, and (live) whether its socket exists and
 * `crictl info` answers. Every value carries the file:line that set it, or the default it fell to.
 */
import {notCollected, collected, effectiveFlag} from '../core.js';
import type {Collected, KubeletArgv, KubeletConfigFacts, RawSnapshot, Source, Sourced} from '../core.js';
import type {ConfigFileStatus} from './runtime-parse.js';
import {readContainerd} from './runtime-containerd.js';
import {readCrio} from './runtime-crio.js';
import {readDocker, type DockerFacts} from './runtime-docker.js';
import {buildKubeletVersion} from '../kubelet/version.js';
import {endpointPath, readCri, socketPresence} from './runtime-live.js';

export {endpointPath};
export type {DockerFacts, DockerDriverSetting} from './runtime-docker.js';

export type {CniFacts, CniConfigFile, CniBinDir} from './cni.js';
export {buildCni} from './cni.js';

/** The runtimes the kubelet is seen talking to. */
export type RuntimeName = 'containerd' | 'cri-o' | 'docker' | 'unknown';
/**
 * How the kubelet reaches the runtime: its own built-in dockershim (kubelet <= 1.23 with
 * `--container-runtime=docker`, the default then), cri-dockerd in front of dockerd, or a runtime
 * speaking CRI itself (containerd, CRI-O).
 */
export type RuntimeVia = 'dockershim' | 'cri-dockerd' | 'cri';
/** A cgroup driver, as the kubelet and the runtimes name them. */
export type CgroupDriver = 'systemd' | 'cgroupfs';

/** One runtime config file and how reading it went. */
export interface RuntimeConfigFile {
  path: string;
  /** main config, a containerd `imports` entry, or a CRI-O `crio.conf.d` drop-in. */
  role: 'main' | 'import' | 'dropin';
  status: ConfigFileStatus;
  error?: string;
  line?: number;
  /** containerd config `version` (1 when the field is absent). */
  version?: number;
}

/** A finding in the runtime's config that stops it (fail) or that an operator should know (warn). */
export interface RuntimeNote {
  severity: 'fail' | 'warn';
  message: string;
  source: Source;
  text: string;
}

/** What the runtime answered to `crictl info` (live only). */
export interface CriStatus {
  /** crictl got an answer; false when it failed or timed out (the CRI service is down or disabled). */
  answered: Sourced<boolean>;
  /** The endpoint crictl used, from /etc/crictl.yaml (null: crictl's own default list). */
  crictlEndpoint: Sourced<string> | null;
  /** The running containerd's driver (`config.containerd.runtimes.<default>.options.SystemdCgroup`). */
  cgroupDriver: Sourced<CgroupDriver> | null;
  runtimeReady: Sourced<boolean> | null;
  /** NetworkReady condition; `text` carries the runtime's message (`cni plugin not initialized`). */
  networkReady: Sourced<boolean> | null;
  /** From the runtime's own CRI Version answer on the kubelet's socket (`containerd`, `1.6.20`); absent from `crictl info`. */
  runtimeName?: string | null;
  runtimeVersion?: string | null;
  /** The pause image the running runtime uses (CRI Status verbose info, `config.sandboxImage`). */
  sandboxImage?: Sourced<string> | null;
}

/** The socket the kubelet's endpoint names, and whether it exists on a live node. */
export interface SocketFacts {
  /** Filesystem path of a `unix://` endpoint, or null for tcp/npipe endpoints. */
  path: string | null;
  /** null when it cannot be told (offline, or the directory was not listed). */
  present: boolean | null;
  source: Source;
  text: string;
}

/** The container runtime as configured on the node. */
export interface RuntimeFacts {
  name: RuntimeName;
  /** Through what the kubelet talks to it; null when the runtime is unknown. */
  via: RuntimeVia | null;
  /**
   * How the runtime was identified: the kubelet's `--container-runtime` flag, its version (dockershim
   * by default up to 1.23), the endpoint's socket name, or which config exists.
   */
  detectedBy: 'runtime-flag' | 'kubelet-version' | 'endpoint' | 'config' | 'none';
  /** The lines the detection rests on (the flag, the version, the endpoint). */
  detection: {source: Source; text: string}[];
  /** The kubelet's `containerRuntimeEndpoint` / `--container-runtime-endpoint` (or its default). */
  endpoint: Sourced<string>;
  socket: SocketFacts;
  /** Where the runtime itself listens (containerd `[grpc] address`, CRI-O `listen`), when known. */
  listen: Sourced<string> | null;
  configFiles: RuntimeConfigFile[];
  /** containerd config version of the main file (2: containerd 1.x layout, 3: containerd 2.x). */
  configVersion: number | null;
  /** The runtime's cgroup driver from its config; null when the config could not be read. */
  cgroupDriver: Sourced<CgroupDriver> | null;
  /** containerd only: the CRI plugin is disabled (`disabled_plugins`); null when unknown or n/a. */
  criDisabled: Sourced<boolean> | null;
  /** The pod sandbox ("pause") image the runtime uses (containerd `sandbox_image`, CRI-O `pause_image`); null when unknown or n/a. */
  sandboxImage: Sourced<string> | null;
  /** Config errors that stop the runtime or its CRI service (fail), or settings it ignores (warn). */
  problems: RuntimeNote[];
  cni: {confDir: Sourced<string>; binDirs: Sourced<string[]>};
  /** `crictl info` (live only). */
  cri: Collected<CriStatus>;
  /** Docker only: dockerd's command line, exec-opts and config file. */
  docker: DockerFacts | null;
}

/** What a runtime-specific reader returns. */
export interface RuntimeConfigRead {
  configFiles: RuntimeConfigFile[];
  configVersion: number | null;
  cgroupDriver: Sourced<CgroupDriver> | null;
  criDisabled: Sourced<boolean> | null;
  sandboxImage: Sourced<string> | null;
  listen: Sourced<string> | null;
  problems: RuntimeNote[];
  cni: {confDir: Sourced<string>; binDirs: Sourced<string[]>};
}

/**
 * The kubelet's default endpoint since dockershim's removal (1.24, kubernetes#107624); the config
 * field `containerRuntimeEndpoint` (1.27+) defaults to the same.
 */
export const DEFAULT_ENDPOINT = 'unix:///run/containerd/containerd.sock';
/**
 * Up to 1.23 the kubelet's `--container-runtime-endpoint` defaulted to the socket its own
 * dockershim served (kubelet reference before kubernetes/website#34799).
 */
export const DOCKERSHIM_ENDPOINT = 'unix:///var/run/dockershim.sock';
/** The last kubelet minor with the built-in dockershim (removed in 1.24, kubernetes#106907). */
export const LAST_DOCKERSHIM_MINOR = 23;

/** Minor of `v1.23.4` / `Kubernetes v1.23.4`, or null. */
export function kubeletMinorOf(version: string | null): number | null {
  // <1:major> <2:minor>
  const m = version === null ? null : /v?(\d+)\.(\d+)/.exec(version);
  return m && m[1] === '1' ? Number(m[2]) : null;
}

/** What the detection settles: the runtime, the way to it, and the lines it rests on. */
interface Detected {
  name: RuntimeName;
  via: RuntimeVia | null;
  detectedBy: RuntimeFacts['detectedBy'];
  detection: {source: Source; text: string}[];
  problems: RuntimeNote[];
}

/**
 * Build the runtime facts from the snapshot and the kubelet's effective configuration and version
 * (`version` null: unknown; undefined: read it from the snapshot).
 * The runtime is the one the kubelet's endpoint names; its config is read the way it reads it.
 */
export function buildRuntime(
  raw: RawSnapshot,
  cfg: Collected<KubeletConfigFacts>,
  argv: Collected<KubeletArgv>,
  version?: string | null,
): Collected<RuntimeFacts> {
  const watched = ['/etc/containerd/config.toml', '/etc/crio/crio.conf', '/etc/docker/daemon.json'];
  if (watched.every((p) => raw.files[p] === undefined)) {
    return notCollected('runtime config files were not collected by the probe');
  }
  const ver = version !== undefined ? version : versionOf(raw);
  const minor = kubeletMinorOf(ver);
  const endpoint = kubeletEndpoint(cfg, argv, minor);
  const det = detect(raw, argv, endpoint, ver, minor);
  const {docker, ...read} = det.name === 'docker' ? readDocker(raw) : {...readConfig(raw, det.name), docker: null};
  return collected({
    name: det.name,
    via: det.via,
    detectedBy: det.detectedBy,
    detection: det.detection,
    endpoint,
    socket: socketPresence(raw, endpoint.value),
    ...read,
    problems: [...det.problems, ...read.problems],
    cri: readCri(raw, det.name),
    docker,
  });
}

function versionOf(raw: RawSnapshot): string | null {
  const v = buildKubeletVersion(raw);
  return v.collected ? v.value.value : null;
}

/** cri-docker.service in any unit directory (Mirantis/cri-dockerd packaging/systemd). */
function criDockerdUnit(raw: RawSnapshot): string | null {
  for (const d of ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system']) {
    if (present(raw, `${d}/cri-docker.service`)) return `${d}/cri-docker.service`;
  }
  return null;
}

/**
 * Which runtime, and how the kubelet reaches it (kubernetes.io "Find out what container runtime is
 * used on a node": up to 1.23, no `--container-runtime=remote` means dockershim with Docker Engine).
 */
function detect(raw: RawSnapshot, argv: Collected<KubeletArgv>, endpoint: Sourced<string>, ver: string | null, minor: number | null): Detected {
  const flag = argv.collected ? effectiveFlag(argv.value, 'container-runtime') : undefined;
  const flagEv = flag ? [{source: flag.source, text: flag.text}] : [];
  const verEv = ver === null ? [] : [{source: {command: 'kubelet version'}, text: `kubelet ${ver}`}];
  const endpointEv = {source: endpoint.source, text: endpoint.text};
  const problems: RuntimeNote[] = [];
  const shimEra = minor !== null && minor <= LAST_DOCKERSHIM_MINOR;
  const wantsShim = flag !== undefined && flag.value !== 'remote';
  // From 1.27 the flag itself is gone: kubelet-flags reports it ("unknown flag"), once.
  if (flag && wantsShim && minor !== null && minor > LAST_DOCKERSHIM_MINOR && minor < 27) {
    problems.push({
      severity: 'fail',
      message: `kubelet ${ver} has no dockershim (removed in 1.24): --container-runtime=${flag.value} is refused, only "remote" is valid; install cri-dockerd and set --container-runtime-endpoint=unix:///var/run/cri-dockerd.sock, or move to containerd`,
      source: flag.source,
      text: flag.text,
    });
  }
  if ((shimEra && (flag === undefined || wantsShim)) || (minor === null && wantsShim)) {
    const detectedBy = flag ? 'runtime-flag' : 'kubelet-version';
    return {name: 'docker', via: 'dockershim', detectedBy, detection: [...flagEv, ...verEv], problems};
  }
  const byEndpoint = runtimeFromEndpoint(endpoint.value);
  if (byEndpoint !== 'unknown') {
    const shimSock = /dockershim/.test(endpoint.value);
    if (shimSock && minor !== null && !shimEra && criDockerdUnit(raw) === null) {
      problems.push({
        severity: 'fail',
        message: `kubelet ${ver} dials ${endpoint.value}, the socket of the dockershim it no longer has (removed in 1.24), and no cri-docker.service was found to serve it: install cri-dockerd and point the kubelet at unix:///var/run/cri-dockerd.sock`,
        source: endpoint.source,
        text: endpoint.text,
      });
    }
    const via: RuntimeVia = byEndpoint === 'docker' ? 'cri-dockerd' : 'cri';
    return {name: byEndpoint, via, detectedBy: 'endpoint', detection: [endpointEv, ...flagEv, ...verEv], problems};
  }
  const byConfig = runtimeFromConfig(raw);
  if (byConfig === 'unknown') return {name: 'unknown', via: null, detectedBy: 'none', detection: [endpointEv], problems};
  return {name: byConfig, via: byConfig === 'docker' ? 'cri-dockerd' : 'cri', detectedBy: 'config', detection: [endpointEv], problems};
}

function readConfig(raw: RawSnapshot, name: RuntimeName): RuntimeConfigRead {
  if (name === 'containerd') return readContainerd(raw);
  if (name === 'cri-o') return readCrio(raw);
  const dflt = {command: 'runtime unknown'};
  return {
    configFiles: [],
    configVersion: null,
    cgroupDriver: null,
    criDisabled: null,
    sandboxImage: null,
    listen: null,
    problems: [],
    cni: {
      confDir: {value: '/etc/cni/net.d', source: dflt, text: 'runtime unknown: assuming /etc/cni/net.d'},
      binDirs: {value: ['/opt/cni/bin'], source: dflt, text: 'runtime unknown: assuming /opt/cni/bin'},
    },
  };
}

/**
 * The endpoint the kubelet dials: the flag beats the config file; unset, the dockershim socket up
 * to 1.23 and containerd's socket since 1.24 (or when the version is unknown).
 */
export function kubeletEndpoint(cfg: Collected<KubeletConfigFacts>, argv: Collected<KubeletArgv>, minor: number | null = null): Sourced<string> {
  const flag = argv.collected ? effectiveFlag(argv.value, 'container-runtime-endpoint') : undefined;
  if (flag && flag.value !== '') return {value: flag.value, source: flag.source, text: flag.text};
  const cv = cfg.collected ? cfg.value.effective['containerRuntimeEndpoint'] : undefined;
  if (cv && typeof cv.value === 'string' && cv.value !== '') return {value: cv.value, source: cv.source, text: cv.text};
  if (minor !== null && minor <= LAST_DOCKERSHIM_MINOR) {
    return {
      value: DOCKERSHIM_ENDPOINT,
      source: {command: 'kubelet default'},
      text: `--container-runtime-endpoint not set (default ${DOCKERSHIM_ENDPOINT} up to kubelet 1.23)`,
    };
  }
  return {
    value: DEFAULT_ENDPOINT,
    source: {command: 'kubelet default'},
    text: `containerRuntimeEndpoint not set (default ${DEFAULT_ENDPOINT})`,
  };
}

/** Tell the runtime from the socket's name: crio.sock, cri-dockerd.sock, containerd.sock. */
export function runtimeFromEndpoint(endpoint: string): RuntimeName {
  const path = endpointPath(endpoint) ?? endpoint;
  if (/crio/.test(path)) return 'cri-o';
  if (/cri-dockerd|dockershim/.test(path)) return 'docker';
  if (/containerd/.test(path)) return 'containerd';
  return 'unknown';
}

function present(raw: RawSnapshot, path: string): boolean {
  return raw.files[path]?.status === 'ok';
}

/** Without a telling endpoint, the runtime whose config exists (containerd first: docker ships it too). */
function runtimeFromConfig(raw: RawSnapshot): RuntimeName {
  if (present(raw, '/etc/containerd/config.toml')) return 'containerd';
  const crioDir = raw.dirs['/etc/crio/crio.conf.d'];
  if (present(raw, '/etc/crio/crio.conf') || (crioDir?.entries.length ?? 0) > 0) return 'cri-o';
  if (present(raw, '/etc/docker/daemon.json')) return 'docker';
  return 'unknown';
}

/** A display name for summaries: `containerd`, `CRI-O`, `Docker (dockershim)`, `Docker via cri-dockerd`. */
export function runtimeLabel(name: RuntimeName, via: RuntimeVia | null = null): string {
  if (name === 'docker') return via === 'dockershim' ? 'Docker (dockershim)' : 'Docker via cri-dockerd';
  return name === 'cri-o' ? 'CRI-O' : name;
}
