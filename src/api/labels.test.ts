import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStatusError } from './errors.js';
import {
  escapeFieldValue,
  everything,
  fieldSelectorFromSet,
  isEverything,
  labelSelectorFromObject,
  labelSelectorFromSet,
  matches,
  matchesFields,
  nothing,
  parseFieldSelector,
  parseLabelSelector,
  requiresExactMatch,
  selectorToString,
} from './labels.js';

const qualifiedNameRegexText =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValueRegexText =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function badRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isStatusError(err, 'BadRequest'), `expected a BadRequest StatusError, got ${String(err)}`);
    assert.equal(err.code, 400);
    assert.equal(err.message, message);
    assert.equal(err.status.message, message);
    return true;
  });
}

describe('parseLabelSelector', () => {
  // input -> canonical string (which must parse back to the same thing)
  const valid: [string, string][] = [
    ['', ''],
    ['   ', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a==b'],
    ['a!=b', 'a!=b'],
    ['a', 'a'],
    ['!a', '!a'],
    ['! a', '!a'],
    [' a in (x, y) ', 'a in (x,y)'],
    ['a notin (y,x,x)', 'a notin (x,y)'],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    ['a in (x,)', 'a in (,x)'],
    ['a in (,x)', 'a in (,x)'],
    ['b=1,a=2', 'a=2,b=1'],
    ['a=', 'a='],
    ['a=,b', 'a=,b'],
    ['a!=', 'a!='],
    ['in in (in,notin)', 'in in (in,notin)'],
    ['notin notin (in)', 'notin notin (in)'],
    ['example.com/app=web', 'example.com/app=web'],
    ['app.kubernetes.io/name in (nginx)', 'app.kubernetes.io/name in (nginx)'],
    ['a>5', 'a>5'],
    ['a < 3', 'a<3'],
    ['a=b,a!=c', 'a=b,a!=c'],
    ['tier=frontend,!canary,env notin (dev, test)', '!canary,env notin (dev,test),tier=frontend'],
    ['A_b.c-9=X.y_z-1', 'A_b.c-9=X.y_z-1'],
  ];
  for (const [input, canonical] of valid) {
    it(`parses ${JSON.stringify(input)}`, () => {
      const sel = parseLabelSelector(input);
      assert.equal(sel.kind, 'labels');
      assert.equal(selectorToString(sel), canonical);
      assert.deepEqual(parseLabelSelector(canonical), sel, 'the canonical string parses back to the same selector');
    });
  }

  it('builds requirements with operator and sorted, unique values', () => {
    assert.deepEqual(parseLabelSelector('b in (z,y,z),a,!c,d==1').requirements, [
      { key: 'a', operator: 'exists', values: [] },
      { key: 'b', operator: 'in', values: ['y', 'z'] },
      { key: 'c', operator: '!', values: [] },
      { key: 'd', operator: '==', values: ['1'] },
    ]);
    assert.ok(isEverything(parseLabelSelector('')));
  });

  const invalid: [string, string][] = [
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['app:monolith', `unable to parse requirement: <nil>: Invalid value: "app:monolith": name part ${qualifiedNameRegexText}`],
    [
      'app.kubernetes_io/name=x',
      `unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
    [
      'a/b/c ?=? def',
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name ${qualifiedNameRegexText} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    ['/a=b', `unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty`],
    ['a/=b', `unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; name part ${qualifiedNameRegexText}`],
    [`${'k'.repeat(64)}=v`, `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`],
    ['-a', `unable to parse requirement: <nil>: Invalid value: "-a": name part ${qualifiedNameRegexText}`],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a,,b', "found ',', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['a in x', "unable to parse requirement: found 'x' expected: '('"],
    ['a in (x y)', "unable to parse requirement: found 'y', expected: ',' or ')'"],
    ['a in (x', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (x,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
    ['a=b_', `unable to parse requirement: values[0][a]: Invalid value: "b_": ${labelValueRegexText}`],
    ['a=b/c', `unable to parse requirement: values[0][a]: Invalid value: "b/c": ${labelValueRegexText}`],
    [`a=${'v'.repeat(64)}`, `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`],
    [
      'a in (-x,-y)',
      `unable to parse requirement: [values[0][a]: Invalid value: "-x": ${labelValueRegexText}, values[1][a]: Invalid value: "-y": ${labelValueRegexText}]`,
    ],
    ['a<-1', `unable to parse requirement: values[0][a]: Invalid value: "-1": ${labelValueRegexText}`],
    ['a>x', `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`],
  ];
  for (const [input, message] of invalid) {
    it(`rejects ${JSON.stringify(input)} with Kubernetes' message`, () => badRequest(() => parseLabelSelector(input), message));
  }
});

describe('matches', () => {
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['', undefined, true],
    ['', { a: 'b' }, true],
    ['a=b', { a: 'b' }, true],
    ['a=b', { a: 'c' }, false],
    ['a=b', {}, false],
    ['a=b', undefined, false],
    ['a==b', { a: 'b', x: 'y' }, true],
    ['a!=b', { a: 'c' }, true],
    ['a!=b', { a: 'b' }, false],
    ['a!=b', {}, true],
    ['a=', { a: '' }, true],
    ['a=', {}, false],
    ['a', { a: '' }, true],
    ['a', { b: 'a' }, false],
    ['!a', { b: 'x' }, true],
    ['!a', { a: '' }, false],
    ['a in (x,y)', { a: 'y' }, true],
    ['a in (x,y)', { a: 'z' }, false],
    ['a in (x,y)', {}, false],
    ['a in (,x)', { a: '' }, true],
    ['a notin (x,y)', { a: 'z' }, true],
    ['a notin (x,y)', { a: 'x' }, false],
    ['a notin (x,y)', {}, true],
    ['a>5', { a: '6' }, true],
    ['a>5', { a: '5' }, false],
    ['a>5', { a: 'six' }, false],
    ['a>5', {}, false],
    ['a<1', { a: '-2' }, true],
    ['a<10', { a: '9' }, true],
    ['a<10', { a: '10' }, false],
    ['tier=frontend,env notin (dev),!canary', { tier: 'frontend', env: 'prod' }, true],
    ['tier=frontend,env notin (dev),!canary', { tier: 'frontend', env: 'prod', canary: 'true' }, false],
    ['tier=frontend,env notin (dev),!canary', { tier: 'frontend', env: 'dev' }, false],
    ['constructor', {}, false],
    ['toString=x', {}, false],
  ];
  for (const [sel, labels, want] of cases) {
    it(`${JSON.stringify(sel)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(labels)}`, () => {
      assert.equal(matches(parseLabelSelector(sel), labels), want);
    });
  }

  it('everything() matches all, nothing() matches none', () => {
    assert.equal(matches(everything(), undefined), true);
    assert.equal(matches(everything(), { a: 'b' }), true);
    assert.equal(matches(nothing(), {}), false);
    assert.equal(matches(nothing(), { a: 'b' }), false);
    assert.equal(isEverything(nothing()), false);
  });
});

describe('labelSelectorFromObject', () => {
  it('null and undefined match nothing; {} and empty maps match everything', () => {
    for (const s of [null, undefined]) {
      const sel = labelSelectorFromObject(s);
      assert.equal(matches(sel, {}), false);
      assert.equal(matches(sel, { app: 'x' }), false);
    }
    for (const s of [{}, { matchLabels: {} }, { matchExpressions: [] }, { matchLabels: {}, matchExpressions: [] }]) {
      const sel = labelSelectorFromObject(s);
      assert.equal(matches(sel, {}), true, JSON.stringify(s));
      assert.equal(matches(sel, { app: 'x' }), true);
      assert.ok(isEverything(sel));
    }
  });

  const cases: [Parameters<typeof labelSelectorFromObject>[0], string, Record<string, string>, boolean][] = [
    [{ matchLabels: { app: 'web' } }, 'app=web', { app: 'web', pod: 'x' }, true],
    [{ matchLabels: { app: 'web', tier: 'fe' } }, 'app=web,tier=fe', { app: 'web' }, false],
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] }, 'env in (prod,staging)', { env: 'staging' }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, 'env notin (dev)', {}, true],
    [{ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, 'env', { env: '' }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, '!env', { env: 'x' }, false],
    [
      { matchLabels: { z: '1' }, matchExpressions: [{ key: 'a', operator: 'Exists', values: [] }] },
      'a,z=1',
      { a: 'x', z: '1' },
      true,
    ],
  ];
  for (const [obj, str, labels, want] of cases) {
    it(`converts ${JSON.stringify(obj)}`, () => {
      const sel = labelSelectorFromObject(obj);
      assert.equal(selectorToString(sel), str);
      assert.equal(matches(sel, labels), want);
      assert.deepEqual(
        parseLabelSelector(str).requirements.map((r) => [r.key, r.operator]),
        sel.requirements.map((r) => [r.key, r.operator]),
      );
    });
  }

  const invalid: [Parameters<typeof labelSelectorFromObject>[0], string][] = [
    [{ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, '"Gt" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn' }] }, "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"],
    [
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
    ],
    [{ matchLabels: { 'bad key': 'v' } }, `key: Invalid value: "bad key": name part ${qualifiedNameRegexText}`],
    [{ matchLabels: { k: 'bad value' } }, `values[0][k]: Invalid value: "bad value": ${labelValueRegexText}`],
  ];
  for (const [obj, message] of invalid) {
    it(`rejects ${JSON.stringify(obj)}`, () => badRequest(() => labelSelectorFromObject(obj), message));
  }
});

describe('labelSelectorFromSet and requiresExactMatch', () => {
  it('selects exactly the set, and reports the pinned values', () => {
    const sel = labelSelectorFromSet({ b: '2', a: '1' });
    assert.equal(selectorToString(sel), 'a=1,b=2');
    assert.equal(matches(sel, { a: '1', b: '2', c: '3' }), true);
    assert.equal(matches(sel, { a: '1' }), false);
    assert.ok(isEverything(labelSelectorFromSet({})));
    assert.ok(isEverything(labelSelectorFromSet(undefined)));
    assert.equal(requiresExactMatch(sel, 'b'), '2');
    assert.equal(requiresExactMatch(parseLabelSelector('a in (x)'), 'a'), 'x');
    assert.equal(requiresExactMatch(parseLabelSelector('a in (x,y)'), 'a'), undefined);
    assert.equal(requiresExactMatch(parseLabelSelector('a!=x'), 'a'), undefined);
    assert.equal(requiresExactMatch(parseFieldSelector('spec.nodeName=n1,status.phase!=Failed'), 'spec.nodeName'), 'n1');
    assert.equal(requiresExactMatch(parseFieldSelector('status.phase!=Failed'), 'status.phase'), undefined);
  });
});

describe('parseFieldSelector', () => {
  const valid: [string, [string, '=' | '!=', string][], string][] = [
    ['', [], ''],
    ['metadata.name=foo', [['metadata.name', '=', 'foo']], 'metadata.name=foo'],
    ['metadata.name==foo', [['metadata.name', '=', 'foo']], 'metadata.name=foo'],
    ['status.phase!=Running', [['status.phase', '!=', 'Running']], 'status.phase!=Running'],
    [
      'spec.nodeName=n1,metadata.namespace=default',
      [
        ['metadata.namespace', '=', 'default'],
        ['spec.nodeName', '=', 'n1'],
      ],
      'metadata.namespace=default,spec.nodeName=n1',
    ],
    ['a=', [['a', '=', '']], 'a='],
    ['a=b,,c=d', [['a', '=', 'b'], ['c', '=', 'd']], 'a=b,c=d'],
    ['a=x\\,y', [['a', '=', 'x,y']], 'a=x\\,y'],
    ['a=x\\=y', [['a', '=', 'x=y']], 'a=x\\=y'],
    ['a=x\\\\y', [['a', '=', 'x\\y']], 'a=x\\\\y'],
  ];
  for (const [input, terms, canonical] of valid) {
    it(`parses ${JSON.stringify(input)}`, () => {
      const sel = parseFieldSelector(input);
      assert.deepEqual(
        sel.terms.map((t) => [t.field, t.operator, t.value]),
        terms,
      );
      assert.equal(selectorToString(sel), canonical);
      assert.deepEqual(parseFieldSelector(canonical), sel);
    });
  }

  const invalid: [string, string][] = [
    ['metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=x=y', 'invalid field selector: unescaped character in value: 61'],
    ['a!==b', 'invalid field selector: unescaped character in value: 61'],
    ['a=x\\y', 'invalid field selector: invalid escape sequence: \\y'],
    ['a=x\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [input, message] of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => badRequest(() => parseFieldSelector(input), message));
  }
});

describe('matchesFields', () => {
  const fields = { 'metadata.name': 'web-1', 'metadata.namespace': 'default', 'spec.nodeName': '', 'status.phase': 'Running' };
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=web-1', true],
    ['metadata.name==web-1', true],
    ['metadata.name=web-2', false],
    ['metadata.name!=web-2', true],
    ['metadata.name!=web-1', false],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['unknown.field=', true],
    ['unknown.field=x', false],
    ['metadata.namespace=default,status.phase!=Failed', true],
    ['metadata.namespace=default,status.phase=Failed', false],
  ];
  for (const [sel, want] of cases) {
    it(`${JSON.stringify(sel)} ${want ? 'matches' : 'does not match'}`, () => {
      assert.equal(matchesFields(parseFieldSelector(sel), fields), want);
    });
  }

  it('round-trips values with special characters through escaping', () => {
    const value = 'a,b=c\\d';
    assert.equal(escapeFieldValue(value), 'a\\,b\\=c\\\\d');
    const sel = fieldSelectorFromSet({ 'metadata.name': value });
    assert.equal(matchesFields(sel, { 'metadata.name': value }), true);
    assert.deepEqual(parseFieldSelector(selectorToString(sel)), sel);
  });
});
