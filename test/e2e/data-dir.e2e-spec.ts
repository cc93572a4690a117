import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KiteSessionService } from '../../src/auth/kite-session.service.js';
import type { Tick } from '../../src/kite/tick.js';
import { KiteSimulator } from '../../src/simulator/simulator.js';
import { freePort } from '../helpers/free-port.js';
import { TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const SESSION_FILE = 'kite-session.sealed';
const SECRETS_FILE = 'dev-secrets.json';
const SRC = join(import.meta.dirname, '..', '..', 'src');

/**
 * A node without Redis keeps what a restart needs in DATA_DIR: the sealed Kite session, the
 * revocations, and in development the secrets it generated. One simulator serves every boot of a
 * case, as Kite would: the session the first boot logged in with is still valid there.
 */
describe('without Redis, DATA_DIR carries a node across restarts', () => {
  const sim = new KiteSimulator({ ticksPerSecond: 400 });
  const started = sim.start();
  after(() => sim.stop());

  const boot = async (dataDir: string) => {
    await started;
    const t = await TestApp.start({ redis: false, sim, env: { DATA_DIR: dataDir } });
    t.ownsSim = false;
    return t;
  };

  it('the Kite session comes back sealed from the file: no new login, ticks flow, bot tokens and revocations hold', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kr-data-'));
    const first = await boot(dataDir);
    let accessToken: string;
    let kept: string;
    let revoked: string;
    try {
      await first.login();
      accessToken = first.get(KiteSessionService).current!.accessToken;
      const admin = first.token('admin');
      const keptMint = await first.post('/api/admin/tokens', { role: 'viewer', sub: 'bot-kept' }, admin);
      const goneMint = await first.post('/api/admin/tokens', { role: 'viewer', sub: 'bot-gone' }, admin);
      assert.equal(keptMint.status, 201);
      kept = keptMint.body.token;
      revoked = goneMint.body.token;
      const del = await first.http(`/api/admin/tokens/${goneMint.body.id}`, {
        method: 'DELETE',
        token: admin,
      });
      assert.equal(del.status, 200);
      await waitFor(() => existsSync(join(dataDir, SESSION_FILE)), 'the session kept in DATA_DIR');
      await waitFor(
        () =>
          existsSync(join(dataDir, 'revocations.json')) &&
          readFileSync(join(dataDir, 'revocations.json'), 'utf8').includes(goneMint.body.id),
        'the revocation kept in DATA_DIR',
      );
    } finally {
      await first.close();
    }
    const file = join(dataDir, SESSION_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');
    assert.ok(!readFileSync(file, 'utf8').includes(accessToken), 'sealed, never the token in clear');

    for (let restart = 1; restart <= 2; restart++) {
      const t = await boot(dataDir);
      try {
        assert.equal((await t.http('/api/auth/status')).body.state, 'AUTHENTICATED', `restart ${restart}`);
        assert.equal(t.get(KiteSessionService).current?.accessToken, accessToken, 'the same Kite session');
        assert.ok(t.logText.includes('Kite session restored for'), 'said so in the log');
        assert.equal(
          (await t.http('/api/market/status', { token: kept })).status,
          200,
          'a minted token still works',
        );
        assert.equal(
          (await t.http('/api/market/status', { token: revoked })).status,
          401,
          'a revoked one stays revoked',
        );
        const s = t.client({ token: kept });
        const ticks: Tick[] = [];
        s.on('ticks', (batch) => ticks.push(...batch));
        await t.connected(s);
        const ack = await s.timeout(5000).emitWithAck('subscribe', { instruments: ['NSE:INFY'] });
        assert.equal(ack.ok, true);
        await waitFor(() => ticks.some((k) => k.symbol === 'NSE:INFY'), `ticks after restart ${restart}`);
        assert.ok(!t.logText.includes(accessToken), 'the access token is never logged');
      } finally {
        await t.close();
      }
    }

    // A logout removes the file: the next boot asks for a login.
    const t = await boot(dataDir);
    try {
      const out = await t.http('/api/admin/session', { method: 'DELETE', token: t.token('admin') });
      assert.equal(out.body.state, 'UNAUTHENTICATED');
      await waitFor(() => !existsSync(file), 'the file removed at logout');
    } finally {
      await t.close();
    }
    const last = await boot(dataDir);
    try {
      assert.equal((await last.http('/api/auth/status')).body.state, 'UNAUTHENTICATED');
    } finally {
      await last.close();
    }
  });

  it('a corrupt or foreign session file: boots with a warning, asks for a login, and the login replaces the file', async () => {
    for (const junk of ['not a sealed session', 'v1.AAAA.BBBB.CCCC', '']) {
      const dataDir = mkdtempSync(join(tmpdir(), 'kr-data-'));
      writeFileSync(join(dataDir, SESSION_FILE), junk);
      const t = await boot(dataDir);
      try {
        assert.equal((await t.http('/api/auth/status')).body.state, 'UNAUTHENTICATED');
        if (junk) assert.match(t.logText, /stored Kite session cannot be read/);
        assert.equal((await t.http('/health/ready')).status, 200, 'ready all the same');
        await t.login();
        const sealed = await waitFor(() => {
          const text = readFileSync(join(dataDir, SESSION_FILE), 'utf8');
          return text !== junk ? text : undefined;
        }, 'a new sealed session');
        assert.ok(!sealed.includes(t.get(KiteSessionService).current!.accessToken));
      } finally {
        await t.close();
      }
    }
  });
});

/** The built app as users start it (`npm run dev`): no secrets given, no Redis, one DATA_DIR. */
class DevNode {
  private proc?: ChildProcess;
  output = '';
  url = '';

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.output = '';
    const proc = spawn(process.execPath, [join(SRC, 'main.js')], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port), PUBLIC_URL: this.url, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stdout.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (this.output += d.toString()));
    await waitFor(() => /READY port=/.test(this.output) || proc.exitCode !== null, 'READY', 20_000);
    assert.equal(proc.exitCode, null, this.output);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    await new Promise((r) => {
      proc.once('exit', r);
      proc.kill('SIGTERM');
    });
  }

  status(path: string, token: string): Promise<number> {
    return fetch(this.url + path, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.status);
  }
}

/** `npm run token` with the gateway's DATA_DIR and no JWT_SECRET. */
function mintWithCli(dataDir: string): Promise<{ code: number; token: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'development', DATA_DIR: dataDir };
    execFile(
      process.execPath,
      [join(SRC, 'auth', 'token-cli.js'), '--role', 'viewer'],
      { env },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code) : 0, token: stdout.trim(), stderr });
      },
    );
  });
}

describe('development without JWT_SECRET and SESSION_ENCRYPTION_KEY: the generated secrets are kept in DATA_DIR', () => {
  it('kept 0600 at the first boot and reused by the next, so tokens survive a restart; the CLI signs with them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kr-data-'));
    const node = new DevNode({ NODE_ENV: 'development', FEED_SOURCE: 'simulator', DATA_DIR: dataDir });
    const noSecretYet = await mintWithCli(dataDir);
    assert.equal(noSecretYet.code, 78, 'nothing kept yet: the CLI refuses as before');
    assert.match(noSecretYet.stderr, /JWT_SECRET is not set/);
    assert.equal(noSecretYet.token, '');
    await node.start();
    let token: string;
    let secrets: Record<string, string>;
    try {
      const file = join(dataDir, SECRETS_FILE);
      assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');
      secrets = JSON.parse(readFileSync(file, 'utf8'));
      assert.match(secrets.JWT_SECRET, /^[0-9a-f]{64}$/);
      assert.match(secrets.SESSION_ENCRYPTION_KEY, /^[0-9a-f]{64}$/);
      assert.notEqual(secrets.JWT_SECRET, secrets.SESSION_ENCRYPTION_KEY);
      assert.match(
        node.output,
        /JWT_SECRET is not set: using the one generated and kept in .*dev-secrets\.json \(mode 0600\).*development only/,
      );
      assert.doesNotMatch(node.output, /for this boot/, 'no longer a secret for one boot');
      const minted = await mintWithCli(dataDir);
      assert.equal(minted.code, 0, minted.stderr);
      token = minted.token;
      assert.equal(
        await node.status('/api/market/status', token),
        200,
        'the running gateway accepts the CLI token',
      );
    } finally {
      await node.stop();
    }
    await node.start();
    try {
      assert.equal(await node.status('/api/market/status', token), 200, 'the token survived the restart');
      assert.deepEqual(
        JSON.parse(readFileSync(join(dataDir, SECRETS_FILE), 'utf8')),
        secrets,
        'the same secrets',
      );
      for (const s of Object.values(secrets)) assert.ok(!node.output.includes(s), 'a secret in the output');
    } finally {
      await node.stop();
    }
  });

  it('a secret given in the environment is used and not written; production never writes the file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kr-data-'));
    const given = 'a-jwt-secret-given-in-the-environment-0123456789';
    const node = new DevNode({
      NODE_ENV: 'development',
      FEED_SOURCE: 'simulator',
      DATA_DIR: dataDir,
      JWT_SECRET: given,
    });
    await node.start();
    try {
      const kept = JSON.parse(readFileSync(join(dataDir, SECRETS_FILE), 'utf8'));
      assert.deepEqual(Object.keys(kept), ['SESSION_ENCRYPTION_KEY'], 'only the generated one');
      assert.ok(!readFileSync(join(dataDir, SECRETS_FILE), 'utf8').includes(given));
    } finally {
      await node.stop();
    }

    const prodDir = mkdtempSync(join(tmpdir(), 'kr-data-'));
    const prod = spawn(process.execPath, [join(SRC, 'main.js')], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: '0', DATA_DIR: prodDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const code = await new Promise<number | null>((r) => prod.once('exit', r));
    assert.equal(code, 78, 'production requires the secrets');
    assert.equal(existsSync(join(prodDir, SECRETS_FILE)), false, 'and never generates or keeps one');
  });
});
