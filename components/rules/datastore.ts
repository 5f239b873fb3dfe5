/**
 * Where k3s keeps the cluster state (`k3s-stacks:cluster.datastore`): sqlite, a single server's
 * embedded database (the k3s default); etcd, embedded etcd on an odd number of servers
 * (`cluster-init`); postgres, an external database given by `datastore-endpoint`.
 */
export const DATASTORES = ["sqlite", "etcd", "postgres"] as const;
export type Datastore = (typeof DATASTORES)[number];
