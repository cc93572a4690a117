import { probeRedis } from './redis-probe.js';
import { DEFAULT_KEY_PREFIX } from './redis.constants.js';

// The boot-time check of REDIS_URL: run by the bootstrap (main.ts) after the schema, before the
// application starts, like config/boot-checks.ts for the data directory.

/** A problem with REDIS_URL; `refused` ones (Redis said no, or TLS failed) stop the boot everywhere. */
export interface RedisProblem {
  line: string;
  refused: boolean;
}

const ACL_DOC = 'docs/security-redis.md';

/**
 * Whether Redis answers and lets kite-relay do all it needs (see probeRedis). A Redis that does not
 * answer may come back; one that refuses (NOAUTH, WRONGPASS, NOPERM) or fails TLS will not, so that
 * is a configuration error in every environment. Only when it does not answer, and the URL names
 * localhost from inside a container, does the message add that localhost there is the container
 * itself (a compose deployment wants the service name); a localhost Redis that answers is fine.
 * The URL is never printed: it may carry the password.
 */
export async function checkRedis(
  url: string,
  inContainer: boolean,
  prefix = DEFAULT_KEY_PREFIX,
): Promise<RedisProblem | undefined> {
  const probe = await probeRedis(url, prefix);
  switch (probe.kind) {
    case 'ok':
      return undefined;
    case 'tls':
      return {
        refused: true,
        line: `- REDIS_URL: the TLS connection to Redis failed (${probe.error}); check the rediss:// host name against the server certificate, and give Node the CA that signed it with NODE_EXTRA_CA_CERTS=/path/to/ca.pem (see ${ACL_DOC})`,
      };
    case 'refused': {
      const what = probe.command ? ` ${probe.command}` : ' the connection';
      return {
        refused: true,
        line: `- REDIS_URL: Redis refused${what} (${probe.error}); check the user and password in the URL (redis://<user>:<password>@host:6379) and that the user has the ACL of ${ACL_DOC}`,
      };
    }
    case 'unreachable':
      return { refused: false, line: unreachable(url, inContainer, probe.error) };
  }
}

function unreachable(url: string, inContainer: boolean, error: string): string {
  const host = hostOf(url);
  const local = host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '[::1]';
  const hint =
    local && inContainer
      ? '; it points at localhost, which inside a container is the container itself: use the compose service name, e.g. redis://redis:6379'
      : '; check that Redis runs and the URL names it (e.g. redis://redis:6379)';
  return `- REDIS_URL: Redis did not answer PING (${error})${hint}`;
}
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
