/**
 * ControllerExpectations (k8s.io/kubernetes/pkg/controller): what a
 * controller has asked the API server to create or delete and not yet seen
 * come back through its informer. While expectations are pending, sync must
 * not act on the (stale) cache, or it would create the same pods twice.
 *
 * Deletions are tracked by object key (UIDTrackingControllerExpectations) so
 * that seeing the same deletion twice — a graceful delete then the final one
 * — counts once. Expectations expire after five minutes, so a lost watch
 * event cannot wedge a controller forever.
 */

export const expectationsTimeoutMs = 5 * 60 * 1000;

interface Record_ {
  add: number;
  del: number;
  deleting: Set<string>;
  at: number;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Record_>();
  constructor(private readonly now: () => number = Date.now) {}

  /** True when sync may act: nothing pending, pending expired, or never recorded. */
  satisfied(controllerKey: string): boolean {
    const r = this.records.get(controllerKey);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.now() - r.at > expectationsTimeoutMs;
  }

  /** Sets (not adds to) the creations expected for a controller. */
  expectCreations(controllerKey: string, n: number): void {
    this.records.set(controllerKey, { add: n, del: 0, deleting: new Set(), at: this.now() });
  }

  /** Sets the deletions expected, one per object key. */
  expectDeletions(controllerKey: string, objectKeys: readonly string[]): void {
    this.records.set(controllerKey, { add: 0, del: objectKeys.length, deleting: new Set(objectKeys), at: this.now() });
  }

  creationObserved(controllerKey: string): void {
    const r = this.records.get(controllerKey);
    if (r) r.add--;
  }

  /** Counts a deletion once per object key; without a key, counts it unconditionally. */
  deletionObserved(controllerKey: string, objectKey?: string): void {
    const r = this.records.get(controllerKey);
    if (!r) return;
    if (objectKey !== undefined) {
      if (!r.deleting.delete(objectKey)) return;
    }
    r.del--;
  }

  /** Lowers pending counts, e.g. for creations that were skipped or failed. */
  lower(controllerKey: string, add: number, del: number): void {
    const r = this.records.get(controllerKey);
    if (!r) return;
    r.add -= add;
    r.del -= del;
  }

  raise(controllerKey: string, add: number, del: number): void {
    const r = this.records.get(controllerKey);
    if (!r) {
      this.records.set(controllerKey, { add, del, deleting: new Set(), at: this.now() });
      return;
    }
    r.add += add;
    r.del += del;
  }

  /** The pending counts, for tests and logs. */
  get(controllerKey: string): { add: number; del: number } | undefined {
    const r = this.records.get(controllerKey);
    return r ? { add: r.add, del: r.del } : undefined;
  }

  /** Forget a controller (it was deleted). */
  delete(controllerKey: string): void {
    this.records.delete(controllerKey);
  }
}
