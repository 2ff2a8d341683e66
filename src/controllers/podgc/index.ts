export { PodGarbageCollector, type PodGCOptions } from './controller.js';
