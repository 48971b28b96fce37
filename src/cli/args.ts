/**
 * The option table (data) and the parser. docs/cli.md is generated from this table, so the
 * help text, the parser and the docs cannot drift apart.
 */
import {parseArgs} from 'node:util';
import {UsageError} from '../errors.js';

/** One command-line option. */
export interface OptionSpec {
  name: string;
  short?: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  value?: string;
  description: string;
  /** Shown in help only; parsed but rejected by the commands that do not support it yet. */
  group: 'target' | 'output' | 'run' | 'cluster' | 'ssh' | 'fix' | 'general';
}

/** Every option the binary accepts. */
export const OPTIONS: readonly OptionSpec[] = [
  {name: 'local', type: 'boolean', group: 'target', description: 'Check this machine (reads / and runs commands locally).'},
  {
    name: 'root',
    type: 'string',
    multiple: true,
    value: 'DIR',
    group: 'target',
    description: "Check a node's root filesystem mounted at DIR (files only: live checks skip). Repeatable.",
  },
  {
    name: 'host-root',
    type: 'string',
    value: 'DIR',
    group: 'target',
    description:
      "With --local, SSH or pod targets: the node's files are under DIR, not / (a `kubectl debug node` pod sees the host at /host; --via pod mounts it there by default).",
  },
  {name: 'snapshot', type: 'string', multiple: true, value: 'FILE', group: 'target', description: 'Check a facts snapshot written by `collect`. Repeatable.'},
  {
    name: 'inventory',
    type: 'string',
    value: 'FILE',
    group: 'target',
    description: 'Read targets from an inventory YAML file (hosts with user/port/jump/labels, groups).',
  },
  {
    name: 'user',
    short: 'u',
    type: 'string',
    value: 'USER',
    group: 'ssh',
    description: 'SSH user (default: ~/.ssh/config, else the current user). Non-root users run the probe with `sudo -n`.',
  },
  {
    name: 'identity',
    short: 'i',
    type: 'string',
    multiple: true,
    value: 'KEY',
    group: 'ssh',
    description: 'SSH private key file (repeatable). The ssh-agent (SSH_AUTH_SOCK) and ~/.ssh/config IdentityFile are used too.',
  },
  {name: 'port', short: 'p', type: 'string', value: 'PORT', group: 'ssh', description: 'SSH port (default: ~/.ssh/config, else 22).'},
  {
    name: 'jump',
    short: 'J',
    type: 'string',
    value: 'JUMP',
    group: 'ssh',
    description: 'Jump host(s), `[user@]host[:port]`, comma-separated for a chain (like ssh -J).',
  },
  {name: 'ssh-config', type: 'string', value: 'FILE', group: 'ssh', description: 'OpenSSH client config to read (default ~/.ssh/config; `none` to read none).'},
  {name: 'known-hosts', type: 'string', value: 'FILE', group: 'ssh', description: 'known_hosts file to verify host keys against (default ~/.ssh/known_hosts).'},
  {
    name: 'accept-new-host-keys',
    type: 'boolean',
    group: 'ssh',
    description: 'Trust and record the key of a host not yet in known_hosts. A changed key is always refused.',
  },
  {
    name: 'kubeconfig',
    type: 'string',
    value: 'FILE',
    group: 'cluster',
    description: 'Kubeconfig for cluster data and node discovery (default $KUBECONFIG, then ~/.kube/config).',
  },
  {name: 'context', type: 'string', value: 'NAME', group: 'cluster', description: 'Kubeconfig context to use.'},
  {
    name: 'all-nodes',
    type: 'boolean',
    group: 'cluster',
    description: "Check every node of the cluster (over SSH to each node's InternalIP, or with --via pod through a probe pod on each).",
  },
  {
    name: 'selector',
    short: 'l',
    type: 'string',
    value: 'SELECTOR',
    group: 'cluster',
    description: 'Check the cluster nodes matching this label selector (with --inventory alone: the inventory hosts whose labels match).',
  },
  {
    name: 'address',
    type: 'string',
    value: 'TYPE',
    group: 'cluster',
    description: 'Which node address to connect to for cluster-listed nodes: InternalIP (default), ExternalIP or Hostname.',
  },
  {
    name: 'cluster',
    type: 'boolean',
    group: 'cluster',
    description:
      "Read the cluster's view of each node (Node conditions, lease, CSRs, tokens, apiserver version) with ~/.kube/config. On by itself with --kubeconfig, --context, $KUBECONFIG or in a pod.",
  },
  {
    name: 'no-cluster',
    type: 'boolean',
    group: 'cluster',
    description: 'Do not contact the API server for the cluster view (node checks only), even when $KUBECONFIG is set.',
  },
  {
    name: 'join-command',
    type: 'string',
    value: 'CMD',
    group: 'cluster',
    description:
      'The `kubeadm join HOST:PORT --token … --discovery-token-ca-cert-hash sha256:…` command to diagnose (`check`: the join-prereqs check; the node tries the endpoint) or to re-bootstrap with (`fix` of an expired client certificate). $KUBELET_DOCTOR_JOIN_COMMAND works too. The token secret never reaches a report or the audit log.',
  },
  {
    name: 'via',
    type: 'string',
    value: 'ssh|pod',
    group: 'cluster',
    description: 'How to reach cluster nodes: ssh (default) or pod (a short-lived privileged pod per node).',
  },
  {
    name: 'kubelet-version',
    type: 'string',
    value: 'V',
    group: 'run',
    description: 'Override kubelet version detection (e.g. v1.30.2); needed offline on RPM nodes.',
  },
  {name: 'only', type: 'string', value: 'ID,...', group: 'run', description: 'Run only these checks (comma-separated ids).'},
  {
    name: 'output',
    type: 'string',
    value: 'FORMAT',
    group: 'output',
    description: 'Report format: text, json, ndjson (a line per node as it finishes; docs/ndjson.md), junit, markdown or sarif. Default text.',
  },
  {
    name: 'out',
    short: 'o',
    type: 'string',
    value: 'FILE',
    group: 'output',
    description: 'Write the report (or the snapshot, for `collect`) to FILE instead of stdout.',
  },
  {name: 'verbose', short: 'v', type: 'boolean', group: 'output', description: 'Text report: list passing checks and evidence for them too.'},
  {
    name: 'tui',
    type: 'boolean',
    group: 'general',
    description: '`lab`: serve the demo fleet and open the interactive TUI on it; quitting stops the lab (needs a terminal).',
  },
  {
    name: 'advice',
    type: 'boolean',
    group: 'output',
    description: 'Also show best-practice advice (status `advice`, e.g. nothing reserved for the system); hidden by default, and never a failure.',
  },
  {name: 'no-color', type: 'boolean', group: 'output', description: 'No colour in the text report (NO_COLOR=1 does the same).'},
  {
    name: 'baseline',
    type: 'string',
    value: 'T',
    group: 'run',
    description: '`diff`: compare every target with this one (a target as named on the command line) instead of with the most common value.',
  },
  {
    name: 'shard',
    type: 'string',
    value: 'I/N',
    group: 'run',
    description:
      '`check`: check only shard I of N (1-based), stable by target name (sha256 of the name mod N); `auto/N` takes I from JOB_COMPLETION_INDEX (an Indexed Job). Join the shards with `merge`.',
  },
  {name: 'concurrency', type: 'string', value: 'N', group: 'run', description: 'Nodes checked at once. Default 16.'},
  {
    name: 'timeout',
    type: 'string',
    value: 'S',
    group: 'run',
    description: "Time limit per node in seconds. Default 60. `watch`: the whole watch's limit (`90s`, `10m` or seconds); exit 1 when it runs out.",
  },
  {
    name: 'interval',
    type: 'string',
    value: 'S',
    group: 'run',
    description: "`watch` (and the TUI's w key): probe each node every S seconds (`10`, `30s`, `2m`). Default 10.",
  },
  {
    name: 'until-healthy',
    type: 'boolean',
    group: 'run',
    description: '`watch`: exit 0 as soon as every node has no failing check (an unreachable node is not healthy).',
  },
  {name: 'expiry-warn-days', type: 'string', value: 'N', group: 'run', description: 'Warn when a certificate expires within N days. Default 30.'},
  {
    name: 'dir',
    type: 'string',
    value: 'DIR',
    group: 'general',
    description:
      '`lab`: where to write the demo fleet (node trees, client key, known_hosts, inventory.yaml); kept after the lab stops. Default: a temporary directory, removed on stop.',
  },
  {
    name: 'run',
    type: 'boolean',
    group: 'general',
    description: '`lab`: check the whole demo fleet over SSH right away, print the report and stop (what `npm start` does).',
  },
  {name: 'check', type: 'string', value: 'ID', group: 'fix', description: '`fix`: the check whose finding to fix.'},
  {name: 'dry-run', type: 'boolean', group: 'fix', description: '`fix`: print the plan (steps and unified diffs) and change nothing.'},
  {
    name: 'yes',
    short: 'y',
    type: 'boolean',
    group: 'fix',
    description: '`fix`, `runbook`: apply without asking (still backed up, verified and rolled back on failure). `join`: run the kubeadm join without asking.',
  },
  {
    name: 'choice',
    type: 'string',
    value: 'NAME',
    group: 'fix',
    description: '`fix`: pick one of the plans a fix offers (e.g. align the kubelet or the runtime); listed by --dry-run.',
  },
  {
    name: 'rollback',
    type: 'string',
    value: 'TIMESTAMP',
    group: 'fix',
    description: '`fix`: restore the backup taken at TIMESTAMP (see /var/lib/kubelet-doctor/backups/ on the node).',
  },
  {
    name: 'force',
    type: 'boolean',
    group: 'fix',
    description:
      "`fix`: break a stale lock on the node; with --rollback, also restore a backup this machine's audit log does not record, or over files changed since the fix (the backup is still checked for links and unsafe paths). See docs/fixes.md.",
  },

  {
    name: 'waivers',
    type: 'string',
    value: 'FILE',
    group: 'fix',
    description: 'Accept known findings on matching nodes until an expiry date (YAML); waived findings are reported as waived.',
  },
  {
    name: 'from-log',
    type: 'string',
    value: 'FILE',
    group: 'run',
    description: '`join`: read a saved `kubeadm join` output instead of running one (with a TARGET: also run the checks of the step it stopped in).',
  },
  {name: 'help', short: 'h', type: 'boolean', group: 'general', description: 'Show help.'},
  {name: 'version', type: 'boolean', group: 'general', description: 'Show the version.'},
  {
    name: 'pod-image',
    type: 'string',
    value: 'IMAGE',
    group: 'cluster',
    description: "With --via pod: the probe pod's image; it needs a POSIX sh with head, wc, sed, awk and grep. Default busybox:1.36.",
  },
  {
    name: 'pod-namespace',
    type: 'string',
    value: 'NS',
    group: 'cluster',
    description: 'With --via pod: where the probe pods run; its Pod Security level must allow privileged pods. Default kube-system.',
  },
  {
    name: 'publish',
    type: 'boolean',
    group: 'cluster',
    description:
      "`check` with a cluster: write each checked node's verdict as the Node condition KubeletDoctorProblem (True: reason = the first cause's check id in CamelCase; False: KubeletDoctorOK). See docs/in-cluster.md.",
  },
  {
    name: 'namespace',
    type: 'string',
    value: 'NS',
    group: 'cluster',
    description: '`manifest`: the namespace of the Job, its ServiceAccount and the probe pods. Default kubelet-doctor.',
  },
  {
    name: 'image',
    type: 'string',
    value: 'IMAGE',
    group: 'cluster',
    description: '`manifest`: the kubelet-doctor image the Job runs (docs/in-cluster/Dockerfile builds it).',
  },
  {
    name: 'shards',
    type: 'string',
    value: 'N',
    group: 'cluster',
    description: "`manifest`: the Indexed Job's pods, each checking its shard of the nodes (`--shard auto/N`). Default 1.",
  },
  {
    name: 'schedule',
    type: 'string',
    value: 'CRON',
    group: 'cluster',
    description: '`manifest`: print a CronJob with this schedule (e.g. "*/30 * * * *") instead of a Job.',
  },
];

/** Commands and what they do (docs and help). */
export const COMMANDS = [
  {name: 'check', usage: 'check [TARGET...] [options]', description: 'Run the check catalogue and print a report (never the TUI).'},
  {name: 'collect', usage: 'collect TARGET -o FILE', description: 'Write a redacted facts snapshot, to check later with --snapshot FILE.'},
  {name: 'list-checks', usage: 'list-checks [--output json]', description: 'Print the check catalogue.'},
  {
    name: 'fix',
    usage: 'fix TARGET --check ID [--dry-run | --yes] [--choice NAME] | --rollback TIMESTAMP',
    description: 'Plan, show (unified diff), back up, apply, verify and if needed roll back the fix for a failing check. See docs/fixes.md.',
  },
  {
    name: 'runbook',
    usage: 'runbook FILE [TARGET...]',
    description: 'Run a runbook (checks, fixes with a policy, waivers) unattended and write a report. See docs/runbooks.md.',
  },
  {
    name: 'explain',
    usage: 'explain "TEXT" [--output json]',
    description: 'Fuzzy-find the checks and known kubelet log lines matching TEXT (paste a journal line).',
  },
  {
    name: 'diff',
    usage: 'diff TARGET TARGET... [--baseline T]',
    description:
      'What differs between nodes (effective kubelet config, flags, unit, runtime, kernel, swap, certificates, versions), each side with its file:line, most consequential first; exit 1 on drift. See docs/diff.md.',
  },
  {
    name: 'merge',
    usage: 'merge FILE.ndjson...',
    description:
      'One report (any --output) from the NDJSON of the shards of a run (`check --shard I/N --output ndjson`); exit code as one run. See docs/ndjson.md.',
  },
  {
    name: 'watch',
    usage: 'watch TARGET... [--interval S] [--until-healthy] [--timeout 10m]',
    description:
      'Keep the connection, re-probe every --interval and when the kubelet journal shows a new error, and print each change (fixed, new failure, unreachable); --output ndjson for scripts. See docs/watch.md.',
  },
  {
    name: 'join',
    usage: 'join TARGET -- kubeadm join … | join --from-log FILE [TARGET]',
    description:
      'Run `kubeadm join` on the node over SSH after showing it (token redacted) and asking, stream its output, name the step it stopped in and the first cause among the checks that step depends on; --from-log reads a saved output instead. See docs/join.md.',
  },
  {
    name: 'manifest',
    usage: 'manifest [--namespace NS] [--image IMG] [--shards N] [--schedule CRON] [--publish]',
    description:
      'Print the YAML (RBAC limited to what the run uses, an Indexed Job or a CronJob) that checks every node from inside the cluster through probe pods. See docs/in-cluster.md.',
  },
  {
    name: 'lab',
    usage: 'lab [--dir DIR] [--run | --tui]',
    description:
      'Serve a demo fleet over SSH on loopback (one kubeadm node per classic failure, and one healthy) until Ctrl-C, and print how to check it. See docs/lab.md.',
  },
] as const;

/** Parsed command line. */
export interface ParsedArgs {
  command: string;
  positional: string[];
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** `join … -- kubeadm join …`: the words after `--`, untouched. */
  passthrough?: string[];
}

const KNOWN_COMMANDS = new Set(['check', 'collect', 'list-checks', 'lab', 'manifest', 'explain', 'fix', 'runbook', 'merge', 'diff', 'watch', 'join']);

/** Parse argv (without node and script). Unknown options are a UsageError naming the option. */
export function parseCommandLine(argv: string[]): ParsedArgs {
  // `join TARGET -- kubeadm join …`: what follows `--` is the command to run, not ours to parse.
  const dd = argv.indexOf('--');
  if (dd !== -1) {
    const head = parseCommandLine(argv.slice(0, dd));
    if (head.command === 'join') return {...head, passthrough: argv.slice(dd + 1)};
  }
  const options: Record<string, {type: 'string' | 'boolean'; short?: string; multiple?: boolean}> = {};
  for (const o of OPTIONS) {
    options[o.name] = {type: o.type, ...(o.short ? {short: o.short} : {}), ...(o.multiple ? {multiple: true} : {})};
  }
  let parsed;
  try {
    parsed = parseArgs({args: argv, options, allowPositionals: true, strict: true});
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(msg, 'see kubelet-doctor --help');
  }
  const positional = [...parsed.positionals];
  const command = positional[0] && KNOWN_COMMANDS.has(positional[0]) ? positional.shift()! : 'check';
  return {command, positional, values: parsed.values};
}

/** A positive integer option, or the default. */
export function intOption(v: unknown, name: string, def: number, min = 1): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} ${String(v)}: expected a whole number >= ${min}`);
  return n;
}

/** The help text, generated from the tables. */
export function helpText(): string {
  const lines = ['kubelet-doctor: find out why a Kubernetes node is unhealthy', '', 'Usage:'];
  lines.push('  kubelet-doctor [TARGET...] [options]   on a terminal the interactive TUI, otherwise the report');
  for (const c of COMMANDS) lines.push(`  kubelet-doctor ${c.usage.padEnd(30)} ${c.description}`);
  lines.push('', 'Options:');
  for (const o of OPTIONS) {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`;
    lines.push(`  ${flag.padEnd(26)} ${o.description}`);
  }
  lines.push('', 'Exit codes: 0 no check failed (warnings allowed), 1 a check failed, 2 bad usage or input, 3 a target could not be checked.');
  return lines.join('\n');
}
