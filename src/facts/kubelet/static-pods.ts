/**
 * Static pods: the kubelet's file source (pkg/kubelet/config/file.go) reads every non-hidden
 * regular file in staticPodPath (or the single file it names) as a Pod manifest. A missing
 * directory is only logged ("path does not exist, ignoring"); a bad manifest is skipped.
 */
import {isMap, isScalar, isSeq} from 'yaml';
import type {Node, Pair, YAMLMap} from 'yaml';
import {collected, notCollected} from '../core.js';
import type {Collected, KubeletConfigFacts, RawSnapshot, Sourced} from '../core.js';
import type {StaticPodManifest, StaticPodsFacts} from '../host/host.js';
import {fileText, keyName, lineOf, lineText, parseYaml} from './yaml-source.js';

function child(map: YAMLMap, name: string): Pair<Node | null, Node | null> | undefined {
  return (map.items as Pair<Node | null, Node | null>[]).find((p) => keyName(p) === name);
}

function scalar(pair: Pair<Node | null, Node | null> | undefined): unknown {
  return pair && isScalar(pair.value) ? pair.value.value : undefined;
}

/**
 * Parse one manifest the way tryDecodeSinglePod does: YAML or JSON, apiVersion v1 and kind Pod
 * (the universal decoder needs both), metadata.name and at least one container (validation).
 */
export function parseManifest(raw: RawSnapshot, path: string): StaticPodManifest {
  const ft = fileText(raw, path);
  if (!ft.ok) {
    const status = ft.error.endsWith('was not collected by the probe') ? 'not-collected' : ft.status;
    return {path, status, error: ft.error};
  }
  const parsed = parseYaml(ft.text);
  if (!parsed.ok) {
    return parsed.empty
      ? {path, status: 'not-a-pod', error: 'the file is empty', line: 1}
      : {path, status: 'parse-error', error: parsed.error, line: parsed.line};
  }
  const {src} = parsed;
  const root = src.doc.contents as Node | null;
  if (!isMap(root)) return {path, status: 'not-a-pod', error: 'the top level is not a mapping', line: lineOf(src, root)};
  const kindPair = child(root, 'kind');
  const apiVersion = scalar(child(root, 'apiVersion'));
  const kind = scalar(kindPair);
  if (apiVersion !== 'v1' || kind !== 'Pod') {
    const what = `apiVersion ${String(apiVersion ?? '(none)')}, kind ${String(kind ?? '(none)')}`;
    return {path, status: 'not-a-pod', error: `${what}: a static pod manifest must be apiVersion v1, kind Pod`, line: lineOf(src, kindPair?.key ?? root)};
  }
  const meta = child(root, 'metadata');
  const metaMap = isMap(meta?.value) ? meta.value : null;
  const namePair = metaMap ? child(metaMap, 'name') : undefined;
  const name = scalar(namePair);
  if (typeof name !== 'string' || name === '') {
    return {path, status: 'not-a-pod', error: 'metadata.name is required', line: lineOf(src, meta?.key ?? root)};
  }
  const spec = child(root, 'spec');
  const containers = isMap(spec?.value) ? child(spec.value, 'containers') : undefined;
  if (!isSeq(containers?.value) || containers.value.items.length === 0) {
    return {
      path,
      status: 'not-a-pod',
      name,
      error: 'spec.containers must list at least one container',
      line: lineOf(src, containers?.key ?? spec?.key ?? root),
    };
  }
  const ns = metaMap ? scalar(child(metaMap, 'namespace')) : undefined;
  const line = lineOf(src, namePair?.key);
  return {path, status: 'ok', name, ...(typeof ns === 'string' ? {namespace: ns} : {}), line, text: lineText(src, line)};
}

/**
 * The static pod facts for the effective staticPodPath: whether it exists, and each manifest
 * parsed with its error and line. Not collected when the effective config is not.
 */
export function buildStaticPods(raw: RawSnapshot, cfg: Collected<KubeletConfigFacts>): Collected<StaticPodsFacts> {
  if (!cfg.collected) return notCollected(cfg.reason);
  const v = cfg.value.effective['staticPodPath'];
  const value = typeof v?.value === 'string' ? v.value : '';
  const path: Sourced<string> = {value, source: v?.source ?? {command: 'kubelet default'}, text: v?.text ?? 'staticPodPath: ""'};
  const base = {path, manifests: [] as StaticPodManifest[], ignored: [] as string[]};
  if (value === '') return collected({...base, kind: 'disabled'});
  const dir = raw.dirs[value];
  if (dir?.status === 'ok') {
    const manifests: StaticPodManifest[] = [];
    const ignored: string[] = [];
    for (const e of [...dir.entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = `${value.replace(/\/+$/, '')}/${e.name}`;
      // file.go: hidden files are ignored; subdirectories are not recursed into.
      if (e.name.startsWith('.') || e.type === 'dir') ignored.push(p);
      else if (e.type === 'file' || e.type === 'link') manifests.push(parseManifest(raw, p));
    }
    return collected({path, kind: 'dir', manifests, ignored});
  }
  const file = raw.files[value];
  if (file?.status === 'ok') return collected({...base, kind: 'file', manifests: [parseManifest(raw, value)]});
  if (dir?.status === 'missing' || file?.status === 'missing') return collected({...base, kind: 'missing'});
  if (dir || file) return collected({...base, kind: 'unreadable'});
  return collected({...base, kind: 'not-collected'});
}
