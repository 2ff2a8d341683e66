/**
 * CronJob schedules: the five-field cron syntax robfig/cron's ParseStandard
 * accepts (plus @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly
 * and `@every <duration>`), evaluated in `spec.timeZone` (UTC without one),
 * and the controller's rules for which start times are due.
 */
import { CronExpressionParser } from 'cron-parser';

export interface Schedule {
  /** The first start strictly after `t` (ms). */
  next(t: number): number;
  /** The last start at or before `t` (ms), or undefined when there is none. */
  prev(t: number): number | undefined;
}

const descriptors: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Whether `tz` names an IANA time zone this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Go's time.ParseDuration for the units a schedule could use (h, m, s, ms). */
export function parseGoDuration(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    const n = Number(m[1]);
    total += n * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as 'h' | 'm' | 's' | 'ms'];
    matched = re.lastIndex;
  }
  return matched === s.length && s.length > 0 ? total : undefined;
}

/** Parses a schedule; throws an Error whose message says what is wrong. */
export function parseSchedule(spec: string, timeZone?: string): Schedule {
  const text = spec.trim();
  if (/^TZ=|^CRON_TZ=/.test(text)) throw new Error('CRON_TZ or TZ used in schedule is not supported, use spec.timeZone instead');
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) throw new Error(`unknown time zone ${timeZone}`);
  if (text.startsWith('@every ')) {
    const d = parseGoDuration(text.slice(7).trim());
    if (d === undefined || d < 1000) throw new Error(`failed to parse duration ${text}`);
    // robfig's ConstantDelaySchedule: whole seconds after the previous time.
    const step = Math.floor(d / 1000) * 1000;
    return { next: (t) => Math.floor(t / 1000) * 1000 + step, prev: (t) => Math.floor(t / 1000) * 1000 };
  }
  const expr = descriptors[text] ?? text;
  if (expr.startsWith('@')) throw new Error(`unrecognized descriptor: ${text}`);
  const fields = expr.split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${text}`);
  const tz = timeZone ?? 'UTC';
  // Parse once to report errors early.
  CronExpressionParser.parse(expr, { tz, currentDate: new Date(0) });
  return {
    next(t) {
      return CronExpressionParser.parse(expr, { tz, currentDate: new Date(t) }).next().getTime();
    },
    prev(t) {
      // prev() is strictly before its current date; one ms later makes it "at or before".
      const it = CronExpressionParser.parse(expr, { tz, currentDate: new Date(t + 1) });
      try {
        return it.prev().getTime();
      } catch {
        return undefined;
      }
    },
  };
}

export type Missed = 'none' | 'few' | 'many';

export interface ScheduleInputs {
  creationTimestamp: number;
  lastScheduleTime?: number;
  startingDeadlineSeconds?: number;
}

/**
 * mostRecentScheduleTime: the latest start time at or before `now` that has
 * not been acted on (after the last schedule, or creation), and how many
 * were missed on the way. With `useDeadline`, starts older than
 * startingDeadlineSeconds are not considered at all.
 */
export function mostRecentScheduleTime(
  cj: ScheduleInputs,
  now: number,
  sched: Schedule,
  useDeadline: boolean,
): { earliest: number; mostRecent?: number; missed: Missed } {
  let earliest = cj.lastScheduleTime ?? cj.creationTimestamp;
  if (useDeadline && cj.startingDeadlineSeconds != null) {
    const deadline = now - cj.startingDeadlineSeconds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = sched.next(earliest);
  if (now < t1) return { earliest, missed: 'none' };
  const t2 = sched.next(t1);
  if (now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) throw new Error('time difference between two schedules is less than 1 second');
  // A rough count, as Kubernetes does: how many intervals fit since t1.
  const count = Math.floor((now - t1) / 1000 / between) + 1;
  const mostRecent = sched.prev(now) ?? t1;
  return { earliest, mostRecent: Math.max(mostRecent, t1), missed: count > 100 ? 'many' : count > 1 ? 'few' : 'none' };
}

/** How long until the next start after the most recent one, plus the 100 ms Kubernetes adds. */
export function nextScheduleDelayMs(cj: ScheduleInputs, now: number, sched: Schedule): number {
  const { earliest, mostRecent } = mostRecentScheduleTime(cj, now, sched, false);
  const from = mostRecent ?? earliest;
  return Math.max(0, sched.next(from) + 100 - now);
}

/** Minutes since the epoch: the suffix of a scheduled Job's name. */
export function scheduledTimeSuffix(t: number): number {
  return Math.floor(t / 60_000);
}

/** Go's time.RFC3339 of `t` in `timeZone` (`Z` for UTC, `+08:00` elsewhere). */
export function formatInZone(t: number, timeZone?: string): string {
  const tz = timeZone ?? 'UTC';
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(t));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  const local = Date.UTC(Number(get('year')), Number(get('month')) - 1, Number(get('day')), Number(get('hour')), Number(get('minute')), Number(get('second')));
  const offsetMin = Math.round((local - Math.floor(t / 1000) * 1000) / 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const off = offsetMin === 0 ? 'Z' : `${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}${off}`;
}
