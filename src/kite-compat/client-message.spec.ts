import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseClientMessage } from './client-message.js';

describe("parseClientMessage: Kite's ticker client messages", () => {
  it('reads subscribe, unsubscribe and mode exactly as the official clients send them', () => {
    assert.deepEqual(parseClientMessage('{"a":"subscribe","v":[408065,738561,408065]}'), {
      ok: true,
      a: 'subscribe',
      tokens: [408065, 738561],
    });
    assert.deepEqual(parseClientMessage('{"a":"unsubscribe","v":[408065]}'), {
      ok: true,
      a: 'unsubscribe',
      tokens: [408065],
    });
    assert.deepEqual(parseClientMessage('{"a":"mode","v":["full",[256265]]}'), {
      ok: true,
      a: 'mode',
      mode: 'full',
      tokens: [256265],
    });
  });

  it('answers every malformed message with a reason and a sentence, never throws', () => {
    const cases: [string, string][] = [
      ['not json', 'malformed_json'],
      ['[1,2]', 'malformed_json'],
      ['null', 'malformed_json'],
      ['{"a":"subscribe"}', 'invalid_value'],
      ['{"a":"subscribe","v":[]}', 'invalid_value'],
      ['{"a":"subscribe","v":["NSE:INFY"]}', 'invalid_value'],
      ['{"a":"subscribe","v":[-1]}', 'invalid_value'],
      ['{"a":"subscribe","v":[1.5]}', 'invalid_value'],
      ['{"a":"subscribe","v":[4294967296]}', 'invalid_value'],
      ['{"a":"mode","v":["fast",[1]]}', 'invalid_value'],
      ['{"a":"mode","v":["ltp"]}', 'invalid_value'],
      ['{"a":"mode","v":["ltp",[]]}', 'invalid_value'],
      ['{"a":"buy","v":[1]}', 'unknown_action'],
      ['{"v":[1]}', 'unknown_action'],
      [`{"a":"subscribe","v":[${Array(3001).fill(1).join(',')}]}`, 'invalid_value'],
    ];
    for (const [text, reason] of cases) {
      const sut = parseClientMessage(text);
      assert.equal(sut.ok, false, text);
      if (!sut.ok) {
        assert.equal(sut.reason, reason, text);
        assert.equal(typeof sut.message, 'string');
        assert.ok(sut.message.length > 10 && sut.message.length < 200, sut.message);
      }
    }
  });
});
