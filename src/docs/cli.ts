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
    '| 3 | a target could not be checked |',
    '',
  );
  return out.join('\n');
}
