/**
 * Storage: persistent volumes and claims, storage classes, and the CSI
 * objects (drivers, nodes, volume attachments).
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { CSIDriver, CSINode, StorageClass, VolumeAttachment } from 'kubernetes-types/storage/v1.js';
import { ageColumn, ageOf, col, nameColumn, nameOf, printer, quantity, wide } from './format.js';

const betaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class';
const defaultClassAnnotation = 'storageclass.kubernetes.io/is-default-class';
const betaDefaultClassAnnotation = 'storageclass.beta.kubernetes.io/is-default-class';

/** helper.GetAccessModesAsString: `RWO,ROX,RWX,RWOP` in that fixed order. */
export function accessModes(modes: string[] | undefined): string {
  const set = new Set(modes ?? []);
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** The beta annotation still wins over spec.storageClassName, as in Kubernetes. */
function storageClassOf(obj: PersistentVolume | PersistentVolumeClaim): string {
  const annotation = obj.metadata?.annotations?.[betaStorageClassAnnotation];
  if (annotation !== undefined) return annotation;
  return obj.spec?.storageClassName ?? '';
}

export const persistentVolumePrinter = printer<PersistentVolume>(
  [
    nameColumn,
    col('Capacity', 'string', "capacity is the description of the persistent volume's resources and capacity."),
    col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageColumn,
    wide('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.'),
  ],
  (obj, now) => {
    const spec = obj.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
    const phase = obj.metadata?.deletionTimestamp ? 'Terminating' : (obj.status?.phase ?? '');
    return [
      nameOf(obj),
      quantity(spec.capacity?.['storage']),
      accessModes(spec.accessModes),
      spec.persistentVolumeReclaimPolicy ?? '',
      phase,
      claim,
      storageClassOf(obj),
      spec.volumeAttributesClassName ?? '<unset>',
      obj.status?.reason ?? '',
      ageOf(obj, now),
      spec.volumeMode ?? '<unset>',
    ];
  },
);

export const persistentVolumeClaimPrinter = printer<PersistentVolumeClaim>(
  [
    nameColumn,
    col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn,
    wide('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.'),
  ],
  (obj, now) => {
    const spec = obj.spec ?? {};
    const phase = obj.metadata?.deletionTimestamp ? 'Terminating' : (obj.status?.phase ?? '');
    // Capacity and modes are the bound volume's, so they stay blank until the claim is bound.
    const bound = !!spec.volumeName;
    return [
      nameOf(obj),
      phase,
      spec.volumeName ?? '',
      bound ? quantity(obj.status?.capacity?.['storage']) : '',
      bound ? accessModes(obj.status?.accessModes) : '',
      storageClassOf(obj),
      spec.volumeAttributesClassName ?? '<unset>',
      ageOf(obj, now),
      spec.volumeMode ?? '<unset>',
    ];
  },
);

/** storageutil.IsDefaultAnnotation. */
export function isDefaultStorageClass(sc: StorageClass): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a[defaultClassAnnotation] === 'true' || a[betaDefaultClassAnnotation] === 'true';
}

export const storageClassPrinter = printer<StorageClass>(
  [
    nameColumn,
    col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
    col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageColumn,
  ],
  (obj, now) => [
    isDefaultStorageClass(obj) ? `${nameOf(obj)} (default)` : nameOf(obj),
    obj.provisioner ?? '',
    obj.reclaimPolicy ?? 'Delete',
    obj.volumeBindingMode ?? 'Immediate',
    obj.allowVolumeExpansion ?? false,
    ageOf(obj, now),
  ],
);

export const csiDriverPrinter = printer<CSIDriver>(
  [
    nameColumn,
    col('AttachRequired', 'boolean', 'attachRequired indicates this CSI volume driver requires an attach operation.'),
    col('PodInfoOnMount', 'boolean', 'podInfoOnMount indicates this CSI volume driver requires additional pod information during mount operations.'),
    col('StorageCapacity', 'boolean', 'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity.'),
    col('TokenRequests', 'string', 'tokenRequests indicates the CSI driver needs pods\' service account tokens it is mounting volume for.'),
    col('RequiresRepublish', 'boolean', 'requiresRepublish indicates the CSI driver wants NodePublishVolume being periodically called.'),
    col('Modes', 'string', 'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.'),
    ageColumn,
  ],
  (obj, now) => {
    const spec = obj.spec ?? {};
    const tokenRequests = spec.tokenRequests ? spec.tokenRequests.map((t) => t.audience).join(',') : '<unset>';
    return [
      nameOf(obj),
      spec.attachRequired ?? true,
      spec.podInfoOnMount ?? false,
      spec.storageCapacity ?? false,
      tokenRequests,
      spec.requiresRepublish ?? false,
      (spec.volumeLifecycleModes ?? []).join(',') || '<none>',
      ageOf(obj, now),
    ];
  },
);

export const csiNodePrinter = printer<CSINode>(
  [nameColumn, col('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'), ageColumn],
  (obj, now) => [nameOf(obj), obj.spec?.drivers?.length ?? 0, ageOf(obj, now)],
);

export const volumeAttachmentPrinter = printer<VolumeAttachment>(
  [
    nameColumn,
    { ...col('Attacher', 'string', 'attacher indicates the name of the volume driver that MUST handle this request.'), format: 'name' },
    col('PV', 'string', 'persistentVolumeName represents the name of the persistent volume to attach.'),
    col('Node', 'string', 'nodeName represents the node that the volume should be attached to.'),
    col('Attached', 'boolean', 'attached indicates the volume is successfully attached.'),
    ageColumn,
  ],
  (obj, now) => [
    nameOf(obj),
    obj.spec?.attacher ?? '',
    obj.spec?.source?.persistentVolumeName ?? '',
    obj.spec?.nodeName ?? '',
    obj.status?.attached ?? false,
    ageOf(obj, now),
  ],
);
