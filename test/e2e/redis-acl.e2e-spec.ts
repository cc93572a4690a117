import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { redisChannels } from '../../src/redis/redis-channels.js';
import { docSection } from '../helpers/docs.js';
import { freePort } from '../helpers/free-port.js';
import { RedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

const BUILD = join(import.meta.dirname, '..', '..', 'src');
const PASSWORD = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const JWT_SECRET = 'acl-test-jwt-secret-0123456789abcdef0123';
const PREFIX = 'kite-relay:';

/** The rules of the `user kite-relay …` line of docs/security-redis.md, with the password filled in. */
function documentedAcl(): string[] {
  const section = docSection('docs/security-redis.md', '## The ACL kite-relay needs');
  const line = section.split('\n').find((l) => l.startsWith('user kite-relay '));
  assert.ok(line, 'the page shows the user line');
  return line
    .slice('user kite-relay '.length)
    .split(/\s+/)
    .filter(Boolean)
    .map((rule) => rule.replace('<password>', PASSWORD));
}

/** The built app (development: a refusal is fatal even where a silent Redis is not), with `env`. */
async function boot(env: Record<string, string>) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'kr-acl-'));
  const child = spawn(process.execPath, [join(BUILD, 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      JWT_SECRET,
      SESSION_ENCRYPTION_KEY: 'acl-test-session-key-9876543210fedcba987',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  const ready = () =>
    waitFor(
      async () => child.exitCode === null && (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok,
      `ready (${output.slice(-500)})`,
      30_000,
      100,
    );
  return { url: `http://127.0.0.1:${port}`, exited, output: () => output, stop, ready };
}

function viewerToken(): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'development', JWT_SECRET };
    execFile(
      process.execPath,
      [join(BUILD, 'auth', 'token-cli.js'), '--role', 'viewer', '--ttl', '10m'],
      { env },
      (err, stdout) => (err ? reject(new Error(err.message)) : resolve(stdout.trim())),
    );
  });
}

describe('Redis ACL at boot: the documented user works; a refusal is exit 78 naming REDIS_URL', () => {
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
    await server.client.call('ACL', 'SETUSER', 'kite-relay', 'reset', ...documentedAcl());
    // The case: every channel, but not the adapter's patterns as literal strings.
    const narrow = documentedAcl().filter((r) => !(r.startsWith('&') && r !== `&${PREFIX}*`));
    await server.client.call('ACL', 'SETUSER', 'no-patterns', 'reset', ...narrow);
  });
  after(async () => {
    await server?.close();
  });
  const url = (user: string, password = PASSWORD) => `redis://${user}:${password}@127.0.0.1:${server.port}`;

  it('with the ACL of docs/security-redis.md the app is ready, serves a subscription, and holds exactly the documented channels', async () => {
    const app = await boot({ REDIS_URL: url('kite-relay') });
    try {
      await app.ready();
      assert.match(await (await fetch(`${app.url}/health`)).text(), /"mode":"redis"/);
      const socket = io(`${app.url}/market`, {
        auth: { token: await viewerToken() },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      try {
        const ack = await new Promise<{ ok: boolean }>((resolve, reject) => {
          socket.once('connect_error', reject);
          socket.once('connect', () => socket.emit('subscribe', { instruments: ['NSE:INFY'] }, resolve));
        });
        assert.equal(ack.ok, true, JSON.stringify(ack));
      } finally {
        socket.close();
      }
      const held = (await server.client.call('PUBSUB', 'CHANNELS', `${PREFIX}*`)) as string[];
      const { channels, patterns } = redisChannels(PREFIX);
      const own = (c: string) =>
        channels.includes(c) || /^kite-relay:socket\.io-response#\/(market)?#[\w-]+#$/.test(c);
      assert.deepEqual(
        held.filter((c) => !own(c)),
        [],
      );
      assert.deepEqual(
        channels.filter((c) => !held.includes(c)),
        [],
      );
      assert.equal(await server.client.call('PUBSUB', 'NUMPAT'), patterns.length);
      assert.doesNotMatch(app.output(), /NOPERM|Redis unavailable/);
      assert.ok(!app.output().includes(PASSWORD), 'the password is never printed');
    } finally {
      await app.stop();
    }
  });

  it('a user without the literal PSUBSCRIBE patterns: exit 78, the line names REDIS_URL, the command and NOPERM', async () => {
    const app = await boot({ REDIS_URL: url('no-patterns') });
    try {
      assert.equal(await app.exited, 78, app.output());
      assert.match(
        app.output(),
        /^- REDIS_URL: Redis refused PSUBSCRIBE kite-relay:socket\.io#\/#\* \(NOPERM [^)]*\); check the user and password in the URL .* the ACL of docs\/security-redis\.md$/m,
      );
      assert.doesNotMatch(app.output(), /READY|uncaught|Unhandled/i);
      assert.ok(!app.output().includes(PASSWORD));
    } finally {
      await app.stop();
    }
  });

  it('a wrong password: exit 78 naming REDIS_URL and WRONGPASS, without the password', async () => {
    const wrong = 'not-the-password-0123456789abcdef';
    const app = await boot({ REDIS_URL: url('kite-relay', wrong) });
    try {
      assert.equal(await app.exited, 78, app.output());
      assert.match(app.output(), /^- REDIS_URL: Redis refused the connection \(WRONGPASS /m);
      assert.ok(!app.output().includes(wrong));
    } finally {
      await app.stop();
    }
  });
});

describe('Redis that requires a password the URL does not give', () => {
  it('NOAUTH: exit 78 naming REDIS_URL and NOAUTH', async () => {
    const server = await RedisServer.start();
    // The test's own client stays authenticated; every new connection must AUTH.
    await server.client.call('ACL', 'SETUSER', 'default', 'resetpass', `>${PASSWORD}`);
    const app = await boot({ REDIS_URL: server.url });
    try {
      assert.equal(await app.exited, 78, app.output());
      assert.match(app.output(), /^- REDIS_URL: Redis refused [^(]*\(NOAUTH /m);
    } finally {
      await app.stop();
      await server.close();
    }
  });
});

describe('Redis over TLS at boot (rediss://, a CA made here with openssl)', () => {
  let dir: string;
  let server: RedisServer;
  let tlsPort: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kr-tls-'));
    const ssl = (...args: string[]) => {
      const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    ssl(
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem'],
      ...['-days', '1', '-subj', '/CN=kite-relay test CA'],
    );
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'redis.key',
      '-out',
      'redis.csr',
      '-subj',
      '/CN=localhost',
    );
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    ssl(
      ...['x509', '-req', '-in', 'redis.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'],
      ...['-out', 'redis.pem', '-days', '1', '-extfile', 'san.ext'],
    );
    tlsPort = await freePort();
    server = await RedisServer.start([
      ...['--tls-port', String(tlsPort), '--tls-cert-file', join(dir, 'redis.pem')],
      ...['--tls-key-file', join(dir, 'redis.key'), '--tls-ca-cert-file', join(dir, 'ca.pem')],
      ...['--tls-auth-clients', 'no'],
    ]);
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without the CA: exit 78, and the line says the TLS connection failed', async () => {
    const app = await boot({ REDIS_URL: `rediss://localhost:${tlsPort}` });
    try {
      assert.equal(await app.exited, 78, app.output());
      assert.match(
        app.output(),
        /^- REDIS_URL: the TLS connection to Redis failed \(self-signed certificate in certificate chain\); .*NODE_EXTRA_CA_CERTS/m,
      );
    } finally {
      await app.stop();
    }
  });

  it('the TLS port named with redis://: exit 78, the line says to use rediss://', async () => {
    const app = await boot({ REDIS_URL: `redis://localhost:${tlsPort}` });
    try {
      assert.equal(await app.exited, 78, app.output());
      assert.match(
        app.output(),
        /^- REDIS_URL: Redis refused the connection \(the server closed the connection .*use a rediss:\/\/ URL\)/m,
      );
    } finally {
      await app.stop();
    }
  });

  it('with NODE_EXTRA_CA_CERTS naming the CA: ready, on Redis over TLS', async () => {
    const app = await boot({
      REDIS_URL: `rediss://localhost:${tlsPort}`,
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
    });
    try {
      await app.ready();
      assert.match(app.output(), /READY port=\d+ .*cache=redis/);
      const health = await (await fetch(`${app.url}/health`)).text();
      assert.match(health, /"mode":"redis"/, health);
    } finally {
      await app.stop();
    }
  });
});
