import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorText } from '../common/error-text.js';
import { freezeConfig, type AppConfig } from './app-config.js';

export const DEV_SECRETS_FILE = 'dev-secrets.json';

/** The two secrets that are generated outside production when they are not given. */
const GENERATED = ['JWT_SECRET', 'SESSION_ENCRYPTION_KEY'] as const;
type GeneratedKey = (typeof GENERATED)[number];
export type KeptSecrets = Partial<Record<GeneratedKey, string>>;

/** What load-config generates: 32 random bytes in hex. Anything else in the file is not ours. */
const GENERATED_FORM = /^[0-9a-f]{64}$/;

/** The secrets kept in DATA_DIR by an earlier development boot; empty without a file or with a broken one. */
export function readDevSecrets(dataDir: string): KeptSecrets {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(join(dataDir, DEV_SECRETS_FILE), 'utf8'));
  } catch {
    return {};
  }
  const kept: KeptSecrets = {};
  if (typeof v !== 'object' || v === null) return kept;
  for (const key of GENERATED) {
    const s = (v as Record<string, unknown>)[key];
    if (typeof s === 'string' && GENERATED_FORM.test(s)) kept[key] = s;
  }
  return kept;
}

/**
 * Outside production, a secret that was not given (so load-config generated one for this boot) is
 * kept in `DATA_DIR/dev-secrets.json`, mode 0600, and the next boot reuses it: tokens and the sealed
 * Kite session then survive a restart in development. Never in production, which requires both.
 * Returns the configuration with the kept values, which keys were kept (their "for this boot"
 * warnings no longer apply) and the warnings to log instead.
 */
export function keepDevSecrets(config: AppConfig): {
  config: AppConfig;
  kept: GeneratedKey[];
  warnings: string[];
} {
  const missing = GENERATED.filter((k) =>
    k === 'JWT_SECRET' ? config.jwtSecretGenerated : config.sessionEncryptionKeyGenerated,
  );
  if (config.nodeEnv === 'production' || missing.length === 0) return { config, kept: [], warnings: [] };
  const path = join(config.dataDir, DEV_SECRETS_FILE);
  const stored = readDevSecrets(config.dataDir);
  const generated: KeptSecrets = {
    JWT_SECRET: config.jwtSecret,
    SESSION_ENCRYPTION_KEY: config.sessionEncryptionKey,
  };
  const values: KeptSecrets = { ...stored };
  for (const k of missing) values[k] ??= generated[k];
  const warnings: string[] = [];
  try {
    if (missing.some((k) => stored[k] === undefined)) {
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(values)}\n`, { mode: 0o600 });
      renameSync(tmp, path);
    } else if ((statSync(path).mode & 0o077) !== 0) {
      chmodSync(path, 0o600);
      warnings.push(`${path} was readable by others; it is now readable by its owner only (0600)`);
    }
  } catch (err) {
    // Not kept: the generated values serve this boot, and load-config's warnings stand.
    warnings.push(`could not keep the generated secrets in ${path}: ${errorText(err)}`);
    return { config, kept: [], warnings };
  }
  for (const k of missing) {
    warnings.push(
      `${k} is not set: using the one generated and kept in ${path} (mode 0600) so that it survives a restart; development only, production requires ${k}`,
    );
  }
  const next = freezeConfig({
    ...config,
    jwtSecret: missing.includes('JWT_SECRET') ? values.JWT_SECRET! : config.jwtSecret,
    sessionEncryptionKey: missing.includes('SESSION_ENCRYPTION_KEY')
      ? values.SESSION_ENCRYPTION_KEY!
      : config.sessionEncryptionKey,
  });
  return { config: next, kept: missing, warnings };
}
