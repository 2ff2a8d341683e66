import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusError } from '../../api/errors.js';
import { applyPatch, parseApplyBody, patchTypeFromContentType } from './dispatch.js';
import { lookup, podSchema } from './test-schemas.js';

describe('patchTypeFromContentType', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['Application/Merge-Patch+JSON', 'merge'],
    ['application/json', undefined],
    [undefined, undefined],
  ];
  for (const [ct, want] of cases) it(String(ct), () => assert.equal(patchTypeFromContentType(ct), want));
});

describe('applyPatch', () => {
  const live = { metadata: { name: 'p', labels: { a: '1' } }, spec: { containers: [{ name: 'a', image: '1' }] } };
  const ctx = { schema: podSchema, lookup };

  it('json', () => {
    assert.deepEqual(applyPatch('json', live, '[{"op":"replace","path":"/metadata/labels/a","value":"2"}]', ctx).metadata.labels, { a: '2' });
  });
  it('merge replaces lists', () => {
    assert.deepEqual(applyPatch('merge', live, '{"spec":{"containers":[{"name":"b"}]}}', ctx).spec.containers, [{ name: 'b' }]);
  });
  it('strategic merges lists by key', () => {
    assert.deepEqual(applyPatch('strategic', live, '{"spec":{"containers":[{"name":"a","image":"2"}]}}', ctx).spec.containers, [{ name: 'a', image: '2' }]);
  });
  it('strategic null body is a no-op, as Go decodes it', () => {
    assert.deepEqual(applyPatch('strategic', live, 'null', ctx), live);
  });

  const bad: Array<[Parameters<typeof applyPatch>[0], string, number, string | RegExp]> = [
    ['json', '{"op":"add"}', 400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
    ['json', '[{"op":"test","path":"/metadata/name","value":"q"}]', 422, 'the server rejected our request due to an error in our request'],
    ['merge', '{bad', 400, 'Invalid JSON Patch'],
    ['merge', 'null', 400, 'Invalid JSON Patch'],
    ['merge', '[1]', 422, /is invalid: patch: Invalid value/],
    ['strategic', '[1]', 400, 'json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ['strategic', '{', 400, /JSON/],
  ];
  for (const [kind, body, code, msg] of bad) {
    it(`${kind} refuses ${body}`, () => {
      assert.throws(
        () => applyPatch(kind, live, body, ctx),
        (e: unknown) => e instanceof StatusError && e.code === code && (typeof msg === 'string' ? e.message === msg : msg.test(e.message)),
      );
    });
  }
});

describe('parseApplyBody', () => {
  it('reads YAML and JSON', () => {
    assert.deepEqual(parseApplyBody('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } });
    assert.deepEqual(parseApplyBody('{"kind":"Pod"}'), { kind: 'Pod' });
    assert.deepEqual(parseApplyBody(''), {});
  });
  it('refuses a list and broken YAML with 400', () => {
    assert.throws(() => parseApplyBody('- a\n- b\n'), (e: unknown) => e instanceof StatusError && e.code === 400 && /cannot unmarshal array/.test(e.message));
    assert.throws(() => parseApplyBody('a: [\n'), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message.startsWith('error decoding YAML: '));
  });
});
