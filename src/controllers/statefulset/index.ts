/** The StatefulSet controller and the identity rules of its pods. */
export { StatefulSetController, statefulSetGVK, type StatefulSetControllerOptions } from './controller.js';
export { ordinalOf, claimName, claimsFor, podFor, podNameLabel, podIndexLabel } from './identity.js';
