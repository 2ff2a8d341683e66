/**
 * What a handler knows about the request beyond its path: who is asking and
 * the write options that every mutating verb shares.
 */
import type { UserInfo } from './auth/index.js';

export type { UserInfo };

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface RequestContext {
  user: UserInfo;
  /** `?dryRun=All`: run every step but the write. */
  dryRun: boolean;
  /** `?fieldManager=`; defaulted from the User-Agent when absent. */
  fieldManager: string;
  fieldValidation: FieldValidation;
  /** Collected `Warning:` response headers (299 warnings). */
  warnings: string[];
  /** Server-side apply computes managedFields itself; the registry must not add an Update entry. */
  managedByApply?: boolean;
}

/** A context for the server's own writes (bootstrap, subresource logic). */
export function systemContext(manager = 'skiff-apiserver'): RequestContext {
  return {
    user: { name: 'system:apiserver', groups: ['system:masters'] },
    dryRun: false,
    fieldManager: manager,
    fieldValidation: 'Ignore',
    warnings: [],
  };
}
