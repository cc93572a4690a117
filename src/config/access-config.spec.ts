import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type Env } from './load-config.js';

function errorLine(env: Env, key: string): string | undefined {
  const r = loadConfig(env);
  assert.equal(r.ok, false, 'expected the configuration to be rejected');
  return r.ok ? undefined : r.errors.find((e) => e.startsWith(`- ${key}:`));
}

describe('loadConfig: who may read /metrics', () => {
  it('METRICS_TOKEN is optional; a long random one is kept as given', () => {
    const none = loadConfig({});
    assert.ok(none.ok);
    assert.equal(none.config.metricsToken, undefined);
    const token = 'c0ffee11d00d4a5b8e9f0a1b2c3d4e5f6a7b8c9d';
    const set = loadConfig({ METRICS_TOKEN: token });
    assert.ok(set.ok);
    assert.equal(set.config.metricsToken, token);
  });

  it('a short, placeholder, repeated or spaced METRICS_TOKEN is refused without echoing it', () => {
    for (const bad of [
      'short-token',
      'change-this-metrics-token-0123456789',
      'a'.repeat(40),
      `${'x1'.repeat(20)} y`,
    ]) {
      const msg = errorLine({ METRICS_TOKEN: bad }, 'METRICS_TOKEN');
      assert.match(msg ?? '', /at least 32 printable characters/, bad);
      assert.ok(!msg?.includes(bad), 'the value is not printed');
    }
  });
});

describe('loadConfig: whose X-Forwarded-For is believed', () => {
  const trust = (env: Env) => {
    const r = loadConfig(env);
    assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
    return r.config.trustProxy;
  };
  const prod: Env = {
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://relay.mydesk.in',
    KITE_API_KEY: 'abcd1234efgh',
    KITE_API_SECRET: 'zyxw9876vuts5432',
    REDIS_URL: 'redis://:9f8e7d6c5b4a39281706f5e4d3c2b1a0@redis:6379',
    JWT_SECRET: 'k3y-9f8e7d6c5b4a39281706f5e4d3c2b1a0-prod',
    SESSION_ENCRYPTION_KEY: 's3al-0a1b2c3d4e5f60718293a4b5c6d7e8f9-prod',
    ALLOWED_KITE_USER_IDS: 'AB1234',
  };

  it('development trusts a proxy on this host (loopback) by default', () => {
    assert.deepEqual(trust({}), ['loopback']);
    assert.deepEqual(trust({ NODE_ENV: 'development' }), ['loopback']);
  });

  it('test and production trust nobody by default, loopback included', () => {
    assert.equal(trust({ NODE_ENV: 'test' }), false);
    assert.equal(trust(prod), false);
  });

  it('outside development loopback is trusted only when configured', () => {
    assert.deepEqual(trust({ ...prod, TRUST_PROXY: 'loopback,uniquelocal' }), ['loopback', 'uniquelocal']);
    assert.deepEqual(trust({ NODE_ENV: 'test', TRUST_PROXY: 'loopback' }), ['loopback']);
  });
});

describe('loadConfig: the Redis password', () => {
  const prod: Env = {
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://relay.mydesk.in',
    KITE_API_KEY: 'abcd1234efgh',
    KITE_API_SECRET: 'zyxw9876vuts5432',
    JWT_SECRET: 'k3y-9f8e7d6c5b4a39281706f5e4d3c2b1a0-prod',
    SESSION_ENCRYPTION_KEY: 's3al-0a1b2c3d4e5f60718293a4b5c6d7e8f9-prod',
    ALLOWED_KITE_USER_IDS: 'AB1234',
  };

  it("production refuses the template's placeholder password in REDIS_URL, without printing it", () => {
    const url = 'redis://:replace-me-with-openssl-rand-hex-32@kite-relay-redis:6379';
    const msg = errorLine({ ...prod, REDIS_URL: url }, 'REDIS_URL');
    assert.match(msg ?? '', /placeholder password/);
    assert.ok(!msg?.includes('replace-me'));
  });

  it('production refuses a REDIS_URL without a password, saying how to set one', () => {
    for (const url of ['redis://redis:6379', 'rediss://kite-relay@redis.internal:6380']) {
      const msg = errorLine({ ...prod, REDIS_URL: url }, 'REDIS_URL');
      assert.match(msg ?? '', /carries no password: in production Redis must be authenticated/, url);
      assert.match(msg ?? '', /redis:\/\/:PASSWORD@redis:6379/);
    }
    assert.ok(
      loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).ok,
      'development may use a Redis without one',
    );
  });

  it('a real password, or an ACL user with one, is accepted (whether Redis agrees is checked at boot)', () => {
    for (const url of [
      'redis://:9f8e7d6c5b4a39281706f5e4d3c2b1a0@redis:6379',
      'rediss://kite-relay:9f8e7d6c5b4a39281706f5e4d3c2b1a0@redis.internal:6380',
    ]) {
      const r = loadConfig({ ...prod, REDIS_URL: url });
      assert.ok(r.ok, url);
    }
  });
});
