/**
 * kubelet-config-fix: repair the `--config` file (and `--config-dir` drop-ins) in place, through
 * the comment-keeping YAML editor. A wrong or missing apiVersion/kind is set; an unknown field is
 * renamed to the nearest known one (`maxPod` → `maxPods`, choice `rename`) or dropped (choice
 * `drop`; the kubelet ignores it anyway); a quoted number or boolean is unquoted. A file that
 * does not exist or does not parse is beyond a safe automatic edit: the plan says what to do.
 */
import {parseDocument} from 'yaml';
import {KUBELET_CONFIG_API_VERSION, KUBELET_CONFIG_KIND} from '../../../checks/data/kubelet-config-fields.js';
import type {KubeletConfigFacts, Source} from '../../facts/types.js';
import {editableFile} from '../node-text.js';
import type {YamlEdit} from '../edit/yaml-edit.js';
import {notApplicable, type FixChoice, type FixPlan, type NotApplicable, type PlanInput} from '../types.js';
import {editSteps, FileEdits, restartKubelet, where} from './common.js';

const CHOICES: FixChoice[] = [
  {name: 'rename', description: 'rename each unknown field to the nearest known one (maxPod → maxPods); drop those with no known name nearby'},
  {name: 'drop', description: 'remove every unknown field (the kubelet ignores them today, so nothing it does changes)'},
];

/** One planned YAML edit, with the sentence that explains it. */
interface Planned {
  file: string;
  edit: YamlEdit;
  why: string;
}

const fileOf = (s: {source: Source}): string | null => ('file' in s.source ? s.source.file : null);

/** Whether a key path is set in a file's text (so a rename onto it would clash). */
function isSet(raw: PlanInput['raw'], file: string, path: string[]): boolean {
  const f = editableFile(raw, file);
  return f.ok && parseDocument(f.file.text).hasIn(path);
}

/** The value a quoted number or boolean should have, or undefined when it is not that simple. */
function unquoted(raw: PlanInput['raw'], file: string, path: string[], expected: string): number | boolean | undefined {
  const f = editableFile(raw, file);
  if (!f.ok) return undefined;
  const v: unknown = parseDocument(f.file.text).getIn(path);
  if (typeof v !== 'string') return undefined;
  if (expected.startsWith('an integer') && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  if (expected.startsWith('a boolean') && /^(true|false)$/.test(v.trim())) return v.trim() === 'true';
  return undefined;
}

/** Edits for the files' apiVersion/kind, and what cannot be done automatically. */
function kindEdits(cfg: KubeletConfigFacts, planned: Planned[], manual: string[]): void {
  for (const f of cfg.files) {
    if (f.status === 'ok') continue;
    if (f.status === 'wrong-kind' && f.kind !== 'Config' && f.error !== undefined && !f.error.startsWith('the file is empty')) {
      if (f.apiVersion !== KUBELET_CONFIG_API_VERSION)
        planned.push({
          file: f.path,
          edit: {op: 'set', path: ['apiVersion'], value: KUBELET_CONFIG_API_VERSION},
          why: `apiVersion: ${KUBELET_CONFIG_API_VERSION} (was ${f.apiVersion ?? 'missing'})`,
        });
      if (f.kind !== KUBELET_CONFIG_KIND)
        planned.push({
          file: f.path,
          edit: {op: 'set', path: ['kind'], value: KUBELET_CONFIG_KIND},
          why: `kind: ${KUBELET_CONFIG_KIND} (was ${f.kind ?? 'missing'})`,
        });
    } else if (f.status === 'wrong-kind' && f.kind === 'Config') {
      manual.push(`${f.path} is a kubeconfig, not a KubeletConfiguration: point --config at /var/lib/kubelet/config.yaml`);
    } else if (f.status === 'missing') {
      manual.push(
        `${f.path} does not exist: \`kubeadm join\` writes it (or \`kubeadm join phase kubelet-start\` on a joined node); copy it from a healthy node of the same version otherwise`,
      );
    } else {
      manual.push(`${f.path} is ${f.status}${f.line ? ` at line ${f.line}` : ''}${f.error ? ` (${f.error})` : ''}: fix it by hand`);
    }
  }
}

/** Plan the fix for a kubelet-config finding. */
export function planKubeletConfig(input: PlanInput): FixPlan | NotApplicable {
  const {facts, raw} = input;
  if (!facts.kubeletConfig.collected) return notApplicable(`the kubelet configuration was not collected: ${facts.kubeletConfig.reason}`);
  const cfg = facts.kubeletConfig.value;
  if (cfg.configPath === null)
    return notApplicable('the kubelet runs without a --config file', 'add --config=/var/lib/kubelet/config.yaml (kubeadm does) with a KubeletConfiguration');
  const choice = input.choice ?? 'rename';
  if (!CHOICES.some((c) => c.name === choice))
    return notApplicable(`--choice ${choice} is not offered here`, `choose one of: ${CHOICES.map((c) => c.name).join(', ')}`);
  const planned: Planned[] = [];
  const manual: string[] = [];
  kindEdits(cfg, planned, manual);
  for (const u of cfg.unknownFields) {
    const file = fileOf(u);
    if (!file) continue;
    const path = u.field.split('.');
    const to = u.nearest?.split('.');
    if (choice === 'rename' && to && !isSet(raw, file, to)) {
      const sameParent = to.length === path.length && to.slice(0, -1).join('.') === path.slice(0, -1).join('.');
      planned.push({
        file,
        edit: sameParent ? {op: 'rename', path, to: to[to.length - 1]!} : {op: 'move', from: path, to},
        why: `${u.field} → ${u.nearest ?? ''} at ${where(u.source)} (the kubelet ignored the misspelt field)`,
      });
    } else {
      const reason = choice === 'drop' ? 'drop' : to ? `${u.nearest ?? ''} is already set, so drop` : 'no known field is near it: drop';
      planned.push({file, edit: {op: 'delete', path}, why: `${reason} ${u.field} at ${where(u.source)} (the kubelet ignores it)`});
    }
  }
  for (const t of cfg.typeErrors) {
    const file = fileOf(t);
    const path = t.field.split('.');
    const value = file && !t.field.startsWith('--') ? unquoted(raw, file, path, t.expected) : undefined;
    if (file && value !== undefined)
      planned.push({file, edit: {op: 'set', path, value}, why: `${t.field}: ${String(value)} unquoted at ${where(t.source)} (it must be ${t.expected})`});
    else manual.push(`${where(t.source)}: ${t.field} must be ${t.expected} (${t.text})`);
  }
  const edits = new FileEdits(raw);
  for (const p of planned) edits.yaml(p.file, p.why, [p.edit]);
  const steps = editSteps(edits, manual, 'edit the file and line the finding names by hand', 'the configuration holds nothing this fix changes');
  if (!Array.isArray(steps)) return steps;
  return {
    fixId: 'kubelet-config-fix',
    checkId: 'kubelet-config',
    title: 'Repair the kubelet configuration file',
    choice,
    choices: CHOICES,
    steps: [...steps, ...restartKubelet(facts)],
    notes: [
      'kubeadm upgrade rewrites /var/lib/kubelet/config.yaml from the kubelet-config ConfigMap: make lasting changes there too (kubectl -n kube-system edit cm kubelet-config).',
    ],
  };
}
