import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { KiteSessionService } from '../../src/auth/kite-session.service.js';
import type { SubscribeAck } from '../../src/contracts/socket-protocol.contract.js';
import type { Tick } from '../../src/kite/tick.js';
import { decodeMaster, encodeMaster, fromKiteRows } from '../../src/instruments/instrument-master.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { startReadmeExample } from '../helpers/readme-example.js';
import { TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const INFY = 408065;
const MASTER = 'instruments.json.gz';

/**
 * The ack within 3 s: before any master can load (no Kite session) the server must answer at once,
 * not after its 5 s wait for a master; a late ack rejects here.
 */
function subscribe(s: Socket, instruments: (string | number)[]): Promise<SubscribeAck & { ok: true }> {
  return s.timeout(3000).emitWithAck('subscribe', { instruments }) as Promise<SubscribeAck & { ok: true }>;
}

/** The JSON log lines at `level` (40 = warn) whose message matches `re`. */
function logged(t: TestApp, level: number, re: RegExp): string[] {
  return t.logs
    .map((l) => JSON.parse(l) as { level: number; msg?: string })
    .filter((l) => l.level === level && re.test(l.msg ?? ''))
    .map((l) => l.msg ?? '');
}

/** A good master file's bytes, as kite-relay writes them (the simulator's universe). */
function goodMaster(): Buffer {
  const rows = fromKiteRows(buildUniverse() as unknown as Record<string, unknown>[]);
  return encodeMaster({ fetchedAt: Date.now(), rows });
}

describe('first run: before the first login ever, without Redis', () => {
  it('a symbol is instruments_not_loaded at once, a token is accepted and ticks at login; then NSE:NOPE is unknown_instrument', async () => {
    const t = await TestApp.start({ redis: false });
    try {
      const s = t.client({ token: t.token() });
      await t.connected(s);
      const ticks: Tick[] = [];
      s.on('ticks', (batch) => ticks.push(...batch));

      const before = await subscribe(s, ['NSE:INFY', INFY]);
      assert.equal(before.ok, true);
      assert.deepEqual(before.rejected, [{ instrument: 'NSE:INFY', reason: 'instruments_not_loaded' }]);
      assert.deepEqual(before.subscribed, [{ instrument_token: INFY, mode: 'quote' }]);
      assert.equal(existsSync(join(t.config.dataDir, MASTER)), false, 'no master stored yet');

      await t.login();
      await waitFor(() => ticks.some((k) => k.instrument_token === INFY), 'the token ticks after the login');
      await waitFor(() => existsSync(join(t.config.dataDir, MASTER)), 'the master kept in DATA_DIR');

      const after = await subscribe(s, ['NSE:NOPE', 'NSE:INFY']);
      assert.deepEqual(after.rejected, [{ instrument: 'NSE:NOPE', reason: 'unknown_instrument' }]);
      assert.deepEqual(after.subscribed, [{ instrument_token: INFY, symbol: 'NSE:INFY', mode: 'quote' }]);
      await waitFor(() => ticks.some((k) => k.symbol === 'NSE:INFY'), 'ticks carry the symbol');
    } finally {
      await t.close();
    }
  });

  it('a restart with the same DATA_DIR resolves symbols before any login', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kr-data-'));
    const first = await TestApp.start({ redis: false, env: { DATA_DIR: dataDir } });
    try {
      await first.login();
      await waitFor(() => existsSync(join(dataDir, MASTER)), 'the master written to DATA_DIR');
    } finally {
      await first.close();
    }
    // Without the kept Kite session (data-dir.e2e covers that): symbols come from the master alone.
    rmSync(join(dataDir, 'kite-session.sealed'));
    const second = await TestApp.start({ redis: false, env: { DATA_DIR: dataDir } });
    try {
      const s = second.client({ token: second.token() });
      await second.connected(s);
      const ack = await subscribe(s, ['NSE:INFY']);
      assert.deepEqual(ack.rejected, []);
      assert.deepEqual(ack.subscribed, [{ instrument_token: INFY, symbol: 'NSE:INFY', mode: 'quote' }]);
      assert.equal(second.get(KiteSessionService).current, undefined, 'no Kite session');
      assert.equal(logged(second, 30, /^instrument master \(stored\): \d+ instruments$/).length, 1);
    } finally {
      await second.close();
    }
  });
});

describe('first run: an unreadable stored master is discarded with a warning and fetched again', () => {
  const cases: [string, () => Buffer][] = [
    ['a corrupt file', () => Buffer.from('this is not a gzip file\n')],
    ['a truncated file', () => goodMaster().subarray(0, 2000)],
  ];
  for (const [name, bytes] of cases) {
    it(`${name}: boots, warns once, instruments_not_loaded until a login, then a good file`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'kr-data-'));
      const file = join(dataDir, MASTER);
      writeFileSync(file, bytes());
      const t = await TestApp.start({ redis: false, env: { DATA_DIR: dataDir } });
      try {
        const unreadable = /^stored instrument master in the data directory is unreadable \(.+\): discarded/;
        assert.equal(logged(t, 40, unreadable).length, 1, 'one warning at boot');
        const s = t.client({ token: t.token() });
        await t.connected(s);
        for (let i = 0; i < 2; i++) {
          const ack = await subscribe(s, ['NSE:INFY']);
          assert.deepEqual(ack.rejected, [{ instrument: 'NSE:INFY', reason: 'instruments_not_loaded' }]);
        }
        assert.equal(logged(t, 40, unreadable).length, 1, 'not warned again at each subscribe');

        await t.login();
        const master = await waitFor(() => {
          try {
            return decodeMaster(readFileSync(file));
          } catch {
            return undefined; // not yet rewritten
          }
        }, 'a good master file');
        assert.ok(master.rows.some((r) => r.instrument_token === INFY && r.tradingsymbol === 'INFY'));
        const ack = await subscribe(s, ['NSE:INFY']);
        assert.deepEqual(ack.subscribed, [{ instrument_token: INFY, symbol: 'NSE:INFY', mode: 'quote' }]);
      } finally {
        await t.close();
      }
    });
  }
});

describe('first run: DATA_DIR is checked at boot', () => {
  it('a DATA_DIR that cannot be created exits 78 naming DATA_DIR and the path', async () => {
    const plainFile = join(mkdtempSync(join(tmpdir(), 'kr-data-')), 'a-file');
    writeFileSync(plainFile, 'not a directory');
    const dataDir = join(plainFile, 'data');
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'src', 'main.js')], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', PORT: '0', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 78);
    assert.ok(out.includes(`- DATA_DIR: ${dataDir} cannot be created or written`), out);
    assert.doesNotMatch(out, /READY/);
  });
});

describe("first run: the README's example client started before the login", () => {
  it('connects, is told the symbol is not loaded yet, and prints NSE:INFY ticks after the login', async () => {
    const t = await TestApp.start({ redis: false });
    const example = startReadmeExample(t.url, t.token('viewer'));
    try {
      await waitFor(() => /^subscribed .*rejected 1 instruments_not_loaded$/m.test(example.output()), 'ack');
      assert.match(example.output(), /^subscribed 256265 rejected 1 instruments_not_loaded$/m);
      assert.match(example.output(), /^feed AUTH_REQUIRED/m);
      assert.doesNotMatch(example.output(), /^NSE:INFY \d/m);

      await t.login();
      await waitFor(
        () => /^NSE:INFY \d+(\.\d+)? -?\d/m.test(example.output()),
        'NSE:INFY ticks printed after the login',
      );
      assert.match(example.output(), /^feed LIVE/m);
      assert.match(example.output(), /^subscribed NSE:INFY rejected 0$/m);
      assert.match(example.output(), /^NSE:NIFTY 50 \d/m);
      assert.doesNotMatch(example.output(), /refused:|Error/);
    } finally {
      example.stop();
      await t.close();
    }
  });
});
