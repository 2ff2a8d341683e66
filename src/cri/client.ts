/**
 * A typed CRI v1 client over a unix socket. Every method maps to one RPC of
 * runtime.v1.RuntimeService / ImageService; errors are grpc-js ServiceErrors
 * (use isCriNotFound / isCriUnimplemented to tell them apart).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type {
  AttachRequest,
  AuthConfig,
  Container,
  ContainerConfig,
  ContainerEvent,
  ContainerFilter,
  ContainerStatusResponse,
  ExecRequest,
  ExecSyncResult,
  FilesystemUsage,
  Image,
  ImageSpec,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatusResponse,
  StatusResponse,
  VersionResponse,
} from './types.js';

/** The API version string the kubelet announces in Version. */
export const CRI_API_VERSION = 'v1';

export interface CriClient {
  readonly endpoint: string;
  version(): Promise<VersionResponse>;
  status(verbose?: boolean): Promise<StatusResponse>;

  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  /** Idempotent: stopping a stopped sandbox succeeds. */
  stopPodSandbox(podSandboxId: string): Promise<void>;
  /** Idempotent: removing a missing sandbox succeeds. */
  removePodSandbox(podSandboxId: string): Promise<void>;
  podSandboxStatus(podSandboxId: string, verbose?: boolean): Promise<PodSandboxStatusResponse>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** TERM (the image's stop signal), then KILL after `timeoutSeconds`; 0 kills at once. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  containerStatus(containerId: string, verbose?: boolean): Promise<ContainerStatusResponse>;
  reopenContainerLog(containerId: string): Promise<void>;

  execSync(containerId: string, cmd: string[], timeoutSeconds?: number): Promise<ExecSyncResult>;
  /** The runtime's streaming-server URL for an interactive exec. */
  exec(req: ExecRequest): Promise<string>;
  attach(req: AttachRequest): Promise<string>;
  portForward(podSandboxId: string, ports: number[]): Promise<string>;

  /**
   * Streams container lifecycle events. `onEnd` is called once when the
   * stream ends or fails (an Unimplemented error means the runtime has no
   * event stream; fall back to relisting).
   */
  getContainerEvents(onEvent: (ev: ContainerEvent) => void, onEnd: (err?: Error) => void): { cancel(): void };

  listImages(filter?: ImageSpec): Promise<Image[]>;
  /** null when the image is not present. */
  imageStatus(image: ImageSpec): Promise<Image | null>;
  /** Returns the image reference (digest / id) the runtime stored. */
  pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string>;
  removeImage(image: ImageSpec): Promise<void>;
  imageFsInfo(): Promise<FilesystemUsage[]>;

  close(): void;
}

export interface CriClientOptions {
  /** Deadline of unary calls other than PullImage (default 2 min, the kubelet's runtime request timeout). */
  timeoutMs?: number;
  /** Deadline of PullImage (default 15 min). */
  pullTimeoutMs?: number;
}

function protoPath(): string {
  // Next to this module (src/ under tsx, or dist/ once build copied it);
  // from dist/src/cri/ fall back to the source tree.
  const candidates = [new URL('./api.proto', import.meta.url), new URL('../../../src/cri/api.proto', import.meta.url)];
  for (const u of candidates) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  throw new Error(`cri: api.proto not found next to ${fileURLToPath(import.meta.url)}`);
}

let loaded: grpc.GrpcObject | undefined;
function loadPackage(): grpc.GrpcObject {
  if (!loaded) {
    const def = protoLoader.loadSync(protoPath(), {
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      arrays: true,
      objects: false,
      oneofs: false,
    });
    loaded = grpc.loadPackageDefinition(def);
  }
  return loaded;
}

type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: any) => void) => void;

export function isCriNotFound(err: unknown): boolean {
  return (err as grpc.ServiceError | undefined)?.code === grpc.status.NOT_FOUND;
}

export function isCriUnimplemented(err: unknown): boolean {
  return (err as grpc.ServiceError | undefined)?.code === grpc.status.UNIMPLEMENTED;
}

/** `endpoint` is a socket path or `unix:///path`. */
export function createCriClient(endpoint: string, opts: CriClientOptions = {}): CriClient {
  const address = endpoint.startsWith('unix:') ? endpoint : `unix://${endpoint}`;
  const pkg = loadPackage() as any;
  const v1 = pkg.runtime.v1;
  const creds = grpc.credentials.createInsecure();
  const channelOpts = {
    // CRI responses (ListContainers on a busy node, ExecSync output) can exceed grpc's 4 MiB default.
    'grpc.max_receive_message_length': 16 * 1024 * 1024 + 1024 * 1024,
  };
  const runtime = new v1.RuntimeService(address, creds, channelOpts) as grpc.Client & Record<string, Unary>;
  const images = new v1.ImageService(address, creds, channelOpts) as grpc.Client & Record<string, Unary>;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const pullTimeoutMs = opts.pullTimeoutMs ?? 15 * 60_000;

  const call = <R>(svc: grpc.Client & Record<string, Unary>, method: string, req: unknown, deadlineMs = timeoutMs): Promise<R> =>
    new Promise((resolve, reject) => {
      const fn = svc[method];
      fn.call(svc, req, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
        if (err) {
          err.message = `CRI ${method}: ${err.details || err.message}`;
          reject(err);
        } else resolve(res as R);
      });
    });

  return {
    endpoint: address,
    version: () => call(runtime, 'Version', { version: CRI_API_VERSION }),
    status: (verbose = false) => call(runtime, 'Status', { verbose }),
    async runPodSandbox(config, runtimeHandler = '') {
      const res = await call<{ podSandboxId: string }>(runtime, 'RunPodSandbox', { config, runtimeHandler });
      return res.podSandboxId;
    },
    async stopPodSandbox(podSandboxId) {
      await call(runtime, 'StopPodSandbox', { podSandboxId });
    },
    async removePodSandbox(podSandboxId) {
      await call(runtime, 'RemovePodSandbox', { podSandboxId });
    },
    podSandboxStatus: (podSandboxId, verbose = false) => call(runtime, 'PodSandboxStatus', { podSandboxId, verbose }),
    async listPodSandbox(filter) {
      const res = await call<{ items: PodSandbox[] }>(runtime, 'ListPodSandbox', { filter });
      return res.items;
    },
    async createContainer(podSandboxId, config, sandboxConfig) {
      const res = await call<{ containerId: string }>(runtime, 'CreateContainer', { podSandboxId, config, sandboxConfig });
      return res.containerId;
    },
    async startContainer(containerId) {
      await call(runtime, 'StartContainer', { containerId });
    },
    async stopContainer(containerId, timeoutSeconds) {
      // The runtime waits up to the timeout itself; give the RPC room beyond it.
      await call(runtime, 'StopContainer', { containerId, timeout: timeoutSeconds }, timeoutMs + timeoutSeconds * 1000);
    },
    async removeContainer(containerId) {
      await call(runtime, 'RemoveContainer', { containerId });
    },
    async listContainers(filter) {
      const res = await call<{ containers: Container[] }>(runtime, 'ListContainers', { filter });
      return res.containers;
    },
    containerStatus: (containerId, verbose = false) => call(runtime, 'ContainerStatus', { containerId, verbose }),
    async reopenContainerLog(containerId) {
      await call(runtime, 'ReopenContainerLog', { containerId });
    },
    async execSync(containerId, cmd, timeoutSeconds = 0) {
      const deadline = timeoutSeconds > 0 ? timeoutSeconds * 1000 + 10_000 : 24 * 3600_000;
      const res = await call<ExecSyncResult>(runtime, 'ExecSync', { containerId, cmd, timeout: timeoutSeconds }, deadline);
      return { stdout: Buffer.from(res.stdout ?? []), stderr: Buffer.from(res.stderr ?? []), exitCode: res.exitCode };
    },
    async exec(req) {
      return (await call<{ url: string }>(runtime, 'Exec', req)).url;
    },
    async attach(req) {
      return (await call<{ url: string }>(runtime, 'Attach', req)).url;
    },
    async portForward(podSandboxId, ports) {
      return (await call<{ url: string }>(runtime, 'PortForward', { podSandboxId, port: ports })).url;
    },
    getContainerEvents(onEvent, onEnd) {
      const stream = (runtime as any).GetContainerEvents({}) as grpc.ClientReadableStream<ContainerEvent>;
      let ended = false;
      const end = (err?: Error) => {
        if (ended) return;
        ended = true;
        onEnd(err);
      };
      stream.on('data', (ev: ContainerEvent) => onEvent(ev));
      stream.on('error', (err: grpc.ServiceError) => end(err.code === grpc.status.CANCELLED ? undefined : err));
      stream.on('end', () => end());
      return {
        cancel() {
          ended = true;
          stream.cancel();
        },
      };
    },
    async listImages(filter) {
      const res = await call<{ images: Image[] }>(images, 'ListImages', { filter: filter ? { image: filter } : undefined });
      return res.images;
    },
    async imageStatus(image) {
      const res = await call<{ image: Image | null }>(images, 'ImageStatus', { image });
      return res.image && res.image.id ? res.image : null;
    },
    async pullImage(image, auth, sandboxConfig) {
      const res = await call<{ imageRef: string }>(images, 'PullImage', { image, auth, sandboxConfig }, pullTimeoutMs);
      return res.imageRef;
    },
    async removeImage(image) {
      await call(images, 'RemoveImage', { image });
    },
    async imageFsInfo() {
      const res = await call<{ imageFilesystems: FilesystemUsage[] }>(images, 'ImageFsInfo', {});
      return res.imageFilesystems;
    },
    close() {
      runtime.close();
      images.close();
    },
  };
}

/** CRI timestamps are int64 nanoseconds; 0 means unset. */
export function nanosToDate(ns: string | number | undefined | null): Date | undefined {
  if (ns === undefined || ns === null) return undefined;
  const big = BigInt(ns);
  if (big <= 0n) return undefined;
  return new Date(Number(big / 1_000_000n));
}
