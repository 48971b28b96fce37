/**
 * Container runtime facts: which runtime the kubelet talks to, its cgroup driver, whether its CRI
 * service is enabled, where it looks for CNI config, and (live) whether its socket exists and
 * `crictl info` answers. Every value carries the file:line that set it, or the default it fell to.
 */
import {notCollected, collected, effectiveFlag} from './types.js';
import type {Collected, KubeletArgv, KubeletConfigFacts, RawSnapshot, Source, Sourced} from './types.js';
import type {ConfigFileStatus} from './runtime-parse.js';
import {readContainerd} from './runtime-containerd.js';
import {readCrio} from './runtime-crio.js';
import {readDocker} from './runtime-docker.js';
import {endpointPath, readCri, socketPresence} from './runtime-live.js';

export {endpointPath};

export type {CniFacts, CniConfigFile, CniBinDir} from './cni.js';
export {buildCni} from './cni.js';

/** The runtimes the kubelet is seen talking to. */
export type RuntimeName = 'containerd' | 'cri-o' | 'docker' | 'unknown';
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
  /** How the runtime was identified: from the endpoint's socket name, or from which config exists. */
  detectedBy: 'endpoint' | 'config' | 'none';
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

/** The kubelet's default endpoint since dockershim's removal (1.24). */
export const DEFAULT_ENDPOINT = 'unix:///run/containerd/containerd.sock';

/**
 * Build the runtime facts from the snapshot and the kubelet's effective configuration.
 * The runtime is the one the kubelet's endpoint names; its config is read the way it reads it.
 */
export function buildRuntime(raw: RawSnapshot, cfg: Collected<KubeletConfigFacts>, argv: Collected<KubeletArgv>): Collected<RuntimeFacts> {
  const watched = ['/etc/containerd/config.toml', '/etc/crio/crio.conf', '/etc/docker/daemon.json'];
  if (watched.every((p) => raw.files[p] === undefined)) {
    return notCollected('runtime config files were not collected by the probe');
  }
  const endpoint = kubeletEndpoint(cfg, argv);
  const byEndpoint = runtimeFromEndpoint(endpoint.value);
  const byConfig = byEndpoint === 'unknown' ? runtimeFromConfig(raw) : 'unknown';
  const name = byEndpoint !== 'unknown' ? byEndpoint : byConfig;
  const detectedBy = byEndpoint !== 'unknown' ? 'endpoint' : byConfig !== 'unknown' ? 'config' : 'none';
  const read = readConfig(raw, name);
  return collected({
    name,
    detectedBy,
    endpoint,
    socket: socketPresence(raw, endpoint.value),
    ...read,
    cri: readCri(raw, name),
  });
}

function readConfig(raw: RawSnapshot, name: RuntimeName): RuntimeConfigRead {
  if (name === 'containerd') return readContainerd(raw);
  if (name === 'cri-o') return readCrio(raw);
  if (name === 'docker') return readDocker(raw);
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

/** The endpoint the kubelet dials: the flag beats the config file; unset means containerd's socket. */
export function kubeletEndpoint(cfg: Collected<KubeletConfigFacts>, argv: Collected<KubeletArgv>): Sourced<string> {
  const flag = argv.collected ? effectiveFlag(argv.value, 'container-runtime-endpoint') : undefined;
  if (flag && flag.value !== '') return {value: flag.value, source: flag.source, text: flag.text};
  const cv = cfg.collected ? cfg.value.effective['containerRuntimeEndpoint'] : undefined;
  if (cv && typeof cv.value === 'string' && cv.value !== '') return {value: cv.value, source: cv.source, text: cv.text};
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

/** A display name for summaries: `containerd`, `CRI-O`, `cri-dockerd (docker)`. */
export function runtimeLabel(name: RuntimeName): string {
  return name === 'cri-o' ? 'CRI-O' : name === 'docker' ? 'cri-dockerd (docker)' : name;
}
