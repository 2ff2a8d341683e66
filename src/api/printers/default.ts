/**
 * The table for types without a printer of their own (roles, cluster roles,
 * limit ranges, custom resources without printer columns, ...): Kubernetes'
 * default table convertor, NAME and CREATED AT.
 */
import { createdAtColumn, nameColumn, nameOf, parseTime, printer } from './format.js';
import type { KObject } from '../types.js';

// Go's zero time, which is what the default convertor prints for an unset timestamp.
const zeroTime = '0001-01-01T00:00:00Z';

/** time.Time.UTC().Format(time.RFC3339): whole seconds, `Z`. */
export function rfc3339(ts: string | undefined): string {
  const ms = parseTime(ts);
  if (ms === undefined) return zeroTime;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export const defaultPrinter = printer<KObject>([nameColumn, createdAtColumn], (obj) => [nameOf(obj), rfc3339(obj.metadata?.creationTimestamp)]);
