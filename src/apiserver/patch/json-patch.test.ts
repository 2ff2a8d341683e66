import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusError } from '../../api/errors.js';
import { decodeJsonPatch, jsonPatch, JsonPatchError, parsePointer, type JsonPatchOperation } from './json-patch.js';

const doc = () => ({ a: { b: 1, 'c/d': 2, 'e~f': 3 }, list: ['x', 'y', 'z'], n: null as null });

describe('jsonPatch applies operations', () => {
  const cases: Array<{ name: string; ops: JsonPatchOperation[]; want: unknown }> = [
    { name: 'add a key', ops: [{ op: 'add', path: '/a/new', value: { deep: true } }], want: { ...doc(), a: { ...doc().a, new: { deep: true } } } },
    { name: 'add replaces an existing key', ops: [{ op: 'add', path: '/a/b', value: 9 }], want: { ...doc(), a: { ...doc().a, b: 9 } } },
    { name: 'add inserts into a list', ops: [{ op: 'add', path: '/list/1', value: 'q' }], want: { ...doc(), list: ['x', 'q', 'y', 'z'] } },
    { name: 'add appends with -', ops: [{ op: 'add', path: '/list/-', value: 'w' }], want: { ...doc(), list: ['x', 'y', 'z', 'w'] } },
    { name: 'add at the end index', ops: [{ op: 'add', path: '/list/3', value: 'w' }], want: { ...doc(), list: ['x', 'y', 'z', 'w'] } },
    { name: '~1 escapes a slash', ops: [{ op: 'replace', path: '/a/c~1d', value: 20 }], want: { ...doc(), a: { ...doc().a, 'c/d': 20 } } },
    { name: '~0 escapes a tilde', ops: [{ op: 'remove', path: '/a/e~0f' }], want: { ...doc(), a: { b: 1, 'c/d': 2 } } },
    { name: 'remove a list item', ops: [{ op: 'remove', path: '/list/0' }], want: { ...doc(), list: ['y', 'z'] } },
    { name: 'negative index counts from the end (evanphx v4)', ops: [{ op: 'remove', path: '/list/-1' }], want: { ...doc(), list: ['x', 'y'] } },
    { name: 'replace a list item', ops: [{ op: 'replace', path: '/list/2', value: 'Z' }], want: { ...doc(), list: ['x', 'y', 'Z'] } },
    { name: 'move', ops: [{ op: 'move', from: '/a/b', path: '/moved' }], want: { ...doc(), a: { 'c/d': 2, 'e~f': 3 }, moved: 1 } },
    { name: 'move within a list', ops: [{ op: 'move', from: '/list/0', path: '/list/-' }], want: { ...doc(), list: ['y', 'z', 'x'] } },
    { name: 'copy is deep', ops: [{ op: 'copy', from: '/a', path: '/copy' }, { op: 'replace', path: '/copy/b', value: 5 }], want: { ...doc(), copy: { ...doc().a, b: 5 } } },
    { name: 'test passes then replace', ops: [{ op: 'test', path: '/a/b', value: 1 }, { op: 'replace', path: '/a/b', value: 2 }], want: { ...doc(), a: { ...doc().a, b: 2 } } },
    { name: 'test of null value', ops: [{ op: 'test', path: '/n', value: null }], want: doc() },
    { name: 'test compares deeply, ignoring key order', ops: [{ op: 'test', path: '/a', value: { 'e~f': 3, 'c/d': 2, b: 1 } }], want: doc() },
    { name: 'replace the root', ops: [{ op: 'replace', path: '', value: { x: 1 } }], want: { x: 1 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = doc();
      const before = JSON.stringify(input);
      assert.deepEqual(jsonPatch(input, c.ops), c.want);
      assert.equal(JSON.stringify(input), before, 'input must not change');
    });
  }
});

describe('jsonPatch failures', () => {
  const cases: Array<{ name: string; ops: JsonPatchOperation[]; detail: RegExp }> = [
    { name: 'failing test', ops: [{ op: 'test', path: '/a/b', value: 2 }], detail: /^testing value \/a\/b failed: test failed$/ },
    { name: 'test of a missing path', ops: [{ op: 'test', path: '/nope', value: 1 }], detail: /is missing path: \/nope/ },
    { name: 'remove of a missing key', ops: [{ op: 'remove', path: '/a/zz' }], detail: /Unable to remove nonexistent key: zz: missing value/ },
    { name: 'replace of a missing key', ops: [{ op: 'replace', path: '/a/zz', value: 1 }], detail: /doc is missing key: \/a\/zz/ },
    { name: 'add under a missing parent', ops: [{ op: 'add', path: '/x/y/z', value: 1 }], detail: /add operation does not apply: doc is missing path: "\/x\/y\/z"/ },
    { name: 'add past the end of a list', ops: [{ op: 'add', path: '/list/5', value: 1 }], detail: /invalid index referenced/ },
    { name: 'remove out of range', ops: [{ op: 'remove', path: '/list/3' }], detail: /invalid index referenced/ },
    { name: 'move from a missing path', ops: [{ op: 'move', from: '/missing', path: '/x' }], detail: /missing from path: \/missing/ },
    { name: 'move into its own child', ops: [{ op: 'move', from: '/a', path: '/a/b/c' }], detail: /prefix/ },
    { name: 'unknown op', ops: [{ op: 'frobnicate', path: '/a' }], detail: /^Unexpected kind: frobnicate$/ },
    { name: 'add without value', ops: [{ op: 'add', path: '/a/x' }], detail: /missing value field/ },
    { name: 'later failure undoes nothing visible', ops: [{ op: 'add', path: '/ok', value: 1 }, { op: 'test', path: '/ok', value: 2 }], detail: /test failed/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = doc();
      const before = JSON.stringify(input);
      assert.throws(
        () => jsonPatch(input, c.ops),
        (e: unknown) => {
          assert.ok(e instanceof StatusError);
          assert.equal(e.code, 422);
          assert.equal(e.reason, 'Invalid');
          assert.equal(e.message, 'the server rejected our request due to an error in our request');
          assert.ok(e.cause instanceof JsonPatchError);
          assert.match((e.cause as Error).message, c.detail);
          return true;
        },
      );
      assert.equal(JSON.stringify(input), before);
    });
  }
});

describe('decodeJsonPatch', () => {
  it('accepts an array of operations', () => {
    assert.deepEqual(decodeJsonPatch('[{"op":"remove","path":"/a"}]'), [{ op: 'remove', path: '/a' }]);
  });
  it('treats null as no operations, as Go does', () => {
    assert.deepEqual(decodeJsonPatch('null'), []);
  });
  const bad: Array<[string, string, number, string | RegExp]> = [
    ['an object', '{"op":"add"}', 400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
    ['a string', '"x"', 400, 'json: cannot unmarshal string into Go value of type jsonpatch.Patch'],
    ['a non-object operation', '[1]', 400, 'json: cannot unmarshal number into Go value of type jsonpatch.Operation'],
    ['malformed JSON', '[{', 400, /JSON/],
    ['too many operations', JSON.stringify(Array.from({ length: 10001 }, () => ({ op: 'test', path: '' }))), 413, 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001'],
  ];
  for (const [name, body, code, msg] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => decodeJsonPatch(body),
        (e: unknown) => e instanceof StatusError && e.code === code && (typeof msg === 'string' ? e.message === msg : msg.test(e.message)),
      );
    });
  }
});

describe('parsePointer', () => {
  const cases: Array<[string, string[]]> = [
    ['', []],
    ['/', ['']],
    ['/a/b', ['a', 'b']],
    ['/a~1b/c~0d', ['a/b', 'c~d']],
    ['/~01', ['~1']],
  ];
  for (const [ptr, want] of cases) it(JSON.stringify(ptr), () => assert.deepEqual(parsePointer(ptr), want));
  it('refuses a pointer without a leading slash', () => assert.throws(() => parsePointer('a'), JsonPatchError));
});
