/**
 * `kubectl rolling-update` as kubectl 1.17 did it (pkg/kubectl/rolling_updater.go),
 * for the ReplicationControllers the seeds still use: a new RC starts at 0
 * replicas, then alternately the new one is scaled up (never more than one
 * pod over the desired count) and the old one down once the new pods are
 * Ready (never fewer Ready pods than desired), until the old is at 0; then
 * the old RC is deleted — and with --image the new RC takes the old name.
 * The bookkeeping lives in the same annotations old kubectl wrote, so an
 * interrupted update can be resumed or rolled back.
 */
import { createHash } from 'node:crypto';
import type { ReplicationController } from 'kubernetes-types/core/v1.js';

export const annotations = {
  sourceId: 'kubectl.kubernetes.io/update-source-id',
  desiredReplicas: 'kubectl.kubernetes.io/desired-replicas',
  nextController: 'kubectl.kubernetes.io/next-controller-id',
  originalReplicas: 'kubectl.kubernetes.io/original-replicas',
};

export type RC = ReplicationController;

/** What the updater needs from the cluster (kubectl in the plugin, fakes in tests). */
export interface RCApi {
  getRC(name: string): Promise<RC | undefined>;
  createRC(rc: RC): Promise<RC>;
  /** Merge-patches metadata annotations/labels and spec (null deletes a key). */
  patchRC(name: string, patch: Record<string, unknown>): Promise<RC>;
  /** Sets spec.replicas and waits until the RC's status reports that many pods. */
  scaleAndWait(name: string, replicas: number): Promise<RC>;
  /** Ready pods (Ready for minReadySeconds) matching a selector. */
  readyPods(selector: Record<string, string>, minReadySeconds: number): Promise<number>;
  /** Adds a label to every pod matching the selector. */
  labelPods(selector: Record<string, string>, key: string, value: string): Promise<void>;
  deleteRC(name: string, orphan: boolean): Promise<void>;
}

export interface UpdateConfig {
  out: (line: string) => void;
  updatePeriodMs: number;
  pollIntervalMs: number;
  timeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
}

const replicasOf = (rc: RC) => rc.spec?.replicas ?? 0;
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** util.HashObject: md5 of the object's JSON, in hex — the suffix of `<old>-<hash>`. */
export function hashObject(obj: unknown): string {
  return createHash('md5').update(JSON.stringify(obj)).digest('hex');
}

/**
 * CreateNewControllerFromCurrentController for --image: the old RC with the
 * image swapped, named `<old>-<hash>`, selecting `<key>=<hash>`.
 */
export function newControllerForImage(old: RC, image: string, deploymentKey: string, container?: string): RC {
  const rc = structuredClone(old);
  const containers = rc.spec?.template?.spec?.containers ?? [];
  if (!containers.length) throw new Error(`pod has no containers! (${old.metadata?.name})`);
  let target = containers[0]!;
  if (container) {
    const c = containers.find((x) => x.name === container);
    if (!c) throw new Error(`could not find container named ${JSON.stringify(container)}`);
    target = c;
  } else if (containers.length > 1) {
    throw new Error('must specify --container when the pod has more than one container');
  }
  target.image = image;
  const meta = rc.metadata!;
  const hashInput = { spec: rc.spec, name: meta.name, namespace: meta.namespace };
  const hash = hashObject(hashInput);
  const fresh: RC = {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: `${meta.name}-${hash}`, namespace: meta.namespace, labels: meta.labels, annotations: stripKubectl(meta.annotations) },
    spec: rc.spec,
  };
  fresh.spec!.selector = { ...fresh.spec!.selector, [deploymentKey]: hash };
  fresh.spec!.template!.metadata = { ...fresh.spec!.template!.metadata, labels: { ...fresh.spec!.template!.metadata?.labels, [deploymentKey]: hash } };
  return fresh;
}

function stripKubectl(a: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!a) return undefined;
  const out = Object.fromEntries(Object.entries(a).filter(([k]) => !Object.values(annotations).includes(k)));
  return Object.keys(out).length ? out : undefined;
}

/**
 * AddDeploymentKeyToReplicationController: label the old RC's template and
 * pods with `<key>=<hash of the old RC>` and select on it, so the two RCs
 * never fight over pods.
 */
export async function addDeploymentKey(api: RCApi, old: RC, key: string): Promise<RC> {
  if (old.spec?.selector?.[key]) return old;
  const value = hashObject({ spec: old.spec, name: old.metadata?.name });
  await api.patchRC(old.metadata!.name!, { spec: { template: { metadata: { labels: { [key]: value } } } } });
  await api.labelPods(old.spec?.selector ?? {}, key, value);
  return api.patchRC(old.metadata!.name!, { spec: { selector: { [key]: value } } });
}

export interface UpdateInput {
  oldRc: RC;
  newRc: RC;
  /** Rename: delete the old RC and give the new one its name (--image). Delete: only delete the old RC. */
  cleanup: 'Rename' | 'Delete';
}

/** RollingUpdater.Update with maxSurge 1 and maxUnavailable 0, as kubectl rolling-update fixed them. */
export async function rollingUpdate(api: RCApi, input: UpdateInput, cfg: UpdateConfig): Promise<RC> {
  const sleep = cfg.sleep ?? realSleep;
  const deadline = Date.now() + cfg.timeoutMs;
  let oldRc = input.oldRc;
  const oldName = oldRc.metadata!.name!;
  const newName = input.newRc.metadata!.name!;
  const sourceId = `${oldName}:${oldRc.metadata!.uid}`;

  let newRc: RC;
  let desired: number;
  const existing = await api.getRC(newName);
  if (existing) {
    const a = existing.metadata?.annotations ?? {};
    if (a[annotations.sourceId] !== sourceId || a[annotations.desiredReplicas] === undefined) {
      throw new Error(`Missing/unexpected annotations for controller ${newName}, expected ${sourceId} : ${JSON.stringify(a)}`);
    }
    desired = Number(a[annotations.desiredReplicas]);
    cfg.out(`Continuing update with existing controller ${newName}.`);
    newRc = existing;
  } else {
    desired = replicasOf(input.newRc) || replicasOf(oldRc);
    const rc = structuredClone(input.newRc);
    const meta = (rc.metadata ??= {});
    meta.annotations = { ...meta.annotations, [annotations.desiredReplicas]: String(desired), [annotations.sourceId]: sourceId };
    rc.spec = { ...rc.spec, replicas: 0 };
    newRc = await api.createRC(rc);
    cfg.out(`Created ${newName}`);
  }
  // Remember where we were going and what we started from, for a later --rollback.
  const oa = oldRc.metadata?.annotations ?? {};
  oldRc = await api.patchRC(oldName, {
    metadata: { annotations: { [annotations.nextController]: newName, ...(oa[annotations.originalReplicas] ? {} : { [annotations.originalReplicas]: String(replicasOf(oldRc)) }) } },
  });

  const maxSurge = 1;
  const minAvailable = desired;
  cfg.out(
    `Scaling up ${newName} from ${replicasOf(newRc)} to ${desired}, scaling down ${oldName} from ${replicasOf(oldRc)} to 0 (keep ${minAvailable} pods available, don't exceed ${desired + maxSurge} pods)`,
  );
  const minReady = newRc.spec?.minReadySeconds ?? 0;
  while (replicasOf(newRc) !== desired || replicasOf(oldRc) !== 0) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for any update progress to be made`);
    // Scale up within the surge.
    const n = replicasOf(newRc);
    const o = replicasOf(oldRc);
    if (n < desired && o + n < desired + maxSurge) {
      const next = Math.min(desired, n + (desired + maxSurge - (o + n)));
      cfg.out(`Scaling ${newName} up to ${next}`);
      newRc = await api.scaleAndWait(newName, next);
    }
    await sleep(cfg.updatePeriodMs);
    // Scale down as far as availability allows: the old pods count as available (a
    // volatile old controller must not make us stall), the new ones only once Ready.
    if (replicasOf(oldRc) > 0) {
      const newAvailable = await waitForReady(api, oldRc, newRc, minReady, cfg, sleep, deadline);
      const decrement = replicasOf(oldRc) + newAvailable - minAvailable;
      if (decrement > 0) {
        const next = Math.max(0, replicasOf(oldRc) - decrement);
        cfg.out(`Scaling ${oldName} down to ${next}`);
        oldRc = await api.scaleAndWait(oldName, next);
      }
    }
  }

  // Done: drop our bookkeeping from the new RC, then clean up.
  newRc = await api.patchRC(newName, { metadata: { annotations: { [annotations.sourceId]: null, [annotations.desiredReplicas]: null } } });
  if (input.cleanup === 'Delete') {
    cfg.out(`Update succeeded. Deleting ${oldName}`);
    await api.deleteRC(oldName, false);
    return newRc;
  }
  cfg.out(`Update succeeded. Deleting old controller: ${oldName}`);
  await api.deleteRC(oldName, false);
  cfg.out(`Renaming ${newName} to ${oldName}`);
  return rename(api, newRc, oldName, cfg);
}

/** Blocks until some pod of either controller is Ready (or the deadline passes); returns the new controller's Ready pods. */
async function waitForReady(api: RCApi, oldRc: RC, newRc: RC, minReady: number, cfg: UpdateConfig, sleep: (ms: number) => Promise<void>, deadline: number): Promise<number> {
  for (;;) {
    const newReady = await api.readyPods(newRc.spec?.selector ?? {}, minReady);
    if (newReady > 0 || Date.now() > deadline) return newReady;
    if ((await api.readyPods(oldRc.spec?.selector ?? {}, minReady)) > 0) return 0;
    await sleep(cfg.pollIntervalMs);
  }
}

/**
 * Rename: delete the RC leaving its pods (wait until it is gone, so the
 * garbage collector has released them), then create it under the new name,
 * which adopts them.
 */
export async function rename(api: RCApi, rc: RC, name: string, cfg?: Pick<UpdateConfig, 'sleep'>): Promise<RC> {
  const sleep = cfg?.sleep ?? realSleep;
  await api.deleteRC(rc.metadata!.name!, true);
  const deadline = Date.now() + 60_000;
  while (await api.getRC(rc.metadata!.name!)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${rc.metadata!.name} to be deleted`);
    await sleep(200);
  }
  const copy: RC = {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name, namespace: rc.metadata?.namespace, labels: rc.metadata?.labels, annotations: stripKubectl(rc.metadata?.annotations) },
    spec: structuredClone(rc.spec),
  };
  return api.createRC(copy);
}

/**
 * --rollback: the update from `oldName` to its next controller is reversed —
 * the next controller scales down, `oldName` back up to its original size,
 * and the next controller is deleted.
 */
export async function rollback(api: RCApi, oldName: string, cfg: UpdateConfig): Promise<{ from: RC; to: RC }> {
  const original = await api.getRC(oldName);
  if (!original) throw new Error(`replicationcontrollers "${oldName}" not found`);
  const nextName = original.metadata?.annotations?.[annotations.nextController];
  if (!nextName) throw new Error(`no rolling update in progress for ${oldName} (no ${annotations.nextController} annotation)`);
  const next = await api.getRC(nextName);
  if (!next) throw new Error(`replicationcontrollers "${nextName}" not found`);
  const size = Number(original.metadata?.annotations?.[annotations.originalReplicas] ?? replicasOf(original));
  cfg.out(`Setting "${oldName}" replicas to ${size}`);
  // The original becomes the "new" controller of a reversed update.
  const reversedTarget = await api.patchRC(oldName, {
    metadata: { annotations: { [annotations.sourceId]: `${nextName}:${next.metadata!.uid}`, [annotations.desiredReplicas]: String(size), [annotations.nextController]: null } },
  });
  const to = await rollingUpdate(api, { oldRc: next, newRc: reversedTarget, cleanup: 'Delete' }, cfg);
  return { from: next, to };
}
