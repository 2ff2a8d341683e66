/**
 * The error catalogue: every failure the API answers with is a StatusError,
 * which carries a Kubernetes `Status` (code, reason, message, details) so the
 * HTTP layer only has to serialise it. Constructors mirror
 * k8s.io/apimachinery/pkg/api/errors, with the same messages, because kubectl
 * prints them verbatim and users (and tests) recognise them.
 */
import type { Status, StatusCause } from 'kubernetes-types/meta/v1.js';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export interface GroupResource {
  group: string;
  resource: string;
}

/** `pods` or `deployments.apps`, as Kubernetes writes a group-resource. */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export class StatusError extends Error {
  readonly status: Status;
  constructor(code: number, reason: StatusReason | undefined, message: string, details?: Status['details'], options?: { cause?: unknown }) {
    super(message, options);
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      ...(reason ? { reason } : {}),
      ...(details ? { details } : {}),
      code,
    };
  }
  get code(): number {
    return this.status.code!;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function isStatusError(e: unknown, reason?: StatusReason): e is StatusError {
  return e instanceof StatusError && (reason === undefined || e.reason === reason);
}

export const errors = {
  notFound(gr: GroupResource, name: string): StatusError {
    return new StatusError(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, {
      name,
      group: gr.group,
      kind: gr.resource,
    });
  },
  alreadyExists(gr: GroupResource, name: string): StatusError {
    return new StatusError(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, {
      name,
      group: gr.group,
      kind: gr.resource,
    });
  },
  conflict(gr: GroupResource, name: string, why: string): StatusError {
    return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`, {
      name,
      group: gr.group,
      kind: gr.resource,
    });
  },
  /** The optimistic-concurrency failure, worded as Kubernetes does. */
  staleResourceVersion(gr: GroupResource, name: string): StatusError {
    return errors.conflict(gr, name, 'the object has been modified; please apply your changes to the latest version and try again');
  },
  invalid(kind: string, group: string, name: string, causes: FieldError[]): StatusError {
    const list = causes.map(fieldErrorText);
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    return new StatusError(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${summary}`, {
      name,
      group,
      kind,
      causes: causes.map(toCause),
    });
  },
  badRequest(message: string): StatusError {
    return new StatusError(400, 'BadRequest', message);
  },
  unauthorized(message = 'Unauthorized'): StatusError {
    return new StatusError(401, 'Unauthorized', message);
  },
  forbidden(gr: GroupResource, name: string, why: string): StatusError {
    const what = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
    return new StatusError(403, 'Forbidden', `${what} is forbidden: ${why}`, { name, group: gr.group, kind: gr.resource });
  },
  methodNotAllowed(verb: string, gr: GroupResource): StatusError {
    return new StatusError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResource(gr)}"`, {
      group: gr.group,
      kind: gr.resource,
    });
  },
  notAcceptable(message: string): StatusError {
    return new StatusError(406, 'NotAcceptable', message);
  },
  unsupportedMediaType(contentType: string): StatusError {
    return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`);
  },
  tooLarge(message = 'Request entity too large: limit is 3145728'): StatusError {
    return new StatusError(413, 'RequestEntityTooLarge', message);
  },
  /** 410 for a watch or list below the compaction point. */
  expired(message: string): StatusError {
    return new StatusError(410, 'Expired', message);
  },
  gone(message: string): StatusError {
    return new StatusError(410, 'Gone', message);
  },
  tooManyRequests(message: string, retryAfterSeconds = 1): StatusError {
    return new StatusError(429, 'TooManyRequests', message, { retryAfterSeconds });
  },
  internal(err: unknown): StatusError {
    const msg = err instanceof Error ? err.message : String(err);
    return new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] }, { cause: err });
  },
  serviceUnavailable(message: string): StatusError {
    return new StatusError(503, 'ServiceUnavailable', message);
  },
  timeout(message: string): StatusError {
    return new StatusError(504, 'Timeout', message);
  },
};

/** One validation failure at a field path, as field.Error in Kubernetes. */
export interface FieldError {
  /** e.g. `spec.containers[0].image` */
  field: string;
  type: FieldErrorType;
  /** The offending value (for Invalid, NotSupported, Duplicate). */
  value?: unknown;
  /** Extra words after the type, e.g. the reason a value is invalid. */
  detail?: string;
  /** For NotSupported: the accepted values. */
  supported?: string[];
}

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound';

const typeWords: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueNotFound: 'Not found',
};

/**
 * A value already rendered as Go's `%#v` would print it (e.g.
 * `map[string]string{"app":"web"}`), shown verbatim in a field error, because
 * some Kubernetes messages quote Go values and clients recognise them.
 */
export class GoValue {
  constructor(readonly text: string) {}
  toJSON(): string {
    return this.text;
  }
}

function showValue(v: unknown): string {
  if (v instanceof GoValue) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return '';
  if (v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `spec.containers[0].image: Required value` — field.Error.Error() wording. */
export function fieldErrorText(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

function fieldErrorBody(e: FieldError): string {
  const words = typeWords[e.type];
  switch (e.type) {
    case 'FieldValueRequired':
    case 'FieldValueForbidden':
    case 'FieldValueTooLong':
    case 'FieldValueTooMany':
      return e.detail ? `${words}: ${e.detail}` : words;
    case 'FieldValueNotSupported': {
      const base = `${words}: ${showValue(e.value)}`;
      if (e.supported?.length) return `${base}: supported values: ${e.supported.map((s) => `"${s}"`).join(', ')}`;
      return e.detail ? `${base}: ${e.detail}` : base;
    }
    default: {
      const base = e.value === undefined ? words : `${words}: ${showValue(e.value)}`;
      return e.detail ? `${base}: ${e.detail}` : base;
    }
  }
}

function toCause(e: FieldError): StatusCause {
  return { reason: e.type, message: fieldErrorBody(e), field: e.field };
}

/** Helpers so validators read like Kubernetes' field.Required(path, ...). */
export const field = {
  required: (f: string, detail?: string): FieldError => ({ field: f, type: 'FieldValueRequired', detail }),
  invalid: (f: string, value: unknown, detail?: string): FieldError => ({ field: f, type: 'FieldValueInvalid', value, detail }),
  notSupported: (f: string, value: unknown, supported: string[]): FieldError => ({ field: f, type: 'FieldValueNotSupported', value, supported }),
  duplicate: (f: string, value: unknown): FieldError => ({ field: f, type: 'FieldValueDuplicate', value }),
  forbidden: (f: string, detail: string): FieldError => ({ field: f, type: 'FieldValueForbidden', detail }),
  tooLong: (f: string, max: number): FieldError => ({ field: f, type: 'FieldValueTooLong', detail: `must have at most ${max} bytes` }),
  notFound: (f: string, value: unknown): FieldError => ({ field: f, type: 'FieldValueNotFound', value }),
};
