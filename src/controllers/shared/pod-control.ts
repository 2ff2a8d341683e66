/**
 * Creating and deleting pods on behalf of a controller (RealPodControl):
 * pods from a template with the controller's ownerReference and a
 * `<owner>-` generateName, and the SuccessfulCreate / FailedCreate /
 * SuccessfulDelete / FailedDelete events Kubernetes records on the owner.
 */
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isStatusError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import type { Recorder } from './events.js';
import { gvr } from './resources.js';

/** Pod names are DNS subdomains of at most 253 characters; generateName leaves room for 5 random ones. */
export function podNamePrefix(controllerName: string): string {
  const prefix = `${controllerName}-`;
  return prefix.length > 253 - 5 ? controllerName : prefix;
}

/** controller.GetPodFromTemplate: the pod a controller would create (not yet sent). */
export function podFromTemplate(template: Readonly<PodTemplateSpec>, owner: Readonly<KObject>, controllerRef?: OwnerReference): Pod {
  const t = structuredClone(template) as PodTemplateSpec;
  const meta: Pod['metadata'] = {
    generateName: podNamePrefix(owner.metadata!.name!),
    namespace: owner.metadata!.namespace,
  };
  if (t.metadata?.labels) meta.labels = t.metadata.labels;
  if (t.metadata?.annotations) meta.annotations = t.metadata.annotations;
  if (t.metadata?.finalizers) meta.finalizers = t.metadata.finalizers;
  if (controllerRef) meta.ownerReferences = [controllerRef];
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: t.spec! };
}

export class PodControl {
  constructor(
    private readonly client: Client,
    private readonly recorder: Recorder,
  ) {}

  /** Creates a pod from `template` owned by `owner`; records the event. `mutate` may name it or add labels. */
  async createPod(namespace: string, template: Readonly<PodTemplateSpec>, owner: Readonly<KObject>, controllerRef: OwnerReference, mutate?: (p: Pod) => void): Promise<Pod> {
    const pod = podFromTemplate(template, owner, controllerRef);
    mutate?.(pod);
    if (!pod.metadata?.labels || Object.keys(pod.metadata.labels).length === 0) {
      throw new Error('unable to create pods, no labels');
    }
    try {
      const created = await this.client.resource<Pod & KObject>(gvr.pods, namespace).create(pod as Pod & KObject);
      this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata!.name}`);
      return created;
    } catch (e) {
      // A namespace going away refuses new pods; that is not the controller's failure.
      if (!isNamespaceTerminating(e)) {
        this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
      }
      throw e;
    }
  }

  /** Deletes a pod; NotFound is success (someone beat us to it), but still rethrown so expectations can be lowered. */
  async deletePod(namespace: string, name: string, owner: Readonly<KObject>): Promise<void> {
    try {
      await this.client.resource(gvr.pods, namespace).delete(name);
    } catch (e) {
      if (isStatusError(e, 'NotFound')) throw e;
      this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
      throw e;
    }
    this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  }
}

/** The API server refuses creates in a Terminating namespace with Forbidden and a NamespaceTerminating cause. */
export function isNamespaceTerminating(e: unknown): boolean {
  if (!isStatusError(e, 'Forbidden')) return false;
  const causes = e.status.details?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating') || /because it is being terminated/.test(e.message);
}

/**
 * slowStartBatch: calls `fn` `count` times in batches of 1, 2, 4, ... so a
 * controller that cannot create pods (quota, admission) fails after one
 * call instead of thousands. Stops at the first batch with an error;
 * returns how many succeeded and the first error.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    let firstError: unknown;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else firstError ??= r.reason;
    }
    if (firstError !== undefined) return { successes, error: firstError };
    remaining -= batch;
  }
  return { successes };
}
