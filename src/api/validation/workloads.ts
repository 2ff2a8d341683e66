/**
 * Controllers' specs: selectors that match their templates, replica counts,
 * update strategies, and what may not change afterwards
 * (pkg/apis/apps/validation, pkg/apis/batch/validation, RC in core).
 */
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job, JobSpec } from 'kubernetes-types/batch/v1.js';
import type { PodTemplateSpec, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { CronExpressionParser } from 'cron-parser';
import { field, type FieldError } from '../errors.js';
import { goLabelSelector, goStringMap } from './gofmt.js';
import { immutable, intOrPercentValue, nonNegativeField, validateIntOrPercent, goStruct, deepEqual } from './common.js';
import { fieldImmutable, isEmptySelector, selectorMatches, validateLabelSelector } from './meta.js';
import { validatePodTemplateSpec } from './pod.js';

const selectorMismatch = '`selector` does not match template `labels`';

/** ValidatePodTemplateSpecForReplicaSet and friends: the template must be selected and restart Always. */
function validateTemplateFor(
  template: PodTemplateSpec | undefined,
  matches: (labels: Record<string, string> | undefined) => boolean,
  path: string,
  controller: string,
): FieldError[] {
  if (!template) return [field.required(path)];
  const errs: FieldError[] = [];
  const labels = template.metadata?.labels;
  if (!matches(labels)) errs.push(field.invalid(`${path}.metadata.labels`, goStringMap(labels), selectorMismatch));
  errs.push(...validatePodTemplateSpec(template, path));
  const rp = template.spec?.restartPolicy;
  if (rp && rp !== 'Always') errs.push(field.notSupported(`${path}.spec.restartPolicy`, rp, ['Always']));
  if (template.spec?.activeDeadlineSeconds != null) {
    errs.push(field.invalid(`${path}.spec.activeDeadlineSeconds`, template.spec.activeDeadlineSeconds, `activeDeadlineSeconds in ${controller} is not Supported`));
  }
  return errs;
}

/** A LabelSelector that must be given and not empty; returns a matcher for the template check. */
function validateSelectorFor(sel: LabelSelector | undefined, path: string, what: string): { errs: FieldError[]; matches: (l: Record<string, string> | undefined) => boolean } {
  const errs: FieldError[] = [];
  if (!sel) errs.push(field.required(path));
  else {
    errs.push(...validateLabelSelector(sel, path));
    if (isEmptySelector(sel)) errs.push(field.invalid(path, goLabelSelector(sel), `empty selector is invalid for ${what}`));
  }
  // An empty selector is reported above; the template check only runs for a selector that selects something.
  const matches = (l: Record<string, string> | undefined) => (isEmptySelector(sel) ? true : selectorMatches(sel, l));
  return { errs, matches };
}

export function validateDeploymentSpec(d: Deployment): FieldError[] {
  const spec = d.spec ?? ({} as NonNullable<Deployment['spec']>);
  const errs: FieldError[] = [];
  errs.push(...nonNegativeField(spec.replicas, 'spec.replicas'));
  const sel = validateSelectorFor(spec.selector, 'spec.selector', 'deployment');
  errs.push(...sel.errs);
  errs.push(...validateTemplateFor(spec.template, sel.matches, 'spec.template', 'ReplicaSet'));
  const strategy = spec.strategy ?? {};
  const types = ['Recreate', 'RollingUpdate'];
  if (!strategy.type) errs.push(field.required('spec.strategy.type'));
  else if (!types.includes(strategy.type)) errs.push(field.notSupported('spec.strategy.type', strategy.type, types));
  if (strategy.type === 'Recreate' && strategy.rollingUpdate) {
    errs.push(field.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) {
    errs.push(...validateRollingUpdate(strategy.rollingUpdate.maxUnavailable, strategy.rollingUpdate.maxSurge, 'spec.strategy.rollingUpdate'));
  }
  errs.push(...nonNegativeField(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  errs.push(...nonNegativeField(spec.minReadySeconds, 'spec.minReadySeconds'));
  if (spec.progressDeadlineSeconds != null) {
    errs.push(...nonNegativeField(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(field.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

function validateRollingUpdate(maxUnavailable: number | string | undefined, maxSurge: number | string | undefined, path: string): FieldError[] {
  const errs = [...validateIntOrPercent(maxUnavailable, `${path}.maxUnavailable`), ...validateIntOrPercent(maxSurge, `${path}.maxSurge`, false)];
  const u = intOrPercentValue(maxUnavailable);
  const s = intOrPercentValue(maxSurge);
  if (u?.value === 0 && (s === undefined || s.value === 0)) errs.push(field.invalid(`${path}.maxUnavailable`, maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  return errs;
}

export function validateReplicaSetSpec(rs: ReplicaSet): FieldError[] {
  const spec = rs.spec ?? ({} as NonNullable<ReplicaSet['spec']>);
  const errs = [...nonNegativeField(spec.replicas, 'spec.replicas'), ...nonNegativeField(spec.minReadySeconds, 'spec.minReadySeconds')];
  const sel = validateSelectorFor(spec.selector, 'spec.selector', 'deployment');
  errs.push(...sel.errs);
  errs.push(...validateTemplateFor(spec.template, sel.matches, 'spec.template', 'ReplicaSet'));
  return errs;
}

export function validateDaemonSetSpec(ds: DaemonSet): FieldError[] {
  const spec = ds.spec ?? ({} as NonNullable<DaemonSet['spec']>);
  const errs: FieldError[] = [];
  const sel = validateSelectorFor(spec.selector, 'spec.selector', 'daemonset');
  errs.push(...sel.errs);
  errs.push(...validateTemplateFor(spec.template, sel.matches, 'spec.template', 'DaemonSet'));
  errs.push(...nonNegativeField(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegativeField(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  const us = spec.updateStrategy ?? {};
  const types = ['OnDelete', 'RollingUpdate'];
  if (!us.type) errs.push(field.required('spec.updateStrategy.type'));
  else if (!types.includes(us.type)) errs.push(field.notSupported('spec.updateStrategy.type', us.type, types));
  if (us.type === 'RollingUpdate' && us.rollingUpdate) {
    errs.push(...validateRollingUpdate(us.rollingUpdate.maxUnavailable, us.rollingUpdate.maxSurge, 'spec.updateStrategy.rollingUpdate'));
  }
  return errs;
}

export function validateStatefulSetSpec(sts: StatefulSet): FieldError[] {
  const spec = sts.spec ?? ({} as NonNullable<StatefulSet['spec']>);
  const errs: FieldError[] = [];
  const policies = ['OrderedReady', 'Parallel'];
  if (!spec.podManagementPolicy) errs.push(field.required('spec.podManagementPolicy'));
  else if (!policies.includes(spec.podManagementPolicy)) errs.push(field.notSupported('spec.podManagementPolicy', spec.podManagementPolicy, policies));
  const us = spec.updateStrategy ?? {};
  const types = ['OnDelete', 'RollingUpdate'];
  if (!us.type) errs.push(field.required('spec.updateStrategy'));
  else if (!types.includes(us.type)) errs.push(field.notSupported('spec.updateStrategy.type', us.type, types));
  if (us.type === 'OnDelete' && us.rollingUpdate) errs.push(field.invalid('spec.updateStrategy.rollingUpdate', goStruct('apps.RollingUpdateStatefulSetStrategy'), `only allowed for updateStrategy 'RollingUpdate'`));
  errs.push(...nonNegativeField(us.rollingUpdate?.partition, 'spec.updateStrategy.rollingUpdate.partition'));
  const retention = ['Retain', 'Delete'];
  for (const k of ['whenDeleted', 'whenScaled'] as const) {
    const v = spec.persistentVolumeClaimRetentionPolicy?.[k];
    if (v && !retention.includes(v)) errs.push(field.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, retention));
  }
  errs.push(...nonNegativeField(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegativeField(spec.minReadySeconds, 'spec.minReadySeconds'));
  if (spec.ordinals?.start != null) errs.push(...nonNegativeField(spec.ordinals.start, 'spec.ordinals.start'));
  const sel = validateSelectorFor(spec.selector, 'spec.selector', 'statefulset');
  errs.push(...sel.errs);
  errs.push(...validateTemplateFor(withClaimVolumes(spec), sel.matches, 'spec.template', 'StatefulSet'));
  return errs;
}

/**
 * The template as the controller will run it: each volumeClaimTemplate
 * becomes a volume of the same name, so mounts may name claims.
 */
function withClaimVolumes(spec: NonNullable<StatefulSet['spec']>): PodTemplateSpec | undefined {
  const claims = spec.volumeClaimTemplates ?? [];
  if (!spec.template || claims.length === 0) return spec.template;
  const t = structuredClone(spec.template);
  const volumes = [...(t.spec?.volumes ?? [])];
  for (const c of claims) {
    const name = c.metadata?.name;
    if (name && !volumes.some((v) => v.name === name)) volumes.push({ name, persistentVolumeClaim: { claimName: name } });
  }
  if (t.spec) t.spec = { ...t.spec, volumes };
  return t;
}

export const statefulSetUpdateForbidden =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

export function validateStatefulSetUpdate(sts: StatefulSet, old: StatefulSet): FieldError[] {
  const strip = (s: StatefulSet['spec']) => {
    const c = { ...(s ?? {}) } as Record<string, unknown>;
    for (const k of ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']) delete c[k];
    return c;
  };
  return deepEqual(strip(sts.spec), strip(old.spec)) ? [] : [field.forbidden('spec', statefulSetUpdateForbidden)];
}

/** apps/v1 selectors never change once set. */
export function validateSelectorUpdate(sel: LabelSelector | undefined, old: LabelSelector | undefined): FieldError[] {
  return immutable(sel, old, 'spec.selector', goLabelSelector(sel));
}

export function validateReplicationControllerSpec(rc: ReplicationController): FieldError[] {
  const spec = rc.spec ?? {};
  const errs: FieldError[] = [...nonNegativeField(spec.minReadySeconds, 'spec.minReadySeconds')];
  const selector = spec.selector;
  if (!selector || Object.keys(selector).length === 0) errs.push(field.required('spec.selector'));
  errs.push(...nonNegativeField(spec.replicas, 'spec.replicas'));
  const matches = (l: Record<string, string> | undefined) => !selector || Object.entries(selector).every(([k, v]) => l?.[k] === v);
  errs.push(...validateTemplateFor(spec.template, matches, 'spec.template', 'ReplicationController'));
  return errs;
}

// Labels the job strategy puts on a Job's pods when it generates the selector.
export const jobLabels = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  legacyControllerUid: 'controller-uid',
  legacyJobName: 'job-name',
};

const completionModes = ['NonIndexed', 'Indexed'];

/** validateJobSpec: shared by Jobs and CronJobs' job templates. */
function validateJobSpecCommon(spec: JobSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...nonNegativeField(spec.parallelism, `${path}.parallelism`));
  errs.push(...nonNegativeField(spec.completions, `${path}.completions`));
  errs.push(...nonNegativeField(spec.backoffLimit, `${path}.backoffLimit`));
  errs.push(...nonNegativeField(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`));
  if (spec.activeDeadlineSeconds != null && spec.activeDeadlineSeconds <= 0) {
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be greater than 0'));
  }
  if (spec.completionMode !== undefined && !completionModes.includes(spec.completionMode)) {
    errs.push(field.notSupported(`${path}.completionMode`, spec.completionMode, completionModes));
  }
  if (spec.completionMode === 'Indexed') {
    if (spec.completions == null) errs.push(field.required(`${path}.completions`, `when completion mode is Indexed`));
  }
  const replacement = ['Failed', 'TerminatingOrFailed'];
  if (spec.podReplacementPolicy && !replacement.includes(spec.podReplacementPolicy)) {
    errs.push(field.notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, replacement));
  }
  const t = spec.template as PodTemplateSpec | undefined;
  errs.push(...validatePodTemplateSpec(t, `${path}.template`));
  const rp = t?.spec?.restartPolicy;
  if (t && rp !== 'OnFailure' && rp !== 'Never') errs.push(field.notSupported(`${path}.template.spec.restartPolicy`, rp ?? '', ['OnFailure', 'Never']));
  return errs;
}

export function validateJob(job: Job): FieldError[] {
  const spec = job.spec ?? ({} as JobSpec);
  const errs = validateJobSpecCommon(spec, 'spec');
  if (!spec.selector) errs.push(field.required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    const labels = spec.template?.metadata?.labels;
    if (!selectorMatches(spec.selector, labels)) errs.push(field.invalid('spec.template.metadata.labels', goStringMap(labels), selectorMismatch));
  }
  if (spec.manualSelector !== true && spec.selector) {
    const uid = job.metadata?.uid ?? '';
    const labels = spec.template?.metadata?.labels ?? {};
    for (const k of [jobLabels.controllerUid, jobLabels.legacyControllerUid]) {
      if (labels[k] === undefined) errs.push(field.required(`spec.template.metadata.labels[${k}]`, `must be '${uid}'`));
      else if (labels[k] !== uid) errs.push(field.invalid(`spec.template.metadata.labels[${k}]`, goStringMap(labels), `must be '${uid}'`));
    }
    if (!deepEqual(spec.selector, { matchLabels: { [jobLabels.controllerUid]: uid } })) {
      errs.push(field.invalid('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
    }
  }
  return errs;
}

export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const n = job.spec ?? ({} as JobSpec);
  const o = old.spec ?? ({} as JobSpec);
  const errs: FieldError[] = [];
  errs.push(...immutable(n.selector, o.selector, 'spec.selector', goLabelSelector(n.selector)));
  errs.push(...immutable(n.completionMode, o.completionMode, 'spec.completionMode'));
  errs.push(...immutable(n.podFailurePolicy, o.podFailurePolicy, 'spec.podFailurePolicy', goStruct('batch.PodFailurePolicy')));
  // Indexed jobs may scale completions together with parallelism.
  const scaling = n.completionMode === 'Indexed' && n.completions === n.parallelism;
  if (!scaling) errs.push(...immutable(n.completions, o.completions, 'spec.completions'));
  if (!deepEqual(n.template, o.template)) {
    // A suspended job that never started may still change where its pods go.
    const sched = (t: JobSpec['template']) => {
      const c = structuredClone(t ?? {}) as PodTemplateSpec;
      if (c.spec) {
        delete c.spec.nodeSelector;
        delete c.spec.tolerations;
        delete c.spec.affinity;
        delete c.spec.schedulingGates;
      }
      if (c.metadata) {
        delete c.metadata.labels;
        delete c.metadata.annotations;
      }
      return c;
    };
    const schedulingOnly = deepEqual(sched(n.template), sched(o.template));
    const allowed = schedulingOnly && n.suspend === true && !old.status?.startTime;
    if (!allowed) errs.push(field.invalid('spec.template', goStruct('core.PodTemplateSpec'), fieldImmutable));
  }
  return errs;
}

const concurrencyPolicies = ['Allow', 'Forbid', 'Replace'];
const scheduleShortcuts: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Why a schedule is not one Kubernetes' cron parser (robfig, five fields) accepts; undefined when fine. */
export function scheduleError(schedule: string): string | undefined {
  if (/(^|\s)(CRON_)?TZ=/.test(schedule)) return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  const expr = scheduleShortcuts[schedule.trim()] ?? schedule.trim();
  if (expr.startsWith('@')) return `unrecognized descriptor: ${schedule.trim()}`;
  const fields = expr.split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: ${JSON.stringify(fields).replace(/,/g, ' ')}`;
  if (/[LW#]/.test(expr.replace(/[A-Za-z]{3}/g, (m) => (/^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)$/i.test(m) ? '' : m)))) {
    return `unsupported character in schedule: ${schedule}`;
  }
  try {
    CronExpressionParser.parse(expr, { tz: 'UTC' });
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

export function timeZoneError(tz: string): string | undefined {
  if (tz.toLowerCase() === 'local') return 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones';
  if (tz === '' || /\s/.test(tz)) return `unknown time zone ${tz}`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone ${tz}`;
  }
}

export function validateCronJob(cj: CronJob): FieldError[] {
  const errs: FieldError[] = [];
  const name = cj.metadata?.name ?? '';
  // Job names are <cronjob>-<11 digit timestamp>, and label values stop at 63.
  if (name.length > 52) errs.push(field.invalid('metadata.name', name, 'must be no more than 52 characters'));
  const spec = cj.spec ?? ({} as NonNullable<CronJob['spec']>);
  if (!spec.schedule) errs.push(field.required('spec.schedule'));
  else {
    const why = scheduleError(spec.schedule);
    if (why) errs.push(field.invalid('spec.schedule', spec.schedule, why));
  }
  if (spec.timeZone != null) {
    const why = timeZoneError(spec.timeZone);
    if (why) errs.push(field.invalid('spec.timeZone', spec.timeZone, why));
  }
  errs.push(...nonNegativeField(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  errs.push(...nonNegativeField(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegativeField(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  if (!spec.concurrencyPolicy) errs.push(field.required('spec.concurrencyPolicy'));
  else if (!concurrencyPolicies.includes(spec.concurrencyPolicy)) errs.push(field.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, concurrencyPolicies));
  const jobSpec = spec.jobTemplate?.spec;
  if (!jobSpec) errs.push(field.required('spec.jobTemplate.spec'));
  else {
    errs.push(...validateJobSpecCommon(jobSpec, 'spec.jobTemplate.spec'));
    if (jobSpec.selector) errs.push(field.invalid('spec.jobTemplate.spec.selector', goLabelSelector(jobSpec.selector), '`selector` will be auto-generated'));
    if (jobSpec.manualSelector === true) errs.push(field.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  }
  return errs;
}
