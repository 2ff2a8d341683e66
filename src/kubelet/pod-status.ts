/**
 * A pod's status computed from what the runtime reports: container states,
 * restart counts and last states, the phase (the kubelet's getPhase rules,
 * which give the seeds' restart-policy transition table), and the
 * PodScheduled / Initialized / ContainersReady / Ready conditions. Pure: the
 * pod worker feeds it a runtime snapshot and the reasons it is holding a
 * container back (image pull errors, crash-loop back-off).
 */
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';

export type RuntimeState = 'created' | 'running' | 'exited' | 'unknown';

/** One container instance as the runtime knows it (one per restart attempt). */
export interface RuntimeContainer {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: RuntimeState;
  createdAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode: number;
  reason: string;
  message: string;
  /** The image as the spec named it. */
  image: string;
  /** Digest reference the runtime resolved (status.containerStatuses[].imageID). */
  imageRef: string;
}

export interface RuntimeSandbox {
  id: string;
  attempt: number;
  ready: boolean;
  ip?: string;
  createdAt?: Date;
}

export interface PodRuntime {
  sandboxes: RuntimeSandbox[];
  containers: RuntimeContainer[];
}

export interface Waiting {
  reason: string;
  message?: string;
}

export interface StatusInputs {
  /** Containers the worker holds back, by name (ErrImagePull, ImagePullBackOff, CrashLoopBackOff, CreateContainerError...). */
  waiting: Map<string, Waiting>;
  hostIP?: string;
  now: Date;
  /**
   * Probe verdicts for a running instance: undefined when the container has
   * no such probe (then running means started, and started means ready).
   */
  probes?: {
    ready(c: Container, containerId: string): boolean | undefined;
    started(c: Container, containerId: string): boolean | undefined;
  };
}

const CONTAINER_ID_PREFIX = 'containerd://';
const iso = (d: Date | undefined) => (d ?? new Date(0)).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Instances of one container, newest attempt first. */
export function instancesOf(runtime: PodRuntime, name: string): RuntimeContainer[] {
  return runtime.containers
    .filter((c) => c.name === name)
    .sort((a, b) => b.attempt - a.attempt || (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
}

export function terminatedOf(c: RuntimeContainer): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode,
      reason: c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      startedAt: iso(c.startedAt),
      finishedAt: iso(c.finishedAt),
      containerID: CONTAINER_ID_PREFIX + c.id,
    },
  };
}

function containerStatus(spec: Container, runtime: PodRuntime, inputs: StatusInputs, isInit: boolean, defaultWaiting: string): ContainerStatus {
  const [latest, previous] = instancesOf(runtime, spec.name);
  const held = inputs.waiting.get(spec.name);
  let state: ContainerState;
  let lastState: ContainerState = {};
  if (latest?.state === 'running') {
    state = { running: { startedAt: iso(latest.startedAt) } };
    if (previous?.state === 'exited') lastState = terminatedOf(previous);
  } else if (held) {
    state = { waiting: { reason: held.reason, ...(held.message ? { message: held.message } : {}) } };
    if (latest?.state === 'exited') lastState = terminatedOf(latest);
    else if (previous?.state === 'exited') lastState = terminatedOf(previous);
  } else if (latest?.state === 'exited') {
    state = terminatedOf(latest);
    if (previous?.state === 'exited') lastState = terminatedOf(previous);
  } else {
    state = { waiting: { reason: latest ? 'ContainerCreating' : defaultWaiting } };
    if (previous?.state === 'exited') lastState = terminatedOf(previous);
  }
  const running = !!state.running;
  const started = running && (isInit || !latest ? true : (inputs.probes?.started(spec, latest.id) ?? true));
  const ready = isInit ? state.terminated?.exitCode === 0 : started && (inputs.probes?.ready(spec, latest!.id) ?? true);
  const status: ContainerStatus = {
    name: spec.name,
    state,
    lastState,
    ready,
    restartCount: latest?.attempt ?? 0,
    image: spec.image ?? '',
    imageID: latest?.imageRef ?? '',
    started,
  };
  if (latest) status.containerID = CONTAINER_ID_PREFIX + latest.id;
  return status;
}

/** Whether an init container's latest run succeeded. */
function succeeded(s: ContainerStatus): boolean {
  return s.state?.terminated?.exitCode === 0;
}

/** Failed for good: exited non-zero (now or before a back-off) under restartPolicy Never. */
function failedForGood(s: ContainerStatus, restartPolicy: string): boolean {
  if (restartPolicy !== 'Never') return false;
  const t = s.state?.terminated ?? s.lastState?.terminated;
  return !!t && t.exitCode !== 0 && !s.state?.running;
}

/** The kubelet's getPhase. */
export function podPhase(pod: Pod, init: ContainerStatus[], app: ContainerStatus[]): string {
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
  for (const s of init) {
    if (succeeded(s)) continue;
    if (failedForGood(s, restartPolicy)) return 'Failed';
    return 'Pending';
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let ok = 0;
  for (const s of app) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) ok++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        stopped++;
        if (s.lastState.terminated.exitCode === 0) ok++;
      } else waiting++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === ok) return 'Succeeded';
    if (restartPolicy === 'OnFailure') return 'Running';
    return 'Failed';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, reason: string | undefined, message: string | undefined, old: PodCondition[] | undefined, now: Date): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastProbeTime: null as unknown as undefined,
    lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : iso(now),
  };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

export function computePodStatus(pod: Pod, runtime: PodRuntime, inputs: StatusInputs): PodStatus {
  const old = pod.status ?? {};
  const initSpecs = pod.spec?.initContainers ?? [];
  const appSpecs = pod.spec?.containers ?? [];
  const init = initSpecs.map((c) => containerStatus(c, runtime, inputs, true, 'PodInitializing'));
  const initDone = init.every(succeeded);
  const app = appSpecs.map((c) => containerStatus(c, runtime, inputs, false, initDone ? 'ContainerCreating' : 'PodInitializing'));
  // A phase once terminal stays so: nothing restarts a finished pod.
  const phase = old.phase === 'Succeeded' || old.phase === 'Failed' ? old.phase : podPhase(pod, init, app);

  const incompleteInit = init.filter((s) => !succeeded(s)).map((s) => s.name);
  const unready = app.filter((s) => !s.ready).map((s) => s.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const readyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const conds = old.conditions;
  const conditions: PodCondition[] = [
    condition(
      'Initialized',
      incompleteInit.length === 0 || (terminal && phase === 'Succeeded'),
      terminal ? 'PodCompleted' : 'ContainersNotInitialized',
      terminal ? undefined : `containers with incomplete status: [${incompleteInit.join(' ')}]`,
      conds,
      inputs.now,
    ),
    condition('Ready', unready.length === 0 && !terminal, readyReason, terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`, conds, inputs.now),
    condition(
      'ContainersReady',
      unready.length === 0 && !terminal,
      readyReason,
      terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`,
      conds,
      inputs.now,
    ),
  ];
  const scheduled = conds?.find((c) => c.type === 'PodScheduled') ?? {
    type: 'PodScheduled',
    status: 'True',
    lastProbeTime: null as unknown as undefined,
    lastTransitionTime: iso(inputs.now),
  };
  conditions.push(scheduled);
  // Any other conditions (readiness gates, DisruptionTarget...) belong to others: keep them.
  for (const c of conds ?? []) if (!conditions.some((x) => x.type === c.type)) conditions.push(c);

  const sandbox = [...runtime.sandboxes].sort((a, b) => b.attempt - a.attempt)[0];
  const status: PodStatus = {
    ...old,
    phase,
    conditions,
    containerStatuses: app,
    startTime: old.startTime ?? iso(inputs.now),
  };
  if (init.length) status.initContainerStatuses = init;
  else delete status.initContainerStatuses;
  if (inputs.hostIP) {
    status.hostIP = inputs.hostIP;
    status.hostIPs = [{ ip: inputs.hostIP }];
  }
  const podIP = pod.spec?.hostNetwork ? inputs.hostIP : sandbox?.ip;
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (terminal) {
    delete status.message;
  }
  return status;
}
