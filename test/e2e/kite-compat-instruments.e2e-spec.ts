import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { KiteConnect } from '../helpers/sim-clients.js';
import { TestApp } from '../helpers/test-app.js';

type Client = InstanceType<typeof KiteConnect>;
type Row = Record<string, unknown>;

const byToken = (rows: Row[]) =>
  [...rows].sort((a, b) => Number(a.instrument_token) - Number(b.instrument_token));

/** A raw GET (no automatic decompression), to see the bytes and headers the relay sends. */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = request(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('/kite/instruments: the stored master as Kite’s CSV', () => {
  let t: TestApp;
  let direct: Client;
  let relay: Client;
  let auth: Record<string, string>;
  const instrumentCalls = async () => {
    const calls = (await t.simStats()).rest_calls as Record<string, number>;
    return Object.entries(calls)
      .filter(([path]) => path.startsWith('/instruments') && !path.includes('historical'))
      .reduce((n, [, c]) => n + c, 0);
  };

  before(async () => {
    t = await TestApp.start();
    await t.login();
    direct = new KiteConnect({
      api_key: t.sim.apiKey,
      root: t.sim.urls.apiRoot,
      access_token: t.sim.issueAccessToken(),
    });
    const token = t.token('viewer');
    relay = new KiteConnect({ api_key: 'any', root: `${t.url}/kite` });
    relay.setAccessToken(token);
    auth = { authorization: `token any:${token}`, 'x-kite-version': '3' };
  });
  after(async () => {
    await t?.close();
  });

  it('getInstruments() and getInstruments(["NSE"]) equal the simulator’s own answers, with no Kite call per request', async () => {
    const theirs = await direct.getInstruments();
    const theirsNse = await direct.getInstruments(['NSE']);
    await relay.getInstruments(); // the master is loaded once the session starts
    const before = await instrumentCalls();
    const mine = await relay.getInstruments();
    const mineNse = await relay.getInstruments(['NSE']);
    const mineBse = await relay.getInstruments('bse');
    assert.ok(theirs.length >= 1000, `${theirs.length} instruments`);
    assert.deepEqual(byToken(mine), byToken(theirs));
    assert.deepEqual(byToken(mineNse), byToken(theirsNse));
    assert.ok(mineBse.every((r) => r.exchange === 'BSE'));
    assert.equal(await instrumentCalls(), before, 'served from the stored master');
  });

  it('exactly text/csv, gzip when accepted, the same ETag either way, and 304 for If-None-Match', async () => {
    const url = `${t.url}/kite/instruments/NSE`;
    const plain = await rawGet(url, auth);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-type'], 'text/csv');
    assert.equal(plain.headers['content-encoding'], undefined);
    const zipped = await rawGet(url, { ...auth, 'accept-encoding': 'gzip, deflate' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.ok(
      zipped.body.length < plain.body.length / 3,
      `${zipped.body.length} of ${plain.body.length} bytes`,
    );
    assert.deepEqual(gunzipSync(zipped.body), plain.body);
    const etag = String(plain.headers.etag);
    assert.equal(zipped.headers.etag, etag);
    const refused = await rawGet(url, { ...auth, 'accept-encoding': 'gzip;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
    const again = await rawGet(url, { ...auth, 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const all = await rawGet(`${t.url}/kite/instruments`, { ...auth, 'if-none-match': etag });
    assert.equal(all.status, 200, 'another exchange, another ETag');
  });

  it('a bad exchange is an InputException; a bad token a TokenException', async () => {
    const bad = await rawGet(`${t.url}/kite/instruments/N$E`, auth);
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body.toString()).error_type, 'InputException');
    const anonymous = await rawGet(`${t.url}/kite/instruments`, {});
    assert.equal(anonymous.status, 403);
    assert.equal(JSON.parse(anonymous.body.toString()).error_type, 'TokenException');
  });
});
