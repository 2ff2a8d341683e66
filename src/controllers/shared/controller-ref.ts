/**
 * ControllerRefManager (k8s.io/kubernetes/pkg/controller): decides which of
 * the objects a controller's selector finds are its own, adopting orphans
 * that match and releasing owned objects that no longer match.
 *
 * Adoption re-reads the owner from the API server once per claim (not the
 * cache) so that a controller that was deleted, or replaced by one with the
 * same name, never adopts anything.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isStatusError } from '../../api/errors.js';
import { matches, type LabelSelector } from '../../api/labels.js';
import type { KObject } from '../../api/types.js';
import type { ResourceClient } from '../../client/types.js';
import { getControllerOf, newControllerRef, type GroupVersionKind } from './resources.js';

export interface ClaimOptions<T extends KObject> {
  owner: Readonly<KObject>;
  ownerGVK: GroupVersionKind;
  selector: LabelSelector;
  /** Client for the claimed objects' type in the owner's namespace, used to patch ownerReferences. */
  objects: ResourceClient<T>;
  /** A fresh read of the owner from the API server (not the cache). */
  fetchOwner: () => Promise<Readonly<KObject>>;
}

export class ControllerRefManager<T extends KObject> {
  private canAdoptResult: Promise<void> | undefined;
  constructor(private readonly o: ClaimOptions<T>) {}

  /**
   * The objects this owner controls after adopting and releasing. Errors
   * other than NotFound on individual patches are collected and thrown at
   * the end (after the claimable objects are known), so sync can retry.
   */
  async claim(objs: readonly Readonly<T>[]): Promise<Readonly<T>[]> {
    const claimed: Readonly<T>[] = [];
    const errs: unknown[] = [];
    const owner = this.o.owner;
    const ownerUid = owner.metadata?.uid;
    const ownerDeleting = !!owner.metadata?.deletionTimestamp;
    await Promise.all(
      objs.map(async (obj) => {
        try {
          const ref = getControllerOf(obj);
          if (ref) {
            if (ref.uid !== ownerUid) return; // someone else's
            if (matches(this.o.selector, obj.metadata?.labels)) {
              claimed.push(obj);
              return;
            }
            if (ownerDeleting) return; // keep them while the owner goes away; GC handles them
            await this.release(obj);
            return;
          }
          // An orphan.
          if (ownerDeleting || !matches(this.o.selector, obj.metadata?.labels)) return;
          if (obj.metadata?.deletionTimestamp) return;
          if (obj.metadata?.namespace !== owner.metadata?.namespace) return;
          if (await this.adopt(obj)) claimed.push(obj);
        } catch (e) {
          errs.push(e);
        }
      }),
    );
    if (errs.length) throw errs[0];
    return claimed;
  }

  private canAdopt(): Promise<void> {
    this.canAdoptResult ??= (async () => {
      const fresh = await this.o.fetchOwner();
      const m = fresh.metadata ?? {};
      if (m.uid !== this.o.owner.metadata?.uid) {
        throw new Error(`original ${this.o.ownerGVK.kind} ${this.o.owner.metadata?.namespace}/${this.o.owner.metadata?.name} is gone: got uid ${m.uid}, wanted ${this.o.owner.metadata?.uid}`);
      }
      if (m.deletionTimestamp) {
        throw new Error(`${this.o.ownerGVK.kind} ${m.namespace}/${m.name} has just been deleted at ${m.deletionTimestamp}`);
      }
    })();
    return this.canAdoptResult;
  }

  private async adopt(obj: Readonly<T>): Promise<boolean> {
    await this.canAdopt();
    const ref = newControllerRef(this.o.owner, this.o.ownerGVK);
    const refs = obj.metadata?.ownerReferences;
    const ops: unknown[] = [{ op: 'test', path: '/metadata/uid', value: obj.metadata?.uid }];
    if (refs && refs.length) ops.push({ op: 'add', path: '/metadata/ownerReferences/-', value: ref });
    else ops.push({ op: 'add', path: '/metadata/ownerReferences', value: [ref] });
    try {
      await this.o.objects.patch(obj.metadata!.name!, 'json', ops);
      return true;
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return false;
      if (isStatusError(e, 'Invalid') || isStatusError(e, 'Conflict')) return false;
      throw e;
    }
  }

  private async release(obj: Readonly<T>): Promise<void> {
    await releaseOwnerRef(this.o.objects, obj, this.o.owner.metadata!.uid!);
  }
}

/** Removes the ownerReference with `ownerUid` from `obj` (a JSON patch guarded by a test on the entry). NotFound is not an error. */
export async function releaseOwnerRef<T extends KObject>(client: ResourceClient<T>, obj: Readonly<KObject>, ownerUid: string): Promise<void> {
  const refs: readonly OwnerReference[] = obj.metadata?.ownerReferences ?? [];
  const i = refs.findIndex((r) => r.uid === ownerUid);
  if (i < 0) return;
  try {
    await client.patch(obj.metadata!.name!, 'json', [
      { op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: ownerUid },
      { op: 'remove', path: `/metadata/ownerReferences/${i}` },
    ]);
  } catch (e) {
    if (isStatusError(e, 'NotFound')) return;
    throw e;
  }
}
