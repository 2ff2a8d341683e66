/** ConfigMaps and Secrets: key syntax, the 1 MiB budget, type-specific keys, immutability. */
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { field, type FieldError } from '../errors.js';
import { fieldImmutable } from './meta.js';
import { isConfigMapKey } from './names.js';
import { deepEqual } from './common.js';

export const maxConfigSize = 1024 * 1024;

function validateKeys(keys: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of keys) for (const m of isConfigMapKey(k)) errs.push(field.invalid(`${path}[${k}]`, k, m));
  return errs;
}

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const data = cm.data ?? {};
  const bin = cm.binaryData ?? {};
  const errs = [...validateKeys(Object.keys(data), 'data'), ...validateKeys(Object.keys(bin), 'binaryData')];
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    size += Buffer.byteLength(String(v));
    if (k in bin) errs.push(field.invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
  }
  for (const v of Object.values(bin)) size += Buffer.from(String(v), 'base64').length;
  if (size > maxConfigSize) errs.push(field.tooLong('', maxConfigSize));
  return errs;
}

const base64Re = /^[A-Za-z0-9+/]*={0,2}$/;

/** Keys each well-known secret type must carry. */
const requiredKeys: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.key', 'tls.crt'],
};

export function validateSecret(s: Secret): FieldError[] {
  const data = { ...(s.data ?? {}) } as Record<string, string>;
  const errs = validateKeys(Object.keys(data), 'data');
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string' || !base64Re.test(v.replace(/\s/g, ''))) errs.push(field.invalid(`data[${k}]`, '<secret contents redacted>', 'illegal base64 data'));
    else size += Buffer.from(v, 'base64').length;
  }
  errs.push(...validateKeys(Object.keys(s.stringData ?? {}), 'stringData'));
  for (const v of Object.values(s.stringData ?? {})) size += Buffer.byteLength(String(v));
  if (size > maxConfigSize) errs.push(field.tooLong('data', maxConfigSize));
  const type = s.type ?? 'Opaque';
  const has = (k: string) => k in data || k in (s.stringData ?? {});
  for (const k of requiredKeys[type] ?? []) if (!has(k)) errs.push(field.required(`data[${k}]`));
  if (type === 'kubernetes.io/service-account-token' && !s.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(field.required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  if (type === 'kubernetes.io/basic-auth' && !has('username') && !has('password')) {
    errs.push(field.required('data[username]'), field.required('data[password]'));
  }
  return errs;
}

const immutableSet = 'field is immutable when `immutable` is set';

function validateImmutableData(n: ConfigMap | Secret, o: ConfigMap | Secret, dataFields: string[]): FieldError[] {
  if (o.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (n.immutable !== true) errs.push(field.forbidden('immutable', immutableSet));
  const bag = (x: object) => x as Record<string, unknown>;
  for (const f of dataFields) if (!deepEqual(bag(n)[f], bag(o)[f])) errs.push(field.forbidden(f, immutableSet));
  return errs;
}

export function validateConfigMapUpdate(n: ConfigMap, o: ConfigMap): FieldError[] {
  return validateImmutableData(n, o, ['data', 'binaryData']);
}

export function validateSecretUpdate(n: Secret, o: Secret): FieldError[] {
  const errs: FieldError[] = [];
  if ((n.type ?? 'Opaque') !== (o.type ?? 'Opaque')) errs.push(field.invalid('type', n.type, fieldImmutable));
  return errs.concat(validateImmutableData(n, o, ['data']));
}
