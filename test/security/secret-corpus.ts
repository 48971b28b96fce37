/**
 * The secret corpus: every form of secret a node's files can hold, laid out in a lab node tree
 * at the paths the probe reads. Keys are GENERATED at test time (node:crypto; the armours node
 * cannot make, OpenSSH, DSA, PGP, SSH2 and PuTTY, get random bodies), so no real private key or
 * token is ever committed. Each form knows its secret values, so a test can look for them in
 * every output, and which files must still parse after redaction.
 */
import {createHash, createPublicKey, generateKeyPairSync, randomBytes} from 'node:crypto';

/** A value that must never appear in any output; `b64` values are also checked by every 20-char window. */
export interface SecretValue {
  form: string;
  value: string;
  b64?: boolean;
}

/** How a redacted file must still parse. */
export type Syntax = 'yaml' | 'toml' | 'json';

export interface Corpus {
  /** Node path → content, written over the lab tree. */
  files: Record<string, string>;
  secrets: SecretValue[];
  /** Files that must still parse after redaction. */
  parse: Record<string, Syntax>;
  /** Key files whose public-key fingerprint the probe must still send (hex SHA-256 of the SPKI DER). */
  fingerprints: Record<string, string>;
  /** Text appended to the lab's own files: containerd registry auth (config.toml), env secrets (/etc/default/kubelet). */
  append: Record<string, string>;
}

const hex = (n: number): string => randomBytes(n).toString('hex');
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const wrap = (s: string, n = 64): string[] => s.match(new RegExp(`.{1,${n}}`, 'g')) ?? [];
const body = (pem: string): string =>
  pem
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('-----') && !l.includes(':'))
    .join('');
const spki = (pem: string): string =>
  createHash('sha256')
    .update(createPublicKey(pem).export({type: 'spki', format: 'der'}))
    .digest('hex');

/** A fake armour of a kind node:crypto cannot make: random bytes, never a key. */
function fakeArmour(label: string, dashes = '-----'): string {
  const sp = dashes.length === 4 ? ' ' : '';
  return `${dashes}${sp}BEGIN ${label}${sp}${dashes}\n${wrap(b64(randomBytes(600)), 70).join('\n')}\n${dashes}${sp}END ${label}${sp}${dashes}\n`;
}

/** A PuTTY key file (format 3) with random key lines. */
function puttyKey(): {text: string; priv: string} {
  const pub = wrap(b64(randomBytes(51)), 64);
  const priv = wrap(b64(randomBytes(300)), 64);
  const text = [
    'PuTTY-User-Key-File-3: ssh-ed25519',
    'Encryption: none',
    'Comment: corpus',
    `Public-Lines: ${pub.length}`,
    ...pub,
    `Private-Lines: ${priv.length}`,
    ...priv,
    `Private-MAC: ${hex(32)}`,
    '',
  ].join('\n');
  return {text, priv: priv.join('')};
}

/**
 * Build the corpus. `clientKeyPem` is the kubelet's client key of the lab tree: kubelet.conf
 * embeds it as a `client-key-data: |` block scalar, so the kubeconfig check still has a key that
 * matches the client certificate.
 */
export function makeCorpus(clientKeyPem: string, kubeletConf: string): Corpus {
  const secrets: SecretValue[] = [];
  const secret = (form: string, value: string, isB64 = false): string => {
    secrets.push({form, value, ...(isB64 ? {b64: true} : {})});
    return value;
  };
  const keyPem = (form: string, pem: string): string => {
    secret(form, body(pem), true);
    return pem;
  };

  const rsa = generateKeyPairSync('rsa', {modulusLength: 2048});
  const rsaPkcs1 = keyPem('RSA PRIVATE KEY (PKCS#1)', rsa.privateKey.export({type: 'pkcs1', format: 'pem'}).toString());
  const rsaLegacyEnc = keyPem(
    'RSA PRIVATE KEY with Proc-Type/DEK-Info',
    rsa.privateKey.export({type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: hex(8)}).toString(),
  );
  const ec = generateKeyPairSync('ec', {namedCurve: 'P-256'});
  const ecSec1 = keyPem('EC PRIVATE KEY (SEC1)', ec.privateKey.export({type: 'sec1', format: 'pem'}).toString());
  const ed = generateKeyPairSync('ed25519');
  const edPkcs8 = keyPem('PRIVATE KEY (PKCS#8)', ed.privateKey.export({type: 'pkcs8', format: 'pem'}).toString());
  const encPkcs8 = keyPem('ENCRYPTED PRIVATE KEY', ec.privateKey.export({type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: hex(8)}).toString());
  const gcpKey = keyPem('GCP private_key (JSON-escaped PKCS#8)', rsa.privateKey.export({type: 'pkcs8', format: 'pem'}).toString());
  const openssh = keyPem('OPENSSH PRIVATE KEY', fakeArmour('OPENSSH PRIVATE KEY'));
  const dsa = keyPem('DSA PRIVATE KEY', fakeArmour('DSA PRIVATE KEY'));
  const pgp = keyPem('PGP PRIVATE KEY BLOCK', fakeArmour('PGP PRIVATE KEY BLOCK'));
  const ssh2 = keyPem('SSH2 ENCRYPTED PRIVATE KEY', fakeArmour('SSH2 ENCRYPTED PRIVATE KEY', '----'));
  const putty = puttyKey();
  secret('PuTTY Private-Lines', putty.priv, true);

  // kubelet.conf: the kubelet's own key as a block scalar (the attack that leaked it whole).
  const clientB64 = secret('client-key-data block scalar', b64(clientKeyPem), true);
  secret('client-key-data block scalar (PEM body)', body(clientKeyPem), true);
  const kubelet = kubeletConf.replace(/^( *)client-key: .*$/m, (_, sp: string) =>
    [`${sp}client-key-data: |`, ...wrap(clientB64).map((l) => `${sp}  ${l}`)].join('\n'),
  );
  if (kubelet === kubeletConf) throw new Error('corpus: the lab kubelet.conf has no client-key line');

  const bootstrap = `${hex(3)}.${hex(8)}`;
  secret('kubeadm bootstrap token', bootstrap.split('.')[1]!);
  const users = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://10.0.0.10:6443"}
contexts:
- name: c
  context: {cluster: c, user: next-line}
current-context: c
users:
- name: next-line
  user:
    token:
      ${secret('token on the next line', `nl${hex(16)}`)}
- name: quoted
  user:
    username: admin
    password: "${secret('multi-word quoted password', `first ${hex(6)} third ${hex(6)}`)}"
- name: oidc
  user:
    auth-provider:
      name: oidc
      config:
        client-id: kubernetes
        client-secret: ${secret('client-secret', `cs${hex(12)}`)}
        id-token: ${secret('id-token', `eyJ${hex(20)}`)}
        refresh-token: '${secret('single-quoted refresh-token', `rt ${hex(10)} it''s`)}'
- name: flow
  user: {token: ${secret('token in a flow mapping', `fl${hex(12)}`)}, username: bob}
- name: folded
  user:
    token: >-
      ${secret('folded block scalar line 1', `fa${hex(12)}`)}
      ${secret('folded block scalar line 2', `fb${hex(12)}`)}
- name: kd-quoted
  user:
    client-key-data: "${secret('quoted client-key-data', b64(ecSec1), true)}"
- name: exec-env
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: vault-login
      env:
      - name: AWS_PROFILE
        value: prod-profile
      - name: VAULT_TOKEN
        value: ${secret('exec env value named by a secret name', `hvs.${hex(14)}`)}
      - {name: API_KEY, value: "${secret('flow env value named by a secret name', `ak${hex(12)}`)}"}
- name: indicators
  user:
    password: |2-
        ${secret('block scalar with indentation and chomping indicators', `ind${hex(12)}`)}
`;

  const containerdAuth = `
[plugins."io.containerd.grpc.v1.cri".registry.configs."registry.example:5000".auth]
  username = "puller"
  password = "${secret('containerd password (multi-word)', `pw ${hex(8)} more`)}"
  auth = "${secret('containerd auth', b64(`puller:${hex(10)}`))}"
  identitytoken = "${secret('containerd identitytoken', `it${hex(14)}`)}"
`;
  const containerdDropIn = `version = 2
[plugins."io.containerd.grpc.v1.cri".registry.configs."other.example".auth]
  username = "x"
  password = """
${secret('TOML multi-line password line 1', `ml${hex(10)}`)}
${secret('TOML multi-line password line 2', `mm${hex(10)}`)}"""
  identitytoken = '''${secret('TOML literal multi-line identitytoken', `lt${hex(10)}`)}'''
`;

  const azure = JSON.stringify(
    {
      cloud: 'AzurePublicCloud',
      tenantId: 'tenant',
      aadClientId: 'client',
      aadClientSecret: secret('Azure aadClientSecret', `az${hex(14)}`),
      aadClientCertPassword: secret('Azure aadClientCertPassword', `azc${hex(10)}`),
    },
    null,
    2,
  );
  const gcp = JSON.stringify(
    {
      type: 'service_account',
      project_id: 'p',
      private_key_id: hex(20),
      private_key: gcpKey,
      client_email: 'sa@p.iam.gserviceaccount.com',
      apiKey: secret('JSON apiKey', `AIza${hex(16)}`),
    },
    null,
    2,
  );
  const dockerAuth = secret('docker config.json auth', b64(`user:${hex(10)}`));
  const docker = JSON.stringify({
    auths: {
      'registry.example': {
        auth: dockerAuth,
        identitytoken: secret('docker identitytoken', `dit${hex(12)}`),
        registrytoken: secret('docker registrytoken', `drt${hex(12)}`),
      },
    },
    credsStore: 'desktop',
  });
  const dockerJson = secret('.dockerconfigjson (base64 JSON)', b64(JSON.stringify({auths: {'r.example': {auth: b64(`u:${hex(8)}`)}}})), true);

  // A certificate bundle followed by a key, in base64: only the part after the certificate is secret.
  const cert = `-----BEGIN CERTIFICATE-----\nMIIB${hex(30)}\n-----END CERTIFICATE-----\n`;
  const bundle = b64(cert + encPkcs8);
  secret('base64 of a certificate bundle followed by a key', bundle.slice(Math.ceil(cert.length / 3) * 4 + 4), true);
  const secretYaml = `apiVersion: v1
kind: Secret
metadata:
  name: corpus
type: Opaque
data:
  tls.key: ${secret('base64 PEM under tls.key', b64(rsaPkcs1), true)}
  other-name: |
${wrap(secret('base64 PEM wrapped in a block scalar under another name', b64(edPkcs8), true), 76)
  .map((l) => `    ${l}`)
  .join('\n')}
  ssh-identity: ${secret('base64 OpenSSH key under an unlisted name', b64(openssh), true)}
  blob: ${bundle}
  .dockerconfigjson: ${dockerJson}
stringData:
  key.pem: |
${edPkcs8
  .trimEnd()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
  gcp.json: '{"type": "service_account", "private_key": ${JSON.stringify(gcpKey)}}'
  certificateKey: ${secret('kubeadm certificateKey', hex(32))}
  join: kubeadm join 10.0.0.10:6443 --token ${bootstrap} --discovery-token-ca-cert-hash sha256:${hex(32)}
`;

  const aws = `[default]
aws_access_key_id = AKIA${hex(8).toUpperCase()}
aws_secret_access_key = ${secret('AWS aws_secret_access_key (INI)', `${hex(20)}`)}
aws_session_token = ${secret('AWS aws_session_token (INI)', `${hex(20)}`)}
`;
  const cloudConf = `[Global]
auth-url = https://keystone.example:5000/v3
username = k8s
password=${secret('OpenStack password (INI, no spaces)', `os${hex(10)}`)}
application-credential-secret = "${secret('OpenStack application-credential-secret', `ac${hex(12)}`)}"
`;
  const envExtra = `DB_PASSWORD=${secret('env PASSWORD (unquoted, two words)', `ep${hex(8)} ${hex(4)}`)}
export X_TOKEN='${secret('export X_TOKEN (single-quoted)', `xt${hex(12)}`)}'
AWS_SECRET_ACCESS_KEY="${secret('env AWS_SECRET_ACCESS_KEY (double-quoted)', `${hex(20)}`)}"
# credentials the node's providers read: /etc/kubernetes/azure.json /etc/kubernetes/gcp-sa.json /root/.docker/config.json
`;

  const files: Record<string, string> = {
    '/etc/kubernetes/kubelet.conf': kubelet,
    '/etc/kubernetes/corpus-users.conf': users,
    '/etc/kubernetes/corpus-secret.conf': secretYaml,
    '/etc/kubernetes/aws-credentials.conf': aws,
    '/etc/kubernetes/cloud.conf': cloudConf,
    '/etc/kubernetes/azure.json': azure,
    '/etc/kubernetes/gcp-sa.json': gcp,
    '/root/.docker/config.json': docker,
    '/etc/containerd/conf.d/registry.toml': containerdDropIn,
    '/var/lib/kubelet/pki/corpus-rsa.key': rsaPkcs1,
    '/var/lib/kubelet/pki/corpus-rsa-legacy.key': rsaLegacyEnc,
    '/var/lib/kubelet/pki/corpus-ec.key': ecSec1,
    '/var/lib/kubelet/pki/corpus-ed.pem': edPkcs8,
    '/var/lib/kubelet/pki/corpus-enc.key': encPkcs8,
    '/var/lib/kubelet/pki/corpus-openssh.key': openssh,
    '/var/lib/kubelet/pki/corpus-dsa.key': dsa,
    '/var/lib/kubelet/pki/corpus-pgp.key': pgp,
    '/var/lib/kubelet/pki/corpus-ssh2.key': ssh2,
    '/var/lib/kubelet/pki/corpus-putty.key': putty.text,
  };
  return {
    files,
    secrets,
    parse: {
      '/etc/kubernetes/kubelet.conf': 'yaml',
      '/etc/kubernetes/corpus-users.conf': 'yaml',
      '/etc/kubernetes/corpus-secret.conf': 'yaml',
      '/etc/kubernetes/azure.json': 'json',
      '/etc/kubernetes/gcp-sa.json': 'json',
      '/root/.docker/config.json': 'json',
      '/etc/containerd/conf.d/registry.toml': 'toml',
      '/etc/containerd/config.toml': 'toml',
    },
    fingerprints: {
      '/var/lib/kubelet/pki/corpus-rsa.key': spki(rsaPkcs1),
      '/var/lib/kubelet/pki/corpus-ec.key': spki(ecSec1),
      '/var/lib/kubelet/pki/corpus-ed.pem': spki(edPkcs8),
      '/etc/kubernetes/kubelet.conf#client-key-data': spki(clientKeyPem),
    },
    append: {'/etc/containerd/config.toml': containerdAuth, '/etc/default/kubelet': envExtra},
  };
}

/**
 * Where a secret leaked in `text`: the whole value, or (for base64 key material) any 20-character
 * window of it that is not also in `publicText` (the certificates). Checks every window through a
 * set of the text's base64 20-grams.
 */
export function leaks(text: string, secrets: readonly SecretValue[], publicText = ''): string[] {
  const gramsOf = (t: string): Set<string> => {
    const g = new Set<string>();
    for (const run of t.match(/[A-Za-z0-9+/=]{20,}/g) ?? []) for (let i = 0; i + 20 <= run.length; i++) g.add(run.slice(i, i + 20));
    return g;
  };
  const grams = gramsOf(text);
  // A private key holds its public key, which a certificate shows too: those windows are not secret.
  for (const g of gramsOf(publicText)) grams.delete(g);
  const out: string[] = [];
  for (const s of secrets) {
    const parts = s.value.split(' ').filter((p) => p.length >= 8);
    if (text.includes(s.value) || parts.some((p) => text.includes(p))) {
      out.push(`${s.form}: the value`);
      continue;
    }
    if (!s.b64) continue;
    for (let i = 0; i + 20 <= s.value.length; i++) {
      if (grams.has(s.value.slice(i, i + 20))) {
        out.push(`${s.form}: 20 characters at offset ${i}`);
        break;
      }
    }
  }
  return out;
}
