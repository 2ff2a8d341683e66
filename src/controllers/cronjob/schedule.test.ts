import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatInZone, mostRecentScheduleTime, nextScheduleDelayMs, parseGoDuration, parseSchedule, scheduledTimeSuffix } from './schedule.js';

const T = (s: string) => Date.parse(s);

test('next start times for standard syntax, descriptors and time zones', () => {
  const cases: { spec: string; tz?: string; from: string; want: string }[] = [
    { spec: '*/5 * * * *', from: '2024-03-01T10:02:30Z', want: '2024-03-01T10:05:00Z' },
    { spec: '0 9 * * 1-5', from: '2024-03-01T10:00:00Z', want: '2024-03-04T09:00:00Z' }, // Friday → Monday
    { spec: '@hourly', from: '2024-03-01T10:00:00Z', want: '2024-03-01T11:00:00Z' },
    { spec: '@daily', from: '2024-03-01T10:00:00Z', want: '2024-03-02T00:00:00Z' },
    { spec: '@midnight', from: '2024-03-01T10:00:00Z', want: '2024-03-02T00:00:00Z' },
    { spec: '@weekly', from: '2024-03-01T10:00:00Z', want: '2024-03-03T00:00:00Z' },
    { spec: '@monthly', from: '2024-03-01T10:00:00Z', want: '2024-04-01T00:00:00Z' },
    { spec: '@yearly', from: '2024-03-01T10:00:00Z', want: '2025-01-01T00:00:00Z' },
    { spec: '0 9 * * *', tz: 'Asia/Shanghai', from: '2024-03-01T00:00:00Z', want: '2024-03-01T01:00:00Z' },
    { spec: '30 2 * * *', tz: 'America/New_York', from: '2024-01-10T12:00:00Z', want: '2024-01-11T07:30:00Z' },
    { spec: '@every 90s', from: '2024-03-01T10:00:00.400Z', want: '2024-03-01T10:01:30Z' },
  ];
  for (const c of cases) {
    assert.equal(new Date(parseSchedule(c.spec, c.tz).next(T(c.from))).toISOString(), new Date(T(c.want)).toISOString(), `${c.spec} ${c.tz ?? ''}`);
  }
});

test('bad schedules and zones are refused with a reason', () => {
  assert.throws(() => parseSchedule('* * * *'), /5 fields/);
  assert.throws(() => parseSchedule('0 * * * * *'), /5 fields/);
  assert.throws(() => parseSchedule('61 * * * *'));
  assert.throws(() => parseSchedule('TZ=UTC * * * * *'), /spec.timeZone/);
  assert.throws(() => parseSchedule('* * * * *', 'Mars/Olympus'), /unknown time zone/);
  assert.throws(() => parseSchedule('@fortnightly'), /descriptor/);
});

test('most recent unmet start, missed counts and the starting deadline', () => {
  const s = parseSchedule('* * * * *');
  const created = T('2024-03-01T10:00:30Z');
  assert.deepEqual(mostRecentScheduleTime({ creationTimestamp: created }, T('2024-03-01T10:00:59Z'), s, true), { earliest: created, missed: 'none' });
  const one = mostRecentScheduleTime({ creationTimestamp: created }, T('2024-03-01T10:01:10Z'), s, true);
  assert.equal(one.mostRecent, T('2024-03-01T10:01:00Z'));
  assert.equal(one.missed, 'none');
  const few = mostRecentScheduleTime({ creationTimestamp: created }, T('2024-03-01T10:05:10Z'), s, true);
  assert.equal(few.mostRecent, T('2024-03-01T10:05:00Z'));
  assert.equal(few.missed, 'few');
  // Created long ago, never run: more than 100 missed...
  const many = mostRecentScheduleTime({ creationTimestamp: T('2024-03-01T00:00:00Z') }, T('2024-03-01T10:05:10Z'), s, true);
  assert.equal(many.missed, 'many');
  assert.equal(many.mostRecent, T('2024-03-01T10:05:00Z'));
  // ...unless startingDeadlineSeconds bounds how far back to look.
  const bounded = mostRecentScheduleTime({ creationTimestamp: T('2024-03-01T00:00:00Z'), startingDeadlineSeconds: 200 }, T('2024-03-01T10:05:10Z'), s, true);
  assert.equal(bounded.missed, 'few');
  // Already ran at 10:05: nothing due, and the next look is just after 10:06.
  const ran = { creationTimestamp: created, lastScheduleTime: T('2024-03-01T10:05:00Z') };
  assert.equal(mostRecentScheduleTime(ran, T('2024-03-01T10:05:10Z'), s, true).mostRecent, undefined);
  assert.equal(nextScheduleDelayMs(ran, T('2024-03-01T10:05:10Z'), s), 50_100);
});

test('job name suffix and the scheduled-timestamp annotation format', () => {
  assert.equal(scheduledTimeSuffix(T('2024-03-01T10:05:00Z')), 28488125);
  assert.equal(formatInZone(T('2024-03-01T10:05:00Z')), '2024-03-01T10:05:00Z');
  assert.equal(formatInZone(T('2024-03-01T10:05:00Z'), 'Asia/Shanghai'), '2024-03-01T18:05:00+08:00');
  assert.equal(formatInZone(T('2024-01-10T12:00:00Z'), 'America/New_York'), '2024-01-10T07:00:00-05:00');
  assert.equal(formatInZone(T('2024-01-10T12:00:00Z'), 'Asia/Kolkata'), '2024-01-10T17:30:00+05:30');
});

test('Go durations', () => {
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('90s'), 90_000);
  assert.equal(parseGoDuration('1x'), undefined);
});
