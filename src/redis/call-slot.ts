import type { Redis } from 'ioredis';
import { ttlMs as validTtl } from './expiry.js';

/**
 * Takes a cluster call slot (`KEYS[1]`) for `ARGV[2]` ms, first come first served between nodes: a
 * node that finds the slot taken joins a queue (`KEYS[2]`, by the Redis time it first asked), and
 * only the longest-waiting node may take the slot when it frees, so no node loses the race again and
 * again. A waiter not seen for three slots (gone, or it stopped asking) is skipped. Answers 0 when
 * the slot is the caller's, else the ms to wait before asking again.
 */
const TAKE_FAIR_SLOT = `local slot, queue, seen = KEYS[1], KEYS[2], KEYS[2] .. ':seen'
local node, px = ARGV[1], tonumber(ARGV[2])
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zadd', queue, 'NX', now, node)
redis.call('hset', seen, node, now)
redis.call('pexpire', queue, px * 10)
redis.call('pexpire', seen, px * 10)
while true do
  local head = redis.call('zrange', queue, 0, 0)[1]
  if head == node then break end
  if tonumber(redis.call('hget', seen, head) or '0') >= now - 3 * px then
    local ttl = redis.call('pttl', slot)
    if ttl < 5 then ttl = 5 end
    return ttl
  end
  redis.call('zrem', queue, head)
  redis.call('hdel', seen, head)
end
if redis.call('set', slot, node, 'NX', 'PX', px) then
  redis.call('zrem', queue, node)
  redis.call('hdel', seen, node)
  return 0
end
-- A slot expiring within the millisecond has a PTTL of 0, which must not read as taken.
local left = redis.call('pttl', slot)
if left < 1 then left = 1 end
return left`;

/** The fair slot `name` under the deployment's key `prefix`: 0 when taken for `ms`, else the ms to wait. */
export async function takeFairSlot(client: Redis, prefix: string, name: string, nodeId: string, ms: number) {
  const px = String(validTtl(ms));
  const keys = [`${prefix}${name}:call-slot`, `${prefix}${name}:call-queue`];
  return Number(await client.eval(TAKE_FAIR_SLOT, 2, ...keys, nodeId, px));
}
