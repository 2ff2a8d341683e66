import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, tryParseQuantity } from './quantity.js';

test('parses the quantity forms Kubernetes accepts', () => {
  const cases: [string | number, number][] = [
    ['100m', 0.1],
    ['1', 1],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['+2', 2],
    ['-3', -3],
    ['1Ki', 1024],
    ['1Gi', 1073741824],
    ['128Mi', 134217728],
    ['1k', 1000],
    ['1M', 1e6],
    ['2E', 2e18],
    ['1e3', 1000],
    ['1E3', 1000],
    ['5e-3', 0.005],
    ['250u', 0.00025],
    ['7n', 7e-9],
    [2, 2],
  ];
  for (const [input, want] of cases) {
    const got = parseQuantity(input);
    assert.ok(Math.abs(got - want) <= Math.abs(want) * 1e-12, `${input}: got ${got}, want ${want}`);
  }
});

test('rejects what is not a quantity', () => {
  for (const bad of ['', 'abc', '1ki', '1 Gi', '1.2.3', 'Gi', '1Gii', '1e', 'm', '--1', '1e3m']) {
    assert.equal(tryParseQuantity(bad), undefined, bad);
    assert.throws(() => parseQuantity(bad), /quantities must match the regular expression/);
  }
});
