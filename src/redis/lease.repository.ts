import { Injectable } from '@nestjs/common';
import { ttlMs as validTtl } from './expiry.js';
import { RedisClients } from './redis-clients.js';

/** Who holds a lease, with the fencing number of its tenure. */
export interface LeaseHolder {
  nodeId: string;
  fencing: number;
  /** Milliseconds until the lease expires unless renewed. */
  ttlMs: number;
}

export type RenewResult = 'renewed' | 'reestablished' | 'lost';

// The fencing number grows with every new holder: above the last one handed out, and above Redis'
// own clock in ms, so that it keeps growing even after a Redis restarted without its data.
const ACQUIRE = `if redis.call('exists', KEYS[1]) == 1 then return false end
local t = redis.call('time')
local f = math.max(tonumber(redis.call('get', KEYS[2]) or '0') + 1, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local fs = string.format('%d', f)
redis.call('set', KEYS[2], fs)
redis.call('set', KEYS[1], ARGV[1] .. ' ' .. fs, 'PX', ARGV[2])
return fs`;

// Renews only the caller's own tenure. A lease that vanished (Redis restarted empty) is taken back
// by its last holder with the same fencing number, so its frames stay valid and nobody reconnects.
const RENEW = `local v = redis.call('get', KEYS[1])
if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
return 0`;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/**
 * The upstream lease in Redis: SET NX PX with a fencing number (a Lua script, so acquiring and
 * numbering are one step), renewal and release that only ever touch the caller's own tenure.
 * I/O only: what a node does with the answers is UpstreamOwnership's decision. Every call rejects
 * when Redis does not answer; that is never read as "the lease is free".
 */
@Injectable()
export class LeaseRepository {
  constructor(private readonly redis: RedisClients) {}

  private get keys(): [string, string] {
    return [this.redis.key('lease:upstream'), this.redis.key('lease:fencing')];
  }

  /** The fencing number of a new tenure, or null when someone holds the lease. */
  async acquire(nodeId: string, ttlMs: number): Promise<number | null> {
    const px = String(validTtl(ttlMs));
    const f = await this.client().eval(ACQUIRE, 2, ...this.keys, nodeId, px);
    return f === null ? null : Number(f);
  }

  async renew(nodeId: string, fencing: number, ttlMs: number): Promise<RenewResult> {
    const px = String(validTtl(ttlMs));
    const r = await this.client().eval(RENEW, 2, ...this.keys, `${nodeId} ${fencing}`, px);
    return r === 1 ? 'renewed' : r === 2 ? 'reestablished' : 'lost';
  }

  /** Gives the lease up at once (a graceful stop hands over without waiting for expiry). */
  async release(nodeId: string, fencing: number): Promise<boolean> {
    return (await this.client().eval(RELEASE, 2, ...this.keys, `${nodeId} ${fencing}`)) === 1;
  }

  async read(): Promise<LeaseHolder | null> {
    const [[, value], [, ttl]] = ((await this.client()
      .multi()
      .get(this.keys[0])
      .pttl(this.keys[0])
      .exec()) ?? [
      [null, null],
      [null, -2],
    ]) as [[unknown, string | null], [unknown, number]];
    if (!value) return null;
    const [nodeId, fencing] = value.split(' ');
    return { nodeId, fencing: Number(fencing), ttlMs: Math.max(0, ttl) };
  }

  private client() {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
