/**
 * The namespace controller (pkg/controller/namespace): a namespace being
 * deleted (deletionTimestamp set, phase Terminating) has every namespaced
 * object in it deleted, type by type; once nothing is left it clears the
 * `kubernetes` entry of spec.finalizers through `namespaces/<n>/finalize`,
 * and the API server removes the namespace. Objects that take time to go
 * (pods with a grace period, objects with finalizers) make it look again
 * a little later, reporting what remains in the namespace's conditions.
 */
import type { Namespace, NamespaceCondition } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import { resourceTypes } from '../../api/kinds.js';
import type { KObject } from '../../api/types.js';
import type { GroupVersionResource, Informer, SyncResult, WorkQueue } from '../../client/types.js';
import type { Logger } from '../../util/log.js';
import { runSyncWorkers, type ControllerContext, type RunningController } from '../shared/controller.js';
import { gvr } from '../shared/resources.js';

type NamespaceObj = Namespace & KObject;

export const kubernetesFinalizer = 'kubernetes';

/** Every namespaced type once (by storage location), in the preferred version. */
export function namespacedTypes(): { gvr: GroupVersionResource; deletecollection: boolean }[] {
  const seen = new Set<string>();
  const out: { gvr: GroupVersionResource; deletecollection: boolean }[] = [];
  for (const t of resourceTypes) {
    if (!t.namespaced || !t.preferred || !t.verbs.includes('list')) continue;
    const k = `${t.storage.group}/${t.storage.resource}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ gvr: { group: t.group, version: t.version, resource: t.resource }, deletecollection: t.verbs.includes('deletecollection') });
  }
  return out;
}

export interface NamespaceControllerOptions {
  ctx: ControllerContext;
  /** How soon to look again while content remains (Kubernetes estimates from pod grace periods). */
  recheckMs?: number;
}

export class NamespaceController implements RunningController {
  readonly name = 'namespace';
  private readonly queue: WorkQueue<string>;
  private readonly namespaces: Informer<NamespaceObj>;
  private readonly log: Logger;

  constructor(private readonly o: NamespaceControllerOptions) {
    const { ctx } = o;
    this.log = ctx.log.child({ controller: this.name });
    this.queue = ctx.newQueue(this.name);
    this.namespaces = ctx.informers.informerFor<NamespaceObj>(gvr.namespaces);
    const maybe = (ns: Readonly<NamespaceObj>) => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(ns.metadata.name!);
    };
    this.namespaces.addEventHandler({ onAdd: maybe, onUpdate: (_a, b) => maybe(b) });
  }

  run(workers: number): void {
    runSyncWorkers(this.queue, workers, (k) => this.sync(k), this.log);
  }

  stop(): void {
    this.queue.shutDown();
  }

  async sync(name: string): Promise<SyncResult> {
    const cached = this.namespaces.get(name);
    if (!cached || !cached.metadata?.deletionTimestamp) return;
    const client = this.o.ctx.client;
    // Work from the live object: the finalize call needs its current resourceVersion.
    let ns: NamespaceObj;
    try {
      ns = await client.resource<NamespaceObj>(gvr.namespaces).get(name);
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return;
      throw e;
    }
    if (!ns.metadata?.deletionTimestamp) return;
    if (!(ns.spec?.finalizers ?? []).includes(kubernetesFinalizer)) return;
    if (ns.status?.phase !== 'Terminating') {
      ns = await client.resource<NamespaceObj>(gvr.namespaces).updateStatus({ ...ns, status: { ...ns.status, phase: 'Terminating' } });
    }

    const remaining: string[] = [];
    const failures: string[] = [];
    let withFinalizers = 0;
    const finalizerNames = new Set<string>();
    await Promise.all(
      namespacedTypes().map(async (t) => {
        const rc = client.resource<KObject>(t.gvr, name);
        try {
          if (t.deletecollection) await rc.deleteCollection({});
          const left = (await rc.list()).items;
          if (!t.deletecollection) {
            for (const obj of left) await rc.delete(obj.metadata!.name!).catch((e) => (isStatusError(e, 'NotFound') ? undefined : Promise.reject(e)));
          }
          if (left.length) {
            remaining.push(`${t.gvr.group ? `${t.gvr.resource}.${t.gvr.group}` : t.gvr.resource} has ${left.length} resource instances`);
            for (const obj of left) {
              const f = obj.metadata?.finalizers ?? [];
              if (f.length) {
                withFinalizers++;
                for (const x of f) finalizerNames.add(x);
              }
            }
          }
        } catch (e) {
          if (isStatusError(e, 'NotFound') || isStatusError(e, 'MethodNotAllowed')) return;
          failures.push(`${t.gvr.resource}: ${(e as Error).message}`);
        }
      }),
    );

    if (remaining.length || failures.length) {
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const conds: NamespaceCondition[] = [
        failures.length
          ? { type: 'NamespaceDeletionContentFailure', status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${failures.length} remaining: ${failures.sort().join(', ')}`, lastTransitionTime: now }
          : { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization', lastTransitionTime: now },
        remaining.length
          ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.sort().join(', ')}`, lastTransitionTime: now }
          : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed', lastTransitionTime: now },
        withFinalizers
          ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${[...finalizerNames].sort().join(', ')} in ${withFinalizers} resource instances`, lastTransitionTime: now }
          : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished', lastTransitionTime: now },
      ];
      await this.setConditions(ns, conds).catch((e) => this.log.debug({ ns: name, err: (e as Error).message }, 'namespace status update failed'));
      if (failures.length) throw new Error(failures.join('; '));
      return { requeueAfterMs: this.o.recheckMs ?? 1000 };
    }

    const finalized: NamespaceObj = { ...ns, spec: { ...ns.spec, finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== kubernetesFinalizer) } };
    try {
      await client.resource<NamespaceObj>(gvr.namespaces).updateSubresource(name, 'finalize', finalized);
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return;
      throw e;
    }
    this.log.info({ ns: name }, 'namespace finalized');
  }

  private async setConditions(ns: NamespaceObj, conds: NamespaceCondition[]): Promise<void> {
    const old = ns.status?.conditions ?? [];
    const merged = conds.map((c) => {
      const prev = old.find((o) => o.type === c.type);
      return prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message ? prev : c;
    });
    if (JSON.stringify(merged) === JSON.stringify(old)) return;
    await this.o.ctx.client.resource<NamespaceObj>(gvr.namespaces).updateStatus({ ...ns, status: { ...ns.status, conditions: merged } });
  }
}
