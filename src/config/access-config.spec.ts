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
