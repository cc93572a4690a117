import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfigService } from '../config/app-config.service.js';
import type { UserUsageNotice } from '../events/event-map.js';
import { RelayEvents } from '../events/relay-events.js';
import { MODES, type TickMode } from '../kite/kite.constants.js';
import { nodeRecord, type NodeRecord } from '../redis/bus-messages.contract.js';
import { ClusterBus } from '../redis/cluster-bus.js';
import { NodeRecordStore } from '../redis/node-record.store.js';
import { RedisClients } from '../redis/redis-clients.js';
import { UpstreamOwnership } from './upstream-ownership.js';

export type { NodeRecord } from '../redis/bus-messages.contract.js';

const REFRESH_MS = 1000;

/**
 * The nodes of the cluster. Each node keeps a record in Redis (expiring after LEASE_TTL_MS unless
 * refreshed every second) and publishes it on every change: what its clients want upstream (the
 * holder subscribes the union), and each user's connections and instruments (per-user limits count
 * the whole cluster). A node that dies is gone when its record expires; one that stops removes it.
 */
@Injectable()
export class ClusterMembership implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ClusterMembership.name);
  private demand: [number, number][] = [];
  private usage: UserUsageNotice[] = [];
  private clients = 0;
  private readonly others = new Map<string, NodeRecord>();
  private publishTimer?: NodeJS.Timeout;
  private refreshTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly off: (() => void)[] = [];
  private readonly nodeId: string;
  private readonly ttlMs: number;

  constructor(
    config: AppConfigService,
    private readonly redis: RedisClients,
    private readonly store: NodeRecordStore,
    private readonly bus: ClusterBus,
    private readonly ownership: UpstreamOwnership,
    private readonly events: RelayEvents,
  ) {
    this.nodeId = config.values.nodeId;
    this.ttlMs = config.values.leaseTtlMs;
  }

  onApplicationBootstrap(): void {
    if (!this.redis.configured) return;
    this.off.push(
      this.bus.onMessage('node', (msg) => this.accept(msg.record)),
      this.bus.onMessage('node-gone', (msg) => this.forget(msg.id)),
    );
    this.refreshTimer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.refreshTimer.unref();
    void this.refresh();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const off of this.off) off();
    clearInterval(this.refreshTimer);
    clearTimeout(this.publishTimer);
    if (!this.redis.up) return;
    try {
      await this.store.delete(this.nodeId);
      await this.bus.publishMessage({ type: 'node-gone', id: this.nodeId });
    } catch {
      // It expires on its own within LEASE_TTL_MS.
    }
  }

  /** This node's clients' demand changed (instrument → the highest mode). */
  setDemand(demand: ReadonlyMap<number, TickMode>): void {
    this.demand = [...demand].map(([t, m]) => [t, MODES.indexOf(m)]);
    this.schedule(25);
  }

  /** This node's per-user usage changed. */
  setUsage(usage: UserUsageNotice[], clients: number): void {
    this.usage = usage;
    this.clients = clients;
    this.schedule(100);
  }

  /** The other live nodes' records, by id. */
  nodes(): ReadonlyMap<string, NodeRecord> {
    return this.others;
  }

  private record(): NodeRecord {
    return {
      id: this.nodeId,
      role: this.ownership.state.role,
      demand: this.demand,
      usage: this.usage,
      clients: this.clients,
    };
  }

  private schedule(ms: number): void {
    if (this.publishTimer || this.stopped || !this.redis.configured) return;
    this.publishTimer = setTimeout(() => {
      this.publishTimer = undefined;
      void this.publish();
    }, ms);
    this.publishTimer.unref();
  }

  private async publish(): Promise<void> {
    if (!this.redis.up) return;
    const record = this.record();
    try {
      await this.store.write(this.nodeId, JSON.stringify(record), this.ttlMs);
      await this.bus.publishMessage({ type: 'node', record });
    } catch (err) {
      this.logger.debug(`node record not written: ${String(err)}`);
    }
  }

  /** Writes this node's record and reads everyone's: joins and expiries show within a second. */
  private async refresh(): Promise<void> {
    if (this.stopped || !this.redis.up) return;
    await this.publish();
    let all: Map<string, string>;
    try {
      all = await this.store.readAll();
    } catch {
      return;
    }
    for (const [id, json] of all) {
      if (id === this.nodeId) continue;
      const record = parseRecord(json);
      if (record?.id === id) this.accept(record);
      else this.logger.warn(`node record of ${id} is malformed; ignored`);
    }
    for (const id of [...this.others.keys()]) if (!all.has(id)) this.forget(id);
  }

  private accept(record: NodeRecord): void {
    if (record.id === this.nodeId) return;
    const previous = this.others.get(record.id);
    this.others.set(record.id, record);
    if (JSON.stringify(previous?.demand) !== JSON.stringify(record.demand)) {
      const demand = new Map<number, TickMode>();
      for (const [t, m] of record.demand) demand.set(t, MODES[m]);
      this.events.emit('cluster.demand', { node: record.id, demand });
    }
  }

  private forget(id: string): void {
    if (!this.others.delete(id)) return;
    this.logger.log(`node ${id} left the cluster`);
    this.events.emit('cluster.demand', { node: id, demand: new Map() });
  }
}

function parseRecord(json: string): NodeRecord | undefined {
  try {
    return nodeRecord(JSON.parse(json));
  } catch {
    return undefined;
  }
}
