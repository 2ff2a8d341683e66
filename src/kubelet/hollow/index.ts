/**
 * Hollow nodes: simulated node agents for tests, benchmarks and
 * `skiff agent --simulate N`.
 */
export { startHollowNodes, type HollowNodes, type HollowNodesOptions } from './nodes.js';
export { runHollowAgent, type HollowAgentOptions, type RunningHollowAgent } from './agent.js';
export { readyAfterAnnotation, exitAfterAnnotation, exitCodeAnnotation } from './pods.js';
export { parseDuration } from './pool.js';
