import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KiteSimulator } from '../../src/simulator/simulator.js';
import { freePort } from '../helpers/free-port.js';
import { RedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.js');

/** Runs the built app as a child process with exactly `env` (plus PATH). */
function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('boot: configuration is checked before anything listens', () => {
  it('a bad production environment exits 78, names each bad variable, and does not print the secret', async () => {
    const secret = 'changeme-not-a-real-secret';
    const p = run({
      NODE_ENV: 'production',
      JWT_SECRET: secret,
      CORS_ORIGINS: '*',
      PUBLIC_URL: 'http://x.test',
      CLOCK_START: '2026-12-01T09:00:00+05:30',
    });
    assert.equal(await p.exited, 78);
    for (const k of [
      'PUBLIC_URL',
      'ALLOWED_KITE_USER_IDS',
      'SESSION_ENCRYPTION_KEY',
      'KITE_API_KEY',
      'KITE_API_SECRET',
      'REDIS_URL',
      'JWT_SECRET',
      'CORS_ORIGINS',
      'CLOCK_START',
    ]) {
      assert.match(p.output(), new RegExp(`^- ${k}: `, 'm'), k);
    }
    assert.ok(!p.output().includes(secret));
  });

  it('an unreachable REDIS_URL in production exits 78 naming REDIS_URL', async () => {
    const port = await freePort();
    const p = run({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://relay.mydesk.in',
      KITE_API_KEY: 'abcd1234',
      KITE_API_SECRET: 'efgh5678ijkl',
      JWT_SECRET: 'q8w7e6r5t4y3u2i1o0p9a8s7d6f5g4h3j2k1',
      SESSION_ENCRYPTION_KEY: 'z1x2c3v4b5n6m7a8s9d0f1g2h3j4k5l6q7w8',
      ALLOWED_KITE_USER_IDS: 'AB1234',
      // 127.0.0.2: loopback too, but not the literal localhost a container check refuses.
      REDIS_URL: `redis://:9f8e7d6c5b4a39281706f5e4d3c2b1a0@127.0.0.2:${port}`,
    });
    assert.equal(await p.exited, 78);
    assert.match(p.output(), /^- REDIS_URL: Redis did not answer PING/m);
  });

  it('a malformed MARKET_CALENDAR_FILE exits 78 naming the file and the problem', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cal-')), 'cal.json');
    writeFileSync(file, JSON.stringify({ exchange: 'NSE', years: [2026], sessions: [], holidays: [] }));
    const p = run({ NODE_ENV: 'test', MARKET_CALENDAR_FILE: file });
    assert.equal(await p.exited, 78);
    assert.ok(p.output().includes(file));
    assert.match(p.output(), /sessions/);
  });

  it('a good environment answers live and ready; SIGTERM turns readiness to 503 and exits 0 within 10 s', async () => {
    const port = await freePort();
    const p = run({
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: 'boot-test-secret-0123456789abcdefghij',
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, 'ready', 15_000);
      assert.equal((await fetch(`${base}/health/live`)).status, 200);
      assert.match(p.output(), /READY port=\d+ node=\S+ feed=simulator cache=memory/);
      const t0 = Date.now();
      p.child.kill('SIGTERM');
      await waitFor(
        async () => (await fetch(`${base}/health/ready`)).status === 503,
        'readiness 503',
        3000,
        20,
      );
      assert.equal(await p.exited, 0);
      assert.ok(Date.now() - t0 < 10_000);
    } finally {
      p.child.kill('SIGKILL');
    }
  });
});

describe('boot: a production-like configuration', () => {
  it('ALLOWED_KITE_USER_IDS unset in production exits 78 with a clear line', async () => {
    const p = run({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://relay.mydesk.in',
      KITE_API_KEY: 'abcd1234',
      KITE_API_SECRET: 'efgh5678ijkl',
      JWT_SECRET: 'q8w7e6r5t4y3u2i1o0p9a8s7d6f5g4h3j2k1',
      SESSION_ENCRYPTION_KEY: 'z1x2c3v4b5n6m7a8s9d0f1g2h3j4k5l6q7w8',
      REDIS_URL: 'redis://:9f8e7d6c5b4a39281706f5e4d3c2b1a0@127.0.0.1:6379',
    });
    assert.equal(await p.exited, 78);
    assert.match(
      p.output(),
      /^- ALLOWED_KITE_USER_IDS: is required in production: the Kite user ids that may log in and be admin/m,
    );
  });

  it('serves /metrics only on METRICS_PORT (404 on the main port), with HSTS and the session gauges', async () => {
    const sim = await new KiteSimulator({
      apiKey: 'relaykey01',
      apiSecret: 'relaysecret0123456789abc',
    }).start();
    // Production requires an authenticated Redis.
    const redis = await RedisServer.start(['--requirepass', 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5']);
    const [port, metricsPort] = [await freePort(), await freePort()];
    const accessToken = sim.issueAccessToken();
    const secrets = {
      KITE_API_SECRET: 'relaysecret0123456789abc',
      JWT_SECRET: 'q8w7e6r5t4y3u2i1o0p9a8s7d6f5g4h3j2k1',
      SESSION_ENCRYPTION_KEY: 'z1x2c3v4b5n6m7a8s9d0f1g2h3j4k5l6q7w8',
    };
    const p = run({
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
      PUBLIC_URL: `https://localhost:${port}`,
      KITE_API_KEY: 'relaykey01',
      KITE_API_ROOT: sim.urls.apiRoot,
      KITE_WS_ROOT: sim.urls.wsRoot,
      KITE_LOGIN_URL: sim.urls.loginUrl,
      KITE_ACCESS_TOKEN: accessToken,
      ALLOWED_KITE_USER_IDS: 'SIM001',
      REDIS_URL: redis.url,
      LOG_LEVEL: 'debug',
      ...secrets,
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      const metrics = `http://127.0.0.1:${metricsPort}`;
      await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, 'ready', 20_000);
      assert.equal((await fetch(`${base}/metrics`)).status, 404, 'not on the main port');
      const scrape = await fetch(`${metrics}/metrics`);
      assert.equal(scrape.status, 200);
      const text = await scrape.text();
      assert.match(text, /^kite_relay_session_state\{state="AUTHENTICATED"\} 1$/m);
      assert.match(text, /^kite_relay_session_expires_at_seconds [1-9]\d{9}$/m);
      assert.match(text, /^kite_relay_kite_requests_total\{call="profile",outcome="ok"\} 1$/m);
      assert.equal((await fetch(`${metrics}/health`)).status, 404, 'the metrics port serves /metrics only');
      assert.equal((await fetch(`${metrics}/metrics`, { method: 'POST' })).status, 405);
      const live = await fetch(`${base}/health/live`);
      assert.equal(live.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
      const policy = (await fetch(`${base}/`)).headers.get('content-security-policy') ?? '';
      assert.ok(policy.includes(`connect-src 'self' wss://localhost:${port}`), policy);
      assert.ok(policy.includes('upgrade-insecure-requests'));
      const health = await (await fetch(`${base}/health`)).text();
      assert.match(health, /AUTHENTICATED/);
      assert.ok(!health.includes('SIM001'), 'anonymous /health names no Kite user');
      assert.match(p.output(), /metrics served on 127\.0\.0\.1:\d+\/metrics/);
      for (const secret of [accessToken, ...Object.values(secrets)]) {
        assert.ok(!p.output().includes(secret), 'a secret reached the log');
      }
    } finally {
      p.child.kill('SIGKILL');
      await p.exited;
      await redis.close();
      await sim.stop();
    }
  });
});
