/** Pods: defaults, Pending status and QoS on create, spec immutability, graceful delete. */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { defaultPod } from '../../defaults/pod.js';
import { validatePodSpec, validatePodSpecUpdate } from '../../validation/pod.js';
import { makeStrategy, str } from '../common.js';
import { podQOSClass } from './qos.js';

export const podStrategy = makeStrategy<Pod>({
  namespaced: true,
  status: true,
  default: defaultPod,
  initialStatus(pod) {
    const status: NonNullable<Pod['status']> = { phase: 'Pending', qosClass: podQOSClass(pod.spec) };
    if (pod.spec?.schedulingGates?.length) {
      status.conditions = [
        { type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' },
      ];
    }
    return status;
  },
  validate: (pod) => validatePodSpec(pod.spec, 'spec', { forPod: true }),
  validateUpdate: (pod, old) => validatePodSpecUpdate(pod.spec, old.spec),
  selectableFields(pod) {
    const s = pod.spec;
    const st = pod.status;
    return {
      'spec.nodeName': str(s?.nodeName),
      'spec.restartPolicy': str(s?.restartPolicy),
      'spec.schedulerName': str(s?.schedulerName),
      'spec.serviceAccountName': str(s?.serviceAccountName),
      'spec.hostNetwork': String(s?.hostNetwork === true),
      'status.phase': str(st?.phase),
      'status.podIP': str(st?.podIPs?.[0]?.ip ?? st?.podIP),
      'status.nominatedNodeName': str(st?.nominatedNodeName),
    };
  },
  deleteGracePeriod(pod, requested) {
    const phase = pod.status?.phase;
    if (!pod.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const period = requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    // A negative period means "as soon as possible" but still graceful.
    return period < 0 ? 1 : period;
  },
});
