import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';
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
      // 127.0.0.2: loopback too, but not the literal localhost a container check refuses.
      REDIS_URL: `redis://127.0.0.2:${port}`,
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
