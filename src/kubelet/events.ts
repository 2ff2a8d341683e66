/**
 * core/v1 Events from the node agent (source component "kubelet"), so that
 * `kubectl describe pod` tells the story: Pulling, Pulled, Created, Started,
 * Killing, BackOff, Failed. A repeat of the same event (same object, field
 * path, reason and message) within ten minutes bumps its count instead of
 * creating another object, like client-go's event correlator.
 */
import { randomBytes } from 'node:crypto';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Logger } from '../util/log.js';
import { resources, type Client } from '../client/index.js';

export interface PodEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** e.g. `spec.containers{app}` */
  fieldPath?: string;
}

const REPEAT_WINDOW_MS = 10 * 60_000;

export class EventRecorder {
  private readonly seen = new Map<string, { name: string; namespace: string; count: number; at: number; first: string }>();

  constructor(
    private readonly client: Client,
    private readonly nodeName: string,
    private readonly log: Logger,
  ) {}

  record(pod: Pod, ev: PodEvent): void {
    void this.write(pod, ev).catch((err) => this.log.debug({ err: (err as Error).message, reason: ev.reason }, 'event not recorded'));
  }

  private async write(pod: Pod, ev: PodEvent): Promise<void> {
    const ns = pod.metadata!.namespace!;
    const key = [pod.metadata!.uid, ev.fieldPath ?? '', ev.reason, ev.message].join('\u0000');
    const now = new Date();
    const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const events = this.client.resource(resources.events, ns);
    const prev = this.seen.get(key);
    if (prev && now.getTime() - prev.at < REPEAT_WINDOW_MS) {
      prev.count++;
      prev.at = now.getTime();
      try {
        await events.patch(prev.name, 'merge', { count: prev.count, lastTimestamp: ts });
        return;
      } catch {
        // gone (TTL or deleted): write a new one below
      }
    }
    const name = `${pod.metadata!.name}.${now.getTime().toString(16)}${randomBytes(2).toString('hex')}`;
    await events.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: pod.metadata!.name,
        namespace: ns,
        uid: pod.metadata!.uid,
        ...(pod.metadata!.resourceVersion ? { resourceVersion: pod.metadata!.resourceVersion } : {}),
        ...(ev.fieldPath ? { fieldPath: ev.fieldPath } : {}),
      },
      reason: ev.reason,
      message: ev.message,
      type: ev.type,
      source: { component: 'kubelet', host: this.nodeName },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: 'kubelet',
      reportingInstance: this.nodeName,
    } as never);
    this.seen.set(key, { name, namespace: ns, count: 1, at: now.getTime(), first: ts });
    if (this.seen.size > 5000) {
      for (const [k, v] of this.seen) if (now.getTime() - v.at > REPEAT_WINDOW_MS) this.seen.delete(k);
    }
  }
}
