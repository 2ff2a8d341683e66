export { NamespaceController, namespacedTypes, kubernetesFinalizer, type NamespaceControllerOptions } from './controller.js';
