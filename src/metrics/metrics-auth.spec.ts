import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metricsAuthorized } from './metrics-auth.js';

const TOKEN = 'metrics-token-0123456789abcdef0123456789';

describe('metricsAuthorized', () => {
  it('lets every scrape through when no METRICS_TOKEN is configured', () => {
    assert.equal(metricsAuthorized(undefined, undefined), true);
    assert.equal(metricsAuthorized('Bearer anything', undefined), true);
  });

  it('accepts exactly `Bearer <token>` (scheme in any case)', () => {
    assert.equal(metricsAuthorized(`Bearer ${TOKEN}`, TOKEN), true);
    assert.equal(metricsAuthorized(`bearer ${TOKEN}`, TOKEN), true);
  });

  it('refuses a missing header, another scheme, another token, a prefix or an extension of it', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      TOKEN,
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN} extra`,
      'Bearer metrics-token-0123456789abcdef012345678X',
    ]) {
      assert.equal(metricsAuthorized(header, TOKEN), false, String(header));
    }
  });
});
