/**
 * Test builder: a KubeletArgv from `--x=y` words, as buildArgv would produce it, without a unit.
 * Tests of the config builder and of checks state only the flags they are about.
 */
import {collected} from '../../src/facts/types.js';
import type {Collected, FlagOccurrence, KubeletArgv, Source} from '../../src/facts/types.js';

/** The drop-in line kubeadm's ExecStart is on. */
export const DROPIN: Source = {file: '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf', line: 11};
/** Where kubeadm puts KUBELET_KUBEADM_ARGS. */
export const FLAGS_ENV: Source = {file: '/var/lib/kubelet/kubeadm-flags.env', line: 1};

/** A collected KubeletArgv from words, each from `source` unless given as a [word, source] pair. */
export function argvOf(words: (string | [string, Source])[], source: Source = DROPIN): Collected<KubeletArgv> {
  const flags: Record<string, FlagOccurrence[]> = {};
  const args = words.map((w, index) => {
    const [text, src] = typeof w === 'string' ? [w, source] : w;
    // <1:name> <2:value>
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(text);
    if (m?.[1]) (flags[m[1]] ??= []).push({name: m[1], value: m[2] ?? 'true', source: src, text, index});
    return {value: text, source: src, text};
  });
  return collected({executable: {value: '/usr/bin/kubelet', source, text: '/usr/bin/kubelet'}, args, flags, positional: []});
}
