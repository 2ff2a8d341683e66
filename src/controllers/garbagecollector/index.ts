export { GarbageCollector, collectableTypes, orphanFinalizer, foregroundFinalizer, type GarbageCollectorOptions } from './controller.js';
