import assert from 'node:assert/strict';
import { it } from 'node:test';
import { dockerConfigOf } from './sources.js';

it('reads registry credentials from image pull secrets', () => {
  const auths = { 'registry.local:5000': { username: 'u', password: 'p' } };
  const cases: [string, Record<string, string> | undefined, unknown][] = [
    ['dockerconfigjson as is', { '.dockerconfigjson': JSON.stringify({ auths }) }, { auths }],
    ['legacy dockercfg wrapped as auths', { '.dockercfg': JSON.stringify(auths) }, { auths }],
    ['dockerconfigjson wins over dockercfg', { '.dockerconfigjson': JSON.stringify({ auths }), '.dockercfg': '{}' }, { auths }],
    ['malformed dockerconfigjson grants nothing', { '.dockerconfigjson': '{not json' }, undefined],
    ['neither key', { token: 'x' }, undefined],
    ['empty value', { '.dockerconfigjson': '' }, undefined],
    ['no secret', undefined, undefined],
  ];
  for (const [what, data, want] of cases) assert.deepEqual(dockerConfigOf(data), want, what);
});

it('a malformed legacy dockercfg fails the sync (it is retried)', () => {
  assert.throws(() => dockerConfigOf({ '.dockercfg': '{not json' }), SyntaxError);
});
