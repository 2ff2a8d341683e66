/**
 * skiff's scheduler: kube-scheduler's framework, queue and default plugins
 * over the API (informers in, pods/binding out). `startScheduler` is what
 * `skiff server` runs.
 */
export { startScheduler, type RunningScheduler, type SchedulerOptions, type SchedulerStats } from './scheduler.js';
export { Framework, numFeasibleNodesToFind, type PluginEntry, type ScheduleResult } from './framework/framework.js';
export { defaultPlugins } from './plugins/index.js';
export { fitErrorMessage, noNodesAvailableMessage } from './framework/fit-error.js';
export { SchedulerCache } from './cache.js';
export { SchedulingQueue } from './queue.js';
export { toleratesTaint, tolerationsTolerate, findUntoleratedTaint } from './framework/tolerations.js';
export { newPodInfo, type PodInfo } from './framework/pod-info.js';
export type { NodeInfo } from './framework/node-info.js';
export type { ClusterView, FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin, Plugin } from './framework/types.js';
export { Code, type Status } from './framework/status.js';
export { podMatchesNodeSelectorAndAffinity } from './framework/node-selector.js';
