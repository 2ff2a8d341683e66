/**
 * Static pod manifests: every non-hidden file in the manifest directory,
 * YAML or JSON, one or more documents, each a v1 Pod. Like the kubelet, a
 * static pod is named `<name>-<nodeName>`, bound to this node, defaulted as
 * the API server would, and identified by a hash of its manifest and node:
 * the hash is its UID and its `kubernetes.io/config.hash`, so an edited
 * manifest is a new pod that replaces the old one.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { defaultPod } from '../../api/defaults/index.js';

export const ANNOTATION_CONFIG_HASH = 'kubernetes.io/config.hash';
export const ANNOTATION_CONFIG_SOURCE = 'kubernetes.io/config.source';
export const ANNOTATION_CONFIG_SEEN = 'kubernetes.io/config.seen';

export interface StaticPod {
  pod: Pod;
  hash: string;
  /** `namespace/name` after renaming: two manifests may not share one. */
  fullName: string;
  file: string;
}

export interface ManifestProblem {
  file: string;
  message: string;
}

/** Parses one manifest file's text into static pods for `nodeName`. */
export function staticPodsOf(text: string, file: string, nodeName: string): StaticPod[] {
  const out: StaticPod[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(doc.errors[0].message);
    const obj = doc.toJSON() as Pod | null;
    if (obj === null || obj === undefined) continue;
    if (typeof obj !== 'object' || obj.kind !== 'Pod' || (obj.apiVersion ?? 'v1') !== 'v1') {
      throw new Error(`expected a v1 Pod, got ${(obj as { apiVersion?: string }).apiVersion ?? '?'}/${(obj as { kind?: string }).kind ?? '?'}`);
    }
    if (!obj.metadata?.name) throw new Error('metadata.name is required');
    if (!obj.spec?.containers?.length) throw new Error('spec.containers is required');
    const hash = createHash('sha256').update(JSON.stringify(obj)).update('\0').update(nodeName).digest('hex').slice(0, 32);
    // A status written in the file means nothing: the agent computes its own.
    const { status: _ignored, ...rest } = structuredClone(obj);
    const pod: Pod = rest;
    pod.apiVersion = 'v1';
    pod.kind = 'Pod';
    const namespace = pod.metadata!.namespace || 'default';
    pod.metadata = {
      ...pod.metadata,
      name: `${obj.metadata.name}-${nodeName}`,
      namespace,
      uid: hash,
      annotations: { ...(pod.metadata!.annotations ?? {}), [ANNOTATION_CONFIG_HASH]: hash, [ANNOTATION_CONFIG_SOURCE]: 'file' },
    };
    pod.spec!.nodeName = nodeName;
    defaultPod(pod);
    out.push({ pod, hash, fullName: `${namespace}/${pod.metadata.name}`, file });
  }
  return out;
}

/** Reads the directory; files that do not parse are reported and left out. */
export function readManifests(dir: string, nodeName: string): { pods: StaticPod[]; problems: ManifestProblem[] } {
  const pods: StaticPod[] = [];
  const problems: ManifestProblem[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return { pods, problems };
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      for (const sp of staticPodsOf(readFileSync(file, 'utf8'), file, nodeName)) {
        if (seen.has(sp.fullName)) {
          problems.push({ file, message: `pod ${sp.fullName} is already defined by another manifest; ignored` });
          continue;
        }
        seen.add(sp.fullName);
        pods.push(sp);
      }
    } catch (err) {
      problems.push({ file, message: (err as Error).message });
    }
  }
  return { pods, problems };
}
