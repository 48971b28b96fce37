/**
 * `kubelet-doctor lab`: a demo fleet of kubeadm nodes (one healthy, one per classic failure),
 * each reachable over SSH on a loopback port, served by this process until Ctrl-C. `--run`
 * checks the fleet over SSH right away (what `npm start` does) through the same code path as a
 * real node: the inventory, the known_hosts file and the SSH transport. `--tui` opens the
 * interactive TUI on the fleet and stops the lab when it quits.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {startLabFleet, type LabFleet} from '../../lab/lab-fleet.js';
import {scenarioById} from '../../lab/scenarios.js';
import {shQuote} from '../../probe/script.js';
import {UsageError} from '../../errors.js';
import type {ParsedArgs} from '../args.js';
import {checkCommand} from './check.js';

/** Options that select targets: the lab brings its own. */
const TARGET_OPTIONS = [
  'local',
  'root',
  'host-root',
  'snapshot',
  'inventory',
  'kubeconfig',
  'context',
  'all-nodes',
  'selector',
  'user',
  'identity',
  'port',
  'jump',
];

/** Options of `lab` itself, never passed on to the check or the TUI. */
const LAB_OPTIONS = ['dir', 'run', 'tui'];

/** Quote a path for the printed commands only when the shell would need it. */
const arg = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : shQuote(s));

/** The fleet's targets as options: the inventory, its host keys and the lab's control plane. */
function fleetOptions(fleet: LabFleet): string {
  return `--inventory ${arg(fleet.inventoryFile)} --known-hosts ${arg(fleet.knownHostsFile)} --kubeconfig ${arg(fleet.cluster.kubeconfigFile)}`;
}

/**
 * How the operator started this program, to print commands that work as printed: `npm start --`
 * in a clone (npm names the script it runs in npm_lifecycle_event), else `kubelet-doctor`.
 */
export function invokedAs(env: NodeJS.ProcessEnv = process.env): string {
  return env['npm_lifecycle_event'] === 'start' ? 'npm start --' : 'kubelet-doctor';
}

/** The last lines of `lab --run` (and so of `npm start`): the one command that opens the TUI on the lab. */
export function tuiHint(env: NodeJS.ProcessEnv = process.env): string {
  return `\nOpen the interactive TUI on the lab (it starts the fleet again and stops it when you quit with q):\n  ${invokedAs(env)} lab --tui\n`;
}

/** What the operator reads first: the fleet and how to point kubelet-doctor (and ssh) at it. */
export function labBanner(fleet: LabFleet, serving: boolean): string {
  const w = Math.max(...fleet.nodes.map((n) => n.info.hostname.length), 4);
  const lines = [
    `kubelet-doctor lab: ${fleet.nodes.length} demo kubeadm nodes on 127.0.0.1, one healthy and one per classic failure`,
    `files: ${fleet.dir}`,
    '',
    `  ${'node'.padEnd(w)}  port   kubelet   what is broken`,
    ...fleet.nodes.map(
      (n) => `  ${n.info.hostname.padEnd(w)}  ${String(n.port).padEnd(5)}  ${n.info.kubeletVersion.padEnd(8)}  ${scenarioById(n.info.scenario).title}`,
    ),
    ...fleet.notes.map((note) => `note: ${note}`),
  ];
  if (!serving) return `${lines.join('\n')}\n`;
  const one = fleet.nodes.find((n) => n.info.scenario !== 'healthy') ?? fleet.nodes[0]!;
  const key = arg(fleet.identityFile);
  const kh = arg(fleet.knownHostsFile);
  lines.push(
    '',
    "Check the whole fleet over SSH, with the cluster's view of each node:",
    `  kubelet-doctor check ${fleetOptions(fleet)}`,
    '',
    'Open the interactive TUI on the fleet (from another terminal while this one serves):',
    `  kubelet-doctor ${fleetOptions(fleet)}`,
    '',
    `The lab's API server (a stand-in, ${fleet.cluster.api.url}) holds a Node per lab node; diagnose a join with its demo token:`,
    `  KUBELET_DOCTOR_JOIN_COMMAND="$(cat ${arg(join(fleet.dir, 'join-command.txt'))})" kubelet-doctor check --kubeconfig ${arg(fleet.cluster.kubeconfigFile)} --only join-prereqs -p ${one.port} -i ${key} --known-hosts ${kh} --host-root ${arg(one.info.root)} root@127.0.0.1`,
    '',
    `Check one node (${one.info.hostname}):`,
    `  kubelet-doctor check -p ${one.port} -i ${key} --known-hosts ${kh} --host-root ${arg(one.info.root)} root@127.0.0.1`,
    '',
    'Look around it with OpenSSH (commands only, no interactive shell):',
    `  ssh -p ${one.port} -i ${key} -o IdentitiesOnly=yes -o UserKnownHostsFile=${kh} root@127.0.0.1 'journalctl -u kubelet -n 20'`,
    '',
  );
  return `${lines.join('\n')}\n`;
}

/** Resolves when the signal aborts (Ctrl-C, SIGTERM). */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((done) => signal.addEventListener('abort', () => done(), {once: true}));
}

/** Run the lab; returns the exit code. */
export async function labCommand(a: ParsedArgs, signal: AbortSignal): Promise<number> {
  const check = a.values['run'] === true;
  const tui = a.values['tui'] === true;
  // Checked before anything starts: the TUI needs a terminal to draw on and read keys from.
  if (check && tui) throw new UsageError('`lab --run` and `lab --tui` do not go together', '--run prints the report, --tui opens the TUI: pick one');
  if (tui && (a.values['output'] !== undefined || a.values['out'] !== undefined)) {
    throw new UsageError('`lab --tui` opens the TUI; --output and -o ask for a report', `use \`${invokedAs()} lab --run\` with them`);
  }
  if (tui && (process.stdin.isTTY !== true || process.stdout.isTTY !== true)) {
    throw new UsageError('`lab --tui` needs a terminal (stdin and stdout)', `\`${invokedAs()} lab --run\` prints the report instead`);
  }
  const given = typeof a.values['dir'] === 'string' ? resolve(a.values['dir']) : null;
  const dir = given ?? (await mkdtemp(join(tmpdir(), 'kubelet-doctor-lab-')));
  const out = process.stderr;
  let fleet: LabFleet | null = null;
  try {
    fleet = await startLabFleet({dir, log: (line) => out.write(`lab: ${line}\n`)});
    out.write(labBanner(fleet, !check && !tui));
    const passed = Object.entries(a.values).filter(([k]) => !TARGET_OPTIONS.includes(k) && !LAB_OPTIONS.includes(k));
    if (tui) {
      // Ctrl-C while the fleet was starting: stop there, not open the TUI.
      if (signal.aborted) return 0;
      // The TUI of `kubelet-doctor --inventory … --known-hosts … --kubeconfig …`, in this process:
      // exactly what the operator would get by typing that command while the lab serves.
      const {main} = await import('../main.js');
      return await main([
        '--inventory',
        fleet.inventoryFile,
        '--known-hosts',
        fleet.knownHostsFile,
        '--kubeconfig',
        fleet.cluster.kubeconfigFile,
        '--ssh-config',
        'none',
        ...passed.flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).flatMap((x) => (x === true ? [`--${k}`] : typeof x === 'string' ? [`--${k}`, x] : []))),
      ]);
    }
    if (!check) {
      out.write(given ? 'Serving until Ctrl-C; the files stay.\n' : 'Serving until Ctrl-C; the temporary directory is removed then.\n');
      await aborted(signal);
      out.write('\nlab: stopping\n');
      return 0;
    }
    out.write('\nChecking every node over SSH:\n');
    out.write(`  kubelet-doctor check ${fleetOptions(fleet)}\n\n`);
    const values = Object.fromEntries(passed);
    const code = await checkCommand(
      {
        command: 'check',
        positional: [],
        values: {
          ...values,
          inventory: fleet.inventoryFile,
          'known-hosts': fleet.knownHostsFile,
          // The lab's control plane: the cluster's view beside each node's findings.
          kubeconfig: fleet.cluster.kubeconfigFile,
          // The operator's ~/.ssh/config has no say over the lab's loopback hosts.
          'ssh-config': 'none',
        },
      },
      signal,
    );
    out.write(tuiHint());
    return code;
  } finally {
    await fleet?.stop();
    if (!given) await rm(dir, {recursive: true, force: true});
  }
}
