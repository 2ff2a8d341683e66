/**
 * Controllers that own pods: replication controllers, replica sets,
 * deployments, daemon sets, stateful sets, jobs, cron jobs, plus their
 * revisions and disruption budgets.
 */
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import {
  ageColumn,
  ageOf,
  boolPtr,
  col,
  containerCells,
  containersColumn,
  formatLabelSelector,
  formatLabels,
  humanDuration,
  imagesColumn,
  intOrString,
  labelSelectorString,
  nameColumn,
  nameOf,
  parseTime,
  printer,
  translateAge,
  wide,
} from './format.js';

// spec.replicas defaults to 1; stored objects always carry it, this covers hand-built ones.
const defaultReplicas = 1;

export const replicationControllerPrinter = printer<ReplicationController>(
  [
    nameColumn,
    col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count.'),
  ],
  (obj, now) => {
    const [names, images] = containerCells(obj.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      obj.spec?.replicas ?? defaultReplicas,
      obj.status?.replicas ?? 0,
      obj.status?.readyReplicas ?? 0,
      ageOf(obj, now),
      names,
      images,
      formatLabels(obj.spec?.selector),
    ];
  },
);

export const replicaSetPrinter = printer<ReplicaSet>(
  [
    nameColumn,
    col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide('Selector', 'string', 'Selector is a label query over pods that should match the replica count.'),
  ],
  (obj, now) => {
    const [names, images] = containerCells(obj.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      obj.spec?.replicas ?? defaultReplicas,
      obj.status?.replicas ?? 0,
      obj.status?.readyReplicas ?? 0,
      ageOf(obj, now),
      names,
      images,
      formatLabelSelector(obj.spec?.selector),
    ];
  },
);

export const deploymentPrinter = printer<Deployment>(
  [
    nameColumn,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide('Selector', 'string', 'Label selector for pods.'),
  ],
  (obj, now) => {
    const [names, images] = containerCells(obj.spec?.template?.spec?.containers);
    // Unlike the other workloads, Deployment prints the raw selector: '' when empty, `<invalid>` when bad.
    let selector: string;
    try {
      selector = labelSelectorString(obj.spec?.selector);
    } catch {
      selector = '<invalid>';
    }
    const status = obj.status ?? {};
    return [
      nameOf(obj),
      `${status.readyReplicas ?? 0}/${obj.spec?.replicas ?? defaultReplicas}`,
      status.updatedReplicas ?? 0,
      status.availableReplicas ?? 0,
      ageOf(obj, now),
      names,
      images,
      selector,
    ];
  },
);

export const daemonSetPrinter = printer<DaemonSet>(
  [
    nameColumn,
    col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
    col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    col('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod.'),
    col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
    col('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide('Selector', 'string', 'A label query over pods that are managed by the daemon set.'),
  ],
  (obj, now) => {
    const status = obj.status ?? { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 };
    const [names, images] = containerCells(obj.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      status.desiredNumberScheduled ?? 0,
      status.currentNumberScheduled ?? 0,
      status.numberReady ?? 0,
      status.updatedNumberScheduled ?? 0,
      status.numberAvailable ?? 0,
      formatLabels(obj.spec?.template?.spec?.nodeSelector),
      ageOf(obj, now),
      names,
      images,
      formatLabelSelector(obj.spec?.selector),
    ];
  },
);

export const statefulSetPrinter = printer<StatefulSet>(
  [nameColumn, col('Ready', 'string', 'Number of the pod with ready state'), ageColumn, containersColumn, imagesColumn],
  (obj, now) => {
    const [names, images] = containerCells(obj.spec?.template?.spec?.containers);
    return [nameOf(obj), `${obj.status?.readyReplicas ?? 0}/${obj.spec?.replicas ?? defaultReplicas}`, ageOf(obj, now), names, images];
  },
);

function hasJobCondition(conditions: JobCondition[] | undefined, type: string): boolean {
  const c = conditions?.find((x) => x.type === type);
  return c?.status === 'True';
}

/** The STATUS cell of a job (Kubernetes 1.30). */
export function jobStatus(job: Job): string {
  const conditions = job.status?.conditions;
  if (hasJobCondition(conditions, 'Complete')) return 'Complete';
  if (hasJobCondition(conditions, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasJobCondition(conditions, 'Suspended')) return 'Suspended';
  if (hasJobCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export const jobPrinter = printer<Job>(
  [
    nameColumn,
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide('Selector', 'string', 'A label query over pods that should match the pod count.'),
  ],
  (obj, now) => {
    const succeeded = obj.status?.succeeded ?? 0;
    let completions: string;
    if (obj.spec?.completions !== undefined && obj.spec.completions !== null) {
      completions = `${succeeded}/${obj.spec.completions}`;
    } else {
      const parallelism = obj.spec?.parallelism ?? 0;
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    const start = parseTime(obj.status?.startTime);
    const end = parseTime(obj.status?.completionTime);
    let duration = '';
    if (start !== undefined) duration = humanDuration((end ?? now.getTime()) - start);
    const [names, images] = containerCells(obj.spec?.template?.spec?.containers);
    return [nameOf(obj), jobStatus(obj), completions, duration, ageOf(obj, now), names, images, formatLabelSelector(obj.spec?.selector)];
  },
);

export const cronJobPrinter = printer<CronJob>(
  [
    nameColumn,
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'string', 'The time zone name for the given schedule.'),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide('Selector', 'string', 'A label query over pods that should match the pod count.'),
  ],
  (obj, now) => {
    const jobSpec = obj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(jobSpec?.template?.spec?.containers);
    const last = obj.status?.lastScheduleTime ? translateAge(obj.status.lastScheduleTime, now) : '<none>';
    return [
      nameOf(obj),
      obj.spec?.schedule ?? '',
      obj.spec?.timeZone ?? '<none>',
      boolPtr(obj.spec?.suspend),
      obj.status?.active?.length ?? 0,
      last,
      ageOf(obj, now),
      names,
      images,
      formatLabelSelector(jobSpec?.selector),
    ];
  },
);

export const controllerRevisionPrinter = printer<ControllerRevision>(
  [
    nameColumn,
    col('Controller', 'string', 'Controller of the object'),
    col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn,
  ],
  (obj, now) => {
    const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
    let controller = '<none>';
    if (ref) {
      const slash = ref.apiVersion.indexOf('/');
      const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
      const groupKind = group ? `${ref.kind}.${group}` : ref.kind;
      controller = groupKind ? `${groupKind.toLowerCase()}/${ref.name}` : ref.name;
    }
    return [nameOf(obj), controller, obj.revision ?? 0, ageOf(obj, now)];
  },
);

export const podDisruptionBudgetPrinter = printer<PodDisruptionBudget>(
  [
    nameColumn,
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn,
  ],
  (obj, now) => {
    const min = obj.spec?.minAvailable;
    const max = obj.spec?.maxUnavailable;
    return [
      nameOf(obj),
      min === undefined || min === null ? 'N/A' : intOrString(min),
      max === undefined || max === null ? 'N/A' : intOrString(max),
      obj.status?.disruptionsAllowed ?? 0,
      ageOf(obj, now),
    ];
  },
);
