/**
 * `kubelet-doctor lab`: write a demo fleet of kubeadm node trees (one healthy, one per classic
 * failure) and show how to check them; `--check` checks them right away.
 */
import {mkdtemp, mkdir} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {writeFleet} from '../../lab/node-tree.js';
import type {ParsedArgs} from '../args.js';
import {checkCommand} from './check.js';

/** Run the lab; returns the exit code. */
export async function labCommand(a: ParsedArgs, signal: AbortSignal): Promise<number> {
  const dir = typeof a.values['dir'] === 'string' ? resolve(a.values['dir']) : await mkdtemp(join(tmpdir(), 'kubelet-doctor-lab-'));
  await mkdir(dir, {recursive: true});
  const nodes = await writeFleet(dir);
  const out = process.stderr;
  out.write(`lab: wrote ${nodes.length} kubeadm node trees under ${dir}\n`);
  for (const n of nodes) out.write(`  ${n.hostname.padEnd(32)} ${n.layout}  ${n.kubeletVersion}  ${n.scenario}\n`);
  if (a.values['check'] !== true) {
    out.write(`\ncheck one:   kubelet-doctor check --root ${nodes[0]?.root ?? dir}\n`);
    out.write(`check all:   kubelet-doctor check ${nodes.map((n) => `--root ${n.root}`).join(' ')}\n`);
    return 0;
  }
  out.write('\n');
  const roots = nodes.map((n) => n.root);
  return checkCommand({command: 'check', positional: [], values: {...a.values, root: roots}}, signal);
}
