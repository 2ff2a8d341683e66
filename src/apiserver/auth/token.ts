/**
 * The node join token, k3s style: `K10<sha256 of the server CA PEM>::server:<secret>`.
 * The CA hash lets a joining agent pin the server's CA on first contact (it
 * fetches the CA unauthenticated and checks the hash); the secret is what the
 * API server accepts as a bearer token from bootstrapping nodes.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { readIfExists, writePrivateFile } from './files.js';

export const TOKEN_PREFIX = 'K10';

export interface JoinToken {
  /** Hex SHA-256 of the server CA certificate file, or undefined for a bare secret. */
  caHash?: string;
  username: string;
  secret: string;
}

export function tokenPath(dataDir: string): string {
  return join(dataDir, 'token');
}

/** The hash a join token carries for this CA certificate (PEM text as written to disk). */
export function caHash(caCertPem: string): string {
  return createHash('sha256').update(caCertPem).digest('hex');
}

export function formatJoinToken(t: JoinToken): string {
  return t.caHash ? `${TOKEN_PREFIX}${t.caHash}::${t.username}:${t.secret}` : t.secret;
}

/** Reads a full `K10…::user:secret` token or a bare secret; undefined when it is neither. */
export function parseJoinToken(token: string): JoinToken | undefined {
  const t = token.trim();
  const full = /^K10([0-9a-f]{64})::([^:\s]+):(\S+)$/.exec(t);
  if (full) return { caHash: full[1]!, username: full[2]!, secret: full[3]! };
  if (/^[^\s:]+$/.test(t) && !t.startsWith(TOKEN_PREFIX)) return { username: 'server', secret: t };
  return undefined;
}

/**
 * Returns the data dir's join token, creating it (0600) on first use. The
 * secret never changes once made; the CA hash follows the current CA.
 */
export async function ensureJoinToken(dataDir: string, serverCACertPem: string): Promise<string> {
  const path = tokenPath(dataDir);
  const existing = (await readIfExists(path))?.trim();
  const parsed = existing ? parseJoinToken(existing) : undefined;
  if (existing && !parsed) throw new Error(`${path} does not hold a join token; remove it to make a new one`);
  const want = formatJoinToken({
    caHash: caHash(serverCACertPem),
    username: parsed?.username ?? 'server',
    secret: parsed?.secret ?? randomBytes(16).toString('hex'),
  });
  if (want !== existing) await writePrivateFile(path, `${want}\n`);
  return want;
}

export async function readJoinToken(dataDir: string): Promise<string | undefined> {
  return (await readIfExists(tokenPath(dataDir)))?.trim() || undefined;
}

/**
 * True when `presented` proves knowledge of the join token: either the
 * whole token or only its secret, compared in constant time.
 */
export function matchesJoinToken(presented: string, joinToken: string): boolean {
  const want = parseJoinToken(joinToken);
  const got = parseJoinToken(presented);
  if (!want || !got) return false;
  if (got.caHash !== undefined && got.caHash !== want.caHash) return false;
  const a = Buffer.from(got.secret);
  const b = Buffer.from(want.secret);
  return a.length === b.length && timingSafeEqual(a, b);
}
