/**
 * Renders docs/cli.md from the option and command tables in cli/args.ts, so the reference
 * can never disagree with the parser.
 */
import {COMMANDS, OPTIONS, type OptionSpec} from '../cli/args.js';

const GROUPS: Record<OptionSpec['group'], string> = {
  target: 'Choosing targets',
  run: 'Running checks',
  output: 'Output',
  cluster: 'Cluster',
  ssh: 'SSH',
  fix: 'Fixes',
  general: 'General',
};

/** The CLI reference as Markdown. */
export function renderCliMarkdown(note: string): string {
  const out = [note, '', '# kubelet-doctor command line', ''];
  out.push('```', 'kubelet-doctor [TARGET...] [options]', ...COMMANDS.map((c) => `kubelet-doctor ${c.usage}`), '```', '');
  out.push(
    'With no command and no target at all (`npm start` in a clone), kubelet-doctor runs the demo lab and prints its report (`lab --run`); `lab --tui` opens the interactive TUI on the lab instead.',
    '',
  );
  out.push('## Commands', '', '| command | what it does |', '| --- | --- |');
  for (const c of COMMANDS) out.push(`| \`${c.usage}\` | ${c.description} |`);
  out.push('');
  for (const [group, title] of Object.entries(GROUPS)) {
    const opts = OPTIONS.filter((o) => o.group === group);
    if (opts.length === 0) continue;
    out.push(`## ${title}`, '', '| option | meaning |', '| --- | --- |');
    for (const o of opts) {
      const flag = `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`;
      out.push(`| \`${flag}\` | ${o.description.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  out.push(
    '## Exit codes',
    '',
    '| code | meaning |',
    '| --- | --- |',
    '| 0 | no check failed (warnings allowed) |',
    '| 1 | a check failed |',
    '| 2 | bad usage or input (unknown option, missing directory, malformed snapshot) |',
    '| 3 | a target could not be checked: unreachable, its output cut, or a machine with no kubelet (`not-a-node`) |',
    '',
    '## Statuses',
    '',
    'Each check on each node ends in one status. Only `fail` and `error` make the exit code 1.',
    '',
    '| status | meaning |',
    '| --- | --- |',
    '| `fail` | the node is (or will be) broken by this; a failure another failing check explains is folded under that first cause |',
    '| `error` | the check itself crashed (please report it) |',
    '| `warn` | worth acting on, not fatal |',
    '| `advice` | best practice, not a fault (nothing reserved for the system); hidden unless `--advice` |',
    '| `note` | true, and nothing to act on: a deprecated flag the installer writes itself, a journal line repeating a finding |',
    '| `pass` | the check holds, with the evidence it read |',
    '| `skip` | not judged here, and why (offline, another era, an embedded kubelet) |',
    '',
    'A machine with no kubelet at all (no unit, binary, process or kubelet kubeconfig) is one line,',
    '`no kubelet on this machine: not a Kubernetes node, or the kubelet is installed elsewhere`, target',
    'status `not-a-node` in JSON, and exit 3; no check runs and no fix is offered. Name the kubelet',
    'with `--kubelet-version V`, or its disk with `--root DIR`, to check it anyway.',
    '',
    '## First cause first',
    '',
    'Every report leads each node with its root causes: failing checks that no other failure explains.',
    'Symptoms (a restart loop, no healthz answer, a NotReady Node, journal lines) never explain each',
    "other; among candidate causes, the check the journal's first fatal line names wins. Per-node",
    'lines count causes (`1 cause (explains 4)`), a fleet report opens (text, markdown) and closes',
    '(text) with a table of nodes worst first (status, fix, first cause), and JSON carries each',
    "target's `firstCause` (ids, most severe first; `[]` when nothing fails).",
    '',
  );
  return out.join('\n');
}
