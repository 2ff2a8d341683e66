import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from './main.js';
import { annotations, newControllerForImage, rollingUpdate, type RC, type RCApi } from './updater.js';

/** RCs in memory whose pods are all Ready at once: enough to check the scaling sequence and the bookkeeping. */
function fakeApi() {
  const rcs = new Map<string, RC>();
  let uid = 0;
  const log: string[] = [];
  const merge = (a: any, b: any): any => {
    if (b === null) return undefined;
    if (typeof b !== 'object' || Array.isArray(b) || typeof a !== 'object' || a === null) return b;
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const m = merge(a[k], v);
      if (m === undefined) delete out[k];
      else out[k] = m;
    }
    return out;
  };
  const api: RCApi = {
    async getRC(name) {
      return structuredClone(rcs.get(name));
    },
    async createRC(rc) {
      const c = structuredClone(rc);
      (c.metadata as { uid?: string }).uid = `uid-${++uid}`;
      rcs.set(c.metadata!.name!, c);
      log.push(`create ${c.metadata!.name} ${c.spec?.replicas}`);
      return structuredClone(c);
    },
    async patchRC(name, patch) {
      const next = merge(rcs.get(name), patch) as RC;
      rcs.set(name, next);
      return structuredClone(next);
    },
    async scaleAndWait(name, replicas) {
      const rc = rcs.get(name)!;
      rc.spec!.replicas = replicas;
      log.push(`scale ${name} ${replicas}`);
      return structuredClone(rc);
    },
    async readyPods(selector) {
      let n = 0;
      for (const rc of rcs.values()) if (JSON.stringify(rc.spec?.selector) === JSON.stringify(selector)) n += rc.spec?.replicas ?? 0;
      return n;
    },
    async labelPods() {},
    async deleteRC(name) {
      rcs.delete(name);
      log.push(`delete ${name}`);
    },
  };
  return { api, rcs, log };
}

const old: RC = {
  metadata: { name: 'redis-master', uid: 'u0', namespace: 'default' },
  spec: { replicas: 2, selector: { name: 'redis-master' }, template: { metadata: { labels: { name: 'redis-master' } }, spec: { containers: [{ name: 'm', image: 'redis:1' }] } } },
};

test('new controller for --image: hashed name, deployment key in selector and template', () => {
  const next = newControllerForImage(old, 'redis:2', 'deployment');
  assert.match(next.metadata!.name!, /^redis-master-[0-9a-f]{32}$/);
  const hash = next.metadata!.name!.slice('redis-master-'.length);
  assert.deepEqual(next.spec!.selector, { name: 'redis-master', deployment: hash });
  assert.equal(next.spec!.template!.metadata!.labels!.deployment, hash);
  assert.equal(next.spec!.template!.spec!.containers[0]!.image, 'redis:2');
  assert.equal(old.spec!.template!.spec!.containers[0]!.image, 'redis:1', 'the old RC is not touched');
  assert.throws(() => newControllerForImage(old, 'x', 'deployment', 'nope'), /could not find container/);
});

test('scale sequence keeps the desired count available and at most one extra; the name is kept', async () => {
  const { api, rcs, log } = fakeApi();
  const current = await api.createRC(old);
  const lines: string[] = [];
  const next = { ...newControllerForImage(current, 'redis:2', 'deployment') };
  const done = await rollingUpdate(api, { oldRc: current, newRc: next, cleanup: 'Rename' }, { out: (l) => lines.push(l), updatePeriodMs: 0, pollIntervalMs: 0, timeoutMs: 5_000, sleep: async () => {} });
  const n = next.metadata!.name!;
  assert.deepEqual(lines, [
    `Created ${n}`,
    `Scaling up ${n} from 0 to 2, scaling down redis-master from 2 to 0 (keep 2 pods available, don't exceed 3 pods)`,
    `Scaling ${n} up to 1`,
    'Scaling redis-master down to 1',
    `Scaling ${n} up to 2`,
    'Scaling redis-master down to 0',
    'Update succeeded. Deleting old controller: redis-master',
    `Renaming ${n} to redis-master`,
  ]);
  assert.deepEqual([...rcs.keys()], ['redis-master']);
  assert.equal(done.spec!.template!.spec!.containers[0]!.image, 'redis:2');
  assert.equal(done.metadata!.annotations?.[annotations.desiredReplicas], undefined);
  assert.ok(log.indexOf(`delete ${n}`) < log.lastIndexOf('create redis-master 2'), 'delete first, then create under the old name');
});

test('plugin flags: durations, globals passed to kubectl, and the seed forms', () => {
  const a = parseArgs(['redis-master', '--image=redis-master:2.0', '--update-period', '1s', '--poll-interval=500ms', '--timeout=2m', '-n', 'prod', '--kubeconfig=/k']);
  assert.deepEqual(
    { old: a.oldName, image: a.image, up: a.updatePeriodMs, poll: a.pollIntervalMs, to: a.timeoutMs, flags: a.kubectlFlags },
    { old: 'redis-master', image: 'redis-master:2.0', up: 1000, poll: 500, to: 120_000, flags: ['-n', 'prod', '--kubeconfig', '/k'] },
  );
  assert.equal(parseArgs(['redis-master', '-f', 'v2.yaml']).updatePeriodMs, 60_000);
  assert.equal(parseArgs(['redis-master', '--rollback']).rollback, true);
  assert.throws(() => parseArgs(['redis-master']), /--filename or --image/);
  assert.throws(() => parseArgs(['redis-master', '--image=x', '--update-period=soon']), /invalid duration/);
});
