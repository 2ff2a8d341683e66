/**
 * Controllers that own pods: replication controllers, replica sets,
 * deployments, daemon sets, stateful sets, jobs, cron jobs, plus their
 * revisions and disruption budgets.
 */
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { PodTemplateSpec, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { TableColumn, TablePrinter } from '../types.js';
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

/**
 * What a pod-owning workload's table says beyond the layout they all share:
 * NAME, its own columns, AGE, then the wide CONTAINERS and IMAGES of its pod
 * template and (all but StatefulSet) SELECTOR.
 */
interface WorkloadTable<T> {
  /** The columns between NAME and AGE. */
  columns: TableColumn[];
  cells(obj: T, now: Date): unknown[];
  template(obj: T): PodTemplateSpec | undefined;
  selector?: { description: string; cell(obj: T): string };
}

function workloadPrinter<T extends { metadata?: ObjectMeta }>(table: WorkloadTable<T>): TablePrinter {
  const { selector } = table;
  const columns = [nameColumn, ...table.columns, ageColumn, containersColumn, imagesColumn];
  if (selector) columns.push(wide('Selector', 'string', selector.description));
  return printer<T>(columns, (obj, now) => {
    const [names, images] = containerCells(table.template(obj)?.spec?.containers);
    const row = [nameOf(obj), ...table.cells(obj, now), ageOf(obj, now), names, images];
    if (selector) row.push(selector.cell(obj));
    return row;
  });
}

// ReplicationController and ReplicaSet count replicas alike; only READY's description names the kind.
const desiredColumn = col('Desired', 'integer', 'Replicas is the number of desired replicas.');
const currentColumn = col('Current', 'integer', 'Replicas is the most recently observed number of replicas.');

function replicaCounts(obj: ReplicationController | ReplicaSet): unknown[] {
  return [obj.spec?.replicas ?? defaultReplicas, obj.status?.replicas ?? 0, obj.status?.readyReplicas ?? 0];
}

// Deployment and StatefulSet print READY as `ready/desired`.
const readyOfDesiredColumn = col('Ready', 'string', 'Number of the pod with ready state');

function readyOfDesired(obj: Deployment | StatefulSet): string {
  return `${obj.status?.readyReplicas ?? 0}/${obj.spec?.replicas ?? defaultReplicas}`;
}

export const replicationControllerPrinter = workloadPrinter<ReplicationController>({
  columns: [desiredColumn, currentColumn, col('Ready', 'integer', 'The number of ready replicas for this replication controller.')],
  cells: replicaCounts,
  template: (obj) => obj.spec?.template,
  // A replication controller's selector is a plain label map.
  selector: { description: 'Selector is a label query over pods that should match the Replicas count.', cell: (obj) => formatLabels(obj.spec?.selector) },
});

export const replicaSetPrinter = workloadPrinter<ReplicaSet>({
  columns: [desiredColumn, currentColumn, col('Ready', 'integer', 'The number of ready replicas for this replica set.')],
  cells: replicaCounts,
  template: (obj) => obj.spec?.template,
  selector: { description: 'Selector is a label query over pods that should match the replica count.', cell: (obj) => formatLabelSelector(obj.spec?.selector) },
});

export const deploymentPrinter = workloadPrinter<Deployment>({
  columns: [
    readyOfDesiredColumn,
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
  ],
  cells: (obj) => [readyOfDesired(obj), obj.status?.updatedReplicas ?? 0, obj.status?.availableReplicas ?? 0],
  template: (obj) => obj.spec?.template,
  selector: {
    description: 'Label selector for pods.',
    // Unlike the other workloads, Deployment prints the raw selector: '' when empty, `<invalid>` when bad.
    cell: (obj) => {
      try {
        return labelSelectorString(obj.spec?.selector);
      } catch {
        return '<invalid>';
      }
    },
  },
});

export const daemonSetPrinter = workloadPrinter<DaemonSet>({
  columns: [
    col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
    col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    col('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod.'),
    col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
    col('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
  ],
  cells: (obj) => {
    const status = obj.status;
    return [
      status?.desiredNumberScheduled ?? 0,
      status?.currentNumberScheduled ?? 0,
      status?.numberReady ?? 0,
      status?.updatedNumberScheduled ?? 0,
      status?.numberAvailable ?? 0,
      formatLabels(obj.spec?.template?.spec?.nodeSelector),
    ];
  },
  template: (obj) => obj.spec?.template,
  selector: { description: 'A label query over pods that are managed by the daemon set.', cell: (obj) => formatLabelSelector(obj.spec?.selector) },
});

// Kubernetes 1.30 prints no SELECTOR for stateful sets.
export const statefulSetPrinter = workloadPrinter<StatefulSet>({
  columns: [readyOfDesiredColumn],
  cells: (obj) => [readyOfDesired(obj)],
  template: (obj) => obj.spec?.template,
});

// Job and CronJob describe SELECTOR with the same words.
const jobSelectorDescription = 'A label query over pods that should match the pod count.';

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

export const jobPrinter = workloadPrinter<Job>({
  columns: [
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'string', 'Time required to complete the job.'),
  ],
  cells: (obj, now) => {
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
    return [jobStatus(obj), completions, duration];
  },
  template: (obj) => obj.spec?.template,
  selector: { description: jobSelectorDescription, cell: (obj) => formatLabelSelector(obj.spec?.selector) },
});

export const cronJobPrinter = workloadPrinter<CronJob>({
  columns: [
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'string', 'The time zone name for the given schedule.'),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
  ],
  cells: (obj, now) => [
    obj.spec?.schedule ?? '',
    obj.spec?.timeZone ?? '<none>',
    boolPtr(obj.spec?.suspend),
    obj.status?.active?.length ?? 0,
    obj.status?.lastScheduleTime ? translateAge(obj.status.lastScheduleTime, now) : '<none>',
  ],
  // The pods a cron job makes come from its job template's pod template.
  template: (obj) => obj.spec?.jobTemplate?.spec?.template,
  selector: { description: jobSelectorDescription, cell: (obj) => formatLabelSelector(obj.spec?.jobTemplate?.spec?.selector) },
});

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
