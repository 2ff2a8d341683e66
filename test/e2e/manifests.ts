// Small builders for the objects cluster tests create, as YAML for kubectl.
import { stringify as stringifyYaml } from 'yaml';

/** kubectl reads YAML 1.1, where unquoted on/yes/off are booleans: write it so strings stay strings. */
const stringify = (v: unknown): string => stringifyYaml(v, { version: '1.1' });

export interface PodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  image?: string;
  /** Extra fields merged into the container (e.g. `{ image: undefined }` to drop the image). */
  container?: Record<string, unknown>;
}

export function podObject(name: string, o: PodOptions = {}): Record<string, unknown> {
  const container: Record<string, unknown> = { name: 'main', image: o.image ?? 'nginx', ...o.container };
  for (const [k, v] of Object.entries(container)) if (v === undefined) delete container[k];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: { containers: [container] },
  };
}

export const pod = (name: string, o: PodOptions = {}): string => stringify(podObject(name, o));

export const configMap = (name: string, data: Record<string, string>, namespace?: string): string =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace ? { namespace } : {}) }, data });

/** The rows of a kubectl table, split on runs of two or more spaces. */
export function tableRows(text: string): string[][] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s{2,}/));
}
