import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { loadConfig } from './load-config.js';
import { parseBytes } from './record-schema.js';

const kite = { KITE_API_KEY: 'abc123key', KITE_API_SECRET: 'abc123secret' };

describe('config: the tape recorder (RECORD_*)', () => {
  it('records by default when the feed is Kite, not with the simulator, into <DATA_DIR>/tape', () => {
    const sut = loadConfig({ ...kite, DATA_DIR: '/var/lib/kr' });
    assert.ok(sut.ok);
    assert.deepEqual(sut.config.record, {
      enabled: true,
      dir: join('/var/lib/kr', 'tape'),
      orders: false,
      retentionDays: 30,
      maxBytes: 20 * 1024 ** 3,
      minFreeBytes: 1024 ** 3,
    });
    const sim = loadConfig({});
    assert.ok(sim.ok);
    assert.equal(sim.config.record.enabled, false);
  });

  it('RECORD=on records the simulator; sizes take units; RECORD_DIR is taken as given', () => {
    const sut = loadConfig({
      RECORD: 'ON',
      RECORD_DIR: 'tapes',
      RECORD_ORDERS: 'on',
      RECORD_MAX_BYTES: '512MiB',
      RECORD_MIN_FREE_BYTES: '0',
      RECORD_RETENTION_DAYS: '7',
    });
    assert.ok(sut.ok);
    assert.deepEqual(sut.config.record, {
      enabled: true,
      dir: resolve('tapes'),
      orders: true,
      retentionDays: 7,
      maxBytes: 512 * 1024 ** 2,
      minFreeBytes: 0,
    });
  });

  it('refuses bad values with one line per variable', () => {
    const sut = loadConfig({ RECORD: 'yes', RECORD_MAX_BYTES: 'lots', RECORD_RETENTION_DAYS: '0' });
    assert.ok(!sut.ok);
    assert.match(sut.errors.join('\n'), /^- RECORD: must be on or off/m);
    assert.match(sut.errors.join('\n'), /^- RECORD_RETENTION_DAYS: must be a whole number of days/m);
    assert.match(sut.errors.join('\n'), /^- RECORD_MAX_BYTES: must be a size in bytes/m);
  });

  it('parses sizes', () => {
    assert.equal(parseBytes('1024'), 1024);
    assert.equal(parseBytes('20GiB'), 20 * 1024 ** 3);
    assert.equal(parseBytes('1.5 tb'), 1.5 * 1024 ** 4);
    assert.equal(parseBytes('2K'), 2048);
    assert.equal(parseBytes('-1'), undefined);
    assert.equal(parseBytes('GiB'), undefined);
  });
});
