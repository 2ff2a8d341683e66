/**
 * The downward API's pod fields (env `fieldRef` and downwardAPI volume
 * items): what each supported fieldPath reads, pure so the table can be
 * tested. Unknown paths give undefined; validation rejects them earlier.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** What the node knows and the pod object does not say. */
export interface NodeFields {
  nodeName: string;
  hostIP: string | undefined;
  podIP: string | undefined;
}

/** The downward API's `key="value"` lines, sorted by key. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

export function podFieldValue(pod: Pod, path: string, node: NodeFields): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]];
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name;
    case 'metadata.namespace':
      return pod.metadata?.namespace;
    case 'metadata.uid':
      return pod.metadata?.uid;
    case 'metadata.labels':
      return formatMap(pod.metadata?.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? node.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName;
    // One address per family; this node has one.
    case 'status.hostIP':
    case 'status.hostIPs':
      return node.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return pod.spec?.hostNetwork ? node.hostIP : node.podIP;
    default:
      return undefined;
  }
}
