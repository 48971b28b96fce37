/**
 * The lab's control plane, as the operator's kubeconfig sees it: the stand-in API server
 * (apiserver.ts) holding one Node per lab node in the state a real control plane would show for
 * its scenario. A running kubelet posts Ready and renews its lease every 10 s; the no-CNI node is
 * NotReady with the runtime's network reason; a kubelet that crash-loops (or never starts) stopped
 * posting: Ready Unknown, the unreachable taints, a lease that stopped at the lab's start minus a
 * few minutes. A bootstrap token and a signed cluster-info let `--join-command` be tried too.
 */
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {startApiServer, type ApiServer, type FakeNode} from './apiserver.js';
import {LIVE_PROFILES} from './live-state.js';
import type {NodeTreeInfo} from './node-tree.js';
import type {ClusterCa} from './pki.js';

/** The control plane's version: the lab's v1.27 node is three minors behind it, the most the policy allows. */
export const LAB_APISERVER_VERSION = 'v1.30.6';

/** The lab's bootstrap token (loopback-only demo; printed in the banner as a join command). */
export const LAB_TOKEN = {id: 'labtok', secret: 'k8sdoctor0demo00'};

const MINUTE = 60_000;

/** The Node object the lab's control plane holds for a lab node. */
export function labNodeObject(info: NodeTreeInfo, now: Date): FakeNode {
  const p = LIVE_PROFILES[info.scenario];
  const base = {name: info.hostname, kubeletVersion: info.kubeletVersion, labels: {'kubelet-doctor.io/scenario': info.scenario}};
  if (p.kubelet !== 'running') {
    const since = new Date(now.getTime() - 7 * MINUTE).toISOString();
    return {
      ...base,
      conditions: [
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastHeartbeatTime: since,
          lastTransitionTime: since,
        },
      ],
      taints: [
        {key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: since},
        {key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: since},
      ],
      lease: {renewTime: since},
    };
  }
  if (!p.networkReady) {
    return {
      ...base,
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'KubeletNotReady',
          message:
            'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
        },
      ],
      taints: [{key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule'}],
      lease: {renewing: true},
    };
  }
  return {...base, lease: {renewing: true}};
}

/** The lab's running control plane. */
export interface LabCluster {
  api: ApiServer;
  /** A kubeconfig for the operator (client certificate of the lab CA), mode 0600. */
  kubeconfigFile: string;
  /** `kubeadm join …` for the lab's token and CA pin (loopback, demo only). */
  joinCommand: string;
}

/** Start the lab's API server for the fleet and write its kubeconfig under `dir`. */
export async function startLabCluster(dir: string, nodes: readonly NodeTreeInfo[], ca: ClusterCa, now: Date): Promise<LabCluster> {
  const expiration = new Date(now.getTime() + 24 * 60 * MINUTE).toISOString();
  const api = await startApiServer({
    ca,
    gitVersion: LAB_APISERVER_VERSION,
    nodes: nodes.map((n) => labNodeObject(n, now)),
    bootstrapTokens: [{id: LAB_TOKEN.id, secret: LAB_TOKEN.secret, expiration, description: 'kubelet-doctor lab: loopback demo token'}],
  });
  const kubeconfigFile = await api.kubeconfig(join(dir, 'kubeconfig'));
  // The address the lab nodes know their API server by (their curl stand-in answers it there).
  const endpoint = '127.0.0.1:6443';
  const joinCommand = `kubeadm join ${endpoint} --token ${LAB_TOKEN.id}.${LAB_TOKEN.secret} --discovery-token-ca-cert-hash sha256:${ca.spkiSha256}`;
  await writeFile(join(dir, 'join-command.txt'), `${joinCommand}\n`, {mode: 0o600});
  return {api, kubeconfigFile, joinCommand};
}
