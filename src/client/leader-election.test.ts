import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import type { KObject } from '../api/types.js';
import { startApiServer, type TestApiServer } from '../../test/support/api-server.js';
import { LeaderElector, microTime, runLeaderElection, type LeaderElectionConfig } from './leader-election.js';
import { resources, type Client, type ResourceClient } from './index.js';

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
  return Date.now() - t0;
}

const fast = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 150 };
const microTimeRe = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

function candidate(client: Client, name: string, identity: string, extra: Partial<LeaderElectionConfig> = {}) {
  const state = { leading: false, started: 0, stopped: 0, signal: undefined as AbortSignal | undefined };
  const elector = runLeaderElection({
    client,
    name,
    identity,
    ...fast,
    onStartedLeading(signal) {
      state.leading = true;
      state.started++;
      state.signal = signal;
    },
    onStoppedLeading() {
      state.leading = false;
      state.stopped++;
    },
    ...extra,
  });
  return { elector, state };
}

describe('microTime', () => {
  it('has six fractional digits, as Kubernetes MicroTime', () => {
    assert.equal(microTime(new Date('2024-05-06T07:08:09.123Z')), '2024-05-06T07:08:09.123000Z');
  });
});

describe('leader election against a real server', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startApiServer();
  });
  after(() => api.stop());
  const leaseOf = async (name: string) => (await api.client.resource<KObject & { spec: LeaseSpec }>(resources.leases, 'kube-system').get(name)).spec;

  it('elects one leader; a successor takes over within the lease duration when it stops renewing', async () => {
    const a = candidate(api.newClient('a/v1'), 'ctrl', 'a');
    await until(() => a.state.leading, 'a to lead');
    const b = candidate(api.newClient('b/v1'), 'ctrl', 'b');
    await sleep(500);
    assert.equal(b.state.started, 0, 'b must not lead while a renews');
    assert.ok(a.elector.isLeader() && !b.elector.isLeader());
    assert.equal(b.elector.getLeader(), 'a');

    let spec = await leaseOf('ctrl');
    assert.equal(spec.holderIdentity, 'a');
    assert.equal(spec.leaseDurationSeconds, 1);
    assert.equal(spec.leaseTransitions, 0);
    assert.match(String(spec.renewTime), microTimeRe);
    assert.match(String(spec.acquireTime), microTimeRe);
    const firstAcquire = spec.acquireTime;
    await sleep(300);
    spec = await leaseOf('ctrl');
    assert.equal(spec.acquireTime, firstAcquire, 'renewing keeps acquireTime');
    assert.notEqual(spec.renewTime, firstAcquire, 'renewing moves renewTime');

    // a stops renewing without releasing (as if it hung): b waits out the lease.
    const stoppedAt = Date.now();
    await a.elector.stop({ release: false });
    assert.equal(a.state.signal?.aborted, true);
    assert.equal(a.state.stopped, 1);
    await until(() => b.state.leading, 'b to take over');
    const took = Date.now() - stoppedAt;
    assert.ok(took <= fast.leaseDurationMs + 3 * fast.retryPeriodMs + 300, `takeover took ${took} ms`);
    assert.ok(took >= 400, `b took over after ${took} ms, before a's lease could have expired`);
    spec = await leaseOf('ctrl');
    assert.equal(spec.holderIdentity, 'b');
    assert.equal(spec.leaseTransitions, 1);
    assert.notEqual(spec.acquireTime, firstAcquire);

    // Releasing on stop lets the next candidate in without waiting.
    await b.elector.stop();
    assert.equal((await leaseOf('ctrl')).holderIdentity, '');
    const c = candidate(api.newClient('c/v1'), 'ctrl', 'c');
    const waited = await until(() => c.state.leading, 'c to lead');
    assert.ok(waited < 500, `c waited ${waited} ms for a released lease`);
    assert.equal((await leaseOf('ctrl')).leaseTransitions, 2);
    await c.elector.stop();
  });

  it('only one of many racing candidates leads', async () => {
    const all = Array.from({ length: 5 }, (_, i) => candidate(api.newClient(`r${i}/v1`), 'race', `r${i}`));
    await until(() => all.some((x) => x.state.leading), 'a leader');
    await sleep(600);
    assert.equal(all.filter((x) => x.state.leading).length, 1);
    assert.equal(all.reduce((n, x) => n + x.state.started, 0), 1, 'nobody else ever started leading');
    await Promise.all(all.map((x) => x.elector.stop()));
  });

  it('stops leading when it cannot renew before the renew deadline', async () => {
    const real = api.newClient('flaky/v1');
    let broken = false;
    const client: Client = {
      config: real.config,
      raw: (...a) => real.raw(...a),
      close: () => real.close(),
      resource<T extends KObject>(gvr: Parameters<Client['resource']>[0], ns?: string): ResourceClient<T> {
        const rc = real.resource<T>(gvr, ns);
        const w = Object.create(rc) as ResourceClient<T>;
        w.get = (name) => (broken ? Promise.reject(new Error('network down')) : rc.get(name));
        w.update = (o, opts) => (broken ? Promise.reject(new Error('network down')) : rc.update(o, opts));
        return w;
      },
    };
    const x = candidate(client, 'flaky', 'x');
    await until(() => x.state.leading, 'x to lead');
    broken = true;
    const lostAfter = await until(() => !x.state.leading, 'x to stop leading', 3000);
    assert.ok(lostAfter <= fast.renewDeadlineMs + 2 * fast.retryPeriodMs + 200, `lost after ${lostAfter} ms`);
    assert.equal(x.state.signal?.aborted, true);
    // Back as a candidate, it leads again once the network heals (the lease is still its own).
    broken = false;
    await until(() => x.state.leading, 'x to lead again');
    assert.equal(x.state.started, 2);
    await x.elector.stop();
  });

  it('reports bad timing at construction', () => {
    assert.throws(
      () => new LeaderElector({ client: api.client, name: 'x', identity: 'i', leaseDurationMs: 1000, renewDeadlineMs: 1000, onStartedLeading() {} }),
      /leaseDurationMs must be greater than renewDeadlineMs/,
    );
  });
});
