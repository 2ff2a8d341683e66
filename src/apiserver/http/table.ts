/**
 * `meta.k8s.io/v1` Table and PartialObjectMetadata renderings, which kubectl
 * asks for (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`) so that
 * the server decides the columns, as kube-apiserver does.
 */
import type { KObject, ResourceType, TablePrinter } from '../../api/types.js';
import type { Negotiated } from './respond.js';

/** Kubernetes' default table for types without a printer: Name and Created At. */
const defaultPrinter: TablePrinter = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
  ],
  row: (obj) => [obj.metadata?.name ?? '', obj.metadata?.creationTimestamp ?? ''],
};

export function printerFor(rt: ResourceType): TablePrinter {
  return rt.strategy.table ?? defaultPrinter;
}

export function partialMetadata(obj: Readonly<KObject>, version: string): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

export interface TableMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export function buildTable(rt: ResourceType, objs: readonly Readonly<KObject>[], neg: Negotiated, meta: TableMeta, withHeaders = true): KObject {
  const printer = printerFor(rt);
  const now = new Date();
  const rows = objs.map((o) => ({
    cells: printer.row(o as KObject, now),
    object:
      neg.includeObject === 'None'
        ? undefined
        : neg.includeObject === 'Object'
          ? o
          : partialMetadata(o, neg.metaVersion),
  }));
  const table: KObject = {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${neg.metaVersion}`,
    metadata: meta as KObject['metadata'],
    rows,
  };
  if (withHeaders) table.columnDefinitions = printer.columns;
  return table;
}

export function buildMetadataList(objs: readonly Readonly<KObject>[], neg: Negotiated, meta: TableMeta): KObject {
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion: `meta.k8s.io/${neg.metaVersion}`,
    metadata: meta as KObject['metadata'],
    items: objs.map((o) => partialMetadata(o, neg.metaVersion)),
  };
}
