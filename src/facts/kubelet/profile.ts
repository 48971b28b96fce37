/**
 * Which installer laid this node out: one of the profiles in checks/data/profiles, with the
 * file:line evidence, or `unknown` (a generic kubeadm-like node). Pure.
 *
 * References first: what the kubelet's own unit points at (the unit file and drop-ins systemd
 * merged, the EnvironmentFile= paths, the executable and the --config / --kubeconfig flags in
 * the effective argv) weighs more than files that merely exist or text found in them. A profile
 * wins on the most weight; ties go to the earlier profile in PROFILES (the more specific one).
 */
import {PROFILES} from '../../../checks/data/profiles/index.js';
import type {InstallerProfile, Signal} from '../../../checks/data/profiles/types.js';
import type {UnitFacts} from '../systemd/systemd-unit.js';
import {collected, type Collected, type KubeletArgv, type RawSnapshot, type Source} from '../core.js';

/** One signal found on the node. */
export interface ProfileEvidence {
  source: Source;
  /** The literal text there (the flag, the EnvironmentFile= line, the matching line). */
  text: string;
  /** Why it points at this installer. */
  why: string;
  /** `reference`: the kubelet's unit named it; `file`: found on disk. */
  kind: 'reference' | 'file';
}

/** The installer profile the node matches. */
export interface ProfileFacts {
  /** A profile id, or `unknown`. */
  id: string;
  title: string;
  evidence: ProfileEvidence[];
  /** For k3s/RKE2: what is and is not checked on a node whose kubelet has no unit of its own. */
  embeddedNote: string | null;
}

/** The id reported when no profile matches. */
export const UNKNOWN_PROFILE = 'unknown';

const WEIGHT: Record<Signal['kind'], number> = {flag: 3, executable: 3, 'unit-file': 3, content: 2, file: 1};
/** The least weight a kubelet-unit profile needs: two references, or a reference and what is on disk. */
const MIN_SCORE = 5;

/** `*` matches any run of characters but `/`; everything else is literal. */
function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  );
  return re.test(value);
}

/** The paths the kubelet's unit loaded, each with the line that named it. */
function unitReferences(unit: Collected<UnitFacts>): {path: string; source: Source; text: string}[] {
  if (!unit.collected) return [];
  const u = unit.value;
  const out: {path: string; source: Source; text: string}[] = [];
  if (u.unitFile) out.push({path: u.unitFile.path, source: {file: u.unitFile.path}, text: u.unitFile.path});
  for (const d of u.dropIns) if (d.shadowedBy === null && !d.masked) out.push({path: d.path, source: {file: d.path}, text: d.name});
  for (const f of u.environmentFiles) if (f.exists !== false) out.push({path: f.path, source: f.source, text: f.text});
  return out;
}

function matchSignal(s: Signal, raw: RawSnapshot, refs: ReturnType<typeof unitReferences>, argv: Collected<KubeletArgv>): ProfileEvidence | null {
  const argvValue = argv.collected ? argv.value : null;
  switch (s.kind) {
    case 'flag': {
      const all = argvValue?.flags[s.flag];
      const last = all?.[all.length - 1];
      return last && globMatch(s.value, last.value) ? {source: last.source, text: last.text, why: s.why, kind: 'reference'} : null;
    }
    case 'executable': {
      const exe = argvValue?.executable;
      return exe && globMatch(s.path, exe.value) ? {source: exe.source, text: exe.text, why: s.why, kind: 'reference'} : null;
    }
    case 'unit-file': {
      const r = refs.find((x) => x.path === s.path);
      return r ? {source: r.source, text: r.text, why: s.why, kind: 'reference'} : null;
    }
    case 'file': {
      const f = raw.files[s.path];
      return f && f.status === 'ok' ? {source: {file: s.path}, text: s.path, why: s.why, kind: 'file'} : null;
    }
    case 'content': {
      const f = raw.files[s.path];
      if (f?.status !== 'ok' || f.content === undefined) return null;
      const lines = f.content.split('\n');
      const i = lines.findIndex((l) => l.includes(s.pattern) && !l.trimStart().startsWith('#'));
      if (i < 0) return null;
      return {source: {file: s.path, line: (f.firstLine ?? 1) + i}, text: lines[i]!.trim(), why: s.why, kind: 'file'};
    }
  }
}

/** The note an embedded-kubelet node carries. */
export function embeddedNote(p: InstallerProfile): string | null {
  const e = p.embeddedKubelet;
  if (!e) return null;
  return `embedded kubelet (${e.service}, kubelet arguments in ${e.configPath}): the checks that read a standalone kubelet's unit, flags, config, kubeconfig and certificates are not run (${e.notChecked.join(', ')}); checked: the runtime and the host (${e.checked.join(', ')})`;
}

/** Score every profile; the best one with a reference (or, for an embedded kubelet, a file of its own) wins. */
export function buildProfile(raw: RawSnapshot, unit: Collected<UnitFacts>, argv: Collected<KubeletArgv>): Collected<ProfileFacts> {
  const refs = unitReferences(unit);
  let best: {p: InstallerProfile; score: number; evidence: ProfileEvidence[]} | null = null;
  for (const p of PROFILES) {
    const found: {e: ProfileEvidence; w: number; required: boolean}[] = [];
    for (const s of p.signals) {
      const e = matchSignal(s, raw, refs, argv);
      if (e) found.push({e, w: WEIGHT[s.kind], required: s.required === true});
    }
    // What sets this profile apart from the layout it builds on must be there.
    if (p.signals.some((s) => s.required) && !found.some((f) => f.required)) continue;
    const hasReference = found.some((f) => f.e.kind === 'reference');
    // An embedded kubelet has no unit of its own to point at its files: its own files are the evidence,
    // and only when the node runs no kubelet.service that points elsewhere.
    const eligible = p.embeddedKubelet ? found.length > 0 && refs.length === 0 : hasReference;
    if (!eligible) continue;
    const score = found.reduce((n, f) => n + f.w, 0);
    // One path in common (a unit in /etc/systemd/system) is not an installer's layout.
    if (!p.embeddedKubelet && score < MIN_SCORE) continue;
    if (best === null || score > best.score) {
      best = {p, score, evidence: found.sort((a, b) => b.w - a.w).map((f) => f.e)};
    }
  }
  if (best === null) return collected({id: UNKNOWN_PROFILE, title: 'unknown (generic kubeadm-like layout assumed)', evidence: [], embeddedNote: null});
  return collected({id: best.p.id, title: best.p.title, evidence: best.evidence, embeddedNote: embeddedNote(best.p)});
}
