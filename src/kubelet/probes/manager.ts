/**
 * The prober: one worker per (pod, container, probe type) while that
 * container instance runs, probing every periodSeconds once
 * initialDelaySeconds have passed since it started. A result flips only
 * after successThreshold / failureThreshold consecutive results. Startup
 * gates the others: until a startup probe has succeeded, liveness and
 * readiness are not run and the container is neither started nor ready.
 * Readiness and startup results feed the pod status (onChange); a liveness
 * or startup failure asks the pod worker to kill the container (onFailure)
 * and the worker holds until a new instance of the container replaces it.
 * Every failed probe is reported as an `Unhealthy` event, like the kubelet.
 */
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../../cri/index.js';
import type { PodEvent } from '../events.js';
import { runHandler } from '../handlers/index.js';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

export interface ProbeDeps {
  cri: CriClient;
  event(pod: Pod, ev: PodEvent): void;
  /** A readiness or startup result changed: the pod's status needs recomputing. */
  onChange(uid: string): void;
  /** Liveness or startup failed for good: kill that instance (it restarts per restartPolicy). */
  onFailure(uid: string, container: string, containerId: string, type: 'liveness' | 'startup'): void;
}

/** A running container instance as the prober needs it. */
export interface RunningContainer {
  name: string;
  id: string;
  startedAt?: Date;
}

const TITLE: Record<ProbeType, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

class ProbeWorker {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private onHold = false;
  private lastResult?: boolean;
  private count = 0;
  /** The current (thresholded) result; undefined until decided. */
  result: boolean | undefined;

  constructor(
    private readonly m: ProbeManager,
    readonly uid: string,
    private pod: Pod,
    readonly container: Container,
    readonly containerId: string,
    private readonly startedAt: number,
    readonly type: ProbeType,
    private readonly probe: Probe,
    private podIP: string | undefined,
  ) {
    // Readiness starts out failed (not ready until proven), liveness
    // healthy, startup undecided.
    this.result = type === 'readiness' ? false : type === 'liveness' ? true : undefined;
  }

  start(): void {
    this.schedule(0);
  }

  refresh(pod: Pod, podIP: string | undefined): void {
    this.pod = pod;
    this.podIP = podIP;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private period(): number {
    return Math.max(1, this.probe.periodSeconds ?? 10) * 1000;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.onHold) return;
    if (this.type !== 'startup' && this.m.gatedByStartup(this.uid, this.container, this.containerId)) {
      this.schedule(Math.min(this.period(), 1000));
      return;
    }
    const readyAt = this.startedAt + (this.probe.initialDelaySeconds ?? 0) * 1000;
    if (Date.now() < readyAt) {
      this.schedule(readyAt - Date.now());
      return;
    }
    const res = await runHandler(
      this.probe,
      { cri: this.m.deps.cri, container: this.container, containerId: this.containerId, podIP: this.podIP },
      Math.max(1, this.probe.timeoutSeconds ?? 1),
      { what: 'HTTP probe failed' },
    );
    if (this.stopped) return;
    if (!res.ok) {
      this.m.deps.event(this.pod, {
        type: 'Warning',
        reason: 'Unhealthy',
        message: `${TITLE[this.type]} probe failed: ${res.output.trimEnd()}`,
        fieldPath: `spec.containers{${this.container.name}}`,
      });
    }
    if (res.ok === this.lastResult) this.count++;
    else {
      this.lastResult = res.ok;
      this.count = 1;
    }
    const threshold = res.ok ? (this.probe.successThreshold ?? 1) : (this.probe.failureThreshold ?? 3);
    if (this.count >= threshold && this.result !== res.ok) {
      this.result = res.ok;
      if (this.type !== 'liveness') this.m.deps.onChange(this.uid);
      if (!res.ok && this.type !== 'readiness') {
        // Killed and replaced: this instance is never probed again.
        this.onHold = true;
        this.m.deps.onFailure(this.uid, this.container.name, this.containerId, this.type);
        return;
      }
    }
    // A startup probe is done once it has succeeded.
    if (this.type === 'startup' && this.result === true) return;
    this.schedule(this.period());
  }
}

export class ProbeManager {
  private readonly workers = new Map<string, ProbeWorker>(); // uid/name/type → worker

  constructor(readonly deps: ProbeDeps) {}

  private key(uid: string, name: string, type: ProbeType): string {
    return `${uid}/${name}/${type}`;
  }

  /**
   * Brings the probe workers of a pod in line with its running container
   * instances: starts workers for new instances (a restarted container gets
   * fresh results), stops those of instances no longer running.
   */
  sync(pod: Pod, running: RunningContainer[], podIP: string | undefined): void {
    const uid = pod.metadata!.uid!;
    const want = new Set<string>();
    for (const c of pod.spec?.containers ?? []) {
      const inst = running.find((r) => r.name === c.name);
      if (!inst) continue;
      const probes: [ProbeType, Probe | undefined][] = [
        ['startup', c.startupProbe],
        ['liveness', c.livenessProbe],
        ['readiness', c.readinessProbe],
      ];
      for (const [type, probe] of probes) {
        if (!probe) continue;
        const key = this.key(uid, c.name, type);
        want.add(key);
        const existing = this.workers.get(key);
        if (existing && existing.containerId === inst.id) {
          existing.refresh(pod, podIP);
          continue;
        }
        existing?.stop();
        const w = new ProbeWorker(this, uid, pod, c, inst.id, inst.startedAt?.getTime() ?? Date.now(), type, probe, podIP);
        this.workers.set(key, w);
        w.start();
      }
    }
    for (const [key, w] of this.workers) {
      if (w.uid === uid && !want.has(key)) {
        w.stop();
        this.workers.delete(key);
      }
    }
  }

  /** Whether liveness/readiness must wait for a startup probe that has not succeeded. */
  gatedByStartup(uid: string, c: Container, containerId: string): boolean {
    if (!c.startupProbe) return false;
    return this.started(uid, c, containerId) !== true;
  }

  /** The container's `started`: its startup probe's verdict; undefined when it has none. */
  started(uid: string, c: Container, containerId: string): boolean | undefined {
    if (!c.startupProbe) return undefined;
    const w = this.workers.get(this.key(uid, c.name, 'startup'));
    return w?.containerId === containerId ? w.result === true : false;
  }

  /** The container's readiness verdict; undefined when it has no readiness probe. */
  ready(uid: string, c: Container, containerId: string): boolean | undefined {
    if (!c.readinessProbe) return undefined;
    const w = this.workers.get(this.key(uid, c.name, 'readiness'));
    return w?.containerId === containerId ? w.result === true : false;
  }

  removePod(uid: string): void {
    for (const [key, w] of this.workers) {
      if (w.uid === uid) {
        w.stop();
        this.workers.delete(key);
      }
    }
  }

  stop(): void {
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
  }
}
