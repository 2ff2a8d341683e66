/**
 * The arithmetic of Deployments (pkg/controller/deployment/util): revisions
 * and the annotations that carry them, maxSurge/maxUnavailable fenceposts,
 * which ReplicaSet is "new", proportional scaling, conditions and status.
 * Pure functions over plain objects, so they are tested without a server.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetCondition } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/types.js';
import { canonicalJSON } from '../shared/hash.js';

export type DeploymentObj = Deployment & KObject;
export type RS = ReplicaSet & KObject;

export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
export const changeCauseAnnotation = 'kubernetes.io/change-cause';
export const podTemplateHashLabel = 'pod-template-hash';
/** How long the revision-history annotation may grow (kube-controller-manager's default). */
export const maxRevHistoryLengthInChars = 2000;

export const reasons = {
  failedRSCreate: 'ReplicaSetCreateError',
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  rsUpdated: 'ReplicaSetUpdated',
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

// Annotations that belong to the Deployment or the ReplicaSet alone and are not copied between them.
const annotationsToSkip = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  'deprecated.deployment.rollback.to',
]);

export function skipCopyAnnotation(key: string): boolean {
  return annotationsToSkip.has(key);
}

export function replicasOf(obj: { spec?: { replicas?: number } } | undefined | null): number {
  return obj?.spec?.replicas ?? 1;
}

/** The revision annotation as a number; 0 when absent, NaN when garbled. */
export function revisionOf(obj: Readonly<KObject> | undefined | null): number {
  const v = obj?.metadata?.annotations?.[revisionAnnotation];
  if (v === undefined || v === '') return 0;
  return /^\d+$/.test(v) ? Number(v) : NaN;
}

export function maxRevision(sets: readonly (Readonly<RS> | undefined)[]): number {
  let max = 0;
  for (const rs of sets) {
    const v = revisionOf(rs);
    if (Number.isFinite(v) && v > max) max = v;
  }
  return max;
}

// ---- fenceposts ---------------------------------------------------------

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    if (/^\d+$/.test(v)) return Number(v);
    throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export function isRollingUpdate(d: Readonly<DeploymentObj>): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** Surge rounds up, unavailable rounds down; both zero becomes unavailable 1. */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function rollingParams(d: Readonly<DeploymentObj>): { maxSurge: number | string; maxUnavailable: number | string } {
  const ru = d.spec?.strategy?.rollingUpdate;
  return { maxSurge: ru?.maxSurge ?? '25%', maxUnavailable: ru?.maxUnavailable ?? '25%' };
}

export function maxSurge(d: Readonly<DeploymentObj>): number {
  if (!isRollingUpdate(d)) return 0;
  const p = rollingParams(d);
  return resolveFenceposts(p.maxSurge, p.maxUnavailable, replicasOf(d)).surge;
}

export function maxUnavailable(d: Readonly<DeploymentObj>): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const p = rollingParams(d);
  const u = resolveFenceposts(p.maxSurge, p.maxUnavailable, replicas).unavailable;
  return Math.min(u, replicas);
}

// ---- replica set bookkeeping ------------------------------------------

export function specReplicasSum(sets: readonly (Readonly<RS> | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs ? replicasOf(rs) : 0), 0);
}
export function statusReplicasSum(sets: readonly (Readonly<RS> | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}
export function readySum(sets: readonly (Readonly<RS> | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}
export function availableSum(sets: readonly (Readonly<RS> | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

export function activeSets<T extends Readonly<RS>>(sets: readonly (T | undefined)[]): T[] {
  return sets.filter((rs): rs is T => !!rs && replicasOf(rs) > 0);
}

function created(o: Readonly<KObject>): number {
  const t = o.metadata?.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

function byName(a: Readonly<KObject>, b: Readonly<KObject>): number {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function byCreation(a: Readonly<KObject>, b: Readonly<KObject>): number {
  return created(a) - created(b) || byName(a, b);
}

/** ReplicaSetsBySizeOlder: larger first; ties older first. */
export function bySizeOlder(a: Readonly<RS>, b: Readonly<RS>): number {
  return replicasOf(b) - replicasOf(a) || byCreation(a, b);
}

/** ReplicaSetsBySizeNewer: larger first; ties newer first. */
export function bySizeNewer(a: Readonly<RS>, b: Readonly<RS>): number {
  return replicasOf(b) - replicasOf(a) || byCreation(b, a);
}

/** ReplicaSetsByRevision: lowest revision first; ties by creation. */
export function byRevision(a: Readonly<RS>, b: Readonly<RS>): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === rb || !Number.isFinite(ra) || !Number.isFinite(rb)) return byCreation(a, b);
  return ra - rb;
}

/** Templates equal once the pod-template-hash label is set aside (EqualIgnoreHash). */
export function equalIgnoreHash(a: Readonly<PodTemplateSpec> | undefined, b: Readonly<PodTemplateSpec> | undefined): boolean {
  const strip = (t: Readonly<PodTemplateSpec> | undefined) => {
    const c = structuredClone(t ?? {}) as PodTemplateSpec;
    if (c.metadata?.labels) delete c.metadata.labels[podTemplateHashLabel];
    return canonicalJSON(c);
  };
  return strip(a) === strip(b);
}

/** The oldest set whose template matches the Deployment's (FindNewReplicaSet). */
export function findNewReplicaSet<T extends Readonly<RS>>(d: Readonly<DeploymentObj>, sets: readonly T[]): T | undefined {
  return [...sets].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every set but the new one; `withPods` only those scaled above zero (FindOldReplicaSets). */
export function findOldReplicaSets<T extends Readonly<RS>>(d: Readonly<DeploymentObj>, sets: readonly T[]): { withPods: T[]; all: T[] } {
  const newRS = findNewReplicaSet(d, sets);
  const all = sets.filter((rs) => rs.metadata?.uid !== newRS?.metadata?.uid || !newRS);
  return { withPods: all.filter((rs) => replicasOf(rs) !== 0), all };
}

/** NewRSNewReplicas: how big the new set may be now. */
export function newRSNewReplicas(d: Readonly<DeploymentObj>, allSets: readonly (Readonly<RS> | undefined)[], newRS: Readonly<RS>): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d)) return replicas;
  const surge = scaledValue(rollingParams(d).maxSurge, replicas, true);
  // Kubernetes counts spec.replicas only, so pods of a set just scaled down
  // still exist while the new set grows into their room: a watcher sees
  // more than replicas+maxSurge pods for a moment. Counting a set's
  // observed pods when they exceed its spec keeps the bound strict.
  const current = allSets.reduce((n, rs) => n + (rs ? Math.max(replicasOf(rs), rs.status?.replicas ?? 0) : 0), 0);
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, replicas - replicasOf(newRS));
  return replicasOf(newRS) + up;
}

function intAnnotation(rs: Readonly<RS>, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

export function desiredReplicasOf(rs: Readonly<RS>): number | undefined {
  return intAnnotation(rs, desiredReplicasAnnotation);
}

/** The new set runs every desired replica, all available (IsSaturated). */
export function isSaturated(d: Readonly<DeploymentObj>, rs: Readonly<RS> | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasOf(rs);
  const n = replicasOf(d);
  return replicasOf(rs) === n && desired === n && (rs.status?.availableReplicas ?? 0) === n;
}

/** Go's math.Round: half away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** How many replicas this set gains (or loses) when the Deployment resizes mid-rollout (GetProportion). */
export function proportion(rs: Readonly<RS>, d: Readonly<DeploymentObj>, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = rsFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function rsFraction(rs: Readonly<RS>, d: Readonly<DeploymentObj>): number {
  if (replicasOf(d) === 0) return -replicasOf(rs);
  const deploymentReplicas = replicasOf(d) + maxSurge(d);
  const annotated = intAnnotation(rs, maxReplicasAnnotation) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  return roundHalfAway((replicasOf(rs) * deploymentReplicas) / annotated) - replicasOf(rs);
}

/** Whether the desired/max replica annotations differ from what they should be. */
export function replicasAnnotationsNeedUpdate(rs: Readonly<RS>, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations ?? {};
  return a[desiredReplicasAnnotation] !== String(desired) || a[maxReplicasAnnotation] !== String(max);
}

/** Sets desired/max replica annotations on a (mutable) set; true when something changed. */
export function setReplicasAnnotations(rs: RS, desired: number, max: number): boolean {
  rs.metadata ??= {};
  rs.metadata.annotations ??= {};
  let changed = false;
  if (rs.metadata.annotations[desiredReplicasAnnotation] !== String(desired)) {
    rs.metadata.annotations[desiredReplicasAnnotation] = String(desired);
    changed = true;
  }
  if (rs.metadata.annotations[maxReplicasAnnotation] !== String(max)) {
    rs.metadata.annotations[maxReplicasAnnotation] = String(max);
    changed = true;
  }
  return changed;
}

/** Copies the Deployment's own annotations (change-cause among them) onto the set. */
export function copyDeploymentAnnotations(d: Readonly<DeploymentObj>, rs: RS): boolean {
  rs.metadata ??= {};
  rs.metadata.annotations ??= {};
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopyAnnotation(k) || rs.metadata.annotations[k] === v) continue;
    rs.metadata.annotations[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the
 * set's revision to `newRevision` (keeping the revisions it had before in
 * revision-history when an old set becomes new again, i.e. a rollback), and
 * on a set about to be created, the replica annotations.
 */
export function setNewReplicaSetAnnotations(d: Readonly<DeploymentObj>, rs: RS, newRevision: number, exists: boolean): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const ann = rs.metadata!.annotations!;
  const oldText = ann[revisionAnnotation];
  const had = oldText !== undefined;
  const old = had ? Number(oldText) : 0;
  if (had && !/^\d+$/.test(oldText)) return changed;
  if (old < newRevision) {
    ann[revisionAnnotation] = String(newRevision);
    changed = true;
  }
  if (had && old < newRevision) {
    const history = ann[revisionHistoryAnnotation] ?? '';
    let revs = history.split(',');
    if (revs[0] === '') {
      ann[revisionHistoryAnnotation] = oldText;
    } else {
      let total = history.length + oldText.length + 1;
      let start = 0;
      while (total > maxRevHistoryLengthInChars && start < revs.length) {
        total -= revs[start]!.length + 1;
        start++;
      }
      if (total <= maxRevHistoryLengthInChars) {
        revs = [...revs.slice(start), oldText];
        ann[revisionHistoryAnnotation] = revs.join(',');
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

// ---- conditions and status --------------------------------------------

export function nowTime(now: number): string {
  return new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now: number): DeploymentCondition {
  const t = nowTime(now);
  return { type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t };
}

export function getCondition(status: Readonly<DeploymentStatus> | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** SetDeploymentCondition: same status and reason is a no-op; same status keeps lastTransitionTime. */
export function setCondition(status: DeploymentStatus, c: DeploymentCondition): void {
  const cur = getCondition(status, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c = { ...c, lastTransitionTime: cur.lastTransitionTime };
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
}

export function hasProgressDeadline(d: Readonly<DeploymentObj>): boolean {
  const p = d.spec?.progressDeadlineSeconds;
  return p !== undefined && p !== null && p !== 2147483647;
}

export function hasRevisionHistoryLimit(d: Readonly<DeploymentObj>): boolean {
  const l = d.spec?.revisionHistoryLimit;
  return l !== undefined && l !== null && l !== 2147483647;
}

/** The status a Deployment should report given its sets (calculateStatus). */
export function calculateStatus(d: Readonly<DeploymentObj>, allSets: readonly (Readonly<RS> | undefined)[], newRS: Readonly<RS> | undefined, now: number): DeploymentStatus {
  const available = availableSum(allSets);
  const total = specReplicasSum(allSets);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: statusReplicasSum(allSets),
    updatedReplicas: statusReplicasSum([newRS]),
    readyReplicas: readySum(allSets),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  status.conditions = (d.status?.conditions ?? []).map((c) => ({ ...c }));
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', reasons.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', reasons.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

export function deploymentComplete(d: Readonly<DeploymentObj>, s: Readonly<DeploymentStatus>): boolean {
  const n = replicasOf(d);
  return (s.updatedReplicas ?? 0) === n && (s.replicas ?? 0) === n && (s.availableReplicas ?? 0) === n && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

export function deploymentProgressing(d: Readonly<DeploymentObj>, s: Readonly<DeploymentStatus>): boolean {
  const o = d.status ?? {};
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0);
}

export function deploymentTimedOut(d: Readonly<DeploymentObj>, s: Readonly<DeploymentStatus>, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === reasons.newRSAvailable) return false;
  if (c.reason === reasons.timedOut) return true;
  const from = c.lastUpdateTime ? Date.parse(c.lastUpdateTime) : 0;
  return from + d.spec!.progressDeadlineSeconds! * 1000 < now;
}

export function replicaSetToDeploymentCondition(c: Readonly<ReplicaSetCondition>): DeploymentCondition {
  return { type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime };
}

/** Structural equality of two statuses, as reflect.DeepEqual compares them. */
export function sameStatus(a: Readonly<DeploymentStatus> | undefined, b: Readonly<DeploymentStatus>): boolean {
  // Zero counts and absent ones are the same thing on the wire (omitempty).
  const z = (s: Readonly<DeploymentStatus> | undefined) =>
    canonicalJSON(Object.fromEntries(Object.entries(s ?? {}).filter(([, v]) => v !== 0)));
  return z(a) === z(b);
}
