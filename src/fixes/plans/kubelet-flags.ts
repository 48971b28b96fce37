/**
 * kubelet-flags-fix: take the flags this kubelet rejects off its command line, in the file and
 * line that put them there (kubeadm-flags.env, /etc/default/kubelet, a drop-in). Misspelled
 * flags become the flag they were meant to be; deprecated flags with a config-file field move
 * into the `--config` file (choice `translate`, the default), keeping the value they had.
 */
import {closest, distance} from 'fastest-levenshtein';
import {KNOWN_FLAGS, LEGACY_FLAGS, isKnownFlag} from '../../../checks/data/known-flags.js';
import {removedFlag} from '../../../checks/data/removed-flags.js';
import type {FlagOccurrence} from '../../facts/types.js';
import {versionAtLeast} from '../../facts/kubelet/version.js';
import {findFlag, flagWord, removeFlag} from '../edit/flag-edit.js';
import {notApplicable, type FixChoice, type FixPlan, type NotApplicable, type PlanInput} from '../types.js';
import {editSteps, FileEdits, kubeletConfigPath, restartKubelet, where} from './common.js';

/**
 * Deprecated or removed flags whose setting has a KubeletConfiguration field taking the same
 * value, and the first kubelet minor whose config knows the field.
 */
export const FLAG_TO_CONFIG: Readonly<Record<string, {field: string; since: number}>> = {
  'container-runtime-endpoint': {field: 'containerRuntimeEndpoint', since: 27},
};

const CHOICES: FixChoice[] = [
  {
    name: 'translate',
    description:
      'remove the flags this kubelet rejects, correct misspelled ones, and move deprecated flags that have a config-file field into the --config file',
  },
  {name: 'remove-only', description: 'only remove or correct the flags that stop this kubelet from starting'},
];
const LEGACY: ReadonlySet<string> = new Set(LEGACY_FLAGS);
const UNIT_DIR = /^\/(etc|run|usr\/lib|usr\/local\/lib|lib)\/systemd\/system\//;

const minorOf = (v: string | null): number | null => {
  // <1:minor>
  const m = /^v?1\.(\d+)/.exec(v ?? '');
  return m?.[1] === undefined ? null : Number(m[1]);
};

/** The known flag a misspelled one meant, when one is close. */
function meant(name: string): string | null {
  const best = closest(name, [...KNOWN_FLAGS]);
  return distance(name, best) <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** What to do with one occurrence: remove it, rename it, translate it, or leave it. */
type Action = {kind: 'remove'; why: string} | {kind: 'rename'; to: string; why: string} | {kind: 'translate'; field: string; why: string} | null;

function actionFor(o: FlagOccurrence, version: string | null, minor: number | null, translate: boolean, hasConfig: boolean): Action {
  const word = flagWord(o.text);
  if (!word.startsWith('--') && isKnownFlag(o.name) && o.name.length > 1)
    return {kind: 'rename', to: `--${o.name}`, why: `${word} is read as shorthand flags: write --${o.name}`};
  const r = removedFlag(o.name);
  const t = FLAG_TO_CONFIG[o.name];
  const canTranslate = t !== undefined && hasConfig && minor !== null && minor >= t.since;
  if (r) {
    const removed = r.removedIn !== null && version !== null && versionAtLeast(version, r.removedIn);
    if (removed)
      return canTranslate
        ? {kind: 'translate', field: t.field, why: `--${o.name} was removed in v${r.removedIn}`}
        : {kind: 'remove', why: `--${o.name} was removed in v${r.removedIn}: ${r.replacement}`};
    const deprecated = r.deprecatedIn !== null && (version === null || versionAtLeast(version, r.deprecatedIn));
    if (deprecated && translate && canTranslate) return {kind: 'translate', field: t.field, why: `--${o.name} is deprecated since v${r.deprecatedIn}`};
    return null;
  }
  if (isKnownFlag(o.name) || LEGACY.has(o.name)) return null;
  const near = meant(o.name);
  return near
    ? {kind: 'rename', to: `--${near}`, why: `unknown flag ${word}: did you mean --${near}?`}
    : {kind: 'remove', why: `unknown flag ${word}: the kubelet exits on it`};
}

/** Plan the fix for a kubelet-flags finding. */
export function planKubeletFlags(input: PlanInput): FixPlan | NotApplicable {
  const {facts, raw} = input;
  if (!facts.argv.collected) return notApplicable(`the kubelet command line was not collected: ${facts.argv.reason}`);
  const choice = input.choice ?? 'translate';
  if (!CHOICES.some((c) => c.name === choice))
    return notApplicable(`--choice ${choice} is not offered here`, `choose one of: ${CHOICES.map((c) => c.name).join(', ')}`);
  const version = facts.kubeletVersion.collected ? facts.kubeletVersion.value.value : null;
  const cfg = kubeletConfigPath(facts);
  const edits = new FileEdits(raw);
  const manual: string[] = [];
  let unitChanged = false;
  for (const o of Object.values(facts.argv.value.flags)
    .flat()
    .sort((a, b) => a.index - b.index)) {
    const a = actionFor(o, version, minorOf(version), choice === 'translate', cfg !== null);
    if (!a) continue;
    if (!('file' in o.source)) {
      manual.push(`${o.text}: ${a.why}; it does not come from a file line (${where(o.source)})`);
      continue;
    }
    unitChanged ||= UNIT_DIR.test(o.source.file);
    const text = o.text;
    if (a.kind === 'rename') {
      edits.line(o.source, `${a.why} (${where(o.source)})`, (line) => {
        const i = findFlag(line, text);
        return i === -1 ? null : line.slice(0, i) + a.to + text.slice(flagWord(text).length) + line.slice(i + text.length);
      });
      continue;
    }
    edits.line(o.source, `${a.why}: remove ${text} (${where(o.source)})`, (line) => removeFlag(line, text));
    if (a.kind === 'translate' && cfg) {
      edits.yaml(cfg, `${a.field}: ${o.value} (was ${text}; flags override the config file, so the value the kubelet uses stays the same)`, [
        {op: 'set', path: [a.field], value: o.value},
      ]);
    }
  }
  for (const p of facts.argv.value.positional)
    manual.push(`remove the stray word "${p.value}" at ${where(p.source)} (a boolean flag takes its value with "=")`);
  const steps = editSteps(edits, manual, 'edit the line the finding names by hand', 'no flag on the command line needs changing');
  if (!Array.isArray(steps)) return steps;
  return {
    fixId: 'kubelet-flags-fix',
    checkId: 'kubelet-flags',
    title: 'Remove or replace the kubelet flags this version rejects',
    choice,
    choices: CHOICES,
    steps: [...steps, ...restartKubelet(facts, unitChanged)],
    notes: raw.files['/var/lib/kubelet/kubeadm-flags.env']
      ? [
          "kubeadm writes /var/lib/kubelet/kubeadm-flags.env at join and upgrade: check `nodeRegistration.kubeletExtraArgs` in the cluster's kubeadm configuration too.",
        ]
      : [],
  };
}
