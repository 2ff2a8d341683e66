import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind, findByName, findByResource, findByShortName, groupVersions, resourceTypes, resourcesIn } from './kinds.js';

test('every kind and resource is unique within its group/version', () => {
  const kinds = new Set<string>();
  const resources = new Set<string>();
  for (const t of resourceTypes) {
    const gv = `${t.group}/${t.version}`;
    assert.ok(!kinds.has(`${gv}/${t.kind}`), `duplicate kind ${gv}/${t.kind}`);
    assert.ok(!resources.has(`${gv}/${t.resource}`), `duplicate resource ${gv}/${t.resource}`);
    kinds.add(`${gv}/${t.kind}`);
    resources.add(`${gv}/${t.resource}`);
    assert.equal(t.listKind, `${t.kind}List`);
    assert.equal(t.singular, t.kind.toLowerCase());
    assert.ok(t.strategy.table, `${gv}/${t.resource} has a printer`);
    assert.ok(t.strategy.validate, `${gv}/${t.resource} validates`);
  }
});

test('short names resolve as kubectl knows them', () => {
  const cases: [string, string, string][] = [
    ['po', '', 'pods'],
    ['svc', '', 'services'],
    ['deploy', 'apps', 'deployments'],
    ['rs', 'apps', 'replicasets'],
    ['rc', '', 'replicationcontrollers'],
    ['ds', 'apps', 'daemonsets'],
    ['sts', 'apps', 'statefulsets'],
    ['cj', 'batch', 'cronjobs'],
    ['ns', '', 'namespaces'],
    ['no', '', 'nodes'],
    ['cm', '', 'configmaps'],
    ['ev', '', 'events'],
    ['ep', '', 'endpoints'],
    ['sa', '', 'serviceaccounts'],
    ['pv', '', 'persistentvolumes'],
    ['pvc', '', 'persistentvolumeclaims'],
    ['hpa', 'autoscaling', 'horizontalpodautoscalers'],
    ['pdb', 'policy', 'poddisruptionbudgets'],
    ['limits', '', 'limitranges'],
    ['quota', '', 'resourcequotas'],
    ['sc', 'storage.k8s.io', 'storageclasses'],
  ];
  for (const [short, group, resource] of cases) {
    const t = findByShortName(short);
    assert.equal(t?.resource, resource, short);
    assert.equal(t?.group, group, short);
  }
  for (const none of ['secrets', 'jobs', 'clusterrolebindings', 'roles', 'leases', 'endpointslices', 'podtemplates', 'controllerrevisions']) {
    const t = resourceTypes.find((x) => x.resource === none)!;
    assert.deepEqual(t.shortNames, [], none);
  }
});

test('`all` holds the workload kinds and services', () => {
  const inAll = resourceTypes.filter((t) => t.preferred && t.categories.includes('all')).map((t) => t.resource).sort();
  assert.deepEqual(inAll, ['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'pods', 'replicasets', 'replicationcontrollers', 'services', 'statefulsets']);
});

test('lookups by resource, kind and name', () => {
  assert.equal(findByResource('apps', 'v1', 'deployments')?.kind, 'Deployment');
  assert.equal(findByResource('apps', 'v2', 'deployments'), undefined);
  assert.equal(findByKind('v1', 'Pod')?.resource, 'pods');
  assert.equal(findByKind('autoscaling/v1', 'HorizontalPodAutoscaler')?.version, 'v1');
  assert.equal(findByKind('settings.k8s.io/v1alpha1', 'PodPreset')?.namespaced, true);
  assert.equal(findByName('deployments.apps')?.kind, 'Deployment');
  assert.equal(findByName('pod')?.kind, 'Pod');
  assert.equal(findByName('hpa')?.version, 'v2');
});

test('types served twice share storage; preferred versions are right', () => {
  const coreEv = findByResource('', 'v1', 'events')!;
  const newEv = findByResource('events.k8s.io', 'v1', 'events')!;
  assert.deepEqual(newEv.storage, coreEv.storage);
  assert.deepEqual(coreEv.storage, { resource: 'events', group: '', version: 'v1' });
  const v1 = findByResource('autoscaling', 'v1', 'horizontalpodautoscalers')!;
  const v2 = findByResource('autoscaling', 'v2', 'horizontalpodautoscalers')!;
  assert.deepEqual(v1.storage, { resource: 'horizontalpodautoscalers', group: 'autoscaling', version: 'v2' });
  assert.deepEqual(v2.storage, v1.storage);
  assert.equal(v1.preferred, false);
  assert.equal(v2.preferred, true);

  const gvs = groupVersions();
  assert.equal(gvs[0].group, '');
  assert.deepEqual(gvs.slice(0, 5).map((g) => g.group), ['', 'apps', 'events.k8s.io', 'autoscaling', 'batch']);
  const autoscaling = gvs.find((g) => g.group === 'autoscaling')!;
  assert.deepEqual(autoscaling.versions, ['v2', 'v1']);
  assert.equal(autoscaling.preferredVersion, 'v2');
  assert.equal(gvs.find((g) => g.group === 'settings.k8s.io')?.preferredVersion, 'v1alpha1');
  assert.equal(resourcesIn('batch', 'v1').length, 2);
});

test('verbs and subresources', () => {
  const ns = findByResource('', 'v1', 'namespaces')!;
  assert.ok(!ns.verbs.includes('deletecollection'));
  assert.deepEqual(ns.subresources, ['status', 'finalize']);
  assert.deepEqual(findByResource('apps', 'v1', 'statefulsets')!.subresources, ['status', 'scale']);
  assert.deepEqual(findByResource('', 'v1', 'serviceaccounts')!.subresources, ['token']);
  for (const s of ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'ephemeralcontainers'] as const) {
    assert.ok(findByResource('', 'v1', 'pods')!.subresources.includes(s), s);
  }
  assert.equal(findByResource('', 'v1', 'pods')!.verbs.length, 8);
});
