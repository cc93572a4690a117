import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './load-config.js';

describe('loadConfig: fairness limits (issue 17)', () => {
  it('defaults: 20 sockets and 1000 instruments a user, 20 unauthenticated an address, 1000 queued quotes, 600 requests a minute', () => {
    const r = loadConfig({});
    assert.ok(r.ok);
    assert.equal(r.config.maxConnectionsPerUser, 20);
    assert.equal(r.config.maxInstrumentsPerUser, 1000);
    assert.equal(r.config.maxUnauthenticatedPerAddress, 20);
    assert.equal(r.config.maxQueuedQuotesPerUser, 1000);
    assert.equal(r.config.apiRateLimitPerMinute, 600);
  });

  it('each is read from the environment', () => {
    const r = loadConfig({
      MAX_CONNECTIONS_PER_USER: '5',
      MAX_INSTRUMENTS_PER_USER: '9000',
      MAX_UNAUTHENTICATED_PER_ADDRESS: '50',
      MAX_QUEUED_QUOTES_PER_USER: '500',
      API_RATE_LIMIT_PER_MINUTE: '120',
    });
    assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
    assert.equal(r.config.maxConnectionsPerUser, 5);
    assert.equal(r.config.maxInstrumentsPerUser, 9000);
    assert.equal(r.config.maxUnauthenticatedPerAddress, 50);
    assert.equal(r.config.maxQueuedQuotesPerUser, 500);
    assert.equal(r.config.apiRateLimitPerMinute, 120);
  });

  it('out-of-range values are refused, one line each, naming the range', () => {
    const r = loadConfig({
      MAX_CONNECTIONS_PER_USER: '0',
      MAX_INSTRUMENTS_PER_USER: '9001',
      MAX_UNAUTHENTICATED_PER_ADDRESS: 'many',
      MAX_QUEUED_QUOTES_PER_USER: '499',
      API_RATE_LIMIT_PER_MINUTE: '1.5',
    });
    assert.equal(r.ok, false);
    const errs = r.ok ? [] : r.errors;
    assert.deepEqual(errs, [
      '- MAX_CONNECTIONS_PER_USER: must be a whole number between 1 and 100000',
      '- MAX_INSTRUMENTS_PER_USER: must be a whole number between 1 and 9000',
      '- MAX_UNAUTHENTICATED_PER_ADDRESS: must be a whole number between 1 and 100000',
      '- MAX_QUEUED_QUOTES_PER_USER: must be a whole number between 500 and 100000',
      '- API_RATE_LIMIT_PER_MINUTE: must be a whole number between 1 and 100000',
    ]);
  });
});

describe('loadConfig: the /kite/ws frame window (issue 28)', () => {
  it('off by default: each upstream frame goes out at once', () => {
    const r = loadConfig({});
    assert.ok(r.ok);
    assert.equal(r.config.kiteWsFlushMs, 0);
  });

  it('0–500 ms; past that or not whole, refused with the range', () => {
    const ok = loadConfig({ KITE_WS_FLUSH_MS: '500' });
    assert.ok(ok.ok, ok.ok ? '' : ok.errors.join('\n'));
    assert.equal(ok.config.kiteWsFlushMs, 500);
    for (const bad of ['-1', '1000', '2.5']) {
      const r = loadConfig({ KITE_WS_FLUSH_MS: bad });
      assert.deepEqual(r.ok ? [] : r.errors, [
        '- KITE_WS_FLUSH_MS: must be a whole number between 0 and 500',
      ]);
    }
  });
});
