/**
 * Completion indexes of an Indexed Job. The status keeps them as the
 * compressed interval list Kubernetes uses (`1,3-5,7`), sorted ascending.
 */

/** Parses `1,3-5,7` into a sorted set; indexes at or past `completions` are dropped, as the API server's readers do. */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  if (!s) return out;
  for (const part of s.split(',')) {
    if (!part) continue;
    const dash = part.indexOf('-');
    const from = Number(dash < 0 ? part : part.slice(0, dash));
    const to = Number(dash < 0 ? part : part.slice(dash + 1));
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from) continue;
    for (let i = from; i <= to && i < completions; i++) out.add(i);
  }
  return out;
}

/** The compressed form: consecutive indexes become `a-b`. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The first `count` indexes in [0, completions) that are neither done nor running. */
export function firstPendingIndexes(done: ReadonlySet<number>, active: ReadonlySet<number>, count: number, completions: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!done.has(i) && !active.has(i)) out.push(i);
  }
  return out;
}

/** A pod's completion index from its annotation (or label), or undefined when absent or malformed. */
export function completionIndexOf(meta: { annotations?: Record<string, string>; labels?: Record<string, string> } | undefined): number | undefined {
  const v = meta?.annotations?.[completionIndexKey] ?? meta?.labels?.[completionIndexKey];
  if (v === undefined || !/^(0|[1-9][0-9]*)$/.test(v)) return undefined;
  return Number(v);
}

export const completionIndexKey = 'batch.kubernetes.io/job-completion-index';
