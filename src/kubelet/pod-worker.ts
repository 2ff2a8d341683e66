/**
 * Pod workers: one serialized sync loop per pod UID that drives the runtime
 * toward the pod's spec — sandbox, then init containers strictly in order,
 * then app containers — restarts exited containers per restartPolicy with
 * crash-loop back-off, kills pods being deleted (TERM, grace, KILL), then
 * confirms the deletion to the API. Syncs are level-based: each one reads the
 * runtime's current state for the pod and acts on it, whatever woke it (a
 * pod change, the relist noticing a container change, a back-off timer).
 */
import { mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod, PodStatus, Volume } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { resources, type Client, type EventRecorder } from '../client/index.js';
import type { ContainerStatus as CriContainerStatus, CriClient, PodSandboxConfig } from '../cri/index.js';
import { isCriNotFound, nanosToDate } from '../cri/index.js';
import type { Logger } from '../util/log.js';
import { Backoff } from './backoff.js';
import { recordPodEvent, type PodEvent } from './events.js';
import { ensureImage } from './image-puller.js';
import { runHook, terminationMessage, terminationMessageFile, terminationMessageMount } from './lifecycle/index.js';
import { computePodStatus, instancesOf, type PodRuntime, type RuntimeContainer, type Waiting } from './pod-status.js';
import { ProbeManager } from './probes/index.js';
import {
  containerConfig,
  EnvError,
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  resolveEnv,
  resourceFieldValue,
  sandboxConfig,
  type EnvSources,
  type NodeAllocatable,
} from './runtime-config.js';
import { containerMounts, isProjection, podDir, removePodDir, setUpVolumes, VolumeError, type VolumeSources } from './volumes.js';

export interface PodWorkerDeps {
  client: Client;
  cri: CriClient;
  dataDir: string;
  nodeName: string;
  log: Logger;
  events: EventRecorder;
  hostIP(): string | undefined;
  clusterDNS?: string;
  clusterDomain: string;
  /** Config maps and secrets for env and volumes (namespace, name) → data. */
  configMap(ns: string, name: string): Promise<Record<string, string> | undefined>;
  secret(ns: string, name: string): Promise<Record<string, string> | undefined>;
  nodeAuth?(host: string): { username?: string; password?: string; auth?: string } | undefined;
  /** How often configMap/secret/downwardAPI volumes are refreshed from their sources (default 10 s; the kubelet takes up to about a minute). */
  volumeRefreshMs?: number;
}

/** The mirror pod in the API that stands for a static pod: status and events go to it. */
export interface MirrorRef {
  name: string;
  namespace: string;
  uid: string;
}

/** Receives mirror pods from the pod watch (the static-pod manager); they are never run themselves. */
export type MirrorHandler = (pod: Pod, deleted: boolean) => void;

export const ANNOTATION_MIRROR = 'kubernetes.io/config.mirror';

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[ANNOTATION_MIRROR] !== undefined;
}

interface Worker {
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

const FORCED_GRACE_SECONDS = 1;
/** The kubelet's floor for what is left of a grace period after preStop. */
const MIN_GRACE_SECONDS = 2;
const downwardKeyOf = (pod: Pod) => JSON.stringify([pod.metadata?.labels ?? {}, pod.metadata?.annotations ?? {}]);
const hasDownward = (v: Volume) => !!(v.downwardAPI || v.projected?.sources?.some((s) => s.downwardAPI));
const podKey = (p: Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;
const fieldPathOf = (pod: Pod, name: string) =>
  pod.spec?.initContainers?.some((c) => c.name === name) ? `spec.initContainers{${name}}` : `spec.containers{${name}}`;

/** The downward API's `key="value"` lines, sorted by key. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

export function podLogDir(dataDir: string, pod: Pod): string {
  return join(dataDir, 'agent', 'pod-logs', `${pod.metadata!.namespace}_${pod.metadata!.name}_${pod.metadata!.uid}`);
}

function criState(s: string): RuntimeContainer['state'] {
  return s === 'CONTAINER_RUNNING' ? 'running' : s === 'CONTAINER_EXITED' ? 'exited' : s === 'CONTAINER_CREATED' ? 'created' : 'unknown';
}

/** A pod's sandboxes and containers with their states, order-independent (see PodWorkers.observedSignature). */
export function runtimeSignature(sandboxes: { id: string; state: string }[], containers: { id: string; state: string }[]): string {
  return [...sandboxes.map((s) => `s${s.id}:${s.state}`), ...containers.map((c) => `c${c.id}:${c.state}`)].sort().join(',');
}

export function runtimeContainerOf(s: CriContainerStatus, sandboxId: string): RuntimeContainer {
  return {
    id: s.id,
    sandboxId,
    name: s.metadata?.name ?? s.labels?.[LABEL_CONTAINER_NAME] ?? '',
    attempt: s.metadata?.attempt ?? 0,
    state: criState(s.state),
    createdAt: nanosToDate(s.createdAt),
    startedAt: nanosToDate(s.startedAt),
    finishedAt: nanosToDate(s.finishedAt),
    exitCode: s.exitCode,
    reason: s.reason,
    message: s.message,
    image: s.image?.image ?? '',
    imageRef: s.imageRef || s.imageId || '',
  };
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  /** uid → runtimeSignature() of the last runtimeOf(). */
  private readonly observed = new Map<string, string>();
  readonly crashBackoff = new Backoff(10_000, 300_000);
  readonly pullBackoff = new Backoff(10_000, 300_000);
  private stopped = false;
  readonly probes: ProbeManager;
  private readonly mirrors = new Map<string, MirrorRef>(); // static pod uid → its mirror
  private mirrorHandler?: MirrorHandler;
  private readonly allocatable: NodeAllocatable = { cpu: cpus().length, memory: totalmem(), ephemeralStorage: 0 };

  constructor(private readonly d: PodWorkerDeps) {
    this.probes = new ProbeManager({
      cri: d.cri,
      event: (pod, ev) => this.event(pod, ev),
      onChange: (uid) => this.trigger(uid),
      onFailure: (uid, name, containerId, type) => {
        const w = this.workers.get(uid);
        if (!w) return;
        w.kills.set(containerId, { name, type });
        this.trigger(uid);
      },
    });
  }

  /**
   * The desired state changed (or is confirmed unchanged); `gone` when the
   * API no longer has the pod (or its manifest file is gone, for a static
   * pod). Mirror pods go to the mirror handler instead.
   */
  update(pod: Pod, gone = false, source: 'api' | 'file' = 'api'): void {
    if (this.stopped) return;
    if (source === 'api' && isMirrorPod(pod)) {
      this.mirrorHandler?.(pod, gone);
      return;
    }
    const uid = pod.metadata!.uid!;
    let w = this.workers.get(uid);
    if (!w) {
      w = {
        uid,
        pod,
        gone,
        running: false,
        dirty: false,
        waiting: new Map(),
        finished: false,
        backoffEventAt: new Map(),
        static: source === 'file',
        kills: new Map(),
        abort: new AbortController(),
        volumesAt: 0,
      };
      this.workers.set(uid, w);
    } else {
      const wasGone = w.gone;
      w.pod = pod;
      w.gone ||= gone;
      // Forced away while a graceful kill is still waiting: shorten it now.
      if (gone && !wasGone && w.running && !w.static) void this.forceKill(uid);
    }
    if (w.gone || pod.metadata?.deletionTimestamp) w.abort.abort();
    this.trigger(uid);
  }

  /** Who receives mirror pods seen on the pod watch. */
  setMirrorHandler(h: MirrorHandler | undefined): void {
    this.mirrorHandler = h;
  }

  /** The mirror pod a static pod reports to (undefined while there is none). */
  setMirror(staticUid: string, mirror: MirrorRef | undefined): void {
    const prev = this.mirrors.get(staticUid);
    if (mirror) this.mirrors.set(staticUid, mirror);
    else this.mirrors.delete(staticUid);
    const w = this.workers.get(staticUid);
    if (w && prev?.uid !== mirror?.uid) {
      // A new mirror starts without status: publish again.
      w.lastStatus = undefined;
      this.trigger(staticUid);
    }
  }

  /** Wake a pod's worker (the relist saw its containers change). */
  trigger(uid: string, delayMs = 0): void {
    const w = this.workers.get(uid);
    if (!w || this.stopped) return;
    if (delayMs > 0) {
      // Keep the earliest wake-up: a far one (volume refresh) must not push back a near one (back-off).
      const at = Date.now() + delayMs;
      if (w.timer && w.timerAt !== undefined && w.timerAt <= at) return;
      if (w.timer) clearTimeout(w.timer);
      w.timerAt = at;
      w.timer = setTimeout(() => {
        w.timer = undefined;
        w.timerAt = undefined;
        this.trigger(uid);
      }, delayMs);
      w.timer.unref?.();
      return;
    }
    if (w.running) {
      w.dirty = true;
      return;
    }
    w.running = true;
    void this.loop(w);
  }

  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  uids(): string[] {
    return [...this.workers.keys()];
  }

  private async loop(w: Worker): Promise<void> {
    try {
      do {
        w.dirty = false;
        try {
          await this.sync(w);
        } catch (err) {
          this.d.log.warn({ pod: podKey(w.pod), err: (err as Error).message }, 'pod sync failed');
          this.trigger(w.uid, 1000);
        }
      } while (w.dirty && !this.stopped);
    } finally {
      w.running = false;
      if (w.finished) {
        if (w.timer) clearTimeout(w.timer);
        this.probes.removePod(w.uid);
        this.mirrors.delete(w.uid);
        this.workers.delete(w.uid);
        this.observed.delete(w.uid);
        this.crashBackoff.resetPrefix(`${w.uid}/`);
        this.pullBackoff.resetPrefix(`${w.uid}/`);
      }
    }
  }

  private event(pod: Pod, ev: PodEvent): void {
    // A static pod's events are about its mirror, where kubectl describe looks.
    const mirror = this.mirrors.get(pod.metadata?.uid ?? '');
    recordPodEvent(this.d.events, mirror ? { ...pod, metadata: { ...pod.metadata, name: mirror.name, namespace: mirror.namespace, uid: mirror.uid, resourceVersion: undefined } } : pod, ev);
  }

  async runtimeOf(uid: string): Promise<PodRuntime> {
    const cri = this.d.cri;
    const [sandboxes, containers] = await Promise.all([
      cri.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: uid } }),
      cri.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } }),
    ]);
    this.observed.set(uid, runtimeSignature(sandboxes, containers));
    // The status calls are independent: one round trip's wait, not one per object, on a busy runtime.
    const [sbs, cs] = await Promise.all([
      Promise.all(
        sandboxes.map(async (s) => {
          const ready = s.state === 'SANDBOX_READY';
          let ip: string | undefined;
          if (ready) {
            try {
              ip = (await cri.podSandboxStatus(s.id)).status.network?.ip || undefined;
            } catch (err) {
              if (!isCriNotFound(err)) throw err;
            }
          }
          return { id: s.id, attempt: s.metadata?.attempt ?? 0, ready, ip, createdAt: nanosToDate(s.createdAt) };
        }),
      ),
      Promise.all(
        containers.map(async (c) => {
          try {
            return runtimeContainerOf((await cri.containerStatus(c.id)).status, c.podSandboxId);
          } catch (err) {
            if (!isCriNotFound(err)) throw err;
            return undefined;
          }
        }),
      ),
    ]);
    return { sandboxes: sbs, containers: cs.filter((c): c is RuntimeContainer => !!c) };
  }

  /**
   * The runtime state (sandbox and container IDs with their states) this
   * pod's worker last listed, as runtimeSignature() renders it: the relist
   * wakes a worker only for changes it has not seen itself.
   */
  observedSignature(uid: string): string | undefined {
    return this.observed.get(uid);
  }

  private async sync(w: Worker): Promise<void> {
    if (w.finished || this.stopped) return;
    const pod = w.pod;
    if (w.gone || pod.metadata?.deletionTimestamp) {
      await this.terminate(w);
      return;
    }
    let rt = await this.runtimeOf(w.uid);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.probes.removePod(w.uid);
      // Finished pods keep their exited containers (for logs) but give back the sandbox and its IP.
      await this.killContainers(w, rt, 0, false);
      for (const s of rt.sandboxes.filter((s) => s.ready)) await this.d.cri.stopPodSandbox(s.id);
      return;
    }
    const restartPolicy = pod.spec?.restartPolicy ?? 'Always';

    // Sandbox: the newest ready one, or a new one (taking down older ones and their containers).
    let sandbox = [...rt.sandboxes].filter((s) => s.ready).sort((a, b) => b.attempt - a.attempt)[0];
    if (!sandbox) {
      if (rt.sandboxes.length && this.nothingToRestart(pod, rt)) {
        await this.publish(w, rt);
        return;
      }
      const attempt = rt.sandboxes.length ? Math.max(...rt.sandboxes.map((s) => s.attempt)) + 1 : 0;
      await this.killContainers(w, rt, 0, false);
      for (const s of rt.sandboxes) {
        await this.d.cri.stopPodSandbox(s.id).catch(() => undefined);
        await this.d.cri.removePodSandbox(s.id).catch(() => undefined);
      }
      const logDirectory = podLogDir(this.d.dataDir, pod);
      mkdirSync(logDirectory, { recursive: true });
      const cfg = sandboxConfig(pod, { logDirectory, clusterDNS: this.d.clusterDNS, clusterDomain: this.d.clusterDomain, attempt });
      try {
        await this.d.cri.runPodSandbox(cfg);
      } catch (err) {
        const msg = (err as { details?: string }).details ?? (err as Error).message;
        this.event(pod, { type: 'Warning', reason: 'FailedCreatePodSandBox', message: `Failed to create pod sandbox: ${msg}` });
        await this.publish(w, rt);
        this.trigger(w.uid, 5000);
        return;
      }
      w.sandboxConfig = cfg;
      rt = await this.runtimeOf(w.uid);
      sandbox = rt.sandboxes.filter((s) => s.ready).sort((a, b) => b.attempt - a.attempt)[0];
      if (!sandbox) throw new Error('sandbox not ready after RunPodSandbox');
    }
    // Containers of other (old) sandboxes no longer count.
    rt = { sandboxes: rt.sandboxes, containers: rt.containers.filter((c) => c.sandboxId === sandbox!.id) };
    w.sandboxConfig ??= sandboxConfig(pod, {
      logDirectory: podLogDir(this.d.dataDir, pod),
      clusterDNS: this.d.clusterDNS,
      clusterDomain: this.d.clusterDomain,
      attempt: sandbox.attempt,
    });

    if (!w.volumes) {
      try {
        const sources = this.volumeSources(pod, sandbox.ip);
        await sources.ready;
        w.volumes = setUpVolumes(this.d.dataDir, pod, sources);
        w.volumesAt = Date.now();
        w.downwardKey = downwardKeyOf(pod);
      } catch (err) {
        const message = (err as Error).message;
        this.event(pod, { type: 'Warning', reason: 'FailedMount', message: `MountVolume.SetUp failed: ${message}` });
        for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) w.waiting.set(c.name, { reason: 'ContainerCreating' });
        await this.publish(w, rt);
        w.waiting.clear();
        this.trigger(w.uid, 5000);
        return;
      }
    } else await this.refreshVolumes(w, sandbox.ip);

    // Instances that failed their liveness or startup probe.
    if (w.kills.size) {
      const kills = [...w.kills];
      w.kills.clear();
      for (const [id, k] of kills) {
        const inst = rt.containers.find((c) => c.id === id);
        if (inst?.state !== 'running') continue;
        const spec = pod.spec?.containers?.find((c) => c.name === k.name);
        const probe = k.type === 'liveness' ? spec?.livenessProbe : spec?.startupProbe;
        const grace = probe?.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
        await this.killContainer(w, k.name, id, grace, sandbox.ip, `Container ${k.name} failed ${k.type} probe, will be restarted`);
      }
      rt = { sandboxes: rt.sandboxes, containers: (await this.runtimeOf(w.uid)).containers.filter((c) => c.sandboxId === sandbox!.id) };
    }

    let changed = false;
    let initDone = true;
    for (const c of pod.spec?.initContainers ?? []) {
      const [latest] = instancesOf(rt, c.name);
      if (latest?.state === 'exited' && latest.exitCode === 0) {
        w.waiting.delete(c.name);
        continue;
      }
      initDone = false;
      if (latest?.state === 'running' || latest?.state === 'created') break;
      if (latest?.state === 'exited' && restartPolicy === 'Never') break; // the pod has failed
      changed = (await this.startOrBackOff(w, c, latest, sandbox.id, sandbox.ip, true)) || changed;
      break;
    }
    if (initDone) {
      for (const c of pod.spec?.containers ?? []) {
        const [latest] = instancesOf(rt, c.name);
        if (latest?.state === 'running' || latest?.state === 'created') {
          w.waiting.delete(c.name);
          continue;
        }
        if (latest?.state === 'exited') {
          const restart = restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && latest.exitCode !== 0);
          if (!restart) {
            w.waiting.delete(c.name);
            continue;
          }
        }
        changed = (await this.startOrBackOff(w, c, latest, sandbox.id, sandbox.ip, false)) || changed;
      }
    }
    if (changed) rt = { sandboxes: rt.sandboxes, containers: (await this.runtimeOf(w.uid)).containers.filter((c) => c.sandboxId === sandbox!.id) };
    this.probes.sync(
      pod,
      rt.containers.filter((c) => c.state === 'running').map((c) => ({ name: c.name, id: c.id, startedAt: c.startedAt })),
      pod.spec?.hostNetwork ? this.d.hostIP() : sandbox.ip,
    );
    const status = await this.publish(w, rt);
    if (status?.phase === 'Succeeded' || status?.phase === 'Failed') this.trigger(w.uid, 10);
    else if (pod.spec?.volumes?.some(isProjection)) this.trigger(w.uid, this.refreshMs());
    await this.collectGarbage(rt);
  }

  private refreshMs(): number {
    return this.d.volumeRefreshMs ?? 10_000;
  }

  /**
   * Rewrites configMap/secret/downwardAPI/projected volumes when their
   * refresh period has passed (or, for downward API, when the pod's labels
   * or annotations changed). A failure keeps the old content.
   */
  private async refreshVolumes(w: Worker, podIP: string | undefined): Promise<void> {
    const pod = w.pod;
    const vols = pod.spec?.volumes ?? [];
    if (!vols.some(isProjection)) return;
    const labelsChanged = vols.some(hasDownward) && downwardKeyOf(pod) !== w.downwardKey;
    if (!labelsChanged && Date.now() - w.volumesAt < this.refreshMs()) return;
    w.volumesAt = Date.now();
    try {
      const sources = this.volumeSources(pod, podIP, isProjection);
      await sources.ready;
      setUpVolumes(this.d.dataDir, pod, sources, isProjection);
      w.downwardKey = downwardKeyOf(pod);
    } catch (err) {
      this.d.log.debug({ pod: podKey(pod), err: (err as Error).message }, 'volume refresh failed; keeping the old content');
    }
  }

  /** No container would run again: restartPolicy Never/OnFailure and everything finished. */
  private nothingToRestart(pod: Pod, rt: PodRuntime): boolean {
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (policy === 'Always') return false;
    return (pod.spec?.containers ?? []).every((c) => {
      const [latest] = instancesOf(rt, c.name);
      return latest?.state === 'exited' && (policy === 'Never' || latest.exitCode === 0);
    });
  }

  /** Starts the next attempt of a container unless it is in back-off; true when it started one. */
  private async startOrBackOff(w: Worker, c: Container, latest: RuntimeContainer | undefined, sandboxId: string, podIP: string | undefined, isInit: boolean): Promise<boolean> {
    const pod = w.pod;
    const fieldPath = fieldPathOf(pod, c.name);
    if (latest?.state === 'exited') {
      const key = `${w.uid}/${c.name}`;
      const left = this.crashBackoff.remaining(key);
      if (left > 0) {
        const delay = this.crashBackoff.delay(key) / 1000;
        const who = `${pod.metadata!.name}_${pod.metadata!.namespace}(${w.uid})`;
        w.waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${delay}s restarting failed container=${c.name} pod=${who}` });
        const lastEv = w.backoffEventAt.get(c.name) ?? 0;
        if (Date.now() - lastEv > left) {
          w.backoffEventAt.set(c.name, Date.now());
          this.event(pod, { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${c.name} in pod ${who}`, fieldPath });
        }
        this.trigger(w.uid, left + 10);
        return false;
      }
      this.crashBackoff.next(key);
    }
    const attempt = latest ? latest.attempt + 1 : 0;
    const pulled = await ensureImage(pod, c, fieldPath, w.sandboxConfig, {
      cri: this.d.cri,
      backoff: this.pullBackoff,
      event: (ev) => this.event(pod, ev),
      pullSecrets: (p) => this.pullSecrets(p),
      nodeAuth: this.d.nodeAuth,
    });
    if (!pulled.ok) {
      w.waiting.set(c.name, { reason: pulled.reason, message: pulled.message });
      if (pulled.reason === 'ErrImagePull' || pulled.reason === 'ImagePullBackOff') {
        const left = this.pullBackoff.remaining(`${w.uid}/${c.image}`);
        // Show ErrImagePull for a moment, then ImagePullBackOff until the next try.
        this.trigger(w.uid, pulled.reason === 'ErrImagePull' ? Math.min(left, 2000) : left + 10);
      } else {
        // ErrImageNeverPull and the like: look again later, the image may have been imported meanwhile.
        this.trigger(w.uid, 10_000);
      }
      return false;
    }
    const srcs = this.envSources(pod, podIP);
    let env;
    let mounts;
    try {
      env = resolveEnv(c, await srcs);
      mounts = containerMounts(c, w.volumes ?? new Map(), this.readOnlyVolumes(pod));
      const tm = terminationMessageMount(podDir(this.d.dataDir, w.uid), c, attempt);
      if (tm && !mounts.some((m) => m.containerPath === tm.containerPath)) mounts.push(tm);
    } catch (err) {
      if (!(err instanceof EnvError) && !(err instanceof VolumeError)) throw err;
      const message = (err as Error).message;
      w.waiting.set(c.name, { reason: 'CreateContainerConfigError', message });
      this.event(pod, { type: 'Warning', reason: 'Failed', message: `Error: ${message}`, fieldPath });
      this.trigger(w.uid, 5000);
      return false;
    }
    const logPath = `${c.name}/${attempt}.log`;
    let id: string;
    try {
      id = await this.d.cri.createContainer(sandboxId, containerConfig(pod, c, { attempt, imageRef: pulled.imageRef, env, mounts, logPath, isInit }), w.sandboxConfig!);
    } catch (err) {
      const message = (err as { details?: string }).details ?? (err as Error).message;
      w.waiting.set(c.name, { reason: 'CreateContainerError', message });
      this.event(pod, { type: 'Warning', reason: 'Failed', message: `Error: ${message}`, fieldPath });
      this.trigger(w.uid, 5000);
      return false;
    }
    this.event(pod, { type: 'Normal', reason: 'Created', message: `Created container ${c.name}`, fieldPath });
    try {
      await this.d.cri.startContainer(id);
    } catch (err) {
      const message = (err as { details?: string }).details ?? (err as Error).message;
      this.event(pod, { type: 'Warning', reason: 'Failed', message: `Error: ${message}`, fieldPath });
      w.waiting.delete(c.name);
      return true;
    }
    this.event(pod, { type: 'Normal', reason: 'Started', message: `Started container ${c.name}`, fieldPath });
    w.waiting.delete(c.name);
    if (!isInit && c.lifecycle?.postStart) {
      // The worker waits here: the container is not reported Running before its postStart completes.
      const res = await runHook(c.lifecycle.postStart, { cri: this.d.cri, pod, container: c, containerId: id, podIP: pod.spec?.hostNetwork ? this.d.hostIP() : podIP }, 0, w.abort.signal);
      if (!res.ok && !w.abort.signal.aborted) {
        this.event(pod, { type: 'Warning', reason: 'FailedPostStartHook', message: res.message, fieldPath });
        await this.killContainer(w, c.name, id, pod.spec?.terminationGracePeriodSeconds ?? 30, podIP, 'FailedPostStartHook');
      }
    }
    return true;
  }

  private readOnlyVolumes(pod: Pod): Set<string> {
    return new Set((pod.spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim?.readOnly).map((v) => v.name));
  }

  /**
   * Stops one running instance the kubelet's way: a Killing event, the
   * preStop hook within the grace period, then the stop signal with what is
   * left of it (at least 2 s after a hook), then KILL.
   */
  private async killContainer(w: Worker, name: string, id: string, grace: number, podIP: string | undefined, message?: string): Promise<void> {
    const pod = w.pod;
    const fieldPath = fieldPathOf(pod, name);
    this.event(pod, { type: 'Normal', reason: 'Killing', message: message ?? `Stopping container ${name}`, fieldPath });
    const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
    let left = grace;
    if (spec?.lifecycle?.preStop && grace > 0) {
      const t0 = Date.now();
      const res = await runHook(spec.lifecycle.preStop, { cri: this.d.cri, pod, container: spec, containerId: id, podIP: pod.spec?.hostNetwork ? this.d.hostIP() : podIP }, grace);
      if (!res.ok) this.event(pod, { type: 'Warning', reason: 'FailedPreStopHook', message: res.message, fieldPath });
      left = Math.max(MIN_GRACE_SECONDS, grace - Math.floor((Date.now() - t0) / 1000));
    }
    try {
      await this.d.cri.stopContainer(id, left);
    } catch (err) {
      if (!isCriNotFound(err)) throw err;
    }
  }

  /** Writes the pod's status to the API when it changed. */
  private async publish(w: Worker, rt: PodRuntime): Promise<PodStatus | undefined> {
    if (w.gone) return undefined;
    const status = computePodStatus(w.pod, this.withTerminationMessages(w, rt), {
      waiting: w.waiting,
      hostIP: this.d.hostIP(),
      now: new Date(),
      probes: { ready: (c, id) => this.probes.ready(w.uid, c, id), started: (c, id) => this.probes.started(w.uid, c, id) },
    });
    const text = JSON.stringify(status);
    if (text === w.lastStatus) return status;
    // A static pod reports through its mirror pod, once there is one.
    const target = w.static ? this.mirrors.get(w.uid) : { name: w.pod.metadata!.name!, namespace: w.pod.metadata!.namespace!, uid: w.uid };
    if (!target) return status;
    try {
      const updated = await this.d.client
        .resource<Pod & KObject>(resources.pods, target.namespace)
        .patch(target.name, 'merge', { metadata: { uid: target.uid }, status }, { subresource: 'status' });
      w.lastStatus = text;
      if (updated.metadata?.uid === target.uid) w.pod = { ...w.pod, status: updated.status };
    } catch (err) {
      if (w.static && (isStatusError(err, 'NotFound') || isStatusError(err, 'Conflict'))) {
        // The mirror went away; the static-pod manager makes a new one.
        if (this.mirrors.get(w.uid)?.uid === target.uid) this.mirrors.delete(w.uid);
        return status;
      }
      if (isStatusError(err, 'NotFound')) {
        w.gone = true;
        this.trigger(w.uid);
        return status;
      }
      throw err;
    }
    return status;
  }

  /** Exited instances get their termination message (file, or log tail with FallbackToLogsOnError). */
  private withTerminationMessages(w: Worker, rt: PodRuntime): PodRuntime {
    const specs = [...(w.pod.spec?.initContainers ?? []), ...(w.pod.spec?.containers ?? [])];
    const dir = podDir(this.d.dataDir, w.uid);
    const logDir = podLogDir(this.d.dataDir, w.pod);
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

  /** Stops running containers (TERM, then KILL after `grace` seconds); with `events`, the kubelet's way (Killing, preStop). */
  private async killContainers(w: Worker, rt: PodRuntime, grace: number, events = true): Promise<void> {
    const running = rt.containers.filter((c) => c.state === 'running' || c.state === 'created');
    const ip = rt.sandboxes.find((s) => s.ready && s.ip)?.ip;
    await Promise.all(
      running.map(async (c) => {
        if (events && c.state === 'running') {
          await this.killContainer(w, c.name, c.id, grace, ip);
          return;
        }
        try {
          await this.d.cri.stopContainer(c.id, grace);
        } catch (err) {
          if (!isCriNotFound(err)) throw err;
        }
      }),
    );
  }

  private graceOf(w: Worker): number {
    const pod = w.pod;
    const g = Math.max(0, pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
    // Removed from the API without us (grace 0 --force): like the kubelet, allow 1 s.
    // A static pod whose file went away stops with its full grace period.
    return w.gone && !w.static ? Math.min(g, FORCED_GRACE_SECONDS) : g;
  }

  private async forceKill(uid: string): Promise<void> {
    try {
      const rt = await this.runtimeOf(uid);
      await Promise.all(rt.containers.filter((c) => c.state === 'running').map((c) => this.d.cri.stopContainer(c.id, FORCED_GRACE_SECONDS)));
    } catch (err) {
      this.d.log.debug({ uid, err: (err as Error).message }, 'force kill failed');
    }
  }

  /** The 删除流程: TERM, wait up to the grace period, KILL, then delete with grace 0. */
  private async terminate(w: Worker): Promise<void> {
    const pod = w.pod;
    this.probes.removePod(w.uid);
    const rt = await this.runtimeOf(w.uid);
    await this.killContainers(w, rt, this.graceOf(w));
    for (const s of rt.sandboxes) {
      await this.d.cri.stopPodSandbox(s.id).catch((err) => {
        if (!isCriNotFound(err)) throw err;
      });
    }
    if (!w.gone && !w.static) {
      const after = await this.runtimeOf(w.uid);
      await this.publish(w, { sandboxes: after.sandboxes.map((s) => ({ ...s, ready: false })), containers: after.containers }).catch(() => undefined);
      try {
        await this.d.client
          .resource(resources.pods, pod.metadata!.namespace)
          .delete(pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: w.uid } });
      } catch (err) {
        if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
      }
    }
    await this.removePod(w.uid);
    w.finished = true;
  }

  /** Removes every runtime object of a pod and its directories. */
  async removePod(uid: string): Promise<void> {
    const rt = await this.runtimeOf(uid);
    for (const c of rt.containers) await this.d.cri.removeContainer(c.id).catch(() => undefined);
    for (const s of rt.sandboxes) {
      await this.d.cri.stopPodSandbox(s.id).catch(() => undefined);
      await this.d.cri.removePodSandbox(s.id).catch(() => undefined);
    }
    removePodDir(this.d.dataDir, uid);
    this.observed.delete(uid);
  }

  /** Keeps the newest two instances of each container (current and previous, for logs --previous). */
  private async collectGarbage(rt: PodRuntime): Promise<void> {
    const names = new Set(rt.containers.map((c) => c.name));
    for (const name of names) {
      const old = instancesOf(rt, name).slice(2).filter((c) => c.state === 'exited');
      for (const c of old) await this.d.cri.removeContainer(c.id).catch(() => undefined);
    }
  }

  /** Kills and removes what the runtime still holds for a pod the agent does not know (force-deleted while away). */
  async reapOrphan(uid: string, grace: number): Promise<void> {
    const rt = await this.runtimeOf(uid);
    await Promise.all(
      rt.containers.filter((c) => c.state === 'running').map((c) => this.d.cri.stopContainer(c.id, grace).catch(() => undefined)),
    );
    await this.removePod(uid);
  }

  private async pullSecrets(pod: Pod) {
    const out = [];
    for (const ref of pod.spec?.imagePullSecrets ?? []) {
      const data = await this.d.secret(pod.metadata!.namespace!, ref.name!);
      const raw = data?.['.dockerconfigjson'] ?? (data?.['.dockercfg'] ? JSON.stringify({ auths: JSON.parse(data['.dockercfg']) }) : undefined);
      if (raw) {
        try {
          out.push(JSON.parse(raw));
        } catch {
          // a malformed secret grants nothing
        }
      }
    }
    return out;
  }

  private fieldResolver(pod: Pod, podIP: string | undefined) {
    return (path: string): string | undefined => {
      const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
      if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]];
      switch (path) {
        case 'metadata.name':
          return pod.metadata?.name;
        case 'metadata.namespace':
          return pod.metadata?.namespace;
        case 'metadata.uid':
          return pod.metadata?.uid;
        case 'metadata.labels':
          return formatMap(pod.metadata?.labels);
        case 'metadata.annotations':
          return formatMap(pod.metadata?.annotations);
        case 'spec.nodeName':
          return pod.spec?.nodeName ?? this.d.nodeName;
        case 'spec.serviceAccountName':
          return pod.spec?.serviceAccountName;
        case 'status.hostIP':
          return this.d.hostIP();
        case 'status.hostIPs':
          return this.d.hostIP();
        case 'status.podIP':
        case 'status.podIPs':
          return pod.spec?.hostNetwork ? this.d.hostIP() : podIP;
        default:
          return undefined;
      }
    };
  }

  private async envSources(pod: Pod, podIP: string | undefined): Promise<EnvSources> {
    const ns = pod.metadata!.namespace!;
    const cms = new Map<string, Record<string, string> | undefined>();
    const secrets = new Map<string, Record<string, string> | undefined>();
    const c = pod.spec?.containers ?? [];
    const all = [...(pod.spec?.initContainers ?? []), ...c];
    for (const ct of all) {
      for (const ef of ct.envFrom ?? []) {
        if (ef.configMapRef?.name && !cms.has(ef.configMapRef.name)) cms.set(ef.configMapRef.name, await this.d.configMap(ns, ef.configMapRef.name));
        if (ef.secretRef?.name && !secrets.has(ef.secretRef.name)) secrets.set(ef.secretRef.name, await this.d.secret(ns, ef.secretRef.name));
      }
      for (const e of ct.env ?? []) {
        const cm = e.valueFrom?.configMapKeyRef?.name;
        const sec = e.valueFrom?.secretKeyRef?.name;
        if (cm && !cms.has(cm)) cms.set(cm, await this.d.configMap(ns, cm));
        if (sec && !secrets.has(sec)) secrets.set(sec, await this.d.secret(ns, sec));
      }
    }
    return {
      field: this.fieldResolver(pod, podIP),
      resource: (container, resource, divisor) => resourceFieldValue(pod, container, resource, divisor, this.allocatable),
      configMap: (n) => cms.get(n),
      secret: (n) => secrets.get(n),
    };
  }

  /**
   * What the volumes of a pod draw on, fetched ahead (the volume code reads
   * synchronously): config maps, secrets, claims and their volumes, and the
   * downward API. `only` limits the prefetch to some volumes.
   */
  private volumeSources(pod: Pod, podIP: string | undefined, only?: (v: Volume) => boolean): VolumeSources & { ready: Promise<unknown> } {
    const ns = pod.metadata!.namespace!;
    const cache = new Map<string, Record<string, string> | undefined>();
    const claims = new Map<string, { path: string; type?: string } | { error: string }>();
    const pending: Promise<void>[] = [];
    const want = (kind: 'cm' | 'secret', name: string) => {
      const k = `${kind}/${name}`;
      if (cache.has(k)) return;
      cache.set(k, undefined);
      pending.push((kind === 'cm' ? this.d.configMap(ns, name) : this.d.secret(ns, name)).then((v) => void cache.set(k, v)));
    };
    for (const v of pod.spec?.volumes ?? []) {
      if (only && !only(v)) continue;
      if (v.configMap?.name) want('cm', v.configMap.name);
      if (v.secret?.secretName) want('secret', v.secret.secretName);
      for (const s of v.projected?.sources ?? []) {
        if (s.configMap?.name) want('cm', s.configMap.name);
        if (s.secret?.name) want('secret', s.secret.name);
      }
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim && !claims.has(claim)) pending.push(this.resolveClaim(ns, claim).then((r) => void claims.set(claim, r)));
    }
    const log = this.d.log;
    return {
      ready: Promise.all(pending),
      configMap: (n: string) => cache.get(`cm/${n}`),
      secret: (n: string) => cache.get(`secret/${n}`),
      field: this.fieldResolver(pod, podIP),
      resource: (container, resource, divisor) => resourceFieldValue(pod, container, resource, divisor, this.allocatable),
      claim: (n: string) => claims.get(n) ?? { error: `persistentvolumeclaim ${JSON.stringify(n)} not found` },
      warn: (message: string) => log.warn({ pod: podKey(pod) }, message),
    };
  }

  /** A claim's host path: only claims bound to hostPath or local volumes can be mounted on this node. */
  private async resolveClaim(ns: string, name: string): Promise<{ path: string; type?: string } | { error: string }> {
    type Claim = KObject & { spec?: { volumeName?: string }; status?: { phase?: string } };
    type Volume = KObject & { spec?: { hostPath?: { path: string; type?: string }; local?: { path: string } } };
    let claim: Claim;
    try {
      claim = await this.d.client.resource<Claim>(resources.pvcs, ns).get(name);
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return { error: `persistentvolumeclaim ${JSON.stringify(name)} not found` };
      throw err;
    }
    const pvName = claim.spec?.volumeName;
    if (claim.status?.phase !== 'Bound' || !pvName) return { error: `persistentvolumeclaim ${JSON.stringify(name)} is not bound` };
    let pv: Volume;
    try {
      pv = await this.d.client.resource<Volume>(resources.pvs).get(pvName);
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return { error: `persistentvolume ${JSON.stringify(pvName)} not found` };
      throw err;
    }
    if (pv.spec?.hostPath) return { path: pv.spec.hostPath.path, type: pv.spec.hostPath.type };
    if (pv.spec?.local) return { path: pv.spec.local.path, type: 'Directory' };
    return { error: `persistentvolume ${JSON.stringify(pvName)} is neither hostPath nor local: this node cannot mount it` };
  }

  /** Stops the workers' timers; running syncs finish on their own. Containers keep running. */
  stop(): void {
    this.stopped = true;
    this.probes.stop();
    for (const w of this.workers.values()) if (w.timer) clearTimeout(w.timer);
  }
}
