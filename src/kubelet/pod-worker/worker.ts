/**
 * One pod's worker state: what the pod worker remembers between syncs of a
 * pod (its latest spec, the reasons it holds containers back, its volumes,
 * the last status it wrote), and the names it goes by in logs and events.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodSandboxConfig } from '../../cri/index.js';
import type { Waiting } from '../pod-status.js';

export interface Worker {
  uid: string;
  pod: Pod;
  /** Gone from the API (deleted, possibly forced); only killing is left. */
  gone: boolean;
  running: boolean;
  dirty: boolean;
  timer?: NodeJS.Timeout;
  waiting: Map<string, Waiting>;
  lastStatus?: string;
  volumes?: Map<string, string>;
  sandboxConfig?: PodSandboxConfig;
  /** Containers stopped and pod deleted from the API: the worker is finished. */
  finished: boolean;
  backoffEventAt: Map<string, number>;
  timerAt?: number;
  /** A static pod (from a manifest file): no API object of its own, a mirror pod instead. */
  static: boolean;
  /** Instances to kill (failed liveness/startup probe), by container ID. */
  kills: Map<string, { name: string; type: 'liveness' | 'startup' }>;
  /** Aborted when the pod is deleted, to cut a hanging postStart hook short. */
  abort: AbortController;
  volumesAt: number;
  /** Labels and annotations the downward-API volumes were last written with. */
  downwardKey?: string;
}

export function newWorker(pod: Pod, gone: boolean, isStatic: boolean): Worker {
  return {
    uid: pod.metadata!.uid!,
    pod,
    gone,
    running: false,
    dirty: false,
    waiting: new Map(),
    finished: false,
    backoffEventAt: new Map(),
    static: isStatic,
    kills: new Map(),
    abort: new AbortController(),
    volumesAt: 0,
  };
}

export const podKey = (p: Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;

/** The event's `involvedObject.fieldPath` for a container of the pod. */
export const fieldPathOf = (pod: Pod, name: string) =>
  pod.spec?.initContainers?.some((c) => c.name === name) ? `spec.initContainers{${name}}` : `spec.containers{${name}}`;
