import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type Env } from './load-config.js';

const GOOD_SECRET = 'k3y-9f8e7d6c5b4a39281706f5e4d3c2b1a0-prod';
const prod: Env = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://relay.mydesk.in',
  KITE_API_KEY: 'abcd1234efgh',
  KITE_API_SECRET: 'zyxw9876vuts5432',
  REDIS_URL: 'redis://:9f8e7d6c5b4a39281706f5e4d3c2b1a0@redis:6379',
  JWT_SECRET: GOOD_SECRET,
  SESSION_ENCRYPTION_KEY: 's3al-0a1b2c3d4e5f60718293a4b5c6d7e8f9-prod',
  CORS_ORIGINS: 'https://relay.mydesk.in',
  ALLOWED_KITE_USER_IDS: 'AB1234',
};

function errors(env: Env): string[] {
  const r = loadConfig(env);
  assert.equal(r.ok, false, 'expected the configuration to be rejected');
  return r.ok ? [] : r.errors;
}
const line = (errs: string[], key: string) => errs.find((e) => e.startsWith(`- ${key}:`));

describe('loadConfig defaults', () => {
  it('an empty environment is a working development setup with the simulator and memory cache', () => {
    const r = loadConfig({});
    assert.ok(r.ok);
    const c = r.config;
    assert.equal(c.nodeEnv, 'development');
    assert.equal(c.port, 3000);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.publicUrl, 'http://localhost:3000');
    assert.equal(c.feedSource, 'simulator');
    assert.equal(c.redisUrl, undefined);
    assert.equal(c.cacheTtlMs, 5000);
    assert.equal(c.jwtTtl, '12h');
    assert.deepEqual(c.corsOrigins, ['http://localhost:3000']);
    assert.equal(c.maxSubscriptionsPerClient, 500);
    assert.equal(c.heartbeatIntervalMs, 5000);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.kite.apiRoot, 'https://api.kite.trade');
    assert.equal(c.kite.wsRoot, 'wss://ws.kite.trade');
    assert.equal(c.kite.loginUrl, 'https://kite.zerodha.com/connect/login');
    assert.equal(c.jwtSecretGenerated, true);
    assert.ok(c.jwtSecret.length >= 32);
    assert.match(r.warnings.join(), /JWT_SECRET/);
  });

  it('PUBLIC_URL follows PORT, and a Kite key selects the kite feed', () => {
    const r = loadConfig({ PORT: '8080', KITE_API_KEY: 'k', KITE_API_SECRET: 's' });
    assert.ok(r.ok);
    assert.equal(r.config.publicUrl, 'http://localhost:8080');
    assert.equal(r.config.feedSource, 'kite');
  });

  it('a complete production environment is accepted', () => {
    const r = loadConfig(prod);
    assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
    assert.equal(r.config.feedSource, 'kite');
  });

  it('CLOCK_START is parsed outside production', () => {
    const r = loadConfig({ CLOCK_START: '2026-12-01T09:14:55+05:30' });
    assert.ok(r.ok);
    assert.equal(r.config.clockStart, Date.parse('2026-12-01T03:44:55Z'));
  });
});

describe('loadConfig production rules', () => {
  for (const secret of [
    'change-this-in-production',
    'changeme',
    'secret',
    'CHANGEME-please-0123456789abcdefghijkl',
  ]) {
    it(`rejects the placeholder JWT_SECRET "${secret}" without echoing it`, () => {
      const errs = errors({ ...prod, JWT_SECRET: secret });
      assert.ok(line(errs, 'JWT_SECRET'));
      assert.ok(!errs.join('\n').includes(secret));
    });
  }

  it('rejects a short JWT_SECRET and one repeated character', () => {
    assert.match(line(errors({ ...prod, JWT_SECRET: 'abc123' }), 'JWT_SECRET')!, /32/);
    assert.match(line(errors({ ...prod, JWT_SECRET: 'a'.repeat(40) }), 'JWT_SECRET')!, /repeated/);
  });

  it('requires JWT_SECRET and REDIS_URL', () => {
    const errs = errors({ ...prod, JWT_SECRET: undefined, REDIS_URL: undefined });
    assert.match(line(errs, 'JWT_SECRET')!, /required/);
    assert.match(line(errs, 'REDIS_URL')!, /redis:\/\/:PASSWORD@redis:6379/);
  });

  it('rejects CORS_ORIGINS=*', () => {
    assert.ok(line(errors({ ...prod, CORS_ORIGINS: '*' }), 'CORS_ORIGINS'));
  });

  it('requires the Kite keys with FEED_SOURCE=kite and refuses the simulator in production', () => {
    const errs = errors({ ...prod, KITE_API_KEY: undefined, KITE_API_SECRET: undefined });
    assert.ok(line(errs, 'KITE_API_KEY'));
    assert.ok(line(errs, 'KITE_API_SECRET'));
    assert.ok(line(errors({ ...prod, FEED_SOURCE: 'simulator' }), 'FEED_SOURCE'));
    assert.ok(line(errors({ NODE_ENV: 'development', FEED_SOURCE: 'kite' }), 'KITE_API_KEY'));
  });

  it('requires https:// for PUBLIC_URL', () => {
    assert.match(line(errors({ ...prod, PUBLIC_URL: 'http://relay.mydesk.in' }), 'PUBLIC_URL')!, /https/);
  });

  it('refuses CLOCK_START in production', () => {
    assert.ok(line(errors({ ...prod, CLOCK_START: '2026-12-01T09:14:55+05:30' }), 'CLOCK_START'));
  });

  it('accepts a localhost REDIS_URL (whether Redis answers is checked at boot, see boot-checks)', () => {
    assert.ok(
      loadConfig({ ...prod, REDIS_URL: 'redis://:9f8e7d6c5b4a39281706f5e4d3c2b1a0@localhost:6379' }).ok,
    );
  });

  it('cluster settings: NODE_ID defaults to hostname-pid; the lease is renewed at least 3 times per lease', () => {
    const r = loadConfig(prod);
    assert.ok(r.ok);
    assert.match(r.config.nodeId, /^.+-\d+$/);
    assert.equal(r.config.leaseTtlMs, 5000);
    assert.equal(r.config.leaseRenewMs, 1500);
    assert.match(
      line(errors({ ...prod, LEASE_TTL_MS: '3000', LEASE_RENEW_MS: '1500' }), 'LEASE_RENEW_MS')!,
      /third/,
    );
    assert.ok(line(errors({ ...prod, NODE_ID: 'has space' }), 'NODE_ID'));
  });

  it('the validated configuration is frozen, nested parts too', () => {
    const r = loadConfig(prod);
    assert.ok(r.ok);
    assert.ok(
      Object.isFrozen(r.config) && Object.isFrozen(r.config.kite) && Object.isFrozen(r.config.corsOrigins),
    );
    assert.throws(() => ((r.config as { port: number }).port = 1));
  });

  it('reports every problem at once, one line per variable, in documentation order', () => {
    const errs = errors({ NODE_ENV: 'production', PORT: 'x', CACHE_TTL_MS: '50', LOG_LEVEL: 'loud' });
    const keys = errs.map((e) => /^- (\w+):/.exec(e)![1]);
    assert.deepEqual(keys, [...new Set(keys)]);
    for (const k of [
      'PORT',
      'PUBLIC_URL',
      'KITE_API_KEY',
      'REDIS_URL',
      'CACHE_TTL_MS',
      'JWT_SECRET',
      'LOG_LEVEL',
    ]) {
      assert.ok(keys.includes(k), k);
    }
    assert.ok(keys.indexOf('PORT') < keys.indexOf('LOG_LEVEL'));
  });
});

describe('loadConfig security settings', () => {
  it('production requires ALLOWED_KITE_USER_IDS (a login makes its user admin)', () => {
    const l = line(errors({ ...prod, ALLOWED_KITE_USER_IDS: undefined }), 'ALLOWED_KITE_USER_IDS');
    assert.match(l!, /required in production/);
    assert.match(
      line(errors({ ...prod, ALLOWED_KITE_USER_IDS: 'AB 12' }), 'ALLOWED_KITE_USER_IDS')!,
      /comma/,
    );
    const dev = loadConfig({ ALLOWED_KITE_USER_IDS: 'ab1234, CD5678' });
    assert.ok(dev.ok);
    assert.deepEqual(dev.config.allowedKiteUserIds, ['AB1234', 'CD5678']);
    assert.ok(loadConfig({}).ok, 'optional outside production');
  });

  it('SESSION_ENCRYPTION_KEY follows the JWT_SECRET rules in production and must differ from it', () => {
    assert.match(
      line(errors({ ...prod, SESSION_ENCRYPTION_KEY: undefined }), 'SESSION_ENCRYPTION_KEY')!,
      /required/,
    );
    const placeholder = 'replace-me-with-openssl-rand-hex-32';
    const errs = errors({ ...prod, SESSION_ENCRYPTION_KEY: placeholder });
    assert.match(line(errs, 'SESSION_ENCRYPTION_KEY')!, /placeholder/);
    assert.ok(!errs.join('\n').includes(placeholder));
    assert.match(line(errors({ ...prod, SESSION_ENCRYPTION_KEY: 'short' }), 'SESSION_ENCRYPTION_KEY')!, /32/);
    const same = errors({ ...prod, SESSION_ENCRYPTION_KEY: GOOD_SECRET });
    assert.match(line(same, 'SESSION_ENCRYPTION_KEY')!, /differ from JWT_SECRET/);
    assert.ok(!same.join('\n').includes(GOOD_SECRET));
    const r = loadConfig(prod);
    assert.ok(r.ok);
    assert.equal(r.config.sessionEncryptionKey, prod.SESSION_ENCRYPTION_KEY);
    assert.equal(r.config.sessionEncryptionKeyGenerated, false);
  });

  it('CLUSTER_SECRET is optional (the cluster key then comes from SESSION_ENCRYPTION_KEY); when set, a strong secret', () => {
    const none = loadConfig(prod);
    assert.ok(none.ok);
    assert.equal(none.config.clusterSecret, undefined);
    const own = 'c1u5ter-0a1b2c3d4e5f60718293a4b5c6d7e8f9';
    const set = loadConfig({ ...prod, CLUSTER_SECRET: own });
    assert.ok(set.ok);
    assert.equal(set.config.clusterSecret, own);
    for (const [bad, why] of [
      ['short-one', /32/],
      ['replace-me-with-openssl-rand-hex-32', /placeholder/],
      [GOOD_SECRET, /differ from JWT_SECRET/],
    ] as const) {
      for (const env of [prod, {}]) {
        const errs = errors({ ...env, JWT_SECRET: GOOD_SECRET, CLUSTER_SECRET: bad });
        assert.match(line(errs, 'CLUSTER_SECRET')!, why);
        assert.ok(!errs.join('\n').includes(bad), 'never the value');
      }
    }
  });

  it('outside production a missing SESSION_ENCRYPTION_KEY is random for the boot, with a warning', () => {
    const a = loadConfig({});
    const b = loadConfig({});
    assert.ok(a.ok && b.ok);
    assert.equal(a.config.sessionEncryptionKeyGenerated, true);
    assert.ok(a.config.sessionEncryptionKey.length >= 32);
    assert.notEqual(a.config.sessionEncryptionKey, b.config.sessionEncryptionKey);
    assert.notEqual(a.config.sessionEncryptionKey, a.config.jwtSecret);
    assert.ok(a.warnings.some((w) => /^SESSION_ENCRYPTION_KEY is not set/.test(w)));
  });

  it('METRICS_PORT: 9464 in production, unset elsewhere (the main port serves /metrics), a port other than PORT', () => {
    const p = loadConfig(prod);
    assert.ok(p.ok);
    assert.equal(p.config.metricsPort, 9464);
    const d = loadConfig({});
    assert.ok(d.ok);
    assert.equal(d.config.metricsPort, undefined);
    const set = loadConfig({ METRICS_PORT: '9100' });
    assert.ok(set.ok);
    assert.equal(set.config.metricsPort, 9100);
    assert.match(line(errors({ ...prod, METRICS_PORT: '3000' }), 'METRICS_PORT')!, /differ from PORT/);
    assert.match(line(errors({ METRICS_PORT: '70000' }), 'METRICS_PORT')!, /TCP port/);
    assert.match(line(errors({ METRICS_PORT: 'x' }), 'METRICS_PORT')!, /TCP port/);
  });

  it('TRUST_PROXY: loopback by default in development; false, true, a hop count or a list of addresses, CIDRs and names', () => {
    const trust = (v?: string) => {
      const r = loadConfig(v === undefined ? {} : { TRUST_PROXY: v });
      assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
      return r.config.trustProxy;
    };
    assert.deepEqual(trust(), ['loopback']);
    assert.equal(trust('false'), false);
    assert.equal(trust('true'), true);
    assert.equal(trust('2'), 2);
    assert.deepEqual(trust('loopback, uniquelocal,10.0.0.0/8,fd00::/8,192.168.1.7'), [
      'loopback',
      'uniquelocal',
      '10.0.0.0/8',
      'fd00::/8',
      '192.168.1.7',
    ]);
    for (const bad of ['everyone', '10.0.0.0/33', '10.0.0.1/8/2', '300.1.1.1', '99', 'loopback,,']) {
      assert.match(line(errors({ TRUST_PROXY: bad }), 'TRUST_PROXY')!, /hop count/, bad);
    }
  });
});
