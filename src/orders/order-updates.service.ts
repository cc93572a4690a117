import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { UpstreamOwnership } from '../cluster/upstream-ownership.js';
import { errorText } from '../common/error-text.js';
import { AppConfigService } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClusterBus } from '../redis/cluster-bus.js';
import type { OrderMessage } from '../redis/bus-messages.contract.js';
import { RedisClients } from '../redis/redis-clients.js';
import {
  MAX_ORDER_TEXT,
  orderData,
  orderKey,
  orderLabel,
  parseOrderText,
  type OrderUpdate,
} from './order-update.js';
import { OrderRepeatFilter } from './order-repeat-filter.js';
import { orderMetrics, type OrderMetrics } from './orders.metrics.js';

export type OrderListener = (update: OrderUpdate) => void;

/**
 * The account's order updates on this node, each delivered once to every listener (the Socket.IO
 * gateway, the Kite-protocol endpoint). They come from this node's upstream when it holds it (or
 * stands alone), which then publishes each one on the cluster bus, or from the holder over the bus.
 * The bus is live-only: nothing is stored, so a new holder replays nothing. Repeats (the same
 * update on several shard connections, or from two nodes during a partition) are dropped by key.
 */
@Injectable()
export class OrderUpdatesService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(OrderUpdatesService.name);
  private readonly listeners = new Set<OrderListener>();
  private readonly repeats = new OrderRepeatFilter();
  private readonly m: OrderMetrics;
  private readonly nodeId: string;
  private off?: () => void;

  constructor(
    config: AppConfigService,
    private readonly ownership: UpstreamOwnership,
    private readonly bus: ClusterBus,
    private readonly redis: RedisClients,
    metrics: MetricsService,
  ) {
    this.nodeId = config.values.nodeId;
    this.m = orderMetrics(metrics);
  }

  onModuleInit(): void {
    if (this.redis.configured) this.off = this.bus.onMessage('order', (msg) => this.fromBus(msg));
  }

  onApplicationShutdown(): void {
    this.off?.();
  }

  /** Subscribes to every order update this node delivers; returns the unsubscribe function. */
  onOrder(listener: OrderListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An order text frame from this node's upstream: `raw` as Kite sent it, `data` its parsed `data`. */
  fromUpstream(raw: string, data: unknown): void {
    const order = raw.length <= MAX_ORDER_TEXT ? orderData(data) : undefined;
    if (!order) return this.malformed('upstream');
    if (!this.deliver({ raw, data: order })) return;
    const { role, fencing } = this.ownership.state;
    if (role === 'holder' && fencing !== null) {
      void this.bus.publishMessage({ type: 'order', node: this.nodeId, fencing, raw });
    }
  }

  /** A text frame from the upstream that was meant as an order but is not one (bad JSON). */
  malformed(from: 'upstream' | 'bus'): void {
    this.m.malformed.inc();
    // Debug only: a flood of them must not flood the log; the counter is what operators watch.
    this.logger.debug(`malformed order update from the ${from} dropped`);
  }

  /** An order update the holder published (validated as an `order` message where it entered the bus). */
  private fromBus(msg: OrderMessage): void {
    if (msg.node === this.nodeId) return;
    const update = parseOrderText(msg.raw);
    if (!update) return this.malformed('bus');
    this.deliver(update);
  }

  /** Delivers a first-seen update to every listener; false for a repeat. */
  private deliver(update: OrderUpdate): boolean {
    if (!this.repeats.admit(orderKey(update.data))) {
      this.m.repeats.inc();
      return false;
    }
    this.m.forwarded.inc();
    this.logger.debug(`order update ${orderLabel(update.data)}`);
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (err) {
        this.logger.error(`an order update listener failed: ${errorText(err)}`);
      }
    }
    return true;
  }
}
