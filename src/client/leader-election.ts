/**
 * Leader election over a coordination.k8s.io/v1 Lease, as client-go's
 * leaderelection package does it, so that of several controller managers or
 * schedulers (one per API server in HA) exactly one acts at a time.
 *
 * - A candidate takes the lease when it does not exist, is free (no holder),
 *   or its holder has not renewed it for leaseDurationSeconds — measured
 *   with the candidate's own clock from when it last saw the record change,
 *   never by comparing clocks across machines.
 * - The leader renews every retryPeriod; if it cannot renew for
 *   renewDeadline it stops leading (the signal aborts) before anyone else
 *   may take over (renewDeadline < leaseDuration is checked at start).
 * - Writes are compare-and-swap on resourceVersion, so two candidates
 *   racing for a free lease cannot both win.
 * - stop() releases the lease (holder cleared, duration 1 s) unless asked
 *   not to, so a successor takes over at once instead of waiting it out.
 * After losing the lease, an elector goes back to being a candidate.
 */
import type { LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import { isStatusError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { silentLogger, type Logger } from '../util/log.js';
import { resources } from './resources.js';
import type { Client, ResourceClient } from './types.js';

export interface LeaderElectionConfig {
  client: Client;
  /** Where the Lease lives (default kube-system). */
  namespace?: string;
  /** The Lease's name, e.g. `kube-scheduler`. */
  name: string;
  /** Unique per candidate, e.g. `hostname_uuid`. */
  identity: string;
  /** How long a lease is honoured without renewal (default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before giving up (default 10 s). */
  renewDeadlineMs?: number;
  /** Pause between attempts (default 2 s). */
  retryPeriodMs?: number;
  /** Release the lease on stop() (default true). */
  releaseOnCancel?: boolean;
  /** Called on becoming leader; `signal` aborts when leadership ends. Do the leader's work until then. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called when leadership ends (lost or stopped). */
  onStoppedLeading?(): void;
  /** Called when the observed holder changes (including to this candidate). */
  onNewLeader?(identity: string): void;
  log?: Logger;
}

type LeaseObject = KObject & { spec?: LeaseSpec };

/** Kubernetes' MicroTime: RFC 3339 with exactly six fractional digits, UTC. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly leases: ResourceClient<LeaseObject>;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly namespace: string;
  private leading = false;
  private stopped = false;
  private abort: AbortController | undefined;
  /** The last lease this elector read or wrote, with its resourceVersion. */
  private lease: LeaseObject | undefined;
  private observedJson = '';
  private observedAt = 0;
  private holder = '';
  private wakeUp: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;

  constructor(private readonly cfg: LeaderElectionConfig) {
    this.namespace = cfg.namespace ?? 'kube-system';
    this.leaseDurationMs = cfg.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = cfg.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = cfg.retryPeriodMs ?? 2_000;
    const problems: string[] = [];
    if (!cfg.name) problems.push('name is required');
    if (!cfg.identity) problems.push('identity is required');
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) problems.push('leaseDurationMs must be greater than renewDeadlineMs');
    if (!(this.renewDeadlineMs > this.retryPeriodMs * 1.2)) problems.push('renewDeadlineMs must be greater than 1.2 × retryPeriodMs');
    if (!(this.retryPeriodMs > 0)) problems.push('retryPeriodMs must be positive');
    if (problems.length) throw new Error(`leader election ${cfg.name}: ${problems.join('; ')}`);
    this.leases = cfg.client.resource<LeaseObject>(resources.leases, this.namespace);
    this.log = (cfg.log ?? silentLogger()).child({ lease: `${this.namespace}/${cfg.name}`, identity: cfg.identity });
  }

  /** Starts campaigning (idempotent). */
  run(): void {
    if (this.loopDone || this.stopped) return;
    this.loopDone = this.loop();
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder as last observed ('' when none). */
  getLeader(): string {
    return this.holder;
  }

  /** Stops campaigning; a leader stops leading and (by default) releases the lease. */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wakeUp?.();
    await this.loopDone;
    // Abort the leader's work first, so it winds down before a successor can start.
    const wasLeading = this.leading;
    this.abort?.abort();
    if (opts.release ?? this.cfg.releaseOnCancel ?? true) await this.release();
    if (wasLeading) this.stopLeading();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if ((await this.tryAcquireOrRenew()) && !this.stopped) {
        this.startLeading();
        await this.renewWhileLeading();
        if (this.stopped) return;
      }
      await this.sleep(this.retryPeriodMs * (1 + Math.random() * 0.2));
    }
  }

  private async renewWhileLeading(): Promise<void> {
    let lastRenew = Date.now();
    while (!this.stopped) {
      await this.sleep(this.retryPeriodMs);
      if (this.stopped) return;
      const left = this.renewDeadlineMs - (Date.now() - lastRenew);
      const ok = left > 0 && (await this.withTimeout(this.tryAcquireOrRenew(), left));
      if (this.stopped) return;
      if (ok) {
        lastRenew = Date.now();
      } else if (Date.now() - lastRenew >= this.renewDeadlineMs) {
        this.log.warn({ renewDeadlineMs: this.renewDeadlineMs }, 'could not renew the lease in time; stopping leading');
        this.stopLeading();
        return;
      }
    }
  }

  private startLeading(): void {
    this.leading = true;
    this.abort = new AbortController();
    this.log.info('became leader');
    try {
      const r = this.cfg.onStartedLeading(this.abort.signal);
      if (r instanceof Promise) r.catch((err) => this.log.error({ err }, 'onStartedLeading failed'));
    } catch (err) {
      this.log.error({ err }, 'onStartedLeading failed');
    }
  }

  private stopLeading(): void {
    if (!this.leading) return;
    this.leading = false;
    this.abort?.abort();
    this.abort = undefined;
    try {
      this.cfg.onStoppedLeading?.();
    } catch (err) {
      this.log.error({ err }, 'onStoppedLeading failed');
    }
  }

  /** One attempt to take or keep the lease; false when someone else holds it or the write lost a race. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const id = this.cfg.identity;
    const durationSeconds = Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
    let current: LeaseObject;
    try {
      current = await this.leases.get(this.cfg.name);
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) {
        this.log.warn({ err }, 'reading the lease failed');
        return false;
      }
      try {
        const created = await this.leases.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.cfg.name, namespace: this.namespace },
          spec: { holderIdentity: id, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        });
        this.observe(created);
        return true;
      } catch (e) {
        if (!isStatusError(e, 'AlreadyExists')) this.log.warn({ err: e }, 'creating the lease failed');
        return false;
      }
    }
    this.observe(current);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const heldFor = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder && holder !== id && this.observedAt + heldFor > Date.now()) return false;

    const mine = holder === id;
    const next: LeaseSpec = {
      holderIdentity: id,
      leaseDurationSeconds: durationSeconds,
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    try {
      this.observe(await this.leases.update({ ...current, spec: next }));
      return true;
    } catch (err) {
      if (!isStatusError(err, 'Conflict')) this.log.warn({ err }, 'updating the lease failed');
      return false;
    }
  }

  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease || lease.spec?.holderIdentity !== this.cfg.identity) return;
    const now = microTime(new Date());
    try {
      this.observe(
        await this.leases.update({
          ...lease,
          spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: lease.spec?.leaseTransitions ?? 0 },
        }),
      );
    } catch (err) {
      this.log.warn({ err }, 'releasing the lease failed; it will expire');
    }
  }

  private observe(lease: LeaseObject): void {
    this.lease = lease;
    const json = JSON.stringify(lease.spec ?? {});
    if (json !== this.observedJson) {
      this.observedJson = json;
      this.observedAt = Date.now();
    }
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== this.holder) {
      this.holder = holder;
      if (holder) {
        try {
          this.cfg.onNewLeader?.(holder);
        } catch (err) {
          this.log.error({ err }, 'onNewLeader failed');
        }
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private withTimeout(p: Promise<boolean>, ms: number): Promise<boolean> {
    let t: NodeJS.Timeout | undefined;
    return Promise.race([p, new Promise<boolean>((resolve) => (t = setTimeout(() => resolve(false), ms)))]).finally(() => clearTimeout(t));
  }
}

/** Builds an elector and starts campaigning; stop it with `await elector.stop()`. */
export function runLeaderElection(cfg: LeaderElectionConfig): LeaderElector {
  const e = new LeaderElector(cfg);
  e.run();
  return e;
}
