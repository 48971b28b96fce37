/**
 * What the operator asked to check, resolved from arguments before anything connects.
 */

/**
 * One SSH hop: where to connect and as whom. Resolved from the command line, the inventory and
 * `~/.ssh/config` (in that order of precedence, like OpenSSH) before any connection opens, so a
 * typo is exit 2 and the transport never reads config files.
 */
export interface SshHop {
  /** The name the operator gave (alias, inventory host, node address): known_hosts and messages use `host`. */
  alias: string;
  /** What to connect to (ssh_config `HostName`, else the alias). */
  host: string;
  port: number;
  user: string;
  /** Private key files to try after the agent, in order (absolute paths). */
  identityFiles: string[];
  /** Whether to offer the ssh-agent's keys (`SSH_AUTH_SOCK`) first. */
  useAgent: boolean;
  /** Connect + handshake + authentication deadline for this hop (ssh_config `ConnectTimeout`, else a default). */
  connectTimeoutMs: number;
  /** Keepalive interval and count (ssh_config `ServerAliveInterval`/`ServerAliveCountMax`). */
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /**
   * ssh_config `ProxyCommand`, tokens expanded: run through the shell and SSH spoken over its
   * stdin/stdout instead of a TCP connection (used only for the first hop; see ssh-proxy-command.ts).
   */
  proxyCommand?: string;
  /** ssh_config `CertificateFile` entries (absolute paths): only named when a login fails (ssh2 cannot present certificates). */
  certificateFiles?: string[];
}

/** How host keys are checked for every hop of one target. */
export interface HostKeyPolicy {
  /** The known_hosts file to check against (and to append to when `acceptNew`). */
  knownHostsFile: string;
  /** Trust and record the key of a host not yet known (`--accept-new-host-keys`). A changed key is always refused. */
  acceptNew: boolean;
}

/** An SSH target: the node, the jump hosts in front of it (first hop first), and the host-key policy. */
export interface SshEndpoint extends SshHop {
  jumps: SshHop[];
  hostKeys: HostKeyPolicy;
}

/** One node to check and how to reach it. */
export type Target =
  | {kind: 'local'; name: string; hostRoot: string}
  | {kind: 'root'; name: string; dir: string}
  | {kind: 'snapshot'; name: string; file: string}
  | {
      kind: 'ssh';
      name: string;
      ssh: SshEndpoint;
      /** Where the node's files are on the remote machine ("/" normally; `--host-root` or inventory `hostRoot`). */
      hostRoot: string;
      /** Labels from the inventory or the Node object (for selection and the TUI). */
      labels: Record<string, string>;
    }
  | {
      /** `--via pod`: the probe runs in a short-lived privileged pod pinned to the node (docs/pod-transport.md). */
      kind: 'pod';
      name: string;
      /** The Node's name (the pod's `nodeName`). */
      node: string;
      /** Where the pod mounts the host's `/` (`--host-root`, default `/host`); the probe reads under it. */
      hostRoot: string;
      /** Which API server: `--kubeconfig` (null: $KUBECONFIG, then ~/.kube/config) and `--context`. */
      cluster: {kubeconfig: string | null; context: string | null};
      /** `--pod-image`. */
      image: string;
      /** `--pod-namespace`. */
      namespace: string;
      /** Labels of the Node object when listed (`--all-nodes`, `-l`); empty for a named node. */
      labels: Record<string, string>;
    };
