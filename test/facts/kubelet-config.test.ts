import {describe, it, expect} from 'vitest';
import {buildKubeletConfig} from '../../src/facts/kubelet/kubelet-config.js';
import {notCollected} from '../../src/facts/types.js';
import type {KubeletConfigFacts} from '../../src/facts/types.js';
import {rawFrom} from '../helpers/facts.js';
import {DROPIN, FLAGS_ENV, argvOf} from '../helpers/argv.js';

// As `kubeadm join` (v1.30) writes it.
const KUBEADM_CONFIG = `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
containerRuntimeEndpoint: ""
cpuManagerReconcilePeriod: 0s
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
resolvConf: /run/systemd/resolve/resolv.conf
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
`;
const CFG = '/var/lib/kubelet/config.yaml';
const WITH_CONFIG = argvOf(['--kubeconfig=/etc/kubernetes/kubelet.conf', `--config=${CFG}`]);

function build(files: Record<string, string>, argv = WITH_CONFIG, version: string | null = 'v1.30.2', opts = {}): KubeletConfigFacts {
  const r = buildKubeletConfig(rawFrom(files, opts), argv, version);
  if (!r.collected) throw new Error(r.reason);
  return r.value;
}

describe('buildKubeletConfig on a kubeadm node', () => {
  const f = build({[CFG]: KUBEADM_CONFIG});

  it('reads the --config file and records it as ok with its apiVersion and kind', () => {
    expect(f.configPath).toEqual({value: CFG, source: DROPIN, text: `--config=${CFG}`});
    expect(f.files).toEqual([{path: CFG, role: 'config', status: 'ok', apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration'}]);
    expect(f.unknownFields).toEqual([]);
    expect(f.typeErrors).toEqual([]);
    expect(f.defaultsFor).toBe('v1.30.2');
  });

  it('gives each file value the line of its key and the literal text there', () => {
    expect(f.effective['cgroupDriver']).toMatchObject({
      value: 'systemd',
      origin: 'config-file',
      source: {file: CFG, line: 15},
      text: 'cgroupDriver: systemd',
    });
    expect(f.effective['staticPodPath']).toMatchObject({value: '/etc/kubernetes/manifests', source: {file: CFG, line: 45}});
  });

  it('keys nested leaves by their dotted path', () => {
    expect(f.effective['authentication.x509.clientCAFile']).toMatchObject({
      value: '/etc/kubernetes/pki/ca.crt',
      source: {file: CFG, line: 9},
      text: 'clientCAFile: /etc/kubernetes/pki/ca.crt',
    });
    expect(f.effective['authentication.anonymous.enabled']?.value).toBe(false);
  });

  it('keeps lists whole under the top-level key, with the block as text', () => {
    expect(f.effective['clusterDNS']).toMatchObject({value: ['10.96.0.10'], text: 'clusterDNS:\n- 10.96.0.10'});
  });

  it('treats "" and 0s of non-pointer fields as unset, so the default applies', () => {
    const ep = f.effective['containerRuntimeEndpoint'];
    expect(ep).toMatchObject({value: 'unix:///run/containerd/containerd.sock', origin: 'default'});
    expect(ep?.overridden).toEqual([{value: '', origin: 'config-file', source: {file: CFG, line: 19}, text: 'containerRuntimeEndpoint: ""'}]);
    expect(f.effective['authentication.webhook.cacheTTL']?.value).toBe('2m');
  });

  it('fills unset fields with v1beta1 defaults sourced as kubelet defaults', () => {
    expect(f.effective['maxPods']).toMatchObject({value: 110, origin: 'default', source: {command: 'kubelet default (v1.30.2)'}});
    expect(f.effective['failSwapOn']?.value).toBe(true);
    expect(f.effective['readOnlyPort']?.value).toBe(0);
    expect(f.effective['evictionHard']?.value).toEqual({
      'memory.available': '100Mi',
      'nodefs.available': '10%',
      'nodefs.inodesFree': '5%',
      'imagefs.available': '15%',
    });
  });

  it('records the default a file value replaced as the first overridden entry', () => {
    expect(f.effective['healthzPort']?.overridden[0]).toMatchObject({value: 10248, origin: 'default'});
  });

  it('applies no failCgroupV1 default before 1.31', () => {
    expect(f.effective['failCgroupV1']).toBeUndefined();
  });
});

describe('buildKubeletConfig precedence', () => {
  it('lets a flag beat the config file and keeps the file value in the history', () => {
    const argv = argvOf([`--config=${CFG}`, ['--cgroup-driver=cgroupfs', FLAGS_ENV]]);
    const v = build({[CFG]: KUBEADM_CONFIG}, argv).effective['cgroupDriver'];
    expect(v).toMatchObject({value: 'cgroupfs', origin: 'flag', source: FLAGS_ENV, text: '--cgroup-driver=cgroupfs'});
    expect(v?.overridden.map((o) => o.origin)).toEqual(['default', 'config-file']);
  });

  it('maps --client-ca-file onto the nested authentication.x509.clientCAFile', () => {
    const argv = argvOf([`--config=${CFG}`, '--client-ca-file=/etc/pki/other-ca.crt']);
    expect(build({[CFG]: KUBEADM_CONFIG}, argv).effective['authentication.x509.clientCAFile']?.value).toBe('/etc/pki/other-ca.crt');
  });

  it('parses map flags: --kube-reserved replaces the file map, --eviction-hard uses < separators', () => {
    const file = `${KUBEADM_CONFIG}kubeReserved:\n  cpu: "2"\n  pids: "1000"\n`;
    const argv = argvOf([`--config=${CFG}`, '--kube-reserved=cpu=1,memory=2Gi', '--eviction-hard=memory.available<500Mi,nodefs.available<10%']);
    const e = build({[CFG]: file}, argv).effective;
    expect(e['kubeReserved']?.value).toEqual({cpu: '1', memory: '2Gi'});
    expect(e['evictionHard']?.value).toEqual({'memory.available': '500Mi', 'nodefs.available': '10%'});
  });

  it('merges --feature-gates with the file gates, the flag winning per gate', () => {
    const file = `${KUBEADM_CONFIG}featureGates:\n  NodeSwap: true\n  KubeletTracing: true\n`;
    const argv = argvOf([`--config=${CFG}`, '--feature-gates=NodeSwap=false']);
    expect(build({[CFG]: file}, argv).effective['featureGates']?.value).toEqual({NodeSwap: false, KubeletTracing: true});
  });

  it('reports a flag value of the wrong type as a type error at the flag', () => {
    const argv = argvOf([`--config=${CFG}`, ['--max-pods=lots', FLAGS_ENV]]);
    expect(build({[CFG]: KUBEADM_CONFIG}, argv).typeErrors).toEqual([
      {field: '--max-pods', expected: 'an integer', source: FLAGS_ENV, text: '--max-pods=lots'},
    ]);
  });

  it('uses the flag-only legacy defaults when there is no --config', () => {
    const f = build({}, argvOf(['--kubeconfig=/etc/kubernetes/kubelet.conf']));
    expect(f.configPath).toBeNull();
    expect(f.files).toEqual([]);
    expect(f.effective['readOnlyPort']).toMatchObject({
      value: 10255,
      origin: 'default',
      source: {command: 'kubelet flag default without --config (v1.30.2)'},
    });
    expect(f.effective['authentication.anonymous.enabled']?.value).toBe(true);
    expect(f.effective['authorization.mode']?.value).toBe('AlwaysAllow');
    expect(f.effective['authentication.webhook.enabled']?.value).toBe(false);
  });

  it('is not collected when the argv is not', () => {
    expect(buildKubeletConfig(rawFrom({}), notCollected('no unit'), 'v1.30.2')).toEqual({
      collected: false,
      reason: 'no kubelet command line: no unit',
    });
  });
});

describe('buildKubeletConfig version-dependent defaults', () => {
  it('defaults failCgroupV1 to false on 1.31-1.34 and true from 1.35', () => {
    expect(build({[CFG]: KUBEADM_CONFIG}, WITH_CONFIG, 'v1.31.0').effective['failCgroupV1']?.value).toBe(false);
    expect(build({[CFG]: KUBEADM_CONFIG}, WITH_CONFIG, 'v1.35.1').effective['failCgroupV1']?.value).toBe(true);
  });

  it('applies only version-independent defaults when the version is unknown', () => {
    const f = build({[CFG]: KUBEADM_CONFIG}, WITH_CONFIG, null);
    expect(f.defaultsFor).toBeNull();
    expect(f.effective['failCgroupV1']).toBeUndefined();
    expect(f.effective['maxPods']?.source).toEqual({command: 'kubelet default (version unknown)'});
  });

  it('treats a field newer than the kubelet as unknown (the decoder ignores it)', () => {
    const f = build({[CFG]: `${KUBEADM_CONFIG}failCgroupV1: false\n`}, WITH_CONFIG, 'v1.30.2');
    expect(f.unknownFields).toEqual([{field: 'failCgroupV1', nearest: null, source: {file: CFG, line: 49}, text: 'failCgroupV1: false'}]);
    expect(f.effective['failCgroupV1']).toBeUndefined();
  });

  it('fills missing eviction signals from the defaults when mergeDefaultEvictionSettings is true', () => {
    const file = `${KUBEADM_CONFIG}mergeDefaultEvictionSettings: true\nevictionHard:\n  memory.available: 500Mi\n`;
    expect(build({[CFG]: file}).effective['evictionHard']?.value).toEqual({
      'memory.available': '500Mi',
      'nodefs.available': '10%',
      'nodefs.inodesFree': '5%',
      'imagefs.available': '15%',
    });
  });

  it('does not merge default eviction signals into a set evictionHard otherwise', () => {
    const file = `${KUBEADM_CONFIG}evictionHard:\n  memory.available: 500Mi\n`;
    expect(build({[CFG]: file}).effective['evictionHard']?.value).toEqual({'memory.available': '500Mi'});
  });

  it('resolves a relative staticPodPath against the config file directory', () => {
    const file = KUBEADM_CONFIG.replace('staticPodPath: /etc/kubernetes/manifests', 'staticPodPath: manifests');
    expect(build({[CFG]: file}).effective['staticPodPath']?.value).toBe('/var/lib/kubelet/manifests');
  });
});
