// Deployments on hollow nodes through the real kubectl: create and scale,
// the seeds' rolling update walk-through (set image, rollout status/history
// with change-cause, undo --to-revision, pause/resume, restart), a
// 100-replica rollout held within maxSurge/maxUnavailable 25% by a pod
// watch, cascading and orphaning deletes, and `get pods -o wide`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/client/index.js';
import { condition, deployment, isReady, isRunningReady, startHollowCluster, waitFor, type HollowCluster, type Obj } from './workloads-support.js';

const ns = 'default';
const hashedName = (deploy: string) => new RegExp(`^${deploy}-([a-z0-9]{6,10})$`);
const podName = (rs: string) => new RegExp(`^${rs}-[a-z0-9]{5}$`);

/** Watches a deployment's pods and keeps the extremes seen: live pods, Ready live pods. */
function trackPods(c: HollowCluster, selector: string) {
  const pods = new Map<string, Pod>();
  const stats = { maxLive: 0, minReady: Infinity, tracking: false, events: 0 };
  // Live pods per image after each event, to replay the rollout's steps.
  const history: Map<string, number>[] = [];
  const measure = () => {
    const live = [...pods.values()].filter((p) => !p.metadata?.deletionTimestamp);
    const ready = live.filter(isReady).length;
    if (!stats.tracking) return;
    const byImage = new Map<string, number>();
    for (const p of live) byImage.set(p.spec!.containers[0]!.image!, (byImage.get(p.spec!.containers[0]!.image!) ?? 0) + 1);
    history.push(byImage);
    stats.maxLive = Math.max(stats.maxLive, live.length);
    stats.minReady = Math.min(stats.minReady, ready);
  };
  const handle = c.client.resource<Pod & Obj>(resources.pods, ns).watch({ labelSelector: selector }, (ev) => {
    stats.events++;
    const name = ev.object.metadata?.name ?? '';
    if (ev.type === 'DELETED') pods.delete(name);
    else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') pods.set(name, ev.object);
    measure();
  });
  return {
    stats,
    pods,
    /** Starts counting extremes from the current state. */
    /** The distinct `old+new` live pod counts seen since begin(), in order. */
    steps(oldImage: string, newImage: string): string[] {
      const out: string[] = [];
      for (const h of history) {
        const s = `${h.get(oldImage) ?? 0}+${h.get(newImage) ?? 0}`;
        if (out[out.length - 1] !== s) out.push(s);
      }
      return out;
    },
    begin() {
      history.length = 0;
      stats.tracking = true;
      stats.maxLive = 0;
      stats.minReady = Infinity;
      measure();
    },
    end() {
      stats.tracking = false;
    },
    live: () => [...pods.values()].filter((p) => !p.metadata?.deletionTimestamp),
    stop: () => handle.stop(),
  };
}

describe('workloads: Deployments on hollow nodes', { timeout: 240_000 }, () => {
  let c: HollowCluster;
  before(async () => {
    c = await startHollowCluster({ nodes: 4 });
  });
  after(async () => {
    await c?.teardown();
  });

  const deploy = (name: string) => c.get(resources.deployments, ns, name);
  const replicaSets = async (name: string) => (await c.list(resources.replicasets, ns, `app=${name}`)).sort((a, b) => Number(a.metadata.annotations?.['deployment.kubernetes.io/revision']) - Number(b.metadata.annotations?.['deployment.kubernetes.io/revision']));
  const runningReady = async (selector: string, n: number, pred: (p: Pod) => boolean = () => true) =>
    waitFor(`${n} Running+Ready pods for ${selector}`, async () => {
      const ps = await c.pods(ns, selector);
      return ps.length === n && ps.every((p) => isRunningReady(p) && pred(p)) ? ps : undefined;
    }, 60_000);

  it('kubectl create deployment, scale up and down; names, status, conditions, events; get pods -o wide shows NODE', async () => {
    const created = await c.kubectlOk(['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3']);
    assert.equal(created.stdout.trim(), 'deployment.apps/web created');
    let pods = await runningReady('app=web', 3);
    const [rs] = await replicaSets('web');
    assert.ok(rs, 'a ReplicaSet for web');
    const m = hashedName('web').exec(rs.metadata.name);
    assert.ok(m, rs.metadata.name);
    assert.equal(rs.metadata.labels['pod-template-hash'], m[1]);
    assert.equal(rs.metadata.annotations['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata.ownerReferences[0].kind, 'Deployment');
    for (const p of pods) {
      assert.match(p.metadata!.name!, podName(rs.metadata.name));
      assert.equal(p.metadata!.labels!['pod-template-hash'], m[1]);
      assert.equal(p.metadata!.ownerReferences![0]!.uid, rs.metadata.uid);
      assert.match(p.spec!.nodeName!, /^hollow-\d$/);
      assert.match(p.status!.podIP!, /^10\.42\.\d+\.\d+$/);
    }

    const scaled = await c.kubectlOk(['scale', 'deployment', 'web', '--replicas=7']);
    assert.equal(scaled.stdout.trim(), 'deployment.apps/web scaled');
    pods = await runningReady('app=web', 7);
    assert.ok(new Set(pods.map((p) => p.spec!.nodeName)).size >= 2, 'pods spread over nodes');
    await c.kubectlOk(['scale', 'deployment', 'web', '--replicas=2']);
    pods = await runningReady('app=web', 2);

    const d = await waitFor('web status settled at 2', async () => {
      const d = await deploy('web');
      return d.status?.observedGeneration === d.metadata.generation && d.status?.availableReplicas === 2 && d.status?.replicas === 2 ? d : undefined;
    });
    assert.equal(d.status.readyReplicas, 2);
    assert.equal(d.status.updatedReplicas, 2);
    assert.deepEqual([condition(d, 'Available')?.status, condition(d, 'Available')?.reason], ['True', 'MinimumReplicasAvailable']);
    assert.deepEqual([condition(d, 'Progressing')?.status, condition(d, 'Progressing')?.reason], ['True', 'NewReplicaSetAvailable']);
    const rsNow = await c.get(resources.replicasets, ns, rs.metadata.name);
    assert.equal(rsNow.spec.replicas, 2);
    assert.equal(rsNow.status.readyReplicas, 2);
    assert.equal(rsNow.status.availableReplicas, 2);
    assert.equal(rsNow.status.fullyLabeledReplicas, 2);

    const dEvents = (await c.events(ns, 'Deployment', 'web')).map((e) => `${e.reason}: ${e.message}`);
    for (const want of [`Scaled up replica set ${rs.metadata.name} to 3`, `Scaled up replica set ${rs.metadata.name} to 7`, `Scaled down replica set ${rs.metadata.name} to 2`])
      assert.ok(dEvents.some((e) => e.startsWith(`ScalingReplicaSet: ${want}`)), `event "${want}" in ${JSON.stringify(dEvents)}`);
    const rsEvents = await c.events(ns, 'ReplicaSet', rs.metadata.name);
    assert.ok(rsEvents.filter((e) => e.reason === 'SuccessfulCreate' && /^Created pod: web-/.test(e.message!)).reduce((n, e) => n + (e.count ?? 1), 0) >= 7, 'SuccessfulCreate events');
    assert.ok(rsEvents.some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: web-/.test(e.message!)), 'SuccessfulDelete event');

    const wide = (await c.kubectlOk(['get', 'pods', '-l', 'app=web', '-o', 'wide'])).stdout.trim().split('\n');
    assert.match(wide[0]!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    assert.equal(wide.length, 3);
    for (const p of pods) {
      const row = wide.find((l) => l.startsWith(p.metadata!.name! + ' '));
      assert.ok(row, `row for ${p.metadata!.name}`);
      assert.match(row, new RegExp(`^${p.metadata!.name}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${p.status!.podIP!.replace(/\./g, '\\.')}\\s+${p.spec!.nodeName}\\s+<none>\\s+<none>$`));
    }
    const table = (await c.kubectlOk(['get', 'deployment', 'web'])).stdout;
    assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+2\/2\s+2\s+2\s+/);
  });

  it('the rolling update walk-through: set image pod by pod, rollout status, history with change-cause, undo --to-revision, pause/resume, restart', async () => {
    // The seeds' picture: 3 pods, one new pod at a time, an old one removed only once the new one is up.
    await c.apply(
      deployment('nginx', 'nginx:1.24', 3, {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        podAnnotations: { 'skiff.dev/hollow-ready-after': '300ms' },
      }),
    );
    await c.kubectlOk(['annotate', 'deployment', 'nginx', 'kubernetes.io/change-cause=create nginx 1.24']);
    await c.kubectlOk(['rollout', 'status', 'deployment/nginx', '--timeout=60s'], { timeoutMs: 70_000 });
    const tracker = trackPods(c, 'app=nginx');
    try {
      await waitFor('watch caught up', async () => tracker.live().filter(isReady).length === 3);
      const rollTo = async (image: string, cause: string) => {
        tracker.begin();
        const set = await c.kubectlOk(['set', 'image', 'deployment/nginx', `main=${image}`]);
        assert.equal(set.stdout.trim(), 'deployment.apps/nginx image updated');
        await c.kubectlOk(['annotate', 'deployment', 'nginx', `kubernetes.io/change-cause=${cause}`, '--overwrite']);
        const status = await c.kubectlOk(['rollout', 'status', 'deployment/nginx', '--timeout=60s'], { timeoutMs: 70_000 });
        tracker.end();
        assert.match(status.stdout, /deployment "nginx" successfully rolled out\n$/);
        assert.ok(tracker.stats.maxLive <= 4, `never more than 3+1 pods (saw ${tracker.stats.maxLive})`);
        assert.ok(tracker.stats.minReady >= 3, `never fewer than 3 Ready (saw ${tracker.stats.minReady})`);
        await runningReady('app=nginx', 3, (p) => p.spec!.containers[0]!.image === image);
        return status.stdout;
      };
      const out = await rollTo('nginx:1.25', 'update to 1.25');
      // rollout status narrates the steps it saw before the rollout ended.
      for (const line of out.trim().split('\n').slice(0, -1))
        assert.match(line, /^Waiting for deployment "nginx" rollout to finish: (\d out of 3 new replicas have been updated|\d old replicas are pending termination|\d of 3 updated replicas are available)\.\.\.$/);
      // Pod by pod as the seeds draw it: one new pod, then one old pod goes, and so on.
      assert.deepEqual(tracker.steps('nginx:1.24', 'nginx:1.25'), ['3+0', '3+1', '2+1', '2+2', '1+2', '1+3', '0+3']);
      await rollTo('nginx:1.26', 'update to 1.26');

      let sets = await replicaSets('nginx');
      assert.deepEqual(sets.map((s) => [s.metadata.annotations['deployment.kubernetes.io/revision'], s.spec.template.spec.containers[0].image, s.spec.replicas]), [
        ['1', 'nginx:1.24', 0],
        ['2', 'nginx:1.25', 0],
        ['3', 'nginx:1.26', 3],
      ]);
      const history = (await c.kubectlOk(['rollout', 'history', 'deployment/nginx'])).stdout;
      assert.match(history, /^deployment\.apps\/nginx \nREVISION\s+CHANGE-CAUSE\n1\s+create nginx 1\.24\n2\s+update to 1\.25\n3\s+update to 1\.26\n/);
      const rev2 = (await c.kubectlOk(['rollout', 'history', 'deployment/nginx', '--revision=2'])).stdout;
      assert.match(rev2, /with revision #2/);
      assert.match(rev2, /Image:\s+nginx:1\.25/);

      // Back to revision 1: its template comes back as revision 4, and revision 1 leaves the history.
      tracker.begin();
      const undo = await c.kubectlOk(['rollout', 'undo', 'deployment/nginx', '--to-revision=1']);
      assert.equal(undo.stdout.trim(), 'deployment.apps/nginx rolled back');
      await c.kubectlOk(['rollout', 'status', 'deployment/nginx', '--timeout=60s'], { timeoutMs: 70_000 });
      tracker.end();
      assert.ok(tracker.stats.maxLive <= 4 && tracker.stats.minReady >= 3, `rollback within bounds (max ${tracker.stats.maxLive}, min ready ${tracker.stats.minReady})`);
      await runningReady('app=nginx', 3, (p) => p.spec!.containers[0]!.image === 'nginx:1.24');
      sets = await replicaSets('nginx');
      assert.deepEqual(sets.map((s) => [s.metadata.annotations['deployment.kubernetes.io/revision'], s.spec.template.spec.containers[0].image, s.spec.replicas]), [
        ['2', 'nginx:1.25', 0],
        ['3', 'nginx:1.26', 0],
        ['4', 'nginx:1.24', 3],
      ]);
      assert.match((await c.kubectlOk(['rollout', 'history', 'deployment/nginx'])).stdout, /\n2\s+update to 1\.25\n3\s+update to 1\.26\n4\s+create nginx 1\.24\n/);
      let d = await deploy('nginx');
      assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '4');
      const rollbackEvents = (await c.events(ns, 'Deployment', 'nginx')).map((e) => e.reason);
      assert.ok(rollbackEvents.includes('ScalingReplicaSet'), JSON.stringify(rollbackEvents));

      // Paused: template changes pile up without a rollout; resume rolls them out at once.
      assert.equal((await c.kubectlOk(['rollout', 'pause', 'deployment/nginx'])).stdout.trim(), 'deployment.apps/nginx paused');
      await c.kubectlOk(['set', 'image', 'deployment/nginx', 'main=nginx:1.27']);
      await c.kubectlOk(['set', 'env', 'deployment/nginx', 'MODE=paused-edit']);
      d = await waitFor('Progressing DeploymentPaused', async () => {
        const d = await deploy('nginx');
        return condition(d, 'Progressing')?.reason === 'DeploymentPaused' && d.status.observedGeneration === d.metadata.generation ? d : undefined;
      });
      assert.equal(condition(d, 'Progressing')?.status, 'Unknown');
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await replicaSets('nginx')).length, 3, 'no ReplicaSet while paused');
      assert.ok((await c.pods(ns, 'app=nginx')).every((p) => p.spec!.containers[0]!.image === 'nginx:1.24'));
      assert.equal((await c.kubectlOk(['rollout', 'resume', 'deployment/nginx'])).stdout.trim(), 'deployment.apps/nginx resumed');
      await c.kubectlOk(['rollout', 'status', 'deployment/nginx', '--timeout=60s'], { timeoutMs: 70_000 });
      await runningReady('app=nginx', 3, (p) => p.spec!.containers[0]!.image === 'nginx:1.27' && p.spec!.containers[0]!.env?.[0]?.value === 'paused-edit');
      assert.equal((await deploy('nginx')).metadata.annotations['deployment.kubernetes.io/revision'], '5', 'both paused edits made one revision');

      // Restart: same spec, new pods (a restartedAt template annotation makes a new revision).
      const before = new Set((await c.pods(ns, 'app=nginx')).map((p) => p.metadata!.name));
      assert.equal((await c.kubectlOk(['rollout', 'restart', 'deployment/nginx'])).stdout.trim(), 'deployment.apps/nginx restarted');
      await c.kubectlOk(['rollout', 'status', 'deployment/nginx', '--timeout=60s'], { timeoutMs: 70_000 });
      const restarted = await runningReady('app=nginx', 3, (p) => !before.has(p.metadata!.name) && p.spec!.containers[0]!.image === 'nginx:1.27');
      assert.ok(restarted.every((p) => p.metadata!.annotations?.['kubectl.kubernetes.io/restartedAt']));
      d = await deploy('nginx');
      assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '6');
      assert.deepEqual([condition(d, 'Progressing')?.status, condition(d, 'Progressing')?.reason], ['True', 'NewReplicaSetAvailable']);
    } finally {
      tracker.stop();
    }
  });

  it('a 100-replica rollout with maxSurge 25% and maxUnavailable 25% never exceeds 125 pods nor drops below 75 available', async () => {
    await c.apply(
      deployment('big', 'app:v1', 100, {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        podAnnotations: { 'skiff.dev/hollow-ready-after': '200ms' },
      }),
    );
    await c.kubectlOk(['rollout', 'status', 'deployment/big', '--timeout=90s'], { timeoutMs: 100_000 });
    const tracker = trackPods(c, 'app=big');
    try {
      await waitFor('watch sees 100 Ready', async () => tracker.live().filter(isReady).length === 100, 30_000);
      tracker.begin();
      const t0 = Date.now();
      await c.kubectlOk(['set', 'image', 'deployment/big', 'main=app:v2']);
      await c.kubectlOk(['rollout', 'status', 'deployment/big', '--timeout=120s'], { timeoutMs: 130_000 });
      await waitFor('100 Ready v2 pods on the watch', async () => {
        const live = tracker.live();
        return live.length === 100 && live.every((p) => isReady(p) && p.spec!.containers[0]!.image === 'app:v2');
      }, 30_000);
      tracker.end();
      const seconds = (Date.now() - t0) / 1000;
      assert.ok(tracker.stats.maxLive <= 125, `at most 125 pods (saw ${tracker.stats.maxLive})`);
      assert.ok(tracker.stats.minReady >= 75, `at least 75 available (saw ${tracker.stats.minReady})`);
      assert.ok(tracker.stats.maxLive > 100, `the rollout surged (max ${tracker.stats.maxLive})`);
      const d = await deploy('big');
      assert.equal(d.status.updatedReplicas, 100);
      assert.equal(d.status.availableReplicas, 100);
      assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '2');
      const sets = await replicaSets('big');
      assert.deepEqual(sets.map((s) => s.spec.replicas), [0, 100]);
      console.log(`# 100-replica rollout: ${seconds.toFixed(1)} s, max ${tracker.stats.maxLive} pods, min ${tracker.stats.minReady} available, ${tracker.stats.events} pod events`);
    } finally {
      tracker.stop();
    }
    await c.kubectlOk(['delete', 'deployment', 'big']);
  });

  it('Recreate removes every old pod before the first new one; a stalled rollout reports ProgressDeadlineExceeded', async () => {
    await c.apply(deployment('recreate', 'db:1', 3, { strategy: { type: 'Recreate' } }));
    await c.kubectlOk(['rollout', 'status', 'deployment/recreate', '--timeout=60s'], { timeoutMs: 70_000 });
    const tracker = trackPods(c, 'app=recreate');
    try {
      await waitFor('watch caught up', async () => tracker.live().filter(isReady).length === 3);
      tracker.begin();
      await c.kubectlOk(['set', 'image', 'deployment/recreate', 'main=db:2']);
      await c.kubectlOk(['rollout', 'status', 'deployment/recreate', '--timeout=60s'], { timeoutMs: 70_000 });
      await runningReady('app=recreate', 3, (p) => p.spec!.containers[0]!.image === 'db:2');
      tracker.end();
      // Old and new never live together: from 3+0 down to 0+0, then up to 0+3.
      const steps = tracker.steps('db:1', 'db:2');
      assert.equal(steps[0], '3+0');
      assert.equal(steps[steps.length - 1], '0+3');
      assert.ok(steps.includes('0+0') && steps.every((x) => x.startsWith('0+') || x.endsWith('+0')), JSON.stringify(steps));
    } finally {
      tracker.stop();
    }

    // The same Deployment, its Recreate rollout just finished (NewReplicaSetAvailable), gets one patch:
    // an image whose pods never become Ready and a deadline that soon passes. The new rollout must be
    // reported as such and time out, not stay "complete" under the old condition.
    await waitFor('Progressing=NewReplicaSetAvailable', async () => condition(await deploy('recreate'), 'Progressing')?.reason === 'NewReplicaSetAvailable');
    await c.kubectlOk([
      'patch', 'deployment', 'recreate', '-p',
      JSON.stringify({
        spec: {
          progressDeadlineSeconds: 3,
          template: { metadata: { annotations: { 'skiff.dev/hollow-ready-after': '1h' } }, spec: { containers: [{ name: 'main', image: 'db:3' }] } },
        },
      }),
    ]);
    const status = await c.kubectl(['rollout', 'status', 'deployment/recreate', '--timeout=60s'], { timeoutMs: 70_000 });
    const d = await deploy('recreate');
    assert.notEqual(status.code, 0);
    assert.match(status.stderr, /error: deployment "recreate" exceeded its progress deadline/, `status now: ${JSON.stringify(d.status)}`);
    const progressing = condition(d, 'Progressing');
    assert.equal(progressing?.status, 'False');
    assert.equal(progressing?.reason, 'ProgressDeadlineExceeded');
    const stalledRS = (await replicaSets('recreate')).at(-1)!;
    assert.equal(stalledRS.spec?.template?.spec?.containers?.[0]?.image, 'db:3');
    assert.equal(progressing!.message, `ReplicaSet "${stalledRS.metadata.name}" has timed out progressing.`);
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(condition(d, 'Available')?.status, 'False');
    await c.kubectlOk(['delete', 'deployment', 'recreate']);
  });

  it('ReplicaSet adopts a matching orphan, releases a relabelled pod, and scales down the not-Ready pod first; kubectl scale rc', async () => {
    // An orphan that is never Ready, made before its ReplicaSet.
    await c.apply(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'adopt' }, annotations: { 'skiff.dev/hollow-ready-after': '1h' } }, spec: { containers: [{ name: 'main', image: 'nginx' }] } }));
    await waitFor('stray Running', async () => (await c.get(resources.pods, ns, 'stray')).status?.phase === 'Running');
    await c.apply(JSON.stringify({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'adopter' }, spec: { replicas: 3, selector: { matchLabels: { app: 'adopt' } }, template: { metadata: { labels: { app: 'adopt' } }, spec: { containers: [{ name: 'main', image: 'nginx' }] } } } }));
    const rs = await c.get(resources.replicasets, ns, 'adopter');
    await waitFor('3 pods, the stray adopted', async () => {
      const ps = await c.pods(ns, 'app=adopt');
      return ps.length === 3 && ps.filter(isRunningReady).length === 2 && ps.every((p) => p.metadata!.ownerReferences?.[0]?.uid === rs.metadata.uid);
    });
    const stray = await c.get(resources.pods, ns, 'stray');
    assert.deepEqual([stray.metadata.ownerReferences[0].kind, stray.metadata.ownerReferences[0].controller], ['ReplicaSet', true]);

    // Relabelled out of the selector: released, and replaced.
    const [mine] = (await c.pods(ns, 'app=adopt')).filter((p) => p.metadata!.name !== 'stray');
    await c.kubectlOk(['label', 'pod', mine!.metadata!.name!, 'app=elsewhere', '--overwrite']);
    await waitFor('released pod has no owner, and a replacement exists', async () => {
      const released = await c.get(resources.pods, ns, mine!.metadata!.name!);
      return (released.metadata.ownerReferences ?? []).length === 0 && (await c.pods(ns, 'app=adopt')).length === 3;
    });

    // Scale 3 → 2: the not-Ready stray goes first.
    assert.equal((await c.kubectlOk(['scale', 'rs', 'adopter', '--replicas=2'])).stdout.trim(), 'replicaset.apps/adopter scaled');
    await waitFor('2 Ready pods, stray gone', async () => {
      const ps = await c.pods(ns, 'app=adopt');
      return ps.length === 2 && ps.every(isRunningReady) && ps.every((p) => p.metadata!.name !== 'stray');
    });
    const rsNow = await waitFor('rs status 2', async () => {
      const r = await c.get(resources.replicasets, ns, 'adopter');
      return r.status?.replicas === 2 && r.status?.readyReplicas === 2 && r.status?.observedGeneration === r.metadata.generation ? r : undefined;
    });
    assert.equal(rsNow.status.availableReplicas, 2);
    await c.kubectlOk(['delete', 'rs', 'adopter']);
    await c.kubectlOk(['delete', 'pod', mine!.metadata!.name!, '--wait=false']);

    // The same for a ReplicationController through kubectl scale.
    await c.apply(JSON.stringify({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy' }, spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'main', image: 'redis' }] } } } }));
    await runningReady('app=legacy', 2);
    assert.equal((await c.kubectlOk(['scale', 'rc', 'legacy', '--replicas=4'])).stdout.trim(), 'replicationcontroller/legacy scaled');
    const pods = await runningReady('app=legacy', 4);
    assert.ok(pods.every((p) => /^legacy-[a-z0-9]{5}$/.test(p.metadata!.name!) && p.metadata!.ownerReferences![0]!.kind === 'ReplicationController'));
    await waitFor('rc status 4 ready', async () => (await c.get(resources.replicationcontrollers, ns, 'legacy')).status?.readyReplicas === 4);
    assert.match((await c.kubectlOk(['get', 'rc', 'legacy'])).stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nlegacy\s+4\s+4\s+4\s+/);
    await c.kubectlOk(['delete', 'rc', 'legacy']);
  });

  it('kubectl delete deployment removes its ReplicaSets and pods; --cascade=foreground waits for them; --cascade=orphan keeps them', async () => {
    await c.kubectlOk(['create', 'deployment', 'gone', '--image=nginx', '--replicas=2']);
    await runningReady('app=gone', 2);
    await c.kubectlOk(['create', 'deployment', 'kept', '--image=nginx', '--replicas=2']);
    const keptPods = await runningReady('app=kept', 2);
    const [keptRS] = await replicaSets('kept');

    assert.equal((await c.kubectlOk(['delete', 'deployment', 'gone'])).stdout.trim(), 'deployment.apps "gone" deleted');
    await waitFor('gone: no ReplicaSets, no pods', async () => (await replicaSets('gone')).length === 0 && (await c.list(resources.pods, ns, 'app=gone')).length === 0);

    // Foreground: the Deployment stays (with the foregroundDeletion finalizer) until its dependents are gone.
    await c.kubectlOk(['create', 'deployment', 'fg', '--image=nginx', '--replicas=2']);
    await runningReady('app=fg', 2);
    await c.kubectlOk(['delete', 'deployment', 'fg', '--cascade=foreground', '--wait=false']);
    const fg = await c.get(resources.deployments, ns, 'fg').catch(() => undefined);
    if (fg) {
      assert.ok(fg.metadata.deletionTimestamp);
      assert.ok(fg.metadata.finalizers?.includes('foregroundDeletion'), JSON.stringify(fg.metadata.finalizers));
    }
    await waitFor('fg, its ReplicaSet and pods gone', async () => (await c.list(resources.deployments, ns)).every((d) => d.metadata.name !== 'fg') && (await replicaSets('fg')).length === 0 && (await c.list(resources.pods, ns, 'app=fg')).length === 0);

    assert.equal((await c.kubectlOk(['delete', 'deployment', 'kept', '--cascade=orphan'])).stdout.trim(), 'deployment.apps "kept" deleted');
    await waitFor('kept deployment gone', async () => (await c.list(resources.deployments, ns)).every((d) => d.metadata.name !== 'kept'));
    const rs = await waitFor('orphaned ReplicaSet released', async () => {
      const rs = await c.get(resources.replicasets, ns, keptRS!.metadata.name);
      return (rs.metadata.ownerReferences ?? []).length === 0 ? rs : undefined;
    });
    assert.equal(rs.spec.replicas, 2);
    await new Promise((r) => setTimeout(r, 1000));
    const still = await c.pods(ns, 'app=kept');
    assert.deepEqual(still.map((p) => p.metadata!.name).sort(), keptPods.map((p) => p.metadata!.name).sort());
    assert.ok(still.every((p) => p.metadata!.ownerReferences![0]!.uid === rs.metadata.uid), 'pods still owned by the ReplicaSet');
  });
});
