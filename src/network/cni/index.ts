/** The node's pod network: CNI configuration for containerd's CRI plugin and the agent-owned masquerade rule. */
export { writeCniConfig, renderCniConflist, gatewayOf, CONFLIST_NAME } from './config.js';
export type { CniOptions } from './config.js';
export { ensurePodMasquerade, removePodMasquerade, masqChain, masqueradeRules, DEFAULT_CLUSTER_CIDR } from './masquerade.js';
export type { MasqueradeOptions } from './masquerade.js';
