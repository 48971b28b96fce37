/**
 * The kubeadm control-plane PKI, the way `kubeadm certs check-expiration` lists it: the leaf
 * certificates under /etc/kubernetes/pki (apiserver, etcd, front-proxy), the client
 * certificates embedded in admin.conf, super-admin.conf, controller-manager.conf and
 * scheduler.conf, and the three CAs. Pure: reads the snapshot only; residual time is the
 * check's (facts have no clock). Private keys are never read: whether a CA key exists comes
 * from the probe's directory listing, as kubeadm's "externally managed" does.
 */
import {posix} from 'node:path';
import type {X509Certificate} from 'node:crypto';
import {collected, notCollected} from '../core.js';
import type {Collected, RawSnapshot, Source, Sourced} from '../core.js';
import {parseFile, readRecord} from '../kubeconfig/kubeconfig-parse.js';
import {leafOf, parsePem} from './cert-pem.js';
import type {CertInfo, PemError, PemParse} from './cert-pem.js';

/** The three kubeadm CAs, by the names check-expiration prints. */
export type PkiCaName = 'ca' | 'etcd-ca' | 'front-proxy-ca';

/** One certificate of the control plane. */
export interface PkiCert {
  /** The name check-expiration prints: `apiserver`, `admin.conf`, `etcd-ca`, ... */
  name: string;
  kind: 'leaf' | 'ca';
  /** The file read: a .crt, or the kubeconfig holding `client-certificate-data`. */
  path: string;
  /** `ok`: a certificate parsed (errors may still list bad blocks). */
  status: 'ok' | 'missing' | 'not-collected' | 'unreadable' | 'binary' | 'parse-error';
  /** The leaf (or the CA itself), with notBefore/notAfter and its file:line. */
  cert: CertInfo | null;
  errors: PemError[];
  /** The CA that should have signed it (check-expiration's CERTIFICATE AUTHORITY); null for a CA. */
  ca: PkiCaName | null;
  /** Whether that CA signed it: `unknown` when the CA could not be read. */
  issued: {status: 'verified' | 'not-issued' | 'bad-signature' | 'unknown'; reason: string} | null;
  /**
   * check-expiration's EXTERNALLY MANAGED: the CA's key is not on the node (its .crt is there,
   * its .key is not, per the directory listing). For a leaf, that of its CA. null: unknown.
   */
  externallyManaged: boolean | null;
  /** For a CA: the `<ca>.key` entry of the listing that says the key is there, or why not known. */
  caKey?: {present: boolean | null; path: string};
}

/** The control-plane view of a node. */
export interface ControlPlanePkiFacts {
  /** A kube-apiserver static pod manifest, or pki/apiserver.crt: this node runs a control plane. */
  controlPlane: boolean;
  /** What says so (the manifest or the certificate file); empty on a worker. */
  evidence: {source: Source; text: string}[];
  pkiDir: string;
  /** Leaves in check-expiration's order, then the CAs; certificates whose file is absent are kept with status `missing`. */
  certs: PkiCert[];
}

const ETC = '/etc/kubernetes';
const PKI = `${ETC}/pki`;
const MANIFESTS = `${ETC}/manifests`;

/** Where kubeadm keeps each certificate (kubeadm constants; cmd/kubeadm/app/phases/certs/renewal). */
const LEAVES: readonly {name: string; path: string; ca: PkiCaName; embedded?: true}[] = [
  {name: 'admin.conf', path: `${ETC}/admin.conf`, ca: 'ca', embedded: true},
  {name: 'apiserver', path: `${PKI}/apiserver.crt`, ca: 'ca'},
  {name: 'apiserver-etcd-client', path: `${PKI}/apiserver-etcd-client.crt`, ca: 'etcd-ca'},
  {name: 'apiserver-kubelet-client', path: `${PKI}/apiserver-kubelet-client.crt`, ca: 'ca'},
  {name: 'controller-manager.conf', path: `${ETC}/controller-manager.conf`, ca: 'ca', embedded: true},
  {name: 'etcd-healthcheck-client', path: `${PKI}/etcd/healthcheck-client.crt`, ca: 'etcd-ca'},
  {name: 'etcd-peer', path: `${PKI}/etcd/peer.crt`, ca: 'etcd-ca'},
  {name: 'etcd-server', path: `${PKI}/etcd/server.crt`, ca: 'etcd-ca'},
  {name: 'front-proxy-client', path: `${PKI}/front-proxy-client.crt`, ca: 'front-proxy-ca'},
  {name: 'scheduler.conf', path: `${ETC}/scheduler.conf`, ca: 'ca', embedded: true},
  {name: 'super-admin.conf', path: `${ETC}/super-admin.conf`, ca: 'ca', embedded: true},
];

const CAS: readonly {name: PkiCaName; path: string}[] = [
  {name: 'ca', path: `${PKI}/ca.crt`},
  {name: 'etcd-ca', path: `${PKI}/etcd/ca.crt`},
  {name: 'front-proxy-ca', path: `${PKI}/front-proxy-ca.crt`},
];

type Loaded = {entry: PkiCert; parsed: PemParse | null};

const base = (name: string, kind: PkiCert['kind'], path: string, ca: PkiCaName | null): PkiCert => ({
  name,
  kind,
  path,
  status: 'ok',
  cert: null,
  errors: [],
  ca,
  issued: null,
  externallyManaged: null,
});

function withParsed(entry: PkiCert, parsed: PemParse): Loaded {
  entry.errors = parsed.errors;
  const first = entry.kind === 'ca' ? parsed.certs[0] : leafOf(parsed.certs);
  entry.cert = first?.info ?? null;
  if (!first) entry.status = 'parse-error';
  return {entry, parsed};
}

/** The probe reads only the files its directory listing shows: a file not in the listing does not exist. */
const unlisted = (raw: RawSnapshot, path: string): boolean => !raw.files[path] && listing(raw, posix.dirname(path))?.has(posix.basename(path)) === false;

function missing(entry: PkiCert): Loaded {
  entry.status = 'missing';
  entry.errors.push({message: `${entry.path} does not exist`, source: {file: entry.path}, text: ''});
  return {entry, parsed: null};
}

/** A .crt file. */
function fromFile(raw: RawSnapshot, entry: PkiCert): Loaded {
  if (unlisted(raw, entry.path)) return missing(entry);
  const read = readRecord(raw, entry.path);
  if (read.status !== 'ok') {
    entry.status = read.status;
    entry.errors.push({message: read.error, source: {file: entry.path}, text: ''});
    return {entry, parsed: null};
  }
  return withParsed(entry, parsePem(read.content, {kind: 'file', path: entry.path}));
}

/** A kubeconfig's client certificate: `client-certificate-data`, or the file `client-certificate` names. */
function fromKubeconfig(raw: RawSnapshot, entry: PkiCert): Loaded {
  const path: Sourced<string> = {value: entry.path, source: {command: 'kubeadm layout'}, text: entry.path};
  if (unlisted(raw, entry.path)) return missing(entry);
  const file = parseFile(raw, 'kubeconfig', path, 'assumed');
  if (file.status !== 'ok') {
    entry.status = file.status;
    entry.errors.push({
      message: file.error ?? `${entry.path}: ${file.status}`,
      source: file.line ? {file: entry.path, line: file.line} : {file: entry.path},
      text: '',
    });
    return {entry, parsed: null};
  }
  const u = file.user;
  if (u?.clientCertificateData) {
    const d = u.clientCertificateData;
    return withParsed(entry, parsePem(d.value, {kind: 'embedded', source: d.source, text: d.text}));
  }
  if (u?.clientCertificate) return fromFile(raw, {...entry, path: u.clientCertificate.value});
  const problem = file.problems[0];
  entry.status = 'parse-error';
  entry.errors.push(
    problem
      ? {message: problem.message, source: problem.source, text: problem.text}
      : {message: `${entry.path} holds no client certificate`, source: {file: entry.path}, text: ''},
  );
  return {entry, parsed: null};
}

/** Whether `leaf` was signed by the CA certificate (issuer name, then signature). */
function issuedBy(leaf: X509Certificate, ca: Loaded | undefined): NonNullable<PkiCert['issued']> {
  const c = ca?.parsed?.certs[0];
  if (!ca || !c)
    return {status: 'unknown', reason: `the ${ca?.entry.name ?? 'CA'} certificate could not be read: ${ca?.entry.errors[0]?.message ?? 'not collected'}`};
  if (!leaf.checkIssued(c.x509)) {
    return {status: 'not-issued', reason: `issuer ${leaf.issuer.split('\n').join(', ')} is not the ${ca.entry.name} ${c.info.subject}`};
  }
  let ok = false;
  try {
    ok = leaf.verify(c.x509.publicKey);
  } catch {
    ok = false;
  }
  return ok
    ? {status: 'verified', reason: `signed by ${ca.entry.name} (${c.info.subject})`}
    : {status: 'bad-signature', reason: `issued in the name of ${c.info.subject}, but the ${ca.entry.name} key did not sign it (the CA was re-created?)`};
}

/** What the probe listed in a directory: the names in it (none when it does not exist), or null when not known. */
function listing(raw: RawSnapshot, dir: string): Set<string> | null {
  const d = raw.dirs[dir];
  if (!d || (d.status !== 'ok' && d.status !== 'missing')) return null;
  return new Set(d.entries.map((e) => e.name));
}

/** Is this a control-plane node, and what says so. */
function controlPlaneEvidence(raw: RawSnapshot): {source: Source; text: string}[] {
  const out: {source: Source; text: string}[] = [];
  const manifest = listing(raw, MANIFESTS)?.has('kube-apiserver.yaml');
  if (manifest) out.push({source: {file: `${MANIFESTS}/kube-apiserver.yaml`}, text: 'kube-apiserver static pod manifest'});
  const crt = `${PKI}/apiserver.crt`;
  if (listing(raw, PKI)?.has('apiserver.crt') || raw.files[crt]?.status === 'ok') out.push({source: {file: crt}, text: 'kube-apiserver serving certificate'});
  return out;
}

/**
 * Build the control-plane PKI view. A worker is collected with `controlPlane: false` and no
 * certificates; a control-plane node whose pki directory the probe did not list (a snapshot
 * from an older kubelet-doctor) is not collected. Never throws.
 */
export function buildControlPlanePki(raw: RawSnapshot): Collected<ControlPlanePkiFacts> {
  const evidence = controlPlaneEvidence(raw);
  if (evidence.length === 0) return collected({controlPlane: false, evidence, pkiDir: PKI, certs: []});
  const pki = listing(raw, PKI);
  const dir = raw.dirs[PKI];
  if (dir && !pki) return notCollected(`${PKI} could not be listed (${dir.status}): the control-plane certificates were not read`);
  if (!pki) return notCollected(`the probe did not list ${PKI} (a snapshot from an older kubelet-doctor?): the control-plane certificates were not read`);
  const etcd = listing(raw, `${PKI}/etcd`);
  const cas = new Map<PkiCaName, Loaded>();
  const caCerts: PkiCert[] = [];
  for (const c of CAS) {
    const loaded = fromFile(raw, base(c.name, 'ca', c.path, null));
    const dir = posix.dirname(c.path) === PKI ? pki : etcd;
    const keyName = posix.basename(c.path).replace(/\.crt$/, '.key');
    const present = dir ? dir.has(keyName) : null;
    loaded.entry.caKey = {present, path: c.path.replace(/\.crt$/, '.key')};
    // kubeadm UsingExternalCA: the CA certificate is there and its key is not.
    loaded.entry.externallyManaged = loaded.entry.status === 'missing' || present === null ? null : !present;
    cas.set(c.name, loaded);
    caCerts.push(loaded.entry);
  }
  const leaves = LEAVES.map((l) => {
    const entry = base(l.name, 'leaf', l.path, l.ca);
    const loaded = l.embedded ? fromKubeconfig(raw, entry) : fromFile(raw, entry);
    const ca = cas.get(l.ca);
    loaded.entry.externallyManaged = ca?.entry.externallyManaged ?? null;
    const leaf = loaded.parsed ? (leafOf(loaded.parsed.certs) ?? null) : null;
    if (leaf) loaded.entry.issued = issuedBy(leaf.x509, ca);
    return loaded.entry;
  });
  return collected({controlPlane: true, evidence, pkiDir: PKI, certs: [...leaves, ...caCerts]});
}
