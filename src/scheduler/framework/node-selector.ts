/**
 * nodeSelector / nodeAffinity matching (component-helpers
 * scheduling/corev1/nodeaffinity): terms are ORed, a term's expressions and
 * fields ANDed, an empty term matches nothing; Gt/Lt compare integers.
 */
import type { Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';

type Labels = Readonly<Record<string, string>>;

const intPattern = /^[+-]?\d+$/;

export function requirementMatches(r: NodeSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key]! : '';
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(v);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const want = r.values?.[0];
      if (!has || want === undefined || r.values!.length !== 1 || !intPattern.test(v) || !intPattern.test(want)) return false;
      const a = BigInt(v);
      const b = BigInt(want);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** matchFields supports only metadata.name, as Kubernetes does. */
function fieldMatches(r: NodeSelectorRequirement, nodeName: string): boolean {
  if (r.key !== 'metadata.name') return false;
  return requirementMatches(r, { 'metadata.name': nodeName });
}

export function termMatches(term: NodeSelectorTerm, labels: Labels, nodeName: string): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!requirementMatches(r, labels)) return false;
  for (const r of fields) if (!fieldMatches(r, nodeName)) return false;
  return true;
}

export function nodeSelectorMatches(sel: NodeSelector, labels: Labels, nodeName: string): boolean {
  for (const term of sel.nodeSelectorTerms ?? []) if (termMatches(term, labels, nodeName)) return true;
  return false;
}

/** spec.nodeSelector AND required node affinity, the rule both NodeAffinity and PodTopologySpread apply. */
export function podMatchesNodeSelectorAndAffinity(
  pod: { spec?: { nodeSelector?: Record<string, string>; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector } } } },
  node: Node,
): boolean {
  const labels: Labels = node.metadata?.labels ?? {};
  const ns = pod.spec?.nodeSelector;
  if (ns) for (const k in ns) if (labels[k] !== ns[k]) return false;
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (req && !nodeSelectorMatches(req, labels, node.metadata?.name ?? '')) return false;
  return true;
}
