/**
 * HorizontalPodAutoscalers. Kubernetes prints the internal (v2-shaped) object
 * whatever version the client asked for; here the printer receives the
 * object in the client's version, so a v1 object is first read as the v2
 * metrics it stands for (its CPU target becomes one Resource metric).
 */
import type { HorizontalPodAutoscaler as HPAv1 } from 'kubernetes-types/autoscaling/v1.js';
import type { HorizontalPodAutoscaler as HPAv2, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import { ageColumn, ageOf, col, nameColumn, nameOf, printer } from './format.js';

/** A v1 object's CPU target and current utilisation as v2 metrics, as the v1→internal conversion does. */
function v1Metrics(hpa: HPAv1): { specs: MetricSpec[]; statuses: MetricStatus[] } {
  const specs: MetricSpec[] = [];
  const statuses: MetricStatus[] = [];
  const target = hpa.spec?.targetCPUUtilizationPercentage;
  if (target !== undefined && target !== null) {
    specs.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } });
  }
  const current = hpa.status?.currentCPUUtilizationPercentage;
  if (current !== undefined && current !== null) {
    statuses.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } });
  }
  return { specs, statuses };
}

function isV1(obj: HPAv1 | HPAv2): obj is HPAv1 {
  if (obj.apiVersion) return obj.apiVersion === 'autoscaling/v1';
  return 'targetCPUUtilizationPercentage' in (obj.spec ?? {});
}

// resource.Quantity.String() on a pointer: Go prints `<nil>` for an unset one.
function q(v: string | undefined | null): string {
  return v === undefined || v === null ? '<nil>' : String(v);
}

/** formatHPAMetrics: `cpu: 40%/50%`, `<unknown>/50%`, at most two then ` + N more...`. */
export function formatHPAMetrics(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | undefined): string {
  if (!specs || specs.length === 0) return '<none>';
  const st = statuses ?? [];
  const list: string[] = [];
  specs.forEach((spec, i) => {
    const status = st[i];
    switch (spec.type) {
      case 'External': {
        const target = spec.external?.target;
        if (target?.averageValue !== undefined && target.averageValue !== null) {
          const cur = status?.external?.current?.averageValue;
          list.push(`${cur !== undefined && cur !== null ? String(cur) : '<unknown>'}/${target.averageValue} (avg)`);
        } else {
          const cur = status?.external ? q(status.external.current?.value) : '<unknown>';
          list.push(`${cur}/${q(target?.value)}`);
        }
        break;
      }
      case 'Pods': {
        const cur = status?.pods ? q(status.pods.current?.averageValue) : '<unknown>';
        list.push(`${cur}/${q(spec.pods?.target?.averageValue)}`);
        break;
      }
      case 'Object': {
        const target = spec.object?.target;
        if (target?.averageValue !== undefined && target.averageValue !== null) {
          const cur = status?.object?.current?.averageValue;
          list.push(`${cur !== undefined && cur !== null ? String(cur) : '<unknown>'}/${target.averageValue} (avg)`);
        } else {
          const cur = status?.object ? q(status.object.current?.value) : '<unknown>';
          list.push(`${cur}/${q(target?.value)}`);
        }
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
        const current = spec.type === 'Resource' ? status?.resource : status?.containerResource;
        const name = source?.name ?? '';
        const target = source?.target;
        if (target?.averageValue !== undefined && target.averageValue !== null) {
          const cur = current ? q(current.current?.averageValue) : '<unknown>';
          list.push(`${name}: ${cur}/${target.averageValue}`);
        } else {
          const util = current?.current?.averageUtilization;
          const cur = util !== undefined && util !== null ? `${util}%` : '<unknown>';
          const tgt = target?.averageUtilization !== undefined && target.averageUtilization !== null ? `${target.averageUtilization}%` : '<auto>';
          list.push(`${name}: ${cur}/${tgt}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const horizontalPodAutoscalerPrinter = printer<HPAv1 | HPAv2>(
  [
    nameColumn,
    col('Reference', 'string', 'scaleTargetRef points to the target resource to scale.'),
    col('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count.'),
    col('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    col('MaxPods', 'string', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
    col('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler.'),
    ageColumn,
  ],
  (obj, now) => {
    const ref = obj.spec?.scaleTargetRef;
    const metrics = isV1(obj) ? v1Metrics(obj) : { specs: obj.spec?.metrics ?? [], statuses: obj.status?.currentMetrics ?? [] };
    const min = obj.spec?.minReplicas;
    return [
      nameOf(obj),
      `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
      formatHPAMetrics(metrics.specs, metrics.statuses),
      min === undefined || min === null ? '<unset>' : String(min),
      obj.spec?.maxReplicas ?? 0,
      obj.status?.currentReplicas ?? 0,
      ageOf(obj, now),
    ];
  },
);
