/**
 * The node name the kubelet registers under must be the one in its client certificate
 * (`CN=system:node:<name>`, `O=system:nodes`), or the Node authorizer refuses its updates.
 * With the cluster's view, also: a Node of that name exists, and its addresses agree with the
 * node's (the Hostname address is the name the kubelet uses, the value of its
 * kubernetes.io/hostname label; the InternalIP follows --node-ip when it is given).
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import {apiSource} from '../src/facts/live/cluster.js';
import {effectiveFlag, type Facts} from '../src/facts/types.js';

/** The Node object of the registration name, when the cluster was reachable; null otherwise. */
function clusterVerdict(facts: Facts): Verdict | null {
  const {cluster} = facts;
  if (!cluster.collected) return null;
  const c = cluster.value;
  if (!c.node.collected) return null;
  const src = apiSource(`/api/v1/nodes/${c.nodeName}`);
  const node = c.node.value;
  if (!node) {
    return warn(`no Node named "${c.nodeName}" in the cluster: the kubelet has not registered under the name it uses (see node-status)`, [
      {source: src, text: `404 NotFound: nodes "${c.nodeName}" not found`},
    ]);
  }
  const addrs = node.addresses.map((a) => `${a.type}=${a.address}`).join(' ') || '(no addresses)';
  const ev: Evidence = {source: src, text: `status.addresses: ${addrs}`};
  const hostAddr = node.addresses.find((a) => a.type === 'Hostname')?.address;
  // With a cloud provider the cloud controller sets the addresses, and the names may differ by design.
  const cloud = facts.argv.collected ? effectiveFlag(facts.argv.value, 'cloud-provider')?.value.trim() : undefined;
  if (hostAddr && hostAddr.toLowerCase() !== c.nodeName && !cloud) {
    return warn(
      `the Node "${node.name}" reports the hostname "${hostAddr}", not "${c.nodeName}": the node's name or --hostname-override changed since the kubelet last posted its status`,
      [ev],
    );
  }
  const nodeIp = facts.argv.collected ? effectiveFlag(facts.argv.value, 'node-ip') : undefined;
  if (nodeIp && nodeIp.value.trim() !== '') {
    const want = nodeIp.value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '' && s !== '0.0.0.0' && s !== '::');
    const internal = node.addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address);
    const absent = want.filter((ip) => !internal.includes(ip));
    if (want.length > 0 && absent.length > 0) {
      return warn(
        `the kubelet's --node-ip is ${want.join(',')} but the Node "${node.name}" reports InternalIP ${internal.join(',') || '(none)'}: the kubelet has not posted its status since --node-ip changed (restart it), or the address is not on this host`,
        [{source: nodeIp.source, text: nodeIp.text}, ev],
      );
    }
  }
  return pass(`the Node "${node.name}" is registered (${addrs})`, [ev]);
}

export default defineCheck({
  id: 'node-identity',
  title: 'The node name matches the kubelet client certificate',
  category: 'kubelet',
  severity: 'high',
  description:
    'The API server identifies a kubelet by its client certificate (system:node:<name> in group system:nodes). If the kubelet registers under another name (a changed hostname or --hostname-override), the Node authorizer forbids it to update its Node.',
  needs: ['hostname', 'argv', 'certs', 'cluster'],
  appliesTo: {},
  explainedBy: ['kubeconfig'],
  remediation:
    'Give the node back the name it joined with (hostnamectl set-hostname, or --hostname-override in /var/lib/kubelet/kubeadm-flags.env), or delete the Node, `kubeadm reset` and join again under the new name.',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/node/', 'https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/'],
  signatures: [
    {
      id: 'register-forbidden',
      text: 'Unable to register node with API server err="nodes \\"node-2\\" is forbidden: node \\"node-1\\" is not allowed to modify node \\"node-2\\""',
      pattern: /Unable to register node with API server.*(Forbidden|forbidden|Unauthorized)/,
      reference: 'kubelet.md R5; kubernetes/kubernetes#123596',
    },
  ],
  evaluate(facts) {
    const own = identityVerdict(facts);
    const fromCluster = clusterVerdict(facts);
    return fromCluster ? [own, fromCluster] : own;
  },
});

/** The registration name against the client certificate (the node's own view). */
function identityVerdict({hostname, argv, certs}: Facts): Verdict {
  if (!certs.collected) return skip(certs.reason);
  const client = certs.value.entries.find((e) => e.role === 'kubelet-client' && e.certs.length > 0);
  const leaf = client?.certs.find((c) => !c.isCA) ?? client?.certs[0];
  if (!leaf) return skip('no kubelet client certificate: the node has not completed TLS bootstrap');
  if (!argv.collected) return skip(`cannot tell --hostname-override: ${argv.reason}`);
  // server.go / nodeutil.GetHostname: --hostname-override, else the hostname, trimmed and lower-cased.
  const override = effectiveFlag(argv.value, 'hostname-override');
  let node: string;
  let nameEv: Evidence;
  if (override && override.value.trim() !== '') {
    node = override.value.trim().toLowerCase();
    nameEv = {source: override.source, text: override.text};
  } else if (hostname.collected) {
    node = hostname.value.value.trim().toLowerCase();
    nameEv = {source: hostname.value.source, text: hostname.value.text};
  } else {
    return skip(`cannot tell the node name: no --hostname-override and the hostname was not collected (${hostname.reason})`);
  }
  const want = `system:node:${node}`;
  const certEv: Evidence = {source: leaf.source, text: `subject=${leaf.subject}`};
  const from = override && override.value.trim() !== '' ? '--hostname-override' : 'hostname';
  if (leaf.commonName !== want) {
    return fail(
      `the kubelet registers as node "${node}" (${from}) but its client certificate is for "${leaf.commonName ?? '(no CN)'}": the API server will refuse its Node updates (kubelet.md R5)`,
      [nameEv, certEv],
    );
  }
  if (!leaf.organizations.includes('system:nodes')) {
    return fail(`the client certificate ${want} is not in the group system:nodes (O=system:nodes), so the Node authorizer does not treat it as a node`, [
      certEv,
    ]);
  }
  return pass(`node name ${node} (${from}) matches the client certificate ${want}, O=system:nodes`, [nameEv, certEv]);
}
