import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import type { RedisClients } from '../redis/redis-clients.js';
import type { TokenStore } from '../redis/token.store.js';
import type { RevocationFile } from './revocation-file.js';
import { TokenRegistry } from './token-registry.js';

/** A DATA_DIR copy whose read answers when the test says so, and every map written to it. */
function slowFile(stored: Map<string, number>) {
  let answer!: () => void;
  const readCalled = new Promise<void>((r) => (answer = r));
  const writes: Map<string, number>[] = [];
  const file = {
    read: async () => {
      await readCalled;
      return new Map(stored);
    },
    write: async (m: ReadonlyMap<string, number>) => {
      writes.push(new Map(m));
    },
  };
  return { file: file as unknown as RevocationFile, writes, answer };
}

describe('TokenRegistry and its DATA_DIR copy', () => {
  it('a revocation heard before the copy is read never overwrites the copy without what it holds', async () => {
    const later = Date.now() + 3_600_000;
    const { file, writes, answer } = slowFile(new Map([['kept-on-disk', later]]));
    const events = new RelayEvents();
    const redis = { up: false, configured: false } as unknown as RedisClients;
    const registry = new TokenRegistry(
      { values: { nodeId: 'node-a' } } as AppConfigService,
      {} as TokenStore,
      redis,
      events,
      file,
    );
    // Another node's revocation arrives while this node is still starting (its file not read yet).
    events.emit('token.revoked', { origin: 'node-b', id: 'heard-at-boot', exp: Math.ceil(later / 1000) });
    assert.equal(registry.isRevoked('heard-at-boot'), true, 'refused at once');
    await new Promise((r) => setImmediate(r));
    assert.equal(writes.length, 0, 'nothing written before the copy is read');
    answer();
    await registry.onModuleInit();
    await new Promise((r) => setImmediate(r));
    assert.equal(registry.isRevoked('kept-on-disk'), true);
    assert.equal(registry.isRevoked('heard-at-boot'), true);
    assert.ok(writes.length > 0, 'the heard revocation is kept');
    for (const w of writes) {
      assert.ok(w.has('kept-on-disk') && w.has('heard-at-boot'), 'every write holds both');
    }
    registry.onModuleDestroy();
  });
});
