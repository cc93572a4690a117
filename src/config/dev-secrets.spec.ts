import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_SECRETS_FILE, keepDevSecrets, readDevSecrets } from './dev-secrets.js';
import { loadConfig } from './load-config.js';

const boot = (env: Record<string, string>) => {
  const r = loadConfig(env);
  assert.ok(r.ok);
  return r.config;
};

describe('keepDevSecrets', () => {
  it('keeps what was generated, reuses it at the next boot, and tightens a file others could read', () => {
    const DATA_DIR = mkdtempSync(join(tmpdir(), 'kr-dev-secrets-'));
    const first = keepDevSecrets(boot({ DATA_DIR }));
    assert.deepEqual(first.kept.sort(), ['JWT_SECRET', 'SESSION_ENCRYPTION_KEY']);
    const second = keepDevSecrets(boot({ DATA_DIR }));
    assert.equal(second.config.jwtSecret, first.config.jwtSecret);
    assert.equal(second.config.sessionEncryptionKey, first.config.sessionEncryptionKey);
    assert.ok(Object.isFrozen(second.config));
    chmodSync(join(DATA_DIR, DEV_SECRETS_FILE), 0o644);
    const third = keepDevSecrets(boot({ DATA_DIR }));
    assert.equal(statSync(join(DATA_DIR, DEV_SECRETS_FILE)).mode & 0o777, 0o600);
    assert.ok(third.warnings.some((w) => w.includes('readable by others')));
  });

  it('a broken or foreign file is read as nothing kept, and replaced with good values', () => {
    const DATA_DIR = mkdtempSync(join(tmpdir(), 'kr-dev-secrets-'));
    const file = join(DATA_DIR, DEV_SECRETS_FILE);
    for (const text of ['{half', '[]', '{"JWT_SECRET":"short","SESSION_ENCRYPTION_KEY":42}']) {
      writeFileSync(file, text);
      assert.deepEqual(readDevSecrets(DATA_DIR), {});
      const { config } = keepDevSecrets(boot({ DATA_DIR }));
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
        JWT_SECRET: config.jwtSecret,
        SESSION_ENCRYPTION_KEY: config.sessionEncryptionKey,
      });
    }
  });

  it('changes nothing when both secrets are given, and keeps nothing in a DATA_DIR it cannot write', () => {
    const DATA_DIR = mkdtempSync(join(tmpdir(), 'kr-dev-secrets-'));
    const given = boot({
      DATA_DIR,
      JWT_SECRET: 'a-jwt-secret-given-in-the-environment-0123456789',
      SESSION_ENCRYPTION_KEY: 'a-sealing-key-given-in-the-environment-987654321',
    });
    assert.equal(keepDevSecrets(given).config, given);
    const missing = boot({ DATA_DIR: join(DATA_DIR, 'no', 'such', 'dir') });
    const r = keepDevSecrets(missing);
    assert.equal(r.config, missing, 'the generated values serve this boot');
    assert.deepEqual(r.kept, []);
    assert.match(r.warnings.join(), /could not keep the generated secrets/);
  });
});
