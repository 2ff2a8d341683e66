/**
 * What the parts of a pod sync share. PodWorkerDeps is what the node agent
 * hands in; WorkerContext adds the node-wide state PodWorkers owns (probes,
 * back-offs, mirrors) and the three things every part needs from it: list
 * a pod's runtime state, record an event, wake a pod's worker.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Client, EventRecorder } from '../../client/index.js';
import type { CriClient } from '../../cri/index.js';
import type { Logger } from '../../util/log.js';
import type { Backoff } from '../backoff.js';
import type { PodEvent } from '../events.js';
import type { PodRuntime } from '../pod-status.js';
import type { ProbeManager } from '../probes/index.js';
import type { NodeAllocatable } from '../runtime-config.js';
import type { MirrorRef } from './mirror.js';

export interface PodWorkerDeps {
  client: Client;
  cri: CriClient;
  dataDir: string;
  nodeName: string;
  log: Logger;
  events: EventRecorder;
  hostIP(): string | undefined;
  clusterDNS?: string;
  clusterDomain: string;
  /** Config maps and secrets for env and volumes, as the API holds them (binaryData and secret data base64). */
  configMap(ns: string, name: string): Promise<ConfigMapContent | undefined>;
  secret(ns: string, name: string): Promise<SecretContent | undefined>;
  nodeAuth?(host: string): { username?: string; password?: string; auth?: string } | undefined;
  /** How often configMap/secret/downwardAPI volumes are refreshed from their sources (default 10 s; the kubelet takes up to about a minute). */
  volumeRefreshMs?: number;
}

export interface ConfigMapContent {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface SecretContent {
  data?: Record<string, string>;
}

export interface WorkerContext {
  readonly d: PodWorkerDeps;
  readonly probes: ProbeManager;
  readonly crashBackoff: Backoff;
  readonly pullBackoff: Backoff;
  readonly allocatable: NodeAllocatable;
  /** Static pod uid → its mirror pod. */
  readonly mirrors: Map<string, MirrorRef>;
  /** Lists the pod's sandboxes and containers, remembering what it saw for the relist. */
  runtimeOf(uid: string): Promise<PodRuntime>;
  event(pod: Pod, ev: PodEvent): void;
  trigger(uid: string, delayMs?: number): void;
}
