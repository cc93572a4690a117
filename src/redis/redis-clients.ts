import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import { createCommandConnection, createSubscriberConnection } from './redis-connection.js';
import { PROBE_INTERVAL_MS, REDIS_KEY_PREFIX } from './redis.constants.js';

/**
 * The Redis connections of the application, when REDIS_URL is set: one command connection and one
 * duplicated subscriber. Knows whether Redis answers: down on a closed connection or on a command
 * failure a user reports, up again when a PING answers. Nothing else connects to Redis.
 */
@Injectable()
export class RedisClients implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisClients.name);
  readonly command?: Redis;
  readonly subscriber?: Redis;
  private upValue = false;
  private probe?: NodeJS.Timeout;
  private closed = false;
  private downLogged = false;

  constructor(
    config: AppConfigService,
    private readonly events: RelayEvents,
    @Inject(REDIS_KEY_PREFIX) readonly prefix: string,
  ) {
    const url = config.values.redisUrl;
    if (!url) return;
    this.command = createCommandConnection(url);
    this.subscriber = createSubscriberConnection(this.command);
    this.command.on('ready', () => void this.check());
    this.command.on('close', () => this.markDown('connection closed'));
    // A connection error is followed by 'close'; the event itself carries nothing more to act on.
    this.command.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
  }

  /** Whether REDIS_URL is set (a cluster member); false in development without Redis. */
  get configured(): boolean {
    return this.command !== undefined;
  }

  /** Whether Redis answers right now. */
  get up(): boolean {
    return this.upValue;
  }

  /** The full key for `name` under this deployment's prefix. */
  key(name: string): string {
    return this.prefix + name;
  }

  async onModuleInit(): Promise<void> {
    if (!this.command || !this.subscriber) return;
    // Neither rejects the boot: a Redis that is down now is retried in the background.
    await Promise.all([
      this.command.connect().catch((err: unknown) => this.markDown(`not reachable at boot: ${String(err)}`)),
      // The subscriber retries on its own; its failures show on the command connection's state.
      this.subscriber.connect().catch(() => undefined),
    ]);
    await this.check();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    clearInterval(this.probe);
    this.subscriber?.disconnect();
    this.command?.disconnect();
  }

  /** A command failed or timed out: Redis counts as down until a PING answers. */
  reportFailure(reason: string): void {
    this.markDown(reason);
  }

  private markDown(reason: string): void {
    if (this.closed) return;
    if (!this.probe) {
      this.probe = setInterval(() => void this.check(), PROBE_INTERVAL_MS);
      this.probe.unref();
    }
    if (!this.upValue && this.downLogged) return;
    this.upValue = false;
    this.downLogged = true;
    this.logger.warn(`Redis unavailable (${reason}); serving from memory until it answers again`);
    this.events.emit('redis.availability', { up: false });
  }

  private async check(): Promise<void> {
    if (!this.command || this.closed) return;
    try {
      if ((await this.command.ping()) !== 'PONG') return;
    } catch {
      return;
    }
    clearInterval(this.probe);
    this.probe = undefined;
    if (this.upValue) return;
    if (this.downLogged) this.logger.log('Redis answers again');
    this.upValue = true;
    this.downLogged = false;
    this.events.emit('redis.availability', { up: true });
  }
}
