/**
 * Real certificates for tests, made at test time with @peculiar/x509 on Node's WebCrypto:
 * a CA, leaf certificates it signs (any validity window, CN and O), and the SPKI SHA-256 of
 * every key, which is what the probe sends in place of a private key.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {webcrypto} from 'node:crypto';
import {collected} from '../../src/facts/types.js';
import type {Collected, Facts, KubeletArgv, KubeletConfigFacts, RawSnapshot, Sourced} from '../../src/facts/types.js';
import {buildKubeconfig} from '../../src/facts/kubeconfig/kubeconfig.js';
import {buildCerts} from '../../src/facts/pki/certs.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

// P-256 keeps key generation fast; the builders treat EC and RSA keys the same way.
const ALG = {name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256'};
const DAY = 86_400_000;

/** A key pair and the fingerprint the probe would send for it. */
export interface TestKey {
  pair: webcrypto.CryptoKeyPair;
  /** Lower-case hex SHA-256 of the public key's SPKI DER. */
  spkiSha256: string;
}

/** A certificate made for a test. */
export interface TestCert {
  pem: string;
  key: TestKey;
  subject: string;
}

/** A CA that can sign leaf certificates. */
export interface TestCA extends TestCert {
  cert: x509.X509Certificate;
}

/** Options for a certificate's subject and validity. */
export interface CertOptions {
  cn: string;
  o?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Reuse a key (e.g. a re-issued CA with the same key); a fresh one otherwise. */
  key?: TestKey;
}

/** `n` days after `from` (negative: before). */
export const days = (from: Date, n: number): Date => new Date(from.getTime() + n * DAY);

/** Generate a key pair and its SPKI fingerprint. */
export async function makeKey(): Promise<TestKey> {
  const pair = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const spki = await webcrypto.subtle.exportKey('spki', pair.publicKey);
  const spkiSha256 = Buffer.from(await webcrypto.subtle.digest('SHA-256', spki)).toString('hex');
  return {pair, spkiSha256};
}

// Build the DN in the order openssl prints a kubelet client cert: O first, then CN.
const dn = (o: CertOptions): string => [...(o.o ?? []).map((v) => `O=${v}`), `CN=${o.cn}`].join(', ');

let serial = 1;
const nextSerial = (): string => (serial++).toString(16).padStart(4, '0');

/** A self-signed CA (kubeadm's is CN=kubernetes, valid 10 years). */
export async function makeCA(o: Partial<CertOptions> = {}): Promise<TestCA> {
  const key = o.key ?? (await makeKey());
  const notBefore = o.notBefore ?? new Date('2025-01-01T00:00:00Z');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: dn({cn: o.cn ?? 'kubernetes', ...(o.o ? {o: o.o} : {})}),
    notBefore,
    notAfter: o.notAfter ?? days(notBefore, 3650),
    keys: key.pair,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  // PEM files end with a newline (openssl, the kubelet and kubeadm all write one).
  return {cert, pem: `${cert.toString('pem').trimEnd()}\n`, key, subject: cert.subject};
}

/** A leaf certificate signed by `ca` (a kubelet client cert by default: O=system:nodes). */
export async function issue(ca: TestCA, o: CertOptions): Promise<TestCert> {
  const key = o.key ?? (await makeKey());
  const notBefore = o.notBefore ?? new Date('2026-01-01T00:00:00Z');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: dn(o),
    issuer: ca.cert.subject,
    notBefore,
    notAfter: o.notAfter ?? days(notBefore, 365),
    publicKey: key.pair.publicKey,
    signingKey: ca.key.pair.privateKey,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
  });
  return {pem: `${cert.toString('pem').trimEnd()}\n`, key, subject: cert.subject};
}

/** What the probe leaves of a private key block: every line replaced by a marker. */
export const REDACTED_KEY = `${['[private key redacted]', '[private key redacted]', '[private key redacted]'].join('\n')}\n`;

/** A kubelet-client-<date>.pem as the kubelet writes it (cert then key), after the probe's redaction. */
export const certAndKey = (c: TestCert): string => `${c.pem.trimEnd()}\n${REDACTED_KEY}`;

/** Base64 of a PEM, as kubeconfig `*-data` fields hold it. */
export const b64 = (pem: string): string => Buffer.from(pem).toString('base64');

// ---------------------------------------------------------------------------------------------
// Node fixtures for the TLS tests: kubeconfig text as the kubelet and kubeadm write it, and a
// hand-built kubelet argv (the argv builder is tested on its own).
// ---------------------------------------------------------------------------------------------

/** The kubeadm drop-in that carries --kubeconfig / --bootstrap-kubeconfig / --config (line 3). */
export const DROPIN = '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf';

/** One flag for {@link argvOf}: a value, or a value with the file:line that set it. */
export type FlagSpec = string | {value: string; file: string; line: number};

/** A KubeletArgv with the given flags, each sourced from the kubeadm drop-in unless told otherwise. */
export function argvOf(flags: Record<string, FlagSpec>): KubeletArgv {
  const args: Sourced<string>[] = [];
  const out: KubeletArgv = {
    executable: {value: '/usr/bin/kubelet', source: {file: DROPIN, line: 11}, text: 'ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS'},
    args,
    flags: {},
    positional: [],
  };
  Object.entries(flags).forEach(([name, spec], index) => {
    const {value, file, line} = typeof spec === 'string' ? {value: spec, file: DROPIN, line: 3} : spec;
    const text = `--${name}=${value}`;
    args.push({value: text, source: {file, line}, text});
    (out.flags[name] ??= []).push({name, value, source: {file, line}, text, index});
  });
  return out;
}

/** kubeadm's flags: 10-kubeadm.conf KUBELET_KUBECONFIG_ARGS + KUBELET_CONFIG_ARGS. */
export const KUBEADM_FLAGS = {
  'bootstrap-kubeconfig': '/etc/kubernetes/bootstrap-kubelet.conf',
  kubeconfig: '/etc/kubernetes/kubelet.conf',
  config: '/var/lib/kubelet/config.yaml',
};

/** What a kubeconfig user holds in {@link kubeletConf}. */
export interface ConfUser {
  /** `client-certificate:` / `client-key:` paths (line 19 / 20). */
  cert?: string;
  key?: string;
  /** `client-certificate-data:` PEM (line 19) and an embedded, redacted `client-key-data:` (line 20). */
  certData?: string;
  keyData?: boolean;
  token?: boolean;
}

/**
 * kubelet.conf as the kubelet writes it after TLS bootstrap (bootstrap.go: default-cluster,
 * default-context, default-auth). Line numbers: CA line 4, server 5, current-context 13, user keys 19-20.
 */
export function kubeletConf(o: {caData?: string; caFile?: string; server?: string; user?: ConfUser} = {}): string {
  const ca = o.caFile !== undefined ? `certificate-authority: ${o.caFile}` : `certificate-authority-data: ${b64(o.caData ?? '')}`;
  const u = o.user ?? {cert: '/var/lib/kubelet/pki/kubelet-client-current.pem', key: '/var/lib/kubelet/pki/kubelet-client-current.pem'};
  const userLines = [
    u.cert !== undefined ? `    client-certificate: ${u.cert}` : u.certData !== undefined ? `    client-certificate-data: ${b64(u.certData)}` : '',
    u.key !== undefined ? `    client-key: ${u.key}` : u.keyData ? '    client-key-data: [redacted]' : '',
    u.token ? '    token: [redacted]' : '',
  ].filter((l) => l !== '');
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    ${ca}`,
    `    server: ${o.server ?? 'https://127.0.0.1:6443'}`,
    '  name: default-cluster',
    'contexts:',
    '- context:',
    '    cluster: default-cluster',
    '    namespace: default',
    '    user: default-auth',
    '  name: default-context',
    'current-context: default-context',
    'kind: Config',
    'preferences: {}',
    'users:',
    '- name: default-auth',
    '  user:',
    ...userLines,
    '',
  ].join('\n');
}

/** bootstrap-kubelet.conf as `kubeadm join` writes it; the token line (18) is redacted by the probe. */
export function bootstrapConf(o: {caData: string; server?: string; token?: boolean}): string {
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(o.caData)}`,
    `    server: ${o.server ?? 'https://127.0.0.1:6443'}`,
    '  name: kubernetes',
    'contexts:',
    '- context:',
    '    cluster: kubernetes',
    '    user: tls-bootstrap-token-user',
    '  name: tls-bootstrap-token-user@kubernetes',
    'current-context: tls-bootstrap-token-user@kubernetes',
    'kind: Config',
    'preferences: {}',
    'users:',
    '- name: tls-bootstrap-token-user',
    '  user:',
    o.token === false ? '    {}' : '    token: [redacted]',
    '',
  ].join('\n');
}

/** The kubelet config file the effective values in {@link configOf} come from. */
export const CONFIG = '/var/lib/kubelet/config.yaml';

/** KubeletConfigFacts with the given effective values, each at a line of /var/lib/kubelet/config.yaml. */
export function configOf(values: Record<string, {value: unknown; line: number; text?: string}>): KubeletConfigFacts {
  const effective: KubeletConfigFacts['effective'] = {};
  for (const [field, v] of Object.entries(values)) {
    const leaf = field.slice(field.lastIndexOf('.') + 1);
    effective[field] = {
      value: v.value,
      origin: 'config-file',
      source: {file: CONFIG, line: v.line},
      text: v.text ?? `${leaf}: ${String(v.value)}`,
      overridden: [],
    };
  }
  return {
    configPath: {value: CONFIG, source: {file: DROPIN, line: 4}, text: `--config=${CONFIG}`},
    configDir: null,
    files: [{path: CONFIG, role: 'config', status: 'ok', apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration'}],
    effective,
    unknownFields: [],
    typeErrors: [],
    defaultsFor: 'v1.30.2',
  };
}

/** The kubeconfig and certificate facts the real builders make from `raw` (check tests start here). */
export function tlsFacts(
  raw: RawSnapshot,
  argv: Collected<KubeletArgv> = collected(argvOf(KUBEADM_FLAGS)),
  cfg?: Collected<KubeletConfigFacts>,
): Pick<Facts, 'argv' | 'kubeconfig' | 'certs'> {
  const config =
    cfg ??
    collected(configOf({'authentication.x509.clientCAFile': {value: '/etc/kubernetes/pki/ca.crt', line: 11}, rotateCertificates: {value: true, line: 30}}));
  const kubeconfig = buildKubeconfig(raw, argv);
  return {argv, kubeconfig, certs: buildCerts(raw, kubeconfig, config, argv)};
}
