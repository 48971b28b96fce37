/**
 * Parsing of one kubeconfig file (YAML with line numbers) into {@link KubeconfigFile}, plus the
 * file-record reader the kubeconfig and certificate builders share. Pure: reads only the snapshot.
 */
import {posix} from 'node:path';
import {LineCounter, isMap, isScalar, isSeq, parseDocument} from 'yaml';
import type {FileRecord, RawSnapshot, Source, Sourced} from '../core.js';
import type {KubeconfigCluster, KubeconfigFile, KubeconfigProblem, KubeconfigRole, KubeconfigUser} from './kubeconfig.js';

/** How a file record reads: ok with its text, or a status and an operator-facing reason. */
export type ReadResult =
  | {status: 'ok'; content: string; record: FileRecord}
  | {status: 'missing' | 'not-collected' | 'unreadable' | 'binary'; error: string; record?: FileRecord};

/**
 * Read a file record the probe sent, turning every way it can be unusable into a status.
 * Shared by the kubeconfig and certificate builders so both word the same cases the same way.
 */
export function readRecord(raw: RawSnapshot, path: string): ReadResult {
  const record = raw.files[path];
  if (!record) return {status: 'not-collected', error: `${path}: not collected by the probe`};
  const target = record.realPath && record.realPath !== path ? ` (→ ${record.realPath})` : '';
  if (record.status === 'missing') return {status: 'missing', error: `${path}${target} does not exist`, record};
  if (record.status !== 'ok') return {status: 'unreadable', error: `${path}${target}: ${record.status}`, record};
  if (record.binary) return {status: 'binary', error: `${path} is binary (NUL bytes), not text`, record};
  if (record.content === undefined) return {status: 'unreadable', error: `${path}: no content was sent`, record};
  return {status: 'ok', content: record.content, record};
}

/** Resolve a path named inside a kubeconfig: relative paths are relative to the kubeconfig's directory (clientcmd). */
export function resolveAgainst(kubeconfigPath: string, p: string): string {
  return p.startsWith('/') ? posix.normalize(p) : posix.join(posix.dirname(kubeconfigPath), p);
}

/** Shorten long lines (base64 data) for evidence text. */
const clip = (s: string): string => (s.length > 72 ? `${s.slice(0, 60)}…` : s);

type Field = {node: unknown; source: Source; text: string};

/** A YAML reader bound to one file: field lookup with file:line and the literal line. */
function reader(path: string, content: string, lc: LineCounter) {
  const lines = content.split('\n');
  const at = (offset: number): {source: Source; text: string} => {
    const line = lc.linePos(offset).line;
    return {source: {file: path, line}, text: clip((lines[line - 1] ?? '').trim())};
  };
  const get = (map: unknown, key: string): Field | undefined => {
    if (!isMap(map)) return undefined;
    for (const pair of map.items) {
      if (isScalar(pair.key) && String(pair.key.value) === key) return {node: pair.value, ...at(pair.key.range?.[0] ?? 0)};
    }
    return undefined;
  };
  const str = (f: Field | undefined): Sourced<string> | null =>
    f && isScalar(f.node) && f.node.value !== null && f.node.value !== '' ? {value: String(f.node.value), source: f.source, text: f.text} : null;
  // clusters/contexts/users are lists of {name, <kind>: {...}}; a later duplicate wins (clientcmd builds a map).
  const named = (root: unknown, list: string, kind: string, name: string): Field | undefined => {
    const seq = get(root, list)?.node;
    let found: Field | undefined;
    if (isSeq(seq)) for (const item of seq.items) if (str(get(item, 'name'))?.value === name) found = get(item, kind);
    return found;
  };
  return {get, str, named, at};
}

/** Decode `*-data` base64 to PEM text, or say why it is not a PEM block. */
function decodeData(f: Sourced<string>): {pem: Sourced<string>} | {problem: string} {
  const text = Buffer.from(f.value, 'base64').toString('utf8');
  return text.includes('-----BEGIN ') ? {pem: {...f, value: text}} : {problem: 'does not decode to a PEM block'};
}

/**
 * Parse one kubeconfig file and resolve its current context, collecting every reason the kubelet
 * could not use it. Never throws: unreadable or malformed files become a status and a problem.
 */
export function parseFile(raw: RawSnapshot, role: KubeconfigRole, path: Sourced<string>, pathOrigin: KubeconfigFile['pathOrigin']): KubeconfigFile {
  const p = path.value;
  const out: KubeconfigFile = {role, path, pathOrigin, status: 'ok', currentContext: null, context: null, cluster: null, user: null, problems: []};
  const whole: Source = {file: p};
  const problem: Problem = (kind, message, source = whole, text = '') => void out.problems.push({kind, message, source, text});
  const read = readRecord(raw, p);
  if (read.status !== 'ok') {
    out.status = read.status;
    out.error = read.error;
    if (read.status === 'unreadable' || read.status === 'binary') problem('read', read.error);
    return out;
  }
  const lc = new LineCounter();
  // uniqueKeys off: the kubelet's YAML→JSON decoding does not reject duplicate keys [inf].
  const doc = parseDocument(read.content, {lineCounter: lc, uniqueKeys: false});
  const y = reader(p, read.content, lc);
  const err = doc.errors[0];
  const fail = (error: string, line?: number): KubeconfigFile => {
    Object.assign(out, {status: 'parse-error', error}, line === undefined ? {} : {line});
    problem('parse', error, line === undefined ? whole : {file: p, line}, line === undefined ? '' : clip((read.content.split('\n')[line - 1] ?? '').trim()));
    return out;
  };
  if (err) {
    const cut = read.record.truncated ? ' (the file was truncated at the probe size cap)' : '';
    return fail(`not valid YAML: ${err.message.split('\n')[0]}${cut}`, err.linePos?.[0].line ?? lc.linePos(err.pos[0]).line);
  }
  const root = doc.contents;
  if (!isMap(root))
    return fail(
      root === null ? 'the file is empty: "no configuration has been provided"' : 'not a kubeconfig: the top level is not a mapping',
      root ? 1 : undefined,
    );
  const kind = y.str(y.get(root, 'kind'));
  if (kind && kind.value !== 'Config') problem('parse', `kind is ${kind.value}, not Config: this is not a kubeconfig`, kind.source, kind.text);

  out.currentContext = y.str(y.get(root, 'current-context'));
  const cc = out.currentContext;
  if (!cc) {
    problem('context', 'no current-context: the kubelet has no cluster or credentials to use');
    return out;
  }
  const ctx = y.named(root, 'contexts', 'context', cc.value);
  if (!ctx) {
    problem('context', `current-context "${cc.value}" is not defined under contexts`, cc.source, cc.text);
    return out;
  }
  const clusterName = y.str(y.get(ctx.node, 'cluster'))?.value ?? '';
  const userName = y.str(y.get(ctx.node, 'user'))?.value ?? '';
  out.context = {name: cc.value, cluster: clusterName, user: userName, source: ctx.source, text: ctx.text};

  const cl = y.named(root, 'clusters', 'cluster', clusterName);
  if (!cl) problem('context', `context "${cc.value}" names cluster "${clusterName}", which is not defined under clusters`, ctx.source, ctx.text);
  else out.cluster = readCluster(raw, p, clusterName, cl, y, problem);
  const us = y.named(root, 'users', 'user', userName);
  if (!us) {
    if (userName) problem('context', `context "${cc.value}" names user "${userName}", which is not defined under users`, ctx.source, ctx.text);
    // R4: without credentials the kubelet talks to the API server as system:anonymous.
    else problem('credentials', `context "${cc.value}" names no user: the kubelet would act as system:anonymous`, ctx.source, ctx.text);
  } else out.user = readUser(raw, p, userName, us.node, y, problem);
  return out;
}

type Reader = ReturnType<typeof reader>;
type Problem = (kind: KubeconfigProblem['kind'], message: string, source?: Source, text?: string) => void;

/** A referenced file that is known to be missing or unreadable is a problem (clientcmd refuses the config). */
function checkRef(raw: RawSnapshot, f: Sourced<string>, what: string, problem: Problem): void {
  const r = readRecord(raw, f.value);
  if (r.status === 'missing' || r.status === 'unreadable') problem('reference', `${what} ${r.error}`, f.source, f.text);
}

function readCluster(raw: RawSnapshot, path: string, name: string, at: Field, y: Reader, problem: Problem): KubeconfigCluster {
  const node = at.node;
  const ca = y.str(y.get(node, 'certificate-authority'));
  const caData = y.str(y.get(node, 'certificate-authority-data'));
  const skip = y.get(node, 'insecure-skip-tls-verify');
  const cluster: KubeconfigCluster = {
    name,
    server: y.str(y.get(node, 'server')),
    certificateAuthority: ca && {...ca, value: resolveAgainst(path, ca.value)},
    certificateAuthorityData: null,
    insecureSkipTlsVerify: skip && isScalar(skip.node) ? {value: skip.node.value === true, source: skip.source, text: skip.text} : null,
  };
  if (!cluster.server) problem('server', `cluster "${name}" has no server URL`, at.source, at.text);
  if (cluster.certificateAuthority) checkRef(raw, cluster.certificateAuthority, 'certificate-authority', problem);
  if (caData) {
    const d = decodeData(caData);
    if ('pem' in d) cluster.certificateAuthorityData = d.pem;
    else problem('data', `certificate-authority-data ${d.problem}`, caData.source, caData.text);
  }
  return cluster;
}

function readUser(raw: RawSnapshot, path: string, name: string, node: unknown, y: Reader, problem: Problem): KubeconfigUser {
  const resolved = (key: string): Sourced<string> | null => {
    const f = y.str(y.get(node, key));
    return f && {...f, value: resolveAgainst(path, f.value)};
  };
  const keyData = y.get(node, 'client-key-data');
  const tok = y.get(node, 'token');
  const certData = y.str(y.get(node, 'client-certificate-data'));
  const user: KubeconfigUser = {
    name,
    clientCertificate: resolved('client-certificate'),
    clientCertificateData: null,
    clientKey: resolved('client-key'),
    clientKeyData: null,
    // Never echo a secret line, even if the probe's redaction missed a form of it.
    token: tok ? {source: tok.source, text: 'token: [redacted]'} : null,
    tokenFile: resolved('tokenFile'),
    exec: y.str(y.get(y.get(node, 'exec')?.node, 'command')),
    authProvider: y.str(y.get(y.get(node, 'auth-provider')?.node, 'name')),
  };
  if (keyData) {
    const origin = `${path}#client-key-data`;
    const rec = raw.files[path]?.keys?.find((k) => k.origin === origin);
    user.clientKeyData = {
      source: keyData.source,
      text: 'client-key-data: [redacted]',
      spkiSha256: rec?.spkiSha256 ?? null,
      ...(rec?.spkiSha256 ? {} : {reason: rec?.reason ?? `the probe sent no fingerprint for ${origin}`}),
    };
  }
  if (certData) {
    const d = decodeData(certData);
    if ('pem' in d) user.clientCertificateData = d.pem;
    else problem('data', `client-certificate-data ${d.problem}`, certData.source, certData.text);
  }
  if (user.clientCertificate) checkRef(raw, user.clientCertificate, 'client-certificate', problem);
  if (user.clientKey) checkRef(raw, user.clientKey, 'client-key', problem);
  if (user.tokenFile) checkRef(raw, user.tokenFile, 'tokenFile', problem);
  const hasCert = Boolean(user.clientCertificate || certData);
  const hasKey = Boolean(user.clientKey || keyData);
  const ref = y.get(node, hasCert ? 'client-certificate' : 'client-key') ?? y.get(node, 'client-certificate-data') ?? y.get(node, 'client-key-data');
  if (hasCert !== hasKey)
    problem('credentials', hasCert ? 'a client certificate without a client key' : 'a client key without a client certificate', ref?.source, ref?.text);
  if (!hasCert && !hasKey && !user.token && !user.tokenFile && !user.exec && !user.authProvider)
    problem('credentials', `user "${name}" has no credentials (no client certificate, token, exec or auth-provider)`, {file: path}, '');
  return user;
}
