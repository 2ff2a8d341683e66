/**
 * Cell formatting shared by the printers. Each helper reproduces one
 * apimachinery/kubernetes function (named in its comment) because kubectl
 * users read these strings, and scripts grep them.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { Container } from 'kubernetes-types/core/v1.js';
import type { KObject, TableColumn, TablePrinter } from '../types.js';

/** Milliseconds since the epoch for an RFC 3339 time; undefined when absent or unparsable. */
export function parseTime(value: string | undefined | null): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * duration.HumanDuration: a short, lossy rendering whose precision falls as
 * the duration grows (`5s`, `2m3s`, `10m`, `3h5m`, `2d3h`, `45d`, `3y40d`).
 * Up to one second in the future still reads `0s`, tolerating clock skew.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** translateTimestampSince: the age of a timestamp, `<unknown>` when there is none. */
export function translateAge(from: string | undefined | null, now: Date): string {
  const t = parseTime(from);
  if (t === undefined) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

/** labels.FormatLabels: `k=v,k2=v2` sorted by key, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/**
 * metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key,
 * set values sorted. A nil and an empty selector both render as ''. Throws
 * on a selector Kubernetes would reject, as the Go function returns an error.
 */
export function labelSelectorString(selector: LabelSelector | undefined | null): string {
  if (!selector) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    reqs.push({ key, text: `${key}=${value}` });
  }
  for (const expr of selector.matchExpressions ?? []) {
    const values = [...(expr.values ?? [])];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) throw new Error(`values: must be specified for ${expr.operator}`);
        reqs.push({ key: expr.key, text: `${expr.key} ${expr.operator === 'In' ? 'in' : 'notin'} (${values.sort().join(',')})` });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length !== 0) throw new Error(`values: must not be specified for ${expr.operator}`);
        reqs.push({ key: expr.key, text: expr.operator === 'Exists' ? expr.key : `!${expr.key}` });
        break;
      default:
        throw new Error(`"${expr.operator}" is not a valid label selector operator`);
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: like labelSelectorString, but `<none>` for nothing and `<error>` when invalid. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  let s: string;
  try {
    s = labelSelectorString(selector);
  } catch {
    return '<error>';
  }
  return s === '' ? '<none>' : s;
}

/** layoutContainerCells: container names and images, comma-joined. */
export function containerCells(containers: Container[] | undefined | null): [names: string, images: string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** printBoolPtr: `True`, `False`, or `<unset>`. */
export function boolPtr(value: boolean | undefined | null): string {
  if (value === undefined || value === null) return '<unset>';
  return value ? 'True' : 'False';
}

/** listWithMoreString: at most `max` items, then ` + N more...`; `<unset>` when empty. */
export function listWithMore(items: string[], max = 3): string {
  if (items.length > max) return `${items.slice(0, max).join(',')} + ${items.length - max} more...`;
  return items.length === 0 ? '<unset>' : items.join(',');
}

/** intstr.IntOrString.String(). */
export function intOrString(v: number | string): string {
  return typeof v === 'number' ? String(v) : v;
}

/**
 * resource.Quantity.String() for a quantity as it travels in JSON. The API
 * server keeps quantities canonical, so the wire string is what Go prints;
 * an absent quantity is Go's zero Quantity, `0`.
 */
export function quantity(q: string | number | undefined | null): string {
  if (q === undefined || q === null || q === '') return '0';
  return String(q);
}

// The shared column descriptions are ObjectMeta's own field docs, as in Kubernetes.
const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const creationDescription =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const nameColumn: TableColumn = { name: 'Name', type: 'string', format: 'name', description: nameDescription, priority: 0 };
export const ageColumn: TableColumn = { name: 'Age', type: 'string', description: creationDescription, priority: 0 };
export const createdAtColumn: TableColumn = { name: 'Created At', type: 'date', description: creationDescription, priority: 0 };

/** A priority-0 column. */
export function col(name: string, type: TableColumn['type'], description: string): TableColumn {
  return { name, type, description, priority: 0 };
}

/** A priority-1 column, shown only with `-o wide`. */
export function wide(name: string, type: TableColumn['type'], description: string): TableColumn {
  return { name, type, description, priority: 1 };
}

export const containersColumn = wide('Containers', 'string', 'Names of each container in the template.');
export const imagesColumn = wide('Images', 'string', 'Images referenced by each container in the template.');

/**
 * Builds a printer over a typed view of the object. The API server prints
 * tables as Kubernetes does (always "wide": kubectl hides priority-1 columns
 * itself), so a row carries one cell for every column.
 */
export function printer<T>(columns: TableColumn[], row: (obj: T, now: Date) => unknown[]): TablePrinter {
  return { columns, row: (obj: KObject, now: Date) => row(obj as unknown as T, now) };
}

/** The object's name, '' when unset. */
export function nameOf(obj: { metadata?: { name?: string } }): string {
  return obj.metadata?.name ?? '';
}

/** The AGE cell. */
export function ageOf(obj: { metadata?: { creationTimestamp?: string } }, now: Date): string {
  return translateAge(obj.metadata?.creationTimestamp, now);
}
