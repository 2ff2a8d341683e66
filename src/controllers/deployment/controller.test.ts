import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { Client, GroupVersionResource, ResourceClient, WriteOptions } from '../../client/types.js';
import { ReplicaSetController, replicaSetKind } from '../replicaset/index.js';
import { getControllerOf, gvr } from '../shared/resources.js';
import { autoReady, meta, podTemplate, startTestEnv, waitFor, type TestEnv } from '../shared/testing.js';
import { DeploymentController } from './controller.js';
import type { DeploymentObj, RS } from './util.js';

const run = promisify(execFile);
type PodObj = Pod & KObject;

function deployment(name: string, ns: string, replicas: number, image = 'nginx:1.25'): DeploymentObj {
  const labels = { app: name };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name, ns), spec: { replicas, selector: { matchLabels: labels }, template: podTemplate(labels, image) } };
}

describe('Deployment controller', () => {
  let env: TestEnv;
  const ns = 'default';
  const deployments = () => env.api.client.resource<DeploymentObj>(gvr.deployments, ns);
  const sets = async (app: string) => (await env.api.client.resource<RS>(gvr.replicasets, ns).list({ labelSelector: `app=${app}` })).items;
  const complete = (name: string, gen?: number) =>
    waitFor(`${name} complete`, async () => {
      const d = await deployments().get(name);
      const s = d.status ?? {};
      const n = d.spec!.replicas!;
      const done = (s.observedGeneration ?? 0) >= (gen ?? d.metadata!.generation!) && s.updatedReplicas === n && s.replicas === n && s.availableReplicas === n;
      return done ? d : undefined;
    }, 30_000);
  /** get + change + update, retried on conflicts with the controller's own writes. */
  const mutate = async (name: string, fn: (d: DeploymentObj) => void) => {
    for (let i = 0; ; i++) {
      const d = await deployments().get(name);
      fn(d);
      try {
        return await deployments().update(d);
      } catch (e) {
        if (i > 10 || (e as { code?: number }).code !== 409) throw e;
      }
    }
  };
  const setImage = (name: string, image: string, annotations?: Record<string, string>) =>
    mutate(name, (d) => {
      d.spec!.template!.spec!.containers[0]!.image = image;
      if (annotations) d.metadata!.annotations = { ...d.metadata!.annotations, ...annotations };
    });

  before(async () => {
    env = await startTestEnv();
    await env.start(new ReplicaSetController({ ctx: env.ctx, kind: replicaSetKind }), new DeploymentController({ ctx: env.ctx }));
    autoReady(env, ns, 5, (p) => p.metadata?.labels?.app !== 'stuck' && p.metadata?.labels?.stuck !== 'yes');
  });
  after(() => env.stop());

  it('rolls out, updates to a new revision, and rolls back to an earlier one', async () => {
    await deployments().create({ ...deployment('web', ns, 3), metadata: { ...meta('web', ns), annotations: { 'kubernetes.io/change-cause': 'first' } } });
    const d1 = await complete('web');
    assert.equal(d1.metadata!.annotations!['deployment.kubernetes.io/revision'], '1');
    const [rs1] = await sets('web');
    assert.match(rs1!.metadata!.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    const hash = rs1!.metadata!.labels!['pod-template-hash'];
    assert.equal(rs1!.metadata!.name, `web-${hash}`);
    assert.equal(rs1!.spec!.selector!.matchLabels!['pod-template-hash'], hash);
    assert.equal(rs1!.metadata!.annotations!['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs1!.metadata!.annotations!['kubernetes.io/change-cause'], 'first');
    assert.ok(env.events.some((e) => e.name === 'web' && e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set ${rs1!.metadata!.name} to 3`));
    const cond = (d: DeploymentObj, t: string) => d.status!.conditions!.find((c) => c.type === t)!;
    assert.equal(cond(d1, 'Available').reason, 'MinimumReplicasAvailable');
    await waitFor('NewReplicaSetAvailable', async () => cond(await deployments().get('web'), 'Progressing').reason === 'NewReplicaSetAvailable');

    const upd = await setImage('web', 'nginx:1.26', { 'kubernetes.io/change-cause': 'second' });
    const d2 = await complete('web', upd.metadata!.generation);
    assert.equal(d2.metadata!.annotations!['deployment.kubernetes.io/revision'], '2');
    const all2 = await sets('web');
    assert.equal(all2.length, 2);
    const rs2 = all2.find((r) => r.metadata!.uid !== rs1!.metadata!.uid)!;
    assert.equal(rs2.metadata!.annotations!['kubernetes.io/change-cause'], 'second');
    assert.equal(all2.find((r) => r.metadata!.uid === rs1!.metadata!.uid)!.spec!.replicas, 0);
    assert.ok(env.events.some((e) => e.name === 'web' && /^Scaled down replica set web-\w+ to \d+ from \d+$/.test(e.message)));

    // kubectl rollout undo copies the old set's template back; the old set becomes revision 3.
    const back = await mutate('web', (d) => (d.spec!.template = structuredClone(d1.spec!.template!)));
    await complete('web', back.metadata!.generation);
    const after = await env.api.client.resource<RS>(gvr.replicasets, ns).get(rs1!.metadata!.name!);
    assert.equal(after.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.equal(after.metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(after.spec!.replicas, 3);
    assert.equal((await sets('web')).length, 2, 'no third set: the old one was reused');
    assert.equal((await deployments().get('web')).metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
  });

  it('keeps a 100-replica rollout with maxSurge 25% within 125 pods and at least 75 available', async () => {
    const pods = env.factory.informerFor<PodObj>(gvr.pods);
    let maxTotal = 0;
    let minReadyAfterStart = Infinity;
    let watching = false;
    const check = () => {
      if (!watching) return;
      const mine = pods.list(ns).filter((p) => p.metadata?.labels?.app === 'big' && !p.metadata?.deletionTimestamp);
      const ready = mine.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      maxTotal = Math.max(maxTotal, mine.length);
      minReadyAfterStart = Math.min(minReadyAfterStart, ready);
    };
    pods.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
    await deployments().create(deployment('big', ns, 100));
    await complete('big');
    watching = true;
    check();
    const upd = await setImage('big', 'nginx:1.26');
    await complete('big', upd.metadata!.generation);
    watching = false;
    assert.ok(maxTotal <= 125, `at most 125 pods, saw ${maxTotal}`);
    assert.ok(maxTotal > 100, `it did surge (saw ${maxTotal})`);
    assert.ok(minReadyAfterStart >= 75, `at least 75 ready, saw ${minReadyAfterStart}`);
  });

  it('Recreate removes every old pod before creating new ones', async () => {
    const d = deployment('rec', ns, 3);
    d.spec!.strategy = { type: 'Recreate' };
    await deployments().create(d);
    await complete('rec');
    const pods = env.factory.informerFor<PodObj>(gvr.pods);
    let overlap = false;
    pods.addEventHandler({
      onAdd: (p) => {
        if (p.metadata?.labels?.app !== 'rec') return;
        const images = new Set(pods.list(ns).filter((x) => x.metadata?.labels?.app === 'rec').map((x) => x.spec!.containers[0]!.image));
        if (images.size > 1) overlap = true;
      },
    });
    const upd = await setImage('rec', 'nginx:1.26');
    await complete('rec', upd.metadata!.generation);
    assert.equal(overlap, false);
  });

  it('pauses (no new set while paused), resumes, and prunes history to revisionHistoryLimit', async () => {
    const d = deployment('hist', ns, 2);
    d.spec!.revisionHistoryLimit = 1;
    await deployments().create(d);
    await complete('hist');
    await mutate('hist', (d) => (d.spec!.paused = true));
    await setImage('hist', 'nginx:1.26');
    await waitFor('paused condition', async () => (await deployments().get('hist')).status?.conditions?.some((c) => c.reason === 'DeploymentPaused'));
    assert.equal((await sets('hist')).length, 1, 'no rollout while paused');
    const resumed = await mutate('hist', (d) => (d.spec!.paused = false));
    await complete('hist', resumed.metadata!.generation);
    const upd = await setImage('hist', 'nginx:1.27');
    await complete('hist', upd.metadata!.generation);
    await waitFor('history pruned to 1 old set', async () => (await sets('hist')).length === 2);
    const revs = (await sets('hist')).map((r) => r.metadata!.annotations!['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revs, ['2', '3']);
  });

  it('scales proportionally during a rollout', async () => {
    const d = deployment('prop', ns, 10);
    d.spec!.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } };
    await deployments().create(d);
    await complete('prop');
    // A template whose pods never become ready keeps the rollout mid-way.
    await mutate('prop', (cur) => {
      cur.spec!.template!.metadata!.labels = { app: 'prop', stuck: 'yes' };
      cur.spec!.template!.spec!.containers[0]!.image = 'broken';
    });
    await waitFor('mid-rollout', async () => {
      const s = await sets('prop');
      return s.length === 2 && s.reduce((n, r) => n + r.spec!.replicas!, 0) === 13;
    });
    await mutate('prop', (d) => (d.spec!.replicas = 20));
    // maxSurge 3 of 20: 23 replicas spread over both sets, each about doubled.
    const s = await waitFor('scaled', async () => {
      const s = await sets('prop');
      return s.reduce((n, r) => n + r.spec!.replicas!, 0) === 23 ? s : undefined;
    });
    const sizes = s.map((r) => r.spec!.replicas!).sort((a, b) => a - b);
    assert.ok(sizes[0]! >= 8 && sizes[1]! >= 14, `both sets grew: ${sizes}`);
  });

  it('reports ProgressDeadlineExceeded when a rollout makes no progress', async () => {
    const d = deployment('stuck', ns, 1);
    d.spec!.progressDeadlineSeconds = 1;
    await deployments().create(d);
    const got = await waitFor(
      'timeout condition',
      async () => (await deployments().get('stuck')).status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded'),
      10_000,
    );
    assert.equal(got.status, 'False');
    assert.match(got.message!, /^ReplicaSet "stuck-\w+" has timed out progressing\.$/);
  });

  it('works with kubectl rollout status, history and undo', async () => {
    // scripts/setup.sh installs kubectl: a missing one is a failure, not a reason to skip.
    const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', env.api.kubeconfig, '-n', ns, ...args], { timeout: 60_000 });
    await deployments().create(deployment('kc', ns, 2));
    const st = await kubectl('rollout', 'status', 'deployment/kc', '--timeout=30s');
    assert.match(st.stdout, /successfully rolled out/);
    await kubectl('set', 'image', 'deployment/kc', 'app=nginx:1.26');
    await kubectl('annotate', 'deployment/kc', 'kubernetes.io/change-cause=bump image');
    await kubectl('rollout', 'status', 'deployment/kc', '--timeout=30s');
    const hist = await kubectl('rollout', 'history', 'deployment/kc');
    assert.match(hist.stdout, /1\s+<none>/);
    assert.match(hist.stdout, /2\s+bump image/);
    await kubectl('rollout', 'undo', 'deployment/kc', '--to-revision=1');
    await kubectl('rollout', 'status', 'deployment/kc', '--timeout=30s');
    const d = await deployments().get('kc');
    assert.equal(d.spec!.template!.spec!.containers[0]!.image, 'nginx:1.25');
    assert.equal(d.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
  });
});

describe('Deployment controller: a lost write recording the new ReplicaSet', () => {
  let env: TestEnv;
  const ns = 'default';
  const deployments = () => env.api.client.resource<DeploymentObj>(gvr.deployments, ns);
  const progressing = async (name: string) => (await deployments().get(name)).status?.conditions?.find((c) => c.type === 'Progressing');
  /** Armed with a Deployment's name: once, right after the controller creates a ReplicaSet for it, someone else writes the Deployment. */
  let interfereWith: string | undefined;
  let interfered = 0;
  /** Conflicts the controller's Deployment status writes met since the interference. */
  let conflictsAfter = 0;

  /**
   * The controller's client, so its next Deployment write after creating a
   * set carries a stale resourceVersion — what happens when its cached
   * Deployment lags behind a write (its own last status write, most often),
   * made deterministic.
   */
  function interferingClient(real: Client): Client {
    const resource = <T extends KObject>(g: GroupVersionResource, namespace?: string): ResourceClient<T> => {
      const rc = real.resource<T>(g, namespace);
      if (g.resource === 'replicasets') {
        return Object.assign(Object.create(rc) as ResourceClient<T>, {
          async create(obj: T, opts?: WriteOptions) {
            const out = await rc.create(obj, opts);
            const owner = getControllerOf(obj);
            if (owner?.kind === 'Deployment' && owner.name === interfereWith) {
              interfereWith = undefined;
              const d = await deployments().get(owner.name);
              d.metadata!.annotations = { ...d.metadata!.annotations, 'example.com/touched': 'yes' };
              await deployments().update(d);
              interfered++;
            }
            return out;
          },
        });
      }
      if (g.resource === 'deployments') {
        return Object.assign(Object.create(rc) as ResourceClient<T>, {
          async updateStatus(obj: T, opts?: WriteOptions) {
            try {
              return await rc.updateStatus(obj, opts);
            } catch (e) {
              if (interfered && isStatusError(e, 'Conflict')) conflictsAfter++;
              throw e;
            }
          },
        });
      }
      return rc;
    };
    return { config: real.config, resource, raw: (...a) => real.raw(...a), close: () => real.close() };
  }

  before(async () => {
    env = await startTestEnv();
    const dc = new DeploymentController({ ctx: { ...env.ctx, client: interferingClient(env.ctx.client) } });
    await env.start(new ReplicaSetController({ ctx: env.ctx, kind: replicaSetKind }), dc);
    autoReady(env, ns, 5, (p) => p.metadata?.labels?.stuck !== 'yes');
  });
  after(() => env.stop());

  it('a finished Recreate rollout patched once (new never-ready template + short progressDeadlineSeconds) reports ProgressDeadlineExceeded', async () => {
    const d = deployment('race', ns, 3);
    d.spec!.strategy = { type: 'Recreate' };
    await deployments().create(d);
    const done = await waitFor('first rollout complete', async () => {
      const cur = await deployments().get('race');
      const c = cur.status?.conditions?.find((x) => x.type === 'Progressing');
      return c?.reason === 'NewReplicaSetAvailable' && cur.status?.availableReplicas === 3 ? cur : undefined;
    });
    const rev1 = done.metadata!.annotations!['deployment.kubernetes.io/revision'];
    assert.equal(rev1, '1');

    // One write: a template whose pods never become Ready, and a deadline that soon passes.
    interfereWith = 'race';
    for (let i = 0; ; i++) {
      const cur = await deployments().get('race');
      cur.spec!.template!.metadata!.labels = { app: 'race', stuck: 'yes' };
      cur.spec!.progressDeadlineSeconds = 1;
      try {
        await deployments().update(cur);
        break;
      } catch (e) {
        if (i > 10 || !isStatusError(e, 'Conflict')) throw e;
      }
    }

    await waitFor('the new set created and the status write after it lost', () => interfered === 1 && conflictsAfter > 0);
    const got = await waitFor('ProgressDeadlineExceeded', async () => {
      const c = await progressing('race');
      return c?.reason === 'ProgressDeadlineExceeded' ? c : undefined;
    }, 10_000).catch(async (e: Error) => {
      throw new Error(`${e.message}; Progressing now: ${JSON.stringify(await progressing('race'))}`);
    });
    assert.equal(got.status, 'False');
    const newRS = (await env.api.client.resource<RS>(gvr.replicasets, ns).list({ labelSelector: 'stuck=yes' })).items;
    assert.equal(newRS.length, 1);
    assert.equal(got.message, `ReplicaSet "${newRS[0]!.metadata!.name}" has timed out progressing.`);
    const final = await deployments().get('race');
    assert.equal(final.metadata!.annotations!['deployment.kubernetes.io/revision'], '2');
    assert.equal(final.status?.updatedReplicas, 3);
    assert.equal(final.status?.availableReplicas, 0);
  });
});
