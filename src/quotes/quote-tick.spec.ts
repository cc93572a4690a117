import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quoteToTick } from './quote-tick.js';

describe('quoteToTick: the times of a Kite quote as tick times (ISO-8601 IST)', () => {
  const at = (timestamp: unknown) => quoteToTick(408065, { last_price: 1, timestamp })?.timestamp;

  it("reads Kite's IST wall text, the client's Date of it, and an ISO instant with a zone", () => {
    assert.equal(at('2026-12-01 10:15:02'), '2026-12-01T10:15:02+05:30');
    // The official client parses Kite's wall text in the process' zone: its local fields are IST's.
    assert.equal(at(new Date(2026, 11, 1, 10, 15, 2)), '2026-12-01T10:15:02+05:30');
    assert.equal(at('2026-12-01T04:45:02.000Z'), '2026-12-01T10:15:02+05:30');
    assert.equal(at('2026-12-01T10:15:02+05:30'), '2026-12-01T10:15:02+05:30');
  });

  it('leaves anything else out', () => {
    for (const v of [undefined, null, 0, 'yesterday', new Date(NaN)]) assert.equal(at(v), null, String(v));
  });
});
