import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KiteSessionService } from '../auth/kite-session.service.js';
import { AppConfigService } from '../config/app-config.service.js';
import type { RelayEventMap } from '../events/event-map.js';
import { CLUSTER_EVENTS, RelayEvents } from '../events/relay-events.js';
import type { EventMessage } from '../redis/bus-messages.contract.js';
import { ClusterBus } from '../redis/cluster-bus.js';
import { RedisClients } from '../redis/redis-clients.js';

/**
 * Carries CLUSTER_EVENTS between nodes, like Immich's serverEvents: each event a node originates
 * is published on the bus; each one from another node is applied here. Session notices make the
 * session service read the stored session (the bus never carries a token); the other events are
 * raised locally as they came, with their origin, so nothing is published twice.
 */
@Injectable()
export class ClusterEventsBridge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterEventsBridge.name);
  private readonly off: (() => void)[] = [];
  private readonly nodeId: string;

  constructor(
    config: AppConfigService,
    private readonly redis: RedisClients,
    private readonly bus: ClusterBus,
    private readonly events: RelayEvents,
    private readonly session: KiteSessionService,
  ) {
    this.nodeId = config.values.nodeId;
  }

  onApplicationBootstrap(): void {
    if (!this.redis.configured) return;
    for (const name of CLUSTER_EVENTS) {
      this.off.push(
        this.events.on(name, (payload: RelayEventMap[typeof name]) => {
          if (payload.origin !== this.nodeId) return;
          // A restored session is one every node already has: only a new token is news.
          if (name === 'session.changed' && !(payload as RelayEventMap['session.changed']).fresh) return;
          void this.bus.publishMessage({ type: 'event', name, payload } as EventMessage);
        }),
      );
    }
    this.off.push(this.bus.onMessage('event', (msg) => void this.receive(msg)));
  }

  onApplicationShutdown(): void {
    for (const off of this.off) off();
  }

  private async receive(msg: EventMessage): Promise<void> {
    const origin = msg.payload.origin;
    if (origin === this.nodeId) return;
    try {
      switch (msg.name) {
        case 'session.changed':
          return await this.session.followRemote('changed', origin);
        case 'session.expired':
          return await this.session.followRemote('expired', origin, msg.payload.reason);
        case 'session.cleared':
          return await this.session.followRemote('cleared', origin);
        case 'quotes.invalidated':
        case 'instruments.stored':
        case 'token.revoked':
          return this.events.emit(msg.name, msg.payload);
      }
    } catch (err) {
      this.logger.warn(`cluster event ${msg.name} from ${origin} not applied: ${String(err)}`);
    }
  }
}
