/**
 * The node IPAM controller (pkg/controller/nodeipam, range allocator): every
 * Node gets a /24 out of the cluster CIDR 10.42.0.0/16 in spec.podCIDR(s),
 * which its agent hands to CNI's host-local IPAM. CIDRs already on nodes are
 * taken as used at every sync, so the allocator needs no state of its own
 * and survives restarts and several controller-managers in turn.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { Informer, SyncResult, WorkQueue } from '../../client/types.js';
import type { Logger } from '../../util/log.js';
import { runSyncWorkers, type ControllerContext, type RunningController } from '../shared/controller.js';
import { gvr } from '../shared/resources.js';

type NodeObj = Node & KObject;

export const clusterCIDR = { prefix: '10.42', subnets: 256 };

export function subnetCIDR(index: number): string {
  return `${clusterCIDR.prefix}.${index}.0/24`;
}

function subnetIndex(cidr: string | undefined): number | undefined {
  const m = /^10\.42\.(\d+)\.0\/24$/.exec(cidr ?? '');
  return m ? Number(m[1]) : undefined;
}

export class NodeIpamController implements RunningController {
  readonly name = 'nodeipam';
  private readonly queue: WorkQueue<string>;
  private readonly nodes: Informer<NodeObj>;
  private readonly log: Logger;
  /** Subnets handed out by this process whose node update the cache may not show yet. */
  private readonly pending = new Map<number, string>();

  constructor(private readonly ctx: ControllerContext) {
    this.log = ctx.log.child({ controller: this.name });
    this.queue = ctx.newQueue(this.name);
    this.nodes = ctx.informers.informerFor<NodeObj>(gvr.nodes);
    const enqueue = (n: Readonly<NodeObj>) => {
      if (!n.spec?.podCIDR) this.queue.add(n.metadata!.name!);
    };
    this.nodes.addEventHandler({ onAdd: enqueue, onUpdate: (_a, b) => enqueue(b) });
  }

  run(workers: number): void {
    // One worker: allocation reads "what is used" and must not race itself.
    runSyncWorkers(this.queue, Math.min(workers, 1), (k) => this.sync(k), this.log);
  }

  stop(): void {
    this.queue.shutDown();
  }

  private used(): Set<number> {
    const used = new Set<number>();
    for (const n of this.nodes.list()) {
      for (const c of [n.spec?.podCIDR, ...(n.spec?.podCIDRs ?? [])]) {
        const i = subnetIndex(c);
        if (i !== undefined) used.add(i);
      }
    }
    for (const [i, name] of this.pending) {
      const n = this.nodes.get(name);
      if (n && subnetIndex(n.spec?.podCIDR) === i) this.pending.delete(i);
      else used.add(i);
    }
    return used;
  }

  async sync(name: string): Promise<SyncResult> {
    const node = this.nodes.get(name);
    if (!node || node.spec?.podCIDR) return;
    const used = this.used();
    let index = -1;
    for (let i = 0; i < clusterCIDR.subnets; i++) {
      if (!used.has(i)) {
        index = i;
        break;
      }
    }
    if (index < 0) {
      this.ctx.recorder.event(node, 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      return { requeueAfterMs: 30_000 };
    }
    const cidr = subnetCIDR(index);
    try {
      await this.ctx.client.resource<NodeObj>(gvr.nodes).patch(name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
    } catch (e) {
      if (isStatusError(e, 'NotFound')) return;
      throw e;
    }
    this.pending.set(index, name);
    this.log.info({ node: name, cidr }, 'assigned pod CIDR');
  }
}
