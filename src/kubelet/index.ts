/**
 * The node agent (kubelet) on containerd. `skiff server` and `skiff agent`
 * call startNodeAgent; `skiff images import|ls` call importImages/listImages.
 */
export { startNodeAgent } from './agent.js';
export type { NodeAgent, NodeAgentOptions } from './agent.js';
export { startContainerd, containerdPaths } from './containerd/index.js';
export type { ContainerdHandle, ContainerdOptions } from './containerd/index.js';
export { importImages, listImages } from './images/index.js';
export { killAll, removeAllPods, mountsUnder, pidsMentioning } from './killall.js';
