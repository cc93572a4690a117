import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfigService } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClusterKey } from './cluster-key.js';

const config = (values: object) => ({ values }) as AppConfigService;
const SESSION_KEY = 'cluster-key-spec-session-0123456789abcdef';

describe('ClusterKey', () => {
  it('seals a record to its kind and id; a planted, edited, moved or retyped one does not open, and is counted', async () => {
    const metrics = new MetricsService();
    const sut = new ClusterKey(config({ sessionEncryptionKey: SESSION_KEY }), metrics);
    const sealed = sut.seal('invite', 'id-1', '{"exp":1}');
    assert.equal(sut.open('invite', 'id-1', sealed), '{"exp":1}');
    assert.equal(sut.open('invite', 'id-1', '{"exp":1}'), undefined, 'unsealed');
    assert.equal(sut.open('invite', 'id-1', sealed.replace('"exp":1', '"exp":9')), undefined, 'edited');
    assert.equal(sut.open('invite', 'id-2', sealed), undefined, 'moved to another id');
    assert.equal(sut.open('token', 'id-1', sealed), undefined, 'another kind');
    assert.equal(sut.verify('invite', 'id-1', 'x', undefined), false);
    const text = await metrics.registry.getSingleMetricAsString('kite_relay_redis_records_refused_total');
    assert.match(text, /kind="invite"} 4/);
    assert.match(text, /kind="token"} 1/);
  });

  it('derives its key from CLUSTER_SECRET when set, else from SESSION_ENCRYPTION_KEY, never equal to either', () => {
    const derived = new ClusterKey(config({ sessionEncryptionKey: SESSION_KEY }), new MetricsService());
    const own = new ClusterKey(
      config({ sessionEncryptionKey: SESSION_KEY, clusterSecret: 'cluster-key-spec-own-secret-0123456789' }),
      new MetricsService(),
    );
    assert.equal(derived.key.length, 32);
    assert.notDeepEqual(derived.key, own.key);
    assert.ok(!derived.key.toString('hex').includes(Buffer.from(SESSION_KEY).toString('hex')));
    const sealed = derived.seal('token', 'a', 'x');
    assert.equal(own.open('token', 'a', sealed), undefined, "another deployment's key does not open it");
  });
});
