/**
 * One KubeletConfiguration file (`--config` or a `--config-dir` drop-in) → its status, the
 * values it sets (each with file:line and literal text), its unknown fields and its type errors.
 * Mirrors the kubelet's decoder (pkg/kubelet/kubeletconfig/util/codec/codec.go): strict first,
 * then lenient, which silently drops unknown fields; a wrong value type is fatal either way.
 */
import {posix} from 'node:path';
import {isMap, isScalar} from 'yaml';
import type {Node, Pair, YAMLMap} from 'yaml';
import {CONFIG_FIELDS, KUBELET_CONFIG_API_VERSION, KUBELET_CONFIG_KIND} from '../../../checks/data/kubelet-config-fields.js';
import type {FieldSpec} from '../../../checks/data/kubelet-config-fields.js';
import type {ConfigFileInfo, KubeletConfigFacts, RawSnapshot, Source} from '../core.js';
import {convertNode, expectedFor, nearestField} from './kubelet-config-values.js';
import {fileText, keyName, lineOf, pairText, parseYaml} from './yaml-source.js';
import type {YamlSource} from './yaml-source.js';

/**
 * One value a file sets, keyed like {@link KubeletConfigFacts.effective}: dotted path for
 * leaves inside objects (`authentication.x509.clientCAFile`), the top-level name otherwise.
 * `value: null` in a drop-in deletes the key (JSON merge patch, RFC 7386).
 */
export interface ConfigLeaf {
  key: string;
  value: unknown;
  source: Source;
  text: string;
}

/** An unknown field entry (see {@link KubeletConfigFacts.unknownFields}). */
export type UnknownField = KubeletConfigFacts['unknownFields'][number];
/** A type error entry (see {@link KubeletConfigFacts.typeErrors}). */
export type ConfigTypeError = KubeletConfigFacts['typeErrors'][number];

/** Everything one configuration file contributes. */
export interface ParsedConfigFile {
  info: ConfigFileInfo;
  leaves: ConfigLeaf[];
  unknownFields: UnknownField[];
  typeErrors: ConfigTypeError[];
}

interface Walk {
  src: YamlSource;
  file: string;
  role: ConfigFileInfo['role'];
  minor: number | null;
  out: ParsedConfigFile;
}

const isNull = (n: Node | null): boolean => n === null || (isScalar(n) && n.value === null);

function resolvePath(file: string, spec: FieldSpec, value: unknown): unknown {
  // The kubelet resolves relative paths in the config file against the file's directory
  // (kubeletconfig/configfiles: resolveRelativePaths).
  if (!spec.path || typeof value !== 'string' || value === '' || value.startsWith('/')) return value;
  return posix.join(posix.dirname(file), value);
}

function walk(w: Walk, map: YAMLMap, specs: Readonly<Record<string, FieldSpec>>, prefix: string): void {
  for (const pair of map.items as Pair<Node | null, Node | null>[]) {
    const name = keyName(pair);
    const key = prefix === '' ? name : `${prefix}.${name}`;
    const source: Source = {file: w.file, line: lineOf(w.src, pair.key)};
    const text = pairText(w.src, pair);
    const spec = specs[name];
    if (!spec) {
      w.out.unknownFields.push({field: key, nearest: nearestField(key), source, text});
      continue;
    }
    if (prefix === '' && (name === 'apiVersion' || name === 'kind')) continue;
    if (spec.since !== undefined && w.minor !== null && w.minor < spec.since) {
      // Added in a later release: this kubelet's decoder does not know it (lenient: ignored).
      w.out.unknownFields.push({field: key, nearest: null, source, text});
      continue;
    }
    const node = pair.value;
    if (node === null || isNull(node)) {
      // Merge patch: null deletes the key in a drop-in; in the main file it means "unset".
      if (w.role === 'dropin' && spec.type !== 'object') w.out.leaves.push({key, value: null, source, text});
      continue;
    }
    if (spec.type === 'object' && spec.children) {
      if (isMap(node)) walk(w, node, spec.children, key);
      else w.out.typeErrors.push({field: key, expected: expectedFor('object'), source, text});
      continue;
    }
    const conv = convertNode(spec, node);
    if (conv.ok) w.out.leaves.push({key, value: resolvePath(w.file, spec, conv.value), source, text});
    else w.out.typeErrors.push({field: key, expected: conv.expected, source, text});
  }
}

function scalarAt(map: YAMLMap, name: string): unknown {
  const pair = (map.items as Pair<Node | null, Node | null>[]).find((p) => keyName(p) === name);
  if (!pair) return undefined;
  return isScalar(pair.value) ? pair.value.value : pair.value;
}

function kindError(role: ConfigFileInfo['role'], apiVersion: unknown, kind: unknown): string | null {
  if (apiVersion === KUBELET_CONFIG_API_VERSION && kind === KUBELET_CONFIG_KIND) return null;
  if (apiVersion === undefined || kind === undefined || apiVersion === null || kind === null) {
    // server.go: "failed to load kubelet dropin file, path: %s, no apiVersion/kind";
    // the main file fails decoding with "Object 'Kind' is missing".
    return role === 'dropin'
      ? 'no apiVersion/kind: every drop-in must carry apiVersion: kubelet.config.k8s.io/v1beta1 and kind: KubeletConfiguration'
      : `missing ${apiVersion == null ? 'apiVersion' : 'kind'}: the file must start with apiVersion: ${KUBELET_CONFIG_API_VERSION} and kind: ${KUBELET_CONFIG_KIND}`;
  }
  if (kind === 'Config') {
    // kubernetes#121467: `--config` pointing at a kubeconfig.
    return `no kind "Config" is registered for version "${String(apiVersion)}": this is a kubeconfig, not a KubeletConfiguration`;
  }
  return `unknown apiVersion/kind ${String(apiVersion)}/${String(kind)}: expected ${KUBELET_CONFIG_API_VERSION}/${KUBELET_CONFIG_KIND}`;
}

/**
 * Read and decode one configuration file the way the kubelet does. Never throws: a missing,
 * unreadable, binary, truncated, unparsable or wrongly-typed file becomes a status with an error
 * and the line it is on; unknown fields and wrong value types are listed with file:line.
 */
export function parseKubeletConfigFile(raw: RawSnapshot, path: string, role: ConfigFileInfo['role'], minor: number | null): ParsedConfigFile {
  const out: ParsedConfigFile = {info: {path, role, status: 'ok'}, leaves: [], unknownFields: [], typeErrors: []};
  const ft = fileText(raw, path);
  if (!ft.ok) {
    out.info = {path, role, status: ft.status, error: ft.error};
    return out;
  }
  const parsed = parseYaml(ft.text);
  if (!parsed.ok) {
    out.info = parsed.empty
      ? {path, role, status: 'wrong-kind', error: 'the file is empty: no apiVersion/kind', line: 1}
      : {path, role, status: 'parse-error', error: parsed.error, line: parsed.line};
    return out;
  }
  const {src} = parsed;
  const root = src.doc.contents as Node | null;
  if (!isMap(root)) {
    if (root === null) {
      out.info = {path, role, status: 'wrong-kind', error: 'the file holds no settings: no apiVersion/kind', line: 1};
    } else {
      out.info = {path, role, status: 'not-a-mapping', error: 'the top level is not a mapping of field: value', line: lineOf(src, root)};
    }
    return out;
  }
  const apiVersion = scalarAt(root, 'apiVersion');
  const kind = scalarAt(root, 'kind');
  const kindPair = (root.items as Pair<Node | null, Node | null>[]).find((p) => keyName(p) === 'kind');
  const err = kindError(role, apiVersion, kind);
  const info: ConfigFileInfo = {path, role, status: 'ok'};
  if (typeof apiVersion === 'string') info.apiVersion = apiVersion;
  if (typeof kind === 'string') info.kind = kind;
  if (err !== null) {
    out.info = {...info, status: 'wrong-kind', error: err, line: kindPair ? lineOf(src, kindPair.key) : 1};
    return out;
  }
  out.info = info;
  walk({src, file: path, role, minor, out}, root, CONFIG_FIELDS, '');
  return out;
}
