/**
 * autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscalers, after
 * pkg/apis/autoscaling/v1/conversion.go. v1 only knows a CPU utilization
 * target; everything else v2 holds travels in annotations so that a
 * read-modify-write through v1 loses nothing:
 *   autoscaling.alpha.kubernetes.io/metrics          other metric specs (v1 MetricSpec JSON)
 *   autoscaling.alpha.kubernetes.io/current-metrics  status.currentMetrics (v1 MetricStatus JSON)
 *   autoscaling.alpha.kubernetes.io/conditions       status.conditions
 *   autoscaling.alpha.kubernetes.io/behavior         spec.behavior (Go field names, as Kubernetes writes it)
 * and are lifted back out (and removed) when a v1 object is written.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { KObject } from '../../types.js';
import { defaultCPUUtilization } from '../../defaults/hpa.js';

type J = Record<string, any>;

export const hpaAnnotations = {
  metrics: 'autoscaling.alpha.kubernetes.io/metrics',
  currentMetrics: 'autoscaling.alpha.kubernetes.io/current-metrics',
  conditions: 'autoscaling.alpha.kubernetes.io/conditions',
  behavior: 'autoscaling.alpha.kubernetes.io/behavior',
};

const isCpuUtilization = (m: J) => m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.averageUtilization != null;

const prune = (o: J): J => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

// --- metric specs -------------------------------------------------------

function metricSpecToV1(m: J): J {
  const out: J = { type: m.type };
  if (m.resource) out.resource = prune({ name: m.resource.name, targetAverageUtilization: m.resource.target?.averageUtilization, targetAverageValue: m.resource.target?.averageValue });
  if (m.containerResource) {
    const c = m.containerResource;
    out.containerResource = prune({ name: c.name, container: c.container, targetAverageUtilization: c.target?.averageUtilization, targetAverageValue: c.target?.averageValue });
  }
  if (m.pods) out.pods = prune({ metricName: m.pods.metric?.name, selector: m.pods.metric?.selector, targetAverageValue: m.pods.target?.averageValue });
  if (m.object) {
    const o = m.object;
    out.object = prune({ target: o.describedObject, metricName: o.metric?.name, selector: o.metric?.selector, targetValue: o.target?.value, averageValue: o.target?.averageValue });
  }
  if (m.external) {
    const e = m.external;
    out.external = prune({ metricName: e.metric?.name, metricSelector: e.metric?.selector, targetValue: e.target?.value, targetAverageValue: e.target?.averageValue });
  }
  return out;
}

function metricSpecToV2(m: J): J {
  const out: J = { type: m.type };
  const resourceTarget = (r: J) =>
    prune({ type: r.targetAverageUtilization != null ? 'Utilization' : 'AverageValue', averageUtilization: r.targetAverageUtilization, averageValue: r.targetAverageValue });
  if (m.resource) out.resource = { name: m.resource.name, target: resourceTarget(m.resource) };
  if (m.containerResource) out.containerResource = { name: m.containerResource.name, container: m.containerResource.container, target: resourceTarget(m.containerResource) };
  if (m.pods) out.pods = { metric: prune({ name: m.pods.metricName, selector: m.pods.selector }), target: { type: 'AverageValue', averageValue: m.pods.targetAverageValue } };
  if (m.object) {
    const o = m.object;
    out.object = {
      describedObject: o.target,
      metric: prune({ name: o.metricName, selector: o.selector }),
      target: prune({ type: o.averageValue != null ? 'AverageValue' : 'Value', value: o.targetValue, averageValue: o.averageValue }),
    };
  }
  if (m.external) {
    const e = m.external;
    out.external = {
      metric: prune({ name: e.metricName, selector: e.metricSelector }),
      target: prune({ type: e.targetValue != null ? 'Value' : 'AverageValue', value: e.targetValue, averageValue: e.targetAverageValue }),
    };
  }
  return out;
}

// --- metric statuses ----------------------------------------------------

function metricStatusToV1(m: J): J {
  const out: J = { type: m.type };
  const res = (r: J) => prune({ name: r.name, container: r.container, currentAverageUtilization: r.current?.averageUtilization, currentAverageValue: r.current?.averageValue ?? '0' });
  if (m.resource) out.resource = res(m.resource);
  if (m.containerResource) out.containerResource = res(m.containerResource);
  if (m.pods) out.pods = prune({ metricName: m.pods.metric?.name, selector: m.pods.metric?.selector, currentAverageValue: m.pods.current?.averageValue ?? '0' });
  if (m.object) {
    const o = m.object;
    out.object = prune({ target: o.describedObject, metricName: o.metric?.name, selector: o.metric?.selector, currentValue: o.current?.value ?? '0', averageValue: o.current?.averageValue });
  }
  if (m.external) {
    const e = m.external;
    out.external = prune({ metricName: e.metric?.name, metricSelector: e.metric?.selector, currentValue: e.current?.value ?? '0', currentAverageValue: e.current?.averageValue });
  }
  return out;
}

function metricStatusToV2(m: J): J {
  const out: J = { type: m.type };
  const res = (r: J) => prune({ name: r.name, container: r.container, current: prune({ averageUtilization: r.currentAverageUtilization, averageValue: r.currentAverageValue }) });
  if (m.resource) out.resource = res(m.resource);
  if (m.containerResource) out.containerResource = res(m.containerResource);
  if (m.pods) out.pods = { metric: prune({ name: m.pods.metricName, selector: m.pods.selector }), current: { averageValue: m.pods.currentAverageValue } };
  if (m.object) {
    const o = m.object;
    out.object = { describedObject: o.target, metric: prune({ name: o.metricName, selector: o.selector }), current: prune({ value: o.currentValue, averageValue: o.averageValue }) };
  }
  if (m.external) {
    const e = m.external;
    out.external = { metric: prune({ name: e.metricName, selector: e.metricSelector }), current: prune({ value: e.currentValue, averageValue: e.currentAverageValue }) };
  }
  return out;
}

// --- behavior: Kubernetes marshals its internal type, so Go field names ----

function rulesToGo(r: J | undefined): J | undefined {
  if (!r) return undefined;
  return prune({
    StabilizationWindowSeconds: r.stabilizationWindowSeconds,
    SelectPolicy: r.selectPolicy,
    Policies: r.policies?.map((p: J) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })),
    Tolerance: r.tolerance,
  });
}

/** Go's encoding/json matches field names case-insensitively; so does this. */
function pick(o: J | undefined, name: string): any {
  if (!o) return undefined;
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function rulesFromGo(r: J | undefined): J | undefined {
  if (!r) return undefined;
  const policies = pick(r, 'policies') as J[] | undefined;
  return prune({
    stabilizationWindowSeconds: pick(r, 'stabilizationWindowSeconds'),
    selectPolicy: pick(r, 'selectPolicy'),
    policies: policies?.map((p) => ({ type: pick(p, 'type'), value: pick(p, 'value'), periodSeconds: pick(p, 'periodSeconds') })),
    tolerance: pick(r, 'tolerance'),
  });
}

function parseJSON(s: string | undefined): any {
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

// --- whole objects --------------------------------------------------------

export function hpaV2ToV1(obj: KObject): KObject {
  const src = structuredClone(obj) as J;
  const spec: J = src.spec ?? {};
  const status: J = src.status ?? {};
  const annotations: Record<string, string> = { ...(src.metadata?.annotations ?? {}) };
  const metrics: J[] = spec.metrics ?? [];
  const others = metrics.filter((m) => !isCpuUtilization(m)).map(metricSpecToV1);
  if (others.length) annotations[hpaAnnotations.metrics] = JSON.stringify(others);
  if (status.currentMetrics?.length) annotations[hpaAnnotations.currentMetrics] = JSON.stringify(status.currentMetrics.map(metricStatusToV1));
  if (status.conditions?.length) annotations[hpaAnnotations.conditions] = JSON.stringify(status.conditions);
  if (spec.behavior) annotations[hpaAnnotations.behavior] = JSON.stringify(prune({ ScaleUp: rulesToGo(spec.behavior.scaleUp), ScaleDown: rulesToGo(spec.behavior.scaleDown) }));

  const cpu = metrics.find((m) => m?.type === 'Resource' && m.resource?.name === 'cpu');
  const currentCpu = (status.currentMetrics ?? []).find((m: J) => m?.type === 'Resource' && m.resource?.name === 'cpu');
  const out: J = {
    ...src,
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...src.metadata },
    spec: prune({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      targetCPUUtilizationPercentage: cpu?.resource?.target?.averageUtilization,
    }),
  };
  if (Object.keys(annotations).length) out.metadata.annotations = annotations;
  if (src.status !== undefined) {
    out.status = prune({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: currentCpu?.resource?.current?.averageUtilization,
    });
  }
  return out;
}

export function hpaV1ToV2(obj: KObject): KObject {
  const src = structuredClone(obj) as J;
  const spec: J = src.spec ?? {};
  const status: J = src.status ?? {};
  const annotations: Record<string, string> = { ...(src.metadata?.annotations ?? {}) };
  const take = (k: string) => {
    const v = parseJSON(annotations[k]);
    delete annotations[k];
    return v;
  };
  const otherMetrics = take(hpaAnnotations.metrics) as J[] | undefined;
  const currentMetrics = take(hpaAnnotations.currentMetrics) as J[] | undefined;
  const conditions = take(hpaAnnotations.conditions) as J[] | undefined;
  const behavior = take(hpaAnnotations.behavior) as J | undefined;

  const metrics: J[] = (otherMetrics ?? []).map(metricSpecToV2);
  if (spec.targetCPUUtilizationPercentage != null) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  // v1 always implied a CPU target; v2 states it.
  if (metrics.length === 0) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: defaultCPUUtilization } } });

  const out: J = {
    ...src,
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...src.metadata },
    spec: prune({ scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, metrics }),
  };
  if (behavior) {
    const b = prune({ scaleUp: rulesFromGo(pick(behavior, 'scaleUp')), scaleDown: rulesFromGo(pick(behavior, 'scaleDown')) });
    if (Object.keys(b).length) out.spec.behavior = b;
  }
  if (Object.keys(annotations).length) out.metadata.annotations = annotations;
  else delete out.metadata.annotations;
  if (src.status !== undefined || currentMetrics || conditions) {
    let current: J[] | undefined = currentMetrics?.map(metricStatusToV2);
    if (!current && status.currentCPUUtilizationPercentage != null) {
      current = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
    }
    out.status = prune({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentMetrics: current,
      conditions,
    });
  }
  return out;
}
