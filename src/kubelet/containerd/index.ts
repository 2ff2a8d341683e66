/** containerd supervised by the node agent, with its config and registry mirrors. */
export { startContainerd } from './supervisor.js';
export type { ContainerdHandle, ContainerdOptions } from './supervisor.js';
export { containerdPaths, readRegistries, registryAuth, renderContainerdConfig, renderHostsToml, writeRegistryHosts } from './config.js';
export type { ContainerdPaths, RegistriesConfig } from './config.js';
