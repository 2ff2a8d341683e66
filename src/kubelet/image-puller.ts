/**
 * Image pulls per imagePullPolicy (Always / IfNotPresent / Never), with
 * imagePullSecrets, per-image back-off (ErrImagePull, then ImagePullBackOff
 * while waiting) and the kubelet's event wording. Like the kubelet, every
 * failure is also reported as a Warning `Failed` event "Error: <reason>",
 * which is what `kubectl describe` users look for.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { AuthConfig, CriClient, PodSandboxConfig } from '../cri/index.js';
import { Backoff } from './backoff.js';
import type { PodEvent } from './events.js';

export type PullResult = { ok: true; imageRef: string } | { ok: false; reason: string; message: string };

export interface PullerDeps {
  cri: CriClient;
  backoff: Backoff;
  event(ev: PodEvent): void;
  /** Docker config JSON (`.dockerconfigjson`) of the pod's pull secrets, decoded. */
  pullSecrets(pod: Pod): Promise<{ auths?: Record<string, { username?: string; password?: string; auth?: string }> }[]>;
  /** Credentials from the node's registries.yaml for a registry host. */
  nodeAuth?(host: string): AuthConfig | undefined;
}

/** The registry host of an image reference, docker.io for short names. */
export function registryHost(image: string): string {
  const first = image.split('/')[0];
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return 'docker.io';
}

function defaultPolicy(image: string): string {
  const name = image.split('@')[0];
  const tag = /:([^/:]+)$/.exec(name)?.[1];
  return image.includes('@') ? 'IfNotPresent' : !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

async function authFor(pod: Pod, image: string, deps: PullerDeps): Promise<AuthConfig | undefined> {
  const host = registryHost(image);
  const aliases = host === 'docker.io' ? ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/'] : [host, `https://${host}`, `http://${host}`];
  for (const cfg of await deps.pullSecrets(pod)) {
    for (const [server, a] of Object.entries(cfg.auths ?? {})) {
      const s = server.replace(/\/+$/, '');
      if (aliases.includes(s) || aliases.includes(s.replace(/^https?:\/\//, '').replace(/\/.*$/, ''))) {
        let { username, password } = a;
        if (!username && a.auth) [username, password] = Buffer.from(a.auth, 'base64').toString('utf8').split(/:(.*)/s);
        // No serverAddress, as the kubelet's keyring sends none: containerd 1.6
        // url.Parse()s it without adding a scheme, so "127.0.0.1:5000" fails
        // the pull and "docker.io" never equals the host (or mirror) it calls.
        return { username, password };
      }
    }
  }
  return deps.nodeAuth?.(host);
}

export async function ensureImage(pod: Pod, c: Container, fieldPath: string, sandbox: PodSandboxConfig | undefined, deps: PullerDeps): Promise<PullResult> {
  const image = c.image ?? '';
  const policy = c.imagePullPolicy ?? defaultPolicy(image);
  const present = policy === 'Always' ? null : await deps.cri.imageStatus({ image });
  if (present) {
    deps.event({ type: 'Normal', reason: 'Pulled', message: `Container image "${image}" already present on machine`, fieldPath });
    return { ok: true, imageRef: present.id };
  }
  if (policy === 'Never') {
    const message = `Container image "${image}" is not present with pull policy of Never`;
    deps.event({ type: 'Warning', reason: 'ErrImageNeverPull', message, fieldPath });
    deps.event({ type: 'Warning', reason: 'Failed', message: 'Error: ErrImageNeverPull', fieldPath });
    return { ok: false, reason: 'ErrImageNeverPull', message };
  }
  const key = `${pod.metadata!.uid}/${image}`;
  if (deps.backoff.remaining(key) > 0) {
    const message = `Back-off pulling image "${image}"`;
    deps.event({ type: 'Normal', reason: 'BackOff', message, fieldPath });
    deps.event({ type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', fieldPath });
    return { ok: false, reason: 'ImagePullBackOff', message };
  }
  deps.event({ type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"`, fieldPath });
  const started = Date.now();
  try {
    const auth = await authFor(pod, image, deps);
    const imageRef = await deps.cri.pullImage({ image }, auth, sandbox);
    const ms = Date.now() - started;
    const dur = ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(3)}s`;
    deps.event({ type: 'Normal', reason: 'Pulled', message: `Successfully pulled image "${image}" in ${dur} (${dur} including waiting)`, fieldPath });
    deps.backoff.reset(key);
    return { ok: true, imageRef };
  } catch (err) {
    deps.backoff.next(key);
    const detail = ((err as { details?: string }).details ?? (err as Error).message).replace(/^CRI PullImage: /, '');
    const message = `Failed to pull image "${image}": ${detail}`;
    deps.event({ type: 'Warning', reason: 'Failed', message, fieldPath });
    deps.event({ type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', fieldPath });
    return { ok: false, reason: 'ErrImagePull', message };
  }
}
