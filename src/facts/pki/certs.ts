/**
 * Every certificate the kubelet uses, with its role, validity, key match and (for the client
 * certificate) whether the kubeconfig's CA signed it. Pure: certificates are parsed from the
 * snapshot's text; nothing here keeps a live X509Certificate, so the facts stay serialisable.
 */
import {posix} from 'node:path';
import type {X509Certificate} from 'node:crypto';
import {collected, effectiveFlag} from '../core.js';
import type {Collected, KubeletArgv, KubeletConfigFacts, RawSnapshot, Source, Sourced} from '../core.js';
import type {KubeconfigFacts, KubeconfigFile} from '../kubeconfig/kubeconfig.js';
import {readRecord} from '../kubeconfig/kubeconfig-parse.js';
import {leafOf, parsePem} from './cert-pem.js';
import type {CertInfo, PemError, PemParse} from './cert-pem.js';
import {keysInFile, matchKey} from './cert-keys.js';
import type {KeyLookup, KeyMatch} from './cert-keys.js';

export type {CertInfo, PemError} from './cert-pem.js';
export type {KeyMatch} from './cert-keys.js';

/** What the kubelet uses a certificate for. */
export type CertRole = 'kubelet-client' | 'kubelet-serving' | 'client-ca' | 'kubeconfig-ca' | 'bootstrap-ca';

/** Whether the client certificate was issued by the kubeconfig's CA. */
export interface ChainCheck {
  /** `not-issued`: no CA in the bundle is its issuer; `bad-signature`: the issuer name matches but the key does not. */
  status: 'verified' | 'not-issued' | 'bad-signature' | 'unknown';
  reason: string;
  /** The CA certificate it was checked against (the issuer when verified). */
  ca: {subject: string; source: Source; text: string} | null;
}

/** One place the kubelet reads certificates from (a file, or data embedded in a kubeconfig). */
export interface CertEntry {
  role: CertRole;
  /** What names it: a kubeconfig line, a config field or flag, or the kubelet's default rule. */
  ref: {source: Source; text: string};
  /** The file read, or null for data embedded in a kubeconfig. */
  path: string | null;
  /** Where a symlinked file points (kubelet-client-current.pem → kubelet-client-<date>.pem). */
  realPath?: string;
  /** `ok`: at least one certificate parsed (errors may still list bad blocks). */
  status: 'ok' | 'missing' | 'not-collected' | 'unreadable' | 'binary' | 'parse-error';
  errors: PemError[];
  certs: CertInfo[];
  /** For the client and serving certificates: does the configured key belong to the leaf? */
  key: KeyMatch | null;
  /** For the client certificate: does it chain to the kubeconfig CA? */
  chain: ChainCheck | null;
  /** For the serving certificate: how the kubelet gets it (server.go InitializeTLS). */
  serving?: 'tls-cert-file' | 'server-tls-bootstrap' | 'self-signed';
}

/** All certificates the kubelet uses, and the settings that decide whether they renew. */
export interface CertFacts {
  /** `--cert-dir`, default /var/lib/kubelet/pki. */
  certDir: Sourced<string>;
  entries: CertEntry[];
  /** Client certificate rotation (`rotateCertificates`; kubelet default false, kubeadm sets true). */
  rotateCertificates: Sourced<boolean>;
  /** Serving certificate from the API server (`serverTLSBootstrap`) instead of a self-signed one. */
  serverTLSBootstrap: Sourced<boolean>;
}

type Ref = {source: Source; text: string};
type Loaded = {entry: CertEntry; parsed: PemParse | null};

/** Read a certificate file into an entry. */
function fromFile(raw: RawSnapshot, role: CertRole, path: string, ref: Ref): Loaded {
  const read = readRecord(raw, path);
  const realPath = read.record?.realPath && read.record.realPath !== path ? {realPath: read.record.realPath} : {};
  const entry: CertEntry = {role, ref, path, ...realPath, status: 'ok', errors: [], certs: [], key: null, chain: null};
  if (read.status !== 'ok') {
    entry.status = read.status;
    entry.errors.push({message: read.error, source: {file: path}, text: ''});
    return {entry, parsed: null};
  }
  return withParsed(entry, parsePem(read.content, {kind: 'file', path}));
}

/** Turn data embedded in a kubeconfig (already base64-decoded) into an entry. */
function fromEmbedded(role: CertRole, pem: Sourced<string>): Loaded {
  const ref = {source: pem.source, text: pem.text};
  const entry: CertEntry = {role, ref, path: null, status: 'ok', errors: [], certs: [], key: null, chain: null};
  return withParsed(entry, parsePem(pem.value, {kind: 'embedded', ...ref}));
}

function withParsed(entry: CertEntry, parsed: PemParse): Loaded {
  entry.certs = parsed.certs.map((c) => c.info);
  entry.errors = parsed.errors;
  if (entry.certs.length === 0) entry.status = 'parse-error';
  return {entry, parsed};
}

/** The CA of a kubeconfig's current cluster, as an entry (file or embedded data). */
function caOf(raw: RawSnapshot, file: KubeconfigFile, role: CertRole): Loaded | null {
  const c = file.cluster;
  if (c?.certificateAuthorityData) return fromEmbedded(role, c.certificateAuthorityData);
  if (c?.certificateAuthority) return fromFile(raw, role, c.certificateAuthority.value, c.certificateAuthority);
  return null;
}

/** Verify the client leaf against every certificate of the CA bundle (checkIssued + signature). */
function chainOf(leaf: X509Certificate, ca: Loaded | null): ChainCheck {
  if (!ca?.parsed || ca.parsed.certs.length === 0) {
    const why = ca ? (ca.entry.errors[0]?.message ?? ca.entry.status) : 'the kubeconfig names no certificate-authority';
    return {status: 'unknown', reason: `no kubeconfig CA to check against: ${why}`, ca: null};
  }
  let named: CertInfo | null = null;
  for (const c of ca.parsed.certs) {
    if (!leaf.checkIssued(c.x509)) continue;
    named = c.info;
    let ok = false;
    try {
      ok = leaf.verify(c.x509.publicKey);
    } catch {
      ok = false;
    }
    if (ok) return {status: 'verified', reason: `signed by ${c.info.subject}`, ca: pick(c.info)};
  }
  const first = ca.parsed.certs[0]?.info ?? null;
  return named
    ? {status: 'bad-signature', reason: `issued in the name of ${named.subject}, but that CA's key did not sign it (the CA was re-created?)`, ca: pick(named)}
    : {status: 'not-issued', reason: `issuer ${leaf.issuer.split('\n').join(', ')} is not the kubeconfig CA ${first?.subject ?? ''}`, ca: first && pick(first)};
}

const pick = (c: CertInfo): ChainCheck['ca'] => ({subject: c.subject, source: c.source, text: c.text});

/** The client certificate from kubelet.conf's user, with its key and chain. */
function clientEntry(raw: RawSnapshot, file: KubeconfigFile, ca: Loaded | null): CertEntry | null {
  const u = file.user;
  if (!u) return null;
  const loaded = u.clientCertificateData
    ? fromEmbedded('kubelet-client', u.clientCertificateData)
    : u.clientCertificate
      ? fromFile(raw, 'kubelet-client', u.clientCertificate.value, u.clientCertificate)
      : null;
  if (!loaded) return null;
  const leaf = loaded.parsed ? leafOf(loaded.parsed.certs) : undefined;
  if (!leaf) return loaded.entry;
  let keyRef: Ref;
  let found: KeyLookup;
  if (u.clientKeyData) {
    keyRef = u.clientKeyData;
    const origin = `${file.path.value}#client-key-data`;
    found = u.clientKeyData.spkiSha256
      ? {origin, records: [{origin, spkiSha256: u.clientKeyData.spkiSha256}]}
      : {origin, none: 'unknown', reason: u.clientKeyData.reason ?? 'no fingerprint'};
  } else if (u.clientKey) {
    keyRef = u.clientKey;
    found = keysInFile(raw, u.clientKey.value);
  } else {
    keyRef = loaded.entry.ref;
    found = {origin: file.path.value, none: 'no-key', reason: `${file.path.value} names no client-key`};
  }
  loaded.entry.key = matchKey(leaf.info.spkiSha256, found, keyRef);
  loaded.entry.chain = chainOf(leaf.x509, ca);
  return loaded.entry;
}

/** A setting: the effective config value (dotted path, or walked from its top-level field), else the flag. */
function setting(
  cfg: Collected<KubeletConfigFacts>,
  argv: Collected<KubeletArgv>,
  dotted: string,
  flag: string,
): {value: unknown; source: Source; text: string} | null {
  if (cfg.collected) {
    const direct = cfg.value.effective[dotted];
    if (direct) return direct;
    const [top, ...rest] = dotted.split('.');
    const t = top === undefined ? undefined : cfg.value.effective[top];
    if (t) {
      let v: unknown = t.value;
      for (const k of rest) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
      if (v !== undefined) return {value: v, source: t.source, text: t.text};
    }
  }
  const occ = argv.collected ? effectiveFlag(argv.value, flag) : undefined;
  return occ ? {value: occ.value, source: occ.source, text: occ.text} : null;
}

const nonEmpty = (s: {value: unknown} | null): string | null => (s && typeof s.value === 'string' && s.value !== '' ? s.value : null);

/** A boolean setting with the kubelet default when unset (types.go: both default to false). */
function flagBool(cfg: Collected<KubeletConfigFacts>, argv: Collected<KubeletArgv>, field: string, flag: string): Sourced<boolean> {
  const s = setting(cfg, argv, field, flag);
  if (!s) return {value: false, source: {command: 'kubelet default'}, text: `${field}: false (default)`};
  return {value: s.value === true || s.value === 'true', source: s.source, text: s.text};
}

/** The serving certificate, in the kubelet's order: tlsCertFile, else TLS bootstrap, else self-signed. */
function servingEntry(
  raw: RawSnapshot,
  cfg: Collected<KubeletConfigFacts>,
  argv: Collected<KubeletArgv>,
  certDir: string,
  bootstrap: Sourced<boolean>,
): CertEntry {
  const certSet = setting(cfg, argv, 'tlsCertFile', 'tls-cert-file');
  const certPath = nonEmpty(certSet);
  let loaded: Loaded;
  let key: {path: string; ref: Ref};
  if (certSet && certPath) {
    loaded = fromFile(raw, 'kubelet-serving', posix.resolve('/', certPath), certSet);
    loaded.entry.serving = 'tls-cert-file';
    const keySet = setting(cfg, argv, 'tlsPrivateKeyFile', 'tls-private-key-file');
    const keyPath = nonEmpty(keySet);
    key = keySet && keyPath ? {path: posix.resolve('/', keyPath), ref: keySet} : {path: '', ref: certSet};
  } else if (bootstrap.value) {
    // kubelet.md §7: kubelet-server-current.pem holds the serving cert and its key (R11 when absent).
    const path = posix.join(certDir, 'kubelet-server-current.pem');
    loaded = fromFile(raw, 'kubelet-serving', path, {source: bootstrap.source, text: bootstrap.text});
    loaded.entry.serving = 'server-tls-bootstrap';
    key = {path, ref: loaded.entry.ref};
  } else {
    const path = posix.join(certDir, 'kubelet.crt');
    loaded = fromFile(raw, 'kubelet-serving', path, {source: {command: 'kubelet default: self-signed <cert-dir>/kubelet.crt'}, text: path});
    loaded.entry.serving = 'self-signed';
    key = {path: posix.join(certDir, 'kubelet.key'), ref: {source: {file: posix.join(certDir, 'kubelet.key')}, text: 'kubelet.key'}};
  }
  const leaf = loaded.parsed ? leafOf(loaded.parsed.certs) : undefined;
  if (leaf) {
    const found: KeyLookup = key.path ? keysInFile(raw, key.path) : {origin: '', none: 'no-key', reason: 'tlsCertFile is set without tlsPrivateKeyFile'};
    loaded.entry.key = matchKey(leaf.info.spkiSha256, found, key.ref);
  }
  return loaded.entry;
}

/** A kubeconfig the kubelet is actually told about (or assumed, when argv is unknown). */
const used = (f: KubeconfigFile): boolean => f.pathOrigin !== 'default' && f.status === 'ok';

/**
 * Collect every certificate the kubelet uses from the snapshot, the kubeconfig facts and the
 * effective configuration. Bad files become entries with errors; the builder never throws.
 */
export function buildCerts(
  raw: RawSnapshot,
  kubeconfig: Collected<KubeconfigFacts>,
  cfg: Collected<KubeletConfigFacts>,
  argv: Collected<KubeletArgv>,
): Collected<CertFacts> {
  const dirFlag = argv.collected ? effectiveFlag(argv.value, 'cert-dir') : undefined;
  const certDir: Sourced<string> = dirFlag
    ? {value: posix.resolve('/', dirFlag.value), source: dirFlag.source, text: dirFlag.text}
    : {value: '/var/lib/kubelet/pki', source: {command: 'kubelet default --cert-dir'}, text: '/var/lib/kubelet/pki'};
  const rotateCertificates = flagBool(cfg, argv, 'rotateCertificates', 'rotate-certificates');
  const serverTLSBootstrap = flagBool(cfg, argv, 'serverTLSBootstrap', 'rotate-server-certificates');
  const entries: CertEntry[] = [];
  if (kubeconfig.collected) {
    const {kubeconfig: kc, bootstrap: bs} = kubeconfig.value;
    if (used(kc)) {
      const ca = caOf(raw, kc, 'kubeconfig-ca');
      const client = clientEntry(raw, kc, ca);
      if (client) entries.push(client);
      if (ca) entries.push(ca.entry);
    }
    const bca = used(bs) ? caOf(raw, bs, 'bootstrap-ca') : null;
    if (bca) entries.push(bca.entry);
  }
  entries.push(servingEntry(raw, cfg, argv, certDir.value, serverTLSBootstrap));
  const clientCA = setting(cfg, argv, 'authentication.x509.clientCAFile', 'client-ca-file');
  const caPath = nonEmpty(clientCA);
  if (clientCA && caPath) entries.push(fromFile(raw, 'client-ca', posix.resolve('/', caPath), clientCA).entry);
  return collected({certDir, entries, rotateCertificates, serverTLSBootstrap});
}
