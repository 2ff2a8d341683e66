/** Static pods from the manifest directory, with their mirror pods in the API. */
export { startStaticPods, mirrorPodOf } from './manager.js';
export type { StaticPods, StaticPodsOptions } from './manager.js';
export { readManifests, staticPodsOf, ANNOTATION_CONFIG_HASH, ANNOTATION_CONFIG_SOURCE } from './manifests.js';
export type { StaticPod } from './manifests.js';
