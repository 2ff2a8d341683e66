/**
 * Reading a kubeconfig the way kubectl does for the current context: the
 * cluster's server and CA, the user's client certificate or token, each
 * either embedded (`*-data`, base64) or as a file path relative to the
 * kubeconfig's own directory.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { createClient } from './rest.js';
import type { Client, ClientConfig } from './types.js';

type Section = Record<string, unknown>;

function pick(list: unknown, name: string, field: string, file: string): Section {
  const entry = Array.isArray(list) ? (list as Section[]).find((e) => e?.name === name) : undefined;
  const body = entry?.[field];
  if (!body || typeof body !== 'object') throw new Error(`kubeconfig ${file}: no ${field} named ${JSON.stringify(name)}`);
  return body as Section;
}

/** `x-data` (base64) or `x` (a path), as text; undefined when neither is set. */
function material(sec: Section, key: string, base: string): string | undefined {
  const data = sec[`${key}-data`];
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64').toString('utf8');
  const path = sec[key];
  if (typeof path === 'string' && path) return readFileSync(resolve(base, path), 'utf8');
  return undefined;
}

/** The ClientConfig for the current context of the kubeconfig at `path`. */
export function configFromKubeconfig(path: string, userAgent?: string): ClientConfig {
  const doc = parse(readFileSync(path, 'utf8')) as Section | null;
  if (!doc || typeof doc !== 'object') throw new Error(`kubeconfig ${path} is empty or not a YAML mapping`);
  const current = doc['current-context'];
  if (typeof current !== 'string' || !current) throw new Error(`kubeconfig ${path} has no current-context`);
  const ctx = pick(doc.contexts, current, 'context', path);
  const cluster = pick(doc.clusters, String(ctx.cluster ?? ''), 'cluster', path);
  const user = pick(doc.users, String(ctx.user ?? ''), 'user', path);
  const base = dirname(resolve(path));
  const server = cluster.server;
  if (typeof server !== 'string' || !server) throw new Error(`kubeconfig ${path}: cluster ${String(ctx.cluster)} has no server`);
  const token = typeof user.token === 'string' && user.token ? user.token : typeof user.tokenFile === 'string' ? readFileSync(resolve(base, user.tokenFile), 'utf8').trim() : undefined;
  return {
    server,
    ca: material(cluster, 'certificate-authority', base) ?? '',
    cert: material(user, 'client-certificate', base),
    key: material(user, 'client-key', base),
    token,
    ...(userAgent ? { userAgent } : {}),
  };
}

export function clientFromKubeconfig(path: string, userAgent?: string): Client {
  return createClient(configFromKubeconfig(path, userAgent));
}
