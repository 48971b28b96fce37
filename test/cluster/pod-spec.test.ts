/**
 * The probe pod's spec: pinned, privileged, host namespaces, the host's / read-only at the host
 * root, tolerating every taint, never restarted, no service-account token, bounded lifetime.
 */
import {describe, it, expect} from 'vitest';
import {
  DEFAULT_POD_HOST_ROOT,
  DEFAULT_POD_IMAGE,
  DEFAULT_POD_NAMESPACE,
  PROBE_CONTAINER,
  isDns1123Label,
  probePodName,
  probePodSpec,
} from '../../src/cluster/pod-spec.js';

const spec = (o: Partial<Parameters<typeof probePodSpec>[0]> = {}) =>
  probePodSpec({
    node: 'worker-7',
    image: DEFAULT_POD_IMAGE,
    namespace: DEFAULT_POD_NAMESPACE,
    hostRoot: DEFAULT_POD_HOST_ROOT,
    name: probePodName('worker-7', 'abcde'),
    ...o,
  });

describe('probePodSpec', () => {
  it('pins a privileged pod with the host namespaces to the node', () => {
    const p = spec();
    expect(p).toMatchObject({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'kubelet-doctor-probe-worker-7-abcde', namespace: 'kube-system'}});
    expect(p.spec).toMatchObject({
      nodeName: 'worker-7',
      hostPID: true,
      hostNetwork: true,
      hostIPC: false,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
    });
    const c = p.spec!.containers[0]!;
    expect(c.name).toBe(PROBE_CONTAINER);
    expect(c.image).toBe('busybox:1.36');
    expect(c.securityContext).toMatchObject({privileged: true, runAsUser: 0});
    expect(p.spec!.priorityClassName).toBeUndefined();
    expect(p.spec!.serviceAccountName).toBeUndefined();
  });

  it("mounts the host's / read-only at the host root, and nothing else", () => {
    const p = spec();
    expect(p.spec!.volumes).toEqual([{name: 'host', hostPath: {path: '/', type: 'Directory'}}]);
    expect(p.spec!.containers[0]!.volumeMounts).toEqual([{name: 'host', mountPath: '/host', readOnly: true}]);
    expect(spec({hostRoot: '/srv/node'}).spec!.containers[0]!.volumeMounts![0]!.mountPath).toBe('/srv/node');
  });

  it('tolerates every taint (a NoSchedule or NoExecute node still runs it)', () => {
    expect(spec().spec!.tolerations).toEqual([{operator: 'Exists'}]);
  });

  it('lives a bounded time: the container sleeps, and the pod has a deadline beyond it', () => {
    const p = spec({lifetimeSeconds: 300});
    expect(p.spec!.containers[0]!.command).toEqual(['sleep', '300']);
    expect(p.spec!.activeDeadlineSeconds).toBe(330);
    expect(spec().spec!.containers[0]!.command).toEqual(['sleep', '600']);
    expect(spec({lifetimeSeconds: 5}).spec!.containers[0]!.command).toEqual(['sleep', '60']);
  });

  it('asks for little (requests) and is bounded (limits), and is labelled for finding leaks', () => {
    const p = spec();
    expect(p.spec!.containers[0]!.resources).toEqual({requests: {cpu: '10m', memory: '16Mi'}, limits: {cpu: '500m', memory: '128Mi'}});
    expect(p.metadata!.labels).toMatchObject({'app.kubernetes.io/name': 'kubelet-doctor', 'app.kubernetes.io/component': 'probe'});
    expect(p.metadata!.annotations).toEqual({'kubelet-doctor.io/node': 'worker-7'});
  });

  it('is pure: the same input gives the same spec', () => {
    expect(spec()).toEqual(spec());
  });
});

describe('probePodName', () => {
  it('is kubelet-doctor-probe-<node>-<random>, a DNS-1123 label', () => {
    const a = probePodName('worker-7');
    const b = probePodName('worker-7');
    expect(a).toMatch(/^kubelet-doctor-probe-worker-7-[a-z0-9]{5}$/);
    expect(a).not.toBe(b);
    expect(isDns1123Label(a)).toBe(true);
  });

  it('cleans and truncates node names that do not fit', () => {
    const long = `ip-10-0-12-34.eu-west-1.compute.internal-${'x'.repeat(80)}`;
    const n = probePodName(long, 'abcde');
    expect(n.length).toBeLessThanOrEqual(63);
    expect(isDns1123Label(n)).toBe(true);
    expect(n).toMatch(/^kubelet-doctor-probe-ip-10-0-12-34-eu-west-1-compute-inte-abcde$/);
    expect(probePodName('Node_A', 'abcde')).toBe('kubelet-doctor-probe-node-a-abcde');
    expect(probePodName('...', 'abcde')).toBe('kubelet-doctor-probe-abcde');
    for (const node of ['a', 'A.B.C', '-x-', 'node.with.dots-', '9'.repeat(300)]) expect(isDns1123Label(probePodName(node))).toBe(true);
  });
});
