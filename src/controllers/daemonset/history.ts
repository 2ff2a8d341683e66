/**
 * ControllerRevisions for DaemonSets and StatefulSets (pkg/controller/history):
 * each distinct pod template is snapshotted as `<owner>-<hash>` holding the
 * strategic-merge patch `{"spec":{"template":{...,"$patch":"replace"}}}` —
 * what `kubectl rollout undo` applies back onto the owner. Revision numbers
 * only grow: going back to an earlier template renumbers its snapshot as
 * the newest, so `rollout history` lists it last.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { ResourceClient } from '../../client/types.js';
import { canonicalJSON } from '../shared/hash.js';
import { newControllerRef, type GroupVersionKind } from '../shared/resources.js';

export type RevisionObj = ControllerRevision & KObject;

export const revisionHashLabel = 'controller-revision-hash';

/** The data a revision of `template` stores (getPatch). */
export function revisionData(template: Readonly<PodTemplateSpec> | undefined): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...(structuredClone(template ?? {}) as Record<string, unknown>), $patch: 'replace' } } };
}

/** The pod template a revision stores (what the owner's template was then). */
export function templateOf(rev: Readonly<RevisionObj>): PodTemplateSpec {
  const t = structuredClone(((rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {}) as Record<string, unknown>);
  delete t.$patch;
  return t as PodTemplateSpec;
}

/** history.EqualRevision: same stored template, ignoring empty fields. */
export function sameData(rev: Readonly<RevisionObj>, data: unknown): boolean {
  return canonicalJSON(rev.data) === canonicalJSON(data);
}

export function maxRevision(revs: readonly Readonly<RevisionObj>[]): number {
  let m = 0;
  for (const r of revs) m = Math.max(m, r.revision ?? 0);
  return m;
}

export interface EnsureRevisionInput {
  owner: Readonly<KObject>;
  ownerGVK: GroupVersionKind;
  template: Readonly<PodTemplateSpec> | undefined;
  /** The revisions this owner controls. */
  revisions: readonly Readonly<RevisionObj>[];
  /** The hash for a collision count (the name is `<owner>-<hash>`). */
  hash: (collisionCount: number) => string;
  collisionCount: number;
  client: ResourceClient<RevisionObj>;
}

export interface EnsureRevisionResult {
  current: RevisionObj;
  /** Every other revision, oldest first. */
  old: RevisionObj[];
  /** Raised when a name was taken by different data; the owner's status must record it. */
  collisionCount: number;
}

/**
 * Finds or creates the revision for the owner's template and makes it the
 * newest. On a name clash with different data the collision count goes up
 * and the caller must persist it and retry (an error is thrown after).
 */
export async function ensureRevision(input: EnsureRevisionInput): Promise<EnsureRevisionResult> {
  const data = revisionData(input.template);
  const revs = [...input.revisions].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  const matching = revs.filter((r) => sameData(r, data));
  const others = revs.filter((r) => !matching.includes(r));
  const next = maxRevision(others) + 1;
  let collisionCount = input.collisionCount;
  let current: RevisionObj;
  if (matching.length) {
    // Duplicates can exist after a crash; the newest wins.
    current = structuredClone(matching[matching.length - 1]!) as RevisionObj;
    for (const dup of matching.slice(0, -1)) {
      await input.client.delete(dup.metadata!.name!).catch((e) => {
        if (!isStatusError(e, 'NotFound')) throw e;
      });
    }
    if ((current.revision ?? 0) < next) {
      current = await input.client.update({ ...current, revision: next });
    }
  } else {
    const hash = input.hash(collisionCount);
    const rev: RevisionObj = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${input.owner.metadata!.name}-${hash}`,
        namespace: input.owner.metadata!.namespace,
        labels: { ...(input.template?.metadata?.labels ?? {}), [revisionHashLabel]: hash },
        annotations: input.owner.metadata?.annotations ? { ...input.owner.metadata.annotations } : undefined,
        ownerReferences: [newControllerRef(input.owner, input.ownerGVK)],
      },
      data,
      revision: next,
    };
    try {
      current = await input.client.create(rev);
    } catch (e) {
      if (!isStatusError(e, 'AlreadyExists')) throw e;
      const existing = await input.client.get(rev.metadata!.name!);
      if (sameData(existing, data) && existing.metadata?.ownerReferences?.some((r) => r.uid === input.owner.metadata?.uid)) {
        current = existing.revision === next ? existing : await input.client.update({ ...existing, revision: next });
      } else {
        collisionCount++;
        return { current: existing, old: others, collisionCount };
      }
    }
  }
  return { current, old: others as RevisionObj[], collisionCount };
}

/** Deletes the oldest revisions beyond `limit`, sparing those `inUse` (hashes/names live pods still carry). */
export async function cleanupRevisions(client: ResourceClient<RevisionObj>, old: readonly Readonly<RevisionObj>[], limit: number, inUse: (r: Readonly<RevisionObj>) => boolean): Promise<void> {
  const removable = old.filter((r) => !inUse(r)).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  const excess = removable.length - limit;
  for (const r of removable.slice(0, Math.max(0, excess))) {
    try {
      await client.delete(r.metadata!.name!);
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) throw e;
    }
  }
}
