/**
 * Pods and pod templates. The pod STATUS cell condenses phase, conditions
 * and container states into one word the way kubectl 1.30 does; the order of
 * the checks below is what decides which word wins.
 */
import type { Container, ContainerStatus, Pod, PodCondition, PodTemplate } from 'kubernetes-types/core/v1.js';
import { ageColumn, ageOf, col, containerCells, formatLabels, humanDuration, nameColumn, nameOf, parseTime, printer, wide } from './format.js';

// node.NodeUnreachablePodReason: set by the node lifecycle controller on pods of a lost node.
const nodeUnreachablePodReason = 'NodeLost';

export const podPrinter = printer<Pod>(
  [
    nameColumn,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn,
    wide('IP', 'string', 'IP address allocated to the pod. Routable at least within the cluster.'),
    wide('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node.'),
    wide('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.'),
    wide('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.'),
  ],
  (pod, now) => {
    const s = podSummary(pod, now);
    const status = pod.status ?? {};
    const podIP = status.podIPs?.[0]?.ip || '<none>';
    const nodeName = pod.spec?.nodeName || '<none>';
    const nominated = status.nominatedNodeName || '<none>';
    return [nameOf(pod), s.ready, s.status, s.restarts, ageOf(pod, now), podIP, nodeName, nominated, readinessGates(pod)];
  },
);

export interface PodSummary {
  /** READY, e.g. `1/2`. */
  ready: string;
  /** STATUS, e.g. `Running`, `Init:0/2`, `CrashLoopBackOff`. */
  status: string;
  /** RESTARTS, e.g. `0` or `3 (25s ago)`. */
  restarts: string;
}

function isRestartableInit(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function conditionTrue(conditions: PodCondition[] | undefined, type: string): boolean {
  // Like Kubernetes, the first condition of a type decides.
  const c = conditions?.find((x) => x.type === type);
  return c?.status === 'True';
}

function lastTerminationMs(cs: ContainerStatus): number | undefined {
  const t = cs.lastState?.terminated;
  if (!t) return undefined;
  // A terminated state without finishedAt is Go's zero time, which never wins.
  return parseTime(t.finishedAt);
}

/** The READY, STATUS and RESTARTS cells of a pod. */
export function podSummary(pod: Pod, now: Date): PodSummary {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  let restarts = 0;
  let sidecarRestarts = 0;
  let totalContainers = spec.containers?.length ?? 0;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  const later = (a: number | undefined, b: number | undefined) => (b !== undefined && (a === undefined || b > a) ? b : a);

  let reason: string = status.phase ?? '';
  if (status.reason) reason = status.reason;
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map<string, Container>();
  for (const c of spec.initContainers ?? []) {
    initContainers.set(c.name, c);
    if (isRestartableInit(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const state = cs.state ?? {};
    const sidecar = isRestartableInit(initContainers.get(cs.name));
    restarts += cs.restartCount ?? 0;
    lastRestart = later(lastRestart, lastTerminationMs(cs));
    if (sidecar) {
      sidecarRestarts += cs.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, lastTerminationMs(cs));
    }
    if (state.terminated && (state.terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (state.terminated) {
      const t = state.terminated;
      if (!t.reason) {
        reason = t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode ?? 0}`;
      } else {
        reason = `Init:${t.reason}`;
      }
    } else if (state.waiting?.reason && state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${spec.initContainers?.length ?? 0}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status.conditions, 'Initialized')) {
    // Once initialised, only sidecars' restarts still count among the init containers'.
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Walk backwards so the first container's state is the one left in `reason`.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      const state = cs.state ?? {};
      restarts += cs.restartCount ?? 0;
      lastRestart = later(lastRestart, lastTerminationMs(cs));
      if (state.waiting?.reason) {
        reason = state.waiting.reason;
      } else if (state.terminated?.reason) {
        reason = state.terminated.reason;
      } else if (state.terminated) {
        reason = state.terminated.signal ? `Signal:${state.terminated.signal}` : `ExitCode:${state.terminated.exitCode ?? 0}`;
      } else if (cs.ready && state.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A finished container must not hide one that still runs.
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(status.conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp && status.reason === nodeUnreachablePodReason) {
    reason = 'Unknown';
  } else if (pod.metadata?.deletionTimestamp) {
    reason = 'Terminating';
  }

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  let trueConditions = 0;
  for (const gate of gates) {
    const c = pod.status?.conditions?.find((x) => x.type === gate.conditionType);
    if (c?.status === 'True') trueConditions++;
  }
  return `${trueConditions}/${gates.length}`;
}

export const podTemplatePrinter = printer<PodTemplate>(
  [
    nameColumn,
    col('Containers', 'string', 'Names of each container in the template.'),
    col('Images', 'string', 'Images referenced by each container in the template.'),
    col('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  (obj) => {
    const [names, images] = containerCells(obj.template?.spec?.containers);
    return [nameOf(obj), names, images, formatLabels(obj.template?.metadata?.labels)];
  },
);
