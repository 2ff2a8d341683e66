/**
 * What a plugin answers at an extension point: a code from a fixed set and
 * the reasons shown to users, never an exception (kube-scheduler's
 * framework.Status). `success` is shared and immutable so the hot path
 * allocates nothing when a node passes.
 */
export enum Code {
  Success = 0,
  /** An internal failure; the pod is retried with backoff. */
  Error = 1,
  /** The node does not fit now; preemption might help. */
  Unschedulable = 2,
  /** The node cannot fit whatever is evicted (taints, selectors, ...). */
  UnschedulableAndUnresolvable = 3,
  /** The plugin has nothing to do for this pod; later points of the same plugin are skipped. */
  Skip = 4,
}

export interface Status {
  readonly code: Code;
  readonly reasons: readonly string[];
}

export const success: Status = Object.freeze({ code: Code.Success, reasons: Object.freeze([]) as readonly string[] });
export const skip: Status = Object.freeze({ code: Code.Skip, reasons: Object.freeze([]) as readonly string[] });

export function unschedulable(...reasons: string[]): Status {
  return { code: Code.Unschedulable, reasons };
}

export function unresolvable(...reasons: string[]): Status {
  return { code: Code.UnschedulableAndUnresolvable, reasons };
}

export function errorStatus(message: string): Status {
  return { code: Code.Error, reasons: [message] };
}

export function isSuccess(s: Status | undefined): boolean {
  return s === undefined || s.code === Code.Success;
}

export function isRejection(s: Status): boolean {
  return s.code === Code.Unschedulable || s.code === Code.UnschedulableAndUnresolvable;
}

/**
 * Statuses built once at module load for reasons that carry no detail, so a
 * filter that rejects thousands of nodes shares one object.
 */
export function frozenStatus(code: Code, reason: string): Status {
  return Object.freeze({ code, reasons: Object.freeze([reason]) as readonly string[] });
}
