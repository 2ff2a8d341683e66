export { parseQuantity, tryParseQuantity, isQuantity, quantityFormatError } from './quantity.js';
export {
  isDNS1123Label,
  isDNS1123Subdomain,
  isDNS1035Label,
  isQualifiedName,
  isValidLabelValue,
  isEnvVarName,
  isConfigMapKey,
  isValidPortName,
  isValidPortNum,
} from './names.js';
export {
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateLabels,
  validateAnnotations,
  validateLabelSelector,
  selectorMatches,
  type NameValidator,
  type ObjectMetaRules,
} from './meta.js';
export { validatePodSpec, validatePodTemplateSpec, validatePodSpecUpdate, validateResources, validateVolumes, podUpdateForbidden } from './pod.js';
export { goStringMap, goLabelSelector } from './gofmt.js';
export { scheduleError, timeZoneError, jobLabels } from './workloads.js';
