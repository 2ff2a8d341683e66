/**
 * The pod garbage collector (pkg/controller/podgc): pods bound to a node
 * that no longer exists have no agent to finish them, so after a short
 * quarantine (the node may just be re-registering) they are deleted at once
 * (grace 0); so are terminating pods that were never scheduled.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { Informer } from '../../client/types.js';
import type { Logger } from '../../util/log.js';
import type { ControllerContext, RunningController } from '../shared/controller.js';
import { gvr } from '../shared/resources.js';

type PodObj = Pod & KObject;
type NodeObj = Node & KObject;

export interface PodGCOptions {
  /** How often to look (Kubernetes: 20 s). */
  periodMs?: number;
  /** How long a node must have been missing before its pods go (Kubernetes: 40 s). */
  quarantineMs?: number;
}

export class PodGarbageCollector implements RunningController {
  readonly name = 'podgc';
  private readonly pods: Informer<PodObj>;
  private readonly nodes: Informer<NodeObj>;
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  /** Node name → when we first saw pods bound to it while it was missing. */
  private readonly missingSince = new Map<string, number>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: PodGCOptions = {},
  ) {
    this.log = ctx.log.child({ controller: this.name });
    this.pods = ctx.informers.informerFor<PodObj>(gvr.pods);
    this.nodes = ctx.informers.informerFor<NodeObj>(gvr.nodes);
  }

  run(): void {
    const period = this.opts.periodMs ?? 20_000;
    const tick = () => {
      this.gc().catch((err) => this.log.warn({ err }, 'pod gc pass failed'));
      this.timer = setTimeout(tick, period);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, period);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /** One pass; exported for tests through the class. */
  async gc(now = Date.now()): Promise<void> {
    const quarantine = this.opts.quarantineMs ?? 40_000;
    const stillMissing = new Set<string>();
    const doomed: PodObj[] = [];
    for (const pod of this.pods.list()) {
      const node = pod.spec?.nodeName;
      if (!node) {
        if (pod.metadata?.deletionTimestamp) doomed.push(pod);
        continue;
      }
      if (this.nodes.get(node)) continue;
      stillMissing.add(node);
      const since = this.missingSince.get(node) ?? now;
      this.missingSince.set(node, since);
      if (now - since >= quarantine) doomed.push(pod);
    }
    for (const n of [...this.missingSince.keys()]) if (!stillMissing.has(n)) this.missingSince.delete(n);
    for (const pod of doomed) {
      const { namespace, name } = pod.metadata!;
      try {
        await this.ctx.client.resource<PodObj>(gvr.pods, namespace).delete(name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid } });
        this.log.info({ pod: `${namespace}/${name}`, node: pod.spec?.nodeName }, 'deleted orphaned pod');
      } catch (err) {
        if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
      }
    }
  }
}
