/**
 * GET /containerLogs/<ns>/<pod>/<container>: the container's CRI log file,
 * shaped by the pod log options. The instance read is the kubelet's choice
 * (validateContainerLogStatus): the running one, else the last terminated;
 * `previous` the one before. `follow` tails the file — across a rotation —
 * until the container exits, as the kubelet does.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { isCriNotFound, type CriClient } from '../../cri/index.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from '../runtime-config.js';
import { LineSplitter, LogFormatter, parseCriLine, parseLogOptions, tailOffset, type LogOptions } from './cri-log.js';
import { badRequest, notFound } from './status.js';

export interface LogDeps {
  cri: CriClient;
  findPod(namespace: string, name: string): Pod | undefined;
  /** How often a follower looks for new lines (ms). */
  pollMs?: number;
}

const CONTAINER_ID_PREFIX = /^[a-z0-9]+:\/\//;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function statusOf(pod: Pod, name: string): ContainerStatus | undefined {
  const s = pod.status;
  return [...(s?.containerStatuses ?? []), ...(s?.initContainerStatuses ?? []), ...(s?.ephemeralContainerStatuses ?? [])].find((c) => c.name === name);
}

function hasContainer(pod: Pod, name: string): boolean {
  const s = pod.spec;
  return [...(s?.containers ?? []), ...(s?.initContainers ?? []), ...(s?.ephemeralContainers ?? [])].some((c) => c.name === name);
}

/** The runtime's id of the instance whose log is wanted, per the pod's status (the kubelet's rules and messages). */
async function pickInstance(cri: CriClient, pod: Pod, container: string, previous: boolean): Promise<string> {
  const podName = pod.metadata!.name!;
  const id = (cid: string | undefined) => cid?.replace(CONTAINER_ID_PREFIX, '') || undefined;
  const cs = statusOf(pod, container);
  const last = cs?.lastState?.terminated;
  if (previous) {
    const prev = id(last?.containerID);
    if (!prev) throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    return prev;
  }
  const current = cs?.state?.running || cs?.state?.terminated ? id(cs.containerID) : undefined;
  if (current) return current;
  if (id(last?.containerID)) return id(last?.containerID)!;
  // The status may trail the runtime by a moment (a container that has just
  // started): ask the runtime for the newest instance before giving up.
  const instances = await cri.listContainers({ labelSelector: { [LABEL_POD_UID]: pod.metadata!.uid!, [LABEL_CONTAINER_NAME]: container } });
  const newest = instances
    .filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_EXITED')
    .sort((a, b) => (b.metadata?.attempt ?? 0) - (a.metadata?.attempt ?? 0) || Number(BigInt(b.createdAt) - BigInt(a.createdAt)))[0];
  if (newest) return newest.id;
  const waiting = cs?.state?.waiting?.reason;
  if (!cs) throw badRequest(`container "${container}" in pod "${podName}" is not available`);
  if (waiting === 'ErrImagePull') throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: image can't be pulled`);
  if (waiting === 'ImagePullBackOff') throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: trying and failing to pull image`);
  if (cs.state?.terminated) throw badRequest(`container "${container}" in pod "${podName}" is terminated`);
  throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${waiting ?? 'ContainerCreating'}`);
}

async function instanceState(cri: CriClient, id: string): Promise<{ logPath: string; running: boolean } | undefined> {
  try {
    const { status } = await cri.containerStatus(id);
    return { logPath: status.logPath, running: status.state === 'CONTAINER_RUNNING' || status.state === 'CONTAINER_CREATED' };
  } catch (err) {
    if (isCriNotFound(err)) return undefined;
    throw err;
  }
}

export async function serveContainerLogs(
  deps: LogDeps,
  res: ServerResponse,
  closed: () => boolean,
  namespace: string,
  podName: string,
  container: string,
  query: URLSearchParams,
): Promise<void> {
  const opts = parseLogOptions(query);
  const pod = deps.findPod(namespace, podName);
  if (!pod) throw notFound(`pod "${podName}" does not exist`);
  if (!hasContainer(pod, container)) throw notFound(`container "${container}" not found in pod "${podName}"`);
  const id = await pickInstance(deps.cri, pod, container, opts.previous);
  const inst = await instanceState(deps.cri, id);
  if (!inst?.logPath) {
    throw badRequest(
      opts.previous
        ? `previous terminated container "${container}" in pod "${podName}" not found`
        : `container "${container}" in pod "${podName}" is not available`,
    );
  }
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
  // Followers see the answer start now, not with the first line.
  res.flushHeaders();
  await streamLog(deps, res, closed, id, inst.logPath, opts, inst.running);
  res.end();
}

/** Writes honouring back-pressure: a slow reader pauses the file reads. */
function writer(res: ServerResponse): { write(b: Buffer): void; drained(): Promise<void> } {
  let blocked = false;
  return {
    write(b) {
      if (!res.write(b)) blocked = true;
    },
    async drained() {
      if (!blocked) return;
      await new Promise<void>((r) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          r();
        };
        res.on('drain', done);
        res.on('close', done);
      });
      blocked = false;
    },
  };
}

async function streamLog(
  deps: LogDeps,
  res: ServerResponse,
  closed: () => boolean,
  id: string,
  path: string,
  opts: LogOptions,
  running: boolean,
): Promise<void> {
  const out = writer(res);
  const fmt = new LogFormatter(opts, (b) => out.write(b));
  const pollMs = deps.pollMs ?? 100;
  let fh: FileHandle | undefined;
  let ino = 0;
  let offset = 0;
  let splitter = new LineSplitter();
  const buf = Buffer.alloc(64 * 1024);

  const openLog = async (fromTail: boolean): Promise<boolean> => {
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    const st = await fh.stat();
    ino = st.ino;
    offset = fromTail && opts.tailLines !== undefined ? tailOffset(fh.fd, st.size, opts.tailLines, opts.stream) : 0;
    splitter = new LineSplitter();
    return true;
  };

  /** Reads what the file holds now; false once limitBytes is reached or the client left. */
  const drain = async (): Promise<boolean> => {
    if (!fh) return true;
    for (;;) {
      if (closed() || fmt.full) return false;
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return true;
      offset += bytesRead;
      splitter.push(buf.subarray(0, bytesRead), (line) => {
        const rec = parseCriLine(line);
        if (rec) fmt.write(rec);
      });
      await out.drained();
    }
  };

  try {
    await openLog(true);
    if (!(await drain())) return;
    if (!opts.follow) return fmt.flush();
    let lastCheck = Date.now();
    for (;;) {
      await sleep(pollMs);
      if (!(await drain())) return;
      // Rotated (renamed away and recreated) or truncated: finish the old
      // file, then read the new one from its start.
      const st = await stat(path).catch(() => undefined);
      if (fh && st && st.ino === ino && st.size < offset) {
        offset = 0; // truncated in place
        splitter = new LineSplitter();
        continue;
      }
      if (st && (!fh || st.ino !== ino)) {
        if (!(await drain())) return;
        await fh?.close();
        fh = undefined;
        await openLog(false);
        continue;
      }
      if (Date.now() - lastCheck >= 1000 || !running) {
        lastCheck = Date.now();
        running = (await instanceState(deps.cri, id))?.running ?? false;
        if (!running) {
          // The container is gone: what it wrote last is in the file now.
          if (await drain()) fmt.flush();
          return;
        }
      }
    }
  } finally {
    await fh?.close();
  }
}
