// Pod lifecycle on a real node: the seeds' restart-policy transition table,
// crash-loop back-off, init containers in order (and a failing one), and the
// 删除流程 — graceful deletion with TERM, the grace period, KILL, and forced
// deletion.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { LABEL_POD_UID } from '../../src/kubelet/runtime-config.js';
import { busyboxPod, startTestNode, type TestNode } from './node-support.js';

const phaseIs = (...phases: string[]) => (p: Pod) => phases.includes(p.status?.phase ?? '');

describe('node agent: pod lifecycle', { timeout: 300_000 }, () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    if (!node) return;
    await node.teardown();
    assert.deepEqual(node.leftovers(), []);
  });

  it('follows the restartPolicy transition table for one container', async () => {
    // [name, restartPolicy, exit code, expected phase, restarts expected]
    const rows: [string, string, number, string, boolean][] = [
      ['always-ok', 'Always', 0, 'Running', true],
      ['onfailure-ok', 'OnFailure', 0, 'Succeeded', false],
      ['never-ok', 'Never', 0, 'Succeeded', false],
      ['always-fail', 'Always', 1, 'Running', true],
      ['onfailure-fail', 'OnFailure', 1, 'Running', true],
      ['never-fail', 'Never', 1, 'Failed', false],
    ];
    await Promise.all(
      rows.map(([name, restartPolicy, code]) =>
        node.createPod(busyboxPod(name, { restartPolicy, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', `sleep 1; exit ${code}`] }] })),
      ),
    );
    await Promise.all(
      rows.map(async ([name, , code, phase, restarts]) => {
        const p = await node.waitPod(
          name,
          (p) => {
            const cs = p.status?.containerStatuses?.[0];
            return restarts ? p.status?.phase === phase && (cs?.restartCount ?? 0) >= 1 : p.status?.phase === phase;
          },
          60_000,
        );
        const cs = p.status!.containerStatuses![0];
        if (restarts) {
          assert.equal((cs.state?.terminated ?? cs.lastState?.terminated)?.exitCode, code, name);
        } else {
          assert.equal(cs.restartCount, 0, name);
          assert.equal(cs.state?.terminated?.exitCode, code, name);
          assert.equal(cs.state?.terminated?.reason, code === 0 ? 'Completed' : 'Error', name);
          assert.equal(p.status!.conditions!.find((c) => c.type === 'Ready')?.reason, 'PodCompleted', name);
        }
      }),
    );
    // Terminal pods stay terminal: give the agent time to (wrongly) restart.
    await new Promise((r) => setTimeout(r, 2500));
    for (const name of ['onfailure-ok', 'never-ok', 'never-fail']) {
      const p = await node.getPod(name);
      assert.equal(p.status!.containerStatuses![0].restartCount, 0, name);
    }
  });

  it('backs off a crashing container with CrashLoopBackOff and reports it', async () => {
    await node.createPod(busyboxPod('crasher', { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo crash; exit 3'] }] }));
    const p = await node.waitPod('crasher', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', 60_000);
    const cs = p.status!.containerStatuses![0];
    assert.ok(cs.restartCount >= 1);
    assert.equal(cs.lastState?.terminated?.exitCode, 3);
    assert.match(cs.state!.waiting!.message!, /^back-off \d+s restarting failed container=c pod=crasher_default/);
    assert.equal(p.status!.phase, 'Running');
    const events = await node.events(p);
    assert.ok(events.some((e) => e.reason === 'BackOff' && e.type === 'Warning'), JSON.stringify(events.map((e) => e.reason)));
    const table = await node.kubectl(['get', 'pod', 'crasher']);
    assert.match(table, /crasher\s+0\/1\s+CrashLoopBackOff\s+\d+/);
  });

  it('two containers, one fails, Never: Running while the other runs', async () => {
    await node.createPod(
      busyboxPod('two', {
        restartPolicy: 'Never',
        containers: [
          { name: 'bad', image: 'busybox', command: ['sh', '-c', 'exit 2'] },
          { name: 'good', image: 'busybox', command: ['sh', '-c', 'sleep 3600'] },
        ],
      }),
    );
    const p = await node.waitPod('two', (p) => p.status?.containerStatuses?.find((c) => c.name === 'bad')?.state?.terminated !== undefined, 30_000);
    assert.equal(p.status!.phase, 'Running');
    assert.equal(p.status!.containerStatuses!.find((c) => c.name === 'bad')!.state!.terminated!.exitCode, 2);
  });

  it('runs init containers strictly in order before the app container, sharing an emptyDir', async () => {
    const created = await node.createPod(
      busyboxPod('inits', {
        volumes: [{ name: 'work', emptyDir: {} }],
        initContainers: [
          { name: 'first', image: 'busybox', command: ['sh', '-c', 'sleep 1; echo one >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
          { name: 'second', image: 'busybox', command: ['sh', '-c', 'echo two >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        ],
        containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', 'cat /work/order; sleep 3600'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
      }),
    );
    const pending = await node.waitPod('inits', (p) => p.status?.initContainerStatuses?.[0]?.state?.running !== undefined, 30_000);
    assert.equal(pending.status!.phase, 'Pending');
    assert.equal(pending.status!.conditions!.find((c) => c.type === 'Initialized')?.status, 'False');
    assert.equal(pending.status!.containerStatuses![0].state?.waiting?.reason, 'PodInitializing');
    assert.match(await node.kubectl(['get', 'pod', 'inits']), /inits\s+0\/1\s+Init:0\/2/);
    const p = await node.waitPod('inits', phaseIs('Running'), 30_000);
    assert.deepEqual(p.status!.initContainerStatuses!.map((s) => [s.name, s.state?.terminated?.exitCode, s.ready]), [
      ['first', 0, true],
      ['second', 0, true],
    ]);
    const firstDone = Date.parse(p.status!.initContainerStatuses![0].state!.terminated!.finishedAt!);
    const secondStart = Date.parse(p.status!.initContainerStatuses![1].state!.terminated!.startedAt!);
    assert.ok(secondStart >= firstDone - 1000, 'second init container started after the first finished');
    const deadline = Date.now() + 5000;
    while (node.logLines(created, 'app').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(node.logLines(created, 'app'), ['one', 'two']);
  });

  it('a failing init container fails the pod under Never and crash-loops under Always', async () => {
    const init = (name: string, restartPolicy: string) =>
      busyboxPod(name, {
        restartPolicy,
        initContainers: [{ name: 'broken', image: 'busybox', command: ['sh', '-c', 'exit 5'] }],
        containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }],
      });
    await node.createPod(init('init-never', 'Never'));
    await node.createPod(init('init-always', 'Always'));
    const failed = await node.waitPod('init-never', phaseIs('Failed'), 30_000);
    assert.equal(failed.status!.initContainerStatuses![0].state!.terminated!.exitCode, 5);
    assert.equal(failed.status!.containerStatuses![0].state?.running, undefined);
    assert.match(await node.kubectl(['get', 'pod', 'init-never']), /init-never\s+0\/1\s+Init:Error/);
    const looping = await node.waitPod('init-always', (p) => p.status?.initContainerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', 60_000);
    assert.equal(looping.status!.phase, 'Pending');
    assert.match(await node.kubectl(['get', 'pod', 'init-always']), /init-always\s+0\/1\s+Init:CrashLoopBackOff/);
  });

  it('deletes gracefully: a TERM-trapping container exits at once, one ignoring TERM is killed at the grace period', async () => {
    const trapping = await node.createPod(
      busyboxPod('polite', { terminationGracePeriodSeconds: 20, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'trap "echo got TERM; exit 0" TERM; echo ready; sleep 3600 & wait'] }] }),
    );
    await node.createPod(
      busyboxPod('stubborn', { terminationGracePeriodSeconds: 3, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'] }] }),
    );
    await node.waitPod('polite', phaseIs('Running'), 30_000);
    await node.waitPod('stubborn', phaseIs('Running'), 30_000);
    const t0 = Date.now();
    await node.pods().delete('polite');
    const terminating = await node.getPod('polite').catch(() => undefined);
    if (terminating) assert.ok(terminating.metadata?.deletionTimestamp);
    await node.waitGone('polite', 15_000);
    const politeMs = Date.now() - t0;
    assert.ok(politeMs < 10_000, `TERM-trapping pod took ${politeMs} ms`);
    assert.deepEqual(node.logLines(trapping, 'c'), ['ready', 'got TERM']);

    const t1 = Date.now();
    await node.pods().delete('stubborn');
    await node.waitGone('stubborn', 20_000);
    const stubbornMs = Date.now() - t1;
    assert.ok(stubbornMs >= 2500 && stubbornMs < 12_000, `TERM-ignoring pod went away after ${stubbornMs} ms (grace 3 s)`);
  });

  it('force deletion removes the pod from the API at once and the agent still kills its containers', async () => {
    const pod = await node.createPod(busyboxPod('forced', { terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'trap "" TERM; sleep 3600'] }] }));
    await node.waitPod('forced', phaseIs('Running'), 30_000);
    await node.pods().delete('forced', { gracePeriodSeconds: 0 });
    await node.waitGone('forced', 2000);
    const deadline = Date.now() + 10_000;
    let left = -1;
    while (Date.now() < deadline) {
      const cs = await node.agent.cri.listContainers({ labelSelector: { [LABEL_POD_UID]: pod.metadata!.uid! } });
      left = cs.filter((c) => c.state === 'CONTAINER_RUNNING').length;
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(left, 0, 'containers of the force-deleted pod still running');
  });
});
