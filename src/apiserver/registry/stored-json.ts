/**
 * The JSON an object is stored as, and the JSON clients get, without
 * serialising twice. Stored objects never carry metadata.resourceVersion
 * (the store's revision is it) and always begin
 * `{"apiVersion":"…","kind":"…","metadata":{`, so the served form is the
 * stored text with `"resourceVersion":"N"` spliced in at a known place: the
 * write path and the watch cache both get the served JSON of every write
 * without a JSON.stringify (or, in the cache, a JSON.parse) of the object.
 */
import type { KObject } from '../../api/types.js';

/** The object's stored text: apiVersion, kind and metadata first, no resourceVersion. */
export function storedJson(obj: Readonly<KObject>): string {
  const { apiVersion, kind, metadata, ...rest } = obj;
  let meta = metadata;
  if (meta && meta.resourceVersion !== undefined) {
    const { resourceVersion: _rv, ...others } = meta;
    meta = others;
  }
  return JSON.stringify({ apiVersion, kind, metadata: meta ?? {}, ...rest });
}

const storedHead = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/**
 * `stored` as served at revision `rv`; undefined when the text is not in
 * stored form (data written by an older skiff), and the caller must parse.
 */
export function servedJson(stored: string, rv: number | string): string | undefined {
  const head = storedHead.exec(stored);
  if (!head) return undefined;
  const at = head[0].length;
  const sep = stored.charCodeAt(at) === 0x7d /* } */ ? '' : ',';
  return `${stored.slice(0, at)}"resourceVersion":"${rv}"${sep}${stored.slice(at)}`;
}
