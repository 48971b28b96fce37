/**
 * The fixed paths of every installer profile (checks/data/profiles), for the probe to read: the
 * unit, drop-ins and env files each installer writes, its kubelet config, kubeconfigs, CA,
 * runtime config and the files its signals name. Generated from the data so a new profile's
 * files are read without touching the probe. Globs and `file#field` references are left out;
 * every path is read under the same per-file cap as the rest of FILES. Client certificates are
 * not listed: a kubelet pem holds its key, and the probe reaches it through the kubeconfig that
 * names it (fingerprint records belong to discovery, not to the fixed sections).
 */
import {PROFILES} from '../../checks/data/profiles/index.js';
import type {FileSection} from './sections.js';

/** Files the probe reads its own way (the dpkg database: only the kubelet's paragraph), never whole. */
const SPECIAL = new Set(['/var/lib/dpkg/status']);

function pathsOf(): string[] {
  const out: string[] = [];
  for (const p of PROFILES) {
    if (p.unit) out.push(p.unit.unitPath, ...p.unit.dropIns, ...p.unit.envFiles.map((e) => e.path));
    if (p.kubeletConfig.path) out.push(p.kubeletConfig.path);
    out.push(p.kubeconfig, p.caCert, p.runtime.configPath);
    if (p.bootstrapKubeconfig) out.push(p.bootstrapKubeconfig);
    if (p.embeddedKubelet) out.push(p.embeddedKubelet.configPath);
    for (const s of p.signals) if (s.kind === 'file' || s.kind === 'content' || s.kind === 'unit-file') out.push(s.path);
  }
  return out.filter((x) => x.startsWith('/') && !x.includes('*') && !x.includes('#') && !SPECIAL.has(x));
}

/** Profile paths, deduplicated, in a stable order. */
export const PROFILE_PATHS: readonly string[] = [...new Set(pathsOf())].sort();

/** `base`, then the profile paths it does not already name (each path is read once). */
export function withProfilePaths(base: readonly FileSection[]): FileSection[] {
  const have = new Set(base.map((f) => f.path));
  return [...base, ...PROFILE_PATHS.filter((p) => !have.has(p)).map((path) => ({path}))];
}
