/**
 * Shared builders for the runtime fact tests: fixture text, a hand-built kubelet config and argv
 * (the kubelet builders are tested on their own), directory listings, and unwrapped RuntimeFacts.
 */
import {readFileSync} from 'node:fs';
import {buildRuntime, type RuntimeFacts} from '../../src/facts/runtime/runtime.js';
import type {Collected, ConfigValue, DirRecord, KubeletArgv, KubeletConfigFacts, RawSnapshot} from '../../src/facts/types.js';

/** A file of test/fixtures/runtime. */
export const fx = (name: string): string => readFileSync(new URL(`../fixtures/runtime/${name}`, import.meta.url), 'utf8');
/** containerd's config path. */
export const CTD = '/etc/containerd/config.toml';
/** containerd 1.6 `config default` and the same after the docs' sed to SystemdCgroup = true. */
export const V2_DEFAULT = fx('containerd-1.6-default.toml');
export const V2_SYSTEMD = V2_DEFAULT.replace('SystemdCgroup = false', 'SystemdCgroup = true');
/** containerd 2.x default (no SystemdCgroup key) and with SystemdCgroup = true added to the runc options. */
export const V3_DEFAULT = fx('containerd-2.x-default.toml');
export const V3_SYSTEMD = V3_DEFAULT.replace("            ShimCgroup = ''\n", "            ShimCgroup = ''\n            SystemdCgroup = true\n");
/** 1-based line of the first line containing `needle`. */
export const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
/** Not collected. */
export const nc = {collected: false as const, reason: 'not provided by this test'};

/** A kubelet config whose effective values come from /var/lib/kubelet/config.yaml: field → [value, line, text]. */
export function kubeletConfig(values: Record<string, [unknown, number, string]>): Collected<KubeletConfigFacts> {
  const effective: Record<string, ConfigValue> = {};
  for (const [k, [value, line, text]] of Object.entries(values)) {
    effective[k] = {value, origin: 'config-file', source: {file: '/var/lib/kubelet/config.yaml', line}, text, overridden: []};
  }
  return {
    collected: true,
    value: {configPath: null, configDir: null, files: [], effective, unknownFields: [], typeErrors: [], defaultsFor: null},
  };
}

/** An argv with one flag set in kubeadm-flags.env. */
export function argvWith(name: string, value: string): Collected<KubeletArgv> {
  const src = {file: '/var/lib/kubelet/kubeadm-flags.env', line: 1};
  const text = `--${name}=${value}`;
  return {
    collected: true,
    value: {
      executable: {
        value: '/usr/bin/kubelet',
        source: {file: '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf', line: 11},
        text: 'ExecStart=/usr/bin/kubelet',
      },
      args: [{value: text, source: src, text}],
      flags: {[name]: [{name, value, source: src, text, index: 0}]},
      positional: [],
    },
  };
}

/** A directory listing. */
export const dir = (path: string, entries: [string, DirRecord['entries'][number]['type']][], status: DirRecord['status'] = 'ok'): DirRecord => ({
  path,
  status,
  entries: entries.map(([name, type]) => ({name, type})),
});

/** buildRuntime, unwrapped (throws in the test when not collected). */
export function runtime(raw: RawSnapshot, cfg: Collected<KubeletConfigFacts> = nc, argv: Collected<KubeletArgv> = nc): RuntimeFacts {
  const rt = buildRuntime(raw, cfg, argv);
  if (!rt.collected) throw new Error(`not collected: ${rt.reason}`);
  return rt.value;
}
