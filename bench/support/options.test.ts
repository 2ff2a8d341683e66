import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BenchOptions } from './options.js';

describe('bench options', () => {
  const opts = new BenchOptions(['--creates', '500', '--scale', '0.05', '--dir', '/tmp/x', '--shapes', 'basic,anti-affinity', '--last']);

  it('reads strings, with a fallback when the option or its value is missing', () => {
    assert.equal(opts.string('dir', '/tmp'), '/tmp/x');
    assert.equal(opts.string('shapes'), 'basic,anti-affinity');
    assert.equal(opts.string('bin', ''), '');
    assert.equal(opts.string('bin'), undefined);
    assert.equal(opts.string('last'), undefined);
    assert.equal(opts.string('last', 'fallback'), 'fallback');
  });

  it('reads numbers and whole numbers', () => {
    assert.equal(opts.number('scale', 1), 0.05);
    assert.equal(opts.number('creates', 10_000), 500);
    assert.equal(opts.count('creates', 10_000), 500);
    assert.equal(opts.number('clients', 32), 32);
    assert.equal(opts.number('nodes'), undefined);
    assert.equal(opts.count('nodes'), undefined);
  });

  it('rejects what a bench cannot use, in one line', () => {
    const cases: Array<[string, 'number' | 'count', string]> = [
      ['abc', 'number', '--n wants a positive number, got abc'],
      ['0', 'number', '--n wants a positive number, got 0'],
      ['-3', 'number', '--n wants a positive number, got -3'],
      ['Infinity', 'number', '--n wants a positive number, got Infinity'],
      ['', 'number', '--n wants a positive number, got '],
      ['2.5', 'count', '--n wants a positive whole number, got 2.5'],
      ['0', 'count', '--n wants a positive whole number, got 0'],
      ['x', 'count', '--n wants a positive whole number, got x'],
    ];
    for (const [value, kind, message] of cases) {
      const o = new BenchOptions(['--n', value]);
      assert.throws(() => (kind === 'number' ? o.number('n', 1) : o.count('n', 1)), { message }, `${kind} ${JSON.stringify(value)}`);
    }
  });
});
