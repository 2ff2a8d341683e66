/**
 * The node join endpoints, k3s style: what a node agent on another machine
 * needs for its kubelet API (logs, exec, attach, port-forward), which an
 * agent inside `skiff server` reads from the shared data dir instead.
 *
 *   GET  /v1-skiff/client-ca.crt        the client CA (PEM): the agent trusts the
 *                                       API server's kubelet-client certificate by it
 *   POST /v1-skiff/serving-kubelet.crt  body {"nodeName": "n1", "addresses": ["10.0.0.5"]}
 *                                       → a serving certificate and its key (PEM, in
 *                                       that order), signed by the server CA, for the
 *                                       node name and addresses (plus localhost)
 *
 * Only the join token's holder (the bootstrap user) or an admin
 * (system:masters) may call them: the serving certificate is a node's
 * identity towards the API server, which dials agents trusting the server CA.
 */
import { isIP } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError, errors } from '../api/errors.js';
import { isDNS1123Subdomain } from '../api/validation/index.js';
import type { Logger } from '../util/log.js';
import { BOOTSTRAP_USER, issueKubeletServingCert, type CertAndKey, type UserInfo } from './auth/index.js';
import { readBody } from './http/body.js';

export const JOIN_PATH_PREFIX = '/v1-skiff/';
export const CLIENT_CA_PATH = '/v1-skiff/client-ca.crt';
export const SERVING_KUBELET_PATH = '/v1-skiff/serving-kubelet.crt';

/** What a node asks its serving certificate for. */
export interface ServingCertRequest {
  nodeName: string;
  /** The node's IP addresses (its InternalIP at least), put in the certificate's SANs. */
  addresses: string[];
}

export interface JoinDeps {
  /** Signs the kubelet serving certificates (the node proxy trusts it). */
  serverCA: CertAndKey;
  /** PEM of the CA whose kubelet-client certificate the API server presents to agents. */
  clientCA: string;
  log: Logger;
}

export interface JoinService {
  /** Answers a request under JOIN_PATH_PREFIX; `user` is who authentication found (undefined: nobody). */
  serve(req: IncomingMessage, res: ServerResponse, path: string, user: UserInfo | undefined): Promise<void>;
}

const ADMIN_GROUP = 'system:masters';
// A request names one node; a dozen addresses is already a lot of interfaces.
const MAX_ADDRESSES = 16;
const MAX_BODY_BYTES = 16 * 1024;

function mayJoin(user: UserInfo): boolean {
  return user.name === BOOTSTRAP_USER || user.groups.includes(ADMIN_GROUP);
}

function methodNotAllowed(method: string, path: string): StatusError {
  return new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method} ${path}`);
}

function notFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

/**
 * The body of a serving certificate request, checked: a DNS-1123 subdomain
 * node name (what a Node's name must be) and addresses that parse as IPs.
 * Throws a 400 BadRequest Status naming the first thing wrong.
 */
export function parseServingCertRequest(raw: Buffer): ServingCertRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`the request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw errors.badRequest('the request body must be a JSON object: {"nodeName": NAME, "addresses": [IP, ...]}');
  }
  const { nodeName, addresses = [] } = body as Record<string, unknown>;
  if (typeof nodeName !== 'string' || nodeName === '') throw errors.badRequest('nodeName: Required value');
  const nameErrs = isDNS1123Subdomain(nodeName);
  if (nameErrs.length > 0) throw errors.badRequest(`nodeName: Invalid value: ${JSON.stringify(nodeName)}: ${nameErrs.join(', ')}`);
  if (!Array.isArray(addresses)) throw errors.badRequest('addresses: Invalid value: must be a list of IP addresses');
  if (addresses.length > MAX_ADDRESSES) {
    throw errors.badRequest(`addresses: Too many: ${addresses.length}: must have at most ${MAX_ADDRESSES} items`);
  }
  addresses.forEach((a: unknown, i) => {
    if (typeof a !== 'string' || isIP(a) === 0) {
      throw errors.badRequest(`addresses[${i}]: Invalid value: ${JSON.stringify(a)}: must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`);
    }
  });
  return { nodeName, addresses: addresses as string[] };
}

export function createJoinService(deps: JoinDeps): JoinService {
  return {
    async serve(req, res, path, user) {
      if (!user) throw errors.unauthorized();
      if (!mayJoin(user)) {
        throw new StatusError(403, 'Forbidden', `User "${user.name}" cannot use the node join endpoints: only the join token's holder or an admin may`);
      }
      const method = req.method ?? 'GET';
      if (path === CLIENT_CA_PATH) {
        if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, path);
        sendPem(res, deps.clientCA, method === 'HEAD');
        return;
      }
      if (path === SERVING_KUBELET_PATH) {
        if (method !== 'POST') throw methodNotAllowed(method, path);
        const wanted = parseServingCertRequest(await readBody(req, MAX_BODY_BYTES));
        const pair = await issueKubeletServingCert(deps.serverCA, wanted.nodeName, wanted.addresses);
        // Anyone holding the token can get any node's certificate, so leave a trace of who asked.
        deps.log.info({ node: wanted.nodeName, addresses: wanted.addresses, user: user.name }, 'issued kubelet serving certificate');
        sendPem(res, `${pair.cert.trimEnd()}\n${pair.key.trimEnd()}\n`, false);
        return;
      }
      throw notFound();
    },
  };
}

function sendPem(res: ServerResponse, pem: string, headOnly: boolean): void {
  const buf = Buffer.from(pem, 'utf8');
  res.writeHead(200, { 'Content-Type': 'application/x-pem-file', 'Content-Length': String(buf.length), 'Cache-Control': 'no-store' });
  res.end(headOnly ? undefined : buf);
}
