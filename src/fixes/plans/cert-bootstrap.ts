/**
 * Re-bootstrapping a kubelet whose client certificate expired: read the operator's
 * `kubeadm join …` command (from `kubeadm token create --print-join-command`) and write the
 * bootstrap kubeconfig kubeadm would write. The token is a secret: the step carrying it is marked
 * sensitive, so diffs show it redacted and the audit log never sees file contents.
 */
import type {CertFacts} from '../../facts/pki/certs.js';
import {NOT_A_JOIN_COMMAND, parseJoinInput} from '../../cluster/join-command.js';

/** What a `kubeadm join` command line gives us. */
export interface JoinCommand {
  /** `HOST:PORT` of the API server endpoint. */
  endpoint: string;
  token: string;
  /** `sha256:<hex>` CA pins (there may be several). */
  caHashes: string[];
}

/**
 * Parse `kubeadm join HOST:PORT --token T --discovery-token-ca-cert-hash sha256:H`; a reason when it
 * is not one. A thin wrapper over the one join parser (src/cluster/join-command.ts).
 */
export function parseJoinCommand(cmd: string): JoinCommand | {reason: string} {
  const {input, tokenSecret} = parseJoinInput(cmd);
  if (input.problems.includes(NOT_A_JOIN_COMMAND)) return {reason: NOT_A_JOIN_COMMAND};
  if (input.endpoint === null) return {reason: 'the join command names no API server HOST:PORT'};
  if (!input.tokenFormatValid || tokenSecret === null) return {reason: 'the join command has no valid --token (abcdef.0123456789abcdef)'};
  return {endpoint: input.endpoint, token: `${input.tokenId}.${tokenSecret}`, caHashes: input.caHashes};
}

/** The cluster CA's pin, `sha256:<hex>` of its SPKI (what --discovery-token-ca-cert-hash names). */
export function caPins(certs: CertFacts): string[] {
  const cas = certs.entries.filter((e) => e.role === 'kubeconfig-ca' || e.role === 'client-ca').flatMap((e) => e.certs.filter((c) => c.isCA));
  return [...new Set(cas.map((c) => `sha256:${c.spkiSha256}`))];
}

/**
 * The bootstrap kubeconfig kubeadm writes during join (tls-bootstrap-token-user), pointing at
 * the node's cluster CA file and the API server.
 */
export function bootstrapKubeconfig(server: string, caFile: string, token: string): string {
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority: ${caFile}`,
    `    server: ${server}`,
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
    `    token: ${token}`,
    '',
  ].join('\n');
}
