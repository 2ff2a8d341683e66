// The official JavaScript client against a real skiff server: an informer
// (list, then watch from the list's resourceVersion) sees pods added,
// labelled and deleted through the API; and a watch resumes from a
// resourceVersion taken before the server restarted, without a 410.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { startServer, type Cluster } from './harness.js';

type Verb = 'add' | 'update' | 'delete';
interface Seen { verb: Verb; name: string; labels: Record<string, string>; resourceVersion: string }

function pod(name: string, labels: Record<string, string> = {}): k8s.V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { test: 'client-node', ...labels } },
    spec: { containers: [{ name: 'app', image: 'registry.local/test/app:1.0' }] },
  };
}

/** Polls until pick() finds something, or fails with what was seen. */
async function eventually<T>(what: string, pick: () => T | undefined, seen: () => unknown, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = pick();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`no ${what} within ${timeoutMs} ms; seen: ${JSON.stringify(seen())}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface WatchEvent { type: string; object: any }
interface WatchOutcome { status: number; body: string; events: WatchEvent[] }

/**
 * A raw watch with the kubeconfig's client certificate: collects events until
 * done() says so, an ERROR event arrives, the stream ends, or timeoutMs.
 */
function rawWatch(kubeconfig: string, port: number, path: string, done: (events: WatchEvent[]) => boolean, timeoutMs = 15_000): Promise<WatchOutcome> {
  const cfg = parseYaml(readFileSync(kubeconfig, 'utf8')) as any;
  const user = cfg.users[0].user;
  const cluster = cfg.clusters[0].cluster;
  const b64 = (s: string) => Buffer.from(s, 'base64');
  return new Promise((resolve, reject) => {
    const events: WatchEvent[] = [];
    let body = '';
    let settled = false;
    const finish = (status: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ status, body, events });
    };
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        headers: { Accept: 'application/json' },
        cert: b64(user['client-certificate-data']),
        key: b64(user['client-key-data']),
        ca: b64(cluster['certificate-authority-data']),
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          body += chunk;
          if (status !== 200) return;
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            const ev = JSON.parse(line) as WatchEvent;
            events.push(ev);
            if (ev.type === 'ERROR' || done(events)) return finish(status);
          }
        });
        res.on('end', () => finish(status));
        res.on('error', () => finish(status));
      },
    );
    const timer = setTimeout(() => finish(-1), timeoutMs);
    req.on('error', (err) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    req.end();
  });
}

describe('@kubernetes/client-node against skiff', { timeout: 120_000 }, () => {
  let cluster: Cluster | undefined;
  let informer: k8s.Informer<k8s.V1Pod> | undefined;
  before(async () => {
    cluster = await startServer({ datastore: 'sqlite' });
  });
  after(async () => {
    await informer?.stop();
    await cluster?.stop();
  });

  it('an informer sees pods added, labelled and deleted, then a watch resumes across a restart', async () => {
    const c = cluster!;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    const api = kc.makeApiClient(k8s.CoreV1Api);
    const ns = 'default';

    // One pod before the informer starts: it must come from the initial list.
    await api.createNamespacedPod({ namespace: ns, body: pod('informer-pre') });

    const seen: Seen[] = [];
    const errors: unknown[] = [];
    informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/pods`, () => api.listNamespacedPod({ namespace: ns }));
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (p) => seen.push({ verb, name: p.metadata?.name ?? '', labels: { ...p.metadata?.labels }, resourceVersion: p.metadata?.resourceVersion ?? '' }));
    }
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    const find = (verb: Verb, name: string, ok: (s: Seen) => boolean = () => true) => () => seen.find((s) => s.verb === verb && s.name === name && ok(s));
    const log = () => ({ seen, errors: errors.map(String) });

    await eventually('add of informer-pre (from the list)', find('add', 'informer-pre'), log);

    const created = await api.createNamespacedPod({ namespace: ns, body: pod('informer-a') });
    const added = await eventually('add of informer-a', find('add', 'informer-a'), log);
    assert.equal(added.resourceVersion, created.metadata?.resourceVersion, 'the added object is the created one');

    // A label through a merge patch, as `kubectl label` does.
    await api.patchNamespacedPod(
      { name: 'informer-a', namespace: ns, body: { metadata: { labels: { stage: 'labelled' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually('update of informer-a with stage=labelled', find('update', 'informer-a', (s) => s.labels.stage === 'labelled'), log);

    // And through a full replace of what was read.
    const current = await api.readNamespacedPod({ name: 'informer-a', namespace: ns });
    current.metadata!.labels = { ...current.metadata!.labels, stage: 'replaced' };
    await api.replaceNamespacedPod({ name: 'informer-a', namespace: ns, body: current });
    await eventually('update of informer-a with stage=replaced', find('update', 'informer-a', (s) => s.labels.stage === 'replaced'), log);

    // A pod no node has taken is deleted at once, grace period or not (as in Kubernetes).
    await api.deleteNamespacedPod({ name: 'informer-a', namespace: ns });
    await eventually('delete of informer-a', find('delete', 'informer-a'), log);
    assert.equal((informer as k8s.ListWatch<k8s.V1Pod>).get('informer-a', ns), undefined, 'the informer cache still holds the deleted pod');
    assert.ok((informer as k8s.ListWatch<k8s.V1Pod>).get('informer-pre', ns), 'the informer cache lost informer-pre');
    assert.deepEqual(errors.map(String), [], 'the informer reported errors');
    await informer.stop();
    informer = undefined;

    // Resume across a restart: the list's resourceVersion must still be
    // servable by a watch on the restarted server (revisions are durable).
    const list = await api.listNamespacedPod({ namespace: ns });
    const rv = list.metadata?.resourceVersion;
    assert.ok(rv, 'the list has no resourceVersion');
    await c.restart();
    // The same KubeConfig as before the restart: the server keeps its CA and client certificates.
    await api.createNamespacedPod({ namespace: ns, body: pod('after-restart') });
    const outcome = await rawWatch(c.kubeconfig, c.port, `/api/v1/namespaces/${ns}/pods?watch=1&resourceVersion=${rv}`, (evs) =>
      evs.some((e) => e.type === 'ADDED' && e.object?.metadata?.name === 'after-restart'),
    );
    assert.equal(outcome.status, 200, `watch from ${rv} after restart: ${outcome.status} ${outcome.body.slice(0, 500)}`);
    const errorEvent = outcome.events.find((e) => e.type === 'ERROR');
    assert.equal(errorEvent, undefined, `watch from ${rv} after restart sent ${JSON.stringify(errorEvent)}`);
    const replayed = outcome.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object?.metadata?.name}`);
    assert.deepEqual(replayed, ['ADDED after-restart'], 'the watch must start after the list revision and deliver exactly the new pod');
  });
});
