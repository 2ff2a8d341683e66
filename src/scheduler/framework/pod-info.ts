/**
 * A pod with what the scheduler needs precomputed once per object version:
 * requests, host ports, images, and its (anti-)affinity terms as parsed
 * selectors — so filters over thousands of nodes never re-parse the spec.
 */
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { everything, labelSelectorFromObject, matches, type LabelSelector } from '../../api/labels.js';
import { podRequests, type Resource } from './resources.js';

export interface AffinityTerm {
  selector: LabelSelector;
  /** Explicit namespaces; with no namespaceSelector and none listed, the pod's own. */
  namespaces: ReadonlySet<string>;
  namespaceSelector?: LabelSelector;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** Labels of a namespace by name; the scheduler backs it with a namespace informer. */
export type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined;

export interface PodInfo {
  readonly pod: Readonly<Pod>;
  readonly key: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly requests: Resource;
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  readonly images: readonly string[];
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** Any (anti-)affinity term at all: such pods are indexed per node for InterPodAffinity. */
  readonly hasAffinity: boolean;
}

export function podKey(pod: Readonly<Pod>): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

function toTerm(t: PodAffinityTerm, ownNamespace: string): AffinityTerm {
  let selector: LabelSelector;
  try {
    selector = labelSelectorFromObject(t.labelSelector ?? null);
  } catch {
    // Validation rejects bad selectors; one that slips through matches nothing.
    selector = labelSelectorFromObject(null);
  }
  const listed = t.namespaces ?? [];
  let namespaceSelector: LabelSelector | undefined;
  if (t.namespaceSelector) {
    try {
      namespaceSelector = labelSelectorFromObject(t.namespaceSelector);
    } catch {
      namespaceSelector = undefined;
    }
  }
  const namespaces = new Set(listed.length === 0 && !t.namespaceSelector ? [ownNamespace] : listed);
  return { selector, namespaces, namespaceSelector, topologyKey: t.topologyKey };
}

function toWeighted(t: WeightedPodAffinityTerm, ns: string): WeightedAffinityTerm {
  return { ...toTerm(t.podAffinityTerm, ns), weight: t.weight };
}

export function newPodInfo(pod: Readonly<Pod>): PodInfo {
  const namespace = pod.metadata?.namespace ?? 'default';
  const req = podRequests(pod as Pod);
  const hostPorts: HostPort[] = [];
  const images: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    if (c.image) images.push(normalizedImageName(c.image));
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0) hostPorts.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  for (const c of pod.spec?.initContainers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0) hostPorts.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  const aff = pod.spec?.affinity;
  const requiredAffinityTerms = (aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => toTerm(t, namespace));
  const requiredAntiAffinityTerms = (aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => toTerm(t, namespace));
  const preferredAffinityTerms = (aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => toWeighted(t, namespace));
  const preferredAntiAffinityTerms = (aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => toWeighted(t, namespace));
  return {
    pod,
    key: `${namespace}/${pod.metadata?.name ?? ''}`,
    namespace,
    labels: pod.metadata?.labels ?? {},
    requests: req.requests,
    nonZeroMilliCPU: req.nonZeroMilliCPU,
    nonZeroMemory: req.nonZeroMemory,
    hostPorts,
    images,
    requiredAffinityTerms,
    requiredAntiAffinityTerms,
    preferredAffinityTerms,
    preferredAntiAffinityTerms,
    hasAffinity:
      requiredAffinityTerms.length + requiredAntiAffinityTerms.length + preferredAffinityTerms.length + preferredAntiAffinityTerms.length > 0,
  };
}

/** Whether a term selects pod `p` (namespace, then labels). */
export function termMatchesPod(term: AffinityTerm, p: PodInfo, nsLabels: NamespaceLabels): boolean {
  if (!term.namespaces.has(p.namespace)) {
    if (!term.namespaceSelector) return false;
    if (term.namespaceSelector !== everything() && !matches(term.namespaceSelector, nsLabels(p.namespace))) return false;
  }
  return matches(term.selector, p.labels);
}

/** docker.io/library/nginx:latest style names are what nodes report; pods may say `nginx`. */
export function normalizedImageName(image: string): string {
  let name = image;
  const at = name.indexOf('@');
  if (at < 0) {
    const lastSlash = name.lastIndexOf('/');
    const colon = name.lastIndexOf(':');
    if (colon <= lastSlash) name += ':latest';
  }
  return name;
}
