/**
 * The effective KubeletConfiguration, computed the way the kubelet computes it
 * (cmd/kubelet/app/server.go, knowledge/kubelet.md §2): defaults < `--config` file <
 * `--config-dir` drop-ins (lexical, JSON merge patch) < command-line flags. Every value knows
 * the file:line (or flag) that set it and what it replaced.
 */
import {KUBELET_CONFIG_FLAGS} from '../../../checks/data/kubelet-config-flags.js';
import {collected, effectiveFlag, notCollected} from '../core.js';
import type {Collected, ConfigFileInfo, FlagOccurrence, KubeletArgv, KubeletConfigFacts, RawSnapshot, Sourced} from '../core.js';
import {applyDefaults, applyLeaf, kubeletMinor, newEffective} from './kubelet-config-layers.js';
import type {Combine, Effective} from './kubelet-config-layers.js';
import {parseKubeletConfigFile} from './kubelet-config-parse.js';
import type {ConfigTypeError, ParsedConfigFile} from './kubelet-config-parse.js';
import {convertFlag} from './kubelet-config-values.js';

const sourced = (o: FlagOccurrence): Sourced<string> => ({value: o.value, source: o.source, text: o.text});

// The kubelet runs with working directory "/" under systemd: a relative path resolves there.
const absolute = (p: string): string => (p.startsWith('/') ? p : `/${p}`);

/** Byte-wise name order, as Go's os.ReadDir / filepath.WalkDir sort entries. */
const byName = (a: {name: string}, b: {name: string}): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The `*.conf` files of a `--config-dir`, in the order filepath.WalkDir visits them (lexical,
 * depth first into subdirectories the probe listed). Problems with the directory itself are
 * recorded in `files`.
 */
function dropinPaths(raw: RawSnapshot, dir: string, files: ConfigFileInfo[], top = true): string[] {
  const rec = raw.dirs[dir];
  if (rec?.status !== 'ok') {
    if (!top) return [];
    const error = !rec
      ? `${dir} was not collected by the probe`
      : rec.status === 'missing'
        ? `${dir}: no such directory (the kubelet fails: "failed to walk through kubelet dropin directory")`
        : `${dir} could not be listed (${rec.status})`;
    files.push({path: dir, role: 'dropin', status: rec?.status === 'missing' || !rec ? 'missing' : 'unreadable', error});
    return [];
  }
  const out: string[] = [];
  for (const e of [...rec.entries].sort(byName)) {
    const path = `${dir.replace(/\/+$/, '')}/${e.name}`;
    if (e.type === 'dir') out.push(...dropinPaths(raw, path, files, false));
    // Non-.conf files are skipped (logged only at -v=4: "does not have .conf extension").
    else if ((e.type === 'file' || e.type === 'link') && e.name.endsWith('.conf')) out.push(path);
  }
  return out;
}

function absorb(facts: KubeletConfigFacts, eff: Effective, p: ParsedConfigFile, origin: 'config-file' | 'config-dir'): void {
  facts.files.push(p.info);
  facts.unknownFields.push(...p.unknownFields);
  facts.typeErrors.push(...p.typeErrors);
  if (p.info.status !== 'ok') return;
  // Within one file a duplicated key replaces; across drop-ins maps merge (RFC 7386).
  for (const leaf of p.leaves) applyLeaf(eff, leaf, origin, origin === 'config-dir' ? 'merge-maps' : 'replace');
}

/**
 * Flags that map to config fields are re-parsed on top of file + drop-ins
 * (kubeletConfigFlagPrecedence, issue #56171). A map flag (`--kube-reserved`) replaces the
 * file's map, repeated occurrences merge (cliflag.MapStringString); `--feature-gates` merges
 * with the file's gates, the flag winning per gate.
 */
function applyFlags(eff: Effective, argv: KubeletArgv, typeErrors: ConfigTypeError[]): void {
  const occurrences = Object.entries(argv.flags)
    .flatMap(([name, list]) => list.map((o) => ({name, o})))
    .sort((x, y) => x.o.index - y.o.index);
  const seen = new Set<string>();
  for (const {name, o} of occurrences) {
    const spec = KUBELET_CONFIG_FLAGS[name];
    if (!spec) continue;
    const conv = convertFlag(spec.kind, o.value);
    if (!conv.ok) {
      // pflag rejects it: "failed to parse kubelet flag: invalid argument".
      typeErrors.push({field: `--${name}`, expected: conv.expected, source: o.source, text: o.text});
      continue;
    }
    const repeated = seen.has(name);
    seen.add(name);
    const isMapFlag = spec.kind === 'map' || spec.kind === 'eviction-map';
    const combine: Combine = spec.kind === 'feature-gates' || (isMapFlag && repeated) ? 'merge-maps' : 'replace';
    applyLeaf(eff, {key: spec.field, value: conv.value, source: o.source, text: o.text}, 'flag', combine);
  }
}

/**
 * Build the effective KubeletConfiguration from the kubelet's argv and the files the probe read.
 *
 * Keys of `effective`: a leaf inside a struct is keyed by its dotted path
 * (`authentication.x509.clientCAFile`, `memorySwap.swapBehavior`); every other field by its
 * top-level name, with map fields (`evictionHard`, `kubeReserved`, `featureGates`) and lists
 * kept whole as the value (their own keys contain dots, e.g. `memory.available`).
 *
 * Without `--config` the kubelet runs on flag-only legacy defaults (anonymous auth on,
 * AlwaysAllow, read-only port 10255), and those are what `effective` holds. Version-dependent
 * defaults (`failCgroupV1`) are only applied when `version` ("v1.30.2") is known. A flag value
 * pflag would reject is listed in `typeErrors` under the flag's name (`--max-pods`).
 */
export function buildKubeletConfig(raw: RawSnapshot, argv: Collected<KubeletArgv>, version: string | null): Collected<KubeletConfigFacts> {
  if (!argv.collected) return notCollected(`no kubelet command line: ${argv.reason}`);
  const a = argv.value;
  const minor = kubeletMinor(version);
  const cfg = effectiveFlag(a, 'config');
  const dir = effectiveFlag(a, 'config-dir');
  const facts: KubeletConfigFacts = {
    configPath: cfg ? sourced(cfg) : null,
    configDir: dir ? sourced(dir) : null,
    files: [],
    effective: {},
    unknownFields: [],
    typeErrors: [],
    defaultsFor: version,
  };
  const eff = newEffective();
  const hasConfig = cfg !== undefined && cfg.value.trim() !== '';
  if (hasConfig) absorb(facts, eff, parseKubeletConfigFile(raw, absolute(cfg.value.trim()), 'config', minor), 'config-file');
  if (dir && dir.value.trim() !== '') {
    for (const path of dropinPaths(raw, absolute(dir.value.trim()), facts.files)) {
      absorb(facts, eff, parseKubeletConfigFile(raw, path, 'dropin', minor), 'config-dir');
    }
  }
  applyFlags(eff, a, facts.typeErrors);
  applyDefaults(eff, {minor, version, legacy: !hasConfig});
  facts.effective = Object.fromEntries([...eff.values.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return collected(facts);
}
