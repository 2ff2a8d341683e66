/**
 * Publishing a pod's status: computed from the runtime snapshot (see
 * ../pod-status.ts) with termination messages read from disk, written to
 * the API's status subresource only when it changed, and to a static pod's
 * mirror instead of the pod.
 */
import { join } from 'node:path';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { resources } from '../../client/index.js';
import { terminationMessage, terminationMessageFile } from '../lifecycle/index.js';
import { computePodStatus, type PodRuntime } from '../pod-status.js';
import { podDir } from '../volumes.js';
import type { WorkerContext } from './context.js';
import { podLogDir } from './sandbox.js';
import type { Worker } from './worker.js';

/** Exited instances get their termination message (file, or log tail with FallbackToLogsOnError). */
function withTerminationMessages(ctx: WorkerContext, w: Worker, rt: PodRuntime): PodRuntime {
  const specs = [...(w.pod.spec?.initContainers ?? []), ...(w.pod.spec?.containers ?? [])];
  const dir = podDir(ctx.d.dataDir, w.uid);
  const logDir = podLogDir(ctx.d.dataDir, w.pod);
  return {
    sandboxes: rt.sandboxes,
    containers: rt.containers.map((c) => {
      if (c.state !== 'exited') return c;
      const spec = specs.find((s) => s.name === c.name);
      if (!spec) return c;
      const msg = terminationMessage(spec, terminationMessageFile(dir, c.name, c.attempt), c.exitCode, join(logDir, c.name, `${c.attempt}.log`));
      return msg ? { ...c, message: msg } : c;
    }),
  };
}

/** Writes the pod's status to the API when it changed; returns it (undefined once the pod is gone from the API). */
export async function publishStatus(ctx: WorkerContext, w: Worker, rt: PodRuntime): Promise<PodStatus | undefined> {
  if (w.gone) return undefined;
  const status = computePodStatus(w.pod, withTerminationMessages(ctx, w, rt), {
    waiting: w.waiting,
    hostIP: ctx.d.hostIP(),
    now: new Date(),
    probes: { ready: (c, id) => ctx.probes.ready(w.uid, c, id), started: (c, id) => ctx.probes.started(w.uid, c, id) },
  });
  const text = JSON.stringify(status);
  if (text === w.lastStatus) return status;
  // A static pod reports through its mirror pod, once there is one.
  const target = w.static ? ctx.mirrors.get(w.uid) : { name: w.pod.metadata!.name!, namespace: w.pod.metadata!.namespace!, uid: w.uid };
  if (!target) return status;
  try {
    const updated = await ctx.d.client
      .resource<Pod & KObject>(resources.pods, target.namespace)
      .patch(target.name, 'merge', { metadata: { uid: target.uid }, status }, { subresource: 'status' });
    w.lastStatus = text;
    if (updated.metadata?.uid === target.uid) w.pod = { ...w.pod, status: updated.status };
  } catch (err) {
    if (w.static && (isStatusError(err, 'NotFound') || isStatusError(err, 'Conflict'))) {
      // The mirror went away; the static-pod manager makes a new one.
      if (ctx.mirrors.get(w.uid)?.uid === target.uid) ctx.mirrors.delete(w.uid);
      return status;
    }
    if (isStatusError(err, 'NotFound')) {
      w.gone = true;
      ctx.trigger(w.uid);
      return status;
    }
    throw err;
  }
  return status;
}
