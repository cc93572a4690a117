import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canSeeOrders, parseScopes } from './token-scopes.js';

describe('token scopes', () => {
  it('canSeeOrders: admin always, viewer only with the orders scope, invite viewer never', () => {
    assert.equal(canSeeOrders({ sub: 'AB1234', role: 'admin' }), true);
    assert.equal(canSeeOrders({ sub: 'bot-1', role: 'viewer' }), false);
    assert.equal(canSeeOrders({ sub: 'bot-1', role: 'viewer', scopes: ['orders'] }), true);
    assert.equal(canSeeOrders({ sub: 'invite:priya.b9GIQb', role: 'viewer', scopes: ['orders'] }), false);
    assert.equal(canSeeOrders({ sub: 'invite:priya.b9GIQb', role: 'admin' }), false);
  });

  it('parseScopes: known scopes only, deduplicated', () => {
    assert.deepEqual(parseScopes(undefined), []);
    assert.deepEqual(parseScopes(['orders', 'orders']), ['orders']);
    assert.match(parseScopes(['trades']) as string, /unknown scope "trades"/);
    assert.match(parseScopes('orders') as string, /must be an array/);
  });
});
