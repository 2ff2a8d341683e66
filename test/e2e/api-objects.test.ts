// Objects through kubectl: create, get in every output format, selectors,
// describe, label, annotate, replace, delete, apply (client- and
// server-side), optimistic concurrency, and the seeds' examples.
// No scheduler runs, so pods stay Pending and unbound, which also makes
// their deletion immediate (an unscheduled pod has nothing to wait for).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { examplesDir, startServer, type Cluster } from './harness.js';
import { pod, podObject, tableRows } from './manifests.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('API server: objects through kubectl', () => {
  let c: Cluster;
  before(async () => {
    c = await startServer();
  });
  after(async () => {
    await c?.stop();
  });

  it('create, get (table, wide, yaml, json, jsonpath, name), describe, delete', async () => {
    const created = await c.kubectlOk(['create', '-f', '-'], { input: pod('nginx', { labels: { app: 'nginx' } }) });
    assert.equal(created.stdout.trim(), 'pod/nginx created');

    const table = tableRows((await c.kubectlOk(['get', 'pods'])).stdout);
    assert.deepEqual(table[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    const row = table.find((r) => r[0] === 'nginx');
    assert.ok(row, 'nginx listed');
    assert.deepEqual(row.slice(0, 4), ['nginx', '0/1', 'Pending', '0']);
    assert.match(row[4]!, /^\d+s$/);

    const wide = tableRows((await c.kubectlOk(['get', 'pod', 'nginx', '-o', 'wide'])).stdout);
    assert.deepEqual(wide[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    assert.deepEqual([wide[1]![0], wide[1]![5], wide[1]![6]], ['nginx', '<none>', '<none>']);

    const asYaml = parseYaml((await c.kubectlOk(['get', 'pod', 'nginx', '-o', 'yaml'])).stdout);
    assert.equal(asYaml.kind, 'Pod');
    assert.equal(asYaml.apiVersion, 'v1');
    assert.equal(asYaml.metadata.namespace, 'default');
    assert.match(asYaml.metadata.uid, uuid);
    assert.match(asYaml.metadata.resourceVersion, /^\d+$/);
    assert.match(asYaml.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(asYaml.status.phase, 'Pending');
    // Defaulting, as Kubernetes does it.
    assert.equal(asYaml.spec.restartPolicy, 'Always');
    assert.equal(asYaml.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(asYaml.spec.terminationGracePeriodSeconds, 30);
    assert.equal(asYaml.spec.containers[0].imagePullPolicy, 'Always', 'nginx has the implicit :latest tag');
    assert.equal(asYaml.spec.containers[0].terminationMessagePath, '/dev/termination-log');

    const asJson = JSON.parse((await c.kubectlOk(['get', 'pod', 'nginx', '-o', 'json'])).stdout);
    assert.equal(asJson.metadata.uid, asYaml.metadata.uid);
    assert.equal(asJson.spec.containers[0].image, 'nginx');

    const uid = (await c.kubectlOk(['get', 'pod', 'nginx', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    assert.equal(uid, asYaml.metadata.uid);
    assert.equal((await c.kubectlOk(['get', 'pods', '-o', 'name'])).stdout.trim(), 'pod/nginx');
    const custom = tableRows((await c.kubectlOk(['get', 'pods', '-o', 'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image'])).stdout);
    assert.deepEqual(custom, [['NAME', 'IMAGE'], ['nginx', 'nginx']]);

    const described = (await c.kubectlOk(['describe', 'pod', 'nginx'])).stdout;
    assert.match(described, /^Name:\s+nginx$/m);
    assert.match(described, /^Namespace:\s+default$/m);
    assert.match(described, /^Labels:\s+app=nginx$/m);
    assert.match(described, /^Status:\s+Pending$/m);
    assert.match(described, /^Containers:\n\s+main:\n/m);
    assert.match(described, /^\s+Image:\s+nginx$/m);

    const again = await c.kubectl(['create', '-f', '-'], { input: pod('nginx') });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Error from server \(AlreadyExists\).*pods "nginx" already exists/);

    const deleted = await c.kubectlOk(['delete', 'pod', 'nginx']);
    assert.match(deleted.stdout, /^pod "nginx" deleted/);
    const gone = await c.kubectl(['get', 'pod', 'nginx']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /Error from server \(NotFound\): pods "nginx" not found/);
  });

  it('label, annotate and replace', async () => {
    await c.apply(pod('edit-me', { labels: { app: 'web' } }));
    assert.equal((await c.kubectlOk(['label', 'pod', 'edit-me', 'tier=front'])).stdout.trim(), 'pod/edit-me labeled');
    assert.equal((await c.kubectlOk(['annotate', 'pod', 'edit-me', 'owner=team-a'])).stdout.trim(), 'pod/edit-me annotated');
    const meta = JSON.parse((await c.kubectlOk(['get', 'pod', 'edit-me', '-o', 'jsonpath={.metadata}'])).stdout);
    assert.deepEqual(meta.labels, { app: 'web', tier: 'front' });
    assert.equal(meta.annotations.owner, 'team-a');

    const taken = await c.kubectl(['label', 'pod', 'edit-me', 'tier=back']);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /'tier' already has a value \(front\), and --overwrite is false/);
    assert.equal((await c.kubectlOk(['label', 'pod', 'edit-me', 'tier-'])).stdout.trim(), 'pod/edit-me unlabeled');

    const current = parseYaml((await c.kubectlOk(['get', 'pod', 'edit-me', '-o', 'yaml'])).stdout);
    current.spec.containers[0].image = 'nginx:1.25';
    const replaced = await c.kubectlOk(['replace', '-f', '-'], { input: stringify(current) });
    assert.equal(replaced.stdout.trim(), 'pod/edit-me replaced');
    const image = (await c.kubectlOk(['get', 'pod', 'edit-me', '-o', 'jsonpath={.spec.containers[0].image}'])).stdout;
    assert.equal(image, 'nginx:1.25');
    const after = JSON.parse((await c.kubectlOk(['get', 'pod', 'edit-me', '-o', 'json'])).stdout);
    assert.ok(Number(after.metadata.resourceVersion) > Number(current.metadata.resourceVersion), 'resourceVersion moves forward');
    assert.equal(after.metadata.uid, current.metadata.uid);
  });

  it('a replace from a stale copy is refused with Conflict', async () => {
    await c.apply(pod('stale', { labels: { app: 'web' } }));
    const saved = parseYaml((await c.kubectlOk(['get', 'pod', 'stale', '-o', 'yaml'])).stdout);
    await c.kubectlOk(['label', 'pod', 'stale', 'changed=meanwhile']);
    saved.metadata.labels.mine = 'true';
    const r = await c.kubectl(['replace', '-f', '-'], { input: stringify(saved) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(Conflict\)/);
    assert.match(r.stderr, /Operation cannot be fulfilled on pods "stale": the object has been modified; please apply your changes to the latest version and try again/);
    const labels = JSON.parse((await c.kubectlOk(['get', 'pod', 'stale', '-o', 'jsonpath={.metadata.labels}'])).stdout);
    assert.deepEqual(labels, { app: 'web', changed: 'meanwhile' }, 'the refused replace changed nothing');
  });

  it('kubectl apply: created, configured with the change visible, unchanged', async () => {
    const first = await c.apply(pod('applied', { labels: { app: 'web' } }));
    assert.equal(first.stdout.trim(), 'pod/applied created');
    const last = JSON.parse((await c.kubectlOk(['get', 'pod', 'applied', '-o', 'json'])).stdout);
    assert.ok(last.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], 'client-side apply records what it applied');

    const edited = pod('applied', { labels: { app: 'web', tier: 'front' }, annotations: { note: 'second' } });
    assert.equal((await c.apply(edited)).stdout.trim(), 'pod/applied configured');
    const meta = JSON.parse((await c.kubectlOk(['get', 'pod', 'applied', '-o', 'jsonpath={.metadata}'])).stdout);
    assert.equal(meta.labels.tier, 'front');
    assert.equal(meta.annotations.note, 'second');

    assert.equal((await c.apply(edited)).stdout.trim(), 'pod/applied unchanged');

    // Dropping a label from the manifest removes it from the object.
    await c.apply(pod('applied', { labels: { app: 'web' }, annotations: { note: 'second' } }));
    const labels = JSON.parse((await c.kubectlOk(['get', 'pod', 'applied', '-o', 'jsonpath={.metadata.labels}'])).stdout);
    assert.deepEqual(labels, { app: 'web' });
  });

  it('kubectl apply --server-side: serverside-applied, managed fields, changes applied', async () => {
    const first = await c.apply(pod('ssa', { labels: { app: 'web' } }), ['--server-side']);
    assert.equal(first.stdout.trim(), 'pod/ssa serverside-applied');
    const obj = JSON.parse((await c.kubectlOk(['get', 'pod', 'ssa', '-o', 'json', '--show-managed-fields'])).stdout);
    const applyEntry = (obj.metadata.managedFields ?? []).find((f: any) => f.operation === 'Apply');
    assert.ok(applyEntry, 'an Apply entry in managedFields');
    assert.equal(applyEntry.manager, 'kubectl');
    assert.equal(applyEntry.fieldsType, 'FieldsV1');

    const second = await c.apply(pod('ssa', { labels: { app: 'web', tier: 'front' } }), ['--server-side']);
    assert.equal(second.stdout.trim(), 'pod/ssa serverside-applied');
    const labels = JSON.parse((await c.kubectlOk(['get', 'pod', 'ssa', '-o', 'jsonpath={.metadata.labels}'])).stdout);
    assert.deepEqual(labels, { app: 'web', tier: 'front' });
  });

  it('selects with -l, --field-selector, --show-labels and -A', async () => {
    // Namespaces of their own, so the other tests' pods do not show up here.
    assert.equal((await c.kubectlOk(['create', 'namespace', 'sel'])).stdout.trim(), 'namespace/sel created');
    await c.kubectlOk(['create', 'namespace', 'team-a']);
    await c.apply([
      pod('sel-web', { namespace: 'sel', labels: { suite: 'sel', app: 'web', tier: 'front' } }),
      pod('sel-db', { namespace: 'sel', labels: { suite: 'sel', app: 'db' } }),
      pod('sel-other', { namespace: 'team-a', labels: { suite: 'sel', app: 'web' } }),
    ].join('---\n'));
    const names = async (args: string[]) =>
      (await c.kubectlOk(['get', 'pods', '-o', 'name', ...args])).stdout.trim().split('\n').filter(Boolean).sort();

    assert.deepEqual(await names(['-n', 'sel']), ['pod/sel-db', 'pod/sel-web']);
    assert.deepEqual(await names(['-n', 'sel', '-l', 'app=web']), ['pod/sel-web']);
    assert.deepEqual(await names(['-n', 'sel', '-l', 'app==db']), ['pod/sel-db']);
    assert.deepEqual(await names(['-n', 'sel', '-l', 'app!=web']), ['pod/sel-db']);
    assert.deepEqual(await names(['-n', 'sel', '-l', 'app in (web,db)']), ['pod/sel-db', 'pod/sel-web']);
    assert.deepEqual(await names(['-n', 'sel', '-l', 'app notin (web)']), ['pod/sel-db']);
    assert.deepEqual(await names(['-n', 'sel', '-l', 'tier']), ['pod/sel-web']);
    assert.deepEqual(await names(['-n', 'sel', '-l', 'app,!tier']), ['pod/sel-db']);
    assert.deepEqual(await names(['-n', 'sel', '--field-selector', 'metadata.name=sel-db']), ['pod/sel-db']);
    assert.deepEqual(await names(['-n', 'sel', '--field-selector', 'metadata.name!=sel-db,status.phase=Pending']), ['pod/sel-web']);
    assert.deepEqual(await names(['-n', 'sel', '--field-selector', 'status.phase=Running']), []);
    assert.deepEqual(await names(['-A', '-l', 'suite=sel,app=web']), ['pod/sel-other', 'pod/sel-web']);
    assert.deepEqual(await names(['-A', '--field-selector', 'metadata.namespace=team-a']), ['pod/sel-other']);

    const bad = await c.kubectl(['get', 'pods', '-n', 'sel', '--field-selector', 'spec.nosuchfield=x']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Error from server \(BadRequest\).*field label not supported: spec\.nosuchfield/);

    const shown = tableRows((await c.kubectlOk(['get', 'pod', 'sel-web', '-n', 'sel', '--show-labels'])).stdout);
    assert.deepEqual(shown[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'LABELS']);
    assert.equal(shown[1]![5], 'app=web,suite=sel,tier=front');

    const all = tableRows((await c.kubectlOk(['get', 'pods', '-A', '-l', 'suite=sel,app=web'])).stdout);
    assert.deepEqual(all[0], ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(all.slice(1).map((r) => `${r[0]}/${r[1]}`).sort(), ['sel/sel-web', 'team-a/sel-other']);

    const none = await c.kubectlOk(['get', 'pods', '-n', 'team-a', '-l', 'app=none']);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /No resources found in team-a namespace\./);
  });

  it('applies every example from the seeds, and reads them back', async () => {
    const files = readdirSync(examplesDir()).filter((f) => f.endsWith('.yaml')).sort();
    const objects = files.flatMap((f) =>
      parseAllDocuments(readFileSync(join(examplesDir(), f), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string } }),
    );
    const r = await c.kubectlOk(['apply', '-f', examplesDir()], { timeoutMs: 60_000 });
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, objects.length, r.stdout);
    for (const line of lines) assert.match(line, /^[a-z.0-9]+\/[a-z0-9.-]+ created$/);
    for (const o of objects)
      assert.ok(lines.some((l) => l.startsWith(`${o.kind.toLowerCase()}`) && l.includes(`/${o.metadata.name} created`)), `${o.kind}/${o.metadata.name} created`);
    assert.ok(lines.includes('deployment.apps/nginx-deployment created'));
    assert.ok(lines.includes('horizontalpodautoscaler.autoscaling/php-apache created'));
    assert.ok(lines.includes('podpreset.settings.k8s.io/inject-env created'));

    const names = (await c.kubectlOk(['get', '-f', examplesDir(), '-o', 'name'])).stdout.trim().split('\n');
    assert.equal(names.length, objects.length);
    // Re-applying changes nothing. kubectl reports two objects as configured
    // all the same, as on a real cluster: a Secret written with stringData
    // (the live object has only data), and a StatefulSet with
    // volumeClaimTemplates (an atomic list the server defaults into, with
    // volumeMode and status.phase, so kubectl's diff always sends it).
    const again = await c.kubectlOk(['apply', '-f', examplesDir()], { timeoutMs: 60_000 });
    const changed = again.stdout.trim().split('\n').filter((l) => !l.endsWith(' unchanged'));
    assert.ok(changed.every((l) => l === 'secret/regcred configured' || l === 'statefulset.apps/web configured'), again.stdout);

    const deploy = tableRows((await c.kubectlOk(['get', 'deployment', 'nginx-deployment'])).stdout);
    assert.deepEqual(deploy[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    const svc = tableRows((await c.kubectlOk(['get', 'svc', 'php-apache'])).stdout);
    assert.deepEqual(svc[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    assert.deepEqual([svc[1]![0], svc[1]![1], svc[1]![4]], ['php-apache', 'ClusterIP', '80/TCP']);
    const cm = JSON.parse((await c.kubectlOk(['get', 'configmap', 'cm-appvars', '-o', 'json'])).stdout);
    assert.deepEqual(cm.data, { apploglevel: 'info', appdatadir: '/var/data' });
    const secret = JSON.parse((await c.kubectlOk(['get', 'secret', 'regcred', '-o', 'json'])).stdout);
    assert.equal(secret.stringData, undefined, 'stringData is folded into data');
    assert.match(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString(), /"auths"/);

    const del = await c.kubectlOk(['delete', '-f', join(examplesDir(), 'pod-liveness-exec.yaml')]);
    assert.match(del.stdout, /^pod "liveness-exec" deleted/);
  });

  it('kubectl get of a pod spec built in code round-trips every field', async () => {
    const spec = podObject('roundtrip', { labels: { a: 'b' }, container: { command: ['sh', '-c', 'sleep 1'], env: [{ name: 'X', value: '1' }] } });
    await c.apply(stringify(spec));
    const got = JSON.parse((await c.kubectlOk(['get', 'pod', 'roundtrip', '-o', 'json'])).stdout);
    assert.deepEqual(got.spec.containers[0].command, ['sh', '-c', 'sleep 1']);
    assert.deepEqual(got.spec.containers[0].env, [{ name: 'X', value: '1' }]);
  });

  it('a LIST over 128 KiB goes out gzip-compressed to a client that takes gzip, and kubectl reads it whole', async () => {
    await c.kubectlOk(['create', 'namespace', 'big']);
    const items = Array.from({ length: 120 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${String(i).padStart(3, '0')}`, namespace: 'big' },
      data: { payload: `${i}:`.padEnd(2000, 'abcdefghij') },
    }));
    await c.kubectlOk(['create', '-f', '-'], { input: items.map((i) => stringify(i)).join('---\n') });
    const path = '/api/v1/namespaces/big/configmaps';
    const gz = await c.request('GET', path, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    const plain = await c.request('GET', path);
    assert.equal(plain.headers['content-encoding'], undefined, 'no gzip unless asked for');
    assert.ok(plain.body.length > 128 * 1024);
    // kubectl always asks for gzip (Go's transport inflates it before kubectl sees it).
    const list = JSON.parse((await c.kubectlOk(['get', 'configmaps', '-n', 'big', '-o', 'json'])).stdout) as { items: { metadata: { name: string }; data: { payload: string } }[] };
    const got = list.items.filter((i) => i.metadata.name.startsWith('cm-'));
    assert.deepEqual(got.map((i) => i.metadata.name), items.map((i) => i.metadata.name));
    assert.deepEqual(got.map((i) => i.data.payload), items.map((i) => i.data.payload));
    const small = await c.request('GET', `${path}/cm-000`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(small.headers['content-encoding'], undefined, 'a small answer is sent as it is');
  });
});
