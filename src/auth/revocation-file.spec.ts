import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfigService } from '../config/app-config.service.js';
import { RevocationFile } from './revocation-file.js';

const fresh = () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kr-revocations-'));
  return { dataDir, sut: new RevocationFile({ values: { dataDir } } as AppConfigService) };
};

describe('RevocationFile', () => {
  it('keeps revocations across instances, readable by its owner only; expired and non-finite ones are left out', async () => {
    const { dataDir, sut } = fresh();
    assert.deepEqual(await sut.read(), new Map(), 'no file yet');
    const now = 1_796_000_000_000;
    await sut.write(
      new Map([
        ['live', now + 60_000],
        ['gone', now - 1],
        ['forever', Number.POSITIVE_INFINITY],
      ]),
    );
    assert.deepEqual(await sut.read(now), new Map([['live', now + 60_000]]));
    assert.equal(statSync(join(dataDir, 'revocations.json')).mode & 0o777, 0o600);
  });

  it('reads a broken file as no revocations rather than failing the boot', async () => {
    const { dataDir, sut } = fresh();
    for (const text of ['{half', '[1,2]', '{"a":"soon","b":1e400}']) {
      writeFileSync(join(dataDir, 'revocations.json'), text);
      assert.deepEqual(await sut.read(0), new Map());
    }
  });
});
