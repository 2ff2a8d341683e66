/**
 * The garbage collector (pkg/controller/garbagecollector): follows
 * ownerReferences across every resource type the server serves.
 *
 * - Background: a dependent whose owners are all gone is deleted.
 * - Foreground: an owner with deletionTimestamp and the `foregroundDeletion`
 *   finalizer has its dependents deleted first (they see their owner
 *   "waiting for dependents"); once no dependent with blockOwnerDeletion
 *   remains, the finalizer is removed and the owner goes.
 * - Orphan: an owner with the `orphan` finalizer has its ownerReference
 *   removed from every dependent, then the finalizer is removed.
 *
 * The graph is the informers' caches indexed by uid and by owner uid. An
 * owner missing from the cache is confirmed absent with a live GET before
 * anything is deleted, since caches of different types lag differently.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isStatusError } from '../../api/errors.js';
import { findByKind, resourceTypes } from '../../api/kinds.js';
import type { KObject } from '../../api/types.js';
import type { GroupVersionResource, Informer, ResourceClient, SyncResult, WorkQueue } from '../../client/types.js';
import type { Logger } from '../../util/log.js';
import { releaseOwnerRef } from '../shared/controller-ref.js';
import { ensureIndex, runSyncWorkers, type ControllerContext, type RunningController } from '../shared/controller.js';
import { keyOf } from '../shared/resources.js';

export const orphanFinalizer = 'orphan';
export const foregroundFinalizer = 'foregroundDeletion';

const uidIndex = 'skiff/uid';
const ownerUidIndex = 'skiff/owner-uid';

interface Monitor {
  gvr: GroupVersionResource;
  namespaced: boolean;
  informer: Informer<KObject>;
}

/** Types the collector watches: every listable, deletable type once (by storage), events aside. */
export function collectableTypes(): { gvr: GroupVersionResource; namespaced: boolean }[] {
  const seen = new Set<string>();
  const out: { gvr: GroupVersionResource; namespaced: boolean }[] = [];
  for (const t of resourceTypes) {
    if (!t.preferred) continue;
    if (!t.verbs.includes('list') || !t.verbs.includes('watch') || !t.verbs.includes('delete')) continue;
    if (t.storage.resource === 'events') continue;
    const k = `${t.storage.group}/${t.storage.resource}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ gvr: { group: t.group, version: t.version, resource: t.resource }, namespaced: t.namespaced });
  }
  return out;
}

function gvrKey(g: GroupVersionResource): string {
  return `${g.group}/${g.resource}`;
}

function hasFinalizer(obj: Readonly<KObject>, f: string): boolean {
  return obj.metadata?.finalizers?.includes(f) ?? false;
}

export interface GarbageCollectorOptions {
  ctx: ControllerContext;
  /** Restrict to these types (tests); default every collectable type. */
  types?: { gvr: GroupVersionResource; namespaced: boolean }[];
}

type OwnerState = { state: 'absent' } | { state: 'present'; obj: Readonly<KObject> } | { state: 'unknown' };

export class GarbageCollector implements RunningController {
  readonly name = 'garbagecollector';
  private readonly queue: WorkQueue<string>;
  private readonly monitors = new Map<string, Monitor>();
  private readonly log: Logger;

  constructor(private readonly o: GarbageCollectorOptions) {
    const { ctx } = o;
    this.log = ctx.log.child({ controller: this.name });
    this.queue = ctx.newQueue(this.name);
    for (const t of o.types ?? collectableTypes()) {
      const informer = ctx.informers.informerFor<KObject>(t.gvr);
      const m: Monitor = { gvr: t.gvr, namespaced: t.namespaced, informer };
      this.monitors.set(gvrKey(t.gvr), m);
      ensureIndex(informer, uidIndex, (o) => (o.metadata?.uid ? [o.metadata.uid] : []));
      ensureIndex(informer, ownerUidIndex, (o) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid));
      informer.addEventHandler({
        onAdd: (obj) => {
          if (obj.metadata?.ownerReferences?.length || obj.metadata?.deletionTimestamp) this.enqueue(m, obj);
        },
        onUpdate: (old, obj) => {
          const a = old.metadata ?? {};
          const b = obj.metadata ?? {};
          if (
            JSON.stringify(a.ownerReferences ?? []) !== JSON.stringify(b.ownerReferences ?? []) ||
            !!a.deletionTimestamp !== !!b.deletionTimestamp ||
            JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? [])
          ) {
            this.enqueue(m, obj);
          }
        },
        onDelete: (obj) => {
          // Its dependents may now be orphans; owners waiting on it may be free to go.
          const uid = obj.metadata?.uid;
          if (uid) for (const [dm, dep] of this.dependentsOf(uid)) this.enqueue(dm, dep);
          for (const ref of obj.metadata?.ownerReferences ?? []) {
            for (const mon of this.monitors.values()) for (const owner of mon.informer.byIndex(uidIndex, ref.uid)) this.enqueue(mon, owner);
          }
        },
      });
    }
  }

  run(workers: number): void {
    runSyncWorkers(this.queue, workers, (k) => this.sync(k), this.log);
  }

  stop(): void {
    this.queue.shutDown();
  }

  private enqueue(m: Monitor, obj: Readonly<KObject>): void {
    this.queue.add(`${gvrKey(m.gvr)}|${keyOf(obj)}`);
  }

  private dependentsOf(uid: string): [Monitor, Readonly<KObject>][] {
    const out: [Monitor, Readonly<KObject>][] = [];
    for (const m of this.monitors.values()) for (const d of m.informer.byIndex(ownerUidIndex, uid)) out.push([m, d]);
    return out;
  }

  private clientFor(m: Monitor, namespace: string | undefined): ResourceClient<KObject> {
    return this.o.ctx.client.resource<KObject>(m.gvr, m.namespaced ? namespace : undefined);
  }

  async sync(key: string): Promise<SyncResult> {
    const bar = key.indexOf('|');
    const m = this.monitors.get(key.slice(0, bar));
    if (!m) return;
    const objKey = key.slice(bar + 1);
    const obj = m.informer.get(objKey);
    if (!obj) return;
    const meta = obj.metadata ?? {};
    if (meta.deletionTimestamp) {
      if (hasFinalizer(obj, orphanFinalizer)) await this.orphanDependents(m, obj);
      else if (hasFinalizer(obj, foregroundFinalizer)) await this.deleteDependentsFirst(m, obj);
      return;
    }
    if (!meta.ownerReferences?.length) return;
    await this.attemptToDelete(m, obj);
  }

  /** Where the owner a reference names stands: present (with its state), absent, or of a type we cannot resolve. */
  private async lookupOwner(ref: OwnerReference, namespace: string | undefined): Promise<OwnerState> {
    const rt = findByKind(ref.apiVersion, ref.kind);
    if (!rt) return { state: 'unknown' };
    const storageKey = `${rt.storage.group}/${rt.storage.resource}`;
    const m = [...this.monitors.values()].find((x) => {
      const t = findByKind(x.gvr.group ? `${x.gvr.group}/${x.gvr.version}` : x.gvr.version, rt.kind);
      return t && `${t.storage.group}/${t.storage.resource}` === storageKey;
    });
    if (m) {
      const cached = m.informer.byIndex(uidIndex, ref.uid)[0];
      if (cached) return { state: 'present', obj: cached };
    }
    // Not in the cache: ask the server (the cache may be behind).
    try {
      const live = await this.o.ctx.client.resource<KObject>({ group: rt.group, version: rt.version, resource: rt.resource }, rt.namespaced ? namespace : undefined).get(ref.name);
      return live.metadata?.uid === ref.uid ? { state: 'present', obj: live } : { state: 'absent' };
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return { state: 'absent' };
      throw e;
    }
  }

  /** A dependent: delete it when no owner holds it, tidy references to owners that are gone. */
  private async attemptToDelete(m: Monitor, obj: Readonly<KObject>): Promise<void> {
    const meta = obj.metadata!;
    const refs = meta.ownerReferences ?? [];
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const s = await this.lookupOwner(ref, meta.namespace);
      if (s.state === 'absent') dangling.push(ref);
      else if (s.state === 'unknown') solid.push(ref);
      else if (s.obj.metadata?.deletionTimestamp && hasFinalizer(s.obj, foregroundFinalizer)) waiting.push(ref);
      else solid.push(ref);
    }
    const client = this.clientFor(m, meta.namespace);
    if (solid.length) {
      if (!dangling.length && !waiting.some((r) => r.blockOwnerDeletion)) return;
      // Still owned: drop references to owners that are gone, and stop blocking owners that wait for us.
      const goneUids = new Set(dangling.map((r) => r.uid));
      const next = refs.filter((r) => !goneUids.has(r.uid)).map((r) => (waiting.some((w) => w.uid === r.uid) ? { ...r, blockOwnerDeletion: false } : r));
      try {
        await client.patch(meta.name!, 'merge', { metadata: { ownerReferences: next, resourceVersion: meta.resourceVersion } });
      } catch (e) {
        if (!isStatusError(e, 'NotFound')) throw e;
      }
      return;
    }
    let policy: 'Foreground' | 'Background' | 'Orphan';
    if (waiting.length && this.dependentsOf(meta.uid!).length) policy = 'Foreground';
    else if (hasFinalizer(obj, orphanFinalizer)) policy = 'Orphan';
    else if (hasFinalizer(obj, foregroundFinalizer)) policy = 'Foreground';
    else policy = 'Background';
    this.log.debug({ key: keyOf(obj), resource: m.gvr.resource, policy }, 'deleting object whose owners are gone');
    try {
      await client.delete(meta.name!, { propagationPolicy: policy, preconditions: { uid: meta.uid } });
    } catch (e) {
      if (isStatusError(e, 'NotFound') || isStatusError(e, 'Conflict')) return;
      throw e;
    }
  }

  /** Foreground: dependents go first; the finalizer comes off when none blocks any more. */
  private async deleteDependentsFirst(m: Monitor, owner: Readonly<KObject>): Promise<void> {
    const deps = this.dependentsOf(owner.metadata!.uid!);
    for (const [dm, dep] of deps) if (!dep.metadata?.deletionTimestamp) this.enqueue(dm, dep);
    const blocking = deps.filter(([, dep]) => dep.metadata?.ownerReferences?.some((r) => r.uid === owner.metadata!.uid && r.blockOwnerDeletion));
    if (blocking.length) return;
    await this.removeFinalizer(m, owner, foregroundFinalizer);
  }

  /** Orphan: dependents lose their reference to this owner, then the finalizer comes off. */
  private async orphanDependents(m: Monitor, owner: Readonly<KObject>): Promise<void> {
    const uid = owner.metadata!.uid!;
    const errs: unknown[] = [];
    await Promise.all(
      this.dependentsOf(uid).map(async ([dm, dep]) => {
        try {
          await releaseOwnerRef(this.clientFor(dm, dep.metadata?.namespace), dep, uid);
        } catch (e) {
          errs.push(e);
        }
      }),
    );
    if (errs.length) throw errs[0];
    await this.removeFinalizer(m, owner, orphanFinalizer);
  }

  private async removeFinalizer(m: Monitor, obj: Readonly<KObject>, finalizer: string): Promise<void> {
    const client = this.clientFor(m, obj.metadata?.namespace);
    const name = obj.metadata!.name!;
    for (let attempt = 0; ; attempt++) {
      const cur = attempt === 0 ? obj : await client.get(name).catch((e) => (isStatusError(e, 'NotFound') ? undefined : Promise.reject(e)));
      if (!cur) return;
      const fins = cur.metadata?.finalizers ?? [];
      if (!fins.includes(finalizer)) return;
      try {
        await client.patch(name, 'merge', { metadata: { finalizers: fins.filter((f) => f !== finalizer), resourceVersion: cur.metadata?.resourceVersion } });
        return;
      } catch (e) {
        if (isStatusError(e, 'NotFound')) return;
        if (!isStatusError(e, 'Conflict') || attempt >= 3) throw e;
      }
    }
  }
}


