/**
 * `/var/lib/dpkg/status` and the EXTRA_ARGS file of a lab node, with the package metadata of
 * pkgs.k8s.io (kubernetes/release cmd/krel/templates/latest) and Debian 12's containerd.
 */
import {createHash} from 'node:crypto';

/** `v1.30.2` → `1.30.2-1.1`, the pkgs.k8s.io package version (revision 1.1). */
function debVersion(kubeletVersion: string): string {
  return `${kubeletVersion.replace(/^v/, '')}-1.1`;
}

/** Package dependencies by minor, from kubernetes/release cmd/krel/templates/latest/metadata.yaml. */
function depends(minor: number): {kubeadm: string; kubelet: string} {
  const cni = minor >= 28 ? 'kubernetes-cni (>= 1.2.0)' : 'kubernetes-cni (>= 1.1.1)';
  const kubelet = `${cni}, mount, util-linux`;
  if (minor >= 30) return {kubeadm: 'cri-tools (>= 1.30.0)', kubelet};
  const criTools = minor >= 28 ? 'cri-tools (>= 1.28.0)' : 'cri-tools (>= 1.25.0)';
  return {kubeadm: `kubelet (>= 1.19.0), kubectl (>= 1.19.0), ${cni}, ${criTools}`, kubelet};
}

/** What the kubelet package ships as /etc/default/kubelet (DEB) or /etc/sysconfig/kubelet (RPM). */
export const EXTRA_ARGS_ENV = 'KUBELET_EXTRA_ARGS=\n';

/**
 * The dpkg database of a DEB node: containerd, kubeadm and kubelet paragraphs as dpkg records them.
 * Offline, the tool reads the installed kubelet version from here.
 */
export function dpkgStatus(kubeletVersion: string): string {
  const deb = debVersion(kubeletVersion);
  const deps = depends(Number(kubeletVersion.replace(/^v/, '').split('.')[1]));
  const md5 = createHash('md5').update(EXTRA_ARGS_ENV).digest('hex');
  const paragraph = (fields: string[]): string => `${fields.join('\n')}\n`;
  return [
    paragraph([
      'Package: containerd',
      'Status: install ok installed',
      'Priority: optional',
      'Section: admin',
      'Installed-Size: 98393',
      'Maintainer: Debian Go Packaging Team <team+pkg-go@tracker.debian.org>',
      'Architecture: amd64',
      'Version: 1.6.20~ds1-1+deb12u3',
      'Depends: runc (>= 0.1.0~), libc6 (>= 2.34)',
      'Suggests: containernetworking-plugins',
      'Breaks: docker.io (<< 1.12)',
      'Conffiles:',
      ' /etc/containerd/config.toml 773cf1c5a249197a8ef37a08ac168414',
      'Description: open and reliable container runtime',
      ' Containerd is an industry-standard container runtime with an emphasis on',
      ' simplicity, robustness and portability.',
      'Homepage: https://containerd.io/',
    ]),
    paragraph([
      'Package: kubeadm',
      'Status: install ok installed',
      'Priority: optional',
      'Section: admin',
      'Installed-Size: 50441',
      'Maintainer: Kubernetes Authors <dev@kubernetes.io>',
      'Architecture: amd64',
      `Version: ${deb}`,
      `Depends: ${deps.kubeadm}`,
      'Description: Command-line utility for administering a Kubernetes cluster',
      ' Command-line utility for administering a Kubernetes cluster.',
      'Homepage: https://kubernetes.io',
    ]),
    // kubernetes/release kubelet.spec: Group net, /etc/default/kubelet is %config(noreplace).
    paragraph([
      'Package: kubelet',
      'Status: install ok installed',
      'Priority: optional',
      'Section: net',
      'Installed-Size: 98845',
      'Maintainer: Kubernetes Authors <dev@kubernetes.io>',
      'Architecture: amd64',
      `Version: ${deb}`,
      `Depends: ${deps.kubelet}`,
      'Recommends: iptables (>= 1.8.4)',
      'Conffiles:',
      ` /etc/default/kubelet ${md5}`,
      'Description: Node agent for Kubernetes clusters',
      ' Node agent for Kubernetes clusters.',
      'Homepage: https://kubernetes.io',
    ]),
  ].join('\n');
}
