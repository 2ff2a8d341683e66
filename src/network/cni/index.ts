/** The node's pod network as CNI configuration for containerd's CRI plugin, and its clean-up. */
export { writeCniConfig, renderCniConflist, gatewayOf, CONFLIST_NAME } from './config.js';
export type { CniOptions } from './config.js';
