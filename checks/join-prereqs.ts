/**
 * Will `kubeadm join` (the `--join-command` the operator gave) succeed on this node? What join
 * needs from the cluster, in its own order (kubelet.md §6): discovery reads `kube-public/cluster-info`
 * anonymously and checks the JWS signature for the token id and the CA pin; kubelet-start reads the
 * kubelet-config ConfigMap; TLS bootstrap authenticates with the bootstrap token and waits for its
 * CSR to be approved. A bootstrap token's secret is never shown: only its id.
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import {apiSource, type BootstrapTokenView, type ClusterFacts, type CsrView, type JoinInput} from '../src/facts/live/cluster.js';
import type {JoinEndpointFacts} from '../src/facts/live/live-join.js';
import type {Collected, Facts} from '../src/facts/types.js';

const HOUR = 3_600_000;
const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
const TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
const NEW_TOKEN = 'on a control-plane node, `kubeadm token create --print-join-command` prints a fresh join command';

const minutes = (ms: number): string => `${Math.max(1, Math.round(ms / 60_000))} min`;

/** The join command as evidence (the token secret is already masked in `text`). */
const joinEv = (j: JoinInput): Evidence => ({source: {command: '--join-command'}, text: j.text});

/** What is wrong with the join command itself. */
function commandVerdicts(j: JoinInput): Verdict[] {
  const out = j.problems.map((p) => fail(`the join command: ${p}`, [joinEv(j)]));
  const formatSaid = j.problems.some((p) => p.includes('[a-z0-9]{6}.[a-z0-9]{16}'));
  if (j.tokenId !== null && !j.tokenFormatValid && !formatSaid) {
    out.push(fail(`the join command: the token ${j.tokenId}.**************** is not of the form [a-z0-9]{6}.[a-z0-9]{16}`, [joinEv(j)]));
  }
  return out;
}

/** The bootstrap token Secret for the join command's token id. */
function tokenVerdicts(j: JoinInput, tokens: Collected<BootstrapTokenView[]>, now: Date, ok: string[]): Verdict[] {
  if (j.tokenId === null || !j.tokenFormatValid) return [];
  if (!tokens.collected) return [skip(`bootstrap tokens not fetched: ${tokens.reason}`)];
  const id = j.tokenId;
  const src = apiSource(`/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`);
  const t = tokens.value.find((x) => x.tokenId === id);
  if (!t) {
    return [
      fail(
        `no bootstrap token "${id}" in the cluster (no Secret kube-system/bootstrap-token-${id}): kubeadm join fails with "could not find a JWS signature in the cluster-info ConfigMap for token ID "${id}"". Expired tokens are deleted by the TokenCleaner (default TTL 24 h); ${NEW_TOKEN}`,
        [{source: src, text: '404 NotFound'}, joinEv(j)],
      ),
    ];
  }
  const ev: Evidence = {
    source: src,
    text: `token id ${id} expiration: ${t.expiration ?? '(never)'} usages: ${t.usages.join(',') || '(none)'} groups: ${t.groups.join(',') || '(none)'}`,
  };
  const out: Verdict[] = [];
  if (t.secretMatchesJoin === false) {
    out.push(
      fail(
        `the bootstrap token id "${id}" exists but its secret differs from the join command's: the API server refuses the token (Unauthorized); ${NEW_TOKEN}`,
        [ev, joinEv(j)],
      ),
    );
  }
  const exp = t.expiration === null ? null : Date.parse(t.expiration);
  if (exp !== null && Number.isFinite(exp) && exp <= now.getTime()) {
    out.push(
      fail(
        `the bootstrap token "${id}" expired at ${t.expiration}: the TokenCleaner deletes it and join fails with "could not find a JWS signature in the cluster-info ConfigMap for token ID "${id}""; ${NEW_TOKEN}`,
        [ev],
      ),
    );
  } else if (exp !== null && Number.isFinite(exp) && exp - now.getTime() <= HOUR) {
    out.push(
      warn(`the bootstrap token "${id}" expires in ${minutes(exp - now.getTime())} (${t.expiration}): join soon, or make a new one (${NEW_TOKEN})`, [ev]),
    );
  }
  const lacks = ['authentication', 'signing'].filter((u) => !t.usages.includes(u));
  if (lacks.length > 0) {
    const what = lacks
      .map((u) =>
        u === 'signing'
          ? 'signing (discovery: the BootstrapSigner signs cluster-info with it)'
          : 'authentication (TLS bootstrap: the kubelet authenticates with it)',
      )
      .join(' and ');
    out.push(fail(`the bootstrap token "${id}" lacks the usage ${what}: create one with the default usages (kubeadm token create)`, [ev]));
  }
  if (t.groups.length > 0 && !t.groups.includes(TOKEN_GROUP)) {
    out.push(
      warn(
        `the bootstrap token "${id}" is not in the group ${TOKEN_GROUP}: the kubeadm:node-autoapprove-bootstrap binding will not approve its CSR unless another binding covers its groups`,
        [ev],
      ),
    );
  }
  if (out.length === 0) ok.push(`token ${id} valid${t.expiration ? ` until ${t.expiration}` : ' (never expires)'}`);
  return out;
}

/** cluster-info: present, signed for the token id, and its CA pinned by the join command. */
function clusterInfoVerdicts(j: JoinInput, c: ClusterFacts, tokenMissing: boolean, ok: string[]): Verdict[] {
  if (!c.clusterInfo.collected) return [skip(`kube-public/cluster-info not fetched: ${c.clusterInfo.reason}`)];
  const src = apiSource('/api/v1/namespaces/kube-public/configmaps/cluster-info');
  const info = c.clusterInfo.value;
  if (!info) {
    return [
      fail(
        "kube-public/cluster-info does not exist: kubeadm join's discovery has nothing to read; on a control-plane node `kubeadm init phase bootstrap-token` recreates it",
        [{source: src, text: '404 NotFound'}],
      ),
    ];
  }
  if (info.error) return [fail(`kube-public/cluster-info holds no readable kubeconfig: ${info.error}`, [{source: src, text: info.error}])];
  const out: Verdict[] = [];
  const id = j.tokenId;
  if (id !== null && j.tokenFormatValid && !tokenMissing && !info.jwsTokenIds.includes(id)) {
    out.push(
      fail(
        `cluster-info has no jws-kubeconfig-${id} signature: kubeadm join fails with "could not find a JWS signature in the cluster-info ConfigMap for token ID "${id}"" (the BootstrapSigner in kube-controller-manager signs it: is kube-controller-manager running with --controllers including bootstrapsigner?)`,
        [{source: src, text: `signatures for token ids: ${info.jwsTokenIds.join(', ') || '(none)'}`}],
      ),
    );
  } else if (id !== null && info.jwsTokenIds.includes(id) && info.jwsValidForJoin === false) {
    out.push(
      fail(
        `cluster-info's signature for token id "${id}" does not verify with the join command's token: its secret half is wrong, and kubeadm join fails with "failed to verify JWS signature of received cluster info object, can't trust this API Server"; ${NEW_TOKEN}`,
        [{source: src, text: `jws-kubeconfig-${id}: signature does not match`}, joinEv(j)],
      ),
    );
  } else if (id !== null && info.jwsTokenIds.includes(id)) {
    ok.push(info.jwsValidForJoin === true ? `cluster-info signed for ${id} (signature verified with the token)` : `cluster-info signed for ${id}`);
  }
  const caEv = info.cas.map((ca): Evidence => ({source: src, text: `CA subject=${ca.subject} notAfter=${ca.notAfter} pin=${ca.pin}`}));
  if (j.unsafeSkipCaVerification) {
    out.push(
      warn(
        `--discovery-token-unsafe-skip-ca-verification: join trusts whatever answers at ${j.endpoint ?? 'the endpoint'}; pin the CA with --discovery-token-ca-cert-hash ${info.cas[0]?.pin ?? 'sha256:…'}`,
        [joinEv(j), ...caEv],
      ),
    );
  }
  if (j.caHashes.length > 0) {
    if (info.cas.length === 0) {
      out.push(fail("cluster-info's kubeconfig has no certificate-authority-data: join cannot check the CA pin", [{source: src, text: 'no CA'}]));
    } else {
      const pinned = info.cas.filter((ca) => j.caHashes.includes(ca.pin.toLowerCase()));
      if (pinned.length === 0) {
        const cas = info.cas.map((ca) => `"${ca.subject}" (--discovery-token-ca-cert-hash ${ca.pin})`).join(', ');
        const pins = info.cas.map((ca) => `"${ca.pin}"`).join(', ');
        out.push(
          fail(
            `none of the join command's --discovery-token-ca-cert-hash pins match the cluster CA ${cas}: kubeadm join fails with "couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys ${pins} are pinned"; use the pin shown (the CA was re-created, or the hash is from another cluster)`,
            [joinEv(j), ...caEv],
          ),
        );
      } else {
        ok.push(`CA pin matches "${pinned[0]!.subject}"`);
      }
    }
  }
  return out;
}

/** The kubelet-config ConfigMap that kubelet-start downloads. */
function kubeletConfigVerdict(c: ClusterFacts, ok: string[]): Verdict[] {
  if (!c.kubeletConfigMap.collected) return [skip(`the kubelet-config ConfigMap was not fetched: ${c.kubeletConfigMap.reason}`)];
  const cm = c.kubeletConfigMap.value;
  if (!cm) {
    return [
      fail(
        'no kubelet-config ConfigMap in kube-system: kubeadm join reads it at kubelet-start ("[kubelet-start] Downloading configuration for the kubelet from the "kubelet-config" ConfigMap") and fails; on a control-plane node `kubeadm init phase upload-config kubelet` uploads it',
        [{source: apiSource('/api/v1/namespaces/kube-system/configmaps/kubelet-config'), text: '404 NotFound'}],
      ),
    ];
  }
  ok.push(`ConfigMap ${cm.name} present`);
  return [];
}

/** This node's client certificate names `system:node:<name>`: it has joined already. */
function alreadyJoined(facts: Facts, name: string): Evidence | null {
  if (!facts.certs.collected) return null;
  const client = facts.certs.value.entries.find((e) => e.role === 'kubelet-client' && e.certs.length > 0);
  const leaf = client?.certs.find((x) => !x.isCA) ?? client?.certs[0];
  return leaf && leaf.commonName === `system:node:${name}` ? {source: leaf.source, text: `subject=${leaf.subject}`} : null;
}

/** A Node of this name already in the cluster. */
function existingNodeVerdict(facts: Facts, c: ClusterFacts, ok: string[]): Verdict[] {
  if (!c.node.collected) return [];
  const node = c.node.value;
  const src = apiSource(`/api/v1/nodes/${c.nodeName}`);
  if (!node) {
    ok.push(`no Node named ${c.nodeName} yet`);
    return [];
  }
  const ready = node.conditions.find((x) => x.type === 'Ready');
  const ev: Evidence = {source: src, text: `Node ${node.name} created ${node.creationTimestamp ?? '?'} Ready=${ready?.status ?? '(none)'}`};
  const mine = alreadyJoined(facts, c.nodeName);
  if (mine) {
    return [
      warn(
        `this node has already joined: a Node named ${c.nodeName} exists and the kubelet's client certificate is system:node:${c.nodeName}; kubeadm join would stop at preflight ([ERROR FileAvailable--etc-kubernetes-kubelet.conf]) unless you \`kubeadm reset\` first`,
        [ev, mine],
      ),
    ];
  }
  return [
    fail(
      `a Node named ${c.nodeName} already exists (Ready=${ready?.status ?? 'none'}): kubeadm join would clash with it (kubeadm refuses a Ready one: "a Node with name "${c.nodeName}" and status "Ready" already exists in the cluster"); delete it (\`kubectl delete node ${c.nodeName}\`) if it is a leftover, or give this node another name`,
      [ev],
    ),
  ];
}

/** CSRs of this node: a pending client CSR stalls TLS bootstrap; a denied one ends it. */
function csrVerdicts(c: ClusterFacts): Verdict[] {
  if (!c.csrs.collected) return [];
  const client = c.csrs.value.filter((r) => r.signerName === CLIENT_SIGNER);
  const csrEv = (r: CsrView): Evidence => ({
    source: apiSource(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${r.name}`),
    text: `${r.name} ${r.status} signer=${r.signerName} requestor=${r.username}${r.creationTimestamp ? ` created ${r.creationTimestamp}` : ''}${r.reason ? ` reason=${r.reason}` : ''}`,
  });
  const out: Verdict[] = [];
  for (const r of client.filter((x) => x.status === 'pending')) {
    // Submitted as system:node:<name>: a renewal by a joined kubelet (the rotation binding approves those).
    const rotation = r.username.startsWith('system:node:');
    out.push(
      fail(
        rotation
          ? `client certificate rotation waits for approval: CSR ${r.name} from ${r.username} is Pending; kubectl certificate approve ${r.name}; check the kubeadm:node-autoapprove-certificate-rotation binding and kube-controller-manager's csrapproving controller`
          : `TLS bootstrap waits for approval: CSR ${r.name} from ${r.username} is Pending; kubectl certificate approve ${r.name}; check the kubeadm:node-autoapprove-bootstrap binding and kube-controller-manager's csrapproving controller`,
        [csrEv(r)],
      ),
    );
  }
  // A denied or failed request matters only when nothing newer was approved.
  const latest = [...client].sort((a, b) => Date.parse(b.creationTimestamp ?? '') - Date.parse(a.creationTimestamp ?? '') || 0)[0];
  if (latest && (latest.status === 'denied' || latest.status === 'failed')) {
    out.push(
      fail(
        `the node's latest client CSR ${latest.name} was ${latest.status}${latest.reason ? ` (${latest.reason})` : ''}: the kubelet gets no client certificate; find out who denied it, then join again`,
        [csrEv(latest)],
      ),
    );
  }
  return out;
}

/** The join endpoint as the node sees it: the anonymous GET of cluster-info. */
function endpointVerdict(je: Collected<JoinEndpointFacts>, ok: string[]): Verdict[] {
  if (!je.collected) return [skip(`the join endpoint was not tried from the node: ${je.reason}`)];
  const {endpoint, result: r} = je.value;
  if (!r) return [skip(`the probe did not query the join endpoint ${endpoint}`)];
  const ev: Evidence = {source: r.source, text: r.text};
  if (r.outcome === 'ok') {
    ok.push(`the node reaches ${endpoint}`);
    return [];
  }
  if (r.outcome === 'http-error') {
    if (r.status === 401 || r.status === 403) {
      return [
        fail(
          `the API server at ${endpoint} refuses the anonymous GET of cluster-info (HTTP ${r.status}): anonymous auth is off or the kubeadm:bootstrap-signer-clusterinfo RBAC for system:unauthenticated is missing, so discovery fails`,
          [ev],
        ),
      ];
    }
    if (r.status === 404) return [fail(`${endpoint} has no kube-public/cluster-info (HTTP 404): is it the API server of the right cluster?`, [ev])];
    return [fail(`${endpoint} answered HTTP ${r.status ?? '?'} to the GET of cluster-info: ${r.detail}`, [ev])];
  }
  return [fail(`the node cannot reach the join endpoint ${endpoint} (${r.outcome}): ${r.detail}; kubeadm join stops at discovery`, [ev])];
}

export default defineCheck({
  id: 'join-prereqs',
  title: 'kubeadm join has what it needs: a valid token, the right CA pin, cluster-info and kubelet-config',
  category: 'cluster',
  severity: 'high',
  description:
    "Checks the `--join-command` against the cluster before (or after) a join: the bootstrap token exists, has not expired and can authenticate and sign; cluster-info is signed for it and its CA matches the --discovery-token-ca-cert-hash; the kubelet-config ConfigMap is there; no other Node has this node's name; the node's CSR is not stuck; the node reaches the endpoint. Token secrets are never shown.",
  needs: ['cluster', 'joinEndpoint', 'certs'],
  remediation:
    'On a control-plane node, `kubeadm token create --print-join-command` prints a join command with a fresh token and the right CA pin. A missing cluster-info or kubelet-config: `kubeadm init phase bootstrap-token` and `kubeadm init phase upload-config kubelet`. A pending CSR: `kubectl get csr`, `kubectl certificate approve NAME`, and check the kubeadm:node-autoapprove-bootstrap ClusterRoleBinding and kube-controller-manager (csrapproving, csrsigning, bootstrapsigner, tokencleaner controllers). A leftover Node of the same name: `kubectl delete node NAME`.',
  references: [
    'https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/',
    'https://kubernetes.io/docs/reference/access-authn-authz/bootstrap-tokens/',
    'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/',
  ],
  signatures: [
    {
      id: 'kubeadm-jws-signature-missing',
      text: 'could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef"',
      pattern: /could not find a JWS signature in the cluster-info ConfigMap for token ID/,
      reference: 'kubelet.md K6; kubernetes-sigs/kind#2798',
    },
    {
      id: 'kubeadm-jws-token-invalid',
      text: 'there is no JWS signed token in the cluster-info ConfigMap. This token id "abcdef" is invalid for this cluster, can\'t connect',
      pattern: /there is no JWS signed token in the cluster-info ConfigMap/,
      reference: 'kubelet.md K6 (kubeadm 1.9 and older); kubernetes/kubeadm#668',
    },
    {
      id: 'kubeadm-ca-pin-mismatch',
      text: 'error execution phase preflight: couldn\'t validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:3a4c5e0b8f1d2c6e7a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7" are pinned',
      pattern: /cluster CA found in cluster-info ConfigMap is invalid: none of the public keys .* are pinned/,
      reference: 'kubelet.md K7; kubernetes/kubeadm#2471',
    },
    {
      id: 'kubeadm-kubelet-start-failed',
      text: 'error execution phase kubelet-start: timed out waiting for the condition',
      pattern: /error execution phase kubelet-start/,
      reference: 'kubelet.md K8 (TLS bootstrap stuck: CSR not approved, token without RBAC, kubelet crash-looping); kubernetes/kubernetes#95857',
    },
    {
      id: 'kubeadm-node-name-exists',
      text: 'a Node with name "node-1" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node',
      pattern: /a Node with name .* and status .*Ready.* already exists in the cluster/,
      reference: 'kubelet.md K9 (wording from memory, see §9); kubernetes-sigs/kind#1926',
    },
  ],
  evaluate(facts, ctx) {
    const {cluster, joinEndpoint} = facts;
    const ok: string[] = [];
    if (!cluster.collected) {
      // Without the cluster there is no join command to read; the node-side request still says something.
      return joinEndpoint.collected ? [...endpointVerdict(joinEndpoint, ok), skip(cluster.reason)] : skip(cluster.reason);
    }
    const c = cluster.value;
    const j = c.join;
    if (!j) return skip('no --join-command given');
    const out: Verdict[] = [...commandVerdicts(j)];
    const tokenMissing = j.tokenId !== null && c.bootstrapTokens.collected && !c.bootstrapTokens.value.some((t) => t.tokenId === j.tokenId);
    out.push(...tokenVerdicts(j, c.bootstrapTokens, ctx.now, ok));
    out.push(...clusterInfoVerdicts(j, c, tokenMissing, ok));
    out.push(...kubeletConfigVerdict(c, ok));
    out.push(...existingNodeVerdict(facts, c, ok));
    out.push(...csrVerdicts(c));
    out.push(...endpointVerdict(joinEndpoint, ok));
    if (out.some((v) => v.status === 'fail' || v.status === 'warn')) return out;
    const evidence: Evidence[] = [joinEv(j)];
    return [pass(`kubeadm join ${j.endpoint ?? ''} has what it needs: ${ok.join(', ') || 'nothing to object to'}`, evidence), ...out];
  },
});
