/**
 * What a pod's containers and volumes draw on from the API, fetched ahead of
 * use because the env and volume code reads synchronously: config maps,
 * secrets, claims and their persistent volumes, image pull secrets, and the
 * downward API's fields and resources.
 */
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { resources } from '../../client/index.js';
import type { PullerDeps } from '../image-puller.js';
import { resourceFieldValue, type EnvSources } from '../runtime-config.js';
import type { VolumeSources } from '../volumes.js';
import type { ConfigMapContent, SecretContent, WorkerContext } from './context.js';
import { podFieldValue } from './downward-api.js';
import { podKey } from './worker.js';

type ClaimPath = { path: string; type?: string } | { error: string };

function fieldResolver(ctx: WorkerContext, pod: Pod, podIP: string | undefined) {
  // The host IP is read at each lookup: it may be learnt after the worker started.
  return (path: string) => podFieldValue(pod, path, { nodeName: ctx.d.nodeName, hostIP: ctx.d.hostIP(), podIP });
}

/** Env reads a config map's `data` only (as the kubelet does); binaryData keys are not env material. */
const envFromConfigMap = (cm: ConfigMapContent | undefined) => (cm ? (cm.data ?? {}) : undefined);
/** Secret values as text (env, pull secrets): their bytes read as UTF-8. */
const secretText = (s: SecretContent | undefined) =>
  s ? Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])) : undefined;

/** File contents: a config map's data and binaryData, a secret's data, as bytes. */
function filesOfConfigMap(cm: ConfigMapContent | undefined): Record<string, Buffer> | undefined {
  if (!cm) return undefined;
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(cm.data ?? {})) out[k] = Buffer.from(v, 'utf8');
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] = Buffer.from(v, 'base64');
  return out;
}
function filesOfSecret(s: SecretContent | undefined): Record<string, Buffer> | undefined {
  return s ? Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])) : undefined;
}

export async function envSources(ctx: WorkerContext, pod: Pod, podIP: string | undefined): Promise<EnvSources> {
  const ns = pod.metadata!.namespace!;
  const cms = new Map<string, Record<string, string> | undefined>();
  const secrets = new Map<string, Record<string, string> | undefined>();
  for (const ct of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const ef of ct.envFrom ?? []) {
      if (ef.configMapRef?.name && !cms.has(ef.configMapRef.name)) cms.set(ef.configMapRef.name, envFromConfigMap(await ctx.d.configMap(ns, ef.configMapRef.name)));
      if (ef.secretRef?.name && !secrets.has(ef.secretRef.name)) secrets.set(ef.secretRef.name, secretText(await ctx.d.secret(ns, ef.secretRef.name)));
    }
    for (const e of ct.env ?? []) {
      const cm = e.valueFrom?.configMapKeyRef?.name;
      const sec = e.valueFrom?.secretKeyRef?.name;
      if (cm && !cms.has(cm)) cms.set(cm, envFromConfigMap(await ctx.d.configMap(ns, cm)));
      if (sec && !secrets.has(sec)) secrets.set(sec, secretText(await ctx.d.secret(ns, sec)));
    }
  }
  return {
    field: fieldResolver(ctx, pod, podIP),
    resource: (container, resource, divisor) => resourceFieldValue(pod, container, resource, divisor, ctx.allocatable),
    configMap: (n) => cms.get(n),
    secret: (n) => secrets.get(n),
  };
}

/** The volumes' sources, with `ready` resolving once all are fetched; `only` limits the prefetch to some volumes. */
export function volumeSources(ctx: WorkerContext, pod: Pod, podIP: string | undefined, only?: (v: Volume) => boolean): VolumeSources & { ready: Promise<unknown> } {
  const ns = pod.metadata!.namespace!;
  const cache = new Map<string, Record<string, Buffer> | undefined>();
  const claims = new Map<string, ClaimPath>();
  const pending: Promise<void>[] = [];
  const want = (kind: 'cm' | 'secret', name: string) => {
    const k = `${kind}/${name}`;
    if (cache.has(k)) return;
    cache.set(k, undefined);
    const files = kind === 'cm' ? ctx.d.configMap(ns, name).then(filesOfConfigMap) : ctx.d.secret(ns, name).then(filesOfSecret);
    pending.push(files.then((v) => void cache.set(k, v)));
  };
  for (const v of pod.spec?.volumes ?? []) {
    if (only && !only(v)) continue;
    if (v.configMap?.name) want('cm', v.configMap.name);
    if (v.secret?.secretName) want('secret', v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) want('cm', s.configMap.name);
      if (s.secret?.name) want('secret', s.secret.name);
    }
    const claim = v.persistentVolumeClaim?.claimName;
    if (claim && !claims.has(claim)) pending.push(resolveClaim(ctx, ns, claim).then((r) => void claims.set(claim, r)));
  }
  const log = ctx.d.log;
  return {
    ready: Promise.all(pending),
    configMap: (n: string) => cache.get(`cm/${n}`),
    secret: (n: string) => cache.get(`secret/${n}`),
    field: fieldResolver(ctx, pod, podIP),
    resource: (container, resource, divisor) => resourceFieldValue(pod, container, resource, divisor, ctx.allocatable),
    claim: (n: string) => claims.get(n) ?? { error: `persistentvolumeclaim ${JSON.stringify(n)} not found` },
    warn: (message: string) => log.warn({ pod: podKey(pod) }, message),
  };
}

/** A claim's host path: only claims bound to hostPath or local volumes can be mounted on this node. */
async function resolveClaim(ctx: WorkerContext, ns: string, name: string): Promise<ClaimPath> {
  type Claim = KObject & { spec?: { volumeName?: string }; status?: { phase?: string } };
  type PersistentVolume = KObject & { spec?: { hostPath?: { path: string; type?: string }; local?: { path: string } } };
  let claim: Claim;
  try {
    claim = await ctx.d.client.resource<Claim>(resources.pvcs, ns).get(name);
  } catch (err) {
    if (isStatusError(err, 'NotFound')) return { error: `persistentvolumeclaim ${JSON.stringify(name)} not found` };
    throw err;
  }
  const pvName = claim.spec?.volumeName;
  if (claim.status?.phase !== 'Bound' || !pvName) return { error: `persistentvolumeclaim ${JSON.stringify(name)} is not bound` };
  let pv: PersistentVolume;
  try {
    pv = await ctx.d.client.resource<PersistentVolume>(resources.pvs).get(pvName);
  } catch (err) {
    if (isStatusError(err, 'NotFound')) return { error: `persistentvolume ${JSON.stringify(pvName)} not found` };
    throw err;
  }
  if (pv.spec?.hostPath) return { path: pv.spec.hostPath.path, type: pv.spec.hostPath.type };
  if (pv.spec?.local) return { path: pv.spec.local.path, type: 'Directory' };
  return { error: `persistentvolume ${JSON.stringify(pvName)} is neither hostPath nor local: this node cannot mount it` };
}

type DockerConfig = Awaited<ReturnType<PullerDeps['pullSecrets']>>[number];

/**
 * The registry credentials an image pull secret holds: a
 * kubernetes.io/dockerconfigjson secret as is, a legacy
 * kubernetes.io/dockercfg one wrapped as `auths`; undefined when it holds
 * neither or its .dockerconfigjson is malformed (that grants nothing). A
 * malformed .dockercfg throws, failing the sync, which is retried.
 */
export function dockerConfigOf(data: Record<string, string> | undefined): DockerConfig | undefined {
  const raw = data?.['.dockerconfigjson'] ?? (data?.['.dockercfg'] ? JSON.stringify({ auths: JSON.parse(data['.dockercfg']) }) : undefined);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export async function pullSecrets(ctx: WorkerContext, pod: Pod): Promise<DockerConfig[]> {
  const out: DockerConfig[] = [];
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    const config = dockerConfigOf(secretText(await ctx.d.secret(pod.metadata!.namespace!, ref.name!)));
    if (config !== undefined) out.push(config);
  }
  return out;
}
