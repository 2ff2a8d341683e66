/**
 * Static pods: the agent runs the pods of its manifest directory itself,
 * API server or not, and keeps a mirror pod for each in the API so that
 * kubectl sees it: named like the static pod (`<name>-<nodeName>`),
 * annotated `kubernetes.io/config.mirror: <hash>` (plus config.hash and
 * config.source), owned by the Node. A mirror is only a reflection: deleted
 * through the API it is recreated; a mirror whose hash no longer matches
 * (the file was edited) is replaced; one without a manifest is deleted.
 *
 * The directory is rescanned every `pollMs` and on file-system
 * notifications. An edited manifest is a new pod (new hash, new UID): the
 * old one is stopped first and the new one starts once it is gone, since
 * both have the same name (and maybe the same host ports).
 */
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { resources, type Client } from '../../client/index.js';
import type { Logger } from '../../util/log.js';
import { ANNOTATION_MIRROR, type MirrorRef, type PodWorkers } from '../pod-worker/index.js';
import { readManifests, type StaticPod } from './manifests.js';

export interface StaticPodsOptions {
  dir: string;
  nodeName: string;
  client: Client;
  log: Logger;
  workers: PodWorkers;
  /** Rescan period (default 2 s; the kubelet's is 20 s, with notifications in between). */
  pollMs?: number;
}

export interface StaticPods {
  /** Stops scanning and mirroring; the static pods' containers keep running, like every pod's. */
  stop(): void;
  /** Scans the directory and reconciles the mirrors now (tests). */
  resync(): Promise<void>;
}

const fullNameOf = (p: Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;

export function mirrorPodOf(sp: StaticPod, node: { name: string; uid: string }): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: sp.pod.metadata!.name,
      namespace: sp.pod.metadata!.namespace,
      ...(sp.pod.metadata!.labels ? { labels: { ...sp.pod.metadata!.labels } } : {}),
      annotations: { ...(sp.pod.metadata!.annotations ?? {}), [ANNOTATION_MIRROR]: sp.hash },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }],
    },
    spec: structuredClone(sp.pod.spec),
  };
}

export function startStaticPods(opts: StaticPodsOptions): StaticPods {
  const { client, workers, nodeName } = opts;
  const log = opts.log.child({ component: 'static-pods' });
  const pods = (ns: string) => client.resource<Pod & KObject>(resources.pods, ns);
  const running = new Map<string, StaticPod>(); // uid → static pod
  const stopping = new Map<string, StaticPod>(); // uid → removed or replaced, still terminating
  const mirrors = new Map<string, Pod>(); // full name → mirror pod as last seen
  const problemsLogged = new Set<string>();
  let nodeUid: string | undefined;
  let stopped = false;
  let busy: Promise<void> | undefined;
  let again = false;

  function scan(): void {
    const { pods: desired, problems } = readManifests(opts.dir, nodeName);
    for (const p of problems) {
      const key = `${p.file}: ${p.message}`;
      if (!problemsLogged.has(key)) log.warn({ file: p.file, err: p.message }, 'static pod manifest skipped');
      problemsLogged.add(key);
    }
    const want = new Map(desired.map((sp) => [sp.hash, sp]));
    for (const [uid, sp] of running) {
      if (want.has(uid)) continue;
      log.info({ pod: sp.fullName, uid }, 'static pod removed or changed; stopping it');
      running.delete(uid);
      stopping.set(uid, sp);
      workers.setMirror(uid, undefined);
      workers.update(sp.pod, true, 'file');
    }
    for (const [uid] of stopping) if (!workers.has(uid)) stopping.delete(uid);
    for (const sp of desired) {
      if (running.has(sp.hash)) continue;
      // Same name still stopping: start once it is gone.
      if ([...stopping.values()].some((o) => o.fullName === sp.fullName)) continue;
      log.info({ pod: sp.fullName, uid: sp.hash, file: sp.file }, 'starting static pod');
      running.set(sp.hash, sp);
      workers.update(sp.pod, false, 'file');
    }
  }

  async function node(): Promise<string | undefined> {
    if (nodeUid) return nodeUid;
    try {
      nodeUid = (await client.resource<Node & KObject>(resources.nodes).get(nodeName)).metadata?.uid;
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
    return nodeUid;
  }

  async function deleteMirror(m: Pod): Promise<void> {
    try {
      await pods(m.metadata!.namespace!).delete(m.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: m.metadata!.uid } });
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
    }
    if (mirrors.get(fullNameOf(m))?.metadata?.uid === m.metadata?.uid) mirrors.delete(fullNameOf(m));
  }

  const refOf = (m: Pod): MirrorRef => ({ name: m.metadata!.name!, namespace: m.metadata!.namespace!, uid: m.metadata!.uid! });

  async function reconcileMirrors(): Promise<void> {
    const byName = new Map([...running.values()].map((sp) => [sp.fullName, sp]));
    for (const sp of running.values()) {
      const m = mirrors.get(sp.fullName);
      if (m && (m.metadata?.annotations?.[ANNOTATION_MIRROR] !== sp.hash || m.metadata?.deletionTimestamp)) {
        // Deleted through the API, or a mirror of an older manifest: replace it.
        log.info({ pod: sp.fullName }, 'replacing mirror pod');
        workers.setMirror(sp.hash, undefined);
        await deleteMirror(m);
      }
      const current = mirrors.get(sp.fullName);
      if (current) {
        workers.setMirror(sp.hash, refOf(current));
        continue;
      }
      const uid = await node();
      if (!uid) continue;
      try {
        const created = await pods(sp.pod.metadata!.namespace!).create(mirrorPodOf(sp, { name: nodeName, uid }) as Pod & KObject);
        mirrors.set(sp.fullName, created);
        workers.setMirror(sp.hash, refOf(created));
      } catch (err) {
        if (!isStatusError(err, 'AlreadyExists')) throw err;
        // Made before we saw it (an earlier run of the agent): look at it next round.
        const existing = await pods(sp.pod.metadata!.namespace!).get(sp.pod.metadata!.name!);
        mirrors.set(sp.fullName, existing);
        again = true;
      }
    }
    for (const [name, m] of [...mirrors]) {
      if (byName.has(name) || m.spec?.nodeName !== nodeName) continue;
      // Its manifest is gone; wait until the pod itself has stopped, as the kubelet does.
      if ([...stopping.values()].some((o) => o.fullName === name)) continue;
      log.info({ pod: name }, 'deleting mirror pod of a removed static pod');
      await deleteMirror(m);
    }
  }

  function resync(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (busy) {
      again = true;
      return busy;
    }
    busy = (async () => {
      try {
        do {
          again = false;
          scan();
          try {
            await reconcileMirrors();
          } catch (err) {
            log.warn({ err: (err as Error).message }, 'mirror pod sync failed');
          }
        } while (again && !stopped);
      } finally {
        busy = undefined;
      }
    })();
    return busy;
  }

  workers.setMirrorHandler((pod, deleted) => {
    const name = fullNameOf(pod);
    if (deleted) {
      if (mirrors.get(name)?.metadata?.uid === pod.metadata?.uid) mirrors.delete(name);
    } else mirrors.set(name, pod);
    void resync();
  });

  mkdirSync(opts.dir, { recursive: true });
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  try {
    watcher = watch(opts.dir, () => {
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => void resync(), 100);
    });
    watcher.on('error', () => undefined);
  } catch {
    // polling alone then
  }
  const poll = setInterval(() => void resync(), opts.pollMs ?? 2000);
  poll.unref();
  // The first scan is synchronous so the relist never mistakes these pods' containers for orphans.
  scan();
  void resync();

  return {
    stop() {
      stopped = true;
      clearInterval(poll);
      if (debounce) clearTimeout(debounce);
      watcher?.close();
      workers.setMirrorHandler(undefined);
    },
    resync,
  };
}
