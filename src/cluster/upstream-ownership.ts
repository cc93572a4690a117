import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { errorText } from '../common/error-text.js';
import { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import { LeaseRepository } from '../redis/lease.repository.js';
import { RedisClients } from '../redis/redis-clients.js';

import type { OwnershipState } from '../contracts/ownership.contract.js';

export type { OwnershipRole, OwnershipState } from '../contracts/ownership.contract.js';

/**
 * The one place that knows about the upstream lease. Without Redis a node is standalone and holds
 * the upstream itself. With Redis, exactly one node holds a lease (LEASE_TTL_MS, renewed every
 * LEASE_RENEW_MS): it is the holder and opens the upstream; the others follow. A holder whose lease
 * was taken becomes a follower at once (and so closes its upstream); a holder that cannot reach
 * Redis at all keeps its upstream and its clients' ticks until Redis answers again.
 */
@Injectable()
export class UpstreamOwnership implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(UpstreamOwnership.name);
  private stateValue: OwnershipState;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** After an outage, followers leave the previous holder one renewal to take its lease back. */
  private graceUntil = 0;
  private readonly nodeId: string;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private readonly off: () => void;

  constructor(
    config: AppConfigService,
    private readonly redis: RedisClients,
    private readonly lease: LeaseRepository,
    private readonly events: RelayEvents,
  ) {
    this.nodeId = config.values.nodeId;
    this.ttlMs = config.values.leaseTtlMs;
    this.renewMs = config.values.leaseRenewMs;
    this.stateValue = redis.configured
      ? { role: 'follower', holder: null, fencing: null, redisUp: false }
      : { role: 'standalone', holder: this.nodeId, fencing: null, redisUp: true };
    let wasDown = false;
    this.off = events.on('redis.availability', ({ up }) => {
      // After an outage (not at boot), the previous holder gets one renewal to take its lease back.
      if (up && wasDown && this.stateValue.role === 'follower') {
        this.graceUntil = Date.now() + this.renewMs + 500;
      }
      wasDown = !up;
    });
  }

  get state(): OwnershipState {
    return this.stateValue;
  }

  /** Whether this node may hold the upstream connection right now. */
  get mayHoldUpstream(): boolean {
    return this.stateValue.role !== 'follower';
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis.configured) return;
    this.schedule(await this.poll());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.off();
    clearTimeout(this.timer);
    const { role, fencing } = this.stateValue;
    if (role !== 'holder' || fencing === null) return;
    try {
      await this.lease.release(this.nodeId, fencing);
      this.logger.log('upstream lease released (shutting down): another node takes over at once');
    } catch (err) {
      this.logger.warn(`upstream lease not released (${errorText(err)}): it expires in ${this.ttlMs} ms`);
    }
    this.set({ role: 'follower', holder: null, fencing: null, redisUp: this.stateValue.redisUp });
  }

  /** Polls again now: another node released the lease, there is no need to wait for the next round. */
  nudge(): void {
    if (this.stopped || this.stateValue.role === 'holder') return;
    clearTimeout(this.timer);
    void this.poll().then((next) => this.schedule(next));
  }

  /** One round of the lease loop; resolves to the milliseconds until the next round. */
  async poll(): Promise<number> {
    if (this.stopped) return this.renewMs;
    const s = this.stateValue;
    try {
      if (s.role === 'holder' && s.fencing !== null) {
        const r = await this.lease.renew(this.nodeId, s.fencing, this.ttlMs);
        if (r !== 'lost') {
          if (r === 'reestablished') {
            this.logger.warn(`upstream lease was gone (Redis restarted?); taken back`);
          }
          this.set({ ...s, redisUp: true });
          return this.renewMs;
        }
        this.logger.warn('upstream lease lost to another node: closing the upstream');
        return this.follow(await this.lease.read());
      }
      const current = await this.lease.read();
      if (current || Date.now() < this.graceUntil) return this.follow(current);
      const fencing = await this.lease.acquire(this.nodeId, this.ttlMs);
      if (fencing === null) return this.follow(await this.lease.read());
      this.logger.log(`upstream lease acquired (fencing ${fencing}): this node holds the upstream`);
      this.set({ role: 'holder', holder: this.nodeId, fencing, redisUp: true });
      return this.renewMs;
    } catch (err) {
      // Redis does not answer: a holder keeps what it has; a follower cannot take anything.
      if (s.redisUp) this.logger.warn(`upstream lease: Redis does not answer (${errorText(err)})`);
      this.set({ ...s, redisUp: false });
      return Math.min(this.renewMs, 500);
    }
  }

  private follow(current: { nodeId: string; fencing: number; ttlMs: number } | null): number {
    this.set({
      role: 'follower',
      holder: current?.nodeId ?? null,
      fencing: current?.fencing ?? null,
      redisUp: true,
    });
    // Try again right when the holder's lease would run out, not a whole round later.
    return current
      ? Math.min(this.renewMs, current.ttlMs + 5)
      : Math.min(this.renewMs, Math.max(5, this.graceUntil - Date.now()));
  }

  private set(next: OwnershipState): void {
    const s = this.stateValue;
    this.stateValue = next;
    if (
      s.role !== next.role ||
      s.holder !== next.holder ||
      s.fencing !== next.fencing ||
      s.redisUp !== next.redisUp
    ) {
      this.events.emit('ownership.changed', next);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll().then((next) => this.schedule(next)), ms);
    this.timer.unref();
  }
}
