/**
 * Every installer profile, most specific first: discovery breaks ties by this order, so a
 * profile whose signals are a superset of another's (dockershim over legacy DEB, cri-dockerd
 * over pkgs.k8s.io DEB) comes before it. README.md in this folder lists them with their sources.
 */
import type {InstallerProfile} from './types.js';
import {aks} from './aks.js';
import {eksAl2} from './eks-al2.js';
import {eksAl2023} from './eks-al2023.js';
import {gkeCos} from './gke-cos.js';
import {hardWay} from './hard-way.js';
import {k3s} from './k3s.js';
import {kops} from './kops.js';
import {kubeadmCriDockerd} from './kubeadm-cri-dockerd.js';
import {kubeadmDeb} from './kubeadm-deb.js';
import {kubeadmDebLegacy} from './kubeadm-deb-legacy.js';
import {kubeadmDockershim} from './kubeadm-dockershim.js';
import {kubeadmRpm} from './kubeadm-rpm.js';
import {kubeadmRpmLegacy} from './kubeadm-rpm-legacy.js';
import {kubespray} from './kubespray.js';
import {minikube} from './minikube.js';
import {rke2} from './rke2.js';

export type {InstallerProfile, Signal, EmbeddedKubelet} from './types.js';

export const PROFILES: readonly InstallerProfile[] = [
  k3s,
  rke2,
  eksAl2023,
  eksAl2,
  aks,
  gkeCos,
  kops,
  minikube,
  kubespray,
  hardWay,
  kubeadmDockershim,
  kubeadmCriDockerd,
  kubeadmDebLegacy,
  kubeadmDeb,
  // Same files as the legacy RPMs: without a repository file saying otherwise, the current repository.
  kubeadmRpm,
  kubeadmRpmLegacy,
];

/** The profile with this id, or undefined. */
export function profileById(id: string): InstallerProfile | undefined {
  return PROFILES.find((p) => p.id === id);
}
