import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLabelSelector, formatLabels, humanDuration, labelSelectorString, listWithMore, translateAge } from './format.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('humanDuration matches duration.HumanDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [s, '1s'],
    [5 * s, '5s'],
    [70 * s, '70s'],
    [119 * s + 999, '119s'],
    [120 * s, '2m'],
    [123 * s, '2m3s'],
    [190 * s, '3m10s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [70 * m, '70m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 5 * m, '3h5m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [48 * h, '2d'],
    [49 * h, '2d1h'],
    [2 * d + 3 * h, '2d3h'],
    [(8 * 24 + 2) * h, '8d'],
    [45 * d, '45d'],
    [367 * d, '367d'],
    [(365 * 2 * 24 + 25) * h, '2y1d'],
    [365 * 3 * d + 40 * d, '3y40d'],
    [365 * 4 * d, '4y'],
    [(365 * 8 * 24 + 2) * h, '8y'],
    [-999, '0s'],
    [-1 * s, '0s'],
    [-1900, '0s'],
    [-2 * s, '<invalid>'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test('translateAge reads RFC 3339 and reports a missing time as <unknown>', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  assert.equal(translateAge('2024-05-01T11:57:57Z', now), '2m3s');
  assert.equal(translateAge('2024-04-29T09:00:00Z', now), '2d3h');
  assert.equal(translateAge(undefined, now), '<unknown>');
  assert.equal(translateAge('', now), '<unknown>');
  assert.equal(translateAge('not a time', now), '<unknown>');
  // Micro-time, as events carry it.
  assert.equal(translateAge('2024-05-01T11:59:55.123456Z', now), '4s');
});

test('formatLabels sorts by key and prints <none> when empty', () => {
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatLabels({}), '<none>');
  assert.equal(formatLabels(undefined), '<none>');
});

test('label selectors print like LabelSelectorAsSelector', () => {
  const cases: [Parameters<typeof formatLabelSelector>[0], string, string][] = [
    [undefined, '', '<none>'],
    [{}, '', '<none>'],
    [{ matchLabels: { app: 'web', tier: 'fe' } }, 'app=web,tier=fe', 'app=web,tier=fe'],
    [
      {
        matchLabels: { z: '1' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'dev'] },
          { key: 'b', operator: 'Exists' },
          { key: 'c', operator: 'DoesNotExist' },
          { key: 'd', operator: 'NotIn', values: ['x'] },
        ],
      },
      'b,!c,d notin (x),env in (dev,prod),z=1',
      'b,!c,d notin (x),env in (dev,prod),z=1',
    ],
  ];
  for (const [sel, raw, formatted] of cases) {
    assert.equal(labelSelectorString(sel), raw);
    assert.equal(formatLabelSelector(sel), formatted);
  }
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Near', values: ['x'] }] }), '<error>');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }] }), '<error>');
});

test('listWithMore caps at three', () => {
  assert.equal(listWithMore([]), '<unset>');
  assert.equal(listWithMore(['a', 'b']), 'a,b');
  assert.equal(listWithMore(['a', 'b', 'c', 'd', 'e']), 'a,b,c + 2 more...');
});
