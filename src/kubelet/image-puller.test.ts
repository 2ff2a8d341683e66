import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { AuthConfig, CriClient } from '../cri/index.js';
import { Backoff } from './backoff.js';
import type { PodEvent } from './events.js';
import { ensureImage, registryHost, type PullerDeps } from './image-puller.js';

const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [] } };

/** A runtime with the given images present; pulls succeed unless `failWith`. */
function fakeDeps(present: string[], opts: { failWith?: string; secrets?: Awaited<ReturnType<PullerDeps['pullSecrets']>> } = {}) {
  const pulls: { image: string; auth?: AuthConfig }[] = [];
  const events: PodEvent[] = [];
  let now = 1_000_000;
  const cri = {
    async imageStatus({ image }: { image: string }) {
      return present.includes(image) ? { id: `sha256:${image}` } : null;
    },
    async pullImage({ image }: { image: string }, auth?: AuthConfig) {
      pulls.push({ image, auth });
      if (opts.failWith) throw Object.assign(new Error('CRI PullImage: x'), { details: opts.failWith });
      return `sha256:pulled-${image}`;
    },
  } as unknown as CriClient;
  const deps: PullerDeps = {
    cri,
    backoff: new Backoff(10_000, 300_000, () => now),
    event: (ev) => events.push(ev),
    pullSecrets: async () => opts.secrets ?? [],
  };
  return { deps, pulls, events, advance: (ms: number) => (now += ms) };
}

describe('ensureImage', () => {
  const cases: { name: string; image: string; policy?: string; present: string[]; pulled: boolean; reason?: string }[] = [
    { name: 'IfNotPresent, present: no pull', image: 'busybox:1.36', policy: 'IfNotPresent', present: ['busybox:1.36'], pulled: false },
    { name: 'IfNotPresent, absent: pull', image: 'busybox:1.36', policy: 'IfNotPresent', present: [], pulled: true },
    { name: 'Always, present: pull', image: 'busybox:1.36', policy: 'Always', present: ['busybox:1.36'], pulled: true },
    { name: 'Never, present: no pull', image: 'busybox:1.36', policy: 'Never', present: ['busybox:1.36'], pulled: false },
    { name: 'Never, absent: ErrImageNeverPull', image: 'busybox:1.36', policy: 'Never', present: [], pulled: false, reason: 'ErrImageNeverPull' },
    { name: 'no policy, :latest: Always', image: 'busybox:latest', present: ['busybox:latest'], pulled: true },
    { name: 'no policy, no tag: Always', image: 'busybox', present: ['busybox'], pulled: true },
    { name: 'no policy, tag: IfNotPresent', image: 'busybox:1.36', present: ['busybox:1.36'], pulled: false },
    { name: 'no policy, digest: IfNotPresent', image: 'busybox@sha256:abc', present: ['busybox@sha256:abc'], pulled: false },
    { name: 'no policy, registry port, no tag: Always', image: '127.0.0.1:5000/busybox', present: ['127.0.0.1:5000/busybox'], pulled: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { deps, pulls } = fakeDeps(c.present);
      const res = await ensureImage(pod, { name: 'c', image: c.image, imagePullPolicy: c.policy }, 'spec.containers{c}', undefined, deps);
      assert.equal(pulls.length, c.pulled ? 1 : 0);
      assert.equal(res.ok, !c.reason);
      if (!res.ok) assert.equal(res.reason, c.reason);
    });
  }

  it('ErrImageNeverPull: the kubelet’s two Warning events', async () => {
    const { deps, events } = fakeDeps([]);
    await ensureImage(pod, { name: 'c', image: 'x:1', imagePullPolicy: 'Never' }, 'spec.containers{c}', undefined, deps);
    assert.deepEqual(
      events.map((e) => [e.type, e.reason, e.message]),
      [
        ['Warning', 'ErrImageNeverPull', 'Container image "x:1" is not present with pull policy of Never'],
        ['Warning', 'Failed', 'Error: ErrImageNeverPull'],
      ],
    );
  });

  it('a failed pull: ErrImagePull, then ImagePullBackOff until the back-off passes, then a new pull', async () => {
    const { deps, events, pulls, advance } = fakeDeps([], { failWith: 'not found' });
    const c = { name: 'c', image: 'nope:1' };
    const first = await ensureImage(pod, c, 'f', undefined, deps);
    assert.deepEqual(first, { ok: false, reason: 'ErrImagePull', message: 'Failed to pull image "nope:1": not found' });
    advance(5_000);
    const second = await ensureImage(pod, c, 'f', undefined, deps);
    assert.deepEqual(second, { ok: false, reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1"' });
    assert.equal(pulls.length, 1);
    advance(5_001);
    const third = await ensureImage(pod, c, 'f', undefined, deps);
    assert.equal(third.ok ? 'ok' : third.reason, 'ErrImagePull');
    assert.equal(pulls.length, 2);
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.reason}: ${e.message}`),
      [
        'Normal Pulling: Pulling image "nope:1"',
        'Warning Failed: Failed to pull image "nope:1": not found',
        'Warning Failed: Error: ErrImagePull',
        'Normal BackOff: Back-off pulling image "nope:1"',
        'Warning Failed: Error: ImagePullBackOff',
        'Normal Pulling: Pulling image "nope:1"',
        'Warning Failed: Failed to pull image "nope:1": not found',
        'Warning Failed: Error: ErrImagePull',
      ],
    );
  });

  it('credentials from a dockerconfigjson secret for the image’s registry, without a serverAddress', async () => {
    const secrets: Awaited<ReturnType<PullerDeps['pullSecrets']>> = [
      { auths: { 'other.example:5000': { username: 'no', password: 'no' } } },
      { auths: { '127.0.0.1:5000': { auth: Buffer.from('user:pa:ss').toString('base64') } } },
      { auths: { 'https://index.docker.io/v1/': { username: 'hub', password: 'hubpw' } } },
    ];
    const { deps, pulls } = fakeDeps([], { secrets });
    await ensureImage(pod, { name: 'c', image: '127.0.0.1:5000/private/busybox:v1' }, 'f', undefined, deps);
    await ensureImage(pod, { name: 'c', image: 'library/nginx:1' }, 'f', undefined, deps);
    await ensureImage(pod, { name: 'c', image: 'quay.io/x/y:1' }, 'f', undefined, deps);
    // containerd 1.6 url.Parse()s serverAddress as given: "127.0.0.1:5000" fails the pull, so none is sent (nor does the kubelet send one).
    assert.deepEqual(
      pulls.map((p) => p.auth),
      [{ username: 'user', password: 'pa:ss' }, { username: 'hub', password: 'hubpw' }, undefined],
    );
  });

  it('registryHost', () => {
    assert.equal(registryHost('busybox'), 'docker.io');
    assert.equal(registryHost('library/busybox:1'), 'docker.io');
    assert.equal(registryHost('127.0.0.1:5000/busybox'), '127.0.0.1:5000');
    assert.equal(registryHost('localhost/busybox'), 'localhost');
    assert.equal(registryHost('quay.io/x/y'), 'quay.io');
  });
});
