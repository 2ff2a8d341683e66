/**
 * The client every skiff component uses to talk to the API server: REST
 * client, informers, work queue, leader election and event recording. The
 * contract (types) is in ./types.ts.
 */
export type * from './types.js';
export { createClient, resourcePath, DEFAULT_USER_AGENT } from './rest.js';
export { clientFromKubeconfig, configFromKubeconfig } from './kubeconfig.js';
export { resources, apiVersionFor, gvrString } from './resources.js';
export { statusErrorFrom, statusErrorFromStatus } from './status.js';
export { tokenBucket, type RateLimiter } from './rate-limit.js';
export { JsonLineSplitter } from './watch-lines.js';
export { createWorkQueue, runWorkers, TerminalError, type WorkQueueOptions } from './workqueue.js';
export { createInformer, keyOf, splitKey, type InformerOptions } from './informer.js';
export { SharedInformerFactory, type SharedInformerFactoryOptions } from './shared-informers.js';
export { LeaderElector, runLeaderElection, microTime, type LeaderElectionConfig } from './leader-election.js';
export { createEventRecorder, type EventRecorder, type EventRecorderOptions, type EventType } from './events.js';
