/**
 * Certificates for lab nodes, made at generation time: a cluster CA, kubelet client certs signed
 * by it, the kubelet's self-signed serving pair, and serving certs for a stand-in API server.
 * Everything is ECDSA P-256 so a whole fleet is generated in well under a second.
 */
import 'reflect-metadata';
import {createHash, createPrivateKey, randomBytes, webcrypto} from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 takes the WebCrypto implementation from this provider; Node's is complete.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;

const DAY_MS = 24 * 60 * 60 * 1000;
const ECDSA_P256 = {name: 'ECDSA', namedCurve: 'P-256'} as const;
const ECDSA_SHA256 = {name: 'ECDSA', hash: 'SHA-256'} as const;

/** How a private key is written: SEC1 (`EC PRIVATE KEY`, what Go's keyutil writes) or PKCS#8. */
export type KeyFormat = 'sec1' | 'pkcs8';

/** A key pair as WebCrypto keys. */
export interface KeyPair {
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}

/** The cluster CA (`/etc/kubernetes/pki/ca.crt`): reused across a fleet so nodes share one cluster. */
export interface ClusterCa {
  cert: x509.X509Certificate;
  keys: KeyPair;
  /** The CA certificate, PEM. */
  certPem: string;
  /** The CA private key, PKCS#8 PEM (for a stand-in API server; never written to a worker). */
  keyPem: string;
  /** Lower-case hex SHA-256 of the CA's SubjectPublicKeyInfo DER (the kubeadm join CA hash). */
  spkiSha256: string;
}

/** A leaf certificate with its key, both PEM. */
export interface IssuedCert {
  certPem: string;
  keyPem: string;
  /** Lower-case hex SHA-256 of the SPKI DER of the certificate's public key. */
  spkiSha256: string;
  notBefore: Date;
  notAfter: Date;
}

/** Validity window of a certificate. */
export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** Generate a fresh ECDSA P-256 key pair. */
export async function generateKeyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as KeyPair;
}

/**
 * Write a private key as PEM. SEC1 is what the kubelet writes into its client pem and
 * `kubelet.key` (client-go keyutil.MarshalPrivateKeyToPEM); PKCS#8 suits Node's TLS servers.
 */
export async function privateKeyPem(key: CryptoKey, format: KeyFormat): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const pem = createPrivateKey({key: der, format: 'der', type: 'pkcs8'}).export({type: format, format: 'pem'});
  return pem.toString();
}

/** Hex SHA-256 of a public key's SubjectPublicKeyInfo DER: the fingerprint the probe reports. */
export async function spkiSha256(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('spki', key));
  return createHash('sha256').update(der).digest('hex');
}

/** A random positive 128-bit serial, as Go's x509 users (kubeadm, the CSR signer) pick them. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function pemOf(cert: x509.X509Certificate): string {
  return `${cert.toString('pem').replace(/\r\n/g, '\n')}\n`;
}

/**
 * Create the cluster CA the way kubeadm does (CN `kubernetes`, SAN DNS:kubernetes, CA key usages),
 * valid ten years from a year before `now`.
 */
export async function createClusterCa(now: Date): Promise<ClusterCa> {
  const notBefore = new Date(now.getTime() - 365 * DAY_MS);
  return selfSignedCa('kubernetes', {notBefore, notAfter: new Date(notBefore.getTime() + 3650 * DAY_MS)}, 'pkcs8');
}

/** What a leaf certificate is for. */
interface LeafSpec {
  subject: x509.JsonName;
  validity: Validity;
  /** `peer`: both server and client auth (etcd's server and peer certificates). */
  usage: 'client' | 'server' | 'peer';
  dnsNames?: string[];
  ips?: string[];
  keyFormat: KeyFormat;
}

async function issueLeaf(issuer: {name: string; keys: KeyPair; cert?: x509.X509Certificate}, spec: LeafSpec): Promise<IssuedCert> {
  const keys = await generateKeyPair();
  const sans = [...(spec.dnsNames ?? []).map((value) => ({type: 'dns' as const, value})), ...(spec.ips ?? []).map((value) => ({type: 'ip' as const, value}))];
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(
      spec.usage === 'peer'
        ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
        : [spec.usage === 'client' ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth],
      false,
    ),
    new x509.BasicConstraintsExtension(false, undefined, true),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: spec.subject,
    issuer: issuer.cert?.subject ?? issuer.name,
    notBefore: spec.validity.notBefore,
    notAfter: spec.validity.notAfter,
    signingAlgorithm: ECDSA_SHA256,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions,
  });
  return {
    certPem: pemOf(cert),
    keyPem: await privateKeyPem(keys.privateKey, spec.keyFormat),
    spkiSha256: await spkiSha256(keys.publicKey),
    notBefore: spec.validity.notBefore,
    notAfter: spec.validity.notAfter,
  };
}

/**
 * Issue the kubelet's client certificate as kube-controller-manager's CSR signer would:
 * O=system:nodes, CN=system:node:<node>, client auth, key written as SEC1 like the kubelet does.
 */
export async function issueKubeletClientCert(ca: ClusterCa, nodeName: string, validity: Validity): Promise<IssuedCert> {
  return issueLeaf(
    {name: ca.cert.subject, keys: ca.keys, cert: ca.cert},
    // Go encodes pkix.Name with O before CN; keep that order so `openssl x509 -subject` reads the same.
    {subject: [{O: ['system:nodes']}, {CN: [`system:node:${nodeName}`]}], validity, usage: 'client', keyFormat: 'sec1'},
  );
}

/**
 * Issue a serving certificate signed by the cluster CA, for a stand-in API server on loopback
 * (e2e tests): the node's kubelet.conf CA then verifies it like a real apiserver's.
 */
export async function issueServingCert(
  ca: ClusterCa,
  opts: {commonName: string; dnsNames?: string[]; ips?: string[]; validity: Validity},
): Promise<IssuedCert> {
  return issueLeaf(
    {name: ca.cert.subject, keys: ca.keys, cert: ca.cert},
    {
      subject: [{CN: [opts.commonName]}],
      validity: opts.validity,
      usage: 'server',
      dnsNames: opts.dnsNames,
      ips: opts.ips,
      keyFormat: 'pkcs8',
    },
  );
}

/** The kubelet's self-signed serving pair (`kubelet.crt` holds the leaf then its one-off CA). */
export interface KubeletServingPair {
  crtPem: string;
  keyPem: string;
  /** The unix timestamp in the `<host>-ca@<ts>` issuer name. */
  unixTs: number;
}

/**
 * Make `/var/lib/kubelet/pki/kubelet.crt` + `kubelet.key` as the kubelet does on first start
 * (client-go cert.GenerateSelfSignedCertKey, called from kubelet InitializeTLS): a one-off CA
 * `<host>-ca@<ts>` signs a leaf `<host>@<ts>`, both valid one year from an hour before `startedAt`.
 */
export async function createKubeletServingPair(hostname: string, startedAt: Date): Promise<KubeletServingPair> {
  const unixTs = Math.floor(startedAt.getTime() / 1000);
  const notBefore = new Date(startedAt.getTime() - 60 * 60 * 1000);
  const validity = {notBefore, notAfter: new Date(notBefore.getTime() + 365 * DAY_MS)};
  const caKeys = await generateKeyPair();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{CN: [`${hostname}-ca@${unixTs}`]}],
    ...validity,
    signingAlgorithm: ECDSA_SHA256,
    keys: caKeys,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign, true),
      new x509.BasicConstraintsExtension(true, undefined, true),
    ],
  });
  const leaf = await issueLeaf(
    {name: caCert.subject, keys: caKeys, cert: caCert},
    {subject: [{CN: [`${hostname}@${unixTs}`]}], validity, usage: 'server', dnsNames: [hostname], keyFormat: 'sec1'},
  );
  // client-go writes the leaf first, then the CA that signed it, into the one .crt file.
  return {crtPem: leaf.certPem + pemOf(caCert), keyPem: leaf.keyPem, unixTs};
}

/**
 * A kubeadm control-plane CA other than the cluster CA (`etcd-ca`, `front-proxy-ca`): self-signed,
 * the given common name, CA key usages; kubeadm makes them valid ten years.
 */
export async function createControlPlaneCa(commonName: string, validity: Validity): Promise<ClusterCa> {
  return selfSignedCa(commonName, validity, 'sec1');
}

/** A self-signed ECDSA CA as kubeadm makes them (keyCertSign, CA:true, its name as a DNS SAN); the key in `format`. */
async function selfSignedCa(commonName: string, validity: Validity, format: 'pkcs8' | 'sec1'): Promise<ClusterCa> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{CN: [commonName]}],
    ...validity,
    signingAlgorithm: ECDSA_SHA256,
    keys,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign, true),
      new x509.BasicConstraintsExtension(true, undefined, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      new x509.SubjectAlternativeNameExtension([{type: 'dns', value: commonName}]),
    ],
  });
  return {
    cert,
    keys,
    certPem: pemOf(cert),
    keyPem: await privateKeyPem(keys.privateKey, format),
    spkiSha256: await spkiSha256(keys.publicKey),
  };
}

/** What a kubeadm control-plane leaf certificate is (cmd/kubeadm/app/phases/certs/certlist.go, kubeconfig phase). */
export interface ControlPlaneCertSpec {
  commonName: string;
  organizations?: string[];
  usage: 'client' | 'server' | 'peer';
  dnsNames?: string[];
  ips?: string[];
  validity: Validity;
}

/** Issue a control-plane leaf (apiserver, etcd, front-proxy, a kubeconfig's client certificate) signed by `ca`; the key is SEC1, as kubeadm writes it. */
export async function issueControlPlaneCert(ca: ClusterCa, spec: ControlPlaneCertSpec): Promise<IssuedCert> {
  return issueLeaf(
    {name: ca.cert.subject, keys: ca.keys, cert: ca.cert},
    {
      // Go encodes pkix.Name with O before CN.
      subject: [...(spec.organizations ?? []).map((o) => ({O: [o]})), {CN: [spec.commonName]}],
      validity: spec.validity,
      usage: spec.usage,
      dnsNames: spec.dnsNames,
      ips: spec.ips,
      keyFormat: 'sec1',
    },
  );
}

/** A service-account signing key pair as kubeadm writes `sa.key` (private, PEM) and `sa.pub` (public, PEM). */
export async function createServiceAccountKeys(): Promise<{keyPem: string; pubPem: string}> {
  const keys = await generateKeyPair();
  const der = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return {keyPem: await privateKeyPem(keys.privateKey, 'sec1'), pubPem: `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`};
}
