import { NOTHING } from '../cluster/cluster-usage.view.js';

/** What one user holds: sockets, and the distinct instruments over all of them. */
export interface UserUsage {
  connections: number;
  instruments: ReadonlySet<number>;
}

/**
 * What the rest of a cluster holds per user, so that per-user limits count across nodes. The
 * standalone default answers zeros; a cluster provides its own under CLUSTER_USAGE, fed by the
 * other nodes' 'usage.changed' events (each node's UserLimitsService raises its own).
 */
export interface ClusterUsage {
  /** What `sub` holds on the other nodes (zeros when standalone). */
  elsewhere(sub: string): UserUsage;
}

export const CLUSTER_USAGE = Symbol('CLUSTER_USAGE');

/** One node: nothing elsewhere. */
export class StandaloneUsage implements ClusterUsage {
  elsewhere(): UserUsage {
    return NOTHING;
  }
}
