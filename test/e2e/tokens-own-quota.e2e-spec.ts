import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_JWT_SECRET, TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const PER_USER = 5;
const ALLOWED = 'AB1234,CD5678';
const CLI = fileURLToPath(new URL('../../src/auth/token-cli.js', import.meta.url));

/** `npm run token -- <args>` as the gateway's operator runs it (the same JWT_SECRET and allowlist). */
const tokenCli = (args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      JWT_SECRET: TEST_JWT_SECRET,
      ALLOWED_KITE_USER_IDS: ALLOWED,
    };
    execFile(process.execPath, [CLI, ...args], { env }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
const subOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: string }).sub;

describe('tokens minted without a sub: each is its own user with its own quota (one node, Redis)', () => {
  let t: TestApp;
  let admin: string;
  before(async () => {
    t = await TestApp.start({
      env: { MAX_CONNECTIONS_PER_USER: String(PER_USER), ALLOWED_KITE_USER_IDS: ALLOWED },
    });
    admin = t.token('admin', '1h');
  });
  after(async () => {
    await t.close();
  });

  const bot = async () => {
    const r = await t.post('/api/admin/tokens', { role: 'viewer', ttl: '30m' }, admin);
    assert.equal(r.status, 201, r.text);
    return r.body as { id: string; token: string; sub: string };
  };
  const open = (token: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, async () => {
        const s = t.client({ token });
        await t.connected(s);
        return s;
      }),
    );

  it(`two unnamed bots each open all ${PER_USER} sockets; the next one of each is refused, the other unaffected`, async () => {
    const [one, two] = [await bot(), await bot()];
    assert.notEqual(one.sub, two.sub, 'each unnamed token has a sub of its own');
    const first = await open(one.token, PER_USER);
    // The review's case: a bot at its cap used to lock out the next bot (one shared sub).
    const second = await open(two.token, PER_USER);
    assert.equal([...first, ...second].filter((s) => s.connected).length, 2 * PER_USER);
    await assert.rejects(t.connected(t.client({ token: one.token })), /too_many_connections/);
    await assert.rejects(t.connected(t.client({ token: two.token })), /too_many_connections/);
    assert.ok(
      [...first, ...second].every((s) => s.connected),
      'a refusal ends no socket of either bot',
    );
    const ack = await second[0].emitWithAck('subscribe', { instruments: [408065] });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    // A socket freed by one bot is its own again, and only its own.
    first[0].disconnect();
    await waitFor(async () => (await open(one.token, 1))[0].connected, 'the freed socket reopened');
    await assert.rejects(t.connected(t.client({ token: two.token })), /too_many_connections/);
  });

  it('two CLI tokens minted without --sub: each its own cli-… sub and its own quota', async () => {
    const minted = await Promise.all([tokenCli(['--role', 'viewer']), tokenCli(['--role', 'viewer'])]);
    for (const m of minted) assert.equal(m.status, 0, m.stderr);
    const [one, two] = minted.map((m) => m.stdout.trim());
    assert.match(subOf(one), /^cli-viewer-[\w-]{8}$/);
    assert.notEqual(subOf(one), subOf(two), 'no shared cli-viewer user');
    const first = await open(one, PER_USER);
    const second = await open(two, PER_USER);
    assert.equal([...first, ...second].filter((s) => s.connected).length, 2 * PER_USER);
    await assert.rejects(t.connected(t.client({ token: one })), /too_many_connections/);
    await assert.rejects(t.connected(t.client({ token: two })), /too_many_connections/);
    for (const s of [...first, ...second]) s.disconnect();
  });

  it('a sub naming an allowlisted Kite user id is refused: 400 from the API, exit 64 from the CLI', async () => {
    for (const sub of ['AB1234', 'cd5678']) {
      const r = await t.post('/api/admin/tokens', { role: 'viewer', sub }, admin);
      assert.equal(r.status, 400, r.text);
      assert.match(r.body.message, /must not name a Kite user id allowed to log in/);
      const cli = await tokenCli(['--role', 'admin', '--sub', sub]);
      assert.equal(cli.status, 64, cli.stderr);
      assert.match(cli.stderr, /--sub: sub must not name a Kite user id allowed to log in/);
      assert.equal(cli.stdout, '', 'no token printed');
    }
    const fine = await tokenCli(['--sub', 'AB1234-bot']);
    assert.equal(fine.status, 0, fine.stderr);
    assert.equal(subOf(fine.stdout.trim()), 'AB1234-bot');
    assert.equal(
      (await t.post('/api/admin/tokens', { role: 'viewer', sub: 'AB1234-bot' }, admin)).status,
      201,
    );
  });
});
