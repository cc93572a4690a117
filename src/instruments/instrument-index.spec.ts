import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InstrumentInfo } from './instrument.js';
import { InstrumentIndex } from './instrument-index.js';

const row = (token: number, exchange: string, tradingsymbol: string, name: string): InstrumentInfo => ({
  instrument_token: token,
  exchange,
  tradingsymbol,
  name,
  tick_size: 0.05,
  instrument_type: 'EQ',
  segment: exchange,
});

const rows = [
  row(408065, 'NSE', 'INFY', 'INFOSYS'),
  row(1, 'BSE', 'INFY', 'INFOSYS'),
  row(2, 'NSE', 'INFIBEAM', 'INFIBEAM AVENUES'),
  row(3, 'NSE', 'NAUKRI', 'INFO EDGE'),
  row(4, 'NSE', 'TCS', 'TATA CONSULTANCY SERV LT'),
  row(5, 'NSE', 'XINFRA', 'X INFRA'),
  row(256265, 'NSE', 'NIFTY 50', 'NIFTY 50'),
];

describe('InstrumentIndex', () => {
  const sut = new InstrumentIndex(rows);

  it('finds by token and by EXCHANGE:SYMBOL in any case', () => {
    assert.equal(sut.byInstrumentToken(408065)?.tradingsymbol, 'INFY');
    assert.equal(sut.bySymbolName('nse:nifty 50')?.instrument_token, 256265);
    assert.equal(sut.bySymbolName('NSE:NOPE'), undefined);
  });

  it('ranks exact, then symbol prefix, then symbol substring, then name substring', () => {
    assert.deepEqual(
      sut.search('INF').map((h) => h.symbol),
      ['NSE:INFIBEAM', 'BSE:INFY', 'NSE:INFY', 'NSE:XINFRA', 'NSE:NAUKRI'],
    );
    assert.deepEqual(
      sut.search('nse:infy').map((h) => h.symbol),
      ['NSE:INFY'],
    );
    assert.deepEqual(
      sut.search('infy').map((h) => h.symbol),
      ['BSE:INFY', 'NSE:INFY'],
    );
  });

  it('searches names by substring, stops at the limit, and answers nothing for a blank query', () => {
    assert.deepEqual(
      sut.search('CONSULTANCY').map((h) => h.symbol),
      ['NSE:TCS'],
    );
    assert.equal(sut.search('IN', 2).length, 2);
    assert.deepEqual(sut.search('   '), []);
    assert.deepEqual(sut.search('zzzz'), []);
  });

  it('treats the query as text, never as a pattern', () => {
    assert.deepEqual(sut.search('.*'), []);
    assert.deepEqual(sut.search('(INF'), []);
  });

  it('a 100,000-row master answers a worst-case miss and a broad prefix from its index', () => {
    const big = Array.from({ length: 100_000 }, (_, i) =>
      row(1000 + i, 'NSE', `SIM${String(i).padStart(6, '0')}`, `SIMULATED EQUITY ${i}`),
    );
    const index = new InstrumentIndex(big);
    assert.equal(index.search('SIM00012').length, 10);
    assert.equal(index.search('SIM0001').length, 20);
    assert.deepEqual(
      index.search('SIM000123').map((h) => h.tradingsymbol),
      ['SIM000123'],
    );
    assert.deepEqual(index.search('QQQQ'), []);
    assert.equal(index.search('EQUITY 99999')[0]?.tradingsymbol, 'SIM099999');
  });
});
