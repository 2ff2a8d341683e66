/**
 * Cluster-level objects: nodes, namespaces, leases, RBAC bindings,
 * scheduling and runtime classes, admission webhooks, certificate requests.
 */
import type { MutatingWebhookConfiguration, ValidatingWebhookConfiguration } from 'kubernetes-types/admissionregistration/v1.js';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { ComponentStatus, Namespace, Node } from 'kubernetes-types/core/v1.js';
import type { RuntimeClass } from 'kubernetes-types/node/v1.js';
import type { ClusterRoleBinding, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { ageColumn, ageOf, col, humanDuration, nameColumn, nameOf, printer, wide } from './format.js';

const labelNodeRolePrefix = 'node-role.kubernetes.io/';
const nodeLabelRole = 'kubernetes.io/role';

/** findNodeRoles: from `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value, sorted. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(labelNodeRolePrefix)) {
      const role = k.slice(labelNodeRolePrefix.length);
      if (role) roles.add(role);
    } else if (k === nodeLabelRole && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

/** The node STATUS cell: `Ready`, `NotReady`, `Unknown`, plus `,SchedulingDisabled` when cordoned. */
export function nodeStatus(node: Node): string {
  const status: string[] = [];
  // When a type repeats, the last condition of it wins (Kubernetes builds a map).
  const ready = [...(node.status?.conditions ?? [])].reverse().find((c) => c.type === 'Ready');
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeAddress(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

export const nodePrinter = printer<Node>(
  [
    nameColumn,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    ageColumn,
    col('Version', 'string', 'Kubelet Version reported by the node.'),
    wide('Internal-IP', 'string', 'List of addresses reachable to the node.'),
    wide('External-IP', 'string', 'List of addresses reachable to the node.'),
    wide('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
    wide('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    wide('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
  ],
  (obj, now) => {
    const info = obj.status?.nodeInfo;
    return [
      nameOf(obj),
      nodeStatus(obj),
      nodeRoles(obj).join(',') || '<none>',
      ageOf(obj, now),
      info?.kubeletVersion ?? '',
      nodeAddress(obj, 'InternalIP'),
      nodeAddress(obj, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
);

export const namespacePrinter = printer<Namespace>(
  [nameColumn, col('Status', 'string', 'The status of the namespace'), ageColumn],
  (obj, now) => [nameOf(obj), obj.status?.phase ?? '', ageOf(obj, now)],
);

export const leasePrinter = printer<Lease>(
  [nameColumn, col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn],
  (obj, now) => [nameOf(obj), obj.spec?.holderIdentity ?? '', ageOf(obj, now)],
);

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts. */
function subjectsStrings(subjects: Subject[] | undefined): [users: string, groups: string, serviceAccounts: string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name}`);
    else if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function bindingPrinter(kind: string) {
  return printer<RoleBinding | ClusterRoleBinding>(
    [
      nameColumn,
      col('Role', 'string', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
      ageColumn,
      wide('Users', 'string', `Users in the ${kind}`),
      wide('Groups', 'string', `Groups in the ${kind}`),
      wide('ServiceAccounts', 'string', `ServiceAccounts in the ${kind}`),
    ],
    (obj, now) => [nameOf(obj), `${obj.roleRef?.kind ?? ''}/${obj.roleRef?.name ?? ''}`, ageOf(obj, now), ...subjectsStrings(obj.subjects)],
  );
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');

export const priorityClassPrinter = printer<PriorityClass>(
  [
    nameColumn,
    col('Value', 'integer', 'value represents the integer value of this priority class.'),
    col('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
    ageColumn,
  ],
  (obj, now) => [nameOf(obj), obj.value ?? 0, obj.globalDefault ?? false, ageOf(obj, now)],
);

export const runtimeClassPrinter = printer<RuntimeClass>(
  [nameColumn, col('Handler', 'string', 'handler specifies the underlying runtime and configuration that the CRI implementation will use.'), ageColumn],
  (obj, now) => [nameOf(obj), obj.handler ?? '', ageOf(obj, now)],
);

export const componentStatusPrinter = printer<ComponentStatus>(
  [
    nameColumn,
    col('Status', 'string', 'Status of the component conditions'),
    col('Message', 'string', 'Message of the component conditions'),
    col('Error', 'string', 'Error of the component conditions'),
  ],
  (obj) => {
    const c = obj.conditions?.find((x) => x.type === 'Healthy');
    const status = c ? (c.status === 'True' ? 'Healthy' : 'Unhealthy') : 'Unknown';
    return [nameOf(obj), status, c?.message ?? '', c?.error ?? ''];
  },
);

function webhookPrinter() {
  return printer<MutatingWebhookConfiguration | ValidatingWebhookConfiguration>(
    [nameColumn, col('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration'), ageColumn],
    (obj, now) => [nameOf(obj), obj.webhooks?.length ?? 0, ageOf(obj, now)],
  );
}

export const mutatingWebhookPrinter = webhookPrinter();
export const validatingWebhookPrinter = webhookPrinter();

/** extractCSRStatus: `Pending`, `Approved`, `Denied`, then `,Failed` and `,Issued`. */
function csrStatus(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (csr.status?.certificate) status += ',Issued';
  return status;
}

export const certificateSigningRequestPrinter = printer<CertificateSigningRequest>(
  [
    nameColumn,
    ageColumn,
    col('SignerName', 'string', 'signerName indicates the requested signer, and is a qualified name.'),
    col('Requestor', 'string', 'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block.'),
    col('RequestedDuration', 'string', 'expirationSeconds is the requested duration of validity of the issued certificate.'),
    col('Condition', 'string', 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".'),
  ],
  (obj, now) => {
    const seconds = obj.spec?.expirationSeconds;
    const requested = seconds === undefined || seconds === null ? '<none>' : humanDuration(seconds * 1000);
    return [nameOf(obj), ageOf(obj, now), obj.spec?.signerName || '<none>', obj.spec?.username ?? '', requested, csrStatus(obj)];
  },
);
