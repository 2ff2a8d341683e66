import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isStatusError, type StatusReason } from '../../api/errors.js';
import { resources } from '../../client/index.js';
import { startApiServer, type TestApiServer } from '../../../test/support/api-server.js';

describe('pods/binding', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startApiServer();
  });
  after(() => api.stop());

  const pods = () => api.client.resource<Pod & { [k: string]: unknown }>(resources.pods, 'default');
  const newPod = (name: string) =>
    pods().create({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const bind = (name: string, body: object) => pods().createSubresource(name, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name }, ...body });

  it('sets the node, the PodScheduled condition and the binding annotations, without a managed-fields entry', async () => {
    const created = await newPod('b1');
    const status = await bind('b1', { metadata: { name: 'b1', annotations: { 'example.com/placed-by': 'test' } }, target: { kind: 'Node', name: 'n1' } });
    assert.equal((status as { status?: string }).status, 'Success');
    const pod = await pods().get('b1');
    assert.equal(pod.spec?.nodeName, 'n1');
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'True');
    assert.ok(cond?.lastTransitionTime);
    assert.equal(pod.metadata?.annotations?.['example.com/placed-by'], 'test');
    // As in Kubernetes, a binding goes straight to storage: the creator's entry is the only one.
    assert.deepEqual(
      pod.metadata?.managedFields?.map((m) => m.manager),
      created.metadata?.managedFields?.map((m) => m.manager),
    );
    assert.notEqual(pod.metadata?.resourceVersion, created.metadata?.resourceVersion);
  });

  it('refuses a second binding, a wrong UID, a missing target and a non-Node target', async () => {
    const created = await newPod('b2');
    const expectError = async (body: object, reason: StatusReason, message: RegExp) => {
      await assert.rejects(bind('b2', body), (err: unknown) => isStatusError(err, reason) && message.test((err as Error).message));
    };
    await expectError({ metadata: { name: 'b2', uid: 'not-the-uid' }, target: { kind: 'Node', name: 'n1' } }, 'Conflict', /Precondition failed: UID in precondition/);
    await expectError({ target: { kind: 'Node' } }, 'Invalid', /target\.name: Required value/);
    await expectError({ target: { kind: 'Pod', name: 'n1' } }, 'Invalid', /target\.kind: Unsupported value/);
    await bind('b2', { metadata: { name: 'b2', uid: created.metadata!.uid }, target: { kind: 'Node', name: 'n1' } });
    await expectError({ target: { kind: 'Node', name: 'n2' } }, 'Conflict', /pod b2 is already assigned to node "n1"/);
    assert.equal((await pods().get('b2')).spec?.nodeName, 'n1');
  });

  it('answers NotFound for a pod that does not exist', async () => {
    await assert.rejects(bind('nope', { target: { kind: 'Node', name: 'n1' } }), (err: unknown) => isStatusError(err, 'NotFound'));
  });
});
