/**
 * Authentication: who is making this request. Tried in Kubernetes' order —
 * a verified TLS client certificate first, then a bearer token — and the
 * first that succeeds wins. A request nothing vouches for gets `undefined`,
 * which the HTTP layer answers with 401 Unauthorized.
 *
 * Token kinds are pluggable (`TokenAuthenticator`) so service account tokens
 * can be added later without touching this file.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { matchesJoinToken } from './token.js';

export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  /** Extra attributes (e.g. a service account token's pod name), as Kubernetes' user.Info carries. */
  extra?: Record<string, string[]>;
}

export const AUTHENTICATED_GROUP = 'system:authenticated';
export const BOOTSTRAP_USER = 'system:node-bootstrap';
export const BOOTSTRAP_GROUPS = ['system:nodes', 'system:bootstrappers'] as const;

/** Maps a bearer token to a user, or undefined when it does not recognise the token. Must not throw for bad input. */
export interface TokenAuthenticator {
  readonly name: string;
  authenticateToken(token: string): UserInfo | undefined;
}

export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined;
  /** Adds a token kind (service account tokens, later), tried after those already present. */
  addTokenAuthenticator(a: TokenAuthenticator): void;
}

export interface AuthenticatorOptions {
  /** The node join token (`<data-dir>/token`); its holder authenticates as the bootstrap user. */
  joinToken?: string;
  tokenAuthenticators?: TokenAuthenticator[];
}

function withAuthenticated(groups: string[]): string[] {
  return groups.includes(AUTHENTICATED_GROUP) ? groups : [...groups, AUTHENTICATED_GROUP];
}

function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * The certificate's user per TLS connection: a connection's peer certificate
 * never changes, and getPeerCertificate() is costly enough to show in the
 * create benchmark when called once per request.
 */
const certUsers = new WeakMap<object, UserInfo | null>();

/** The user a verified client certificate names: CN is the user, each O a group. */
export function userFromClientCert(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  const known = certUsers.get(socket);
  if (known !== undefined) return known ?? undefined;
  const user = certUser(socket);
  certUsers.set(socket, user ?? null);
  return user;
}

function certUser(socket: Partial<TLSSocket>): UserInfo | undefined {
  if (!socket.encrypted || !socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer || !peer.subject) return undefined;
  // Node returns repeated attributes as arrays; its typings say string only.
  const subject = peer.subject as unknown as Record<string, string | string[] | undefined>;
  const cn = asList(subject.CN)[0];
  if (!cn) return undefined;
  return { name: cn, groups: withAuthenticated(asList(subject.O)) };
}

const WS_TOKEN_PROTOCOL = 'base64url.bearer.authorization.k8s.io.';

/**
 * The bearer token of a request: the Authorization header, or for browsers'
 * websockets (which cannot set headers) the subprotocol Kubernetes defines.
 */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const m = /^bearer\s+(\S+)\s*$/i.exec(header);
    return m ? m[1] : undefined;
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const p of protocols.split(',')) {
      const v = p.trim();
      if (v.startsWith(WS_TOKEN_PROTOCOL)) {
        const token = Buffer.from(v.slice(WS_TOKEN_PROTOCOL.length), 'base64url').toString('utf8');
        return token || undefined;
      }
    }
  }
  return undefined;
}

/** Accepts the node join token (whole, or only its secret) as the bootstrap user. */
export function joinTokenAuthenticator(joinToken: string): TokenAuthenticator {
  return {
    name: 'join-token',
    authenticateToken(token) {
      if (!matchesJoinToken(token, joinToken)) return undefined;
      return { name: BOOTSTRAP_USER, groups: withAuthenticated([...BOOTSTRAP_GROUPS]) };
    },
  };
}

export function createAuthenticator(opts: AuthenticatorOptions = {}): Authenticator {
  const tokenAuthenticators: TokenAuthenticator[] = [];
  if (opts.joinToken) tokenAuthenticators.push(joinTokenAuthenticator(opts.joinToken));
  tokenAuthenticators.push(...(opts.tokenAuthenticators ?? []));
  return {
    authenticate(req) {
      const fromCert = userFromClientCert(req);
      if (fromCert) return fromCert;
      const token = bearerToken(req);
      if (!token) return undefined;
      for (const a of tokenAuthenticators) {
        const user = a.authenticateToken(token);
        if (user) return { ...user, groups: withAuthenticated(user.groups) };
      }
      return undefined;
    },
    addTokenAuthenticator(a) {
      tokenAuthenticators.push(a);
    },
  };
}
