import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstrumentInfo } from '../instruments/instrument.js';
import { INSTRUMENTS_CSV_HEADER, instrumentsCsv } from './instruments-csv.js';

const FIXTURE = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'kite',
  'instruments_all.csv',
);

/** The fixture's rows as kite-relay keeps them (what fromKiteRows makes of the client's parse). */
function parse(csv: string): InstrumentInfo[] {
  const [, ...lines] = csv.trim().split('\n');
  return lines.map((l) => {
    const [token, exToken, symbol, name, last, expiry, strike, tick, lot, type, segment, exchange] =
      l.split(',');
    return {
      instrument_token: Number(token),
      exchange_token: Number(exToken),
      tradingsymbol: symbol,
      name,
      last_price: Number(last),
      expiry,
      strike: Number(strike),
      tick_size: Number(tick),
      lot_size: Number(lot),
      instrument_type: type,
      segment,
      exchange,
    };
  });
}

describe("instrumentsCsv: the master as Kite's CSV", () => {
  it("writes Kite's official sample back byte for byte", () => {
    const fixture = readFileSync(FIXTURE, 'utf8').replace(/\r\n/g, '\n').trimEnd();
    assert.equal(fixture.split('\n')[0], INSTRUMENTS_CSV_HEADER);
    assert.equal(instrumentsCsv(parse(fixture)), fixture);
  });

  it('quotes a field with a comma or a quote, and fills the columns an old stored master lacks', () => {
    const row: InstrumentInfo = {
      instrument_token: 408065,
      exchange: 'NSE',
      tradingsymbol: 'INFY',
      name: 'INFOSYS, "LTD"',
      tick_size: 0.05,
      instrument_type: 'EQ',
      segment: 'NSE',
    };
    assert.equal(
      instrumentsCsv([row]).split('\n')[1],
      '408065,1594,INFY,"INFOSYS, ""LTD""",0.0,,0.0,0.05,1,EQ,NSE,NSE',
    );
  });
});
