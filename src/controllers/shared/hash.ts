/**
 * Hashes that name things controllers create: the Deployment's
 * pod-template-hash and the ControllerRevision hash (DaemonSet, StatefulSet).
 *
 * Kubernetes hashes a spew dump of the Go struct; a TypeScript process cannot
 * reproduce Go's struct printing, so the bytes hashed here are canonical JSON
 * (keys sorted, empty values dropped). The rest follows Kubernetes exactly:
 * the same FNV variant, the collision count appended the same way, and the
 * decimal result rendered with rand.SafeEncodeString, so names look like
 * Kubernetes' (`web-7d4b9c5f8`) and change when, and only when, they would.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over bytes, continuing from `h`. */
export function fnv32a(data: Uint8Array, h: number = FNV_OFFSET): number {
  for (const b of data) {
    h ^= b;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** 32-bit FNV-1 (multiply then xor), as Go's fnv.New32, continuing from `h`. */
export function fnv32(data: Uint8Array, h: number = FNV_OFFSET): number {
  for (const b of data) {
    h = Math.imul(h, FNV_PRIME) >>> 0;
    h = (h ^ b) >>> 0;
  }
  return h >>> 0;
}

// Consonants and digits that cannot spell words (k8s.io/apimachinery/pkg/util/rand).
const alphanums = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: maps every byte of `s` onto the alphabet above. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += alphanums[s.charCodeAt(i) % alphanums.length];
  return out;
}

/** JSON with object keys sorted and null/undefined/empty-object/empty-array values dropped, so semantically equal templates hash alike. */
export function canonicalJSON(v: unknown): string {
  return JSON.stringify(canonical(v)) ?? 'null';
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c === undefined || c === null) continue;
      if (typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 0) continue;
      if (Array.isArray(c) && c.length === 0) continue;
      out[k] = c;
    }
    return out;
  }
  return v;
}

const enc = new TextEncoder();

/**
 * controller.ComputeHash: FNV-1a of the pod template, then the collision
 * count as 8 little-endian bytes (a uint32 in the low half) when set.
 */
export function computePodTemplateHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(enc.encode(canonicalJSON(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/**
 * history.HashControllerRevision: FNV-1 (not 1a) of the revision's raw data,
 * then the collision count in decimal when set.
 */
export function hashControllerRevision(data: unknown, collisionCount?: number): string {
  let h = fnv32(enc.encode(typeof data === 'string' ? data : canonicalJSON(data)));
  if (collisionCount !== undefined && collisionCount !== null) h = fnv32(enc.encode(String(collisionCount)), h);
  return safeEncodeString(String(h));
}
