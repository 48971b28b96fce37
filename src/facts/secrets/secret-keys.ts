/**
 * The ONE list of secret-bearing keys and key armours. Data: the probe's awk pass on the node
 * (src/probe/script-read.ts) and the client-side pass (src/facts/redact.ts) are both generated
 * from it, so a name added here is blanked in both places.
 *
 * A key name is compared normalised: lower case, with `-`, `_` and `.` removed, so
 * `client-key-data`, `aws_secret_access_key`, `aadClientSecret`, `X_TOKEN` and `tls.key` are
 * each one spelling. It is secret when the normalised name is in {@link SECRET_NAMES}, or ends
 * with one of {@link SECRET_SUFFIXES} (so `refresh-token`, `bootstrap_token`, `DB_PASSWORD`,
 * `application-credential-secret` are covered without being listed). Names that only point at a
 * secret (`tokenFile`, `client-key`, `passwordFile`) are paths, not secrets, and stay readable.
 *
 * Sources:
 * - kubeconfig: k8s.io/client-go/tools/clientcmd/api/v1/types.go (AuthInfo: client-key-data,
 *   token, password, username; AuthProviderConfig: config map with client-secret, id-token,
 *   refresh-token, access-token for the oidc/gcp/azure providers,
 *   k8s.io/client-go/plugin/pkg/client/auth/oidc/oidc.go).
 * - containerd: docs/cri/registry.md and pkg/cri/config/config.go (AuthConfig: username,
 *   password, auth, identitytoken) under `[plugins."io.containerd.grpc.v1.cri".registry.configs."HOST".auth]`.
 * - CRI-O / podman: containers-auth.json(5) (`auths` → `auth`, `identitytoken`).
 * - docker: docker/cli cli/config/types/authconfig.go (auth, password, identitytoken,
 *   registrytoken) and configfile (`auths` in ~/.docker/config.json; `.dockerconfigjson` and
 *   `.dockercfg` in Kubernetes Secrets).
 * - Azure cloud provider: kubernetes-sigs/cloud-provider-azure pkg/provider/config (azure.json:
 *   aadClientSecret, aadClientCertPassword).
 * - AWS: the AWS CLI credentials file (aws_secret_access_key, aws_session_token);
 *   `secret-access-key` in kOps/ECR credential-provider configs.
 * - GCP: service-account JSON keys (private_key; private_key_id is an identifier, not a secret).
 * - OpenStack/vSphere cloud.conf (password, application-credential-secret).
 * - kubeadm: bootstrap tokens `[a-z0-9]{6}.[a-z0-9]{16}` (k8s.io/cluster-bootstrap/token/api,
 *   BootstrapTokenPattern), `certificateKey` (kubeadm InitConfiguration/JoinConfiguration).
 * - Key armours: RFC 7468 (PEM: PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA/EC/DSA PRIVATE KEY),
 *   OpenSSH PROTOCOL.key (OPENSSH PRIVATE KEY), RFC 4880 §6.2 (PGP PRIVATE KEY BLOCK),
 *   RFC 4716 (SSH2 ENCRYPTED PRIVATE KEY), PuTTY's sshpubk.c (PuTTY-User-Key-File-N, Private-Lines, Private-MAC).
 */

/** Normalised names (lower case, no `-`, `_`, `.`) whose value is a secret. */
export const SECRET_NAMES = [
  // kubeconfig users and auth providers
  'clientkeydata',
  'token',
  'password',
  'idtoken',
  'refreshtoken',
  'accesstoken',
  'clientsecret',
  // registry credentials (containerd, CRI-O, docker, Kubernetes pull secrets)
  'auth',
  'identitytoken',
  'registrytoken',
  'dockerconfigjson',
  'dockercfg',
  // cloud provider configs
  'aadclientsecret',
  'aadclientcertpassword',
  'secretaccesskey',
  'awssecretaccesskey',
  'awssessiontoken',
  'apikey',
  'privatekey',
  'secretkey',
  // kubeadm
  'certificatekey',
  // TLS material in Secrets and manifests (tls.key, ssh-privatekey)
  'tlskey',
  'sshprivatekey',
] as const;

/** Normalised name endings that make any key secret (`DB_PASSWORD`, `x-auth-token`, `aadClientSecret`). */
export const SECRET_SUFFIXES = ['password', 'passwd', 'secret', 'token', 'apikey', 'privatekey', 'secretkey', 'secretaccesskey', 'credentials'] as const;

/**
 * Every secret name holds one of these (case-insensitive): the probe tests a line for them with
 * one literal regex before it looks for keys at all, which keeps the common line cheap.
 */
export const SECRET_STEMS = ['pass', 'secret', 'token', 'auth', 'key', 'cred', 'dockercfg', 'dockerconfigjson'] as const;
for (const n of [...SECRET_NAMES, ...SECRET_SUFFIXES]) {
  if (!SECRET_STEMS.some((s) => n.includes(s))) throw new Error(`secret-keys: ${n} holds none of SECRET_STEMS; add a stem`);
}

/** Normalise a key name for comparison. */
export function normaliseKey(name: string): string {
  return name.toLowerCase().replace(/[-_.]/g, '');
}

/** Whether the value of this key (any spelling) is a secret. */
export function isSecretKey(name: string): boolean {
  const n = normaliseKey(name);
  return n !== '' && ((SECRET_NAMES as readonly string[]).includes(n) || SECRET_SUFFIXES.some((s) => n.endsWith(s)));
}

/**
 * The same test as one anchored ERE over a normalised name, for the awk pass:
 * `^(name|name|...|.*(suffix|...))$`. POSIX ERE (no intervals, no classes beyond [a-z0-9]).
 */
export const SECRET_KEY_ERE = `^(${SECRET_NAMES.join('|')}|.*(${SECRET_SUFFIXES.join('|')}))$`;

/** Text armours that start a private key block (one line). Compared on the text as-is. */
export const KEY_ARMOURS = [
  'PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
  'DSA PRIVATE KEY',
  'OPENSSH PRIVATE KEY',
  'PGP PRIVATE KEY BLOCK',
  'SSH2 ENCRYPTED PRIVATE KEY',
] as const;

/**
 * Strings that betray key material inside base64 text, whatever the key name: base64 is
 * aligned to 3 bytes, so a string can show up in three encodings; each is trimmed to the
 * characters its own bytes fully decide.
 */
export const B64_MARKERS = ['PRIVATE KEY', 'PuTTY-User-Key-File', 'Private-Lines:'] as const;

/** The three base64 spellings of `s` (at byte offsets 0, 1, 2 of a base64 run). */
export function base64Spellings(s: string): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift, 0), Buffer.from(s, 'latin1')]).toString('base64');
    // Characters 0..lead-1 mix in the unknown bytes before `s`; the tail mixes in the bytes after it.
    const lead = shift === 0 ? 0 : 4;
    const fullBytes = shift + s.length;
    const tail = Math.floor(fullBytes / 3) * 4;
    out.push(b64.slice(lead, tail));
  }
  return out;
}

/** Base64 that starts a secret document at offset 0: a PEM header (`-----BEGIN`) is checked by its markers; `{"auths":` is a docker config. */
export const B64_PREFIXES = [Buffer.from('{"auths":').toString('base64').slice(0, 12)] as const;

/** One ERE alternation of every base64 marker spelling (for awk and for JS). */
export const B64_MARKER_ERE = [...B64_MARKERS.flatMap((m) => base64Spellings(m)), ...B64_PREFIXES].map((s) => s.replace(/[+/]/g, (c) => `[${c}]`)).join('|');
