/**
 * Flags in the kubelet's effective argv that the installed kubelet removed, deprecated or never
 * knew; stray words (`unknown command`); and flags given twice with different values (pflag keeps
 * the last one). Every verdict names the file:line that put the flag on the command line.
 */
import {closest, distance} from 'fastest-levenshtein';
import {defineCheck, fail, note, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {Facts, FlagOccurrence, KubeletArgv, Source, Sourced} from '../src/facts/types.js';
import {profileById} from './data/profiles/index.js';
import {versionAtLeast} from '../src/facts/kubelet/version.js';
import {ADDED_IN, KNOWN_FLAGS, LEGACY_FLAGS, LIST_FLAGS, MAP_FLAGS, SHORTHANDS, isBooleanFlag, isKnownFlag} from './data/known-flags.js';
import {DOCKERSHIM_REF, removedFlag} from './data/removed-flags.js';
import type {RemovedFlag} from './data/removed-flags.js';

const loc = (s: Source): string => ('command' in s ? s.command : s.line === undefined ? s.file : `${s.file}:${s.line}`);
const LEGACY: ReadonlySet<string> = new Set(LEGACY_FLAGS);
const MAPS: ReadonlySet<string> = new Set(MAP_FLAGS);
const LISTS: ReadonlySet<string> = new Set(LIST_FLAGS);
// strconv.ParseBool, which pflag uses for boolean flags.
const BOOL_VALUES = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

/** What the check knows about the installed kubelet. */
interface Ctx {
  argv: KubeletArgv;
  version: Sourced<string> | null;
  /** The node runs Docker through the kubelet's built-in dockershim (kubelet <= 1.23). */
  dockershim: boolean;
  /** The installer that laid the node out, and the files it writes itself (not the operator's override file). */
  installer: {title: string; files: ReadonlySet<string>} | null;
}

/**
 * The files an installer writes and rewrites itself: its unit, drop-ins and env files, except
 * the one meant for the operator's own flags (the file holding KUBELET_EXTRA_ARGS).
 */
function installerFiles(facts: Facts): Ctx['installer'] {
  const id = facts.profile.collected ? facts.profile.value.id : null;
  const unit = id ? profileById(id)?.unit : undefined;
  if (!id || !unit) return null;
  const files = [unit.unitPath, ...unit.dropIns, ...unit.envFiles.filter((e) => !e.variables.includes('KUBELET_EXTRA_ARGS')).map((e) => e.path)];
  return {title: facts.profile.collected ? facts.profile.value.title : id, files: new Set(files)};
}

/** The occurrence as evidence: where it came from, and the text of that line (the env-file or drop-in line). */
const occEv = (c: Ctx, o: FlagOccurrence): Evidence => ({source: o.source, text: c.argv.args[o.index]?.text ?? o.text});
/** Evidence without repeats (two flags on one env-file line cite it once). */
const unique = (es: Evidence[]): Evidence[] => [...new Map(es.map((e) => [`${loc(e.source)}\n${e.text}`, e])).values()];
const versionEv = (c: Ctx): Evidence[] => (c.version ? [{source: c.version.source, text: c.version.text}] : []);
/** The flag as the operator wrote it, before `_` → `-` normalisation: `--cgroup_driver`. */
const written = (o: FlagOccurrence): string => o.text.split(/[=\s]/)[0] ?? `--${o.name}`;

/** The nearest flag this kubelet accepts, for "did you mean"; null when nothing is close. */
function nearest(name: string, c: Ctx): string | null {
  const accepted = KNOWN_FLAGS.filter((f) => {
    const r = removedFlag(f);
    return !(r?.removedIn && (!c.version || versionAtLeast(c.version.value, r.removedIn)));
  });
  const best = closest(name, accepted);
  return distance(name, best) <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** A removed or deprecated flag, judged against the installed version; null when this release accepts it quietly. */
function lifecycle(r: RemovedFlag, o: FlagOccurrence, c: Ctx): Verdict | null {
  const evidence = [occEv(c, o), ...versionEv(c)];
  const v = c.version?.value;
  if (r.removedIn && v && versionAtLeast(v, r.removedIn)) {
    return fail(
      `--${r.flag} was removed in v${r.removedIn}; this kubelet (${v}) exits with "unknown flag: --${r.flag}". Instead: ${r.replacement}. See ${r.reference}`,
      evidence,
    );
  }
  if (r.removedIn && !v) {
    return warn(`--${r.flag} was removed in v${r.removedIn}; kubelet version unknown (pass --kubelet-version). Instead: ${r.replacement}`, evidence);
  }
  // dockershim's own flags (--network-plugin=cni, --cni-*, --docker-endpoint) are what a dockershim
  // node needs until it moves to containerd or cri-dockerd: a healthy node of that era stays quiet.
  if (c.dockershim && r.reference === DOCKERSHIM_REF) return null;
  const file = 'file' in o.source ? o.source.file : null;
  // Here a removed flag's removal is still ahead (v is known and older, or the flag is only deprecated).
  if (r.deprecatedIn && (!r.removedIn || v) && file && c.installer?.files.has(file) && (!v || versionAtLeast(v, r.deprecatedIn))) {
    // The installer writes the flag itself (kubeadm puts the CRI socket in kubeadm-flags.env up to
    // 1.33) and rewrites the file on upgrade: still accepted, and nothing for the operator to edit.
    const until = r.removedIn ? `; it is removed in v${r.removedIn}, and the installer's release for that version stops writing it` : '';
    return note(
      `--${r.flag} is deprecated since v${r.deprecatedIn} but still accepted; ${c.installer.title} writes it into ${file} itself, so nothing needs doing on this node${until} (its replacement: ${r.replacement})`,
      evidence,
      null,
    );
  }
  if (r.deprecatedIn && (!v || versionAtLeast(v, r.deprecatedIn))) {
    const until = r.removedIn ? ` and is removed in v${r.removedIn}` : '';
    return warn(
      `--${r.flag} is deprecated since v${r.deprecatedIn}${until}; the kubelet logs "Flag --${r.flag} has been deprecated". Instead: ${r.replacement}`,
      evidence,
    );
  }
  return null;
}

/** The verdict for one flag occurrence's name and value; null when it is fine. */
function occurrence(o: FlagOccurrence, c: Ctx): Verdict | null {
  const evidence = [occEv(c, o)];
  const word = written(o);
  if (!word.startsWith('--') && SHORTHANDS[word.charAt(1)] === undefined) {
    // pflag reads `-config` as the shorthand flags c, o, n, ...
    const hint = isKnownFlag(o.name) ? `; write --${o.name}` : '';
    return fail(`${word}: the kubelet exits with "unknown shorthand flag: '${word.charAt(1)}' in ${o.text}"${hint}`, evidence);
  }
  if ((o.name === 'help' && o.value !== 'false') || (o.name === 'version' && ['true', 'raw'].includes(o.value))) {
    return fail(`${word} makes the kubelet print its ${o.name === 'help' ? 'usage' : 'version'} and exit, so systemd restarts it forever`, evidence);
  }
  const r = removedFlag(o.name);
  if (r) {
    const verdict = lifecycle(r, o, c);
    if (verdict) return verdict;
  } else if (!isKnownFlag(o.name)) {
    if (LEGACY.has(o.name)) {
      return warn(`${word} is an old flag that current kubelets no longer accept; if this one rejects it, it exits with "unknown flag: ${word}"`, evidence);
    }
    const near = nearest(o.name, c);
    return fail(
      `unknown flag ${word}: the kubelet exits with "failed to parse kubelet flag: unknown flag: ${word}"${near ? `; did you mean --${near}?` : ''}`,
      evidence,
    );
  }
  const added = ADDED_IN[o.name];
  const v = c.version?.value;
  if (added && v && !versionAtLeast(v, added)) {
    return fail(`--${o.name} was added in v${added}; this kubelet (${v}) exits with "unknown flag: ${word}"`, [...evidence, ...versionEv(c)]);
  }
  if (isBooleanFlag(o.name) && o.name !== 'version' && !BOOL_VALUES.has(o.value)) {
    return fail(`invalid argument "${o.value}" for "${word}" flag: the kubelet exits (strconv.ParseBool accepts true/false/1/0)`, evidence);
  }
  if (!isBooleanFlag(o.name) && o.value === '' && !/[=\s]/.test(o.text)) {
    return fail(`${word} has no value (it is the last word): the kubelet exits with "flag needs an argument: ${word}"`, evidence);
  }
  return null;
}

/** Repeated flags: which value wins and where each came from. */
function duplicates(name: string, occs: FlagOccurrence[], c: Ctx): Verdict | null {
  if (occs.length < 2 || LISTS.has(name)) return null;
  const evidence = unique(occs.map((o) => occEv(c, o)));
  if (MAPS.has(name)) {
    // Map flags merge across occurrences; a key given twice keeps the later value.
    const seen = new Map<string, {value: string; o: FlagOccurrence}>();
    for (const o of occs) {
      for (const pair of o.value.split(',')) {
        const [k = '', val = ''] = pair.split('=');
        const prev = seen.get(k.trim());
        if (prev && prev.value !== val.trim()) {
          return warn(
            `--${name} is given ${occs.length} times; the values merge, and ${k.trim()} is set to ${prev.value} (${loc(prev.o.source)}) and then ${val.trim()} (${loc(o.source)}): the later one wins`,
            evidence,
          );
        }
        seen.set(k.trim(), {value: val.trim(), o});
      }
    }
    return null;
  }
  const last = occs[occs.length - 1];
  if (!last || new Set(occs.map((o) => o.value)).size < 2) return null;
  const earlier = occs
    .slice(0, -1)
    .map((o) => `${o.value} (${loc(o.source)})`)
    .join(', ');
  return warn(
    `--${name} is set ${occs.length} times with different values; the kubelet keeps the last one, ${last.value} from ${loc(last.source)} (earlier: ${earlier})`,
    evidence,
  );
}

/** Non-flag words: the kubelet refuses to start with `unknown command`. */
function positional(c: Ctx): Verdict | null {
  const [first] = c.argv.positional;
  if (!first) return null;
  const show = (p: Sourced<string>): string => (p.value === '' ? '"" (an empty argument)' : `"${p.value}"`);
  const why =
    first.value === ''
      ? '; an empty argument comes from an empty ${VAR} in ExecStart= (write $VAR without braces)'
      : BOOL_VALUES.has(first.value)
        ? '; a boolean flag takes its value with "=", e.g. --fail-swap-on=false'
        : '';
  const words = c.argv.positional.map(show).join(', ');
  return fail(`the kubelet exits with "unknown command ${first.value}": stray word(s) on its command line: ${words}${why}`, c.argv.positional);
}

export default defineCheck({
  id: 'kubelet-flags',
  title: 'Every kubelet flag is one this kubelet version accepts',
  category: 'kubelet',
  severity: 'critical',
  description:
    'The kubelet refuses to start when its command line holds a flag its version removed or never had, or a stray word. Old flags usually come from /var/lib/kubelet/kubeadm-flags.env or KUBELET_EXTRA_ARGS surviving an upgrade.',
  needs: ['argv', 'kubeletVersion', 'runtime', 'profile'],
  fix: 'kubelet-flags-fix',
  explainedBy: ['systemd-dropin'],
  remediation:
    'Remove or replace the flag at the file and line the finding names (usually /var/lib/kubelet/kubeadm-flags.env, /etc/default/kubelet or /etc/sysconfig/kubelet): move settings into the --config KubeletConfiguration file or the container runtime as the finding says, then `systemctl restart kubelet`.',
  references: [
    'https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/',
    'https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/',
    'https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/kubelet-integration/',
  ],
  signatures: [
    {
      id: 'unknown-flag',
      text: 'failed to parse kubelet flag: unknown flag: --network-plugin',
      // <1:flag name>
      pattern: /failed to parse kubelet flag: unknown flag: --([^\s"]+)/,
      reference: 'kubelet.md §1, F1; cmd/kubelet/app/server.go; kubernetes-sigs/kubespray#8924',
    },
    {
      id: 'unknown-shorthand-flag',
      text: "failed to parse kubelet flag: unknown shorthand flag: 'c' in -config=/var/lib/kubelet/config.yaml",
      pattern: /unknown shorthand flag: '(.)' in (-[^\s"]+)/,
      reference: 'spf13/pflag flag.go (parseSingleShortArg)',
    },
    {id: 'unknown-command', text: 'unknown command ', pattern: /\bunknown command\b/, reference: 'kubelet.md §0 stage 2, F2; cmd/kubelet/app/server.go'},
    {
      id: 'flag-deprecated',
      text: 'Flag --pod-infra-container-image has been deprecated, will be removed in a future release. Image garbage collector will get sandbox image information from CRI.',
      pattern: /Flag --([^\s,]+) has been deprecated/,
      reference: 'kubelet.md §1, R22; kubernetes/website#43935',
    },
    {
      id: 'flag-needs-argument',
      text: 'failed to parse kubelet flag: flag needs an argument: --config',
      pattern: /flag needs an argument: (?:'.' in )?-{1,2}([^\s"]+)/,
      reference: 'spf13/pflag flag.go',
    },
    {
      id: 'invalid-flag-argument',
      text: 'failed to parse kubelet flag: invalid argument "no" for "--fail-swap-on" flag: strconv.ParseBool: parsing "no": invalid syntax',
      pattern: /invalid argument "[^"]*" for "-{1,2}([^"]+)" flag/,
      reference: 'spf13/pflag flag.go',
    },
  ],
  evaluate(facts) {
    const {argv, kubeletVersion, runtime} = facts;
    if (!argv.collected) return skip(argv.reason);
    const c: Ctx = {
      argv: argv.value,
      version: kubeletVersion.collected ? kubeletVersion.value : null,
      dockershim: runtime.collected && runtime.value.via === 'dockershim',
      installer: installerFiles(facts),
    };
    const out: Verdict[] = [];
    for (const [name, occs] of Object.entries(c.argv.flags)) {
      // One verdict per distinct problem: the same removed flag set twice is reported once.
      const seen = new Set<string>();
      for (const o of occs) {
        const v = occurrence(o, c);
        if (v && !seen.has(v.summary)) out.push(v);
        if (v) seen.add(v.summary);
      }
      const dup = duplicates(name, occs, c);
      if (dup) out.push(dup);
    }
    const stray = positional(c);
    if (stray) out.push(stray);
    if (out.length > 0) return out;
    const lines = new Map(c.argv.args.map((a) => [loc(a.source), {source: a.source, text: a.text}]));
    const n = Object.keys(c.argv.flags).length;
    const about = c.version
      ? `kubelet ${c.version.value} accepts all ${n} flag(s)`
      : `${n} flag(s) known; kubelet version unknown, so removals were not checked (pass --kubelet-version)`;
    return pass(about, [...(lines.size > 0 ? lines.values() : [c.argv.executable]), ...versionEv(c)]);
  },
});
