/**
 * The generic registry: create, read, update, delete of any resource type
 * over the storage Backend, with the type's Strategy supplying defaults,
 * validation and status/spec rules (Kubernetes' genericregistry.Store).
 *
 * Consistency: every write is a compare-and-swap on the object's revision.
 * Updates that carry a resourceVersion fail with 409 when it is stale;
 * updates and patches without one are retried on conflict against the newest
 * object ("guaranteed update"). Reads of single objects go to the backend;
 * LIST and WATCH go to the watch cache after it has caught up.
 */
import { randomUUID } from 'node:crypto';
import type { Backend, KeyValue } from '../../storage/backend.js';
import { ConflictError, KeyExistsError, NotFoundError } from '../../storage/backend.js';
import { apiVersionOf, type KObject, type ResourceType } from '../../api/types.js';
import { errors, field, StatusError, type FieldError } from '../../api/errors.js';
import type { WatchCache, CachedObject } from '../cache/watch-cache.js';
import type { RequestContext } from '../request-context.js';
import { objectKey } from './keys.js';
import { servedJson, storedJson } from './stored-json.js';
import type { FieldTracker } from './fields.js';
import type { AdmissionPlugin } from '../admission/index.js';
import { isDeepStrictEqual as deepEqual } from 'node:util';

export interface Presented {
  obj: KObject;
  json: string;
  /** The cached UTF-8 bytes of `json`, when the watch cache has them. */
  bytes?: Buffer;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  /** The object as deleted, or as it is now when deletion is pending. */
  obj: KObject;
  /** True when the object is gone from storage. */
  deleted: boolean;
}

/** Builds the new object from the current one (undefined when absent). */
export type UpdateFn = (current: KObject | undefined) => KObject | Promise<KObject>;

/**
 * `status`: the status subresource rules. `binding` and `finalize` are the
 * server's own narrow writes (pods/binding, namespaces/finalize): they skip
 * the main resource's update rules, which would refuse them.
 */
export type WriteSubresource = 'status' | 'binding' | 'finalize';

export interface UpdateOptions {
  subresource?: WriteSubresource;
  /** Create the object when it does not exist (server-side apply, AllowCreateOnUpdate). */
  allowCreate?: boolean;
  /** When the new object carries a resourceVersion, compare it (PUT). Patches set false. */
  honorResourceVersion?: boolean;
  /** The build function ignores the current object (PUT): do not make the client's copy of it. */
  replaces?: boolean;
}

const nameChars = 'bcdfghjklmnpqrstvwxz2456789';

function generateName(base: string): string {
  let s = base.length > 58 ? base.slice(0, 58) : base;
  for (let i = 0; i < 5; i++) s += nameChars[Math.floor(Math.random() * nameChars.length)];
  return s;
}

function groupResource(rt: ResourceType) {
  return { group: rt.group, resource: rt.resource };
}

export function decodeKV(kv: KeyValue): KObject {
  const obj = JSON.parse(kv.value) as KObject;
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

export class Store {
  constructor(
    private readonly backend: Backend,
    private readonly cache: WatchCache,
    private readonly fields: FieldTracker,
    private readonly admission: readonly AdmissionPlugin[] = [],
  ) {}

  // ---- reading -----------------------------------------------------------

  /** Converts a stored object to the version the client addressed. */
  present(rt: ResourceType, obj: Readonly<KObject>, json?: string): Presented {
    const want = apiVersionOf(rt);
    if (obj.apiVersion === want || !rt.strategy.fromStorage) {
      return { obj: obj as KObject, json: json ?? JSON.stringify(obj) };
    }
    const out = rt.strategy.fromStorage(structuredClone(obj) as KObject, want);
    return { obj: out, json: JSON.stringify(out) };
  }

  presentCached(rt: ResourceType, c: CachedObject): Presented {
    // Without a conversion the cached text is the answer; `obj` stays unparsed unless someone reads it.
    if (!rt.strategy.fromStorage) return { get obj() { return c.obj as KObject; }, json: c.json, bytes: c.bytes };
    if (c.obj.apiVersion === apiVersionOf(rt)) return { obj: c.obj as KObject, json: c.json, bytes: c.bytes };
    return this.present(rt, c.obj, c.json);
  }

  async getStored(rt: ResourceType, namespace: string | undefined, name: string): Promise<KObject> {
    const kv = await this.backend.get(objectKey(rt, namespace, name));
    if (!kv) throw errors.notFound(groupResource(rt), name);
    return decodeKV(kv);
  }

  async get(rt: ResourceType, namespace: string | undefined, name: string): Promise<Presented> {
    return this.present(rt, await this.getStored(rt, namespace, name));
  }

  // ---- creating ----------------------------------------------------------

  async create(rt: ResourceType, namespace: string | undefined, body: KObject, ctx: RequestContext): Promise<Presented> {
    const obj = this.admitNew(rt, namespace, body, ctx);
    if (rt.namespaced) await this.checkNamespaceOpen(rt, obj.metadata!.namespace!, obj.metadata!.name!);
    const releases: (() => void)[] = [];
    let visibleAt = 0;
    try {
      for (const plugin of this.admission) {
        const release = plugin.admitCreate?.(rt, obj);
        if (release) releases.push(release);
      }
      // Admission may add fields (preset volumes, tolerations): default them like the rest.
      if (this.admission.length) rt.strategy.default?.(obj);
      this.validate(rt, obj, rt.strategy.validate?.(obj) ?? []);
      if (ctx.dryRun) return this.present(rt, obj);
      const key = objectKey(rt, obj.metadata!.namespace, obj.metadata!.name!);
      const stored = storedJson(obj);
      try {
        const kv = await this.backend.create(key, stored);
        obj.metadata!.resourceVersion = String(kv.modRevision);
        visibleAt = kv.modRevision;
      } catch (err) {
        if (err instanceof KeyExistsError) throw errors.alreadyExists(groupResource(rt), obj.metadata!.name!);
        throw err;
      }
      return this.present(rt, obj, servedJson(stored, visibleAt));
    } finally {
      if (releases.length) {
        const releaseAll = () => releases.forEach((r) => r());
        if (visibleAt) void this.cache.waitFor(visibleAt, 30_000).then(releaseAll, releaseAll);
        else releaseAll();
      }
    }
  }

  /** Everything a create does before the write: names, system fields, defaults, validation. */
  private admitNew(rt: ResourceType, namespace: string | undefined, body: KObject, ctx: RequestContext): KObject {
    let obj = rt.strategy.toStorage ? rt.strategy.toStorage(body, apiVersionOf(rt)) : body;
    const meta = (obj.metadata ??= {});
    this.checkNamespace(rt, namespace, meta);
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    if (!meta.name) {
      throw errors.invalid(rt.kind, rt.group, '', [field.required('metadata.name', 'name or generateName is required')]);
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    rt.strategy.default?.(obj);
    rt.strategy.prepareForCreate?.(obj);
    if (!ctx.managedByApply) this.fields.recordUpdate(rt, undefined, obj, ctx.fieldManager);
    obj = stripEmptyMeta(obj);
    return obj;
  }

  private checkNamespace(rt: ResourceType, namespace: string | undefined, meta: NonNullable<KObject['metadata']>): void {
    if (!rt.namespaced) {
      delete meta.namespace;
      return;
    }
    if (meta.namespace && namespace && meta.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = namespace ?? meta.namespace;
    if (!meta.namespace) throw errors.badRequest('namespace is required for namespaced resources');
  }

  private async checkNamespaceOpen(rt: ResourceType, namespace: string, name: string): Promise<void> {
    const key = `/registry/namespaces/${namespace}`;
    const cached = this.cache.get(key);
    const ns = cached?.obj ?? (await this.backend.get(key).then((kv) => (kv ? decodeKV(kv) : undefined)));
    if (!ns) throw errors.notFound({ group: '', resource: 'namespaces' }, namespace);
    if (ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') {
      const what = rt.group ? `${rt.resource}.${rt.group}` : rt.resource;
      throw new StatusError(403, 'Forbidden', `${what} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
        name,
        group: rt.group,
        kind: rt.resource,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }

  private validate(rt: ResourceType, obj: KObject, causes: FieldError[]): void {
    if (causes.length) throw errors.invalid(rt.kind, rt.group, obj.metadata?.name ?? '', causes);
  }

  // ---- updating ----------------------------------------------------------

  /** PUT: replace with `body`; a resourceVersion in the body is a precondition. */
  update(rt: ResourceType, namespace: string | undefined, name: string, body: KObject, ctx: RequestContext, opts: UpdateOptions = {}): Promise<{ result: Presented; created: boolean }> {
    const bodyName = body.metadata?.name;
    if (bodyName !== undefined && bodyName !== name) {
      throw errors.badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    }
    body.metadata ??= {};
    body.metadata.name = name;
    // The first attempt takes the body itself (it is this request's own); a retry after a conflict starts
    // again from a copy of it as it came, since the attempt before changed it.
    const original = JSON.stringify(body);
    let attempts = 0;
    const build = () => (attempts++ === 0 ? body : (JSON.parse(original) as KObject));
    return this.guaranteedUpdate(rt, namespace, name, ctx, build, { honorResourceVersion: true, ...opts, replaces: true });
  }

  /**
   * Read-modify-write with retry on conflict. `build` receives a private
   * copy of the current object (converted to the client's version) and
   * returns the desired object in the client's version.
   */
  async guaranteedUpdate(rt: ResourceType, namespace: string | undefined, name: string, ctx: RequestContext, build: UpdateFn, opts: UpdateOptions = {}): Promise<{ result: Presented; created: boolean }> {
    const key = objectKey(rt, namespace, name);
    const gr = groupResource(rt);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.backend.get(key);
      if (!kv) {
        if (!opts.allowCreate) throw errors.notFound(gr, name);
        const wanted = await build(undefined);
        wanted.metadata ??= {};
        wanted.metadata.name = name;
        try {
          return { result: await this.create(rt, namespace, wanted, ctx), created: true };
        } catch (err) {
          if (err instanceof StatusError && err.reason === 'AlreadyExists' && attempt < 5) continue;
          throw err;
        }
      }
      const old = decodeKV(kv);
      // A second parse rather than structuredClone(old): cheaper, and `old` stays private to this update.
      const wanted = await build(opts.replaces ? undefined : this.present(rt, decodeKV(kv)).obj);
      const wantedRV = wanted.metadata?.resourceVersion;
      if (opts.honorResourceVersion && wantedRV && wantedRV !== old.metadata!.resourceVersion) {
        throw errors.staleResourceVersion(gr, name);
      }
      const next = this.admitUpdate(rt, wanted, old, ctx, opts.subresource);
      if (sameObject(next, old)) return { result: this.present(rt, old), created: false };
      if (ctx.dryRun) return { result: this.present(rt, next), created: false };
      try {
        if (shouldDeleteOnUpdate(next)) {
          const del = await this.backend.delete(key, kv.modRevision);
          next.metadata!.resourceVersion = String(del.modRevision);
          return { result: this.present(rt, next), created: false };
        }
        const stored = storedJson(next);
        const res = await this.backend.update(key, stored, kv.modRevision);
        next.metadata!.resourceVersion = String(res.modRevision);
        return { result: this.present(rt, next, servedJson(stored, res.modRevision)), created: false };
      } catch (err) {
        if (err instanceof ConflictError || err instanceof NotFoundError) {
          if (opts.honorResourceVersion && wantedRV) throw errors.staleResourceVersion(gr, name);
          if (attempt < 20) continue;
          throw errors.staleResourceVersion(gr, name);
        }
        throw err;
      }
    }
  }

  /** Everything an update does before the write; `old` is in storage form. */
  private admitUpdate(rt: ResourceType, wanted: KObject, old: KObject, ctx: RequestContext, subresource: WriteSubresource | undefined): KObject {
    const next = rt.strategy.toStorage ? rt.strategy.toStorage(wanted, apiVersionOf(rt)) : wanted;
    const meta = (next.metadata ??= {});
    const oldMeta = old.metadata!;
    if (meta.uid && meta.uid !== oldMeta.uid) {
      throw errors.conflict({ group: rt.group, resource: rt.resource }, oldMeta.name!, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${oldMeta.uid}`);
    }
    meta.name = oldMeta.name;
    if (rt.namespaced) meta.namespace = oldMeta.namespace;
    else delete meta.namespace;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    if (meta.generation === undefined && oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
    if (oldMeta.deletionTimestamp) {
      // A deleting object may lose finalizers but not gain new ones.
      const had = new Set(oldMeta.finalizers ?? []);
      const added = (meta.finalizers ?? []).filter((f) => !had.has(f));
      if (added.length) {
        throw errors.invalid(rt.kind, rt.group, oldMeta.name!, [field.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`)]);
      }
    }
    // Kubernetes writes a binding straight to storage (BindingREST.setPodHostAndAnnotations): no defaulting,
    // validation or managed fields, so the scheduler is not recorded as owning spec.nodeName.
    if (subresource === 'binding') return next;
    rt.strategy.default?.(next);
    if (subresource === 'status') rt.strategy.prepareForStatusUpdate?.(next, old);
    else if (subresource === undefined) rt.strategy.prepareForUpdate?.(next, old);
    const causes = [...(rt.strategy.validate?.(next) ?? [])];
    if (subresource === undefined || subresource === 'status') causes.push(...(rt.strategy.validateUpdate?.(next, old) ?? []));
    this.validate(rt, next, causes);
    if (!ctx.managedByApply) this.fields.recordUpdate(rt, old, next, ctx.fieldManager, subresource);
    return stripEmptyMeta(next);
  }

  // ---- deleting ----------------------------------------------------------

  async delete(rt: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions, ctx: RequestContext): Promise<DeleteResult> {
    const key = objectKey(rt, namespace, name);
    const gr = groupResource(rt);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.backend.get(key);
      if (!kv) throw errors.notFound(gr, name);
      const old = decodeKV(kv);
      const meta = old.metadata!;
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw errors.conflict(gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw errors.conflict(gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
      }
      const grace = rt.strategy.deleteGracePeriod?.(old, opts.gracePeriodSeconds) ?? 0;
      const next = structuredClone(old);
      const nmeta = next.metadata!;
      let finalizers = [...(nmeta.finalizers ?? [])];
      const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined);
      if (!meta.deletionTimestamp) {
        if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
        if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
        if (policy === 'Background' || policy === 'Foreground') finalizers = finalizers.filter((f) => f !== 'orphan');
        if (policy === 'Background' || policy === 'Orphan') finalizers = finalizers.filter((f) => f !== 'foregroundDeletion');
      }
      let pending = grace > 0 || finalizers.length > 0 || specFinalizers(old).length > 0;
      if (meta.deletionTimestamp) {
        // Already being deleted: a shorter grace period moves the deadline closer.
        const current = meta.deletionGracePeriodSeconds ?? 0;
        if (grace >= current) return { obj: this.present(rt, old).obj, deleted: false };
        if (grace === 0 && finalizers.length === 0 && specFinalizers(old).length === 0) pending = false;
      }
      if (pending) {
        const now = Date.now();
        nmeta.deletionTimestamp = toTime(new Date(now + grace * 1000));
        nmeta.deletionGracePeriodSeconds = grace;
        if (finalizers.length) nmeta.finalizers = finalizers;
        else delete nmeta.finalizers;
        if (rt.strategy.prepareForDelete) rt.strategy.prepareForDelete(next);
        if (ctx.dryRun) return { obj: this.present(rt, next).obj, deleted: false };
        try {
          const res = await this.backend.update(key, storedJson(next), kv.modRevision);
          nmeta.resourceVersion = String(res.modRevision);
          return { obj: this.present(rt, next).obj, deleted: false };
        } catch (err) {
          if ((err instanceof ConflictError || err instanceof NotFoundError) && attempt < 20) continue;
          throw err;
        }
      }
      if (ctx.dryRun) return { obj: this.present(rt, old).obj, deleted: true };
      try {
        const res = await this.backend.delete(key, kv.modRevision);
        meta.resourceVersion = String(res.modRevision);
        return { obj: this.present(rt, old).obj, deleted: true };
      } catch (err) {
        if (err instanceof NotFoundError) throw errors.notFound(gr, name);
        if (err instanceof ConflictError && attempt < 20) continue;
        throw err;
      }
    }
  }
}

function toTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Drop empty labels/annotations/finalizers maps and lists, as Go's omitempty does. */
function stripEmptyMeta(obj: KObject): KObject {
  const m = obj.metadata;
  if (!m) return obj;
  for (const k of ['labels', 'annotations'] as const) if (m[k] && Object.keys(m[k]!).length === 0) delete m[k];
  for (const k of ['finalizers', 'ownerReferences', 'managedFields'] as const) if (m[k] && m[k]!.length === 0) delete m[k];
  return obj;
}

/** An update that changes nothing but bookkeeping is not written (no new resourceVersion). */
function sameObject(next: KObject, old: KObject): boolean {
  const a = { ...next, metadata: { ...next.metadata, resourceVersion: undefined, managedFields: undefined } };
  const b = { ...old, metadata: { ...old.metadata, resourceVersion: undefined, managedFields: undefined } };
  return deepEqual(a, b);
}

/**
 * An object being deleted whose last finalizer was just removed, with no
 * grace period left, goes away on this update (the finalizer handshake).
 */
function shouldDeleteOnUpdate(obj: KObject): boolean {
  const m = obj.metadata!;
  return !!m.deletionTimestamp && (m.finalizers?.length ?? 0) === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0 && specFinalizers(obj).length === 0;
}

/**
 * Namespaces also wait for their spec.finalizers (the namespace controller
 * empties the namespace, then clears them), as Kubernetes' namespace storage does.
 */
function specFinalizers(obj: KObject): string[] {
  return obj.kind === 'Namespace' ? ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []) : [];
}
