/** HorizontalPodAutoscalers, stored as autoscaling/v2 and served at v2 and v1. */
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { KObject, Strategy } from '../../types.js';
import { defaultHorizontalPodAutoscaler } from '../../defaults/hpa.js';
import { validateHorizontalPodAutoscaler } from '../../validation/misc.js';
import { makeStrategy } from '../common.js';
import { hpaV1ToV2, hpaV2ToV1 } from './hpa-conversion.js';

export const hpaStrategy: Strategy = {
  ...makeStrategy<HorizontalPodAutoscaler>({
    namespaced: true,
    status: true,
    // Newer Kubernetes (HPAGeneration) tracks it; observedGeneration in status needs it.
    generation: true,
    default: defaultHorizontalPodAutoscaler,
    validate: validateHorizontalPodAutoscaler,
  }),
  toStorage: (obj: KObject, apiVersion: string) => (apiVersion === 'autoscaling/v1' ? hpaV1ToV2(obj) : { ...obj, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' }),
  fromStorage: (obj: KObject, apiVersion: string) => (apiVersion === 'autoscaling/v1' ? hpaV2ToV1(obj) : obj),
};
