/** The client-side RC rolling updater behind the `kubectl-rolling_update` plugin (plugins/). */
export { main, parseArgs, kubectlApi, usage, type ParsedArgs } from './main.js';
export { rollingUpdate, rollback, rename, addDeploymentKey, newControllerForImage, hashObject, annotations, type RCApi, type UpdateConfig, type RC } from './updater.js';
