/**
 * Content negotiation for /openapi/v2: JSON, or gnostic protobuf for
 * client-go (whose discovery asks for nothing else).
 */
import { openapiV2ProtoMediaType } from './v2-proto.js';

export type V2Format = 'json' | 'proto';

/** What /openapi/v2 is served as, in kube-openapi's order of preference for a wildcard. */
const v2Formats: readonly (readonly [string, V2Format])[] = [
  ['application/json', 'json'],
  [openapiV2ProtoMediaType, 'proto'],
];

/**
 * Picks the v2 format for an Accept header as kube-openapi does: the
 * alternatives by descending q (ties keep their order; q=0 refuses), the
 * first that matches one we serve, a wildcard matching JSON first.
 * Undefined means 406.
 */
export function negotiateV2(accept: string | undefined): V2Format | undefined {
  if (!accept?.trim()) return v2Formats[0]![1];
  const clauses = accept
    .split(',')
    .map((alt, i) => {
      const [type, ...params] = alt.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type: type ?? '', q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((c) => c.type && c.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const c of clauses) {
    const [cType, cSub] = c.type.split('/');
    for (const [offered, format] of v2Formats) {
      const [sType, sSub] = offered.split('/');
      if ((cType === sType || cType === '*') && (cSub === sSub || cSub === '*')) return format;
    }
  }
  return undefined;
}
