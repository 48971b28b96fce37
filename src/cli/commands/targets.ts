/**
 * Which targets the command line names (arguments, --inventory, --local/--root/--snapshot, the
 * cluster's nodes), and opening the first SSH connections early. Kept apart from common.ts so
 * that resolving targets does not load the catalogue: `check` resolves them, starts connecting,
 * and loads the rest of the program while the nodes answer.
 */
import {UsageError} from '../../errors.js';
import {hasSshTargets, resolveTargets, resolveTargetsAsync, type TargetOptions} from '../../targets/resolve.js';
import type {Target} from '../../targets/types.js';
import {intOption, type ParsedArgs} from '../args.js';

/** The target-selecting options as the resolver takes them. */
export function targetOptions(a: ParsedArgs): TargetOptions {
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  const str = (k: string): string | undefined => (typeof a.values[k] === 'string' ? (a.values[k] as string) : undefined);
  const opt = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const o: TargetOptions = {
    local: a.values['local'] === true,
    root: list(a.values['root']),
    snapshot: list(a.values['snapshot']),
    hostRoot: str('host-root') ?? null,
    positional: a.positional,
    inventory: str('inventory') ?? null,
    ssh: opt({
      user: str('user'),
      port: str('port'),
      identities: list(a.values['identity']),
      jump: str('jump'),
      sshConfig: str('ssh-config'),
      knownHosts: str('known-hosts'),
      acceptNewHostKeys: a.values['accept-new-host-keys'] === true,
    }),
    cluster: opt({
      kubeconfig: str('kubeconfig'),
      context: str('context'),
      allNodes: a.values['all-nodes'] === true,
      selector: str('selector'),
      address: str('address'),
      via: str('via'),
      podImage: str('pod-image'),
      podNamespace: str('pod-namespace'),
    }),
    timeoutMs: intOption(a.values['timeout'], 'timeout', 60) * 1000,
  };
  // --host-root says where the node's files are: on this machine (--local) or on the SSH node.
  if (o.hostRoot !== null && !o.local && !hasSshTargets(o)) {
    throw new UsageError('--host-root needs --local or an SSH target', 'use --root DIR to check a mounted node disk without running commands');
  }
  return o;
}

/** Targets from the command line, without network access (cluster listing: {@link listTargets}). */
export function targetsFrom(a: ParsedArgs): Promise<Target[]> {
  return resolveTargets(targetOptions(a));
}

/** Every target from the command line, listing the cluster's nodes for --all-nodes / -l. */
export async function listTargets(a: ParsedArgs, signal?: AbortSignal): Promise<Target[]> {
  return resolveTargetsAsync(targetOptions(a), signal);
}

/**
 * The targets, with the first SSH connections already under way (engine/warm.ts): what `check`
 * calls before loading the catalogue and reporters. Nothing runs on a node until the engine runs.
 */
export async function listTargetsWarm(a: ParsedArgs, signal: AbortSignal): Promise<Target[]> {
  const targets = await listTargets(a, signal);
  // A --root/--local probe reads the node while the catalogue loads (engine/early-probe.ts); with a
  // join command the probe also tries the endpoint, which the later, configured run does.
  const joinCommand = a.values['join-command'] !== undefined || process.env['KUBELET_DOCTOR_JOIN_COMMAND'] !== undefined;
  if (!joinCommand && targets.some((t) => t.kind === 'local' || t.kind === 'root')) {
    const {probeEarly} = await import('../../engine/early-probe.js');
    await probeEarly(targets, {
      concurrency: intOption(a.values['concurrency'], 'concurrency', 16),
      timeoutMs: intOption(a.values['timeout'], 'timeout', 60) * 1000,
      signal,
    });
  }
  if (targets.some((t) => t.kind === 'ssh')) {
    const {warmUp} = await import('../../engine/warm.js');
    await warmUp(targets, {
      concurrency: intOption(a.values['concurrency'], 'concurrency', 16),
      timeoutMs: intOption(a.values['timeout'], 'timeout', 60) * 1000,
      signal,
    });
  }
  return targets;
}
