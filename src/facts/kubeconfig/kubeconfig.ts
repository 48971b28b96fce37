/**
 * kubelet.conf / bootstrap-kubelet.conf → typed facts: which files the kubelet uses, what their
 * current context resolves to (server, CA, client credentials) and the TLS bootstrap state.
 * Every value keeps the kubeconfig line it came from; secrets are only ever "present".
 */
import {posix} from 'node:path';
import {collected, effectiveFlag} from '../core.js';
import type {Collected, KubeletArgv, RawSnapshot, Source, Sourced} from '../core.js';
import {parseFile} from './kubeconfig-parse.js';

/** Which kubelet flag names the file. */
export type KubeconfigRole = 'kubeconfig' | 'bootstrap';
/** Whether the file could be read and parsed as a kubeconfig. */
export type KubeconfigFileStatus = 'ok' | 'missing' | 'not-collected' | 'unreadable' | 'binary' | 'parse-error';
/** Where the node is in TLS bootstrap (kubeadm design doc: join → bootstrap token → kubelet.conf). */
export type BootstrapState = 'bootstrapped' | 'bootstrapping' | 'standalone' | 'broken';

/** Something that makes a kubeconfig unusable to the kubelet, at the line that causes it. */
export interface KubeconfigProblem {
  /** `read`/`parse`: the file itself; `reference`: a file it names is missing; `credentials`: no usable user. */
  kind: 'read' | 'parse' | 'context' | 'server' | 'reference' | 'data' | 'credentials';
  message: string;
  source: Source;
  text: string;
}

/** Embedded `client-key-data`: the probe redacted it and sent only its public-key fingerprint. */
export interface EmbeddedKey {
  source: Source;
  text: string;
  /** SHA-256 of the key's SPKI DER, from the probe's KeyRecord `<path>#client-key-data`. */
  spkiSha256: string | null;
  /** Why the fingerprint is missing. */
  reason?: string;
}

/** The cluster entry the current context points at. */
export interface KubeconfigCluster {
  name: string;
  server: Sourced<string> | null;
  /** `certificate-authority`, resolved against the kubeconfig's directory. */
  certificateAuthority: Sourced<string> | null;
  /** `certificate-authority-data`, base64-decoded to PEM (a CA certificate is public). */
  certificateAuthorityData: Sourced<string> | null;
  insecureSkipTlsVerify: Sourced<boolean> | null;
}

/** The user entry the current context points at; secrets are recorded as present only. */
export interface KubeconfigUser {
  name: string;
  /** `client-certificate`, resolved against the kubeconfig's directory. */
  clientCertificate: Sourced<string> | null;
  /** `client-certificate-data`, base64-decoded to PEM. */
  clientCertificateData: Sourced<string> | null;
  /** `client-key`, resolved against the kubeconfig's directory. */
  clientKey: Sourced<string> | null;
  clientKeyData: EmbeddedKey | null;
  /** A bearer token is present (the value never leaves the node). */
  token: {source: Source; text: string} | null;
  tokenFile: Sourced<string> | null;
  /** `exec.command`. */
  exec: Sourced<string> | null;
  /** `auth-provider.name`. */
  authProvider: Sourced<string> | null;
}

/** One kubeconfig file the kubelet is told about (or would use by kubeadm's convention). */
export interface KubeconfigFile {
  role: KubeconfigRole;
  /** The path and what named it: the flag's line, or the kubeadm default. */
  path: Sourced<string>;
  /** `flag`: given on the command line; `default`: flag absent; `assumed`: argv unknown, kubeadm layout assumed. */
  pathOrigin: 'flag' | 'default' | 'assumed';
  status: KubeconfigFileStatus;
  /** Read or parse error, with the line when known. */
  error?: string;
  line?: number;
  currentContext: Sourced<string> | null;
  context: {name: string; cluster: string; user: string; source: Source; text: string} | null;
  cluster: KubeconfigCluster | null;
  user: KubeconfigUser | null;
  /** Why the kubelet cannot use this file; empty when it can. */
  problems: KubeconfigProblem[];
}

/** Both kubeconfigs and the TLS bootstrap state they add up to. */
export interface KubeconfigFacts {
  kubeconfig: KubeconfigFile;
  bootstrap: KubeconfigFile;
  state: BootstrapState;
  /** One sentence on why the state is what it is. */
  stateReason: string;
}

export {readRecord, resolveAgainst} from './kubeconfig-parse.js';
export type {ReadResult} from './kubeconfig-parse.js';

// kubeadm's paths: 10-kubeadm.conf KUBELET_KUBECONFIG_ARGS (kubelet.md §3.4).
const DEFAULTS: Record<KubeconfigRole, {flag: string; path: string}> = {
  kubeconfig: {flag: 'kubeconfig', path: '/etc/kubernetes/kubelet.conf'},
  bootstrap: {flag: 'bootstrap-kubeconfig', path: '/etc/kubernetes/bootstrap-kubelet.conf'},
};

/** The path a flag names, or the kubeadm default when the flag is absent or argv is unknown. */
function pathFor(argv: Collected<KubeletArgv>, role: KubeconfigRole): {path: Sourced<string>; origin: KubeconfigFile['pathOrigin']} {
  const d = DEFAULTS[role];
  if (!argv.collected) {
    return {path: {value: d.path, source: {command: `kubeadm layout assumed (kubelet argv not collected: ${argv.reason})`}, text: d.path}, origin: 'assumed'};
  }
  const occ = effectiveFlag(argv.value, d.flag);
  // Flag paths are relative to the kubelet's working directory, which systemd sets to "/".
  if (occ && occ.value !== '') return {path: {value: posix.resolve('/', occ.value), source: occ.source, text: occ.text}, origin: 'flag'};
  return {path: {value: d.path, source: {command: `no --${d.flag} flag`}, text: d.path}, origin: 'default'};
}

const present = (f: KubeconfigFile): boolean => f.status !== 'missing' && f.status !== 'not-collected';

/**
 * Build the kubeconfig facts from the probe's files and the effective kubelet argv.
 * The state follows the kubelet's own order: without --kubeconfig it runs standalone; an existing
 * kubelet.conf wins; otherwise it bootstraps from --bootstrap-kubeconfig (bootstrap.go LoadClientCert).
 */
export function buildKubeconfig(raw: RawSnapshot, argv: Collected<KubeletArgv>): Collected<KubeconfigFacts> {
  const kc = pathFor(argv, 'kubeconfig');
  const bs = pathFor(argv, 'bootstrap');
  const kubeconfig = parseFile(raw, 'kubeconfig', kc.path, kc.origin);
  const bootstrap = parseFile(raw, 'bootstrap', bs.path, bs.origin);
  let state: BootstrapState;
  let stateReason: string;
  if (kc.origin === 'default') {
    // server.go: standaloneMode unless --kubeconfig is set.
    [state, stateReason] = ['standalone', 'the kubelet has no --kubeconfig flag, so it runs without an API server'];
  } else if (present(kubeconfig)) {
    [state, stateReason] =
      kubeconfig.problems.length === 0
        ? ['bootstrapped', `${kubeconfig.path.value} holds usable client credentials`]
        : ['broken', `${kubeconfig.path.value} exists but cannot be used: ${kubeconfig.problems[0]?.message ?? ''}`];
  } else if (present(bootstrap)) {
    [state, stateReason] = [
      'bootstrapping',
      `${kubeconfig.path.value} does not exist yet; the kubelet will create it by TLS bootstrap with ${bootstrap.path.value}`,
    ];
  } else {
    [state, stateReason] = ['standalone', `neither ${kubeconfig.path.value} nor ${bootstrap.path.value} exists`];
  }
  return collected({kubeconfig, bootstrap, state, stateReason});
}
