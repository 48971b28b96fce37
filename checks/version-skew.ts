/**
 * The kubelet's version against the API server's, under the version skew policy
 * (kubernetes.io/releases/version-skew-policy, kubelet.md §5.1): the kubelet must not be newer
 * than kube-apiserver; it may be up to three minor versions older (two when the kubelet is older
 * than 1.25, and for API servers before 1.28, when the policy allowed two). Patch releases do not
 * count: the policy and kubeadm's KubeletVersion preflight compare minor versions.
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import {apiSource} from '../src/facts/live/cluster.js';
import type {Facts} from '../src/facts/types.js';
import {parseVersion, type Version} from '../src/facts/kubelet/version.js';

const show = (v: Version): string => `v${v.major}.${v.minor}.${v.patch}`;
const minor = (v: Version): string => `${v.major}.${v.minor}`;
const minors = (n: number): string => `${n} minor version${n === 1 ? '' : 's'}`;

/** The largest number of minor versions the kubelet may trail the API server by. */
export function maxKubeletLag(apiserver: Version, kubelet: Version): number {
  // The three-minor window came with 1.28 (KEP-3935); kubelets before 1.25 keep two.
  const newPolicy = apiserver.minor >= 28 && kubelet.minor >= 25;
  return newPolicy ? 3 : 2;
}

interface KubeletVersion {
  raw: string;
  evidence: Evidence;
  /** What the running kubelet last posted to its Node, when that is not where `raw` came from. */
  posted: {raw: string; evidence: Evidence} | null;
}

/** The kubelet version: the node's own facts (binary, package), else what it posted to its Node. */
function kubeletVersionOf(facts: Facts): KubeletVersion | string {
  const c = facts.cluster.collected ? facts.cluster.value : null;
  const node = c?.node.collected ? c.node.value : null;
  const postedRaw = node?.nodeInfo.kubeletVersion ?? null;
  const posted =
    postedRaw && c
      ? {raw: postedRaw, evidence: {source: apiSource(`/api/v1/nodes/${c.nodeName}`), text: `status.nodeInfo.kubeletVersion: ${postedRaw}`}}
      : null;
  if (facts.kubeletVersion.collected) {
    const k = facts.kubeletVersion.value;
    return {raw: k.value, evidence: {source: k.source, text: k.text}, posted};
  }
  if (posted) return {...posted, posted: null};
  return facts.kubeletVersion.reason;
}

export default defineCheck({
  id: 'version-skew',
  title: 'The kubelet version is within the skew policy of the API server',
  category: 'cluster',
  severity: 'high',
  description:
    'A kubelet newer than the API server, or too many minor versions older, is outside the tested combinations: kubeadm refuses to join it, and APIs the kubelet relies on may be missing or already removed.',
  needs: ['kubeletVersion', 'cluster'],
  remediation:
    "Upgrade the control plane first, then the kubelets, one minor version at a time (`kubeadm upgrade`, then the kubelet and kubectl packages on each node, `systemctl restart kubelet`). A kubelet newer than the control plane: install the control plane's minor version of the kubelet package (`apt-get install kubelet=1.30.*`, and `apt-mark hold kubelet` so it stays pinned).",
  references: ['https://kubernetes.io/releases/version-skew-policy/#kubelet', 'https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-upgrade/'],
  signatures: [
    {
      id: 'kubeadm-kubelet-version-higher',
      text: '[ERROR KubeletVersion]: the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: "1.34.0" Control plane version: "1.33.4"',
      pattern: /\[ERROR KubeletVersion\]: the kubelet version is higher than the control plane version/,
      reference: 'kubelet.md K3; vexxhost/capo-image-elements#36',
    },
  ],
  evaluate(facts) {
    const {cluster} = facts;
    if (!cluster.collected) return skip(cluster.reason);
    const c = cluster.value;
    if (!c.apiserverVersion.collected) return skip(`the API server version was not fetched: ${c.apiserverVersion.reason}`);
    const kv = kubeletVersionOf(facts);
    if (typeof kv === 'string') return skip(kv);
    const apiRaw = c.apiserverVersion.value;
    const apiEv: Evidence = {source: apiSource('/version'), text: `gitVersion: ${apiRaw}`};
    const api = parseVersion(apiRaw);
    const kubelet = parseVersion(kv.raw);
    if (!api) return skip(`the API server version "${apiRaw}" is not a version like v1.30.2`);
    if (!kubelet) return skip(`the kubelet version "${kv.raw}" is not a version like v1.30.2`);
    const evidence = [kv.evidence, apiEv];
    const out: Verdict[] = [judge(kubelet, api, evidence)];
    const posted = kv.posted ? parseVersion(kv.posted.raw) : null;
    if (kv.posted && posted && show(posted) !== show(kubelet)) {
      out.push(
        warn(
          `the Node reports kubelet ${show(posted)} (what the running kubelet last posted) but the installed kubelet is ${show(kubelet)}: the kubelet has not run successfully since the package changed (restart it, or see why it fails)`,
          [kv.evidence, kv.posted.evidence],
        ),
      );
    }
    return out;
  },
});

/** The skew verdict for one kubelet and API server version. */
function judge(kubelet: Version, api: Version, evidence: Evidence[]): Verdict {
  const k = show(kubelet);
  const a = show(api);
  if (kubelet.major !== api.major) {
    return fail(`kubelet ${k} and API server ${a} are different major versions: no skew between major versions is supported`, evidence);
  }
  const lag = api.minor - kubelet.minor;
  if (lag < 0) {
    // kubeadm's preflight wording (kubelet.md K3): join and upgrade refuse this node.
    return fail(
      `kubelet ${k} is newer than the API server ${a}: the kubelet must not be newer than kube-apiserver ("[ERROR KubeletVersion]: the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: "${k.slice(1)}" Control plane version: "${a.slice(1)}"")`,
      evidence,
    );
  }
  const max = maxKubeletLag(api, kubelet);
  const why = max === 3 ? 'API server 1.28 or newer, kubelet 1.25 or newer' : kubelet.minor < 25 ? 'kubelets older than 1.25' : 'API servers older than 1.28';
  if (lag > max) {
    return fail(`kubelet ${k} is ${minors(lag)} older than the API server ${a}: the skew policy allows at most ${max} (${why}); upgrade the kubelet`, evidence);
  }
  if (lag === max) {
    return warn(
      `kubelet ${k} is ${minors(lag)} older than the API server ${a}, the most the skew policy allows (${why}): upgrade the kubelet before the next control-plane upgrade`,
      evidence,
    );
  }
  if (lag > 0) return pass(`kubelet ${k} is ${minors(lag)} older than the API server ${a}, within the skew policy (at most ${max})`, evidence);
  if (kubelet.patch > api.patch) {
    return pass(
      `kubelet ${k} and API server ${a} are the same minor release ${minor(api)}; the kubelet's patch release is newer, which the skew policy allows (it and kubeadm compare minor versions)`,
      evidence,
    );
  }
  return pass(`kubelet ${k} and API server ${a} are the same minor release ${minor(api)}`, evidence);
}
