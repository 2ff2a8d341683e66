/** Liveness, readiness and startup probes of running containers. */
export { ProbeManager } from './manager.js';
export type { ProbeDeps, ProbeType, RunningContainer } from './manager.js';
