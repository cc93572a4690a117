import { JwtService } from '@nestjs/jwt';
import { cliFlag } from '../common/cli-flags.js';
import { readDevSecrets } from '../config/dev-secrets.js';
import { loadConfig } from '../config/load-config.js';
import { ROLES, type Role } from './auth.constants.js';
import { durationSeconds } from './expiry.js';
import { istIso } from '../clock/ist.js';
import { jwtOptions, newTokenId, signClientToken } from './jwt-claims.js';
import { parseScopes } from './token-scopes.js';
import { ownSub, subProblem } from './token-sub.js';

// `npm run token -- --role viewer --ttl 12h [--sub bot-1] [--scope orders]...`: a JWT for a programmatic client, signed with JWT_SECRET.
// The token goes to stdout; its id (for DELETE /api/admin/tokens/{id}) and expiry to stderr. The CLI
// has no Redis, so the gateway's registry learns of the token when it is first used.
const args = process.argv.slice(2);
const flag = (name: string) => cliFlag(args, name);
const role = (flag('role') ?? 'viewer') as Role;
const ttl = flag('ttl') ?? '12h';
const loaded = loadConfig(process.env);
if (!loaded.ok) {
  process.stderr.write(`${loaded.errors.join('\n')}\n`);
  process.exit(78);
}
// Development without JWT_SECRET: the gateway keeps its generated secret in DATA_DIR; sign with that one.
const keptSecret = loaded.config.jwtSecretGenerated
  ? readDevSecrets(loaded.config.dataDir).JWT_SECRET
  : undefined;
if (loaded.config.jwtSecretGenerated && !keptSecret) {
  process.stderr.write(
    'JWT_SECRET is not set, and DATA_DIR holds no secret kept by a development gateway: the gateway would not accept this token. Set JWT_SECRET as for the gateway, or start the gateway once with the same DATA_DIR.\n',
  );
  process.exit(78);
}
const jwtSecret = keptSecret ?? loaded.config.jwtSecret;
if (!ROLES.includes(role)) {
  process.stderr.write('--role must be viewer or admin\n');
  process.exit(64);
}
let seconds = 0;
try {
  seconds = durationSeconds(ttl);
} catch {
  seconds = 0;
}
if (seconds <= 0) {
  process.stderr.write(`--ttl must be a positive duration such as 30m, 12h or 7d (got "${ttl}")\n`);
  process.exit(64);
}
const sub = flag('sub');
const subError = sub === undefined ? undefined : subProblem(sub, loaded.config.allowedKiteUserIds);
if (subError) {
  process.stderr.write(`--sub: ${subError}\n`);
  process.exit(64);
}
const scopes = parseScopes(args.flatMap((a, i) => (a === '--scope' ? [args[i + 1]] : [])));
if (typeof scopes === 'string') {
  process.stderr.write(`--scope: ${scopes}\n`);
  process.exit(64);
}
const jwt = new JwtService(jwtOptions(jwtSecret));
const id = newTokenId();
const token = signClientToken(jwt, sub ?? ownSub('cli', role, id), role, seconds, id, { scopes });
const { exp } = jwt.decode<{ exp: number }>(token);
process.stdout.write(`${token}\n`);
process.stderr.write(`id=${id} expires=${istIso(exp * 1000)}\n`);
