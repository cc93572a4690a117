import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { UserUsageNotice } from '../events/event-map.js';
import { RelayEvents } from '../events/relay-events.js';
import { ClusterMembership } from './membership.js';

/** What a user holds where it holds nothing (shared, frozen: never mutate its set). */
export const NOTHING: { connections: number; instruments: ReadonlySet<number> } = Object.freeze({
  connections: 0,
  instruments: new Set<number>(),
});

/**
 * What each user holds on the other nodes (the gateway's per-user limits count the cluster), read
 * from their node records; and this node's own usage, kept whole from UserLimitsService's
 * 'usage.changed' notices and handed to the membership record. Standalone, nothing elsewhere.
 */
@Injectable()
export class ClusterUsageView implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly local = new Map<string, UserUsageNotice>();
  private off?: () => void;

  constructor(
    private readonly membership: ClusterMembership,
    private readonly events: RelayEvents,
  ) {}

  onApplicationBootstrap(): void {
    this.off = this.events.on('usage.changed', ({ users }) => {
      for (const u of users) {
        if (u.connections === 0 && u.instruments.length === 0) this.local.delete(u.sub);
        else this.local.set(u.sub, u);
      }
      let clients = 0;
      for (const u of this.local.values()) clients += u.connections;
      this.membership.setUsage([...this.local.values()], clients);
    });
  }

  onApplicationShutdown(): void {
    this.off?.();
  }

  /** What `sub` holds on the other nodes. */
  elsewhere(sub: string): { connections: number; instruments: ReadonlySet<number> } {
    let connections = 0;
    let instruments: Set<number> | undefined;
    for (const record of this.membership.nodes().values()) {
      const u = record.usage.find((x) => x.sub === sub);
      if (!u) continue;
      connections += u.connections;
      instruments ??= new Set();
      for (const t of u.instruments) instruments.add(t);
    }
    return instruments
      ? { connections, instruments }
      : connections
        ? { connections, instruments: new Set() }
        : NOTHING;
  }
}
