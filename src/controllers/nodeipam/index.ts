export { NodeIpamController, clusterCIDR, subnetCIDR } from './controller.js';
